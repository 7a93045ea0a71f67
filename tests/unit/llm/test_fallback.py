"""FallbackLlm: the local model answers while the server cannot, and each switch is told once."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from assistant.config.settings import LlmSettings
from assistant.core.errors import LlmError
from assistant.llm.base import Token
from assistant.llm.fake import FakeLanguageModel
from assistant.llm.fallback import RETRY_MAX_S, FallbackLlm
from assistant.llm.openai import RemoteError

DOWN = RemoteError("unreachable", "llm.url http://10.0.0.9:8080/v1: cannot connect; is the server running?")


class Remote(FakeLanguageModel):
    """A server that answers, is down (``fail``), or dies after ``die_after`` tokens."""

    name = "openai"
    shares_cpu = False
    die_after: int | None = None

    def stream(self, messages, max_tokens=None, cancel=None):
        for i, token in enumerate(super().stream(messages, max_tokens, cancel)):
            if self.die_after is not None and i == self.die_after:
                raise RemoteError("dropped", "the server closed the connection mid-answer")
            yield token


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def rig():
    remote, local, clock = Remote("Remote answer."), FakeLanguageModel("Local answer."), Clock()
    llm = FallbackLlm(remote, local, retry_s=30.0, clock=clock)
    told = []
    llm.watch(lambda kind, data: told.append((kind, data.get("reason"))))
    yield llm, remote, local, clock, told
    llm.close()


def ask(llm, n: int) -> list[dict]:
    return [{"role": "system", "content": "Be brief."}, {"role": "user", "content": f"Question {n}?"}]


def test_the_server_answers_while_it_can(rig):
    llm, remote, local, _, told = rig
    assert llm.reply(ask(llm, 1)) == "Remote answer." and not llm.shares_cpu
    assert local.prompts == [] and told == []


def test_a_server_that_is_down_hands_the_same_messages_to_the_local_model_and_is_told_once(rig):
    llm, remote, local, clock, told = rig
    remote.fail = DOWN
    replies = [llm.reply(ask(llm, n)) for n in range(3)]
    assert replies == ["Local answer."] * 3 and llm.shares_cpu
    assert local.prompts == [ask(llm, n) for n in range(3)]
    assert len(remote.prompts) == 1  # within the cool-down the server is not asked again
    assert told == [("llm_fallback", "unreachable")] and llm.down["message"] == str(DOWN)


def test_the_server_is_retried_less_often_while_down_and_its_return_is_told_once(rig):
    llm, remote, _, clock, told = rig
    remote.fail = DOWN
    llm.reply(ask(llm, 0))
    for wait in (30.0, 60.0, 120.0, 240.0, RETRY_MAX_S):
        clock.now += wait - 1
        llm.reply(ask(llm, 0))
        asked = len(remote.prompts)
        clock.now += 1
        llm.reply(ask(llm, 0))
        assert len(remote.prompts) == asked + 1  # asked again exactly when the wait is over
    remote.fail = None
    clock.now += RETRY_MAX_S
    assert [llm.reply(ask(llm, n)) for n in range(2)] == ["Remote answer."] * 2
    assert told == [("llm_fallback", "unreachable"), ("llm_remote_back", None)]


def test_a_server_that_dies_mid_answer_ends_that_answer_and_the_next_goes_local(rig):
    llm, remote, local, _, told = rig
    remote.die_after = 1
    got = []
    with pytest.raises(LlmError, match="mid-answer"):
        for token in llm.stream(ask(llm, 1)):
            got.append(token.text)
    assert got == ["Remote"] and local.prompts == []  # not said twice
    assert llm.reply(ask(llm, 2)) == "Local answer."
    assert told == [("llm_fallback", "dropped")]


def test_a_fallback_before_anyone_watched_is_told_when_the_daemon_attaches(rig):
    llm, remote, _, _, _ = rig
    llm.watch(None)
    remote.fail = DOWN
    llm.reply(ask(llm, 1))  # at warm-up
    later = []
    llm.watch(lambda kind, data: later.append(kind))
    assert later == ["llm_fallback"]


def test_reading_ahead_goes_to_whichever_model_answers_and_settings_reach_both(rig):
    llm, remote, local, _, _ = rig
    llm.prefill(ask(llm, 1))
    remote.fail = DOWN
    llm.reply(ask(llm, 2))
    llm.prefill(ask(llm, 3))
    assert remote.prefilled == [ask(llm, 1)] and local.prefilled == [ask(llm, 3)]
    new = dataclasses.replace(LlmSettings(), max_tokens=3)
    llm.settings = new
    assert remote.settings is new and local.settings is new and llm.settings is new
    assert llm.count_tokens("a b c") == local.count_tokens("a b c")


def test_a_stopped_answer_is_not_a_failure(rig):
    llm, remote, local, _, told = rig
    cancel = threading.Event()
    remote.token_s = 0.01
    for token in llm.stream(ask(llm, 1), cancel=cancel):
        assert isinstance(token, Token)
        llm.stop(cancel)
    assert cancel.is_set() and told == [] and local.prompts == []
