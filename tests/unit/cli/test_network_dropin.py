"""The network drop-in: nothing by default; with a network feature configured, exactly the
families and addresses it needs, the unit's IPAddressDeny=any kept, exposure still <= 2.0."""

from __future__ import annotations

import io

import pytest
from support import ROOT
from support.systemd import MAX_EXPOSURE, keys, needs_analyze, rendered, security, verify

from assistant.cli import install_service
from assistant.cli.install_service import cmd_install_service
from assistant.cli.network_dropin import DROPIN_PATH, PRIVATE_NETWORKS, network_dropin
from assistant.cli.service_unit import InstallError
from assistant.config.loader import Config, settings_from_mapping
from assistant.config.network import peers

LAN_SERVER = "tcp://192.168.1.20:10300"
EVERYTHING = {"stt": {"engine": "wyoming", "wyoming_uri": LAN_SERVER},
              "tts": {"engine": "wyoming", "wyoming_uri": "tcp://[fd00::20]:10200"},
              "wake": {"engine": "wyoming", "wyoming_uri": "tcp://127.0.0.1:10400"},
              "server": {"wyoming_uri": "tcp://0.0.0.0:10300"}}


def dropin(**sections) -> dict[str, list[str]]:
    text = network_dropin(settings_from_mapping(sections))
    return keys(text) if text is not None else {}


def test_the_default_config_opens_nothing():
    assert network_dropin(settings_from_mapping({})) is None
    assert peers(settings_from_mapping({})) == []
    # A URI for an engine that is not set to wyoming is not a peer either.
    assert network_dropin(settings_from_mapping({"stt": {"wyoming_uri": LAN_SERVER}})) is None


def test_clients_open_only_their_servers():
    k = dropin(stt={"engine": "wyoming", "wyoming_uri": LAN_SERVER},
               tts={"engine": "wyoming", "wyoming_uri": LAN_SERVER})
    assert k == {"PrivateNetwork": ["no"], "RestrictAddressFamilies": ["AF_UNIX AF_INET"],
                 "IPAddressAllow": ["192.168.1.20"]}


def test_an_llm_server_opens_only_its_address():
    llm = {"engine": "openai", "url": "http://192.168.1.30:11434/v1", "remote_model": "llama3.2:3b"}
    assert dropin(llm=llm) == {"PrivateNetwork": ["no"], "RestrictAddressFamilies": ["AF_UNIX AF_INET"],
                               "IPAddressAllow": ["192.168.1.30"]}
    assert dropin(llm={**llm, "engine": "llama"}) == {}  # a url alone connects to nothing
    with pytest.raises(InstallError, match="'gpu-box.local' is a host name"):
        dropin(llm={**llm, "url": "http://gpu-box.local:11434/v1"})


def test_a_loopback_server_lets_in_only_this_machine():
    k = dropin(server={"wyoming_uri": "tcp://127.0.0.1:10300"})
    assert k["IPAddressAllow"] == ["localhost"] and k["RestrictAddressFamilies"] == ["AF_UNIX AF_INET"]


def test_a_server_on_every_address_lets_in_the_lan_or_whom_the_config_names():
    assert dropin(server={"wyoming_uri": "tcp://0.0.0.0:10300"})["IPAddressAllow"] == \
        [" ".join(PRIVATE_NETWORKS) + " localhost"]
    k = dropin(server={"wyoming_uri": "tcp://0.0.0.0:10300", "allow": ["192.168.1.5", "10.1.0.0/16"]})
    assert k["IPAddressAllow"] == ["192.168.1.5 10.1.0.0/16 localhost"]


def test_families_follow_the_addresses():
    k = dropin(**EVERYTHING)
    assert k["RestrictAddressFamilies"] == ["AF_UNIX AF_INET AF_INET6"]
    assert k["IPAddressAllow"][0].startswith("192.168.1.20 fd00::20 127.0.0.1 10.0.0.0/8")


def test_unix_sockets_need_no_network():
    assert dropin(stt={"engine": "wyoming", "wyoming_uri": "unix:///run/wyoming/stt.sock"},
                  server={"wyoming_uri": "unix:///run/assistant/wyoming.sock"}) == {}


def test_a_host_name_is_refused_with_what_to_write():
    with pytest.raises(InstallError, match="'ha.local' is a host name; .* write the server's IP address"):
        network_dropin(settings_from_mapping({"stt": {"engine": "wyoming", "wyoming_uri": "tcp://ha.local:10300"}}))


@needs_analyze
def test_the_drop_in_verifies_and_keeps_the_exposure_at_most_2(tmp_path):
    text = network_dropin(settings_from_mapping(EVERYTHING))
    path = rendered(tmp_path, dropins={"network.conf": text})
    assert verify(path) == []
    level, report = security(path)
    print(f"systemd-analyze security exposure with the network drop-in: {level}")
    assert level <= MAX_EXPOSURE
    assert "Service defines IP address allow list" in report  # IPAddressDeny=any still applies
    assert "Service cannot allocate packet sockets" in report and "netlink" in report


@pytest.fixture
def no_commands(monkeypatch):
    monkeypatch.setattr(install_service.subprocess, "run",
                        lambda *a, **k: (_ for _ in ()).throw(AssertionError(f"ran {a}")))


def install(sections: dict, root, dry_run=False) -> str:
    config = Config(settings_from_mapping(sections), path=ROOT / "config.yaml")
    out = io.StringIO()
    assert cmd_install_service(config, root, dry_run, out) == 0
    return out.getvalue()


def test_install_writes_the_drop_in_and_removes_it_when_no_longer_needed(tmp_path, no_commands):
    root = tmp_path / "root"
    shown = install({"server": {"wyoming_uri": "tcp://127.0.0.1:10300"}}, root, dry_run=True)
    assert "IPAddressAllow=localhost" in shown and not (root / DROPIN_PATH).exists()
    output = install({"server": {"wyoming_uri": "tcp://127.0.0.1:10300"}}, root)
    assert f"wrote {root / DROPIN_PATH}" in output
    assert keys((root / DROPIN_PATH).read_text())["IPAddressAllow"] == ["localhost"]
    output = install({}, root)
    assert f"removed {root / DROPIN_PATH}" in output and not (root / DROPIN_PATH).exists()
    assert "network.conf" not in install({}, root)
