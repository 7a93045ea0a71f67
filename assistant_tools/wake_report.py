"""What `assistant bench wake` prints: one row per engine, phrase and threshold, and the bar."""

from __future__ import annotations

import datetime
import os
import platform
from importlib import metadata

from assistant_tools.bench_report import cpu_model

BAR = {"frr_clean": 0.05, "frr_snr10": 0.10, "fa_per_hour": 0.5, "cores": 0.02}
"""The default wake word must do better than this (README, "Wake words")."""


def wake_machine() -> dict:
    """Machine, date and the wake-word packages' versions."""
    versions = {}
    for dist in ("pymicro-wakeword", "pymicro-features", "pyopen-wakeword"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {"machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "arch": platform.machine()},
            "date": datetime.date.today().isoformat(), "versions": versions}


def fa_per_hour(row: dict, seconds: dict) -> float:
    """False accepts per hour over the speech, noise and music negatives."""
    hours = sum(seconds[g] for g in ("speech", "noise", "music")) / 3600
    return sum(row["false_accepts"][g] for g in ("speech", "noise", "music")) / max(hours, 1e-9)


def meets_bar(row: dict, seconds: dict, cores: float) -> bool:
    """Under 5% false rejects clean, 10% at 10 dB, at most 0.5 false accepts per hour, under 0.02 core."""
    frr = row["frr"]
    return (frr["clean"] < BAR["frr_clean"] and frr.get("snr10", 1.0) < BAR["frr_snr10"]
            and fa_per_hour(row, seconds) <= BAR["fa_per_hour"] and cores < BAR["cores"])


def table_rows(result: dict) -> list[list[str]]:
    """The table's cells, header first."""
    conditions = ("clean", "snr10", "snr5", "reverb")
    header = ["engine", "phrase", "threshold", "FRR clean", "FRR 10 dB", "FRR 5 dB", "FRR reverb", "FA/h",
              "near misses", "latency median / p90 s", "cores silent / talk", "meets bar"]
    rows = [header]
    seconds = result["negatives_s"]
    for engine, data in result["engines"].items():
        cpu = data["cpu"]["1 model"]
        for model in data["models"]:
            for row in model["rows"]:
                frr = [f"{100 * row['frr'][c]:.1f}%" if c in row["frr"] else "-" for c in conditions]
                lat = row["latency_s"]
                rows.append([engine, row["phrase"], f"{row['threshold']:g} ({row['how']})", *frr,
                             f"{fa_per_hour(row, seconds):.2f}", str(row["false_accepts"]["confusable"]),
                             "-" if lat["median"] is None else f"{lat['median']:+.2f} / {lat['p90']:+.2f}",
                             f"{cpu['silence']:.4f} / {cpu['speech']:.4f}",
                             "yes" if meets_bar(row, seconds, cpu["speech"]) else "no"])
    return rows


def print_wake_table(result: dict, out) -> None:
    """A Markdown table and what it was measured on."""
    s, m = result["negatives_s"], result["machine"]
    hours = sum(s[g] for g in ("speech", "noise", "music")) / 3600
    out.write(f"wake-word evaluation ({result['plan']}), {result['date']}, {m['cpu']}, {m['cores']} cores, "
              f"{m['arch']}; {', '.join(f'{k} {v}' for k, v in result['versions'].items() if v)}\n")
    out.write(f"FRR: held-out takes only; FA/h over {hours:.2f} h (speech {s['speech'] / 60:.0f} min, noise "
              f"{s['noise'] / 60:.0f} min, music {s['music'] / 60:.0f} min); near misses: detections in "
              f"{s['confusable'] / 60:.1f} min of confusable sentences; thresholds tuned on the other takes and "
              f"{result['tuning_negatives_s'] / 60:.0f} min of tuning prose\n\n")
    rows = table_rows(result)
    out.write("| " + " | ".join(rows[0]) + " |\n")
    out.write("|" + " --- |" * len(rows[0]) + "\n")
    for row in rows[1:]:
        out.write("| " + " | ".join(row) + " |\n")
