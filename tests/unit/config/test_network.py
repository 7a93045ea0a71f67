"""The network a config uses: none by default; the LLM server's host and port when it has one;
its URL, required keys and API key file refused in one line (exit 78) when unusable."""

from __future__ import annotations

import pytest
from support import ROOT

from assistant.config.loader import load_config, settings_from_mapping
from assistant.config.network import api_key, peers
from assistant.core.errors import EX_CONFIG, ConfigError

SERVER = {"engine": "openai", "url": "http://192.168.1.20:8080/v1", "remote_model": "llama3.2"}


def test_the_shipped_config_has_no_peers():
    assert peers(load_config(ROOT / "config.yaml").settings) == []


@pytest.mark.parametrize("url, peer", [
    ("http://192.168.1.20:8080/v1", ("192.168.1.20", 8080)),
    ("http://gpu-box.local/v1", ("gpu-box.local", 80)),
    ("https://llm.example.org/v1", ("llm.example.org", 443)),
    ("http://[fd00::20]:11434/v1", ("fd00::20", 11434)),
])
def test_an_openai_server_is_the_one_peer(url, peer):
    assert peers(settings_from_mapping({"llm": {**SERVER, "url": url}})) == [peer]


def test_a_url_alone_opens_nothing_while_the_engine_is_local():
    assert peers(settings_from_mapping({"llm": {"url": SERVER["url"]}})) == []


@pytest.mark.parametrize("llm, key, hint", [
    ({"engine": "openai", "remote_model": "m"}, "llm.url", "required when llm.engine is openai"),
    ({"engine": "openai", "url": SERVER["url"]}, "llm.remote_model", "required when llm.engine is openai"),
    ({**SERVER, "url": "ftp://192.168.1.20/v1"}, "llm.url", "not an http:// or https:// URL"),
    ({**SERVER, "url": "192.168.1.20:8080"}, "llm.url", "not an http:// or https:// URL"),
    ({**SERVER, "url": "http://host:99999/v1"}, "llm.url", "not a usable URL"),
    ({"url": "localhost:8080"}, "llm.url", "e.g. llm.url: http://"),
    ({**SERVER, "engine": "ollama"}, "llm.engine", "choose one of llama, openai"),
    ({**SERVER, "first_token_timeout_s": 0}, "llm.first_token_timeout_s", "out of range"),
    ({**SERVER, "fallback": "no"}, "llm.fallback", "true or false"),
])
def test_a_bad_server_setting_names_its_key(llm, key, hint):
    with pytest.raises(ConfigError) as err:
        settings_from_mapping({"llm": llm})
    assert f"{key}:" in str(err.value) and hint in str(err.value) and "\n" not in str(err.value)
    assert err.value.exit_code == EX_CONFIG


def test_the_api_key_comes_from_its_file_next_to_the_config(tmp_path):
    (tmp_path / "llm.key").write_text("sk-local-123\n")
    settings = settings_from_mapping({"llm": {**SERVER, "api_key_file": "llm.key"}})
    assert api_key(settings, tmp_path) == "sk-local-123"
    assert api_key(settings_from_mapping({"llm": SERVER}), tmp_path) is None


@pytest.mark.parametrize("content, hint", [(None, "cannot read"), ("", "on one line"), ("a\nb", "on one line")])
def test_a_missing_or_unusable_key_file_is_a_config_error(tmp_path, content, hint):
    if content is not None:
        (tmp_path / "llm.key").write_text(content)
    settings = settings_from_mapping({"llm": {**SERVER, "api_key_file": "llm.key"}})
    with pytest.raises(ConfigError) as err:
        api_key(settings, tmp_path)
    message = str(err.value)
    assert message.startswith("llm.api_key_file: ") and hint in message and "\n" not in message
    assert str(tmp_path / "llm.key") in message and err.value.exit_code == EX_CONFIG
