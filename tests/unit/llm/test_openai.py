"""The OpenAI-compatible engine against a scripted SSE server on 127.0.0.1: parsing, time
limits, stopping, and every failure as one RemoteError line."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from support.sse_server import ChatServer, Script

from assistant.config.settings import LlmSettings
from assistant.llm.openai import OpenAiChat, RemoteError

ASK = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"}]


@pytest.fixture
def server():
    chat_server = ChatServer()
    yield chat_server
    chat_server.close()


def engine(url: str, api_key: str | None = None, **limits) -> OpenAiChat:
    return OpenAiChat(LlmSettings(engine="openai", url=url, remote_model="scripted", **limits), api_key)


@pytest.fixture
def make():
    made = []

    def _make(url: str, api_key: str | None = None, **limits) -> OpenAiChat:
        made.append(engine(url, api_key, **limits))
        return made[-1]

    yield _make
    for llm in made:
        llm.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_reply_streams_token_by_token_with_the_standard_request(server, make):
    llm = make(server.url, api_key="sk-test")
    tokens = list(llm.stream(ASK, max_tokens=7))
    assert [t.text for t in tokens] == ["Paris", " is", " the", " capital", "."]
    assert all(a.at <= b.at for a, b in zip(tokens, tokens[1:]))
    headers, body = server.requests[0]
    assert headers["Authorization"] == "Bearer sk-test"
    assert body == {"model": "scripted", "messages": ASK, "stream": True, "max_tokens": 7,
                    "temperature": 0.3, "top_p": 0.9, "seed": 42}
    assert llm.reply(ASK) == "Paris is the capital."
    assert llm.reachable()


def test_no_key_no_header_and_prefill_sends_nothing(server, make):
    llm = make(server.url)
    llm.prefill(ASK)
    assert server.requests == []
    llm.reply(ASK)
    assert "Authorization" not in server.requests[0][0]


def test_a_slow_first_token_is_a_first_token_timeout(server, make):
    server.script = Script(before_s=2.0)
    llm = make(server.url, first_token_timeout_s=0.5)
    start = time.monotonic()
    with pytest.raises(RemoteError) as err:
        list(llm.stream(ASK))
    assert err.value.reason == "first-token-timeout" and 0.45 < time.monotonic() - start < 1.5
    assert "llm.first_token_timeout_s (0.5 s)" in str(err.value) and server.url in str(err.value)


def test_a_stall_mid_answer_is_a_token_timeout_despite_keep_alive_pings(server, make):
    server.script = Script(hang_after=2)
    llm = make(server.url, token_timeout_s=0.5)
    got = []
    with pytest.raises(RemoteError) as err:
        for token in llm.stream(ASK):
            got.append(token)
    assert err.value.reason == "token-timeout" and [t.text for t in got] == ["Paris", " is"]
    assert time.monotonic() - got[-1].at < 1.5
    assert server.client_left.wait(2.0)  # the connection was closed, not just abandoned


@pytest.mark.parametrize("stop", [
    lambda llm, cancel: threading.Thread(target=llm.stop, args=(cancel,)).start(),  # barge-in
    lambda llm, cancel: cancel.set(),  # a cancelled turn sets the flag without calling stop()
], ids=["stop", "cancel"])
def test_a_stopped_stream_closes_the_connection_at_once(server, make, stop):
    server.script = Script(tokens=tuple(f" w{i}" for i in range(200)), token_s=0.02)
    llm = make(server.url)
    cancel, got = threading.Event(), []
    for token in llm.stream(ASK, cancel=cancel):
        got.append(token)
        if len(got) == 3:
            stopped_at = time.monotonic()
            stop(llm, cancel)
    assert time.monotonic() - stopped_at < 0.3 and len(got) < 20
    assert server.client_left.wait(2.0)  # closed, not just no longer read


@pytest.mark.parametrize("script, reason, words", [
    (Script(status=404), "http-status", ["HTTP 404", "Not Found", "llm.remote_model"]),
    (Script(raw='{"error": {"message": "model is loading"}}'), "server-error", ["model is loading"]),
    (Script(raw="not json"), "bad-response", ["not a JSON chat chunk", "/v1"]),
])
def test_a_server_that_fails_says_how_in_one_line(server, make, script, reason, words):
    server.script = script
    with pytest.raises(RemoteError) as err:
        list(make(server.url).stream(ASK))
    assert err.value.reason == reason and "\n" not in str(err.value)
    assert all(word in str(err.value) for word in words)


def test_nothing_listening_is_unreachable_at_once(make):
    llm = make(f"http://127.0.0.1:{free_port()}/v1")
    start = time.monotonic()
    with pytest.raises(RemoteError) as err:
        list(llm.stream(ASK))
    assert err.value.reason == "unreachable" and time.monotonic() - start < 1.0
    assert "is the server running?" in str(err.value) and not llm.reachable()


def test_count_tokens_errs_on_the_long_side_and_calls_run_on_its_own_thread(make):
    llm = make("http://127.0.0.1:9/v1")
    assert llm.count_tokens("What is the capital of France?") == 10  # SmolLM2 makes 7 of it
    names = llm.call(lambda: threading.current_thread().name), llm.submit(threading.current_thread).result().name
    assert all(name.startswith("remote-llm") for name in names)
    assert llm.call(llm.call, lambda: 5) == 5  # a call from its own thread runs there, no deadlock
