"""The LLM on a bigger machine: llama-cpp-python's own OpenAI-compatible server on 127.0.0.1
serving the packaged SmolLM2, streamed, stopped, killed, absent, slow, and a whole daemon
conversation that moves to the local model and back with one history."""

from __future__ import annotations

import threading
import time

import pytest
from support import WAKE, words
from support.daemon import make_config, run_daemon, silence, spoken
from support.llama_server import ALIAS, free_port, start_llama_server
from support.slow_proxy import SlowProxy

from assistant.config.settings import LlmSettings
from assistant.core.errors import LlmError
from assistant.llm.fallback import FallbackLlm
from assistant.llm.openai import OpenAiChat, RemoteError
from assistant.models.loading import Engines
from assistant.models.selection import choose_llm
from assistant_tools.speech import concat

pytestmark = pytest.mark.slow

ASK = [{"role": "system", "content": "You are a helpful voice assistant. Answer in one or two short spoken "
                                     "sentences."},
       {"role": "user", "content": "What is the capital of France?"}]
LONG = [{"role": "user", "content": "Write a very long story about a dragon who learns to bake bread."}]


def settings(url: str, **limits) -> LlmSettings:
    return LlmSettings(engine="openai", url=url, remote_model=ALIAS, **limits)


@pytest.fixture(scope="module")
def server(config, tmp_path_factory):
    running = start_llama_server(choose_llm(config).path, tmp_path_factory.mktemp("llama-server") / "server.log")
    yield running
    running.stop()


@pytest.fixture
def remote(server):
    made = []

    def make(url: str = server.url, **limits) -> OpenAiChat:
        made.append(OpenAiChat(settings(url, **limits)))
        return made[-1]

    yield make
    for llm in made:
        llm.close()


def test_a_real_reply_arrives_token_by_token(remote):
    tokens = list(remote().stream(ASK, max_tokens=48))
    text = "".join(t.text for t in tokens)
    assert len(tokens) >= 4 and "paris" in words(text), text
    assert len({t.at for t in tokens}) == len(tokens)  # one by one, not in one lump at the end


def test_barge_in_closes_the_stream_and_the_server_stops_generating(server, remote):
    llm, cancel, got = remote(), threading.Event(), 0
    for _ in llm.stream(LONG, max_tokens=400, cancel=cancel):
        got += 1
        if got == 3:
            stopped_at = time.monotonic()
            llm.stop(cancel)
    assert time.monotonic() - stopped_at < 0.5 and got < 10  # not the 400 tokens asked for
    time.sleep(0.3)  # the server notices at its next token
    busy = server.cpu_s()
    time.sleep(1.0)
    assert server.cpu_s() - busy < 0.15  # it was using about a core while it wrote
    assert "Disconnected from client" in server.log_text()


def test_a_server_killed_mid_answer_is_one_clean_error_and_the_next_turn_goes_local(config, llm, tmp_path):
    own = start_llama_server(choose_llm(config).path, tmp_path / "killed.log")
    told = []
    both = FallbackLlm(OpenAiChat(settings(own.url)), llm)
    both.watch(lambda kind, data: told.append((kind, data["reason"])))
    try:
        got = []
        with pytest.raises(LlmError) as err:
            for token in both.stream(LONG, max_tokens=400):
                got.append(token)
                if len(got) == 3:
                    killed_at = time.monotonic()
                    own.kill()
        assert isinstance(err.value, RemoteError) and err.value.reason == "dropped"
        assert time.monotonic() - killed_at < 2.0 and "\n" not in str(err.value)
        assert "paris" in words(both.reply(ASK, max_tokens=16))  # the local model
        assert told == [("llm_fallback", "dropped")]
    finally:
        both.remote.close()
        own.stop()


def test_a_server_absent_at_start_falls_back_to_the_local_model_once(llm):
    told = []
    both = FallbackLlm(OpenAiChat(settings(f"http://127.0.0.1:{free_port()}/v1")), llm)
    both.watch(lambda kind, data: told.append((kind, data["reason"], time.monotonic())))
    try:
        start = time.monotonic()
        assert "paris" in words(both.reply(ASK, max_tokens=16))
        both.reply(ASK, max_tokens=4)
        [(kind, reason, at)] = told
        assert (kind, reason) == ("llm_fallback", "unreachable")
        assert at - start < 2.0  # refused at once: no time limit had to run out
    finally:
        both.remote.close()


def test_a_slow_server_is_given_up_at_the_first_token_limit_and_the_local_model_answers(server, llm):
    proxy = SlowProxy(server.port, first_byte_delay=3.0)  # every response held back 3 s
    told = []
    both = FallbackLlm(OpenAiChat(settings(proxy.url, first_token_timeout_s=1.0)), llm)
    both.watch(lambda kind, data: told.append((kind, data["reason"], time.monotonic())))
    try:
        start = time.monotonic()
        stream = both.stream(ASK)
        first = next(stream)  # the local model's
        stream.close()
        [(kind, reason, gave_up_at)] = told
        assert (kind, reason) == ("llm_fallback", "first-token-timeout")
        assert 1.0 <= gave_up_at - start < 2.0 and first.at > gave_up_at
        assert proxy.client_left.wait(1.0)  # the slow request was hung up on
    finally:
        both.remote.close()
        proxy.close()


def test_a_daemon_conversation_is_answered_by_the_server_and_keeps_one_history_across_a_fallback(
        server, engines, tts, tmp_path):
    proxy = SlowProxy(server.port)
    both = FallbackLlm(OpenAiChat(settings(proxy.url)), engines.llm, retry_s=0.0)
    remote_engines = Engines(settings=engines.settings, stt=engines.stt, llm=both, tts=engines.tts)
    config = make_config(llm={"engine": "openai", "url": proxy.url, "remote_model": ALIAS, "max_tokens": 24},
                         conversation={"followup_window_s": 8})
    first = concat(silence(0.5), spoken(tts, WAKE), silence(0.6),
                   spoken(tts, "My name is Alice. Please remember it."), silence(0.3))
    follow_ups = [concat(spoken(tts, text), silence(0.3)) for text in ("What is my name?", "Thank you.")]
    proxies = [proxy]

    def on_event(run, event):
        if event.type == "turn_done" and len(run.all("turn_done")) == 1:
            proxies[0].close()  # the server goes away: connections are refused
        elif event.type == "turn_done" and len(run.all("turn_done")) == 2:
            proxies.append(SlowProxy(server.port, port=proxy.port))  # and comes back
        elif event.type == "listening" and event.data.get("followup"):
            run.daemon.mic.say(follow_ups[len(run.all("turn_done")) - 1])

    try:
        run = run_daemon(config, remote_engines, [first], speaker_path=tmp_path / "spk.wav", turns=3,
                         on_event=on_event)
    finally:
        both.remote.close()
        proxies[-1].close()
    types = run.types()
    assert types.count("llm_fallback") == 1 and types.count("llm_remote_back") == 1, types
    turns = [i for i, t in enumerate(types) if t == "turn_done"]
    assert turns[0] < types.index("llm_fallback") < turns[1] < types.index("llm_remote_back") < turns[2]
    assert [e.data["history_turns"] for e in run.all("llm")][-1] == 2
    (q1, a1), (q2, a2) = run.daemon.chat.conversation.turns[:2]
    assert "alice" in q1.lower() and a1 and a2  # a1 from the server, a2 from the local model
    last = proxies[-1].chat_requests()[-1]["messages"]  # the server's view of the third turn
    assert [m["content"] for m in last[1:5]] == [q1, a1, q2, a2]
