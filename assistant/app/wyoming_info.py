"""The ``info`` the Wyoming server answers ``describe`` with: each service, its model, who made it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional, Sequence

from wyoming.info import AsrModel, AsrProgram, Attribution, Info, TtsProgram, TtsVoice, WakeModel, WakeProgram

from assistant import __version__
from assistant.config.loader import Config
from assistant.models.selection import choose_stt

PROJECT = "pi-voice-assistant"
ENGINES = {
    "whisper": ("Whisper by OpenAI, run by faster-whisper (SYSTRAN)", "https://github.com/SYSTRAN/faster-whisper"),
    "vosk": ("Vosk by Alpha Cephei", "https://alphacephei.com/vosk/"),
    "piper": ("Piper by the Open Home Foundation", "https://github.com/OHF-Voice/piper1-gpl"),
    "vad-whisper": ("Silero VAD and Whisper (faster-whisper)", "https://github.com/SYSTRAN/faster-whisper"),
    "pocketsphinx": ("PocketSphinx by CMU", "https://github.com/cmusphinx/pocketsphinx"),
    "micro": ("microWakeWord by Kevin Ahrendt", "https://github.com/kahrendt/microWakeWord"),
    "openwakeword": ("openWakeWord by David Scripka", "https://github.com/dscripka/openWakeWord"),
}
"""Who made each engine, for the info's attribution."""


def attribution(engine: str) -> Attribution:
    """The engine's makers, or the project's for an engine that is not listed."""
    name, url = ENGINES.get(engine, (PROJECT, ""))
    return Attribution(name=name, url=url)


def model_name(ref: str) -> str:
    """A catalog name as is; a path as its file name without .onnx."""
    return re.sub(r"\.onnx$", "", Path(ref).name)


def voice_languages(voice: str, fallback: str) -> list[str]:
    """Piper names voices LANG_REGION-name-quality: the first part, when it looks like one."""
    head = voice.split("-", 1)[0]
    return [head] if re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", head) else [fallback]


def _asr(config: Config, stt) -> AsrProgram:
    s = config.settings.stt
    choice = choose_stt(config)
    name = choice.uri or model_name(s.fallback_model if choice.note else s.model)
    model = AsrModel(name=name, description=f"{stt.name} {name}", attribution=attribution(stt.name),
                     installed=True, version=None, languages=[s.language])
    return AsrProgram(name=f"assistant-{stt.name}", description=f"{PROJECT} speech-to-text ({stt.name})",
                      attribution=attribution(stt.name), installed=True, version=__version__, models=[model])


def _tts(config: Config, tts) -> TtsProgram:
    s = config.settings
    name = s.tts.wyoming_uri if tts.name == "wyoming" else model_name(s.tts.voice)
    voice = TtsVoice(name=name, description=f"{tts.name} voice {name}", attribution=attribution(tts.name),
                     installed=True, version=None, languages=voice_languages(name, s.stt.language))
    return TtsProgram(name=f"assistant-{tts.name}", description=f"{PROJECT} text-to-speech ({tts.name})",
                      attribution=attribution(tts.name), installed=True, version=__version__, voices=[voice],
                      supports_synthesize_streaming=True)


def _wake(config: Config, engine: str, phrases: Sequence[str]) -> WakeProgram:
    s = config.settings
    models = [WakeModel(name=phrase.replace(" ", "_"), description=f"{engine}: {phrase}",
                        attribution=attribution(engine), installed=True, version=None,
                        languages=[s.stt.language], phrase=phrase)
              for phrase in phrases]
    return WakeProgram(name=f"assistant-{engine}", description=f"{PROJECT} wake word ({engine})",
                       attribution=attribution(engine), installed=True, version=__version__, models=models)


def build_info(config: Config, stt, tts, wake_engine: Optional[str], wake_phrases: Sequence[str] = ()) -> Info:
    """What the server offers: speech-to-text, a voice and the wake phrases its detector
    listens for, those it has."""
    return Info(asr=[_asr(config, stt)] if stt is not None else [],
                tts=[_tts(config, tts)] if tts is not None else [],
                wake=[_wake(config, wake_engine, wake_phrases)] if wake_engine else [])
