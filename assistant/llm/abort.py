"""Stopping llama.cpp inside a decode: a long prompt's prefill need not run to its end.

llama.cpp asks an abort callback after every node of its compute graph, hundreds of
times per token, on the thread that runs the model. A Python callback would take the GIL
each time and could wait on the event loop's thread while the other llama.cpp thread
spins at its barrier. libc's ``strlen`` on a two-byte buffer answers the same question
("is the first byte set?") without Python: it returns 0 or 1, which the x86-64 and Arm
calling conventions both read as a C bool.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
from typing import Iterator


class AbortSwitch:
    """Aborts the model's current decode when its stream's cancel event is tripped."""

    def __init__(self, llama) -> None:
        import llama_cpp

        self._flag = (ctypes.c_char * 2)()  # [set?, NUL]: a C string of length 0 or 1
        self._lock = threading.Lock()
        self._watched: threading.Event | None = None
        self._callback = ctypes.cast(ctypes.CDLL(None).strlen, llama_cpp.ggml_abort_callback)  # kept alive here
        llama_cpp.llama_set_abort_callback(llama._ctx.ctx, self._callback, ctypes.cast(self._flag, ctypes.c_void_p))

    @contextlib.contextmanager
    def watching(self, cancel: threading.Event | None) -> Iterator[None]:
        """While inside, ``trip(cancel)`` aborts the decode that is running."""
        with self._lock:
            self._watched = cancel
            self._flag[0] = b"\x01" if cancel is not None and cancel.is_set() else b"\x00"
        try:
            yield
        finally:
            with self._lock:
                self._watched = None
                self._flag[0] = b"\x00"

    def trip(self, cancel: threading.Event) -> None:
        """Set ``cancel``; abort at once if it is the stream being decoded (else: nothing more)."""
        cancel.set()
        with self._lock:
            if self._watched is cancel:
                self._flag[0] = b"\x01"

    @property
    def tripped(self) -> bool:
        """True while the current decode is told to stop."""
        return self._flag[0] != b"\x00"
