"""`assistant check`: is everything this configuration needs present and loadable?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TextIO

from assistant.audio.devices import find_device
from assistant.audio.echo import make_echo_canceller
from assistant.config.loader import Config
from assistant.core.errors import EX_CONFIG, EX_FAILURE, AssistantError, AudioDeviceError, ModelError
from assistant.core.meminfo import available_memory
from assistant.models.catalog import load_catalog
from assistant.models.loading import load_llm, load_stt, load_tts
from assistant.models.memory import NotEnoughMemory, check_fits
from assistant.models.selection import choose_llm, choose_stt, choose_tts


@dataclass(frozen=True)
class Finding:
    """One line of the check report."""

    level: str
    """ok, warn or fail; fail makes the check exit non-zero."""
    subject: str
    """What was checked (a config key or a device)."""
    message: str
    """What was found."""
    exit_code: int = EX_FAILURE
    """Exit status of `assistant check` when this is the first failure."""


def _model_finding(key: str, choose: Callable, load: Callable, config: Config, catalog) -> list[Finding]:
    try:
        choice = choose(config, catalog)
        engine = load(config, choice)
    except AssistantError as exc:
        return [Finding("fail", key, str(exc), exc.exit_code)]  # 78 for a bad model, like the other commands
    threads = f" ({engine.threads} threads)" if isinstance(getattr(engine, "threads", None), int) else ""
    found = [Finding("ok", key, f"{choice.engine}: {choice.path} loads{threads}")]
    if choice.note:
        found.insert(0, Finding("warn", key, choice.note))
    return found


def _memory_finding(config: Config, catalog=None) -> Finding:
    """Does everything `run` loads fit in the memory this process may use?"""
    try:
        estimate = check_fits(config, catalog=catalog)
    except NotEnoughMemory as exc:
        return Finding("fail", "memory", str(exc), exc.exit_code)
    except ModelError as exc:  # a missing model: its own finding says so
        return Finding("warn", "memory", f"not estimated ({exc})")
    available, source = available_memory()
    return Finding("ok", "memory", f"needs {estimate.total_mb} MB of {available} MB available "
                   f"({source}; LLM {estimate.llm_mb}, speech and runtime {estimate.others_mb})")


def _device_finding(config: Config, kind: str) -> Finding:
    key = f"audio.{kind}_device"
    spec = getattr(config.settings.audio, f"{kind}_device")
    try:
        device = find_device(spec, kind)
    except AudioDeviceError as exc:
        # A named device that is absent is a config error (78); no sound card at all only
        # limits `run` (which waits for a USB microphone to come back).
        return Finding("fail" if spec else "warn", key, str(exc), EX_CONFIG)
    return Finding("ok", key, f"{device.index}: {device.name} ({device.default_rate} Hz)")


def _echo_finding(config: Config) -> list[Finding]:
    """The echo canceller (and noise suppression, gain) loads, when configured."""
    audio = config.settings.audio
    try:
        if make_echo_canceller(audio, 16000) is None:
            return []
    except AssistantError as exc:
        return [Finding("fail", "audio.echo_cancel", str(exc), exc.exit_code)]
    wanted = [k for k in ("echo_cancel", "noise_suppression", "auto_gain") if getattr(audio, k)]
    return [Finding("ok", "audio." + wanted[0], f"WebRTC audio processing loads ({', '.join(wanted)})")]


def run_checks(config: Config) -> list[Finding]:
    """Every finding for this configuration, in report order."""
    catalog = load_catalog()
    findings = [Finding("ok", "config", f"{config.path or 'built-in defaults'} is valid")]
    memory = _memory_finding(config, catalog)
    findings += [memory] + _model_finding("stt.model", choose_stt, load_stt, config, catalog)
    if memory.level == "fail":  # loading it could wake the OOM killer
        findings.append(Finding("warn", "llm.model", "not loaded: it does not fit in memory (see memory)"))
    else:
        findings += _model_finding("llm.model", choose_llm, load_llm, config, catalog)
    findings += _model_finding("tts.voice", choose_tts, load_tts, config, catalog)
    findings += [_device_finding(config, "input"), _device_finding(config, "output")] + _echo_finding(config)
    return findings


def print_findings(findings: list[Finding], out: TextIO) -> int:
    """Print one line per finding; the first failure's exit status (78 for memory), else 0."""
    for f in findings:
        out.write(f"{f.level.upper():4}  {f.subject}: {f.message}\n")
    failed = [f for f in findings if f.level == "fail"]
    out.write("all needed parts are present\n" if not failed else f"{len(failed)} problem(s) found\n")
    return failed[0].exit_code if failed else 0
