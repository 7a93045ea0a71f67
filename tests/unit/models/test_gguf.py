"""The GGUF header reader, on the real SmolLM2 file and on synthetic headers."""

from __future__ import annotations

import time

import pytest
from support.gguf import CATALOG_ARCHS, STRING, Arch, header, smollm2_path, write_gguf

from assistant.core.errors import ModelError
from assistant.models.gguf import read_gguf_info, split_parts

LLAMA_3B = Arch("llama", 28, 24, 8, 3072, 128, 128256, 131072, 2019377696)
QWEN3_30B_A3B = Arch("qwen3moe", 48, 32, 4, 2048, 128, 151936, 262144, 11258610080, 10, 128, 8)


def test_real_smollm2_header():
    path = smollm2_path()
    start = time.perf_counter()
    info = read_gguf_info(path)
    assert time.perf_counter() - start < 1.0  # header only, never the 98 MB of weights
    assert (info.architecture, info.block_count, info.head_count, info.head_count_kv) == ("llama", 30, 9, 3)
    assert (info.embedding_length, info.key_length, info.value_length) == (576, 64, 64)
    assert info.vocab_size == 49152 and info.context_length == 8192
    assert info.quantization == "Q4_1" and info.file_type == 3
    assert info.file_bytes == path.stat().st_size and info.expert_count == 0
    assert info.version == 3 and info.tensor_count > 0


def test_llama_3b_like_header(tmp_path):
    path = write_gguf(tmp_path / "llama3b.gguf", header(LLAMA_3B, name="Llama 3B"), size=LLAMA_3B.file_bytes)
    info = read_gguf_info(path)
    assert info.architecture == "llama" and info.name == "Llama 3B"
    assert (info.block_count, info.head_count, info.head_count_kv) == (28, 24, 8)
    assert (info.key_length, info.value_length) == (128, 128)  # derived: 3072 / 24
    assert info.vocab_size == 128256 and info.quantization == "Q4_K_M"
    assert info.file_bytes == LLAMA_3B.file_bytes and info.expert_count == 0


def test_qwen3_moe_header_states_head_size(tmp_path):
    path = write_gguf(tmp_path / "moe.gguf", header(QWEN3_30B_A3B), size=QWEN3_30B_A3B.file_bytes)
    info = read_gguf_info(path)
    assert info.architecture == "qwen3moe"
    assert (info.block_count, info.head_count_kv, info.key_length, info.value_length) == (48, 4, 128, 128)
    assert info.embedding_length == 2048 and info.head_count == 32  # 32 x 128 != 2048: read, not derived
    assert (info.expert_count, info.expert_used_count) == (128, 8)
    assert info.quantization == "Q2_K" and info.file_bytes == 11258610080


def test_vocab_size_key_and_missing_optional_keys(tmp_path):
    kv = header(CATALOG_ARCHS["qwen3-4b-q4_k_m"], vocab_as_tokens=False)
    del kv["general.file_type"], kv["general.name"]
    info = read_gguf_info(write_gguf(tmp_path / "m.gguf", kv))
    assert info.vocab_size == 151936 and info.file_type is None and info.quantization == ""
    assert info.name == ""


def test_per_layer_head_counts_take_the_largest(tmp_path):
    kv = header(LLAMA_3B)
    kv["llama.attention.head_count_kv"] = [4] * 20 + [8] * 8
    assert read_gguf_info(write_gguf(tmp_path / "m.gguf", kv)).head_count_kv == 8


def test_version_2_and_string_arrays(tmp_path):
    kv = header(LLAMA_3B)
    kv["custom.strings"] = (STRING, ["a", "bb", "ccc"])
    info = read_gguf_info(write_gguf(tmp_path / "v2.gguf", kv, version=2))
    assert info.version == 2 and info.block_count == 28


def test_split_model_reads_first_part_and_sums_all(tmp_path):
    first = write_gguf(tmp_path / "big-00001-of-00003.gguf", header(QWEN3_30B_A3B), size=4_000_000_000)
    for n in (2, 3):
        write_gguf(tmp_path / f"big-0000{n}-of-00003.gguf", {"split.no": n - 1}, size=3_000_000_000)
    assert split_parts(tmp_path / "big-00002-of-00003.gguf")[0] == first
    info = read_gguf_info(tmp_path / "big-00002-of-00003.gguf")
    assert info.path == first and info.block_count == 48
    assert info.file_bytes == 10_000_000_000
    (tmp_path / "big-00003-of-00003.gguf").unlink()
    with pytest.raises(ModelError, match="big-00003-of-00003.gguf: model file not found; a split GGUF needs all 3"):
        read_gguf_info(first)


@pytest.mark.parametrize("content, message", [
    (b"", "not a GGUF model file"),
    (b"PK\x03\x04 a zip file, not a model", "not a GGUF model file"),
    (b"GGUF\x03\x00", "truncated GGUF header"),
    (b"GGUF\x01\x00\x00\x00" + b"\x00" * 16, "GGUF version 1 is not supported"),
    (b"GGUF\x03\x00\x00\x00" + b"\x00" * 8 + b"\xff" * 8, "corrupt GGUF header"),
])
def test_bad_files_are_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.gguf"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=message) as info:
        read_gguf_info(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_header_cut_short_is_truncated(tmp_path):
    whole = write_gguf(tmp_path / "whole.gguf", header(LLAMA_3B)).read_bytes()
    for cut in (30, len(whole) // 2, len(whole) - 3):
        path = tmp_path / "cut.gguf"
        path.write_bytes(whole[:cut])
        with pytest.raises(ModelError, match="cut.gguf: truncated or corrupt GGUF header"):
            read_gguf_info(path)


def test_header_without_architecture_is_refused(tmp_path):
    path = write_gguf(tmp_path / "x.gguf", {"general.name": "no arch"})
    with pytest.raises(ModelError, match="no general.architecture"):
        read_gguf_info(path)
    path = write_gguf(tmp_path / "y.gguf", {"general.architecture": "clip"})
    with pytest.raises(ModelError, match="lacks clip.block_count"):
        read_gguf_info(path)
