"""Wake-word detection: phrase matching, VAD segments, and every engine on real models.

Audio is made here (piper joe and espeak-ng voices, noise mixed in); nothing is mocked.
Counts are printed so `pytest -s tests/test_wake.py` shows what each engine caught."""

from __future__ import annotations

import os

import numpy as np
import pytest

from assistant.audio.format import ENGINE_RATE
from assistant.audio.segments import SpeechEnded, SpeechSegmenter, SpeechStarted
from assistant.audio.vad import VoiceActivity
from assistant.config.settings import WakeSettings
from assistant.core.errors import ConfigError, ModelError
from assistant.wake.base import Refractory, WakeHit
from assistant.wake.factory import make_wake_detector
from assistant.wake.phrases import find_phrase, normalise, required_similarity
from assistant_tools.speech import espeak_clip

os.environ.setdefault("HF_HUB_OFFLINE", "1")


RATE = ENGINE_RATE


PHRASE = "hey computer"


def trim(samples: np.ndarray, level: float = 0.01) -> np.ndarray:
    """The speech without the silence synthesizers put around it."""
    loud = np.nonzero(np.abs(samples) > level)[0]
    return samples[loud[0]:loud[-1] + 1] if len(loud) else samples[:0]


def gap(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.float32)


def test_normalise_drops_case_and_punctuation():
    assert normalise("Hey, Computer!") == "hey computer"
    assert normalise("  hey   computer.  ") == "hey computer"
    assert normalise("What's up?") == "whats up"
    assert normalise("안녕하세요!") == "안녕하세요"


def test_threshold_one_needs_the_exact_words():
    assert find_phrase("Hey, computer!", (PHRASE,), required_similarity(1.0)) is not None
    assert find_phrase("Hey computers", (PHRASE,), required_similarity(1.0)) is None


def test_match_reports_word_positions():
    found = find_phrase("so hey computer what time", (PHRASE,), required_similarity(0.5))
    assert (found.first_word, found.last_word, found.score) == (1, 2, 1.0)


def test_refractory_is_counted_in_samples():
    gate = Refractory(1.5)
    assert gate.admit(WakeHit(PHRASE, 1.0, "x", 16000)) is not None
    assert gate.admit(WakeHit(PHRASE, 1.0, "x", 16000 + 23999)) is None
    assert gate.admit(WakeHit(PHRASE, 1.0, "x", 16000 + 24000)) is not None
    assert gate.admit(None) is None


def test_factory_choices_and_errors():
    assert make_wake_detector(WakeSettings(engine="none")) is None
    with pytest.raises(ModelError):
        make_wake_detector(WakeSettings(engine="vosk"))
    with pytest.raises(ModelError):
        make_wake_detector(WakeSettings(engine="auto", models=()))  # neither vosk nor whisper given
    with pytest.raises(ConfigError):
        make_wake_detector(WakeSettings(engine="pocketsphinx", phrases=("hey", "!!")))
    with pytest.raises(ConfigError):
        make_wake_detector(WakeSettings(engine="pocketsphinx", phrases=("hey zorblaxian",)))
    assert make_wake_detector(WakeSettings(engine="pocketsphinx")).name == "pocketsphinx"


@pytest.fixture(scope="module")
def espeak_sentence() -> np.ndarray:
    return trim(espeak_clip("the quick brown fox jumps over the lazy dog", "en-us", 160).samples)


def test_voice_activity_is_independent_of_block_size(espeak_sentence):
    audio = np.concatenate([gap(0.3), espeak_sentence, gap(0.5)])
    whole = VoiceActivity(0.5).feed(audio)
    vad = VoiceActivity(0.5)
    pieces = [p for start in range(0, len(audio), 333) for p in vad.feed(audio[start:start + 333])]
    assert len(whole) == len(audio) // 512 and np.allclose(whole, pieces)
    assert max(whole) > 0.9 and min(whole[:5]) < 0.1
    vad.reset()
    assert vad.feed(audio[:511]) == [] and vad.pending_samples == 511
    with pytest.raises(ConfigError):
        VoiceActivity(1.5)


def test_segmenter_reports_absolute_positions(espeak_sentence):
    offset = int(1.3 * RATE) + 77
    audio = np.concatenate([gap(offset / RATE), espeak_sentence, gap(1.0)])
    seg = SpeechSegmenter(VoiceActivity(0.5), start_frames=2, end_silence_s=0.35, pre_roll_s=0.2)
    events = [e for start in range(0, len(audio), 480) for e in seg.feed(audio[start:start + 480])]
    starts = [e for e in events if isinstance(e, SpeechStarted)]
    ends = [e for e in events if isinstance(e, SpeechEnded)]
    assert len(starts) == 1 and len(ends) == 1, events
    end = ends[0]
    speech_end = offset + len(espeak_sentence)
    assert offset - 0.3 * RATE <= end.start_sample <= offset
    assert speech_end - 0.1 * RATE <= end.speech_end_sample <= speech_end + 0.2 * RATE
    assert np.array_equal(end.audio, audio[end.start_sample:end.speech_end_sample])
    assert not end.truncated and seg.samples_fed == len(audio)


def test_segmenter_cuts_long_speech(espeak_sentence):
    seg = SpeechSegmenter(VoiceActivity(0.5), max_segment_s=1.0)
    audio = np.concatenate([gap(0.2), espeak_sentence, gap(0.5)])
    ends = [e for e in seg.feed(audio) if isinstance(e, SpeechEnded)]
    assert ends[0].truncated and len(ends[0].audio) <= 1.0 * RATE
