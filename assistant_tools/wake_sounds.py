"""Sounds and texts for the wake-word evaluation: what people say around a wake word, prose
that never says one, noise, music-like sound and room reverberation (numpy only, seeded)."""

from __future__ import annotations

import ast
import random
import re
import sysconfig
from pathlib import Path

import numpy as np

from assistant.audio.format import ENGINE_RATE as RATE

BANNED = re.compile(r"nabu|jarvis|alexa|lexa|mycroft|my-croft|rhasspy|rasp|computer", re.I)
"""Words near any evaluated phrase: a negative sentence holding one is dropped."""

COMMANDS = (
    "what time is it", "turn on the kitchen lights", "set a timer for ten minutes",
    "what's the weather like tomorrow", "play some music", "how many grams in a pound",
    "remind me to call my sister", "what is the capital of Peru", "stop", "tell me a joke",
)
"""Said after half of the positive phrases, as people do."""

EVERYDAY = (
    "Could you pass me the salt, please? I think the soup needs a little more.",
    "We should leave early tomorrow because the traffic on the bridge is terrible on Mondays.",
    "Did you remember to water the plants before we went away for the weekend?",
    "The meeting was moved to half past three, and nobody told me until this morning.",
    "Okay, let's get started. First we chop the onions, then we fry them slowly.",
    "Hey, how are you doing? I haven't seen you in ages.",
    "Okay, now put the books back on the shelf where they belong.",
    "Hey there, could you help me carry these boxes upstairs?",
    "Hey, did anyone see where I left my glasses?",
    "Okay, that sounds like a plan. See you at eight.",
)
"""Everyday sentences (with the "okay" and "hey" the phrases start with), mixed into the prose."""

CONFUSABLE = (
    "Okay, now boo the referee if you want.", "Okay, nobody move, I dropped a contact lens.",
    "Okay, Naboo is a planet in a film, I think.", "Hey, Travis, is that your car outside?",
    "Hey, Marvin, what's the news?", "Harvest season starts in late September.",
    "The election results were announced at midnight.", "A Lexus was parked across the driveway.",
    "Alexis and Alexander are twins.", "Hey, Mike, rough day at the office?",
    "Hey, my craft project is finally finished.", "Microsoft released another update today.",
    "Hey, Rusty, sit down.", "Hey, come here, I need you.", "Jarvis Street is closed for repairs.",
    "Hey, commuter trains are late again.",
)
"""Near misses, counted apart from the false accepts per hour."""


def _sentences(text: str) -> list[str]:
    """Prose sentences of 5-40 words without code-like characters or banned words."""
    found = []
    for s in re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", text)):
        s = s.strip()
        if not 5 <= len(s.split()) <= 40 or BANNED.search(s) or re.search(r"https?:|::|[`\\{}<>\[\]=_#@|]", s):
            continue
        letters = sum(c.isalpha() or c in " ,.;:'!?-()" for c in s) / len(s)
        upper = sum(c.isupper() for c in s) / max(1, sum(c.isalpha() for c in s))
        if letters >= 0.95 and s[0].isupper() and upper <= 0.2:
            found.append(s)
    return found


def prose_sentences(docstrings: bool = True) -> list[str]:
    """Sentences from texts every Debian machine has (licences, Python's docstrings), fixed order."""
    texts = []
    licences = Path("/usr/share/common-licenses")
    for name in ("GPL-3", "LGPL-2.1", "Apache-2.0", "MPL-2.0", "GFDL-1.3", "Artistic", "CC0-1.0"):
        if (licences / name).is_file():
            texts.append((licences / name).read_text(errors="replace"))
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for path in (sorted(stdlib.glob("*.py")) + sorted(stdlib.glob("*/*.py"))) * docstrings:
        if "test" in path.parent.name or path.name.startswith("test"):
            continue
        try:
            tree = ast.parse(path.read_text(errors="replace"))
        except (SyntaxError, ValueError):
            continue
        texts += [d for n in ast.walk(tree) if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef))
                  and (d := ast.get_docstring(n))]
    sentences = list(dict.fromkeys(s for t in texts for s in _sentences(t)))
    random.Random(1234).shuffle(sentences)
    return sentences


def level(x: np.ndarray, rms_db: float) -> np.ndarray:
    """``x`` scaled to an RMS of ``rms_db`` dBFS, its peak kept under 0.98."""
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)) + 1e-12))
    y = x * (10 ** (rms_db / 20) / rms)
    peak = float(np.abs(y).max()) if len(y) else 0.0
    return (y * (0.98 / peak) if peak > 0.98 else y).astype(np.float32)


def colored_noise(n: int, rng: np.random.Generator, exponent: float) -> np.ndarray:
    """Unit-variance noise with power ~ 1/f^exponent (0 white, 1 pink, 2 brown)."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    f[0] = f[1]
    x = np.fft.irfft(spectrum / f ** (exponent / 2), n)
    return (x / (np.std(x) + 1e-12)).astype(np.float32)


def _clatter(n: int, rng: np.random.Generator) -> np.ndarray:
    """Kitchen-like: decaying noise bursts, some with a ringing tone, over a quiet hiss."""
    x = 0.05 * colored_noise(n, rng, 1.0)
    for _ in range(n // (RATE // 2)):
        at, m = int(rng.uniform(0, n - RATE)), int(rng.uniform(0.02, 0.3) * RATE)
        env = np.exp(-np.arange(m) / (m / 5))
        burst = rng.standard_normal(m) * env
        if rng.random() < 0.4:
            burst += np.sin(2 * np.pi * rng.uniform(800, 4000) * np.arange(m) / RATE) * env
        x[at:at + m] += burst * rng.uniform(0.2, 1.0)
    return x


def noise(kind: str, seconds: float, seed: int, talkers: list[np.ndarray] = ()) -> np.ndarray:
    """white, pink, brown, fan (hum and harmonics), clatter or babble (6 of ``talkers`` at once)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    if kind in ("white", "pink", "brown"):
        x = colored_noise(n, rng, {"white": 0.0, "pink": 1.0, "brown": 2.0}[kind])
    elif kind == "fan":
        hum = sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) / k for k, f in enumerate((50, 100, 150, 200, 300), 1))
        x = (colored_noise(n, rng, 1.5) + 0.3 * hum) * (1 + 0.1 * np.sin(2 * np.pi * 0.3 * t))
    elif kind == "clatter":
        x = _clatter(n, rng)
    elif kind == "babble" and talkers:
        x = np.zeros(n, np.float32)
        for _ in range(6):
            source = talkers[int(rng.integers(0, len(talkers)))]
            start = int(rng.integers(0, max(1, len(source) - n)))
            part = source[start:start + n]
            x[:len(part)] += part / (np.std(part) + 1e-6)
    else:
        raise ValueError(f"unknown noise {kind!r}")
    return level(np.asarray(x, np.float32), -30.0)


def _tone(freq: float, seconds: float, harmonics, decay: float, vibrato: float = 0.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    phase = 2 * np.pi * freq * t - (freq * vibrato / 5.5) * np.cos(2 * np.pi * 5.5 * t)
    y = sum(a * np.sin(h * phase) for h, a in harmonics)
    return (y * np.minimum(1, t / 0.01) * np.exp(-t / decay)).astype(np.float32)


def _add(out: np.ndarray, at: int, y: np.ndarray, gain: float) -> None:
    out[at:at + len(y)] += gain * y[:max(0, len(out) - at)]


def _bar(out, start: int, chord, key: float, beat: float, rng: np.random.Generator) -> None:
    """One bar: a piano-like chord, bass, a sung-like lead with vibrato, and drums on eighths."""
    for semi in chord:
        _add(out, start, _tone(key * 2 * 2 ** (semi / 12), 4 * beat + 0.5, ((1, 1), (2, .5), (3, .3), (4, .15)), 0.8), 0.15)
    _add(out, start, _tone(key / 2 * 2 ** (chord[0] / 12), 4 * beat, ((1, 1), (2, .3)), 1.5), 0.25)
    b = 0.0
    while b < 4:
        d = beat * float(rng.choice([0.5, 1, 1, 2]))
        f = key * 4 * 2 ** ((0, 2, 4, 5, 7, 9, 11, 12, 14, 16)[int(rng.integers(0, 10))] / 12)
        if rng.random() < 0.85:
            lead = _tone(f, d, ((1, 1), (2, .6), (3, .5), (5, .3), (7, .2)), d * 2, rng.uniform(0, 0.02))
            _add(out, start + int(b * beat * RATE), lead, 0.12)
        b += d / beat
    t = np.arange(int(0.15 * RATE)) / RATE
    for k in range(8):
        if k % 4 == 0:
            hit, gain = np.sin(2 * np.pi * (60 + 60 * np.exp(-t / 0.02)) * t) * np.exp(-t / 0.08), 0.5
        elif k % 4 == 2:
            hit, gain = rng.standard_normal(len(t)) * np.exp(-t / 0.05), 0.15
        else:
            hit, gain = np.diff(rng.standard_normal(len(t) + 1)) * np.exp(-t / 0.01), 0.05
        _add(out, start + int(k * beat / 2 * RATE), hit.astype(np.float32), gain)


def music(seconds: float, seed: int) -> np.ndarray:
    """Music-like sound at a random key (major or minor) and tempo (70-150 bpm)."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * RATE) + 3 * RATE, np.float32)
    key, beat = 110.0 * 2 ** (rng.integers(0, 12) / 12), 60 / rng.uniform(70, 150)
    progression = ([0, 4, 7], [7, 11, 14], [9, 12, 16], [5, 9, 12])
    if rng.random() < 0.5:
        progression = ([0, 3, 7], [5, 8, 12], [7, 10, 14], [3, 7, 10])
    bar = 0
    while bar * 4 * beat < seconds:
        _bar(out, int(bar * 4 * beat * RATE), progression[bar % 4], key, beat, rng)
        bar += 1
    return level(out[:int(seconds * RATE)], -24.0)


def room_response(rng: np.random.Generator) -> np.ndarray:
    """A synthetic room: direct path, six early reflections (2-30 ms), a tail with RT60 0.3-0.9 s."""
    rt60 = rng.uniform(0.3, 0.9)
    t = np.arange(int(rt60 * 1.2 * RATE)) / RATE
    tail = rng.standard_normal(len(t)) * np.exp(-6.9 * t / rt60)
    tail[:int(0.005 * RATE)] = 0
    h = tail * 10 ** (rng.uniform(-12, -4) / 20) / np.sqrt(np.sum(tail ** 2) / RATE * 50 + 1e-12)
    h[0] = 1.0
    for _ in range(6):
        h[int(rng.uniform(0.002, 0.03) * RATE)] += rng.uniform(-0.5, 0.5)
    return (h / np.sqrt(np.sum(h ** 2))).astype(np.float32)


def reverberate(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """``x`` convolved with ``h`` (FFT), cut to the length of ``x``."""
    n = len(x) + len(h) - 1
    size = 1 << (n - 1).bit_length()
    return np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(h, size), size)[:len(x)].astype(np.float32)
