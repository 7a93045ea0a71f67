"""`assistant bench stt --quick`: the recognition evaluation runs end to end on clips made here."""

from __future__ import annotations

import json
import subprocess

from support import ASSISTANT, ROOT

from assistant_tools.stt_material import GROUPS


def bench_stt(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*ASSISTANT, "bench", "stt", "--quick", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_the_quick_evaluation_prints_a_sane_table_for_the_default_setting():
    done = bench_stt("--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report["counts"]) <= set(GROUPS) and report["counts"]["capital"] == 4
    (row,) = report["rows"]  # --quick measures the configured setting
    assert row["label"].startswith("whisper, window 10, beam 5, prompt ")
    assert set(row["wer"]) == set(GROUPS[:-1]) and row["wer"]["real"] is None  # no real recording in it
    # tiny.en on 4 clean phrases (piper and espeak): a word or two wrong at most; the noisy
    # copies (pink noise at 10 dB SNR) are harder, but most of their words are still heard.
    assert row["wer"]["clean tune"] <= 15 and row["wer"]["clean held-out"] <= 15, row
    assert row["wer"]["noisy tune"] <= 60 and row["wer"]["noisy held-out"] <= 60, row
    assert row["capital_n"] == 4 and row["capital_right"] >= 2, row
    assert row["median_s"] > 0


def test_the_table_names_each_column_and_setting():
    done = bench_stt("--settings", "default,b1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = next(line for line in lines if line.startswith("| setting"))
    assert [c.strip() for c in header.strip("|").split("|")] == [
        "setting", "WER real", "WER clean tune", "WER clean held-out", "WER noisy tune", "WER noisy held-out",
        "capital right", "median s", "x first"]
    rows = [line for line in lines if line.startswith("| whisper")]
    assert len(rows) == 2 and "beam 1" in rows[1]
    assert all(len(r.strip("|").split("|")) == 9 for r in rows)


def test_a_bad_setting_is_a_usage_error_naming_the_token():
    done = bench_stt("--settings", "w10+x9")
    assert done.returncode == 2 and "'x9' is not a setting token" in done.stderr
