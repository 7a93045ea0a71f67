"""`assistant models list|fetch NAME|verify`: each returns an exit status, failures raise typed errors."""

from __future__ import annotations

from typing import Sequence, TextIO

from assistant.config.loader import Config
from assistant.core.errors import EX_CONFIG, EX_OK, FetchError
from assistant.models.catalog import ModelEntry, load_catalog
from assistant.models.fetch import fetch_model, verify_models
from assistant.models.paths import install_hint, installed_path, resolve_model


def _size(entry: ModelEntry) -> str:
    if entry.size_bytes is None:
        return "?"
    approx = "" if entry.size_exact else "~"
    if entry.size_bytes >= 1_000_000_000:
        return f"{approx}{entry.size_bytes / 1e9:.1f} GB"
    if entry.size_bytes < 10_000_000:  # wake-word models are tens of kB to about 1 MB
        return f"{approx}{entry.size_bytes / 1e6:.2f} MB"
    return f"{approx}{entry.size_bytes / 1e6:.0f} MB"


def _table(out: TextIO, header: Sequence[str], rows: list[Sequence[str]]) -> None:
    """Columns padded to their widest cell; the last column is not padded."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [str(c).ljust(w) for c, w in zip(row, widths)] + [str(row[-1])]
        out.write("  ".join(cells).rstrip() + "\n")


def cmd_models_list(config: Config, out: TextIO) -> int:
    """A table of every catalog model: kind, source, size, installed (and where), licence."""
    catalog = load_catalog()
    rows = []
    for e in catalog.entries:
        path = installed_path(e, config.models_dir)
        source = "package" if e.package else f"made from {e.derived_from}" if e.derived_from else "download"
        rows.append((e.name, e.kind, source, _size(e), "yes" if path else "no", e.license, path or ""))
    _table(out, ("NAME", "KIND", "SOURCE", "SIZE", "INSTALLED", "LICENCE", "PATH"), rows)
    out.write(f"models folder: {config.models_dir}\n")
    return EX_OK


def cmd_models_fetch(config: Config, name: str, out: TextIO) -> int:
    """Download, verify and install one model (progress on stderr); ModelError for unknown names."""
    catalog = load_catalog()
    entry = catalog.get(name)
    if entry.package:
        path = installed_path(entry, config.models_dir)
        if path is None:
            raise FetchError(f"{name}: ships inside the Python package {entry.package}; {install_hint(entry)}")
        out.write(f"{name}: ships in the package {entry.package}, installed at {path}\n")
        return EX_OK
    if entry.derived_from:
        from assistant.models.requantize import requantize_model  # imports llama_cpp: only when needed

        source = resolve_model(entry.derived_from, entry.kind, config.models_dir, catalog, key=name)
        path = requantize_model(entry, source, config.models_dir)
    else:
        path = fetch_model(entry, config.models_dir, progress=True)
    out.write(f"{name}: ready at {path}\n")
    return EX_OK


def cmd_models_verify(config: Config, out: TextIO) -> int:
    """Check installed models against the catalog's sizes and checksums; EX_CONFIG (78) if any is bad."""
    counts: dict[str, int] = {}

    def show(name: str, status: str, detail: str) -> None:
        counts[status] = counts.get(status, 0) + 1
        out.write(f"{status.upper():10}  {name}: {detail}\n")
        out.flush()

    verify_models(load_catalog(), config.models_dir, on_result=show)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    out.write(f"{summary}\n")
    return EX_CONFIG if counts.get("bad") else EX_OK  # a corrupt model is a ModelError (78)
