"""The daemon core on fake engines: phases, barge-in, follow-ups, device loss, errors."""

from __future__ import annotations

import asyncio

import pytest
from support.fake_rig import quiet, start_rig, tone

from assistant.core.errors import LlmError
from assistant.llm.fake import FakeLanguageModel
from assistant.stt.fake import FakeSpeechToText

PHASES = ("idle", "listening", "thinking", "speaking")


def phases_of(rig) -> list[str]:
    return [t for t in rig.types() if t in PHASES]


def test_a_question_goes_through_every_phase_and_the_leds_and_status_follow():
    seen_lit = []

    async def main():
        rig = await start_rig()
        rig.daemon.events.subscribe(lambda e: e.type in PHASES and seen_lit.append((e.type, rig.leds.shown[-1])))
        await rig.ask()
        done = await rig.until("turn_done")
        await rig.until("idle", after=rig.events.index(done))
        return rig, await rig.stop()

    rig, code = asyncio.run(main())
    assert code == 0
    assert seen_lit and all(phase == lit for phase, lit in seen_lit)  # lit before anyone hears of the phase
    assert phases_of(rig) == ["idle", "listening", "thinking", "speaking", "idle"]
    assert rig.of("transcript")[0].data["text"] == "what is the capital of france?"
    assert " ".join(rig.tts.spoken) == "Paris is the capital of France."
    assert rig.of("turn_done")[0].data["spoken"] == " ".join(rig.tts.spoken)
    assert [s for s in rig.leds.shown if s in PHASES] == ["idle", "listening", "thinking", "speaking", "idle"]
    assert [v for k, v in rig.notifier.sent if k == "status"] == ["idle", "listening", "thinking", "speaking", "idle"]
    assert rig.leds.shown[-1] == "off"  # shut down
    assert rig.wake.resets >= 2  # the detector starts afresh each time the daemon is idle again


def test_turn_done_counts_the_speakers_underruns_during_that_turn_only():
    async def main():
        rig = await start_rig()
        rig.speaker.underruns = 5  # before the turn: not this turn's

        def ran_dry(event) -> None:  # the sound card ran dry twice while it spoke
            if event.type == "speaking":
                rig.speaker.underruns += 2

        rig.daemon.events.subscribe(ran_dry)
        await rig.ask()
        return rig, await rig.until("turn_done"), await rig.stop()

    rig, done, _ = asyncio.run(main())
    assert done.data["underruns"] == 2


def test_a_finished_sentence_ends_the_question_on_the_shorter_silence():
    async def main():
        rig = await start_rig()
        await rig.ask()
        await rig.until("turn_done")
        await rig.stop()
        return rig

    rig = asyncio.run(main())
    assert rig.of("sentence_complete")[0].data == {"silence_s": 0.35, "confidence": 0.9}
    end = rig.of("question_end")[0].data
    assert end["outcome"] == "spoken" and end["needed_s"] == 0.35 and end["silence_s"] == pytest.approx(0.352)
    assert rig.of("llm")[0].data["early"] is True  # the answer was begun during the silence


def test_nobody_speaking_after_the_wake_word_goes_back_to_idle():
    async def main():
        rig = await start_rig({"endpoint": {"no_speech_timeout_s": 1.0, "read_ahead_s": 0}})
        rig.mic.push(rig_wake())
        rig.mic.push(quiet(1.2))
        await rig.until("no_speech")
        await rig.stop()
        return rig

    rig = asyncio.run(main())
    assert phases_of(rig) == ["idle", "listening", "idle"]
    assert rig.stt.calls == [] and rig.llm.prompts == []


def rig_wake():
    import numpy as np
    from support.fake_rig import WAKE

    return np.concatenate([WAKE, quiet(0.06)])


def test_the_button_interrupts_a_reply_at_once():
    async def main():
        rig = await start_rig(autoplay=False)  # nothing is played until the test plays it
        await rig.ask()
        await rig.until("speaking")
        rig.speaker.play_out(0.05)
        await rig.daemon.on_button("pressed")
        await rig.stop()
        return rig

    rig = asyncio.run(main())
    barge = rig.of("barge_in")[0].data
    assert barge["source"] == "button" and barge["dropped_s"] > 0
    assert phases_of(rig)[-1] == "listening"
    assert rig.speaker.queued() == 0  # flushed
    assert not rig.of("turn_done")  # the turn was cancelled, not finished
    assert rig.daemon.chat.conversation.turns == []  # nothing was heard to the end: nothing is kept


def test_a_follow_up_needs_no_wake_word_and_the_model_sees_the_history():
    async def main():
        rig = await start_rig({"conversation": {"followup_window_s": 5}})
        await rig.ask()
        first = await rig.until("turn_done")
        await rig.until("listening", after=rig.events.index(first))
        rig.stt.script = lambda samples: "and of italy?" if samples.any() else ""
        rig.mic.push(tone(0.5))
        rig.mic.push(quiet(1.0))
        await rig.until("turn_done", after=rig.events.index(first) + 1)
        await rig.stop()
        return rig

    rig = asyncio.run(main())
    assert [e.data["followup"] for e in rig.of("listening")][:2] == [False, True]
    assert len(rig.of("wake")) == 1
    prompt = rig.llm.prompts[-1]
    assert [m["role"] for m in prompt] == ["system", "user", "assistant", "user"]
    assert prompt[1]["content"] == "what is the capital of france?" and prompt[-1]["content"] == "and of italy?"


def test_a_local_intent_is_answered_without_the_model():
    async def main():
        rig = await start_rig(stt=FakeSpeechToText("What time is it?"))
        await rig.ask()
        await rig.until("turn_done")
        await rig.stop()
        return rig

    rig = asyncio.run(main())
    assert rig.of("intent")[0].data["name"] == "time"
    assert rig.llm.prompts == []  # neither the early answer nor the turn asked the model
    assert rig.tts.spoken and rig.tts.spoken[0].startswith("It") and rig.tts.spoken[0].endswith(("AM.", "PM."))


def test_a_failing_model_ends_the_turn_with_an_error_and_the_next_turn_works():
    async def main():
        llm = FakeLanguageModel(fail=LlmError("injected"))
        rig = await start_rig(llm=llm, settings={"endpoint": {"early_transcript": False, "read_ahead_s": 0}})
        await rig.ask()
        error = await rig.until("error")
        await rig.until("idle", after=rig.events.index(error))
        llm.fail = None
        mark = len(rig.events)
        await rig.ask()
        await rig.until("turn_done", after=mark)
        await rig.stop()
        return rig

    rig = asyncio.run(main())
    assert rig.of("error")[0].data["stage"] == "LlmError"
    assert "error" in rig.leds.shown
    assert rig.of("turn_done")[0].data["reply"] == "Paris is the capital of France."


def test_a_lost_microphone_is_reported_once_and_reopened():
    async def main():
        rig = await start_rig()
        rig.daemon.supervisor.delays = (0.01,)
        rig.mic.on_error("audio.input_device: pulled out")
        rig.mic.on_error("audio.input_device: pulled out")  # reported once
        await rig.until("recovered")
        await rig.ask()
        await rig.until("turn_done")
        await rig.stop()
        return rig

    rig = asyncio.run(main())
    errors = rig.of("error")
    assert len(errors) == 1 and errors[0].data["stage"] == "mic" and "pulled out" in errors[0].data["message"]
    assert rig.of("recovered")[0].data == {"device": "mic"}
    shown = rig.leds.shown
    assert shown[shown.index("error") + 1] == "idle"  # the LEDs show the phase again
    assert rig.mic.started is False  # closed at shutdown


def test_a_microphone_that_never_comes_back_exits_for_systemd_to_restart():
    async def main():
        rig = await start_rig()
        rig.daemon.supervisor.delays = (0.01, 0.01)
        rig.mic.fail_start = "gone"
        rig.mic.on_error("audio.input_device: pulled out")
        return rig, await asyncio.wait_for(rig.task, 5)

    rig, code = asyncio.run(main())
    assert code == 75
    assert rig.of("stopping")[0].data["reason"] == "mic lost"
