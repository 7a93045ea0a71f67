"""The LLM only talks: its words never become an action (timer, volume, stop, a command).

Actions come from a fixed table (assistant.dialog.intents.INTENTS) matched against the user's
transcript only; there is no tool calling and no shell."""

from __future__ import annotations

import ast

from support import runtime_modules

from assistant.config.settings import IntentSettings
from assistant.dialog.intents import INTENTS, Intent, match_intent


def test_intents_are_a_fixed_table_of_local_functions():
    assert isinstance(INTENTS, tuple) and all(isinstance(i, Intent) for i in INTENTS)
    assert all(i.handler.__module__ == "assistant.dialog.intents" for i in INTENTS)
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
    for module, path in runtime_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "match_intent":
                calls.append((module, ast.unparse(node.args[0])))
    # question: the turn's transcript; early.text: the same transcript, made while the
    # end-of-speech silence was still being waited out.
    turn, early = "assistant.daemon.turn", "assistant.daemon.early_start"
    assert set(calls) <= {(turn, "question"), (early, "early.text")}, calls
    assert (turn, "question") in calls
    source = dict(runtime_modules())
    assert "question = await self._transcribe(" in source[turn].read_text(encoding="utf-8")
    if (early, "early.text") in calls:
        text = source[early].read_text(encoding="utf-8")
        assert "job = self.stt_pool.submit(self.stt.transcript, recorder.audio())" in text
        assert "heard = job.result()\n        early.text, early.confidence = heard.text, heard.closing_confidence" in text


def test_shell_text_is_not_an_intent():
    for text in ("rm -rf /", "$(reboot)", "sudo shutdown now", "please run ls -la"):
        assert match_intent(text, IntentSettings()) is None


def test_no_code_execution_in_the_runtime_modules():
    """No eval/exec, no shell; subprocess only where the user runs a tool on purpose."""
    for module, path in runtime_modules():
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
                    # install-service runs systemctl (the test speech of assistant_tools runs espeak-ng).
                    assert module == "assistant.cli.install_service", module
