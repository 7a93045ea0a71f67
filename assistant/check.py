"""`assistant check`: is everything this configuration needs present and loadable?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TextIO

from .catalog import load_catalog
from .config import Config
from .engines import choose_llm, choose_stt, choose_tts, load_llm, load_stt, load_tts
from .errors import AssistantError, AudioDeviceError


@dataclass(frozen=True)
class Finding:
    """One line of the check report."""

    level: str
    """ok, warn or fail; fail makes the check exit non-zero."""
    subject: str
    """What was checked (a config key or a device)."""
    message: str
    """What was found."""


def _model_finding(key: str, choose: Callable, load: Callable, config: Config, catalog) -> list[Finding]:
    try:
        choice = choose(config, catalog)
        load(config, choice)
    except AssistantError as exc:
        return [Finding("fail", key, str(exc))]
    found = [Finding("ok", key, f"{choice.engine}: {choice.path} loads")]
    if choice.note:
        found.insert(0, Finding("warn", key, choice.note))
    return found


def _device_finding(config: Config, kind: str) -> Finding:
    from .audio_devices import find_device

    key = f"audio.{kind}_device"
    spec = getattr(config.settings.audio, f"{kind}_device")
    try:
        device = find_device(spec, kind)
    except AudioDeviceError as exc:
        # A named device that is absent is an error; no sound card at all only limits `run`.
        return Finding("fail" if spec else "warn", key, str(exc))
    return Finding("ok", key, f"{device.index}: {device.name} ({device.default_rate} Hz)")


def run_checks(config: Config) -> list[Finding]:
    """Every finding for this configuration, in report order."""
    catalog = load_catalog()
    findings = [Finding("ok", "config", f"{config.path or 'built-in defaults'} is valid")]
    findings += _model_finding("stt.model", choose_stt, load_stt, config, catalog)
    findings += _model_finding("llm.model", choose_llm, load_llm, config, catalog)
    findings += _model_finding("tts.voice", choose_tts, load_tts, config, catalog)
    findings += [_device_finding(config, "input"), _device_finding(config, "output")]
    return findings


def print_findings(findings: list[Finding], out: TextIO) -> int:
    """Print one line per finding; exit status 1 when any failed."""
    for f in findings:
        out.write(f"{f.level.upper():4}  {f.subject}: {f.message}\n")
    failed = sum(f.level == "fail" for f in findings)
    out.write("all needed parts are present\n" if not failed else f"{failed} problem(s) found\n")
    return 1 if failed else 0
