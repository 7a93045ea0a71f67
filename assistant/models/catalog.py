"""The model catalog (models/catalog.yaml) as frozen dataclasses, validated on load.

Where a catalog model is on disk (``installed_path``) and how a config value becomes a
path (``resolve_model``) live in ``model_paths`` and are re-exported here.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional
from urllib.parse import urlparse

from assistant.config.yaml_file import read_yaml
from assistant.core.errors import ModelError
from assistant.core.paths import CATALOG as CATALOG_PATH

KINDS = ("stt", "llm", "tts", "wake")
ENGINE_KINDS = {"vosk": ("stt", "wake"), "whisper": ("stt", "wake"), "llama": ("llm",), "piper": ("tts",),
                "micro": ("wake",), "openwakeword": ("wake",)}
URL_SCHEMES = ("https", "http", "file")
QUANTIZE_TYPES = ("q8_0", "q4_0")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")
_PACKAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.+!_-]+\Z")


@dataclass(frozen=True)
class ModelEntry:
    """One known model: what it is, where it comes from and how to check it."""

    name: str
    """Catalog name, used in config.yaml and on the command line."""
    kind: str
    """Pipeline stage it serves: stt, llm, tts or wake."""
    engine: str
    """Engine that loads it: vosk, whisper, llama, piper, micro or openwakeword."""
    license: str
    """Licence of the model weights, short form (details in license_note)."""
    description: str
    """What the model is good for, in a sentence or two."""
    package: Optional[str] = None
    """pip requirement ``dist==version`` when the model ships inside a Python package."""
    url: Optional[str] = None
    """Download address (https, http or file) when the model is fetched instead."""
    derived_from: Optional[str] = None
    """Catalog name of the GGUF this one is requantized from on this machine (no download)."""
    quantize: Optional[str] = None
    """Derived models: the llama.cpp quantization they are written in (q8_0 or q4_0)."""
    file: Optional[str] = None
    """Name under the models folder (a .zip unpacks to this folder); for packages the file inside it."""
    size_bytes: Optional[int] = None
    """Size of the download, or of the packaged file or folder."""
    size_exact: bool = True
    """False when size_bytes is only a rounded published figure (size_mb in the YAML)."""
    sha256: Optional[str] = None
    """SHA-256 of the downloaded (or packaged) file from the publisher's listing; None if unknown."""
    sha256_note: Optional[str] = None
    """Where the checksum came from, or why there is none."""
    license_note: Optional[str] = None
    """Licence details worth reading before redistributing or commercial use."""
    ram_mb: Optional[int] = None
    """LLMs: approximate resident memory at the default context (file + KV cache + buffers)."""
    ram_note: Optional[str] = None
    """LLMs: how ram_mb was computed."""
    context_max: Optional[int] = None
    """LLMs: longest context the model was trained for, in tokens."""
    chat_template: Optional[str] = None
    """LLMs: prompt format family (the GGUF carries the exact template)."""
    config_url: Optional[str] = None
    """Piper downloads: address of the voice's .onnx.json, saved beside the .onnx."""
    config_sha256: Optional[str] = None
    """Piper voices: SHA-256 of the .onnx.json; microWakeWord models: of the .json beside the .tflite."""
    config_size_bytes: Optional[int] = None
    """Piper voices: size of the .onnx.json; microWakeWord models: of the .json, in bytes."""

    def __post_init__(self):
        problem = _entry_problem(self)
        if problem:
            raise ModelError(f"model '{self.name}': {problem}")

    @property
    def is_download(self) -> bool:
        """True when `assistant models fetch` downloads it (False: it ships in a package)."""
        return self.url is not None

    @property
    def is_archive(self) -> bool:
        """True when the download is a .zip that unpacks to the folder ``file``."""
        return bool(self.url) and urlparse(self.url).path.lower().endswith(".zip")

    @property
    def dist(self) -> Optional[str]:
        """Distribution name of the package that ships the model."""
        return self.package.split("==")[0] if self.package else None

    @property
    def pinned_version(self) -> Optional[str]:
        """Package version the catalog was checked against."""
        return self.package.split("==")[1] if self.package else None

    @property
    def exact_size(self) -> Optional[int]:
        """size_bytes when it is exact enough to check a download against, else None."""
        return self.size_bytes if self.size_exact else None


def _type_problem(entry: ModelEntry) -> str:
    for f in dataclasses.fields(entry):
        value = getattr(entry, f.name)
        want = bool if "bool" in f.type else int if "int" in f.type else str
        if value is None and f.type.startswith("Optional"):
            continue
        if not isinstance(value, want) or (want is int and isinstance(value, bool)):
            return f"{f.name} must be {want.__name__}, got {value!r:.40}"
        if want is int and value <= 0:
            return f"{f.name} must be positive, got {value}"
    return ""


def _source_problem(e: ModelEntry) -> str:
    if [e.package, e.url, e.derived_from].count(None) != 2:
        return "source must give exactly one of package, url or derived_from"
    if e.derived_from and (e.engine != "llama" or e.quantize not in QUANTIZE_TYPES or not e.file):
        return f"derived models need engine llama, file and quantize ({' or '.join(QUANTIZE_TYPES)})"
    if e.package and not _PACKAGE.match(e.package):
        return f"source.package must look like dist==version, got {e.package!r}"
    if e.url and urlparse(e.url).scheme not in URL_SCHEMES:
        return f"source.url must be https, http or file, got {e.url!r}"
    if e.url and not e.file:
        return "downloads need file (the name under the models folder)"
    if (e.url or e.derived_from) and (Path(e.file).name != e.file or e.file.startswith(".")):
        return f"file must be a plain file or folder name, got {e.file!r}"
    if e.url and e.size_bytes is None:
        return "downloads need size_bytes (or size_mb)"
    return ""


def _checksum_problem(e: ModelEntry) -> str:
    for key in ("sha256", "config_sha256"):
        value = getattr(e, key)
        if value is not None and not _SHA256.match(value):
            return f"{key} must be 64 lowercase hex digits, got {value!r:.70}"
    if e.url and e.sha256 is None and not e.sha256_note:
        return "sha256 is null: add sha256_note saying why and how to check the file"
    if e.config_url and e.config_sha256 is None and not e.sha256_note:
        return "config_sha256 is null: add sha256_note saying why"
    return ""


def _entry_problem(e: ModelEntry) -> str:
    if not isinstance(e.name, str) or not _NAME.match(e.name):
        return "name must be letters, digits, '.', '_' or '-'"
    problem = _type_problem(e) or _source_problem(e) or _checksum_problem(e)
    if problem:
        return problem
    if e.engine not in ENGINE_KINDS:
        return f"engine must be one of {', '.join(ENGINE_KINDS)}, got {e.engine!r}"
    if e.kind not in ENGINE_KINDS[e.engine]:
        return f"kind {e.kind!r} does not fit engine {e.engine}; use {' or '.join(ENGINE_KINDS[e.engine])}"
    if e.kind == "llm" and (e.ram_mb is None or e.context_max is None):
        return "llm models need ram_mb and context_max"
    if e.engine == "piper" and e.url and not e.config_url:
        return "piper downloads need config_url (the .onnx.json)"
    if e.config_url and urlparse(e.config_url).scheme not in URL_SCHEMES:
        return f"config_url must be https, http or file, got {e.config_url!r}"
    if not e.license.strip() or not e.description.strip():
        return "license and description must not be empty"
    return ""


@dataclass(frozen=True)
class Catalog:
    """Every known model, in catalog order."""

    entries: tuple[ModelEntry, ...]
    """The models, names unique."""

    def __post_init__(self):
        seen = set()
        for entry in self.entries:
            if entry.name in seen:
                raise ModelError(f"model '{entry.name}' is listed twice in the catalog; keep one")
            seen.add(entry.name)
        for entry in self.entries:
            if entry.derived_from and entry.derived_from not in seen:
                raise ModelError(f"model '{entry.name}': derived_from '{entry.derived_from}' is not in the catalog")

    def __contains__(self, name: object) -> bool:
        return any(e.name == name for e in self.entries)

    def get(self, name: str) -> ModelEntry:
        """The entry called ``name``; ModelError naming close matches when there is none."""
        for entry in self.entries:
            if entry.name == name:
                return entry
        close = difflib.get_close_matches(name, self.names(), n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise ModelError(f"'{name}' is not in the model catalog; {hint}see `assistant models list`")

    def names(self, kind: Optional[str] = None) -> list[str]:
        """Model names, optionally only those of one kind."""
        return [e.name for e in self.entries if kind is None or e.kind == kind]


_SOURCES = ({"package"}, {"url"}, {"derived_from", "quantize"})
_FIELDS = {f.name for f in dataclasses.fields(ModelEntry)} - {"package", "url", "derived_from", "quantize", "size_exact"}
_YAML_KEYS = (_FIELDS | {"source", "size_mb"})


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Read and validate the catalog; ModelError with one line naming the file and entry."""
    path = Path(path) if path is not None else CATALOG_PATH
    data = read_yaml(path, ModelError, "model catalog", "reinstall the assistant or pass an existing catalog")
    return catalog_from_data(data, source=str(path))


def catalog_from_data(data: Any, source: str = "catalog") -> Catalog:
    """Build a Catalog from parsed YAML, rejecting unknown keys and bad values."""
    if not isinstance(data, Mapping) or not isinstance(data.get("models"), list):
        raise ModelError(f"{source}: expected a mapping with a 'models' list; fix the model catalog")
    entries = []
    for i, item in enumerate(data["models"]):
        try:
            entries.append(_entry_from_mapping(item))
        except ModelError as exc:
            raise ModelError(f"{source}: models[{i}]: {exc}; fix the model catalog") from None
    try:
        return Catalog(entries=tuple(entries))
    except ModelError as exc:
        raise ModelError(f"{source}: {exc}") from None


def _entry_from_mapping(item: Any) -> ModelEntry:
    if not isinstance(item, Mapping):
        raise ModelError(f"expected a mapping of keys, got {item!r:.40}")
    name = item.get("name", "?")
    unknown = sorted(str(k) for k in item if k not in _YAML_KEYS)
    if unknown:
        raise ModelError(f"model '{name}': unknown key {unknown[0]}")
    missing = [k for k in ("name", "kind", "engine", "source", "license", "description") if k not in item]
    if missing:
        raise ModelError(f"model '{name}': missing key {missing[0]}")
    values = {k: v for k, v in item.items() if k in _FIELDS}
    source = item["source"]
    if not isinstance(source, Mapping) or set(source) not in _SOURCES:
        raise ModelError(f"model '{name}': source must be {{package: dist==version}}, {{url: ...}} "
                         "or {derived_from: NAME, quantize: q8_0}")
    values.update(source)
    if "size_mb" in item:
        if "size_bytes" in item or not isinstance(item["size_mb"], (int, float)) or isinstance(item["size_mb"], bool):
            raise ModelError(f"model '{name}': give either size_bytes or a numeric size_mb")
        values["size_bytes"], values["size_exact"] = int(item["size_mb"] * 1_000_000), False
    return ModelEntry(**values)
