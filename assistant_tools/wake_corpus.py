"""The wake-word evaluation corpus, made on this machine and cached in a folder the user picks.

Positives: each phrase said by espeak-ng voices at three speeds and by the packaged piper
voice at three paces with piper's random variation, trimmed to the speech. Half of the
speakers (every other espeak-ng voice, every other piper draw) are held out: thresholds are
tuned on the other half and on separate tuning negatives, never on what is reported.
Negatives: long prose read by other espeak-ng voices and by piper, noise, music-like sound,
near-miss sentences, and the human recordings of alsa-utils when installed. A file that
exists is not made again; delete the folder to start over.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from assistant.audio.format import ENGINE_RATE as RATE
from assistant.audio.format import Clip, read_wav, resample, write_wav
from assistant_tools import wake_sounds as sounds
from assistant_tools.speech import espeak_clip

SPOKEN = {"okay nabu": "Okay Nabu.", "hey jarvis": "Hey Jarvis.", "hey mycroft": "Hey My-croft.",
          "alexa": "Alexa.", "hey rhasspy": "Hey Rhasspy."}
"""What the voices are given for each phrase (espeak-ng, and piper through it, says "Mycroft" as "mick-roft")."""

POS_ESPEAK = ("en-us+m3", "en-us+f2", "en-gb+m1", "en-gb+f4", "en-gb-scotland+m2", "en-029+m4",
              "en-us-nyc+f3", "en-gb-x-rp+m7", "en-gb-x-gbclan+f5", "en-us+klatt", "en-gb-x-gbcwmd+f1", "en-us+m6")
NEG_ESPEAK = ("en-us+m2", "en-us+f4", "en-gb+m5", "en-gb+f2", "en-gb-scotland+m4", "en-029+f3",
              "en-us-nyc+m1", "en-gb-x-rp+f5", "en-gb-x-gbcwmd+m6", "en-us+m7")
TUNE_ESPEAK = ("en-gb+m3", "en-us+f5")
PIPER_NOISE = ((0.667, 0.8), (0.8, 1.0))
"""piper's (noise_scale, noise_w_scale) pairs; each call draws new noise, so every take differs."""


@dataclass(frozen=True)
class Plan:
    """How much of everything to make."""

    name: str
    """full or quick (the cache keeps them apart)."""
    espeak_voices: tuple[str, ...]
    """espeak-ng voices saying the phrases."""
    speeds: tuple[int, ...]
    """Their words per minute."""
    piper_paces: tuple[float, ...]
    """piper length scales saying the phrases."""
    piper_draws: int
    """Takes per pace with piper's variation (0: one steady take, the same audio every run)."""
    prose_espeak: int
    """espeak-ng voices reading prose (from NEG_ESPEAK)."""
    prose_piper: tuple[float, ...]
    """piper paces reading prose."""
    speech_min: dict
    """Minutes of prose per reader: {"espeak": m, "piper": m}."""
    noise_min: float
    """Minutes of each noise kind."""
    music_min: float
    """Minutes of music-like sound in all."""
    tune_min: float
    """Minutes of tuning prose per tuning reader."""
    noise_kinds: tuple[str, ...] = ("white", "pink", "brown", "fan", "clatter", "babble")
    """Kinds of noise among the negatives."""
    docstrings: bool = True
    """Prose from Python's docstrings too, not only the licence texts (parsing them takes seconds)."""


FULL = Plan("full", POS_ESPEAK, (130, 165, 200), (0.8, 1.0, 1.2), 6, 10, (0.9, 1.0, 1.15),
            {"espeak": 7.0, "piper": 12.0}, 3.0, 15.0, 5.0)
QUICK = Plan("quick", POS_ESPEAK[:6], (165,), (0.9, 1.1), 0, 2, (1.0,), {"espeak": 0.5, "piper": 0.5},
             0.25, 0.5, 0.5, ("pink", "babble"), docstrings=False)


@dataclass(frozen=True)
class Take:
    """One recording of a phrase."""

    phrase: str
    """The phrase said."""
    family: str
    """espeak or piper."""
    voice: str
    """Voice and setting."""
    held_out: bool
    """True when it is reported only, never used to choose a threshold."""
    path: Path
    """Its WAV file in the cache."""


class Corpus:
    """Makes (once) and finds the evaluation audio under ``root/<plan name>``."""

    def __init__(self, root: Path, plan: Plan, piper=None, log: Callable[[str], None] = print):
        self.root, self.plan, self.piper, self.log = Path(root) / plan.name, plan, piper, log
        self._prose: Optional[list[str]] = None

    def takes(self, phrase: str) -> list[Take]:
        """Every take of ``phrase``, made if missing."""
        p, text, takes = self.plan, SPOKEN[phrase], []
        for i, voice in enumerate(p.espeak_voices):
            for speed in p.speeds:
                takes.append(self._take(phrase, "espeak", f"{voice}-{speed}", i % 2 == 1,
                                        lambda v=voice, s=speed: espeak_clip(text, v, s).samples))
        for pace in p.piper_paces:
            for k in range(max(1, p.piper_draws)):
                noise = PIPER_NOISE[k % 2] if p.piper_draws else None
                takes.append(self._take(phrase, "piper", f"joe-{pace:g}-{k}", k % 2 == 1 or (not p.piper_draws and pace > 1),
                                        lambda n=noise, s=pace: self._piper(text, s, n)))
        return takes

    def commands(self) -> list[np.ndarray]:
        """Short requests said after a phrase (espeak-ng voices of the negatives)."""
        return [self._file(f"commands/{i}.wav", lambda i=i, c=c: espeak_clip(c, NEG_ESPEAK[i % 4], 170).samples)
                for i, c in enumerate(sounds.COMMANDS)]

    def negatives(self) -> dict[str, list[Path]]:
        """Reported negatives by group: speech, noise, music (false accepts per hour), confusable, real."""
        speech = self._prose_files("speech", NEG_ESPEAK[:self.plan.prose_espeak], self.plan.prose_piper,
                                   self.plan.speech_min, 0)
        talkers = [read_wav(p, RATE).samples for p in speech[:4]]
        p = self.plan
        noise = [self._path(f"neg/noise/{k}.wav", lambda i=i, k=k: sounds.noise(k, p.noise_min * 60, 100 + i, talkers))
                 for i, k in enumerate(p.noise_kinds)]
        pieces = max(1, round(p.music_min / 3))
        music = [self._path(f"neg/music/{i}.wav", lambda i=i: sounds.music(p.music_min / pieces * 60, 200 + i))
                 for i in range(pieces)]
        return {"speech": speech, "noise": noise, "music": music, "confusable": self._confusable(),
                "real": self._real()}

    def tuning_negatives(self) -> list[Path]:
        """Prose read by voices of their own, for choosing thresholds only."""
        minutes = {"espeak": self.plan.tune_min, "piper": self.plan.tune_min}
        return self._prose_files("tune", TUNE_ESPEAK, self.plan.prose_piper[:1], minutes, 13)

    # ----- making files

    def _piper(self, text: str, pace: float, noise) -> np.ndarray:
        voice = self.piper.steady(pace)
        if noise is not None:
            voice.syn_config = dataclasses.replace(voice.syn_config, noise_scale=noise[0], noise_w_scale=noise[1])
        return resample(voice.synthesize(text), RATE).samples

    def _say(self, family: str, voice: str, text: str) -> np.ndarray:
        if family == "espeak":
            return espeak_clip(text, voice, int(voice.rsplit("@", 1)[1])).samples
        return self._piper(text, float(voice), (0.667, 0.8))

    def _take(self, phrase: str, family: str, voice: str, held_out: bool, make) -> Take:
        path = self._path(f"pos/{phrase.replace(' ', '_')}/{family}-{voice}.wav", lambda: trim(make()))
        return Take(phrase, family, voice, held_out, path)

    def _file(self, name: str, make) -> np.ndarray:
        return read_wav(self._path(name, lambda: trim(make())), RATE).samples

    def _path(self, name: str, make) -> Path:
        path = self.root / name
        if not path.is_file():
            write_wav(path, Clip(np.asarray(make(), np.float32), RATE))
        return path

    def _prose_files(self, group: str, espeak_voices, paces, minutes: dict, first_slot: int) -> list[Path]:
        """One file per reader; reader k reads from sixteenth ``first_slot + k`` of the prose."""
        readers = [("espeak", f"{v}@{150 + 5 * (i % 8)}") for i, v in enumerate(espeak_voices)]
        if self.piper is not None:
            readers += [("piper", f"{pace:g}") for pace in paces]
        files = []
        for i, (family, voice) in enumerate(readers):
            name = f"neg/{group}/{family}-{voice}.wav"
            files.append(self._path(name, lambda f=family, v=voice, k=i: self._read_prose(
                f, v, minutes[f] * 60, first_slot + k)))
        return files

    def _read_prose(self, family: str, voice: str, seconds: float, slot: int) -> np.ndarray:
        if self._prose is None:
            self._prose = sounds.prose_sentences(self.plan.docstrings)
        i = slot * len(self._prose) // 16
        rng, pieces, total = np.random.default_rng(slot), [], 0
        self.log(f"  reading {seconds / 60:g} min of prose: {family} {voice}")
        while total < seconds * RATE:
            chunk = [self._prose[(i + j) % len(self._prose)] for j in range(10)]
            chunk.insert(int(rng.integers(0, 10)), sounds.EVERYDAY[int(rng.integers(0, len(sounds.EVERYDAY)))])
            i += 10
            x = self._say(family, voice, " ".join(chunk)) * 10 ** (rng.uniform(-8, 4) / 20)
            pieces += [x, np.zeros(int(rng.uniform(0.3, 1.5) * RATE), np.float32)]
            total += len(x)
        return sounds.level(np.concatenate(pieces)[:int(seconds * RATE)], -24.0)

    def _confusable(self) -> list[Path]:
        readers = [("espeak", f"{v}@165") for v in NEG_ESPEAK[:3 if self.plan.docstrings else 1]]
        readers += [("piper", "1")] if self.piper else []
        gap = np.zeros(RATE, np.float32)
        return [self._path(f"neg/confusable/{f}-{v}.wav", lambda f=f, v=v: sounds.level(np.concatenate(
            [x for s in sounds.CONFUSABLE for x in (self._say(f, v, s), gap)]), -24.0)) for f, v in readers]

    def _real(self) -> list[Path]:
        """alsa-utils' test recordings: a person naming loudspeaker channels (no wake phrase)."""
        found = sorted(p for p in Path("/usr/share/sounds/alsa").glob("*.wav") if p.stem != "Noise")
        return [self._path(f"neg/real/{p.stem}.wav", lambda p=p: sounds.level(read_wav(p, RATE).samples, -24.0))
                for p in found]


def trim(x: np.ndarray, rel_db: float = -40.0) -> np.ndarray:
    """The speech of a synthesized clip: from the first to the last 10 ms frame within ``rel_db`` of the loudest."""
    frames = len(x) // 160
    if frames == 0:
        return x
    energy = np.sqrt(np.mean(x[:frames * 160].reshape(frames, 160) ** 2, axis=1))
    loud = np.flatnonzero(energy >= energy.max() * 10 ** (rel_db / 20))
    return x[loud[0] * 160:(loud[-1] + 1) * 160]
