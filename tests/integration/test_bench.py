"""`assistant bench` runs end to end and reports every figure (the numbers are not judged here)."""

from __future__ import annotations

import io
import json
import subprocess

import pytest
from support import ASSISTANT, ROOT

from assistant_tools.bench_report import print_table

pytestmark = pytest.mark.slow


def test_bench_reports_every_figure():
    proc = subprocess.run(ASSISTANT + ["bench", "--turns", "1", "--room-rounds", "1", "--json", "--cpus", "1"],
                          capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    for key in ("ttfa_s", "naive_ttfa_s", "floor_s"):
        assert r[key]["median"] > 0 and r[key]["p90"] >= r[key]["median"]
    for key in ("ttfa_ratio", "overhead_ratio", "stt_rtf", "tts_rtf", "peak_rss_mb"):
        assert r[key] > 0
    assert r["raw_tokens_per_s"] > 0 and r["tokens_ratio"] > 0 and r["tokens_ratio_around"] > 0
    assert r["raw_tokens_per_s_around"]["before"] > 0 and r["raw_tokens_per_s_around"]["after"] > 0
    assert r["token_ms"]["daemon"] > 0 and r["token_ms"]["raw"] > 0
    assert {"micro", "vad-whisper", "pocketsphinx"} <= set(r["idle_cpu_cores"])
    assert r["machine"]["cores"] >= 1 and r["models"]["llm"].endswith(".gguf")
    assert r["turns"] == 1 and len(r["cpus"]) == 1  # pinned to one CPU
    to_audio, turn_cpu = r["cpu_per_turn_s"]["to_first_audio"], r["cpu_per_turn_s"]["whole_turn"]
    assert {"stt", "llm", "tts"} <= set(turn_cpu) and turn_cpu["llm"] > 0 and turn_cpu["tts"] > 0
    assert 0 < to_audio["total"] <= turn_cpu["total"]
    room = r["room"]
    assert room["erle_db"] > 0 and room["echo_cpu_per_audio_s"] > 0 and room["cpu_cores_speaking"] > 0
    assert room["voice_barge_in"]["detected"].endswith("/3")
    [turn] = r["per_turn"]
    assert turn["ttfa_s"] == r["ttfa_s"]["median"] and turn["heard"] == r["transcripts"][0]
    assert turn["needed_silence_s"] == r["stages_median_s"]["endpoint_silence"]
    table = io.StringIO()
    print_table(r, table)  # the command's output without --json, from the same figures
    assert f"ttfa_ratio                            {r['ttfa_ratio']}" in table.getvalue()
    assert f"{turn['ttfa_s']:.3f} s" in table.getvalue().split("per turn")[1]
    assert f"llm {turn_cpu['llm']}" in table.getvalue()
    assert 0.35 <= r["stages_median_s"]["endpoint_silence"] <= 0.6  # confident_silence_s .. silence_s
