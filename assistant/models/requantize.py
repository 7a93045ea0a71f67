"""Catalog models made on this machine: a GGUF requantized from another one, no download.

The packaged SmolLM2 is Q4_1, for which llama.cpp's CPU backend has no fast matrix path:
it read prompts at ~92 tokens/s on the 2-core development machine, against ~160 as Q8_0
(same answers) and ~220 as Q4_0 (worse answers). llama-cpp-python's own
``llama_model_quantize`` writes the other type in about a second.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

from assistant.core.cpu_topology import performance_cores
from assistant.core.errors import FetchError
from assistant.models.catalog import ModelEntry
from assistant.models.download import part_path
from assistant.models.fetch import file_problem
from assistant.models.gguf import FILE_TYPES

FTYPE_IDS = {name.lower(): ftype for ftype, name in FILE_TYPES.items()}
"""Quantization name (q8_0) -> llama_ftype id, as llama_model_quantize takes it."""


def requantize_model(entry: ModelEntry, source: Path, models_dir: Path) -> Path:
    """Write ``entry`` into ``models_dir`` from the GGUF ``source``; its path.

    A file already there of the catalog's size is kept; any other file under that name is
    never overwritten (FetchError says to move it away). The new file appears only complete.
    """
    import llama_cpp
    from llama_cpp._utils import suppress_stdout_stderr

    final = Path(models_dir) / entry.file
    if final.exists():
        problem = file_problem(final, None, entry.exact_size)
        if not problem:
            return final
        raise FetchError(f"{final}: already exists but {problem}; it was left untouched: move it away and run again")
    final.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(final)
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = FTYPE_IDS[entry.quantize]
    params.allow_requantize = True  # the source is already quantized
    params.nthread = performance_cores()
    with suppress_stdout_stderr(disable=False):  # llama.cpp lists every tensor
        status = llama_cpp.llama_model_quantize(str(source).encode(), str(part).encode(), ctypes.byref(params))
    size = part.stat().st_size if part.is_file() else 0
    if status != 0 or entry.exact_size not in (None, size):
        part.unlink(missing_ok=True)
        raise FetchError(f"{entry.name}: llama.cpp could not requantize {source} to {entry.quantize} "
                         f"(status {status}, {size} bytes); reinstall '{entry.derived_from}' and run again")
    os.replace(part, final)
    return final
