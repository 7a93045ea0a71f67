"""`assistant check`: is everything this configuration needs present and loadable?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TextIO

from assistant.audio.devices import find_device
from assistant.audio.echo import make_echo_canceller
from assistant.config.loader import Config
from assistant.config.network import api_key
from assistant.core.errors import EX_CONFIG, EX_FAILURE, EX_UNAVAILABLE, AssistantError, AudioDeviceError, ModelError
from assistant.core.meminfo import available_memory
from assistant.models.catalog import load_catalog
from assistant.models.loading import load_local_llm, load_stt, load_tts, load_wake
from assistant.models.memory import NotEnoughMemory, check_fits
from assistant.models.selection import choose_llm, choose_stt, choose_tts, uses_local_llm
from assistant.wake.factory import NEURAL, resolve_engine


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
    verb = "answers" if choice.uri else "loads"
    found = [Finding("ok", key, f"{choice.engine}: {choice.where} {verb}{threads}")]
    if choice.note:
        found.insert(0, Finding("warn", key, choice.note))
    return found


def _wake_finding(config: Config) -> Finding:
    """Does the wake-word detector load? (The transcript matcher builds on the recognizer checked above.)"""
    engine = resolve_engine(config.settings.wake, "")
    if engine not in NEURAL:
        return Finding("ok", "wake.engine", f"{engine}: {', '.join(config.settings.wake.phrases)}")
    try:
        detector = load_wake(config, None)
    except AssistantError as exc:
        return Finding("fail", "wake.models", str(exc), exc.exit_code)
    words = ", ".join(f"{k.phrase} (threshold {k.threshold:g})" for k in detector.keywords)
    return Finding("ok", "wake.models", f"{engine}: {words} load")


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


def _server_finding(config: Config) -> Finding:
    """Does the LLM server answer (engine openai)? It is asked for its model list only."""
    from assistant.llm.openai import OpenAiChat

    s = config.settings.llm
    try:
        server = OpenAiChat(s, api_key(config.settings, config.base_dir), config.settings.timeouts.connect_s)
    except AssistantError as exc:
        return Finding("fail", "llm.api_key_file", str(exc), exc.exit_code)
    try:
        answers = server.reachable()
    finally:
        server.close()
    if answers:
        return Finding("ok", "llm.url", f"{s.url} answers (it is asked for model {s.remote_model!r})")
    if s.fallback:
        return Finding("warn", "llm.url", f"{s.url} does not answer now; llm.model answers until it does")
    return Finding("fail", "llm.url", f"{s.url} does not answer; start the server or correct llm.url",
                   EX_UNAVAILABLE)


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
    if config.settings.llm.engine == "openai":
        findings.append(_server_finding(config))
    if memory.level == "fail":  # loading it could wake the OOM killer
        findings.append(Finding("warn", "llm.model", "not loaded: it does not fit in memory (see memory)"))
    elif uses_local_llm(config):
        findings += _model_finding("llm.model", choose_llm, load_local_llm, config, catalog)
    findings += _model_finding("tts.voice", choose_tts, load_tts, config, catalog)
    findings.append(_wake_finding(config))
    findings += [_device_finding(config, "input"), _device_finding(config, "output")] + _echo_finding(config)
    return findings


def print_findings(findings: list[Finding], out: TextIO) -> int:
    """Print one line per finding; the first failure's exit status (78 for memory), else 0."""
    for f in findings:
        out.write(f"{f.level.upper():4}  {f.subject}: {f.message}\n")
    failed = [f for f in findings if f.level == "fail"]
    out.write("all needed parts are present\n" if not failed else f"{len(failed)} problem(s) found\n")
    return failed[0].exit_code if failed else 0
