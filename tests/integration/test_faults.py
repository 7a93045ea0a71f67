"""Injected faults: the daemon reports them, recovers, and the next turn works.

The engines are the real ones; a thin wrapper makes one call raise or hang. The
microphone and speaker are the file devices with their unplug/fail seams.
"""

from __future__ import annotations

import dataclasses
import time

import pytest
from support import WAKE
from support.daemon import make_config, run_daemon, silence, spoken
from support.faults import OneFault

from assistant.core.errors import EX_TEMPFAIL, LlmError, SttError, TtsError
from assistant_tools.speech import concat

pytestmark = pytest.mark.slow


def question(tts, text: str):
    return concat(silence(0.5), spoken(tts, WAKE), silence(0.6), spoken(tts, text), silence(0.3))


def ask_again_after_error(second):
    """An on_event hook: once the failed turn is back to idle, ask ``second``."""
    def on_event(run, event):
        if event.type == "idle" and run.all("error") and not run.daemon.mic.clip_starts[1:]:
            run.daemon.mic.say(second)
        if event.type == "turn_done" and run.all("error"):
            run.daemon.request_stop("test")
    return on_event


@pytest.mark.parametrize("stage, fault", [
    ("stt", lambda e: OneFault(e.stt, "transcript", SttError("injected recognizer failure"))),
    ("stt", lambda e: OneFault(e.stt, "transcript", hang_s=12.0)),
    ("llm", lambda e: OneFault(e.llm, "stream", LlmError("injected model failure"))),
    ("llm", lambda e: OneFault(e.llm, "stream", hang_s=12.0)),
    # after=1: the daemon's start-up warm-up speaks once before the turn.
    ("tts", lambda e: OneFault(e.tts, "synthesize", TtsError("injected voice failure"), after=1)),
    ("tts", lambda e: OneFault(e.tts, "synthesize", hang_s=12.0, after=1)),
])
def test_engine_fault_ends_the_turn_and_the_next_one_works(tmp_path, engines, tts, stage, fault):
    faulty = dataclasses.replace(engines, **{stage: fault(engines)})
    # No early transcript: a failed early pass is silently retried, which would hide the fault.
    config = make_config(conversation={"followup_window_s": 0}, llm={"timeout_s": 8},
                         timeouts={"stt_s": 8, "tts_s": 8}, endpoint={"early_transcript": False})
    started = time.monotonic()
    run = run_daemon(config, faulty, [question(tts, "What is the capital of France?")],
                     speaker_path=tmp_path / "s.wav", timeout_s=90,
                     on_event=ask_again_after_error(question(tts, "What time is it?")))
    assert run.exit_code == 0
    errors = run.all("error")
    assert len(errors) == 1 and errors[0].data["message"]
    # The failed turn ended (back to idle), then a full turn was answered.
    error_at = run.types().index("error")
    assert "idle" in run.types()[error_at:]
    assert run.all("turn_done")[-1].data["reply"]
    assert getattr(faulty, stage).faults == 1
    assert time.monotonic() - started < 60


def test_empty_answer_gets_a_fallback_sentence(tmp_path, engines, tts):
    config = make_config(conversation={"followup_window_s": 0}, llm={"max_tokens": 1})
    run = run_daemon(config, engines, [question(tts, "Tell me about the moon.")],
                     speaker_path=tmp_path / "s.wav", turns=1)
    assert run.all("turn_done")[0].data["spoken"]


def test_microphone_lost_mid_question_comes_back(tmp_path, engines, tts):
    config = make_config(conversation={"followup_window_s": 0})

    def on_event(run, event):
        mic = run.daemon.mic
        if event.type == "listening" and not run.all("error"):
            mic.unplug()
            run.daemon.loop.call_later(1.5, mic.plug)
        elif event.type == "recovered":
            mic.say(question(tts, "What time is it?"))

    run = run_daemon(config, engines, [question(tts, "What is the capital of France?")],
                     speaker_path=tmp_path / "s.wav", turns=1, on_event=on_event)
    types = run.types()
    assert types.index("error") < types.index("recovered") < types.index("turn_done")
    assert run.all("error")[0].data["stage"] == "mic"
    assert run.all("intent")[0].data["name"] == "time"


def test_microphone_absent_at_start_then_plugged_in(tmp_path, engines, tts):

    def on_event(run, event):
        if event.type == "error" and event.data["stage"] == "mic":
            run.daemon.loop.call_later(1.0, run.daemon.mic.plug)
        elif event.type == "ready":
            run.daemon.mic.say(question(tts, "What time is it?"))

    run = run_daemon(make_config(conversation={"followup_window_s": 0}), engines, [],
                     speaker_path=tmp_path / "s.wav", turns=1, on_event=on_event, unplugged=True)
    types = run.types()
    assert types[0] == "error" and types.index("recovered") < types.index("ready") < types.index("turn_done")


def test_microphone_that_never_returns_exits_for_a_restart(tmp_path, engines, tts):
    def on_event(run, event):
        if event.type == "ready":
            run.daemon.supervisor.delays = (0.1, 0.2, 0.4)
            run.daemon.mic.unplug()

    run = run_daemon(make_config(), engines, [], speaker_path=tmp_path / "s.wav", on_event=on_event)
    assert run.exit_code == EX_TEMPFAIL
    assert "did not come back" in run.all("error")[-1].data["message"]


def test_speaker_failure_while_speaking_ends_the_turn(tmp_path, engines, tts):
    config = make_config(conversation={"followup_window_s": 0}, llm={"max_tokens": 150})

    def on_event(run, event):
        speaker = run.daemon.speaker
        if event.type == "speaking" and not run.all("error"):
            speaker.fail()
            run.daemon.loop.call_later(0.8, speaker.repair)
        elif event.type == "recovered":
            run.daemon.mic.say(question(tts, "What time is it?"))
        elif event.type == "turn_done" and run.all("recovered"):
            run.daemon.request_stop("test")

    run = run_daemon(config, engines, [question(tts, "Tell me a long story about a lighthouse.")],
                     speaker_path=tmp_path / "s.wav", on_event=on_event)
    types = run.types()
    assert run.all("error")[0].data["stage"] == "speaker"
    assert "idle" in types[types.index("error"):]
    assert run.all("intent")[0].data["name"] == "time"
    assert run.daemon.phase.value == "idle" or run.exit_code == 0


def test_button_flood_is_debounced_without_task_pile_up(tmp_path, engines, tts):
    import asyncio

    from gpiozero.pins.mock import MockFactory

    factory = MockFactory()
    pin = factory.pin(17)
    config = make_config(button={"pin": 17, "bounce_s": 0.05}, conversation={"followup_window_s": 0},
                         endpoint={"no_speech_timeout_s": 1.0})
    counts = {}

    def on_event(run, event):
        loop = run.daemon.loop
        if event.type == "ready":  # a child pressing 50 times in 4 s, with contact bounce
            for i in range(50):
                for bounce in range(3):
                    loop.call_later(i * 0.08 + bounce * 0.002, pin.drive_low)
                    loop.call_later(i * 0.08 + bounce * 0.002 + 0.001, pin.drive_high)
                loop.call_later(i * 0.08 + 0.01, pin.drive_low)
                loop.call_later(i * 0.08 + 0.05, pin.drive_high)
            counts["flood_ends"] = loop.time() + 4.1
        elif event.type == "idle" and "flood_ends" in counts and loop.time() > counts["flood_ends"]:
            counts["tasks"] = len(asyncio.all_tasks())
            run.daemon.request_stop("test")

    run = run_daemon(config, engines, [], speaker_path=tmp_path / "s.wav", on_event=on_event,
                     pin_factory=factory)
    wakes = len(run.all("wake"))
    # Presses while listening are ignored; each listen times out after 1 s of silence.
    assert 1 <= wakes <= 6, wakes
    assert counts["tasks"] <= 6, counts


def test_wake_detector_failure_is_reported_and_listening_goes_on(tmp_path, engines, tts):
    def on_event(run, event):
        if event.type == "ready":
            router = run.daemon.router  # the detector is called where audio is routed
            router.wake = OneFault(router.wake, "accept", SttError("injected wake failure"))
        elif event.type == "error":
            run.daemon.mic.say(question(tts, "What time is it?"))

    run = run_daemon(make_config(conversation={"followup_window_s": 0}), engines, [],
                     speaker_path=tmp_path / "s.wav", turns=1, on_event=on_event)
    assert run.all("error")[0].data["message"] == "injected wake failure"
    assert run.all("intent")[0].data["name"] == "time"
