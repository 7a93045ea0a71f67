"""Resolve the configured models and load the engines once, in parallel threads."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .catalog import installed_path, load_catalog, resolve_model
from .config import Config
from .errors import ModelError
from .cpu_topology import performance_cores
from .settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelChoice:
    """Which engine and model file a stage will use."""

    engine: str
    """Engine name: vosk, whisper, llama or piper."""
    path: Path
    """The installed model file or folder."""
    note: str = ""
    """Why this choice was made, when it is a fallback."""


STT_NEEDS = {"whisper": "model.bin and tokenizer.json", "vosk": "an am/ folder"}


def stt_engine_of(ref: str, path: Path, catalog, configured: str = "auto", key: str = "stt.model") -> str:
    """vosk or whisper: from the catalog entry, else from the folder's contents.

    A folder that is neither is refused here, naming the key, before anything loads.
    """
    if ref in catalog:
        return catalog.get(ref).engine
    if (path / "model.bin").is_file() and (path / "tokenizer.json").is_file():
        return "whisper"
    if (path / "am").is_dir() or (path / "final.mdl").is_file():
        return "vosk"
    if configured in STT_NEEDS:
        what = f"not a {configured} model folder (it needs {STT_NEEDS[configured]})"
    else:
        what = "neither a vosk model folder (no am/) nor a faster-whisper one (no model.bin)"
    raise ModelError(f"{key}: {path} is {what}; set it to a catalog name or a complete model folder")


def choose_stt(config: Config, catalog=None) -> ModelChoice:
    """vosk when its model is installed (engine auto or vosk), otherwise whisper."""
    s = config.settings.stt
    catalog = catalog or load_catalog()
    try:
        path = resolve_model(s.model, "stt", config.models_dir, catalog)
    except ModelError:
        # Fall back only from a known model that is not installed yet: a mistyped path or
        # a model of the wrong kind is the user's mistake and must be reported.
        fallback = (s.engine == "auto" and s.model in catalog
                    and installed_path(catalog.get(s.model), config.models_dir) is None)
        if not fallback:
            raise
        path = resolve_model(s.fallback_model, "stt", config.models_dir, catalog, key="stt.fallback_model")
        return ModelChoice(stt_engine_of(s.fallback_model, path, catalog, key="stt.fallback_model"), path,
                           note=f"{s.model} is not installed; using {s.fallback_model}")
    engine = stt_engine_of(s.model, path, catalog, s.engine)
    if s.engine != "auto" and engine != s.engine:
        raise ModelError(f"stt.model: {s.model!r} is a {engine} model but stt.engine is {s.engine}; "
                         "make them match")
    return ModelChoice(engine, path)


def choose_llm(config: Config, catalog=None) -> ModelChoice:
    """The GGUF file behind llm.model."""
    path = resolve_model(config.settings.llm.model, "llm", config.models_dir, catalog or load_catalog())
    return ModelChoice("llama", path)


def choose_tts(config: Config, catalog=None) -> ModelChoice:
    """The Piper voice behind tts.voice."""
    path = resolve_model(config.settings.tts.voice, "tts", config.models_dir, catalog or load_catalog())
    return ModelChoice("piper", path)


def load_stt(config: Config, choice: ModelChoice | None = None):
    """The speech-to-text engine for this config."""
    choice = choice or choose_stt(config)
    if choice.note:
        log.info("speech-to-text: %s", choice.note)
    if choice.engine == "vosk":
        from .stt_vosk import VoskTranscriber

        return VoskTranscriber(choice.path)
    from .stt_whisper import WhisperTranscriber

    s = config.settings.stt
    # CTranslate2's default of 4 threads oversubscribes a 2-core board (0.63 s a pass here
    # against 0.57 s with one thread per physical core).
    return WhisperTranscriber(choice.path, language=s.language, beam_size=s.beam_size,
                              threads=performance_cores(), window_s=s.window_s)


def load_llm(config: Config, choice: ModelChoice | None = None):
    """The language model for this config."""
    from .llm import LocalLlm

    return LocalLlm((choice or choose_llm(config)).path, config.settings.llm)


def load_tts(config: Config, choice: ModelChoice | None = None):
    """The voice for this config."""
    from .tts import PiperTts

    return PiperTts((choice or choose_tts(config)).path, config.settings.tts)


@dataclass
class Engines:
    """The three loaded engines and the settings they were loaded with."""

    settings: Settings
    stt: object = None
    llm: object = None
    tts: object = None


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
    if llm:
        # Refuse (exit 78) a set-up that would not fit in memory before the OOM killer does.
        from .memory_budget import check_fits

        check_fits(config, catalog=catalog, stt=stt, llm=llm, tts=tts)
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="load") as pool:
        futures = {name: pool.submit(fn, config, choice) for name, (fn, choice) in choices.items()}
        loaded = {name: future.result() for name, future in futures.items()}
    return Engines(settings=config.settings, **loaded)
