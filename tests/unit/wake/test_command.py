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


class ScoringStt(FakeSpeechToText):
    """A recognizer that writes ``heard`` and scores each phrase as ``scores`` says."""

    def __init__(self, heard: str, scores: dict[str, float]) -> None:
        super().__init__(heard)
        self.scores = scores

    def phrase_scores(self, samples, phrases):
        return {p: self.scores.get(p, -9.0) for p in phrases}


@pytest.mark.parametrize("heard, scores, phrase", [
    ("Let's go.", {"stop": -2.5}, "stop"),  # "stop" softened by the canceller: whisper still scores it well
    ("Let's go.", {"stop": -4.0}, None),  # another short word
    ("Yes.", {"stop": -6.8, "be quiet": -7.0}, None),
    ("Let's go to the shop today.", {"stop": -2.0}, None),  # something else said: not scored at all
    ("", {"stop": -1.0}, None),  # no speech in whisper's own judgement
])
def test_a_short_transcript_that_is_no_phrase_is_one_when_the_recognizer_scores_it_well(heard, scores, phrase):
    stt = ScoringStt(heard, scores)
    spotter = CommandSpotter(stt, ("stop", "be quiet", "hey computer"), vad=VoiceActivity(0.5, model=LoudnessModel()))
    hits = feed(spotter, said(0.4))
    assert [h.phrase for h in hits] == ([phrase] if phrase else [])
    assert (f"({phrase} " in spotter.transcripts[-1]) == (phrase is not None)  # the log says why


def test_a_phrase_that_extends_another_is_not_scored():
    stt = ScoringStt("Sorry?", {"stop it": -2.0, "stop": -4.0})
    spotter = CommandSpotter(stt, ("stop", "stop it"), vad=VoiceActivity(0.5, model=LoudnessModel()))
    assert feed(spotter, said(0.4)) == []
