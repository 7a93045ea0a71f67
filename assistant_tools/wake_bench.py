"""`assistant bench wake`: false rejects, false accepts per hour, latency and CPU of every
built-in model of the neural wake-word engines, on a corpus made and cached on this machine.

    assistant bench wake [--quick] [--cache DIR] [--engines micro,openwakeword] [--json]
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import sys
from pathlib import Path

import numpy as np

from assistant.audio.format import ENGINE_RATE as RATE
from assistant.audio.format import read_wav
from assistant.config.loader import Config
from assistant.config.settings import WakeModel, WakeSettings
from assistant.core.errors import ModelError
from assistant.models.catalog import load_catalog
from assistant.models.loading import load_tts
from assistant.models.wake_models import BUILTIN, wake_model_specs
from assistant.wake.factory import make_wake_detector
from assistant.wake.micro import describe
from assistant_tools import wake_eval as ev
from assistant_tools.wake_corpus import FULL, QUICK, Corpus
from assistant_tools.wake_report import print_wake_table, wake_machine

DEFAULT_CACHE = Path("~/.cache/assistant/wake-eval")
"""Where the corpus is kept unless --cache says otherwise."""
GRID = {"micro": (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99),
        "openwakeword": (0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95)}
"""Thresholds tried for each engine (besides each model's own)."""


class EngineRun:
    """One engine: its built-in models (--quick: the configured ones) on one detector, scored over the corpus."""

    def __init__(self, config: Config, engine: str, corpus: Corpus, quick: bool):
        self.engine, self.corpus, self.quick = engine, corpus, quick
        names = BUILTIN[engine]
        if quick:  # only the configured built-in models (the default: hey_mycroft)
            names = [m.name for m in config.settings.wake.models if m.name in names] or names[:1]
        models = tuple(WakeModel(name) for name in names)
        self.settings = WakeSettings(engine=engine, models=models)
        wake_config = Config(dataclasses.replace(config.settings, wake=self.settings), config.path)
        self.specs = wake_model_specs(wake_config, engine, load_catalog())
        self.keywords = self.make().keywords

    def make(self, specs=None):
        """A fresh detector with every built-in model (or ``specs``)."""
        return make_wake_detector(self.settings, models=specs or self.specs)

    def own_threshold(self, i: int) -> float:
        """The model's own threshold: its JSON cutoff (micro), the library's 0.5 (openwakeword)."""
        return describe(self.specs[i])["cutoff"] if self.engine == "micro" else 0.5

    def model_rows(self, i: int, commands, bank, negatives: dict, tuning: list) -> dict:
        """Tuned and own-threshold rows, and the sweep, for model ``i``."""
        phrase = self.keywords[i].phrase
        takes = self.corpus.takes(phrase)
        conditions = ev.CONDITIONS[:2] if self.quick else ev.CONDITIONS
        streams = {c: ev.positive_stream(takes, commands, c, bank, seed=17 + k) for k, c in enumerate(conditions)}
        traces = {c: ev.trace(self.make, s.audio) for c, s in streams.items()}
        results_at = lambda t, c: ev.trial_results(ev.detections(traces[c], i, t), streams[c])  # noqa: E731
        fa_at = lambda group, t: sum(len(ev.detections(tr, i, t)) for tr in negatives[group])  # noqa: E731
        tuning_fa = lambda t: sum(len(ev.detections(tr, i, t)) for tr in tuning)  # noqa: E731
        candidates = sorted(set(GRID[self.engine]) | {self.own_threshold(i), self.keywords[i].threshold})
        chosen = ev.tune(candidates, results_at, tuning_fa)
        row = lambda t, how: _row(phrase, t, how, {c: results_at(t, c) for c in conditions}, fa_at)  # noqa: E731
        return {"phrase": phrase, "tuned": chosen, "default": self.keywords[i].threshold,
                "rows": [row(chosen, "tuned"), row(self.own_threshold(i), "model's own")],
                "sweep": [row(t, "sweep") for t in candidates], "takes": len(takes),
                "held_out": sum(t.held_out for t in takes)}


def _row(phrase: str, threshold: float, how: str, results: dict, fa_at) -> dict:
    delays = sorted(d for take, d in results["clean"] if take.held_out and d is not None)
    fa = {g: fa_at(g, threshold) for g in ("speech", "noise", "music", "confusable", "real")}
    by_family = {}
    for take, d in results["clean"]:
        if take.held_out:
            by_family.setdefault(take.family, []).append(d is None)
    return {"phrase": phrase, "threshold": threshold, "how": how,
            "frr": {c: round(ev.frr(r, True), 4) for c, r in results.items()},
            "frr_tuning": {c: round(ev.frr(r, False), 4) for c, r in results.items()},
            "frr_clean_by_family": {f: round(sum(m) / len(m), 4) for f, m in by_family.items()},
            "false_accepts": fa,
            "latency_s": {"median": round(statistics.median(delays), 3) if delays else None,
                          "p90": round(delays[min(len(delays) - 1, round(0.9 * (len(delays) - 1)))], 3)
                          if delays else None}}


def run_engine(config: Config, engine: str, corpus: Corpus, commands, bank, negatives, tuning, quick) -> dict:
    """Every model of ``engine``: rows, CPU with one model and with all."""
    run = EngineRun(config, engine, corpus, quick)
    audio = {g: [read_wav(p, RATE).samples for p in files] for g, files in negatives.items()}
    traces = {g: [ev.trace(run.make, a) for a in files] for g, files in audio.items()}
    tuning_traces = [ev.trace(run.make, read_wav(p, RATE).samples) for p in tuning]
    models = [run.model_rows(i, commands, bank, traces, tuning_traces) for i in range(len(run.specs))]
    seconds = (10 if quick else 60) * RATE
    speech, silence = audio["speech"][0][:seconds], np.zeros(seconds, np.float32)
    runs = 1 if quick else 3
    cpu = {label: {"silence": round(ev.cpu_cores(make, silence, runs), 4),
                   "speech": round(ev.cpu_cores(make, speech, runs), 4)}
           for label, make in (("1 model", lambda: run.make(run.specs[:1])), ("all models", run.make))}
    return {"models": models, "cpu": cpu}


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_wake_bench(config: Config, quick: bool, cache: Path, engines, log=_log) -> dict:
    """Make (or reuse) the corpus and score each engine; everything as one dict."""
    plan = QUICK if quick else FULL
    corpus = Corpus(Path(cache).expanduser(), plan, load_tts(config), log)
    log(f"corpus: {corpus.root}")
    commands = corpus.commands()
    negatives = corpus.negatives()
    tuning = corpus.tuning_negatives()
    bank = ev.noise_bank(commands, 10 if quick else 60)
    seconds = {g: round(sum(read_wav(p, RATE).seconds for p in files), 1) for g, files in negatives.items()}
    result = {"plan": plan.name, "corpus": str(corpus.root), "negatives_s": seconds,
              "tuning_negatives_s": round(sum(read_wav(p, RATE).seconds for p in tuning), 1),
              "refractory_s": ev.REFRACTORY_S, "engines": {}, **wake_machine()}
    for engine in engines:
        log(f"scoring {engine}")
        try:
            result["engines"][engine] = run_engine(config, engine, corpus, commands, bank, negatives, tuning, quick)
        except ModelError as exc:  # e.g. pyopen-wakeword is not installed
            log(f"{engine}: skipped ({exc})")
    return result


def cmd_bench_wake(config: Config, quick: bool, cache, engines: str, as_json: bool, out) -> int:
    """Entry point of `assistant bench wake`."""
    names = [e.strip() for e in engines.split(",") if e.strip()]
    unknown = [e for e in names if e not in BUILTIN]
    if unknown:
        raise ModelError(f"--engines: {unknown[0]!r} is not a neural engine; choose from {', '.join(BUILTIN)}")
    result = run_wake_bench(config, quick, Path(cache or DEFAULT_CACHE), names)
    if as_json:
        out.write(json.dumps(result) + "\n")
    else:
        print_wake_table(result, out)
    return 0
