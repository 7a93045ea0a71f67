"""Wake words by microWakeWord (pymicro-wakeword): small streaming TFLite models, the default.

One TFLite-Micro audio front end (40 features every 10 ms) feeds every configured model; each
runs an inference every 30 ms and reports the mean of its last few outputs (the model's
``sliding_window_size``). The library says True on every inference while that mean stays
above the cutoff: ``NeuralDetector`` applies the threshold and the refractory period.

Built-in models (Apache-2.0, inside the pymicro-wakeword wheel): okay_nabu, hey_jarvis,
hey_mycroft, alexa. A custom model is a microWakeWord v2 ``.tflite`` with the ESPHome-style
``.json`` beside it (``{"wake_word": ..., "model": "x.tflite", "micro": {"probability_cutoff":
..., "sliding_window_size": ...}}``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator, Sequence

from assistant.config.settings import WakeSettings
from assistant.core.errors import ModelError
from assistant.wake.neural import FrontEndModels, Keyword, ModelSpec, NeuralDetector, check_tflite, spoken_phrase

PACKAGE = "pymicro-wakeword==2.5.0"
"""The pinned package that ships the engine and the built-in models."""

BUILTIN = ("okay_nabu", "hey_jarvis", "hey_mycroft", "alexa")
"""Models inside the pymicro-wakeword wheel, by the name wake.models takes."""

TUNED_THRESHOLDS = {"okay_nabu": 0.9, "hey_jarvis": 0.7, "hey_mycroft": 0.9, "alexa": 0.6}
"""Default threshold of each built-in model when wake.models gives none: chosen by `assistant bench
wake` on its tuning takes and tuning negatives (docs/wake.md; the models' own cutoffs are 0.85,
0.97, 0.95 and 0.9)."""

NEEDS = "a microWakeWord .json with the .tflite it names beside it"


def describe(spec: ModelSpec) -> dict:
    """The model's JSON description, checked; ModelError naming the key otherwise."""
    path = spec.path
    config = path if path.suffix == ".json" else path.with_suffix(".json")
    if path.suffix not in (".json", ".tflite"):
        raise ModelError(f"{spec.key}: {path} is not a microWakeWord model; give {NEEDS}")
    if not config.is_file():
        raise ModelError(f"{spec.key}: {config} is missing; give {NEEDS}")
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
        micro = data["micro"]
        described = {"config": config, "wake_word": str(data["wake_word"]), "model": config.parent / data["model"],
                     "cutoff": float(micro["probability_cutoff"]), "window": int(micro["sliding_window_size"])}
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{spec.key}: {config} is not a microWakeWord description ({type(exc).__name__}: "
                         f"{exc}); give {NEEDS}") from None
    check_tflite(described["model"], spec.key, NEEDS)
    return described


def keyword(spec: ModelSpec, described: dict) -> Keyword:
    """The phrase and threshold a model is used with: configured, tuned (built-ins) or its own."""
    if spec.threshold is not None:
        threshold = spec.threshold
    else:
        threshold = TUNED_THRESHOLDS.get(spec.name, described["cutoff"])
    return Keyword(spoken_phrase(spec.phrase or described["wake_word"], spec.key), threshold)


class MicroBackend(FrontEndModels):
    """One MicroWakeWordFeatures front end feeding several MicroWakeWord models (a model's
    reset re-creates its interpreter, where its streaming state lives: 0.4 ms)."""

    def __init__(self, configs: Sequence[Path]):
        try:
            from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures
        except ImportError:
            raise ModelError(f"wake.engine micro needs pymicro-wakeword; pip install {PACKAGE}") from None
        self.features = MicroWakeWordFeatures()
        self.models = [MicroWakeWord.from_config(path) for path in configs]

    def process(self, pcm: bytes) -> Iterator[list[float]]:
        """Each model's smoothed probability for every 10 ms feature (0 between its inferences)."""
        for features in self.features.process_streaming(pcm):
            yield [model.process_streaming_prob(features) for model in self.models]

def make_micro_detector(settings: WakeSettings, specs: Sequence[ModelSpec]) -> NeuralDetector:
    """A detector running every model in ``specs`` on one front end."""
    described = [describe(spec) for spec in specs]
    keywords = [keyword(spec, d) for spec, d in zip(specs, described)]
    backend = MicroBackend([d["config"] for d in described])
    return NeuralDetector("micro", backend, keywords, settings.refractory_s)
