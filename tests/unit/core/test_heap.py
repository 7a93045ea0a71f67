"""Freed heap memory goes back to the system when the daemon is idle."""

from __future__ import annotations

import subprocess
import sys

from support import ROOT

FRAGMENT = """
import ctypes
from assistant.core.heap import release_free_memory

libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]

def rss_mb():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

blocks = [libc.malloc(64 * 1024) for _ in range(2000)]   # 125 MB of speech-sized buffers
for block in blocks:
    ctypes.memset(block, 1, 64 * 1024)
for i, block in enumerate(blocks):
    if i % 50:                                            # a few stay alive between the rest
        libc.free(block)
before = rss_mb()
print(release_free_memory(), before - rss_mb())
"""


def test_idle_trim_gives_fragmented_free_memory_back():
    out = subprocess.run([sys.executable, "-c", FRAGMENT], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={"MALLOC_MMAP_THRESHOLD_": "4194304", "PATH": "/usr/bin:/bin"})
    released, freed_mb = out.stdout.split()
    assert released == "True" and float(freed_mb) > 80, out.stdout
