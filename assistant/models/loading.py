"""Load the engines a configuration asks for, once, in parallel threads."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from assistant.config.loader import Config
from assistant.config.settings import Settings
from assistant.core.cpu_topology import performance_cores
from assistant.llm.base import LanguageModel
from assistant.models.catalog import load_catalog
from assistant.models.memory import check_fits
from assistant.models.paths import resolve_model
from assistant.models.selection import ModelChoice, choose_llm, choose_stt, choose_tts
from assistant.stt.base import SpeechToText
from assistant.tts.base import TextToSpeech
from assistant.wake.base import WakeDetector
from assistant.models.wake_models import wake_model_specs
from assistant.wake.factory import NEURAL, make_wake_detector, resolve_engine

log = logging.getLogger(__name__)


def load_stt(config: Config, choice: ModelChoice | None = None) -> SpeechToText:
    """The speech-to-text engine for this config."""
    choice = choice or choose_stt(config)
    if choice.note:
        log.info("speech-to-text: %s", choice.note)
    if choice.engine == "vosk":
        from assistant.stt.vosk import VoskTranscriber

        return VoskTranscriber(choice.path)
    from assistant.stt.whisper import WhisperTranscriber

    s = config.settings.stt
    # CTranslate2's default of 4 threads oversubscribes a 2-core board (0.63 s a pass here
    # against 0.57 s with one thread per physical core).
    return WhisperTranscriber(choice.path, language=s.language, beam_size=s.beam_size,
                              threads=performance_cores(), window_s=s.window_s)


def load_llm(config: Config, choice: ModelChoice | None = None) -> LanguageModel:
    """The language model for this config."""
    from assistant.llm.llama import LocalLlm

    return LocalLlm((choice or choose_llm(config)).path, config.settings.llm)


def load_tts(config: Config, choice: ModelChoice | None = None) -> TextToSpeech:
    """The voice for this config."""
    from assistant.tts.piper import PiperTts

    return PiperTts((choice or choose_tts(config)).path, config.settings.tts)


@dataclass
class Engines:
    """The loaded engines and the settings they were loaded with (None: not loaded)."""

    settings: Settings
    """The settings the engines were loaded with."""
    stt: SpeechToText | None = None
    """The speech recognizer."""
    llm: LanguageModel | None = None
    """The language model."""
    tts: TextToSpeech | None = None
    """The voice."""


def load_engines(config: Config, stt=True, llm=True, tts=True) -> Engines:
    """Load the requested engines concurrently (their native loaders release the GIL)."""
    catalog = load_catalog()
    # Resolve every path first so a missing model fails before anything slow starts.
    choices = {}
    if stt:
        choices["stt"] = (load_stt, choose_stt(config, catalog))
    if llm:
        choices["llm"] = (load_llm, choose_llm(config, catalog))
    if tts:
        choices["tts"] = (load_tts, choose_tts(config, catalog))
    if llm:  # refuse (exit 78) a set-up that would not fit in memory before the OOM killer does
        check_fits(config, catalog=catalog, stt=stt, llm=llm, tts=tts)
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="load") as pool:
        futures = {name: pool.submit(fn, config, choice) for name, (fn, choice) in choices.items()}
        loaded = {name: future.result() for name, future in futures.items()}
    return Engines(settings=config.settings, **loaded)


def load_wake(config: Config, stt: SpeechToText | None) -> WakeDetector | None:
    """The wake detector for this config, built on the loaded recognizer where it can be
    (the neural engines need none)."""
    s = config.settings
    engine, specs = resolve_engine(s.wake, getattr(stt, "name", "")), []
    if engine == "vad-whisper" and getattr(stt, "name", "") != "whisper":
        path = resolve_model(s.stt.fallback_model, "stt", config.models_dir, load_catalog())
        stt = load_stt(config, ModelChoice("whisper", path))
    if engine in NEURAL:
        specs = wake_model_specs(config, engine, load_catalog())
    return make_wake_detector(s.wake, stt, vad_threshold=s.endpoint.vad_threshold, models=specs)
