"""Give the heap's free pages back to the system when the daemon is idle (glibc only).

Speech buffers of a few hundred KB come and go on every turn. glibc keeps the pages they
freed, scattered between live blocks, so resident memory creeps up turn after turn:
malloc_trim returned about 33 MB after a handful of turns here, every time.
"""

from __future__ import annotations

import ctypes


def _malloc_trim():
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
        return None


_TRIM = _malloc_trim()


def release_free_memory() -> bool:
    """Return free heap pages to the kernel; False where the C library cannot."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
