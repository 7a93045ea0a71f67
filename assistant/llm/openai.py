"""A language model on another machine: an OpenAI-compatible chat server (llama-server,
Ollama, LM Studio, vLLM, llama-cpp-python's server), its reply streamed as server-sent events.

httpx2's read timeout cannot tell a slow prompt from a stalled server (any byte resets it,
a keep-alive comment too), so the time limits are kept here: the first token within
llm.first_token_timeout_s, each next one within llm.token_timeout_s. Stopping closes the
connection: that is what makes a server stop generating (one that is merely no longer read
from writes the whole answer). The requests run on the network clients' asyncio loop
(assistant.net.loop); the caller's thread only takes tokens from a queue.
"""

from __future__ import annotations

import asyncio
import json
import math
import queue
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Iterator

import httpx2

from assistant.config.settings import LlmSettings
from assistant.core.errors import EX_UNAVAILABLE, LlmError
from assistant.llm.base import ModelThread, Token
from assistant.net.loop import shared_loop

POLL_S = 0.02
"""How often a request looks at its cancel flag and deadline (``stop`` wakes it at once)."""
CONNECT_S = 3.0
"""Longest a connection may take to open by default (timeouts.connect_s): a host that is off
answers nothing at all."""
CLOSE_WAIT_S = 2.0
"""Longest a finished stream waits for its connection to be closed."""
CHARS_PER_TOKEN = 3
"""count_tokens' estimate: English runs about 4 characters a token; 3 errs on the long side."""
_END = object()


class RemoteError(LlmError):
    """The server failed; ``reason`` says how: unreachable, first-token-timeout,
    token-timeout, dropped, http-status, server-error, bad-response or failed."""

    exit_code = EX_UNAVAILABLE

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class _Request:
    """One streamed reply: tokens handed from the I/O loop to the caller, and how to stop it."""

    def __init__(self, cancel: threading.Event) -> None:
        self.cancel = cancel
        self.left = threading.Event()
        """The caller stopped reading (the stream was closed early)."""
        self.out: queue.SimpleQueue = queue.SimpleQueue()
        self.wake: asyncio.Event | None = None
        self.last_at: float | None = None
        """When the last token arrived (None: none yet)."""

    def stopping(self) -> bool:
        return self.cancel.is_set() or self.left.is_set()


def chunk_text(data: str, where: str) -> str:
    """The reply text in one streamed chat chunk ('' for a role-only or empty one)."""
    try:
        chunk = json.loads(data)
    except ValueError:
        raise RemoteError("bad-response", f"{where}: the server sent {data[:80]!r}, not a JSON chat "
                          "chunk; point llm.url at an OpenAI-compatible /v1 address") from None
    if not isinstance(chunk, dict) or chunk.get("error"):
        error = chunk.get("error") if isinstance(chunk, dict) else chunk
        raise RemoteError("server-error", f"{where}: the server reported an error: {str(error)[:200]}")
    texts = [(choice.get("delta") or {}).get("content") for choice in chunk.get("choices") or ()
             if isinstance(choice, dict)]
    return "".join(text for text in texts if isinstance(text, str))


def transport_error(exc: httpx2.TransportError, where: str) -> RemoteError:
    """The RemoteError for a failed connection, in one line."""
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, (httpx2.ConnectError, httpx2.ConnectTimeout)):
        return RemoteError("unreachable", f"{where}: cannot connect ({detail}); is the server running?")
    if isinstance(exc, (httpx2.RemoteProtocolError, httpx2.ReadError)):
        return RemoteError("dropped", f"{where}: the server closed the connection mid-answer ({detail})")
    if isinstance(exc, httpx2.SSEError):
        return RemoteError("bad-response", f"{where}: not a stream of server-sent events ({detail}); "
                           "point llm.url at an OpenAI-compatible /v1 address")
    return RemoteError("failed", f"{where}: the request failed ({detail})")


def status_error(status: int, body: bytes, where: str) -> RemoteError:
    """The RemoteError for a reply that is not 200, with the server's own words."""
    detail = " ".join(body.decode("utf-8", "replace").split())[:200]
    fix = {401: "check llm.api_key_file", 403: "check llm.api_key_file",
           404: "check llm.url (it ends in /v1) and llm.remote_model"}.get(status, "see the server's log")
    return RemoteError("http-status", f"{where}: the server answered HTTP {status} ({detail}); {fix}")


class OpenAiChat:
    """A chat model behind an OpenAI-compatible server; each call streams one reply."""

    name = "openai"
    shares_cpu = False
    """The server computes: piper need not take turns with it on this machine's CPU."""

    def __init__(self, settings: LlmSettings, api_key: str | None = None, connect_s: float = CONNECT_S) -> None:
        self.settings, self.connect_s = settings, connect_s
        self.url = (settings.url or "").rstrip("/")
        self.model_path = Path(settings.remote_model or "remote")
        self.where = f"llm.url {self.url}"
        self._requests: dict[int, _Request] = {}
        self._worker = ModelThread("remote-llm")
        self._net = shared_loop()
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client: httpx2.AsyncClient = self._net.run(self._open(headers))

    async def _open(self, headers: dict) -> httpx2.AsyncClient:
        # No read limit (the deadlines are ours); trust_env=False: no proxy from the
        # environment may divert a LAN address.
        limits = httpx2.Timeout(None, connect=self.connect_s, write=self.connect_s, pool=self.connect_s)
        return httpx2.AsyncClient(base_url=self.url + "/", headers=headers, timeout=limits, trust_env=False)

    def stream(self, messages: list[dict], max_tokens: int | None = None,
               cancel: threading.Event | None = None) -> Iterator[Token]:
        """Stream the server's reply; RemoteError when it cannot be reached, is too slow or
        fails. ``stop(cancel)`` (or closing the iterator) closes the connection at once."""
        request = _Request(cancel or threading.Event())
        self._requests[id(request.cancel)] = request
        served = self._net.spawn(self._serve(request, self._body(messages, max_tokens)))
        try:
            while (item := request.out.get()) is not _END:
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            request.left.set()
            self._wake(request)
            self._requests.pop(id(request.cancel), None)
            try:  # the next request must not start while this one still streams
                served.result(CLOSE_WAIT_S)
            except FutureTimeout:
                pass

    def prefill(self, messages: list[dict], cancel: threading.Event | None = None) -> None:
        """Nothing: the server keeps its own cache, and a second request would stop the one running."""

    def stop(self, cancel: threading.Event) -> None:
        """Set ``cancel`` and close its stream's connection now."""
        cancel.set()
        request = self._requests.get(id(cancel))
        if request is not None:
            self._wake(request)

    def reply(self, messages: list[dict], max_tokens: int | None = None) -> str:
        """The whole reply as one string."""
        return "".join(t.text for t in self.stream(messages, max_tokens)).strip()

    def count_tokens(self, text: str) -> int:
        """An estimate (the server's tokenizer is not at hand): a token per 3 characters,
        more than most text takes, so the history is cut a little early rather than late."""
        return math.ceil(len(text) / CHARS_PER_TOKEN)

    def reachable(self) -> bool:
        """Whether the server answers GET /models (every OpenAI-compatible server has it)."""
        async def probe() -> bool:
            try:
                return (await self._client.get("models", timeout=self.connect_s)).status_code == 200
            except httpx2.TransportError:
                return False

        return self._net.run(probe())

    def call(self, fn, *args):
        """``fn(*args)`` on the model's own thread; its result."""
        return self._worker.call(fn, *args)

    def submit(self, fn, *args) -> Future:
        """Queue ``fn(*args)`` on the model's own thread; its future."""
        return self._worker.submit(fn, *args)

    def close(self) -> None:
        """Let the model's thread end once idle; the connections are closed."""
        self._worker.close()
        try:
            self._net.run(self._client.aclose(), CLOSE_WAIT_S)
        except TimeoutError:
            pass

    def _wake(self, request: _Request) -> None:
        if request.wake is not None:
            self._net.call(request.wake.set)

    def _body(self, messages: list[dict], max_tokens: int | None) -> dict:
        s = self.settings  # only standard fields: OpenAI itself refuses unknown ones
        body = {"model": s.remote_model, "messages": messages, "stream": True,
                "max_tokens": max_tokens or s.max_tokens, "temperature": s.temperature, "top_p": s.top_p}
        if s.seed >= 0:
            body["seed"] = s.seed
        return body

    async def _serve(self, request: _Request, body: dict) -> None:
        """I/O loop: read the reply while watching the deadlines and the stop; the queue
        ends with _END or the error."""
        request.wake = asyncio.Event()
        reader = asyncio.create_task(self._read(request, body))
        woken = asyncio.create_task(request.wake.wait())
        try:
            outcome = await self._watch(request, reader, woken, time.monotonic())
        except Exception as exc:  # noqa: BLE001 (the caller must never wait forever)
            outcome = RemoteError("failed", f"{self.where}: {exc!r}")
        finally:
            woken.cancel()
        request.out.put(outcome)

    async def _watch(self, request: _Request, reader: asyncio.Task, woken: asyncio.Task, start: float):
        s = self.settings
        while not reader.done():
            if request.last_at is None:
                deadline, key, reason = start + s.first_token_timeout_s, "first_token_timeout_s", "first-token-timeout"
            else:
                deadline, key, reason = request.last_at + s.token_timeout_s, "token_timeout_s", "token-timeout"
            now = time.monotonic()
            if request.stopping() or now >= deadline:
                reader.cancel()  # leaves the sse block: the response and its connection are closed
                await asyncio.gather(reader, return_exceptions=True)
                if request.stopping():
                    return _END
                limit = getattr(s, key)
                return RemoteError(reason, f"{self.where}: no token within llm.{key} ({limit:g} s)")
            await asyncio.wait({reader, woken}, timeout=min(POLL_S, deadline - now),
                               return_when=asyncio.FIRST_COMPLETED)
        try:
            reader.result()
        except RemoteError as exc:
            return exc
        return _END

    async def _read(self, request: _Request, body: dict) -> None:
        try:
            async with self._client.sse("chat/completions", method="POST", json=body) as events:
                if events.response.status_code != 200:
                    raise status_error(events.response.status_code, await events.response.aread(), self.where)
                async for event in events:
                    if event.data == "[DONE]":
                        return
                    text = chunk_text(event.data, self.where) if event.data else ""
                    if text:
                        request.last_at = time.monotonic()
                        request.out.put(Token(text, request.last_at))
        except httpx2.TransportError as exc:
            raise transport_error(exc, self.where) from None
