"""Config validation: every bad value is one line naming the key, and exit status 78."""

from __future__ import annotations

import subprocess
import textwrap

import pytest
from support import ASSISTANT, ROOT

from assistant.config.loader import load_config, settings_from_mapping
from assistant.config.settings import Settings
from assistant.core.errors import ConfigError


def test_shipped_config_equals_defaults():
    # config.yaml documents every default; it must not drift from the dataclasses.
    assert load_config(ROOT / "config.yaml").settings == Settings()


@pytest.mark.parametrize("data, key, hint", [
    ({"llm": {"max_tokns": 5}}, "llm.max_tokns", "unknown key"),
    ({"bogus": 1}, "bogus", "unknown key"),
    ({"llm": {"max_tokens": "many"}}, "llm.max_tokens", "whole number"),
    ({"llm": {"max_tokens": 0}}, "llm.max_tokens", "out of range"),
    ({"llm": {"temperature": 5}}, "llm.temperature", "out of range"),
    ({"llm": {"mmap": "yes"}}, "llm.mmap", "true or false"),
    ({"stt": {"engine": "kaldi"}}, "stt.engine", "choose one of"),
    ({"llm": {"kv_cache_type": "q2"}}, "llm.kv_cache_type", "choose one of"),
    ({"llm": 3}, "llm", "mapping"),
    ({"audio": {"block_ms": 1.5}}, "audio.block_ms", "whole number"),
])
def test_bad_values_name_the_key(data, key, hint):
    with pytest.raises(ConfigError) as err:
        settings_from_mapping(data)
    message = str(err.value)
    assert f"{key}:" in message and hint in message
    assert "\n" not in message


def test_values_are_converted_and_frozen():
    s = settings_from_mapping({"llm": {"temperature": 1, "model": "x.gguf"}, "audio": {"input_device": 2}})
    assert s.llm.temperature == 1.0 and isinstance(s.llm.temperature, float)
    assert s.audio.input_device == "2"
    with pytest.raises(Exception):
        s.llm.temperature = 0.5  # frozen


def test_empty_file_means_defaults(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("# nothing\n")
    assert load_config(path).settings == Settings()


def test_relative_models_dir_is_taken_from_config_folder(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("models:\n  dir: mine\n")
    assert load_config(path).models_dir == (tmp_path / "mine").resolve()


def test_yaml_syntax_error_names_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("llm:\n  model: [unclosed\n")
    with pytest.raises(ConfigError, match=r"c.yaml: invalid YAML at line \d"):
        load_config(path)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.yaml")


def test_cli_exits_78_with_one_line_and_keeps_file(tmp_path):
    path = tmp_path / "bad.yaml"
    text = textwrap.dedent("""\
        llm:
          max_tokens: -3
        """)
    path.write_text(text)
    proc = subprocess.run(ASSISTANT + ["--config", str(path), "chat", "hi"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 78
    assert proc.stderr.strip().count("\n") == 0
    assert "llm.max_tokens" in proc.stderr and "Traceback" not in proc.stderr
    assert path.read_text() == text
