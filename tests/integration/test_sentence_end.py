"""A question that is already a finished sentence ends after a shorter silence (real daemon and whisper)."""

from __future__ import annotations

from support import WAKE
from support.daemon import make_config, run_daemon, silence, spoken

from assistant.audio.vad import FRAME_SAMPLES, frames_for
from assistant_tools.speech import concat

FULL_SILENCE_S = 1.5


def waits(seconds: float) -> float:
    """What a silence setting really waits: whole frames (0.3 s is 9 frames, 0.288 s)."""
    return frames_for(seconds) * FRAME_SAMPLES / 16000


SHORT_WAIT_S = waits(0.3)


def question_end(tmp_path, engines, tts, question: str, **endpoint):
    """The daemon's run and the data of its question_end event, for one spoken question."""
    config = make_config(conversation={"followup_window_s": 0},
                         endpoint={"silence_s": FULL_SILENCE_S, "complete_silence_s": 0.3, **endpoint})
    mic = concat(silence(0.5), spoken(tts, WAKE), silence(0.6), spoken(tts, question), silence(2.5))
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
                            complete_silence_s=FULL_SILENCE_S)  # turns confident_silence_s off too
    assert not run.all("sentence_complete")
    assert end["silence_s"] >= FULL_SILENCE_S and end["needed_s"] == FULL_SILENCE_S, end


def test_a_question_whisper_is_confident_of_takes_the_shortest_silence(tmp_path, engines, tts):
    run, end = question_end(tmp_path, engines, tts, "What is the capital of France?",
                            complete_silence_s=0.9, confident_silence_s=0.3)
    complete = run.all("sentence_complete")[0].data
    assert complete["silence_s"] == 0.3 and complete["confidence"] >= 0.5, complete
    assert end["needed_s"] == 0.3 and SHORT_WAIT_S <= end["silence_s"] < 0.9, end


def test_a_doubtful_closing_mark_takes_the_longer_of_the_shorter_silences(tmp_path, engines, tts):
    """confident_probability 1.0: whisper is never that sure, so only the words count."""
    run, end = question_end(tmp_path, engines, tts, "What is the capital of France?",
                            complete_silence_s=0.9, confident_silence_s=0.3, confident_probability=1.0)
    assert [e.data["silence_s"] for e in run.all("sentence_complete")] == [0.9]
    assert end["needed_s"] == 0.9 and waits(0.9) <= end["silence_s"] < FULL_SILENCE_S, end
    assert run.all("transcript")[0].data["text"] == "What is the capital of France?"
