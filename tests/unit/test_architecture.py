"""The shape of the code: layers that only point down (import-linter), small modules and classes."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from support import ROOT, runtime_modules

MAX_LINES = 300
"""Longest runtime module: a reader sees one concern in it."""
MAX_METHODS = 13
"""Most methods of logic (not one-line delegations) in one runtime class."""


def test_the_import_contracts_hold():
    """pyproject.toml's [tool.importlinter]: layers, engines kept from the catalog and daemon,
    hardware libraries behind their seams, and no import circles inside a package."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "0 broken" in report and "kept" in report, report


def test_no_runtime_module_is_over_the_size_limit():
    sizes = {module: len(path.read_text(encoding="utf-8").splitlines()) for module, path in runtime_modules()}
    assert {m: n for m, n in sizes.items() if n > MAX_LINES} == {}


def _logic_methods(cls: ast.ClassDef) -> list[str]:
    def trivial(fn) -> bool:
        body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        return len(body) <= 1 and fn.name != "__init__"

    return [f.name for f in cls.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and not trivial(f)]


def test_no_runtime_class_has_too_many_methods():
    big = {}
    for module, path in runtime_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and len(_logic_methods(node)) > MAX_METHODS:
                big[f"{module}.{node.name}"] = _logic_methods(node)
    assert big == {}


def test_imports_inside_functions_are_only_for_optional_engines_and_start_up():
    """A function-level import hides a dependency from the layer check: only native engines and
    network clients that are loaded on demand, and the command line's start-up, may use one."""
    lazy_ok = ("assistant.stt.", "assistant.llm.llama", "assistant.llm.kv_shift", "assistant.llm.openai",
               "assistant.tts.piper", "assistant.tts.wyoming", "assistant.wake.vosk", "assistant.wake.transcript",
               "assistant.wake.pocketsphinx", "assistant.wake.wyoming", "assistant.models.requantize")
    found = []
    for module, path in runtime_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("assistant"):
                    if not module.startswith("assistant.cli.") and not node.module.startswith(lazy_ok):
                        found.append(f"{module}: {node.module}")
    assert found == []
