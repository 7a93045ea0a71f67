"""Load the engines a configuration asks for, once, in parallel threads."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Callable

from assistant.config.loader import Config
from assistant.config.network import api_key
from assistant.config.settings import Settings
from assistant.core.cpu_topology import performance_cores
from assistant.llm.base import LanguageModel
from assistant.llm.fallback import FallbackLlm
from assistant.models.catalog import load_catalog
from assistant.models.memory import check_fits
from assistant.models.paths import resolve_model
from assistant.models.selection import ModelChoice, choose_llm, choose_stt, choose_tts, uses_local_llm
from assistant.models.wake_models import wake_model_specs
from assistant.stt.base import SpeechToText
from assistant.tts.base import TextToSpeech
from assistant.wake.base import WakeDetector
from assistant.wake.factory import NEURAL, make_wake_detector, resolve_engine

log = logging.getLogger(__name__)


def load_stt(config: Config, choice: ModelChoice | None = None) -> SpeechToText:
    """The speech-to-text engine for this config."""
    choice = choice or choose_stt(config)
    s = config.settings
    if choice.note:
        log.info("speech-to-text: %s", choice.note)
    if choice.engine == "wyoming":
        from assistant.stt.wyoming import WyomingSpeechToText

        return WyomingSpeechToText(choice.uri, s.stt.language, s.timeouts.connect_s, s.timeouts.stt_s)
    if choice.engine == "vosk":
        from assistant.stt.vosk import VoskTranscriber

        return VoskTranscriber(choice.path)
    from assistant.stt.whisper import WhisperTranscriber

    # CTranslate2's default of 4 threads oversubscribes a 2-core board (0.63 s a pass here
    # against 0.57 s with one thread per physical core).
    return WhisperTranscriber(choice.path, language=s.stt.language, beam_size=s.stt.beam_size,
                              threads=performance_cores(), window_s=s.stt.window_s, prompt=s.stt.prompt)


def load_local_llm(config: Config, choice: ModelChoice | None = None) -> LanguageModel:
    """llm.model, run in this process by llama.cpp."""
    from assistant.llm.llama import LocalLlm

    return LocalLlm((choice or choose_llm(config)).path, config.settings.llm)


def load_llm(config: Config, choice: ModelChoice | None = None) -> LanguageModel:
    """The language model for this config: local, a server's, or a server's with the local
    one behind it (llm.fallback)."""
    s = config.settings.llm
    if s.engine == "llama":
        return load_local_llm(config, choice)
    from assistant.llm.openai import OpenAiChat  # httpx2 takes 0.4 s to import: only when used

    remote = OpenAiChat(s, api_key(config.settings, config.base_dir), config.settings.timeouts.connect_s)
    return FallbackLlm(remote, load_local_llm(config, choice)) if s.fallback else remote


def load_tts(config: Config, choice: ModelChoice | None = None) -> TextToSpeech:
    """The voice for this config."""
    choice = choice or choose_tts(config)
    s = config.settings
    if choice.engine == "wyoming":
        from assistant.tts.wyoming import WyomingTextToSpeech

        return WyomingTextToSpeech(choice.uri, s.tts.wyoming_voice, s.timeouts.connect_s, s.timeouts.tts_s)
    from assistant.tts.piper import PiperTts

    return PiperTts(choice.path, s.tts)


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
        choices["llm"] = (load_llm, choose_llm(config, catalog) if uses_local_llm(config) else None)
    if tts:
        choices["tts"] = (load_tts, choose_tts(config, catalog))
    if llm:  # refuse (exit 78) a set-up that would not fit in memory before the OOM killer does
        check_fits(config, catalog=catalog, stt=stt, llm=llm, tts=tts)
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="load") as pool:
        futures = {name: pool.submit(fn, config, choice) for name, (fn, choice) in choices.items()}
        loaded = {name: future.result() for name, future in futures.items()}
    return Engines(settings=config.settings, **loaded)


def wake_factory(config: Config, stt: SpeechToText | None) -> Callable[[], WakeDetector | None]:
    """Makes fresh wake detectors for this config, all built on one loaded recognizer
    (whisper is loaded for the transcript matcher when ``stt`` is not whisper; the neural
    engines need none)."""
    s = config.settings
    engine, specs = resolve_engine(s.wake, getattr(stt, "name", "")), []
    if engine == "vad-whisper" and getattr(stt, "name", "") != "whisper":
        path = resolve_model(s.stt.fallback_model, "stt", config.models_dir, load_catalog())
        stt = load_stt(config, ModelChoice("whisper", path))
    if engine in NEURAL:
        specs = wake_model_specs(config, engine, load_catalog())
    return partial(make_wake_detector, s.wake, stt, vad_threshold=s.endpoint.vad_threshold,
                   connect_s=s.timeouts.connect_s, models=specs)


def load_wake(config: Config, stt: SpeechToText | None) -> WakeDetector | None:
    """The wake detector for this config, built on the loaded recognizer where it can be."""
    return wake_factory(config, stt)()
