"""The default LLM is made here: the packaged SmolLM2 (Q4_1) rewritten as Q8_0, no download."""

from __future__ import annotations

import pytest
from support.gguf import smollm2_path

from assistant.core.errors import FetchError, ModelError
from assistant.models.catalog import load_catalog
from assistant.models.gguf import read_gguf_info
from assistant.models.paths import resolve_model
from assistant.models.requantize import requantize_model

NAME = "smollm2-135m-instruct-q8_0"


def test_the_derived_model_is_written_as_q8_0_of_the_catalog_size(tmp_path):
    entry = load_catalog().get(NAME)
    path = requantize_model(entry, smollm2_path(), tmp_path)
    info = read_gguf_info(path)
    assert info.quantization == "Q8_0" and path.stat().st_size == entry.size_bytes
    assert [p.name for p in tmp_path.iterdir()] == [entry.file], "no part file is left behind"
    assert resolve_model(NAME, "llm", tmp_path, load_catalog()) == path
    before = path.stat().st_mtime_ns
    assert requantize_model(entry, smollm2_path(), tmp_path) == path and path.stat().st_mtime_ns == before


def test_a_missing_derived_model_says_how_to_make_it(tmp_path, monkeypatch):
    from assistant.models import paths as model_paths

    monkeypatch.setattr(model_paths, "SETUP_MODELS", tmp_path / "setup")
    with pytest.raises(ModelError, match=f"run `assistant models fetch {NAME}`"):
        resolve_model(NAME, "llm", tmp_path, load_catalog())


def test_a_config_elsewhere_finds_the_model_set_up_made(tmp_path, monkeypatch):
    """A config in another folder has its own models.dir; the default LLM is still found."""
    from assistant.models import paths as model_paths

    monkeypatch.setattr(model_paths, "SETUP_MODELS", tmp_path / "project-models")
    made = requantize_model(load_catalog().get(NAME), smollm2_path(), tmp_path / "project-models")
    assert resolve_model(NAME, "llm", tmp_path / "etc" / "models", load_catalog()) == made


def test_another_file_under_its_name_is_never_overwritten(tmp_path):
    entry = load_catalog().get(NAME)
    mine = tmp_path / entry.file
    mine.write_bytes(b"my own notes")
    with pytest.raises(FetchError, match="move it away"):
        requantize_model(entry, smollm2_path(), tmp_path)
    assert mine.read_bytes() == b"my own notes"


def test_a_source_llama_cpp_cannot_read_leaves_nothing(tmp_path):
    entry = load_catalog().get(NAME)
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    out = tmp_path / "models"
    with pytest.raises(FetchError, match="could not requantize"):
        requantize_model(entry, bad, out)
    assert list(out.iterdir()) == []


def test_the_catalog_refuses_bad_derived_entries():
    from assistant.models.catalog import catalog_from_data

    base = dict(name="mine", kind="llm", engine="llama", license="MIT", description="d", file="m.gguf",
                ram_mb=1, context_max=256)
    with pytest.raises(ModelError, match="quantize"):
        catalog_from_data({"models": [{**base, "source": {"derived_from": "mine", "quantize": "q5_1"}}]})
    with pytest.raises(ModelError, match="derived_from 'nowhere' is not in the catalog"):
        catalog_from_data({"models": [{**base, "source": {"derived_from": "nowhere", "quantize": "q8_0"}}]})
    with pytest.raises(ModelError, match="source must be"):
        catalog_from_data({"models": [{**base, "source": {"derived_from": "mine"}}]})
