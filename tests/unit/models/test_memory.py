"""Memory planning: estimates from model headers, the available figure, refusals that say what to do."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from support import ASSISTANT, ROOT
from support.gguf import CATALOG_ARCHS, smollm2_path, write_model

from assistant.cli.check import _memory_finding
from assistant.config.loader import load_config
from assistant.config.settings import LlmSettings
from assistant.core.errors import ConfigError, ModelError
from assistant.core.meminfo import available_memory, available_memory_mb, cgroup_limit_mb
from assistant.models import memory as memory_budget
from assistant.models.gguf import read_gguf_info
from assistant.models.memory import (
    NotEnoughMemory,
    check_fits,
    compute_buffer_bytes,
    estimate_memory,
    kv_cache_bytes,
    llm_parts,
    suggest_context,
)

MIB = 1024 ** 2


@pytest.fixture
def plenty(monkeypatch):
    monkeypatch.setenv("ASSISTANT_MEMORY_MB", "100000")


def make_config(tmp_path: Path, model: str, **llm) -> object:
    """A config whose llm.model is a header-only copy of a catalog model, or ``model`` as given."""
    ref = str(write_model(tmp_path / f"{model}.gguf", model)) if model in CATALOG_ARCHS else model
    lines = [f"  model: {ref!r}"] + [f"  {k}: {str(v).lower() if isinstance(v, bool) else v}" for k, v in llm.items()]
    path = tmp_path / "config.yaml"
    path.write_text("llm:\n" + "\n".join(lines) + "\n")
    return load_config(path)


def test_kv_cache_matches_what_llama_cpp_reports_for_smollm2():
    info = read_gguf_info(smollm2_path())
    # llama.cpp: "CPU KV buffer size = 45.00 MiB" (2048, f16) and "95.62 MiB" (8192, q8_0)
    assert kv_cache_bytes(info, 2048, "f16") == 45.00 * MIB
    assert abs(kv_cache_bytes(info, 8192, "q8_0") - 95.62 * MIB) < 0.01 * MIB
    assert kv_cache_bytes(info, 2048, "q4_0") == kv_cache_bytes(info, 2048, "f16") * 18 / 64


@pytest.mark.parametrize("context, ubatch, flash, reported_mib", [
    (2048, 256, False, 49.69), (8192, 256, False, 83.19), (32768, 256, False, 323.19),
    (2048, 512, False, 99.38), (8192, 512, False, 166.38), (2048, 64, False, 12.42),
    (2048, 256, True, 51.26), (8192, 256, True, 49.13),
])
def test_compute_buffer_is_at_or_just_above_llama_cpp(context, ubatch, flash, reported_mib):
    info = read_gguf_info(smollm2_path())
    llm = LlmSettings(context=context, batch=max(ubatch, 256), ubatch=ubatch, flash_attn=flash)
    ratio = compute_buffer_bytes(info, llm) / (reported_mib * MIB)
    assert 1.0 <= ratio < 1.08


def test_estimate_of_a_3b_model_part_by_part(tmp_path, plenty):
    config = make_config(tmp_path, "llama-3.2-3b-instruct-q4_k_m", context=8192, kv_cache_type="q8_0",
                         flash_attn=True)
    est = estimate_memory(config)
    assert est.llm_weights == 2020  # the file, 2019377696 bytes
    assert est.kv_cache == 500  # 28 layers x 8 KV heads x 256 (K+V dims) x 8192 x 34/32 bytes
    assert est.llm_compute == 40  # 64 x 4 x (128256 vocab + 8 x 3072) bytes, rounded up
    assert est.process == memory_budget.PROCESS_MB and est.stt > 100 and est.tts > 100 and est.wake > 0
    assert est.total_mb == est.llm_mb + est.others_mb == sum(
        (est.llm_weights, est.kv_cache, est.llm_compute, est.stt, est.tts, est.wake, est.process))
    only_llm = estimate_memory(config, stt=False, tts=False)
    assert only_llm.others_mb == memory_budget.PROCESS_MB and only_llm.llm_mb == est.llm_mb


def test_moe_model_kv_cache_is_small_for_its_size(tmp_path, plenty):
    config = make_config(tmp_path, "qwen3-30b-a3b-instruct-2507-q2_k", context=4096, kv_cache_type="q8_0",
                         flash_attn=True)
    est = estimate_memory(config, stt=False, tts=False)
    assert est.llm_weights == 11259 and est.kv_cache == 214  # 48 x 4 x 256 x 4096 x 34/32


def test_default_config_fits_with_plenty_of_memory(plenty):
    est = check_fits(load_config(ROOT / "config.yaml"))
    assert est.model == "smollm2-135m-instruct-q8_0"
    assert 144 <= est.llm_weights <= 146 and 300 < est.total_mb < 1500


def test_refusal_names_model_need_available_and_a_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MEMORY_MB", "3500")
    config = make_config(tmp_path, "qwen3-4b-q4_k_m", context=8192)
    with pytest.raises(NotEnoughMemory) as info:
        check_fits(config)
    message = str(info.value)
    assert info.value.exit_code == 78 and "\n" not in message
    assert message.startswith(f"llm.model '{tmp_path}/qwen3-4b-q4_k_m.gguf' needs ")
    assert "weights 2498, KV cache 1208 at context 8192" in message
    assert "but 3500 MB is available (ASSISTANT_MEMORY_MB)" in message
    # 2048 fits with this model; the 3B model's catalog figure holds for context 2048.
    assert message.endswith("; set llm.context: 2048 or use llm.model: "
                            "'llama-3.2-3b-instruct-q4_k_m' with llm.context: 2048")


def test_refusal_offers_a_quantized_kv_cache_when_it_fits(tmp_path, monkeypatch):
    config = make_config(tmp_path, "qwen3-30b-a3b-instruct-2507-q2_k", context=32768)
    est = estimate_memory(config)
    quantized = estimate_memory(make_config(tmp_path, config.settings.llm.model, context=32768,
                                            kv_cache_type="q8_0", flash_attn=True))
    monkeypatch.setenv("ASSISTANT_MEMORY_MB", str(quantized.total_mb + 10))
    with pytest.raises(NotEnoughMemory, match=r"; set llm.context: \d+ or set llm.kv_cache_type: q8_0 "
                                              r"with llm.flash_attn: true or use llm.model: ") as info:
        check_fits(config)
    assert f"needs {est.total_mb} MB" in str(info.value)
    assert "'qwen3-30b-a3b-instruct-2507-q2_k'" not in str(info.value)  # not the model it already is


def test_refusal_when_nothing_fits(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MEMORY_MB", "100")
    with pytest.raises(NotEnoughMemory, match="everything but the LLM needs .* MB: free memory"):
        check_fits(load_config(ROOT / "config.yaml"))


def test_suggest_context_is_the_largest_power_of_two_that_fits():
    info = read_gguf_info(smollm2_path())
    llm = LlmSettings(context=32768)
    need = {c: sum(llm_parts(info, replace(llm, context=c))) for c in (512, 1024, 2048, 4096)}
    assert suggest_context(info, llm, need[4096]) == 4096
    assert suggest_context(info, llm, need[4096] - 1) == 2048
    assert suggest_context(info, llm, need[512] - 1) is None
    assert suggest_context(info, LlmSettings(context=512), 10 ** 6) is None  # never below 512


def test_available_memory_override_and_its_errors(monkeypatch):
    monkeypatch.setenv("ASSISTANT_MEMORY_MB", "3800")
    assert available_memory() == (3800, "ASSISTANT_MEMORY_MB") and available_memory_mb() == 3800
    for bad in ("lots", "0", "-5"):
        monkeypatch.setenv("ASSISTANT_MEMORY_MB", bad)
        with pytest.raises(ConfigError, match="ASSISTANT_MEMORY_MB"):
            available_memory()
    monkeypatch.delenv("ASSISTANT_MEMORY_MB")
    mb, source = available_memory()
    assert mb > 0 and source in ("MemAvailable", "cgroup memory.max")


def test_cgroup_v2_limit_is_the_tightest_on_the_way_up(tmp_path):
    proc = tmp_path / "cgroup"
    proc.write_text("0::/system.slice/assistant.service\n")
    root = tmp_path / "fs"
    service = root / "system.slice" / "assistant.service"
    service.mkdir(parents=True)
    assert cgroup_limit_mb(proc, root) is None  # no memory.max files at all
    (service / "memory.max").write_text("max\n")
    assert cgroup_limit_mb(proc, root) is None  # 'max' means no limit
    (service / "memory.max").write_text(f"{3 * 1024 ** 3}\n")
    assert cgroup_limit_mb(proc, root) == 3221
    (root / "system.slice" / "memory.max").write_text("2000000000\n")
    assert cgroup_limit_mb(proc, root) == 2000
    proc.write_text("4:memory:/x\n")  # cgroup v1 only
    assert cgroup_limit_mb(proc, root) is None


def run_cli(*args, memory_mb: str, tmp_path: Path):
    env = {"ASSISTANT_MEMORY_MB": memory_mb, "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    return subprocess.run(ASSISTANT + list(args), capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=120)


def test_chat_refuses_with_status_78_before_loading(tmp_path):
    proc = run_cli("--config", str(ROOT / "config.yaml"), "chat", "hi", memory_mb="100", tmp_path=tmp_path)
    assert proc.returncode == 78, proc.stderr
    assert proc.stderr.startswith("assistant: llm.model 'smollm2-135m-instruct-q8_0' needs ")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr and proc.stdout == ""


def test_check_reports_memory_and_exits_78(monkeypatch, capsys):
    from assistant.cli import check
    from assistant.cli import main as cli

    loaded = []
    monkeypatch.setattr(check, "load_stt", lambda *a: loaded.append("stt"))  # keep the test fast
    monkeypatch.setattr(check, "load_tts", lambda *a: loaded.append("tts"))
    monkeypatch.setattr(check, "load_local_llm", lambda *a: loaded.append("llm"))
    monkeypatch.setenv("ASSISTANT_MEMORY_MB", "100")
    assert cli.main(["--config", str(ROOT / "config.yaml"), "check"]) == 78
    out = capsys.readouterr().out
    assert "FAIL  memory: llm.model 'smollm2-135m-instruct-q8_0' needs " in out
    assert "WARN  llm.model: not loaded: it does not fit in memory" in out and "llm" not in loaded
    monkeypatch.setenv("ASSISTANT_MEMORY_MB", "100000")
    cli.main(["--config", str(ROOT / "config.yaml"), "check"])
    out = capsys.readouterr().out
    assert "OK    memory: needs " in out and " MB of 100000 MB available (ASSISTANT_MEMORY_MB; LLM " in out
    assert "llm" in loaded


def test_check_skips_the_estimate_when_a_model_is_missing(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("llm:\n  model: /nonexistent/model.gguf\n")
    finding = _memory_finding(load_config(config))
    assert finding.level == "warn" and "not estimated" in finding.message and "model.gguf" in finding.message


def readme_board_rows() -> list[dict]:
    """The README's table of recommended configurations, one dict per board."""
    lines = (ROOT / "README.md").read_text().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("| Board (memory assumed available)"))
    header = [c.strip() for c in lines[first].strip("|").split("|")]
    rows = []
    for line in lines[first + 2:]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(header, (c.strip() for c in line.strip("|").split("|")))))
    return rows


def first_number(text: str) -> int:
    return int(re.search(r"\d+", text).group())


@pytest.mark.parametrize("row", readme_board_rows(), ids=lambda row: row["Board (memory assumed available)"])
def test_the_readme_board_table_is_what_the_estimator_says(row, tmp_path, monkeypatch):
    board_mb = int(re.search(r"\((\d+) MB\)", row["Board (memory assumed available)"]).group(1))
    monkeypatch.setenv("ASSISTANT_MEMORY_MB", str(board_mb))
    model = row["`llm.model`"].strip("`")
    context = first_number(row["`llm.context`"])
    settings = dict(context=context, kv_cache_type=row["`llm.kv_cache_type`"].split("`")[1], flash_attn=True)
    est = check_fits(make_config(tmp_path, model, **settings))  # fits, or NotEnoughMemory fails the test
    assert est.total_mb == first_number(row["Estimated memory"]), row
    largest = re.search(r"largest that fits: (\d+)", row["`llm.context`"])
    if largest:
        fitting = [c for c in (1 << k for k in range(12, 18))  # llm.context allows up to 131072
                   if estimate_memory(make_config(tmp_path, model, **{**settings, "context": c})).total_mb
                   <= board_mb]
        assert max(fitting) == int(largest.group(1)), row


def test_a_server_without_fallback_needs_no_local_model(tmp_path, plenty):
    server = {"engine": "openai", "url": "http://192.168.1.20:8080/v1", "remote_model": "llama3.2"}
    remote_only = make_config(tmp_path, str(tmp_path / "absent.gguf"), **server, fallback=False)
    est = check_fits(remote_only)
    assert est.model == "" and est.llm_mb == 0 and est.total_mb == est.others_mb
    with_fallback = make_config(tmp_path, str(tmp_path / "absent.gguf"), **server)
    with pytest.raises(ModelError, match="absent.gguf"):
        check_fits(with_fallback)  # the fallback is loaded, so it must be there
