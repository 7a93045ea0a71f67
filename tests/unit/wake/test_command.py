"""The spotter of short commands said alone, on a scripted recognizer and a loudness VAD."""

from __future__ import annotations

import numpy as np
import pytest
from support import feed

from assistant.audio.fake import LoudnessModel
from assistant.audio.vad import VoiceActivity
from assistant.stt.fake import FakeSpeechToText
from assistant.wake.command import CommandSpotter

RATE = 16000


def said(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return np.concatenate([np.zeros(RATE // 2, np.float32), (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32),
                           np.zeros(RATE // 2, np.float32)])


def spot(heard: str, seconds: float = 0.4):
    stt = FakeSpeechToText(heard)
    spotter = CommandSpotter(stt, ("stop", "be quiet", "hey computer"), vad=VoiceActivity(0.5, model=LoudnessModel()))
    audio = said(seconds)
    hits = feed(spotter, audio)
    return hits, stt.calls


@pytest.mark.parametrize("heard, phrase", [
    ("Stop.", "stop"), ("stop!", "stop"), ("Top.", "stop"),  # a first consonant softened by the canceller
    ("Be quiet.", "be quiet"), ("Hey, computer.", "hey computer"),
    ("Stop, stop!", "stop"), ("stop stop stop", "stop"), ("Be quiet, be quiet.", "be quiet"),
    ("Stop the music.", None), ("Stop it, stop.", None), ("Shopping.", None), ("Thank you.", None), ("", None),
])
def test_only_a_phrase_said_alone_is_a_command(heard, phrase):
    hits, _ = spot(heard)
    assert [h.phrase for h in hits] == ([phrase] if phrase else [])


def test_the_command_is_placed_at_the_end_of_its_speech_and_found_a_short_pause_later():
    hits, _ = spot("stop")
    end = RATE // 2 + int(0.4 * RATE)
    assert end - 512 <= hits[0].end_sample <= end + 512


def test_a_long_stretch_of_speech_is_never_transcribed():
    hits, calls = spot("stop", seconds=3.0)
    assert hits == [] and calls == []
