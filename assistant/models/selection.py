"""Which engine and model file each stage will use: decided from the config and catalog
before anything loads, so a missing or mismatched model fails fast."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.config.loader import Config
from assistant.core.errors import ModelError
from assistant.models.catalog import load_catalog
from assistant.models.paths import installed_path, resolve_model


@dataclass(frozen=True)
class ModelChoice:
    """Which engine and model file a stage will use."""

    engine: str
    """Engine name: vosk, whisper, llama, piper or wyoming."""
    path: Path
    """The installed model file or folder (empty for a Wyoming server)."""
    note: str = ""
    """Why this choice was made, when it is a fallback."""
    uri: str = ""
    """The Wyoming server's URI (engine wyoming)."""

    @property
    def where(self) -> str:
        """The model file, or the server, for reports."""
        return self.uri or str(self.path)


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
    if s.engine == "wyoming":
        return ModelChoice("wyoming", Path(), uri=s.wyoming_uri)
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


def uses_local_llm(config: Config) -> bool:
    """Whether llm.model is loaded: engine llama, or a server with the local model behind it."""
    llm = config.settings.llm
    return llm.engine == "llama" or llm.fallback


def choose_llm(config: Config, catalog=None) -> ModelChoice:
    """The GGUF file behind llm.model."""
    path = resolve_model(config.settings.llm.model, "llm", config.models_dir, catalog or load_catalog())
    return ModelChoice("llama", path)


def choose_tts(config: Config, catalog=None) -> ModelChoice:
    """The Piper voice behind tts.voice, or the Wyoming server of engine wyoming."""
    if config.settings.tts.engine == "wyoming":
        return ModelChoice("wyoming", Path(), uri=config.settings.tts.wyoming_uri)
    path = resolve_model(config.settings.tts.voice, "tts", config.models_dir, catalog or load_catalog())
    return ModelChoice("piper", path)
