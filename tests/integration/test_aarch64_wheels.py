"""Every pinned package installs on a Raspberry Pi (64-bit OS) from a wheel, except the ones
known to compile: PyPI must have, for each pin in requirements/lock.txt, models.txt and
test.txt (the tests run on a Pi too), a wheel that CPython 3.11 on Linux aarch64 with
glibc 2.36 (Raspberry Pi OS / Debian 12 bookworm) accepts, or a pure-Python one.

Reads PyPI's simple index in its JSON form (PEP 691, what pip reads); skipped when PyPI cannot
be reached. Run by hand: python tests/integration/test_aarch64_wheels.py
"""

from __future__ import annotations

import json
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PIN_FILES = tuple(ROOT / "requirements" / name for name in ("lock.txt", "models.txt", "test.txt"))
# Built from the sdist by pip on every platform, so no aarch64 wheel is expected:
# llama-cpp-python compiles llama.cpp (tuned to the CPU, GGML_NATIVE); srt is pure Python
# but publishes only an sdist (pip makes a py3-none-any wheel, no compiler involved).
BUILT_FROM_SOURCE = {"llama-cpp-python", "srt"}
PYPI_SIMPLE = "https://pypi.org/simple/{name}/"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


def pi_tags(python=(3, 11), glibc_minor=36, arch="aarch64") -> list[Tag]:
    """The wheel tags pip accepts on a Pi: CPython 3.11, manylinux up to glibc 2.36, aarch64."""
    platforms = [f"manylinux_2_{m}_{arch}" for m in range(glibc_minor, 16, -1)]
    platforms += [f"manylinux2014_{arch}", f"linux_{arch}"]
    interpreter = f"cp{python[0]}{python[1]}"
    return [*cpython_tags(python, abis=[interpreter], platforms=platforms),
            *compatible_tags(python, interpreter, platforms)]


def read_pins(*paths: Path) -> list[tuple[str, str]]:
    """(name, version) for every `name==version` line of the requirement files."""
    pins = []
    for path in paths:
        for line in path.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            m = re.fullmatch(r"([A-Za-z0-9._-]+)(\[[^\]]*\])?\s*==\s*([^\s;]+).*", line)
            if m:
                pins.append((m.group(1), m.group(3)))
    return pins


def file_version(filename: str) -> Version | None:
    """The version a wheel's or sdist's file name carries (None for other files)."""
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None


def pypi_files(name: str, version: str, timeout: float = 30.0) -> list[str]:
    """The file names PyPI has for one release (yanked files left out)."""
    url = PYPI_SIMPLE.format(name=canonicalize_name(name))
    req = urllib.request.Request(url, headers={"Accept": SIMPLE_JSON})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        data = json.load(resp)
    want = Version(version)
    files = [f["filename"] for f in data["files"] if not f.get("yanked")]
    found = [fn for fn in files if file_version(fn) == want]
    if not found:
        raise LookupError(f"{name}=={version}: PyPI has no files for this release")
    return found


def best_wheel(filenames: list[str], tags: list[Tag]) -> str | None:
    """The wheel pip would prefer among ``filenames`` for ``tags`` (most specific first)."""
    rank = {tag: i for i, tag in enumerate(tags)}
    best = None
    for fn in filenames:
        if not fn.endswith(".whl"):
            continue
        try:
            _, _, _, file_tags = parse_wheel_filename(fn)
        except InvalidWheelFilename:
            continue
        score = min((rank[t] for t in file_tags if t in rank), default=None)
        if score is not None and (best is None or score < best[0]):
            best = (score, fn)
    return best[1] if best else None


def aarch64_wheels(pins: list[tuple[str, str]], tags: list[Tag] | None = None,
                   files=pypi_files) -> dict[str, str | None]:
    """For each pinned package (``name==version``), the wheel a Pi would install, or None
    when PyPI has none that fits (pip would build the sdist)."""
    tags = tags or pi_tags()
    return {f"{name}=={version}": best_wheel(files(name, version), tags) for name, version in pins}


def test_pi_tags_accept_manylinux_and_pure_python_only_for_aarch64():
    tags = pi_tags()
    pick = lambda *names: best_wheel(list(names), tags)  # noqa: E731
    assert pick("a-1-cp311-cp311-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl")
    assert pick("a-1-cp311-cp311-manylinux2014_aarch64.whl")
    assert pick("a-1-cp38-abi3-manylinux_2_17_aarch64.whl")
    assert pick("a-1-py3-none-manylinux_2_17_aarch64.whl")
    assert pick("a-1-py2.py3-none-any.whl")
    assert not pick("a-1-cp311-cp311-manylinux_2_39_aarch64.whl")   # newer glibc than the Pi's
    assert not pick("a-1-cp311-cp311-musllinux_1_2_aarch64.whl")    # musl, not glibc
    assert not pick("a-1-cp311-cp311-manylinux_2_28_x86_64.whl")
    assert not pick("a-1-cp312-cp312-manylinux_2_28_aarch64.whl")
    assert not pick("a-1.tar.gz")
    assert pick("a-1-cp311-cp311-manylinux_2_28_x86_64.whl",
                "a-1-py3-none-any.whl",
                "a-1-cp311-cp311-manylinux_2_28_aarch64.whl").endswith("_aarch64.whl")


def test_every_pin_has_a_pi_wheel_except_llama_cpp():
    pins = read_pins(*PIN_FILES)
    assert pins, "no pins read"
    try:
        found = aarch64_wheels(pins)
    except urllib.error.URLError as exc:  # HTTPError (a missing release) is a failure
        if isinstance(exc, urllib.error.HTTPError):
            raise
        pytest.skip(f"PyPI not reachable: {exc.reason}")
    missing = sorted(pin for pin, wheel in found.items()
                     if wheel is None and canonicalize_name(pin.split("==")[0]) not in BUILT_FROM_SOURCE)
    assert not missing, f"no aarch64 / CPython 3.11 / glibc 2.36 wheel on PyPI: {missing}"


if __name__ == "__main__":
    pins = read_pins(*(Path(p) for p in sys.argv[1:])) if sys.argv[1:] else read_pins(*PIN_FILES)
    for pin, wheel in aarch64_wheels(pins).items():
        print(f"{pin:34} {wheel or 'NONE: sdist only, built from source'}")
