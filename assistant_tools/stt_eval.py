"""Word error rate and decode time of recognizer settings over the evaluation's utterances.

A setting is the whisper engine (the project's ``WhisperTranscriber``, or faster-whisper's
own ``transcribe()`` for comparison) with a window, a beam width, a prompt, and the audio as
the daemon could hand it over: whole, trimmed to the speech by the VAD, or ending where the
daemon's early pass cuts it. The settings take turns on every utterance, in a shuffled
order, so a change in the machine's load falls on all of them alike.
"""

from __future__ import annotations

import hashlib
import json
import random
import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from assistant.audio.endpoint import EARLY_SILENCE_FRAMES
from assistant.audio.vad import FRAME_SAMPLES, VoiceActivity, frames_for
from assistant.core.errors import InputError
from assistant_tools.stt_material import GROUPS, Utterance
from assistant_tools.stt_text import word_edits

PROMPTS = {
    "none": "",
    "assistant": "Hey computer, what's the news today? Turn on the radio. Set a reminder for tomorrow.",
    "questions": "What is the largest ocean on Earth? How many legs does a spider have? Who painted the Mona Lisa?",
    "hotwords": "timer, alarm, weather, music, volume, lights, news, question",
    "style": "Questions and commands for a voice assistant.",
    "hotwords2": "timer, alarm, weather, music, volume, lights, news, question, capital, country",
    "population": "Hey computer, what is the population of Canada? Set a timer for ten minutes.",
    "capital": "What is the capital of Italy? Set a timer for ten minutes.",
    "hey": "Hey computer.",
}
"""Prompts the evaluation names (tokens "p:NAME" of a setting); the config's own is "config"."""
VAD_PAD_S = 0.2
"""Audio kept on either side of the speech the VAD found, with VAD trimming."""


@dataclass(frozen=True)
class Setting:
    """One way of running the recognizer."""

    engine: str = "whisper"
    """whisper (the project's transcriber) or faster-whisper (its plain transcribe(), 30 s window)."""
    window_s: float = 10.0
    beam: int = 5
    prompt: str = ""
    vad: bool = False
    """Trim the audio to the speech the VAD found (and VAD_PAD_S around it)."""
    early: bool = False
    """End the audio EARLY_SILENCE_FRAMES after the speech, as the daemon's early pass hears it."""

    def key(self) -> str:
        """A name that identifies the setting in stored results."""
        digest = hashlib.sha1(self.prompt.encode()).hexdigest()[:8] if self.prompt else "none"
        return f"{self.engine} w{self.window_s:g} b{self.beam} p{digest} vad{int(self.vad)} early{int(self.early)}"

    def label(self, config_prompt: str = "") -> str:
        """How the table names it."""
        names = {text: name for name, text in PROMPTS.items()}
        prompt = "config" if self.prompt and self.prompt == config_prompt else names.get(self.prompt, "custom")
        window = "30 (own)" if self.engine == "faster-whisper" else f"{self.window_s:g}"
        parts = [self.engine, f"window {window}", f"beam {self.beam}", f"prompt {prompt}"]
        return ", ".join(parts + ["VAD trim"] * self.vad + ["early cut"] * self.early)


def parse_settings(text: str, default: Setting) -> list[Setting]:
    """Settings from "default,w30,w10+b1,vad,early+p:none,fw": each entry changes the default by
    its "+"-joined tokens: wN window, bN beam, p:NAME a prompt of PROMPTS (or p:config), vad,
    early, fw (faster-whisper's own transcribe)."""
    found = []
    for entry in filter(None, (e.strip() for e in text.split(","))):
        setting = default
        for token in entry.split("+"):
            setting = _apply(setting, token, default)
        found.append(setting)
    return found


def _apply(setting: Setting, token: str, default: Setting) -> Setting:
    try:
        if token == "default":
            return setting
        if token in ("vad", "early"):
            return replace(setting, **{token: True})
        if token == "fw":
            return replace(setting, engine="faster-whisper", window_s=30.0)
        if token.startswith("p:"):
            name = token[2:]
            return replace(setting, prompt=default.prompt if name == "config" else PROMPTS[name])
        if token[0] in "wb":
            field = "window_s" if token[0] == "w" else "beam"
            return replace(setting, **{field: type(getattr(setting, field))(token[1:])})
    except (KeyError, ValueError, IndexError):
        pass
    raise InputError(f"{token!r} is not a setting token; use wN, bN, vad, early, fw, "
                     f"default or p:NAME with NAME one of {', '.join(PROMPTS)}, config")


def speech_frames(samples: np.ndarray) -> list[int]:
    """Indexes of the 32 ms frames the project's VAD takes for speech."""
    probs = VoiceActivity(0.5).feed(samples)
    return [i for i, p in enumerate(probs) if p >= 0.5]


def prepared(samples: np.ndarray, setting: Setting) -> np.ndarray:
    """The audio as the setting hands it to the recognizer."""
    if not (setting.vad or setting.early):
        return samples
    speech = speech_frames(samples)
    if not speech:
        return samples
    start, end = 0, len(samples)
    if setting.vad:
        pad = frames_for(VAD_PAD_S)
        start, end = max(0, speech[0] - pad) * FRAME_SAMPLES, (speech[-1] + 1 + pad) * FRAME_SAMPLES
    if setting.early:
        end = min(end, (speech[-1] + 1 + EARLY_SILENCE_FRAMES) * FRAME_SAMPLES)
    return samples[start:end]


class PlainWhisper:
    """faster-whisper's own transcribe() with its defaults (30 s window, temperature fallback)."""

    def __init__(self, model, beam: int, prompt: str) -> None:
        self.model, self.beam, self.prompt = model, beam, prompt

    def transcribe(self, samples: np.ndarray) -> str:
        segments, _ = self.model.transcribe(samples, language="en", beam_size=self.beam,
                                            initial_prompt=self.prompt or None)
        return " ".join(s.text.strip() for s in segments).strip()


def recognizer(whisper, setting: Setting):
    """Something with transcribe(samples) -> str that runs ``setting`` on the loaded model."""
    if setting.engine == "faster-whisper":
        return PlainWhisper(whisper.model, setting.beam, setting.prompt)
    return whisper.with_options(window_s=setting.window_s, beam_size=setting.beam, prompt=setting.prompt)


class Results:
    """Transcripts by (setting key, utterance id); kept in a JSON-lines file when given one,
    so an interrupted run goes on where it stopped."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.rows: dict[tuple[str, str], dict] = {}
        if path is not None and path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                self.rows[(row["setting"], row["id"])] = row

    def add(self, row: dict) -> None:
        self.rows[(row["setting"], row["id"])] = row
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as file:
                file.write(json.dumps(row) + "\n")

    def of(self, setting: Setting, utterances: list[Utterance]) -> list[dict]:
        return [self.rows[(setting.key(), u.id)] for u in utterances if (setting.key(), u.id) in self.rows]


def evaluate(whisper, settings: list[Setting], utterances: list[Utterance], results: Results, log=print) -> None:
    """Transcribe every utterance with every setting not already in ``results``, the settings
    taking turns on each utterance in a shuffled order."""
    engines = {s.key(): recognizer(whisper, s) for s in settings}
    shuffle = random.Random(0)
    order = list(utterances)
    shuffle.shuffle(order)  # a run stopped half-way has measured every group alike
    for n, utt in enumerate(order, 1):
        todo = [s for s in settings if (s.key(), utt.id) not in results.rows]
        shuffle.shuffle(todo)
        for setting in todo:
            audio = prepared(utt.samples, setting)
            started = time.perf_counter()
            text = engines[setting.key()].transcribe(audio)
            seconds = time.perf_counter() - started
            edits, words = word_edits(utt.transcript, text)
            results.add({"setting": setting.key(), "id": utt.id, "group": utt.group, "text": text,
                         "edits": edits, "words": words, "seconds": round(seconds, 4)})
        if todo and n % 25 == 0:
            log(f"{n}/{len(utterances)} utterances")


def summary(setting: Setting, rows: list[dict]) -> dict:
    """WER in % per group, the capital question heard right (of n), and the median decode time."""
    wer = {}
    for group in GROUPS[:-1]:
        mine = [r for r in rows if r["group"] == group]
        words = sum(r["words"] for r in mine)
        wer[group] = round(100.0 * sum(r["edits"] for r in mine) / words, 1) if words else None
    capital = [r for r in rows if r["group"] == "capital"]
    seconds = [r["seconds"] for r in rows]
    return {"setting": setting.key(), "wer": wer, "capital_right": sum(r["edits"] == 0 for r in capital),
            "capital_n": len(capital), "median_s": round(statistics.median(seconds), 3) if seconds else None,
            "misheard_capital": {r["id"]: r["text"] for r in capital if r["edits"]}}
