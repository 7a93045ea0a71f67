"""Network settings: Wyoming URIs, the LLM server's URL, what each engine needs, the peers, the
listen address, and the API key file (refused in one line, exit 78, when unusable)."""

from __future__ import annotations

import pytest
from support import ROOT

from assistant.config.loader import load_config, settings_from_mapping
from assistant.config.network import Endpoint, api_key, listen_address, peers, split_uri
from assistant.config.reload import needs_restart
from assistant.core.errors import EX_CONFIG, ConfigError

SERVER = {"engine": "openai", "url": "http://192.168.1.20:8080/v1", "remote_model": "llama3.2"}


@pytest.mark.parametrize("uri, endpoint", [
    ("tcp://127.0.0.1:10300", Endpoint("tcp", "127.0.0.1", 10300)),
    ("tcp://[::1]:10300", Endpoint("tcp", "::1", 10300)),
    ("tcp://homeassistant.local:10300/", Endpoint("tcp", "homeassistant.local", 10300)),
    ("unix:///run/wyoming.sock", Endpoint("unix", path="/run/wyoming.sock")),
])
def test_uris_are_parsed(uri, endpoint):
    assert split_uri(uri) == endpoint


@pytest.mark.parametrize("section, value, message", [
    ("stt", {"wyoming_uri": "http://x:1"}, "stt.wyoming_uri: 'http://x:1': use tcp://HOST:PORT or unix://PATH"),
    ("tts", {"wyoming_uri": "tcp://x"}, "tts.wyoming_uri: 'tcp://x' needs a host and a port"),
    ("wake", {"wyoming_uri": "tcp://x:99999"}, "wake.wyoming_uri: 'tcp://x:99999' is not a URI"),
    ("server", {"wyoming_uri": "unix://"}, "server.wyoming_uri: 'unix://' names no socket file"),
    ("stt", {"engine": "wyoming"}, "stt.engine: wyoming needs stt.wyoming_uri, e.g. tcp://"),
    ("wake", {"engine": "wyoming"}, "wake.engine: wyoming needs wake.wyoming_uri"),
    ("server", {"allow": ["everyone"]}, "server.allow[0]: 'everyone' is not an IP address or network"),
])
def test_bad_network_settings_name_the_key_and_what_to_write(section, value, message):
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping({section: value})
    assert str(caught.value).startswith(f"config: {message}")


def test_peers_are_the_servers_of_engines_set_to_wyoming():
    s = settings_from_mapping({"stt": {"engine": "wyoming", "wyoming_uri": "tcp://192.168.1.20:10300"},
                               "tts": {"engine": "wyoming", "wyoming_uri": "tcp://192.168.1.20:10300"},
                               "wake": {"wyoming_uri": "tcp://192.168.1.30:10400"},  # engine auto: unused
                               "server": {"wyoming_uri": "tcp://0.0.0.0:10300"}})
    assert peers(s) == [("192.168.1.20", 10300)]
    assert listen_address(s) == ("0.0.0.0", 10300)
    assert listen_address(settings_from_mapping({})) is None


def test_network_changes_need_a_restart():
    assert needs_restart("server.wyoming_uri") and needs_restart("timeouts.connect_s")
    assert needs_restart("stt.wyoming_uri") and not needs_restart("timeouts.stt_s")


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


def test_the_llm_server_joins_the_wyoming_peers_once():
    s = settings_from_mapping({"stt": {"engine": "wyoming", "wyoming_uri": "tcp://192.168.1.20:10300"},
                               "llm": SERVER})
    assert peers(s) == [("192.168.1.20", 10300), ("192.168.1.20", 8080)]
    assert needs_restart("llm.url") and needs_restart("llm.engine") and not needs_restart("llm.token_timeout_s")


@pytest.mark.parametrize("llm, key, hint", [
    ({"engine": "openai", "remote_model": "m"}, "llm.url", "required when llm.engine is openai"),
    ({"engine": "openai", "url": SERVER["url"]}, "llm.remote_model", "required when llm.engine is openai"),
    ({**SERVER, "url": "ftp://192.168.1.20/v1"}, "llm.url", "not an http:// or https:// URL"),
    ({**SERVER, "url": "192.168.1.20:8080"}, "llm.url", "not an http:// or https:// URL"),
    ({**SERVER, "url": "http://host:99999/v1"}, "llm.url", "is not a URL"),
    ({"url": "localhost:8080"}, "llm.url", "e.g. http://192.168.1.20:8080/v1"),
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
