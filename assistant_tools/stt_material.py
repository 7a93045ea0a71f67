"""The recognition evaluation's utterances: real recordings, and assistant phrases spoken here.

The synthetic set is 30 questions and commands, each said by 2 of 6 espeak-ng voices and by
piper at one of three speeds, clean and with pink noise at 10 dB SNR. Even-numbered phrases
are the tuning half, odd-numbered ones the held-out half: anything chosen from the table
(a prompt, say) is chosen on the tuning half, and the held-out half says whether it holds.
The capital set is "What is the capital of France?" in the 6 espeak voices at 3 speeds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.audio.format import ENGINE_RATE, Clip, read_wav, write_wav
from assistant.core.paths import PROJECT
from assistant_tools.speech import espeak_clip, mix_noise, piper_clip, with_silence
from assistant_tools.stt_sources import build_corpus

CAPITAL = "What is the capital of France?"
PHRASES = (
    CAPITAL, "Set a timer for five minutes.", "What time is it?", "Tell me a joke.",
    "What's the weather like tomorrow?", "Turn off the kitchen lights.", "How many days are there in a leap year?",
    "Set an alarm for seven thirty tomorrow morning.", "Who wrote Pride and Prejudice?", "Play some relaxing music.",
    "What is two plus two?", "Remind me to call my mother at six o'clock.", "How far away is the moon?",
    "Stop the timer.", "What is the boiling point of water?", "Turn the volume down.",
    "Who was the first president of the United States?", "Cancel my alarm.", "How do you spell necessary?",
    "What day of the week is it today?", "Add milk and eggs to my shopping list.",
    "What is the square root of one hundred forty four?", "Tell me something interesting about octopuses.",
    "How long should I boil an egg?", "Translate thank you into Spanish.", "What is the tallest mountain in the world?",
    "Pause the music.", "How many ounces are in a pound?", "Good morning, what's on my calendar today?",
    "Why is the sky blue?",
)
ESPEAK_VOICES = (("en-us", 175), ("en-gb", 150), ("en+f3", 165), ("en-us+m7", 140), ("en-gb-x-rp+f2", 190),
                 ("en-029+m3", 130))
PIPER_SCALES = (0.8, 1.0, 1.2)
CAPITAL_SPEEDS = (130, 160, 190)
SNR_DB = 10.0
BEFORE_S, AFTER_S = 0.3, 0.6
"""Silence around a synthetic phrase, as a recording ended by the question endpointer has."""
GROUPS = ("real", "clean tune", "clean held-out", "noisy tune", "noisy held-out", "capital")
QUICK_PHRASES = (1, 2, 5, 12)
"""Phrases of the quick set: two of each half."""
QUICK_CAPITAL_VOICES = ("en-us", "en-gb", "en+f3")


@dataclass(frozen=True)
class Utterance:
    """One clip to transcribe and the words it says."""

    id: str
    group: str
    """One of GROUPS."""
    transcript: str
    samples: np.ndarray


def level(clip: Clip) -> Clip:
    """The clip at a peak of half full scale with silence around it."""
    peak = max(1e-6, float(np.abs(clip.samples).max()))
    return with_silence(Clip(clip.samples * (0.5 / peak), clip.rate), BEFORE_S, AFTER_S)


def renditions(index: int) -> list[tuple[str, object]]:
    """(voice name, speak(text, tts) -> Clip) of phrase ``index``: piper at one speed and
    espeak voices k and k + 3, k = index // 2, so a tuning phrase and the held-out one after
    it are said by the same voices."""
    k = index // 2
    scale = PIPER_SCALES[k % 3]
    chosen = [(f"piper x{scale}", lambda text, tts: piper_clip(tts, text, length_scale=scale))]
    for voice, speed in (ESPEAK_VOICES[k % 6], ESPEAK_VOICES[(k + 3) % 6]):
        chosen.append((f"espeak {voice}@{speed}", lambda text, tts, v=voice, s=speed: espeak_clip(text, v, s)))
    return chosen


def synthetic_clips(tts, phrases=range(len(PHRASES)), voices: int = 3) -> list[Utterance]:
    """The synthetic set (or the given phrases of it, in their first ``voices``), clean and noisy."""
    found = []
    for index in phrases:
        half = "tune" if index % 2 == 0 else "held-out"
        for n, (voice, speak) in enumerate(renditions(index)[:voices]):
            clean = level(speak(PHRASES[index], tts))
            dirty = mix_noise(clean, SNR_DB, seed=1000 * index + n, pink=True)
            found.append(Utterance(f"p{index:02d} {voice} clean", f"clean {half}", PHRASES[index], clean.samples))
            found.append(Utterance(f"p{index:02d} {voice} noisy", f"noisy {half}", PHRASES[index], dirty.samples))
    return found


def capital_clips(voices=tuple(v for v, _ in ESPEAK_VOICES), speeds=CAPITAL_SPEEDS) -> list[Utterance]:
    """The capital-of-France question in espeak voices and speeds."""
    return [Utterance(f"capital {v}@{s}", "capital", CAPITAL, level(espeak_clip(CAPITAL, v, s)).samples)
            for v in voices for s in speeds]


def cached(folder: Path, make) -> list[Utterance]:
    """Utterances written to ``folder`` the first time (synthesis is slow), read back after."""
    manifest = folder / "manifest.jsonl"
    if manifest.is_file():
        rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line]
        return [Utterance(r["id"], r["group"], r["transcript"], read_wav(folder / r["file"]).samples) for r in rows]
    made = make()
    rows = []
    for n, utt in enumerate(made):
        write_wav(folder / f"{n:04d}.wav", Clip(utt.samples, ENGINE_RATE))
        rows.append({"id": utt.id, "group": utt.group, "transcript": utt.transcript, "file": f"{n:04d}.wav"})
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return made


def full_set(cache: Path, tts, groups, reuse: Path | None = None, log=print) -> list[Utterance]:
    """The utterances of the chosen ``groups``: real ones fetched into ``cache`` the first time."""
    found = []
    if "real" in groups:
        found += [Utterance(r.id, "real", r.transcript, read_wav(cache / "real" / r.file).samples)
                  for r in build_corpus(cache, reuse, log)]
    if any(g in groups for g in GROUPS[1:5]):
        found += [u for u in cached(cache / "synthetic", lambda: synthetic_clips(tts)) if u.group in groups]
    if "capital" in groups:
        found += cached(cache / "capital", capital_clips)
    return found


def quick_set(tts) -> list[Utterance]:
    """A handful of clips for a check in under a minute: four phrases (piper and one espeak
    voice, clean and noisy) and the capital question packaged as assistant/data/question.wav
    and in three espeak voices."""
    question = read_wav(PROJECT / "assistant" / "data" / "question.wav").samples
    packaged = Utterance("capital question.wav", "capital", CAPITAL, question)
    return synthetic_clips(tts, QUICK_PHRASES, voices=2) + [packaged] + capital_clips(QUICK_CAPITAL_VOICES, (160,))
