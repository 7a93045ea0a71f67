"""The question recorder's decisions, frame by frame (a scripted VAD: this is the counting logic)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.audio.endpoint import EARLY_SILENCE_FRAMES, Outcome, QuestionRecorder
from assistant.audio.vad import FRAME_SAMPLES, frames_for
from assistant.config.settings import EndpointSettings
from assistant.dialog.ending import sooner_silence, sounds_complete


class ScriptedVad:
    """Says speech or silence per frame from a script of 1s and 0s."""

    def __init__(self, script: str) -> None:
        self.script = [int(c) for c in script]

    def reset(self) -> None:
        pass

    def feed(self, block: np.ndarray) -> list[float]:
        taken, self.script = self.script[:len(block) // FRAME_SAMPLES], self.script[len(block) // FRAME_SAMPLES:]
        return [float(x) for x in taken]

    def is_speech(self, prob: float) -> bool:
        return prob >= 0.5


def progress_per_frame(script: str, silence_s: float = 0.6, sooner_at: int | None = None):
    """Each frame's progress; ``sooner_at``: the frame after which the transcript so far is
    found to be a whole sentence (ending it after 0.3 s of silence)."""
    recorder = QuestionRecorder(EndpointSettings(silence_s=silence_s), ScriptedVad(script))
    frame = np.zeros(FRAME_SAMPLES, np.float32)
    steps = []
    for i in range(len(script)):
        steps.append(recorder.feed(frame))
        if i == sooner_at:
            recorder.end_sooner(0.3, recorder.speech_frames)
    return steps


frames = frames_for


def ended_at(steps) -> int | None:
    return next((i for i, p in enumerate(steps) if p.outcome is Outcome.SPOKEN), None)


def test_a_dip_inside_a_word_does_not_begin_an_early_transcript():
    dip = "0" * (EARLY_SILENCE_FRAMES - 1)
    steps = progress_per_frame("11111" + dip + "11111")
    assert not any(p.silence_began or p.speech_resumed for p in steps)


def test_a_pause_begins_one_early_transcript_and_speech_makes_it_stale():
    pause = "0" * EARLY_SILENCE_FRAMES
    steps = progress_per_frame("11111" + pause + "00" + "111")
    began = [i for i, p in enumerate(steps) if p.silence_began]
    assert began == [5 + EARLY_SILENCE_FRAMES - 1]
    assert [i for i, p in enumerate(steps) if p.speech_resumed] == [5 + EARLY_SILENCE_FRAMES + 2]


def test_the_question_ends_after_the_configured_silence():
    steps = progress_per_frame("11111" + "0" * (frames(0.6) + 2))
    assert ended_at(steps) == 5 + frames(0.6) - 1


@pytest.mark.parametrize("seconds, whole_frames", [(0.45, 14), (0.6, 19), (0.3, 9), (0.4, 13), (0.01, 1)])
def test_silence_is_counted_in_whole_frames_to_the_nearest_frame(seconds, whole_frames):
    """0.45 s waits 14 frames (0.448 s), not 15 (0.480 s): the setting means what it says to
    within half a frame."""
    assert frames_for(seconds) == whole_frames
    steps = progress_per_frame("11111" + "0" * 30, silence_s=seconds)
    assert ended_at(steps) == 5 + whole_frames - 1


def test_a_whole_sentence_ends_after_the_shorter_silence():
    steps = progress_per_frame("11111" + "0" * frames(0.6), sooner_at=5 + EARLY_SILENCE_FRAMES)
    assert ended_at(steps) == 5 + frames(0.3) - 1


def test_a_whole_sentence_found_late_ends_at_once():
    """The transcript took longer than the shorter silence: the next frame ends the question."""
    late = 5 + frames(0.45)
    assert ended_at(progress_per_frame("11111" + "0" * frames(0.6), sooner_at=late)) == late + 1


def test_speaking_again_after_a_whole_sentence_brings_back_the_full_silence():
    pause = "0" * (EARLY_SILENCE_FRAMES + 2)
    steps = progress_per_frame("11111" + pause + "111" + "0" * frames(0.6), sooner_at=5 + EARLY_SILENCE_FRAMES)
    assert ended_at(steps) == 5 + len(pause) + 3 + frames(0.6) - 1


def test_the_shorter_silence_is_never_longer_than_the_full_one():
    steps = progress_per_frame("11111" + "0" * frames(0.6), silence_s=0.2, sooner_at=5)
    assert ended_at(steps) == 5 + frames(0.2) - 1


@pytest.mark.parametrize("text", [
    "What is the capital of France?", "Turn on the light.", "Stop!", "Tell me a joke.", " Who wrote Hamlet? "])
def test_finished_sentences(text):
    assert sounds_complete(text)


@pytest.mark.parametrize("text", [
    "", "What is the capital of", "What is the capital of.", "Tell me about cats and.", "I was thinking...",
    "Set a timer for\u2026", "What is the weather like in", "How far is it to the,", "Um.", "What is the."])
def test_unfinished_sentences(text):
    assert not sounds_complete(text)


@pytest.mark.parametrize("text, confidence, expected", [
    ("What is the capital of France?", 0.9, 0.35),  # finished, and whisper was confident of the "?"
    ("Tell me a joke.", 0.4, 0.5),  # finished by its words, a doubtful full stop
    ("Tell me a joke.", None, 0.5),  # no confidence known (full-window pass)
    ("Tell me a joke.", 0.5, 0.35),  # the threshold itself counts
    ("What is the capital of", 0.99, None),  # not a finished sentence, however sure
    ("who wrote Romeo and Juliet", None, None),  # no closing mark
])
def test_the_shorter_silence_an_early_transcript_earns(text, confidence, expected):
    assert sooner_silence(text, confidence, EndpointSettings()) == expected


def test_the_shorter_silences_never_exceed_the_longer_ones():
    capped = EndpointSettings(silence_s=0.6, complete_silence_s=0.4, confident_silence_s=0.45)
    assert sooner_silence("Stop.", 0.9, capped) == 0.4
    off = EndpointSettings(silence_s=0.6, complete_silence_s=0.6)  # turns both off
    assert sooner_silence("Stop.", 0.9, off) is None and sooner_silence("Stop.", 0.1, off) is None
    words_only = EndpointSettings(complete_silence_s=0.45, confident_silence_s=0.45)
    assert sooner_silence("Stop.", 0.9, words_only) == sooner_silence("Stop.", 0.1, words_only) == 0.45


def test_the_recorder_reports_the_silence_setting_in_force():
    recorder = QuestionRecorder(EndpointSettings(silence_s=0.6), ScriptedVad("1111100"))
    recorder.feed(np.zeros(7 * FRAME_SAMPLES, np.float32))
    assert recorder.silence_setting() == 0.6
    recorder.end_sooner(0.35, recorder.speech_frames)
    assert recorder.silence_setting() == 0.35 and recorder.silence_needed() == 11 * FRAME_SAMPLES
    recorder.end_sooner(0.35, recorder.speech_frames - 1)  # made before the last speech: stale
    assert recorder.silence_setting() == 0.6
