"""The wake-word detector a configuration asks for, built on the engines already loaded."""

from __future__ import annotations

from typing import Optional

from assistant.config.settings import WakeSettings
from assistant.core.errors import ConfigError, ModelError
from assistant.wake.base import WakeDetector
from assistant.wake.command import CommandSpotter
from assistant.wake.phrases import check_phrases, normalise


def resolve_engine(configured: str, stt_engine: str) -> str:
    """The engine ``wake.engine`` means with this recognizer: auto is vosk grammar spotting
    on a vosk model, otherwise the transcript matcher on whisper."""
    if configured != "auto":
        return configured
    return "vosk" if stt_engine == "vosk" else "vad-whisper"


def make_wake_detector(settings: WakeSettings, stt=None, *, vad_threshold: float = 0.5) -> Optional[WakeDetector]:
    """The detector for ``settings.engine`` (None for engine none).

    ``stt`` is the loaded recognizer the detector may build on: a vosk one for grammar
    spotting, a whisper one (anything with ``words``) for the transcript matcher.
    """
    engine = resolve_engine(settings.engine, getattr(stt, "name", ""))
    if engine == "none":
        return None
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


def stop_phrases(settings: WakeSettings) -> tuple[str, ...]:
    """The stop phrases, normalised; ConfigError naming wake.stop_phrases for one without words."""
    phrases = tuple(dict.fromkeys(normalise(p) for p in settings.stop_phrases))
    if "" in phrases:
        raise ConfigError("wake.stop_phrases: each phrase needs letters, e.g. [\"stop\", \"be quiet\"]")
    return phrases


def make_command_spotter(settings: WakeSettings, stt, *, vad_threshold: float = 0.5) -> Optional[CommandSpotter]:
    """The spotter of the stop phrases and the wake phrases said alone over a reply, on ``stt``
    (any recognizer); None when there is no recognizer."""
    if stt is None:
        return None
    phrases = stop_phrases(settings) + check_phrases(settings.phrases)
    return CommandSpotter(stt, tuple(dict.fromkeys(phrases)), settings.threshold, vad_threshold=vad_threshold)
