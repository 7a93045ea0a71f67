"""What machine and models a benchmark ran on, and the table it prints."""

from __future__ import annotations

import os
import platform
from importlib import metadata

from assistant.core.cpu_topology import performance_cores


def cpu_model() -> str:
    """The CPU's name from /proc/cpuinfo (or the platform's guess)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            for line in info:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "Hardware"):
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(config, engines) -> dict:
    """Machine, models and package versions of this run."""
    versions = {}
    for dist in ("llama-cpp-python", "vosk", "faster-whisper", "piper-tts", "onnxruntime", "ctranslate2"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    stt_folder = engines.stt.model_path  # a packaged folder is often just "model": its package names it
    return {
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "performance_cores": performance_cores(),
                    "arch": platform.machine(), "python": platform.python_version()},
        "models": {"stt": f"{engines.stt.name}: {stt_folder.parent.name}/{stt_folder.name}",
                   "llm": engines.llm.model_path.name, "tts": engines.tts.model_path.name,
                   "llm_engine": engines.llm.name, "llm_url": getattr(engines.llm, "url", None),
                   "llm_threads": getattr(engines.llm, "threads", None),
                   "llm_flash_attn": engines.llm.settings.flash_attn},
        "versions": versions,
    }


def print_table(r: dict, out) -> None:
    """A human-readable summary of a bench result."""
    def row(name, value, note=""):
        out.write(f"{name:<37} {value!s:<32} {note}\n")

    m = r["machine"]
    out.write(f"machine: {m['cpu']} ({m['cores']} cores, {m['arch']}), python {m['python']}; "
              f"ran on CPUs {r.get('cpus')}\n")
    out.write(f"models: {r['models']}\n\n")
    row("ttfa_s", _mp(r["ttfa_s"]), "end of speech -> first reply audio (daemon)")
    row("naive_ttfa_s", _mp(r["naive_ttfa_s"]), "whole transcript, whole reply, whole speech")
    row("ttfa_ratio", r["ttfa_ratio"], "target <= 0.5")
    row("floor_s", _mp(r["floor_s"]), "end silence + STT final + LLM 1st sentence + TTS 1st chunk")
    row("overhead_ratio", r["overhead_ratio"], "target <= 1.15")
    row("llm_tokens_per_s", r["llm_tokens_per_s"], "inside the daemon, while decoding")
    around = r["raw_tokens_per_s_around"]
    row("raw_tokens_per_s", r["raw_tokens_per_s"], "llama-cpp-python alone, right after each daemon answer")
    row("tokens_ratio", r["tokens_ratio"], "median of each answer's ratio; target >= 0.95")
    row("tokens_ratio_around", r["tokens_ratio_around"],
        f"against raw just before ({around['before']}) and after ({around['after']}) all the turns")
    row("token_ms", r["token_ms"], "median time of one token: daemon, raw")
    row("llm_tokens_per_s_wall", r["llm_tokens_per_s_wall"], "inside the daemon, pauses for piper included")
    row("tokens_ratio_wall", r["tokens_ratio_wall"])
    row("stt_rtf", r["stt_rtf"])
    row("tts_rtf", r["tts_rtf"])
    row("peak_rss_mb", r["peak_rss_mb"])
    for engine, cores in r["idle_cpu_cores"].items():
        label = "vosk (Korean model)" if engine == "vosk" else engine
        row(f"idle_cpu_cores {label}", f"silence {cores['silence']}, speech {cores['speech']}", "target < 0.15")
    room = r.get("room")
    if room:
        voice = room["voice_barge_in"]
        row("echo ERLE_db", room["erle_db"], "a dozen replies echoed in the simulated room; target >= 25")
        row("echo cpu per audio s", room["echo_cpu_per_audio_s"], "the canceller on the audio worker")
        row("cpu_cores while speaking", room["cpu_cores_speaking"], "piper, canceller, wake and stop detectors")
        row("voice barge-in detected", voice["detected"], f"heard {voice['heard']}")
        row("  decided after the phrase", voice["after_end_audio_s"], "audio after its end (s); target < 0.3")
        row("  reply stopped after the phrase", voice["latency_wall_s"], "wall time (s), with this machine's load")
    row("stages_median_s", r["stages_median_s"])
    for span, label in (("to_first_audio", "end of speech -> first audio"), ("whole_turn", "end of speech -> turn done")):
        row(f"cpu_s {span}", _stages(r["cpu_per_turn_s"][span]), f"CPU seconds by stage, {label}")
    row("turns", r["turns"])
    out.write("\nper turn: time to first audio, the silence that ended the question, what was heard\n")
    for turn in r["per_turn"]:
        ttfa = "no audio" if turn["ttfa_s"] is None else f"{turn['ttfa_s']:.3f} s"
        out.write(f"  {ttfa:<10} {turn['needed_silence_s']:.2f} s  {turn['heard']}\n")


def _mp(d: dict) -> str:
    return f"median {d['median']}, p90 {d['p90']}"


def _stages(d: dict) -> str:
    return ", ".join(f"{stage} {seconds}" for stage, seconds in d.items()) or "-"
