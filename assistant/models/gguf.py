"""What a GGUF model is, read from its header alone (stdlib only, no weights loaded).

A GGUF file (versions 2 and 3) starts with the magic ``GGUF``, a version, the tensor and
key/value counts, then typed key/values (``general.architecture``, ``llama.block_count``,
the tokenizer's vocabulary as string arrays...). Reading stops before the tensor infos, so
even a 10 GB model is described in milliseconds. A split model (``-00001-of-00003.gguf``)
keeps its metadata in the first part; ``file_bytes`` counts every part.
"""

from __future__ import annotations

import mmap
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from assistant.core.errors import ModelError

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
STRING, ARRAY = 8, 9
SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
           10: "<Q", 11: "<q", 12: "<d"}
"""GGUF value type id -> struct format of one value (8 is a string, 9 an array)."""
MAX_KV = 1_000_000  # far above any real model: a bigger count means a corrupt header
MAX_PER_LAYER = 4096  # numeric arrays up to this long are per-layer values worth reading
_SPLIT = re.compile(r"-(\d{5})-of-(\d{5})\.gguf$")

FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
    11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
    17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS",
    23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S",
    29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4",
}
"""llama.cpp's ``general.file_type`` (llama_ftype) ids -> the usual quantization names."""


@dataclass(frozen=True)
class GgufInfo:
    """The facts about a GGUF language model that memory planning needs."""

    path: Path
    """The file whose header was read (the first part of a split model)."""
    version: int
    """GGUF format version (2 or 3)."""
    architecture: str
    """general.architecture, e.g. llama, qwen3, qwen3moe."""
    name: str
    """general.name, or '' when the file has none."""
    block_count: int
    """Transformer layers."""
    context_length: int
    """Context the model was trained for, in tokens (0 when not stated)."""
    embedding_length: int
    """Width of the hidden state (n_embd)."""
    head_count: int
    """Attention (query) heads."""
    head_count_kv: int
    """Key/value heads (fewer than head_count with grouped-query attention)."""
    key_length: int
    """Size of one key head; embedding_length / head_count unless the file says otherwise."""
    value_length: int
    """Size of one value head; embedding_length / head_count unless the file says otherwise."""
    expert_count: int
    """Experts per layer of a mixture-of-experts model; 0 for a dense model."""
    expert_used_count: int
    """Experts active per token (0 for a dense model): only these are read per token."""
    vocab_size: int
    """Tokens in the vocabulary (0 when not stated)."""
    file_bytes: int
    """Size of the model on disk, all split parts together."""
    file_type: Optional[int]
    """general.file_type (llama_ftype id), None when absent."""
    quantization: str
    """Name of file_type (Q4_K_M, Q2_K...), '' when absent or unknown."""
    tensor_count: int
    """Tensors in this file (part)."""


@dataclass(frozen=True)
class ArrayInfo:
    """An array value of the header, summarised: how long it is and its largest number."""

    count: int
    """Number of elements."""
    largest: Any = None
    """Largest element of a short array of numbers (per-layer head counts), else None."""


def split_parts(path: Path) -> list[Path]:
    """Every part of a split GGUF (``-00001-of-00003.gguf``), or just ``[path]``."""
    path = Path(path)
    found = _SPLIT.search(path.name)
    if not found:
        return [path]
    count = int(found.group(2))
    stem = path.name[:found.start()]
    return [path.with_name(f"{stem}-{i:05d}-of-{count:05d}.gguf") for i in range(1, count + 1)]


def read_gguf_info(path: Path | str) -> GgufInfo:
    """The header facts of the GGUF at ``path``; ModelError naming the file when it is not one."""
    parts = split_parts(Path(path))
    for part in parts:
        if not part.is_file():
            raise ModelError(f"{part}: model file not found; a split GGUF needs all {len(parts)} parts")
    first = parts[0]
    version, tensors, kv = _read_header(first)
    size = sum(p.stat().st_size for p in parts)
    return _info(first, version, tensors, kv, size)


def _read_header(path: Path) -> tuple[int, int, dict[str, Any]]:
    try:
        with path.open("rb") as handle:
            head = handle.read(24)
            if head[:4] != GGUF_MAGIC:
                raise ModelError(f"{path}: not a GGUF model file; use a .gguf build of the model")
            if len(head) < 24:
                raise ModelError(f"{path}: truncated GGUF header; download the model again")
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                return _parse(buf, path)
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the model file ({exc.strerror})") from None


def _parse(buf, path: Path) -> tuple[int, int, dict[str, Any]]:
    version, tensors, count = struct.unpack_from("<IQQ", buf, 4)
    if version not in SUPPORTED_VERSIONS:
        raise ModelError(f"{path}: GGUF version {version} is not supported (only 2 and 3); "
                         "use a recent .gguf build of the model")
    if count > MAX_KV:
        raise ModelError(f"{path}: corrupt GGUF header ({count} key/values); download the model again")
    values: dict[str, Any] = {}
    pos = 24
    try:
        for _ in range(count):
            key, pos = _string(buf, pos)
            (kind,), pos = struct.unpack_from("<I", buf, pos), pos + 4
            values[key], pos = _value(buf, pos, kind, path)
    except (struct.error, UnicodeDecodeError, IndexError):
        raise ModelError(f"{path}: truncated or corrupt GGUF header; download the model again") from None
    return version, tensors, values


def _string(buf, pos: int) -> tuple[str, int]:
    (size,) = struct.unpack_from("<Q", buf, pos)
    end = pos + 8 + size
    if end > len(buf):
        raise IndexError("string runs past the end of the file")
    return bytes(buf[pos + 8:end]).decode("utf-8"), end


def _value(buf, pos: int, kind: int, path: Path) -> tuple[Any, int]:
    """One value at ``pos`` and the position after it; arrays become ArrayInfo (not read)."""
    if kind in SCALARS:
        fmt = SCALARS[kind]
        return struct.unpack_from(fmt, buf, pos)[0], pos + struct.calcsize(fmt)
    if kind == STRING:
        return _string(buf, pos)
    if kind != ARRAY:
        raise ModelError(f"{path}: unknown GGUF value type {kind}; the file is corrupt or too new")
    item, count = struct.unpack_from("<IQ", buf, pos)
    pos += 12
    largest = None
    if item in SCALARS:
        size = struct.calcsize(SCALARS[item])
        if 0 < count <= MAX_PER_LAYER:
            largest = max(struct.unpack_from(f"<{count}{SCALARS[item][1]}", buf, pos))
        pos += count * size
    elif item == STRING:
        pos = _skip_strings(buf, pos, count)
    else:  # nested arrays: none of the keys we use, and rare; walk them properly
        for _ in range(count):
            _, pos = _value(buf, pos, item, path)
    if pos > len(buf):
        raise IndexError("array runs past the end of the file")
    return ArrayInfo(count, largest), pos


def _skip_strings(buf, pos: int, count: int) -> int:
    # A vocabulary is 50k-250k strings: only the lengths are read, never the text.
    unpack = struct.Struct("<Q").unpack_from
    for _ in range(count):
        pos += 8 + unpack(buf, pos)[0]
    return pos


def _number(values: dict[str, Any], key: str, default: int = 0) -> int:
    value = values.get(key, default)
    if isinstance(value, ArrayInfo):  # per-layer values (e.g. head counts): the largest layer's
        value = value.largest if value.largest is not None else default
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _info(path: Path, version: int, tensors: int, kv: dict[str, Any], size: int) -> GgufInfo:
    arch = kv.get("general.architecture")
    if not isinstance(arch, str) or not arch:
        raise ModelError(f"{path}: GGUF header has no general.architecture; not a llama.cpp model")
    blocks = _number(kv, f"{arch}.block_count")
    embd = _number(kv, f"{arch}.embedding_length")
    heads = _number(kv, f"{arch}.attention.head_count")
    if blocks <= 0 or embd <= 0 or heads <= 0:
        raise ModelError(f"{path}: GGUF header lacks {arch}.block_count, embedding_length or "
                         "attention.head_count; not a language model llama.cpp can chat with")
    head_dim = embd // heads
    tokens = kv.get("tokenizer.ggml.tokens")
    vocab = _number(kv, f"{arch}.vocab_size") or (tokens.count if isinstance(tokens, ArrayInfo) else 0)
    file_type = kv.get("general.file_type")
    file_type = file_type if isinstance(file_type, int) and not isinstance(file_type, bool) else None
    name = kv.get("general.name")
    return GgufInfo(
        path=path, version=version, architecture=arch, name=name if isinstance(name, str) else "",
        block_count=blocks, context_length=_number(kv, f"{arch}.context_length"),
        embedding_length=embd, head_count=heads,
        head_count_kv=_number(kv, f"{arch}.attention.head_count_kv", heads) or heads,
        key_length=_number(kv, f"{arch}.attention.key_length", head_dim) or head_dim,
        value_length=_number(kv, f"{arch}.attention.value_length", head_dim) or head_dim,
        expert_count=_number(kv, f"{arch}.expert_count"),
        expert_used_count=_number(kv, f"{arch}.expert_used_count"),
        vocab_size=vocab, file_bytes=size, file_type=file_type,
        quantization=FILE_TYPES.get(file_type, "") if file_type is not None else "",
        tensor_count=tensors)
