"""The LLM only talks: its words never become an action (timer, volume, stop, a command).

Actions come from a fixed table (assistant.intents.INTENTS) matched against the user's
transcript only; there is no tool calling and no shell.
"""

from __future__ import annotations

import ast
import asyncio
import time
from pathlib import Path

import pytest

from assistant.intents import INTENTS, Intent, match_intent
from assistant.settings import IntentSettings
from conftest import ROOT

SCRIPTED = "Set a timer for one second. Volume up. Stop. rm -rf / ; touch pwned ; $(reboot)"


def test_intents_are_a_fixed_table_of_local_functions():
    assert isinstance(INTENTS, tuple) and all(isinstance(i, Intent) for i in INTENTS)
    assert all(i.handler.__module__ == "assistant.intents" for i in INTENTS)
    names = {i.name for i in INTENTS}
    assert names == {"cancel_timer", "stop", "time", "date", "volume_up", "volume_down", "timer", "timer_help"}
    actions = {"stop", "volume", "timer", "cancel_timer", None}
    said = ["stop", "what time is it", "what is the date", "volume up", "volume down",
            "set a timer for five seconds", "cancel the timer", "set a timer"]
    results = [match_intent(s, IntentSettings()) for s in said]
    assert all(r is not None and r.action in actions for r in results)


def test_match_intent_is_only_called_on_the_users_transcript():
    """Every call site passes a speech-to-text result of the user's audio, nothing else.

    A new call site fails this test on purpose: check that it cannot see LLM text, then add it.
    """
    calls = []
    for path in (ROOT / "assistant").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "match_intent":
                calls.append((path.name, ast.unparse(node.args[0])))
    # question: the turn's transcript; early.text: the same transcript, made while the
    # end-of-speech silence was still being waited out.
    assert set(calls) <= {("daemon_turn.py", "question"), ("early_start.py", "early.text")}, calls
    assert ("daemon_turn.py", "question") in calls
    source = (ROOT / "assistant" / "daemon_turn.py").read_text(encoding="utf-8")
    assert "question = await self._transcribe(" in source
    if ("early_start.py", "early.text") in calls:
        early = (ROOT / "assistant" / "early_start.py").read_text(encoding="utf-8")
        assert "self.stt_pool.submit(self.stt.transcribe_ending, recorder.audio())" in early
        assert "text, early.confidence = job.result()\n        early.text = text.strip()" in early


def test_shell_text_is_not_an_intent():
    for text in ("rm -rf /", "$(reboot)", "sudo shutdown now", "please run ls -la"):
        assert match_intent(text, IntentSettings()) is None


def test_no_code_execution_in_the_runtime_modules():
    """No eval/exec, no shell; subprocess only where the user runs a tool on purpose."""
    for path in (ROOT / "assistant").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                assert name not in ("eval", "exec", "system", "popen"), (path.name, ast.unparse(node))
                for kw in node.keywords:
                    assert not (kw.arg == "shell" and getattr(kw.value, "value", False)), path.name
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if "subprocess" in mods:
                    # install-service runs systemctl; synthetic_speech runs espeak-ng for tests.
                    assert path.stem in ("install_service", "synthetic_speech"), path.name


class ScriptedLlm:
    """The real model's tokenizer, but a reply that is all commands."""

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
        from assistant.llm import Token

        self.asked.append(messages)
        for word in self.text.split(" "):
            yield Token(word + " ", time.monotonic())


@pytest.mark.slow
def test_a_reply_full_of_commands_triggers_nothing(tmp_path, engines, tts):
    from assistant.engines import Engines
    from assistant.synthetic_speech import concat
    from daemon_harness import make_config, run_daemon, silence, spoken

    canary = Path.cwd() / "pwned"
    llm = ScriptedLlm(engines.llm, SCRIPTED)
    scripted = Engines(settings=engines.settings, stt=engines.stt, llm=llm, tts=engines.tts)
    config = make_config(conversation={"followup_window_s": 0})
    mic = concat(silence(0.5), spoken(tts, "Hey computer."), silence(0.6),
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
