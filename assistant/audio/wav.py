"""Read the RIFF/WAVE container with the stdlib: PCM, IEEE float and WAVE_FORMAT_EXTENSIBLE.

Python's ``wave`` (3.11) refuses float WAVs (format 3) and the extensible header that sox
and most DAWs write for 24-bit, 32-bit or multi-channel audio. This parser walks the chunks
itself, reads only the header before deciding (so an over-long file is refused before its
audio is loaded), and keeps what a truncated recording holds.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from assistant.core.errors import InputError

PCM, IEEE_FLOAT, EXTENSIBLE = 0x0001, 0x0003, 0xFFFE
CONVERT_HINT = "convert it with `sox IN -r 16000 -c 1 -b 16 OUT.wav`"
_STREAMING_SIZES = (0, 0xFFFFFFFF)  # writers that never went back to fill in the size


@dataclass(frozen=True)
class WavLayout:
    """Where a WAV file's samples are and how they are encoded."""

    encoding: str
    """pcm (integer samples, 8-bit unsigned, wider signed) or float (IEEE little-endian)."""
    channels: int
    """Interleaved channels per frame."""
    rate: int
    """Frames per second."""
    width: int
    """Bytes per sample of one channel."""
    data_offset: int
    """Byte offset of the first sample."""
    data_bytes: int
    """Bytes of whole frames actually present in the file."""

    @property
    def frames(self) -> int:
        """Number of complete frames."""
        return self.data_bytes // (self.channels * self.width)

    @property
    def seconds(self) -> float:
        """Duration of the audio."""
        return self.frames / self.rate


def _bad(path: Path, why: str) -> InputError:
    return InputError(f"{path}: not a readable PCM WAV file ({why}); {CONVERT_HINT}")


def read_layout(handle: BinaryIO, path: Path, file_size: int) -> WavLayout:
    """Parse the header chunks up to the start of the data; InputError says what is wrong."""
    head = handle.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        kinds = {b"RIFX": "big-endian RIFX", b"RF64": "RF64"}
        raise _bad(path, kinds.get(head[:4], "no RIFF/WAVE header"))
    fmt = None
    pos = 12
    while pos + 8 <= file_size:
        handle.seek(pos)
        chunk_id, size = struct.unpack("<4sI", handle.read(8))
        body = pos + 8
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(handle.read(min(size, 64)), path)
        elif chunk_id == b"data":
            if fmt is None:
                raise _bad(path, "the data chunk comes before the fmt chunk")
            encoding, channels, rate, width = fmt
            present = file_size - body
            size = present if size in _STREAMING_SIZES else min(size, present)
            frame = channels * width
            return WavLayout(encoding, channels, rate, width, body, size - size % frame)
        pos = body + size + (size & 1)  # chunks are padded to an even length
    if fmt is None:
        raise _bad(path, "no fmt chunk")
    raise InputError(f"{path}: the WAV file holds no audio (a header without a data chunk)")


def _parse_fmt(raw: bytes, path: Path) -> tuple[str, int, int, int]:
    if len(raw) < 16:
        raise _bad(path, "fmt chunk too short")
    tag, channels, rate, _byte_rate, _align, bits = struct.unpack("<HHIIHH", raw[:16])
    if tag == EXTENSIBLE:
        if len(raw) < 26:
            raise _bad(path, "extensible fmt chunk too short")
        tag = struct.unpack("<H", raw[24:26])[0]  # first two bytes of the sub-format GUID
    if channels < 1 or rate < 1 or bits < 1:
        raise _bad(path, f"{channels} channels at {rate} Hz, {bits} bits")
    width = (bits + 7) // 8
    if tag == PCM and width in (1, 2, 3, 4):
        return "pcm", channels, rate, width
    if tag == IEEE_FLOAT and width in (4, 8):
        return "float", channels, rate, width
    what = {6: "A-law", 7: "mu-law", 2: "ADPCM", 0x11: "IMA ADPCM", 0x55: "MP3"}.get(tag, f"format {tag:#x}")
    kind = "float" if tag == IEEE_FLOAT else "PCM" if tag == PCM else what
    raise _bad(path, f"{kind} with {bits}-bit samples is not supported")
