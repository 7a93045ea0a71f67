"""Where the process's CPU time goes, by pipeline stage, over any stretch of a benchmark.

A sampler thread reads every thread's CPU time from /proc/self/task every few milliseconds.
The daemon's own worker threads are named by stage (stt, llama, tts, audio); the native
pools of the engines (CTranslate2, onnxruntime, llama.cpp's OpenMP workers) are not, so a
native thread's CPU in each interval is given to the stages that were busy in that interval,
in proportion to their own CPU. CPU seconds, unlike seconds of wall time, carry over to a
slower board: a Pi that is N times slower needs about N times these figures.
"""

from __future__ import annotations

import bisect
import os
import threading
import time
from pathlib import Path

TASKS = Path("/proc/self/task")
TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")
STAGES = {"stt": "stt", "llama": "llm", "tts": "tts", "audio": "audio", "MainThread": "loop",
          "file-mic": "audio", "file-speaker": "audio"}
"""Python thread name prefixes and the stage they work for."""


def stage_of(thread_name: str | None) -> str | None:
    """The stage a named Python thread works for (None: a native or unknown thread)."""
    if thread_name is None:
        return None
    return next((stage for prefix, stage in STAGES.items() if thread_name.startswith(prefix)), "other")


def thread_cpu() -> dict[int, float]:
    """CPU seconds (user + system) of every thread of this process, by native thread id."""
    found = {}
    for task in TASKS.iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended while we looked
            continue
        found[int(task.name)] = (int(fields[11]) + int(fields[12])) * TICK_S
    return found


class CpuSampler:
    """Samples per-thread CPU on a thread of its own; ``by_stage(t0, t1)`` sums a stretch."""

    def __init__(self, period_s: float = 0.01) -> None:
        self.period_s = period_s
        self.times: list[float] = []
        self.samples: list[dict[str, float]] = []
        """Cumulative CPU seconds by stage at each sample time."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-sampler", daemon=True)
        self._totals: dict[str, float] = {}
        self._last: dict[int, float] = {}

    def start(self) -> None:
        """Begin sampling."""
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling (what was sampled stays)."""
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        own = threading.get_native_id()
        while not self._stop.wait(self.period_s):
            names = {t.native_id: t.name for t in threading.enumerate()}
            now = thread_cpu()
            deltas = {tid: cpu - self._last.get(tid, cpu) for tid, cpu in now.items() if tid != own}
            self._last = now
            self._add(deltas, names)
            self.times.append(time.monotonic())
            self.samples.append(dict(self._totals))

    def _add(self, deltas: dict[int, float], names: dict[int, str]) -> None:
        known: dict[str, float] = {}
        native = 0.0
        for tid, delta in deltas.items():
            stage = stage_of(names.get(tid))
            if stage is None:
                native += delta
            else:
                known[stage] = known.get(stage, 0.0) + delta
        busy = {stage: cpu for stage, cpu in known.items() if cpu > 0 and stage not in ("loop", "other")}
        share = sum(busy.values())
        for stage, cpu in known.items():
            extra = native * busy.get(stage, 0.0) / share if share else 0.0
            self._totals[stage] = self._totals.get(stage, 0.0) + cpu + extra
        if native and not share:
            self._totals["native"] = self._totals.get("native", 0.0) + native

    def by_stage(self, start: float, end: float) -> dict[str, float]:
        """CPU seconds each stage used between two monotonic times (to the sampling period)."""
        def at(moment: float) -> dict[str, float]:
            i = bisect.bisect_right(self.times, moment) - 1
            return self.samples[i] if i >= 0 else {}

        before, after = at(start), at(end)
        used = {stage: round(after.get(stage, 0.0) - before.get(stage, 0.0), 3) for stage in after}
        used["total"] = round(sum(used.values()), 3)
        return used
