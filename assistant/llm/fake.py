"""A scripted language model for tests of the daemon core: no model, replies at once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Callable, Iterator

from assistant.config.settings import LlmSettings
from assistant.llm.base import ModelThread, Token


class FakeLanguageModel:
    """Streams ``reply(messages)`` word by word on a thread of its own, like the real one.

    ``token_s`` paces the words (a reply that takes a while to write, for barge-in tests);
    ``fail`` raises that error instead of answering. Every prompt is kept in ``prompts``.
    """

    name = "fake"
    model_path = Path("fake-llm")
    shares_cpu = True

    def __init__(self, reply: str | Callable[[list[dict]], str] = "Paris is the capital of France.",
                 token_s: float = 0.0, fail: Exception | None = None,
                 settings: LlmSettings = LlmSettings()) -> None:
        self.answer = reply if callable(reply) else (lambda messages: reply)
        self.token_s = token_s
        self.fail = fail
        self.settings = settings
        self.prompts: list[list[dict]] = []
        self.prefilled: list[list[dict]] = []
        self._thread = ModelThread("fake-llm")

    def stream(self, messages: list[dict], max_tokens: int | None = None,
               cancel: threading.Event | None = None) -> Iterator[Token]:
        self.prompts.append(messages)
        if self.fail is not None:
            raise self.fail
        words = self.answer(messages).split(" ")
        for i, word in enumerate(words[:max_tokens or self.settings.max_tokens]):
            if cancel is not None and cancel.wait(self.token_s):
                return
            if cancel is None and self.token_s:
                time.sleep(self.token_s)
            yield Token(word if i == 0 else " " + word, time.monotonic())

    def prefill(self, messages: list[dict], cancel: threading.Event | None = None) -> None:
        self.prefilled.append(messages)

    def stop(self, cancel: threading.Event) -> None:
        cancel.set()

    def reply(self, messages: list[dict], max_tokens: int | None = None) -> str:
        return "".join(t.text for t in self.stream(messages, max_tokens)).strip()

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def call(self, fn, *args):
        return fn(*args)

    def submit(self, fn, *args) -> Future:
        return self._thread.submit(fn, *args)

    def close(self) -> None:
        self._thread.close()
