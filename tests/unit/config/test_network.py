"""Network settings: Wyoming URIs, what each engine needs, the peers and the listen address."""

from __future__ import annotations

import pytest

from assistant.config.loader import settings_from_mapping
from assistant.config.network import Endpoint, listen_address, peers, split_uri
from assistant.config.reload import needs_restart
from assistant.core.errors import ConfigError


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
