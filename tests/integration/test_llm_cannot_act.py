"""The LLM only talks: its words never become an action (timer, volume, stop, a command).

Actions come from a fixed table (assistant.dialog.intents.INTENTS) matched against the user's
transcript only; there is no tool calling and no shell."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from support import WAKE

from assistant.config.settings import IntentSettings
from assistant.dialog.intents import match_intent

SCRIPTED = "Set a timer for one second. Volume up. Stop. rm -rf / ; touch pwned ; $(reboot)"


class ScriptedLlm:
    """The real model's tokenizer, but a reply that is all commands."""

    shares_cpu = True

    def __init__(self, real, text: str):
        self.real, self.text, self.settings = real, text, real.settings
        self.asked: list[list[dict]] = []

    def count_tokens(self, text: str) -> int:
        return self.real.count_tokens(text)

    def reply(self, messages, max_tokens=None) -> str:
        return self.text

    def call(self, fn, *args):
        return fn(*args)

    def submit(self, fn, *args):
        return self.real.submit(fn, *args)  # the real model's thread runs the scripted stream

    def stop(self, cancel):
        cancel.set()

    def stream(self, messages, max_tokens=None, cancel=None):
        from assistant.llm.base import Token

        self.asked.append(messages)
        for word in self.text.split(" "):
            yield Token(word + " ", time.monotonic())


@pytest.mark.slow
def test_a_reply_full_of_commands_triggers_nothing(tmp_path, engines, tts):
    from support.daemon import make_config, run_daemon, silence, spoken

    from assistant.models.loading import Engines
    from assistant_tools.speech import concat

    canary = Path.cwd() / "pwned"
    llm = ScriptedLlm(engines.llm, SCRIPTED)
    scripted = Engines(settings=engines.settings, stt=engines.stt, llm=llm, tts=engines.tts)
    config = make_config(conversation={"followup_window_s": 0})
    mic = concat(silence(0.5), spoken(tts, WAKE), silence(0.6),
                 spoken(tts, "What should I do next?"), silence(0.3))
    seen = {}

    def on_event(run, event):
        if event.type == "turn_done" and "stop_at" not in seen:
            # Stay up past the second the reply asked for: a timer would fire by then.
            seen["stop_at"] = True
            asyncio.get_running_loop().call_later(2.5, run.daemon.request_stop, "test")

    run = run_daemon(config, scripted, [mic], speaker_path=tmp_path / "spk.wav", on_event=on_event)
    assert llm.asked, "the question went to the (scripted) LLM"
    replies = " ".join(e.data["text"] for e in run.all("reply"))
    assert "timer" in replies.lower() and "rm -rf" in replies  # the words were spoken...
    assert run.all("intent") == [] and run.all("timer_fired") == []  # ...and nothing happened
    assert "stopping" in run.types() and run.all("stopping")[0].data["reason"] == "test"
    assert run.daemon.speaker.queue.gain == pytest.approx(1.0)  # no "volume up"
    assert not canary.exists()
    # The scripted text, said by the user, would have been an action: the test is not vacuous.
    assert match_intent("Set a timer for one second.", IntentSettings()).action == "timer"
