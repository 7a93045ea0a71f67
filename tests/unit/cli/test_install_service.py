"""install-service under a --prefix: unit and config written, nothing run, nothing overwritten."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import yaml
from support import ROOT
from support.gguf import CATALOG_ARCHS, header, write_gguf

from assistant.cli import install_service, service_unit
from assistant.cli.install_service import cmd_install_service, service_estimate
from assistant.cli.service_unit import InstallError, home_paths, memory_max_bytes, render_unit, service_config_text
from assistant.config.loader import load_config, settings_from_mapping
from assistant.models.memory import MemoryEstimate

GIB, MIB = 1024 ** 3, 1024 ** 2
LLAMA_3B = CATALOG_ARCHS["llama-3.2-3b-instruct-q4_k_m"]


def expected_memory_max(config) -> str:
    """MemoryMax for the project: the estimate + 25 %, in whole 256 MiB steps."""
    value = memory_max_bytes(service_estimate(config))
    # 3.5 GiB of weights, 235 MB of KV cache at context 2048, compute, whisper, piper, runtime:
    assert int(3.5 * GIB) + 235e6 < value <= (int(3.5 * GIB) + 1.5e9) * 1.25 + 256 * MIB
    return f"MemoryMax={value // MIB}M"


@pytest.fixture(autouse=True)
def nothing_runs(monkeypatch):
    """No test may create users or call systemctl."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"tried to run {args}")
    monkeypatch.setattr(install_service.subprocess, "run", refuse)


@pytest.fixture
def project(tmp_path):
    """A config in its own folder whose LLM is a 3.5 GiB (sparse) file with a Llama 3B header."""
    folder = tmp_path / "project"
    folder.mkdir()
    model = write_gguf(folder / "model.gguf", header(LLAMA_3B), size=int(3.5 * GIB))
    text = (ROOT / "config.yaml").read_text().replace("model: smollm2-135m-instruct-q8_0", f"model: {model}")
    path = folder / "config.yaml"
    path.write_text(text)
    return load_config(path)


def install(config, root, dry_run=False):
    out = io.StringIO()
    assert cmd_install_service(config, root, dry_run, out) == 0
    return out.getvalue()


def test_prefix_install_writes_unit_and_config(project, tmp_path):
    root = tmp_path / "root"
    output = install(project, root)
    unit = (root / "etc/systemd/system/assistant.service").read_text()
    assert f"\n{expected_memory_max(project)}\n" in unit
    exec_start = re.search(r"(?m)^ExecStart=(.*)$", unit).group(1)
    assert exec_start.endswith(" --config /etc/assistant/config.yaml run")
    assert exec_start.split()[0].startswith("/") and "assistant" in exec_start
    config = root / "etc/assistant/config.yaml"
    copied = settings_from_mapping(yaml.safe_load(config.read_text()))
    assert copied.models.dir == str(project.models_dir)  # absolute: the copy lives in /etc
    assert "# Configuration of the offline voice assistant." in config.read_text()  # comments kept
    assert oct(config.stat().st_mode & 0o777) == "0o644"
    assert "skipped (prefix" in output and "systemctl enable assistant.service" in output


def test_existing_config_is_never_overwritten(project, tmp_path):
    root = tmp_path / "root"
    mine = root / "etc/assistant/config.yaml"
    mine.parent.mkdir(parents=True)
    mine.write_text("# my own settings\nllm:\n  max_tokens: 50\n")
    output = install(project, root)
    assert mine.read_text() == "# my own settings\nllm:\n  max_tokens: 50\n"
    assert f"kept the existing {mine}" in output
    assert (root / "etc/systemd/system/assistant.service").exists()


def test_unit_is_replaced_on_reinstall(project, tmp_path):
    root = tmp_path / "root"
    unit = root / "etc/systemd/system/assistant.service"
    unit.parent.mkdir(parents=True)
    unit.write_text("old")
    install(project, root)
    assert unit.read_text().startswith("# Offline voice assistant daemon")


def test_dry_run_writes_nothing(project, tmp_path):
    root = tmp_path / "root"
    output = install(project, root, dry_run=True)
    assert not root.exists()
    assert "would write" in output and "skipped (dry run)" in output and expected_memory_max(project) in output


def test_dry_run_on_the_real_system_writes_and_runs_nothing(project, monkeypatch):
    def refuse(*args):
        raise AssertionError("wrote a file in a dry run")
    monkeypatch.setattr(install_service, "_write", refuse)
    output = install(project, "/", dry_run=True)
    assert "would write /etc/systemd/system/assistant.service" in output


def test_real_install_needs_root(project, monkeypatch):
    monkeypatch.setattr(install_service.os, "geteuid", lambda: 1000)
    with pytest.raises(InstallError, match="run it as root"):
        cmd_install_service(project, "/", False, io.StringIO())


def test_missing_model_is_a_model_error(project, tmp_path):
    (project.path.parent / "model.gguf").unlink()
    with pytest.raises(Exception, match=r"llm\.model") as info:
        install(project, tmp_path / "root")
    assert info.value.exit_code == 78


def test_groups_follow_the_target_system(project, tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/group").write_text("root:x:0:\naudio:x:29:\n")
    install(project, root)
    assert "\nSupplementaryGroups=audio\n" in (root / "etc/systemd/system/assistant.service").read_text()
    (root / "etc/group").write_text("root:x:0:\n")
    install(project, root)
    assert "SupplementaryGroups" not in (root / "etc/systemd/system/assistant.service").read_text()


def test_memory_max_is_the_estimate_plus_a_quarter_rounded_up():
    def total(mb):
        return MemoryEstimate("m", 2048, mb - 110, 0, 0, 0, 0, 0, 110)
    assert memory_max_bytes(total(1000)) == 1280 * MIB  # 1250 MB = 1192 MiB -> next 256 MiB
    assert memory_max_bytes(total(858)) == 1024 * MIB  # 1072.5 MB = 1022.8 MiB
    assert memory_max_bytes(total(859)) == 1280 * MIB  # 1073.75 MB is just over 1 GiB


def test_memory_max_counts_every_part_of_a_split_model(tmp_path):
    folder = tmp_path / "split"
    folder.mkdir()
    write_gguf(folder / "big-00001-of-00002.gguf", header(LLAMA_3B), size=GIB)
    write_gguf(folder / "big-00002-of-00002.gguf", {"split.no": 1}, size=GIB)
    (folder / "config.yaml").write_text(f"llm:\n  model: {folder / 'big-00001-of-00002.gguf'}\n")
    assert service_estimate(load_config(folder / "config.yaml")).llm_weights == 2148  # 2 GiB


def test_config_text_rewrites_only_models_dir():
    text = "# top\nmodels:\n  # where\n  dir: models  # relative\nllm:\n  max_tokens: 9\n"
    assert service_config_text(text, Path("/opt/a/models")) == (
        '# top\nmodels:\n  # where\n  dir: "/opt/a/models"  # relative\nllm:\n  max_tokens: 9\n')
    assert service_config_text("llm:\n  max_tokens: 9", Path("/m")) == (
        'llm:\n  max_tokens: 9\nmodels:\n  dir: "/m"\n')
    assert service_config_text("models:\n  # nothing yet\nllm: {}\n", Path("/m")) == (
        'models:\n  dir: "/m"\n  # nothing yet\nllm: {}\n')
    flow = service_config_text("{models: {dir: m}, llm: {max_tokens: 9}}\n", Path("/m"))
    assert yaml.safe_load(flow) == {"models": {"dir": "/m"}, "llm": {"max_tokens": 9}}
    inline = service_config_text("models: {dir: m}\nllm:\n  max_tokens: 9\n", Path("/m"))
    assert yaml.safe_load(inline) == {"models": {"dir": "/m"}, "llm": {"max_tokens": 9}}
    assert inline.count("models") == 1
    empty = service_config_text("models:\n", Path("/m"))
    assert yaml.safe_load(empty) == {"models": {"dir": "/m"}}


def test_home_paths_keeps_only_the_outermost():
    found = home_paths([Path("/home/pi/proj"), Path("/home/pi/proj/.venv"), Path("/usr"),
                        Path("/opt/assistant/models"), Path("/root/models")])
    assert found == (Path("/home/pi/proj"), Path("/root/models"))


def test_render_unit_fills_in_every_placeholder():
    template = (ROOT / "systemd/assistant.service").read_text()
    text = render_unit(template, "/v/bin/assistant --config /etc/assistant/config.yaml run",
                       2 * GIB, ("audio", "gpio"))
    assert "\nExecStart=/v/bin/assistant --config /etc/assistant/config.yaml run\n" in text
    assert "\nMemoryMax=2048M\n" in text and "LimitMEMLOCK" not in text and "\nProtectHome=yes\n" in text
    with pytest.raises(InstallError, match="no MemoryMax= line"):
        render_unit(template.replace("MemoryMax=", "#MemoryMax="), "x", GIB, ())


def test_relative_model_paths_are_pointed_out(tmp_path):
    folder = tmp_path / "p"
    (folder / "m").mkdir(parents=True)
    write_gguf(folder / "m" / "x.gguf", header(LLAMA_3B, vocab_as_tokens=False))
    (folder / "config.yaml").write_text("llm:\n  model: m/x.gguf\n")
    config = load_config(folder / "config.yaml")
    import os
    cwd = os.getcwd()
    os.chdir(folder)  # model paths are relative to the current directory
    try:
        output = install(config, tmp_path / "root")
    finally:
        os.chdir(cwd)
    assert "note: llm.model: 'm/x.gguf' is a relative path" in output


def test_paths_under_home_are_bound_read_only(project, tmp_path, monkeypatch):
    monkeypatch.setattr(service_unit, "HOME_ROOTS", (project.path.parent,))
    root = tmp_path / "root"
    output = install(project, root)
    unit = (root / "etc/systemd/system/assistant.service").read_text()
    binds = re.findall(r"(?m)^BindReadOnlyPaths=(.*)$", unit)
    assert "\nProtectHome=tmpfs\n" in unit
    assert sorted(binds) == sorted([str(project.path.parent / "model.gguf"), str(project.models_dir)])
    assert "under a home directory" in output
