"""The wake-word detector a configuration asks for, built on the engines already loaded."""

from __future__ import annotations

import importlib.util
from typing import Optional, Sequence

from assistant.config.settings import WakeSettings
from assistant.core.errors import ConfigError, ModelError
from assistant.wake.base import WakeDetector
from assistant.wake.command import CommandSpotter
from assistant.wake.micro import make_micro_detector
from assistant.wake.neural import ModelSpec
from assistant.wake.openwakeword import make_openwakeword_detector
from assistant.wake.phrases import check_phrases, normalise

NEURAL = ("micro", "openwakeword")
"""Engines that run wake.models; the others match wake.phrases."""


def resolve_engine(settings: WakeSettings, stt_engine: str) -> str:
    """The engine ``wake.engine`` means: auto is micro on wake.models when pymicro-wakeword is
    installed; without models (or without the package) vosk grammar spotting on a vosk
    recognizer, otherwise the transcript matcher on whisper, both on wake.phrases."""
    if settings.engine != "auto":
        return settings.engine
    if settings.models and _installed("pymicro_wakeword"):
        return "micro"
    return "vosk" if stt_engine == "vosk" else "vad-whisper"


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: a module set to None in sys.modules
        return False


def make_wake_detector(settings: WakeSettings, stt=None, *, vad_threshold: float = 0.5,
                       connect_s: float = 3.0, models: Sequence[ModelSpec] = ()) -> Optional[WakeDetector]:
    """The detector for ``settings.engine`` (None for engine none).

    ``stt`` is the loaded recognizer the detector may build on: a vosk one for grammar
    spotting, a whisper one (anything with ``words``) for the transcript matcher.
    ``connect_s`` bounds the connection to a Wyoming server (engine wyoming).
    ``models`` are wake.models with their files located, for the neural engines.
    """
    engine = resolve_engine(settings, getattr(stt, "name", ""))
    if engine == "none":
        return None
    if engine == "wyoming":
        from assistant.wake.wyoming import WyomingWakeDetector

        return WyomingWakeDetector(settings.wyoming_uri, settings, connect_s)
    if engine in NEURAL:
        return _neural(engine, settings, models)
    if engine == "vosk":
        if getattr(stt, "name", "") != "vosk":
            raise ModelError("wake.engine vosk needs the vosk model (stt.model) installed; "
                             "use wake.engine vad-whisper or pocketsphinx otherwise")
        from assistant.wake.vosk import VoskWakeDetector

        return VoskWakeDetector(stt, settings, vad_threshold=vad_threshold)
    if engine == "vad-whisper":
        if not hasattr(stt, "words"):
            raise ModelError("wake.engine vad-whisper needs the whisper model (stt.fallback_model) loaded")
        from assistant.wake.transcript import WhisperWakeDetector

        return WhisperWakeDetector(stt, settings, vad_threshold=vad_threshold)
    if engine == "pocketsphinx":
        from assistant.wake.pocketsphinx import PocketsphinxWakeDetector

        return PocketsphinxWakeDetector(settings)
    raise ConfigError(f"wake.engine: unknown engine {engine!r}")


def _neural(engine: str, settings: WakeSettings, models: Sequence[ModelSpec]) -> WakeDetector:
    if not models:
        raise ConfigError(f"wake.models: empty, but wake.engine {engine} needs at least one model "
                          "(e.g. [{name: hey_mycroft}]); or use engine auto for wake.phrases")
    if engine == "micro":
        return make_micro_detector(settings, models)
    return make_openwakeword_detector(settings, models)


def stop_phrases(settings: WakeSettings) -> tuple[str, ...]:
    """The stop phrases, normalised; ConfigError naming wake.stop_phrases for one without words."""
    phrases = tuple(dict.fromkeys(normalise(p) for p in settings.stop_phrases))
    if "" in phrases:
        raise ConfigError("wake.stop_phrases: each phrase needs letters, e.g. [\"stop\", \"be quiet\"]")
    return phrases


def wake_phrases(detector: Optional[WakeDetector], settings: WakeSettings) -> tuple[str, ...]:
    """What wakes the assistant: the detector's own phrases (a neural model names its own);
    wake.phrases when there is no detector (button only)."""
    return tuple(detector.phrases) if detector is not None else check_phrases(settings.phrases)


def make_command_spotter(settings: WakeSettings, stt, wake: Sequence[str], *,
                         vad_threshold: float = 0.5) -> Optional[CommandSpotter]:
    """The spotter of the stop phrases and the wake phrases (``wake``) said alone over a reply,
    on ``stt`` (any recognizer); None when there is no recognizer."""
    if stt is None:
        return None
    phrases = stop_phrases(settings) + tuple(wake)
    return CommandSpotter(stt, tuple(dict.fromkeys(phrases)), settings.threshold, vad_threshold=vad_threshold)
