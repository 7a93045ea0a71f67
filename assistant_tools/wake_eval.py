"""Scoring the wake-word engines on the corpus (wake_corpus): streams of positives in four
conditions, false accepts on hours of other audio, latency, CPU, and threshold tuning.

The detectors are the assistant's own (built by ``make_wake_detector`` from wake.models);
each stream is scored once (``NeuralDetector.scores``) and every threshold is decided from
those scores exactly as ``accept`` decides: the first step above it, then the refractory period.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from assistant.audio.format import ENGINE_RATE as RATE
from assistant.audio.format import read_wav
from assistant_tools import wake_sounds as sounds
from assistant_tools.wake_corpus import Take

REFRACTORY_S = 1.5
"""wake.refractory_s's default: detections closer than this to the previous one are dropped."""
HIT_AFTER_END_S = 1.5
"""A detection from the start of the phrase to this long after its end counts as a hit."""
CONDITIONS = ("clean", "snr10", "snr5", "reverb")
"""Positive conditions: as recorded, noise at 10 and 5 dB below the phrase, a reverberant room."""
BANK = ("pink", "white", "fan", "clatter", "babble", "music")
"""Noise mixed into the positives (made with seeds of their own, not the negatives' files)."""


@dataclass
class Stream:
    """Audio with the takes in it: (start, end sample, take) of each phrase."""

    audio: np.ndarray
    """16 kHz float32."""
    trials: list = field(default_factory=list)
    """(start, end, Take) per phrase said."""


@dataclass(frozen=True)
class Trace:
    """Every score of every model over one stream."""

    at: np.ndarray
    """Samples fed when each step's scores came out."""
    scores: np.ndarray
    """(steps, models) scores."""


def noise_bank(commands: Sequence[np.ndarray], seconds: float) -> dict[str, np.ndarray]:
    """Noise for the positives: other seeds than the negatives, babble from the commands."""
    talkers = [np.tile(c, 8) for c in commands]
    bank = {k: sounds.noise(k, seconds, 900 + i, talkers) for i, k in enumerate(BANK[:-1])}
    bank["music"] = sounds.music(seconds, 990)
    return bank


def positive_stream(takes: Sequence[Take], commands, condition: str, bank: dict, seed: int) -> Stream:
    """The takes one after another, each after 1.6-2.4 s of quiet, half followed by a command."""
    rng = np.random.default_rng(seed)
    stream, parts, pos = Stream(np.zeros(0, np.float32)), [], 0
    floor = sounds.colored_noise(10 * RATE, np.random.default_rng(seed + 1), 1.0) * 10 ** (-65 / 20)
    for k, take in enumerate(takes):
        phrase = read_wav(take.path, RATE).samples
        phrase = sounds.level(phrase, rng.uniform(-32, -20))
        lead = np.zeros(int(rng.uniform(1.6, 2.4) * RATE), np.float32)
        pieces = [lead, phrase]
        if rng.random() < 0.5:
            command = sounds.level(commands[int(rng.integers(0, len(commands)))], rng.uniform(-32, -20))
            pieces += [np.zeros(int(rng.uniform(0.15, 0.4) * RATE), np.float32), command]
        segment = np.concatenate(pieces + [np.zeros(RATE // 2, np.float32)])
        segment = mixed(segment, phrase, condition, bank, rng, k)
        segment = np.clip(segment + np.resize(floor, len(segment)), -1, 1).astype(np.float32)
        stream.trials.append((pos + len(lead), pos + len(lead) + len(phrase), take))
        parts.append(segment)
        pos += len(segment)
    stream.audio = np.concatenate(parts)
    return stream


def mixed(segment: np.ndarray, phrase: np.ndarray, condition: str, bank: dict, rng, k: int) -> np.ndarray:
    """The segment in ``condition``: noise at an SNR relative to the phrase, or a room."""
    if condition == "reverb":
        return sounds.reverberate(segment, sounds.room_response(rng))
    if condition in ("snr10", "snr5"):
        source = bank[BANK[k % len(BANK)]]
        start = int(rng.integers(0, max(1, len(source) - len(segment))))
        noise = np.resize(source[start:start + len(segment)], len(segment))
        gain = np.sqrt(np.mean(phrase ** 2)) / (np.sqrt(np.mean(noise ** 2)) + 1e-12) / 10 ** (int(condition[3:]) / 20)
        return segment + gain * noise
    return segment


def trace(make_detector: Callable, audio: np.ndarray) -> Trace:
    """A fresh detector's scores over ``audio`` fed in 30 ms blocks."""
    detector, at, scores = make_detector(), [], []
    for start in range(0, len(audio), 480):
        for fed, step in detector.scores(audio[start:start + 480]):
            at.append(fed)
            scores.append(step)
    return Trace(np.asarray(at, np.int64), np.asarray(scores, np.float32).reshape(len(at), -1))


def detections(t: Trace, model: int, threshold: float) -> np.ndarray:
    """Where the detector fires: each step above the threshold, less those in the refractory period."""
    candidates = t.at[t.scores[:, model] > threshold]
    found, last = [], None
    for at in candidates:
        if last is None or at >= last + REFRACTORY_S * RATE:
            found.append(at)
            last = at
    return np.asarray(found, np.int64)


def trial_results(fired: np.ndarray, stream: Stream) -> list[tuple[Take, float | None]]:
    """(take, seconds from the phrase's end to the detection, or None when missed) per take."""
    results = []
    for start, end, take in stream.trials:
        hit = fired[(fired >= start) & (fired <= end + HIT_AFTER_END_S * RATE)]
        results.append((take, (hit[0] - end) / RATE if len(hit) else None))
    return results


def frr(results, held_out: bool) -> float:
    """Share of the (held-out or tuning) takes that were missed."""
    chosen = [delay for take, delay in results if take.held_out == held_out]
    return sum(d is None for d in chosen) / max(1, len(chosen))


def tune(candidates: Sequence[float], results_at: Callable, tuning_fa: Callable) -> float:
    """The threshold with the fewest tuning misses (clean and 10 dB) among those with no false
    accept on the tuning negatives; on a tie the higher one; if every one has, the highest."""
    clean = [t for t in candidates if tuning_fa(t) == 0]
    if not clean:
        return max(candidates)
    return min(clean, key=lambda t: (frr(results_at(t, "clean"), False) + frr(results_at(t, "snr10"), False), -t))


def cpu_cores(make_detector: Callable, audio: np.ndarray, runs: int) -> float:
    """Process CPU seconds per second of audio fed in 30 ms blocks after 2 s of warm-up (best of ``runs``)."""
    best = None
    for _ in range(runs):
        detector = make_detector()
        for start in range(0, 2 * RATE, 480):
            detector.accept(np.zeros(480, np.float32))
        began = time.process_time()
        for start in range(0, len(audio), 480):
            detector.accept(audio[start:start + 480])
        cores = (time.process_time() - began) / (len(audio) / RATE)
        best = cores if best is None else min(best, cores)
    return best
