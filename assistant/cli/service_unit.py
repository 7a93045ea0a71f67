"""The text install-service writes: the systemd unit filled in for this install, and the
config copy with an absolute models folder."""

from __future__ import annotations

import json
import math
import os
import re
import sys
from pathlib import Path

import yaml

from assistant.config.loader import settings_from_mapping
from assistant.core.errors import EX_IOERR, AssistantError, ConfigError
from assistant.core.paths import SERVICE_TEMPLATE as TEMPLATE
from assistant.models.memory import MB, MemoryEstimate

MEMORY_HEADROOM = 1.25  # the estimate is conservative, but the OOM killer is final
MEMORY_STEP = 256 * 1024 ** 2
HOME_ROOTS = (Path("/home"), Path("/root"), Path("/run/user"))


class InstallError(AssistantError):
    """The service could not be installed."""

    exit_code = EX_IOERR


def memory_max_bytes(estimate: MemoryEstimate) -> int:
    """The estimated need of the whole service plus 25 %, rounded up to 256 MiB."""
    size = math.ceil(estimate.total_mb * MB * MEMORY_HEADROOM)
    return -(-size // MEMORY_STEP) * MEMORY_STEP


def assistant_command() -> str:
    """How systemd starts this install: the venv's `assistant` script, else `python -m assistant`."""
    script = Path(sys.prefix) / "bin" / "assistant"
    if os.access(script, os.X_OK):
        return _quote(str(script))
    return f"{_quote(sys.executable)} -m assistant"


def _quote(word: str) -> str:
    return f'"{word}"' if re.search(r"\s", word) else word


def render_unit(template: str, exec_start: str, memory_max: int, groups: tuple[str, ...],
                home_paths: tuple[Path, ...] = (), mlock: bool = False) -> str:
    """The unit with this install's command, memory limit, groups and home-directory binds."""
    size = f"{memory_max // 1024 ** 2}M"
    text = _set(template, "ExecStart", exec_start)
    text = _set(text, "MemoryMax", size + ("\nLimitMEMLOCK=" + size if mlock else ""))
    text = _set(text, "SupplementaryGroups", " ".join(groups)) if groups else \
        re.sub(r"(?m)^SupplementaryGroups=.*\n", "", text)
    if home_paths:
        # ProtectHome=tmpfs hides every home but lets the binds below show through.
        binds = "".join(f"\nBindReadOnlyPaths={_quote(str(p))}" for p in home_paths)
        text = _set(text, "ProtectHome", "tmpfs" + binds)
    return text


def _set(text: str, key: str, value: str) -> str:
    new, count = re.subn(rf"(?m)^{key}=.*$", lambda _: f"{key}={value}", text, count=1)
    if count != 1:
        raise InstallError(f"{TEMPLATE}: no {key}= line to fill in; restore the file from the project")
    return new


def service_config_text(text: str, models_dir: Path) -> str:
    """The config text with models.dir set to ``models_dir`` (the copy moves to /etc)."""
    quoted = json.dumps(str(models_dir))
    lines = text.splitlines(keepends=True)
    start = next((i for i, l in enumerate(lines) if re.match(r"models\s*:", l)), None)
    if start is None:
        new = text + ("" if not text or text.endswith("\n") else "\n") + f"models:\n  dir: {quoted}\n"
    elif re.match(r"models\s*:\s*(#.*)?$", lines[start]):
        new = _replace_dir(lines, start, quoted)
    else:
        new = ""  # "models: {dir: x}" on one line: handled below
    try:
        edited = settings_from_mapping(yaml.safe_load(new) or {}).models.dir == str(models_dir)
    except (yaml.YAMLError, ConfigError):
        edited = False
    if not edited:
        # Flow style or other layouts: rewrite the whole file (comments are lost).
        data = yaml.safe_load(text) or {}
        data["models"] = {**(data.get("models") or {}), "dir": str(models_dir)}
        new = "# Written by `assistant install-service`.\n" + yaml.safe_dump(data, sort_keys=False)
    return new


def _replace_dir(lines: list[str], start: int, quoted: str) -> str:
    for j in range(start + 1, len(lines)):
        line = lines[j]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            break
        found = re.match(r"(\s+dir:[ \t]*)([^#\n]*?)([ \t]+#.*)?$", line.rstrip("\n"))
        if found:
            lines[j] = found.group(1) + quoted + (found.group(3) or "") + "\n"
            return "".join(lines)
    lines.insert(start + 1, f"  dir: {quoted}\n")
    return "".join(lines)


def home_paths(paths: list[Path]) -> tuple[Path, ...]:
    """The paths (outermost only) that ProtectHome= would hide."""
    hidden = sorted({p for p in paths if any(p.is_relative_to(r) for r in HOME_ROOTS)})
    return tuple(p for p in hidden if not any(p != q and p.is_relative_to(q) for q in hidden))
