"""Wake words by openWakeWord (pyopen-wakeword): an optional engine the user installs.

Not part of the default install: every openWakeWord model, and the melspectrogram and
embedding networks every detection runs through, are CC BY-NC-SA 4.0 per upstream
(non-commercial), which the GPL program cannot include. ``pip install pyopen-wakeword==1.1.0``
adds it. One feature front end (a 96-value embedding every 80 ms) feeds every model; each
outputs a probability per embedding, with no smoothing.

Built-in models: okay_nabu, hey_jarvis, hey_mycroft, alexa, hey_rhasspy. A custom model is
an openWakeWord classifier ``.tflite``; its phrase comes from ``phrase:`` or its file name.
"""

from __future__ import annotations

import re
from typing import Iterator, Sequence

from assistant.config.settings import WakeSettings
from assistant.core.errors import ModelError
from assistant.wake.neural import FrontEndModels, Keyword, ModelSpec, NeuralDetector, check_tflite, spoken_phrase

PACKAGE = "pyopen-wakeword==1.1.0"
"""The pinned package that ships the engine, its feature networks and the built-in models."""

BUILTIN = ("okay_nabu", "hey_jarvis", "hey_mycroft", "alexa", "hey_rhasspy")
"""Models inside the pyopen-wakeword wheel, by the name wake.models takes."""

DEFAULT_THRESHOLD = 0.5
"""Threshold of every model when wake.models gives none: the library's own. The evaluation's
tuning picked 0.1-0.2 for four of the five built-ins, three of them at 1.7-4.3 false accepts per hour
(docs/wake.md), so this optional engine keeps 0.5."""

NEEDS = "an openWakeWord .tflite model"
_VERSION = re.compile(r"_v\d+(\.\d+)*$")


def keyword(spec: ModelSpec) -> Keyword:
    """Phrase (configured, else from the file name: hey_rhasspy_v0.1.tflite says "hey rhasspy") and threshold."""
    if spec.path.suffix != ".tflite":
        raise ModelError(f"{spec.key}: {spec.path} is not an openWakeWord model; give {NEEDS}")
    check_tflite(spec.path, spec.key, NEEDS)
    threshold = DEFAULT_THRESHOLD if spec.threshold is None else spec.threshold
    phrase = spec.phrase or _VERSION.sub("", spec.path.stem).replace("_", " ")
    return Keyword(spoken_phrase(phrase, spec.key), threshold)


class OpenBackend(FrontEndModels):
    """One OpenWakeWordFeatures front end feeding several OpenWakeWord models (after a reset the
    front end refills 8 s of silence: the next block costs about 0.5 s of CPU)."""

    def __init__(self, spec_paths):
        try:
            from pyopen_wakeword import OpenWakeWord, OpenWakeWordFeatures
        except ImportError:
            raise ModelError("wake.engine openwakeword needs pyopen-wakeword, which is not installed (its "
                             f"models are CC BY-NC-SA 4.0, non-commercial use only): pip install {PACKAGE}") from None
        self.features = OpenWakeWordFeatures.from_builtin()
        self.models = [OpenWakeWord.from_model(path) for path in spec_paths]

    def process(self, pcm: bytes) -> Iterator[list[float]]:
        """Each model's probability for every 80 ms embedding."""
        if not pcm:
            return  # the library fails on an empty chunk
        for embedding in self.features.process_streaming(pcm):
            # Each model's output is a generator: nothing runs unless it is consumed.
            yield [max(model.process_streaming(embedding), default=0.0) for model in self.models]

def make_openwakeword_detector(settings: WakeSettings, specs: Sequence[ModelSpec]) -> NeuralDetector:
    """A detector running every model in ``specs`` on one front end."""
    keywords = [keyword(spec) for spec in specs]
    return NeuralDetector("openwakeword", OpenBackend([s.path for s in specs]), keywords, settings.refractory_s)
