"""The question recorder's decisions, frame by frame (a scripted VAD: this is the counting logic)."""

from __future__ import annotations

import numpy as np

from assistant.endpoint import EARLY_SILENCE_FRAMES, Outcome, QuestionRecorder
from assistant.settings import EndpointSettings
from assistant.vad import FRAME_SAMPLES


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


def progress_per_frame(script: str, silence_s: float = 0.6):
    recorder = QuestionRecorder(EndpointSettings(silence_s=silence_s), ScriptedVad(script))
    frame = np.zeros(FRAME_SAMPLES, np.float32)
    return [recorder.feed(frame) for _ in script]


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
    frames_needed = int(np.ceil(0.6 * 16000 / FRAME_SAMPLES))
    steps = progress_per_frame("11111" + "0" * (frames_needed + 2))
    ended = [i for i, p in enumerate(steps) if p.outcome is Outcome.SPOKEN]
    assert ended[0] == 5 + frames_needed - 1
