"""The systemd drop-in that opens the service's network to exactly what the config uses.

The unit has no network (PrivateNetwork=yes, IPAddressDeny=any, AF_UNIX only). When a
network feature is configured (a Wyoming server, or engines on another machine), the
installer writes assistant.service.d/network.conf: the host's network, only the address
families in use, and IPAddressAllow= only the configured peers, plus the clients allowed
to reach the Wyoming server. IPAddressDeny=any stays: every other address is blocked.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Optional

from assistant.cli.service_unit import InstallError
from assistant.config.network import is_loopback, listen_address, peers
from assistant.config.settings import Settings

DROPIN_PATH = Path("etc/systemd/system/assistant.service.d/network.conf")
PRIVATE_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10")
"""Who may reach a Wyoming server listening beyond loopback when server.allow is empty: the LAN."""
ANY = {"0.0.0.0": ("AF_INET",), "::": ("AF_INET", "AF_INET6")}
"""Wildcard listen addresses and the families they take connections on."""


def _family(host: str) -> tuple[str, ...]:
    if host == "localhost" or host in ANY:
        return ANY.get(host, ("AF_INET", "AF_INET6"))
    return ("AF_INET6",) if ipaddress.ip_address(host).version == 6 else ("AF_INET",)


def _peer_address(host: str) -> str:
    if host == "localhost":
        return "localhost"
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        raise InstallError(f"{host!r} is a host name; the service's firewall (IPAddressAllow=) needs IP "
                           "addresses: write the server's IP address in the config's URI or URL") from None


def _server_clients(settings: Settings, host: str) -> list[str]:
    if is_loopback(host):
        return ["localhost"]
    allowed = list(settings.server.allow or PRIVATE_NETWORKS)
    return allowed + ["localhost"]


def network_dropin(settings: Settings) -> Optional[str]:
    """The drop-in's text; None when nothing uses the network (the unit's hardening is whole)."""
    targets = peers(settings)
    listening = listen_address(settings)
    if not targets and listening is None:
        return None
    families, allow, why = ["AF_UNIX"], [], []
    for host, port in targets:
        allow.append(_peer_address(host))
        families += _family(host)
        why.append(f"connects to {host}:{port}")
    if listening is not None:
        host, port = listening
        families += _family(host)
        allow += _server_clients(settings, host)
        why.append(f"serves Wyoming on {host}:{port} (no authentication)")
    return ("# Written by `assistant install-service` from the config: the assistant "
            f"{'; '.join(why)}.\n"
            "# The unit's IPAddressDeny=any still blocks every address not allowed here.\n"
            "[Service]\n"
            "PrivateNetwork=no\n"
            f"RestrictAddressFamilies={' '.join(dict.fromkeys(families))}\n"
            f"IPAddressAllow={' '.join(dict.fromkeys(allow))}\n")
