"""What the daemon needs from a language model, and what it streams back."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol

from assistant.config.settings import LlmSettings


@dataclass(frozen=True)
class Token:
    """One streamed piece of a reply."""

    text: str
    """The text the model produced."""
    at: float
    """time.monotonic() when it arrived."""


class LanguageModel(Protocol):
    """A chat model kept loaded. Every call that computes runs on the model's own thread."""

    name: str
    """Engine name: llama, or that of a fake or remote engine."""
    model_path: Path
    """The model file (for reports)."""
    settings: LlmSettings
    """Sampling and limits of each call; a reloaded config replaces them."""
    shares_cpu: bool
    """True when the model computes on this machine's CPU (piper then takes turns with it)."""

    def stream(self, messages: list[dict], max_tokens: int | None = None,
               cancel: threading.Event | None = None) -> Iterator[Token]:
        """Stream the reply to a chat; ``cancel`` set ends it at the next step."""

    def prefill(self, messages: list[dict], cancel: threading.Event | None = None) -> None:
        """Read a chat's prompt into the cache and write nothing."""

    def stop(self, cancel: threading.Event) -> None:
        """Set ``cancel`` and stop its running call as soon as the engine can."""

    def reply(self, messages: list[dict], max_tokens: int | None = None) -> str:
        """The whole reply as one string."""

    def count_tokens(self, text: str) -> int:
        """Tokens the model's tokenizer makes of ``text``."""

    def call(self, fn, *args):
        """``fn(*args)`` on the model's own thread; its result."""

    def submit(self, fn, *args) -> Future:
        """Queue ``fn(*args)`` on the model's own thread; its future."""

    def close(self) -> None:
        """Let the model's thread end once idle."""


class ModelThread:
    """The one thread that runs every call of a model: a call made on it runs at once, any
    other is queued behind the running one."""

    def __init__(self, name: str) -> None:
        self._ident: int | None = None
        self._pool = ThreadPoolExecutor(1, thread_name_prefix=name, initializer=self._mark)

    def _mark(self) -> None:
        self._ident = threading.get_ident()

    def call(self, fn, *args):
        """``fn(*args)`` on the thread; its result."""
        if threading.get_ident() == self._ident:
            return fn(*args)
        return self.submit(fn, *args).result()

    def submit(self, fn, *args) -> Future:
        """Queue ``fn(*args)`` on the thread; its future."""
        return self._pool.submit(fn, *args)

    def close(self) -> None:
        """Let the thread end once idle (a running call finishes first)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
