"""A question that is already a finished sentence ends after a shorter silence (real daemon and whisper)."""

from __future__ import annotations

from assistant.synthetic_speech import concat
from assistant.vad import FRAME_SAMPLES, frames_for
from daemon_harness import make_config, run_daemon, silence, spoken

FULL_SILENCE_S = 1.5
SHORT_WAIT_S = frames_for(0.3) * FRAME_SAMPLES / 16000
"""complete_silence_s 0.3 waits 9 whole frames (0.288 s)."""


def question_end(tmp_path, engines, tts, question: str, **endpoint):
    """The daemon's run and the data of its question_end event, for one spoken question."""
    config = make_config(conversation={"followup_window_s": 0},
                         endpoint={"silence_s": FULL_SILENCE_S, "complete_silence_s": 0.3, **endpoint})
    mic = concat(silence(0.5), spoken(tts, "Hey computer."), silence(0.6), spoken(tts, question), silence(2.5))
    run = run_daemon(config, engines, [mic], speaker_path=tmp_path / "spk.wav", turns=1)
    return run, run.all("question_end")[0].data


def test_a_finished_question_ends_after_the_shorter_silence(tmp_path, engines, tts):
    run, end = question_end(tmp_path, engines, tts, "What is the capital of France?")
    assert [e.data["silence_s"] for e in run.all("sentence_complete")] == [0.3]
    # Counted in frames: 0.288 s, or a little more when whisper's early pass came later.
    assert end["outcome"] == "spoken" and SHORT_WAIT_S <= end["silence_s"] < FULL_SILENCE_S - 0.5, end
    assert run.all("transcript")[0].data["text"] == "What is the capital of France?"
    assert run.all("llm")[0].data["early"], "the answer begun during the silence is the one spoken"
    assert run.all("turn_done")


def test_a_question_that_trails_off_waits_the_full_silence(tmp_path, engines, tts):
    run, end = question_end(tmp_path, engines, tts, "What is the capital of")
    assert not run.all("sentence_complete")
    assert end["silence_s"] >= FULL_SILENCE_S, end


def test_the_shorter_silence_can_be_turned_off(tmp_path, engines, tts):
    run, end = question_end(tmp_path, engines, tts, "What is the capital of France?",
                            complete_silence_s=FULL_SILENCE_S)
    assert not run.all("sentence_complete")
    assert end["silence_s"] >= FULL_SILENCE_S, end
