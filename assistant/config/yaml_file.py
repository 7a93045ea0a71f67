"""Reading a YAML file the user may have edited: every problem is one line naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from assistant.core.errors import AssistantError


def read_yaml(path: Path, error: type[AssistantError], what: str, fix: str, missing_fix: str | None = None) -> Any:
    """The parsed contents of ``path``; ``error`` naming the file, the line of a syntax error,
    and what to do (``missing_fix`` for a file that is not there, else ``fix``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        if missing_fix and isinstance(exc, FileNotFoundError):
            raise error(f"{path}: {what} not found; {missing_fix}") from None
        raise error(f"{path}: cannot read {what} ({exc}); {fix}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise error(f"{path}: invalid YAML{where}; fix the {what}") from None
