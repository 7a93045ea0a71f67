"""The local language model: llama-cpp-python, loaded once, replies streamed."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Iterator

from assistant.config.settings import LlmSettings
from assistant.core.cpu_topology import performance_cores
from assistant.core.errors import LlmError, ModelError
from assistant.llm.abort import AbortSwitch
from assistant.llm.base import ModelThread, Token

GGUF_MAGIC = b"GGUF"
MODEL_THREAD = "llama"
"""Name prefix of the one thread that runs llama.cpp (see LocalLlm.call)."""
KV_TYPES = {"f16": 1, "q8_0": 8, "q4_0": 2}  # ggml_type ids used by llama.cpp


def check_gguf(path: Path) -> None:
    """Refuse a file that is missing or is not GGUF, before llama.cpp sees it."""
    if not path.is_file():
        raise ModelError(f"{path}: model file not found; set llm.model to a catalog name or a .gguf path")
    with path.open("rb") as handle:
        if handle.read(4) != GGUF_MAGIC:
            raise ModelError(f"{path}: not a GGUF model file; use a .gguf build of the model")


class LocalLlm:
    """A GGUF chat model kept loaded; each call streams one reply."""

    name = "llama"
    shares_cpu = True

    def __init__(self, model_path: Path, settings: LlmSettings):
        check_gguf(model_path)
        from llama_cpp import Llama

        from assistant.llm.kv_shift import shifting_llama

        if settings.context_shift:
            Llama = shifting_llama()  # noqa: N806
        self.settings = settings
        self.model_path = model_path
        self._lock = threading.Lock()
        self._thread = ModelThread(MODEL_THREAD)
        self.threads = settings.threads or performance_cores()
        kv = KV_TYPES[settings.kv_cache_type]
        try:
            self.llama = Llama(
                model_path=str(model_path), n_ctx=settings.context, n_batch=settings.batch,
                n_ubatch=min(settings.ubatch, settings.batch), n_threads=self.threads,
                n_threads_batch=settings.threads_batch or self.threads,
                use_mmap=settings.mmap, use_mlock=settings.mlock, seed=settings.seed,
                type_k=kv, type_v=kv, flash_attn=settings.flash_attn, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"{model_path}: llama.cpp could not load it ({exc}); "
                             "the file may be truncated or of an unsupported architecture") from None
        self._abort = AbortSwitch(self.llama)

    def count_tokens(self, text: str) -> int:
        """Tokens the model's tokenizer makes of ``text``."""
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(self, messages: list[dict], max_tokens: int | None = None,
               cancel: threading.Event | None = None) -> Iterator[Token]:
        """Stream the reply to a chat, using the model's own chat template.

        llama-cpp-python keeps the evaluated tokens, so a prompt that extends the
        previous one only prefills the new part (the KV cache is reused). Each token is
        computed on the model's own thread, whichever thread iterates. ``stop(cancel)``
        ends the stream at once, even in the middle of reading the prompt.
        """
        # llama.cpp's context is not thread-safe; an abandoned call may still run
        with self._lock, self._abort.watching(cancel):
            steps = self._stream(messages, max_tokens or self.settings.max_tokens)
            try:
                while (token := self.call(next, steps, None)) is not None:
                    yield token
            finally:
                self.call(steps.close)

    def prefill(self, messages: list[dict], cancel: threading.Event | None = None) -> None:
        """Read a chat's prompt into the cache and write nothing (the start of a question
        still being spoken): a later prompt that begins the same way skips that part."""
        for _token in self.stream(messages, max_tokens=1, cancel=cancel):
            break  # the prompt is read; the first token is not computed into the cache

    def stop(self, cancel: threading.Event) -> None:
        """Set ``cancel``; if its stream is running, llama.cpp stops within one graph node."""
        self._abort.trip(cancel)

    def call(self, fn, *args):
        """``fn(*args)`` on the model's own thread, the only one that runs llama.cpp.

        libgomp spins its workers between parallel regions only while it manages no more
        threads than there are cores. Every thread that runs llama.cpp gets a team of its
        own, so a second one (a warm-up on the main thread, say) made every barrier a
        sleep and a wake-up: about 400 per token, and the daemon decoded at 0.5-0.7 of
        the speed of the same call alone. A ``fn`` that streams takes the model's lock on
        this thread, so it must not be queued while another thread holds it mid-stream.
        """
        return self._thread.call(fn, *args)

    def submit(self, fn, *args) -> Future:
        """Queue ``fn(*args)`` on the model's thread (see ``call``); its future."""
        return self._thread.submit(fn, *args)

    def close(self) -> None:
        """Let the model's thread end once idle (a running call finishes first)."""
        self._thread.close()

    def completion_chunks(self, messages: list[dict], max_tokens: int | None = None) -> Iterator[dict]:
        """llama-cpp-python's own streamed chat completion with the configured sampling
        (the benchmark times it raw; ``stream`` wraps it). Call it on the model's thread."""
        s = self.settings
        return self.llama.create_chat_completion(
            messages=messages, stream=True, max_tokens=max_tokens or s.max_tokens,
            temperature=s.temperature, top_p=s.top_p, repeat_penalty=s.repeat_penalty,
            seed=s.seed if s.seed >= 0 else None)

    def _stream(self, messages: list[dict], max_tokens: int) -> Iterator[Token]:
        try:
            for chunk in self.completion_chunks(messages, max_tokens):
                text = chunk["choices"][0]["delta"].get("content")
                if text:
                    yield Token(text, time.monotonic())
        except (ValueError, RuntimeError) as exc:
            if isinstance(exc, RuntimeError) and self._abort.tripped:
                return  # stop() aborted the decode: llama.cpp dropped its unfinished tokens
            raise LlmError(f"the language model failed ({exc})") from None

    def reply(self, messages: list[dict], max_tokens: int | None = None) -> str:
        """The whole reply as one string."""
        return "".join(t.text for t in self.stream(messages, max_tokens)).strip()
