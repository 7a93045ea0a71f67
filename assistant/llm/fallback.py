"""The server's model while it answers; the local model while it cannot.

Each answer goes to the server first. When it cannot be reached or sends no first token in
time (any RemoteError before the first token), the same messages go to the local model in
the same turn, and the log and the listener hear it once (``llm_fallback``). While it is
down, answers go straight to the local model; the server is tried again after RETRY_S,
doubling while it stays down up to RETRY_MAX_S, and its first answer after that is reported
once too (``llm_remote_back``). The history lives in the daemon's conversation, so both
models get the same messages. A server that fails mid-answer ends that answer with its
LlmError (what was spoken is kept): starting over locally would say it all again.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from typing import Callable, Iterator

from assistant.config.settings import LlmSettings
from assistant.core.errors import LlmError
from assistant.llm.base import LanguageModel, Token

log = logging.getLogger(__name__)

RETRY_S = 30.0
"""Seconds after a failure before the server is asked again."""
RETRY_MAX_S = 300.0
"""Longest wait between two tries while the server stays down."""

Listener = Callable[[str, dict], None]
"""listener(event type, data): told llm_fallback (reason, message) and llm_remote_back."""


class FallbackLlm:
    """A remote model with a local one behind it: one LanguageModel to the daemon."""

    def __init__(self, remote: LanguageModel, local: LanguageModel, retry_s: float = RETRY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.remote, self.local = remote, local
        self.name = f"{remote.name}, falling back to {local.name}"
        self.model_path = remote.model_path
        self.retry_s, self.clock = retry_s, clock
        self.down: dict | None = None
        """Why the server is not used ({reason, message}); None while it answers."""
        self._wait_s = retry_s
        self._retry_at = 0.0
        self._listener: Listener | None = None
        self._serving = remote

    @property
    def settings(self) -> LlmSettings:
        """Sampling and limits; a reloaded config replaces them for both models."""
        return self.remote.settings

    @settings.setter
    def settings(self, value: LlmSettings) -> None:
        self.remote.settings = self.local.settings = value

    @property
    def shares_cpu(self) -> bool:
        """Whether the model answering now computes on this machine's CPU."""
        return self._serving.shares_cpu

    def watch(self, listener: Listener | None) -> None:
        """Tell ``listener`` (from the model's thread) when answers move between the models;
        a fallback that already happened (at warm-up, say) is told at once."""
        self._listener = listener
        if listener is not None and self.down is not None:
            listener("llm_fallback", dict(self.down))

    def stream(self, messages: list[dict], max_tokens: int | None = None,
               cancel: threading.Event | None = None) -> Iterator[Token]:
        """The server's reply, or the local model's when the server fails before its first token."""
        if self.down is None or self.clock() >= self._retry_at:
            self._serving = self.remote
            answered = False
            try:
                for token in self.remote.stream(messages, max_tokens, cancel):
                    if not answered:
                        answered = True
                        self._up()
                    yield token
                if not answered and not (cancel is not None and cancel.is_set()):
                    self._up()  # an empty answer is still an answer
                return
            except LlmError as exc:
                self._failed(exc)
                if answered or (cancel is not None and cancel.is_set()):
                    raise
        self._serving = self.local
        yield from self.local.stream(messages, max_tokens, cancel)

    def prefill(self, messages: list[dict], cancel: threading.Event | None = None) -> None:
        """The local model reads ahead only while it is the one answering."""
        (self.local if self.down is not None else self.remote).prefill(messages, cancel)

    def stop(self, cancel: threading.Event) -> None:
        """Stop whichever model runs ``cancel``'s call."""
        self.remote.stop(cancel)
        self.local.stop(cancel)

    def reply(self, messages: list[dict], max_tokens: int | None = None) -> str:
        """The whole reply as one string."""
        return "".join(t.text for t in self.stream(messages, max_tokens)).strip()

    def count_tokens(self, text: str) -> int:
        """The local model's count: the history must fit it whenever it takes over."""
        return self.local.count_tokens(text)

    def call(self, fn, *args):
        """``fn(*args)`` on the local model's thread: llama.cpp runs on no other, and a remote
        stream costs nothing there."""
        return self.local.call(fn, *args)

    def submit(self, fn, *args) -> Future:
        """Queue ``fn(*args)`` on the local model's thread (see ``call``)."""
        return self.local.submit(fn, *args)

    def close(self) -> None:
        """Let both models' threads end once idle."""
        self.remote.close()
        self.local.close()

    def _failed(self, exc: LlmError) -> None:
        reason = getattr(exc, "reason", "failed")
        if self.down is None:
            self.down, self._wait_s = {"reason": reason, "message": str(exc)}, self.retry_s
            log.warning("llm: %s (the local model answers until the server does again)", exc)
            self._tell("llm_fallback", dict(self.down))
        else:  # a retry that failed: said once already
            self._wait_s = min(2 * self._wait_s, RETRY_MAX_S)
            log.debug("llm: the server is still not answering (%s)", exc)
        self._retry_at = self.clock() + self._wait_s

    def _up(self) -> None:
        if self.down is not None:
            self.down = None
            log.info("llm: the server answers again; answers come from it")
            self._tell("llm_remote_back", {})

    def _tell(self, kind: str, data: dict) -> None:
        if self._listener is not None:
            self._listener(kind, data)
