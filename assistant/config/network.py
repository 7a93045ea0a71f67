"""What a configuration connects to over the network, and where it listens.

Every network feature is off by default: with the shipped config ``peers`` is empty and
``listen_address`` is None, and the service keeps PrivateNetwork=yes. The installer opens
the service's firewall to exactly these addresses.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit

from assistant.config.settings import Settings

SCHEMES = ("tcp", "unix")
"""The Wyoming transports the assistant speaks."""
DEFAULT_WYOMING_URI = "tcp://127.0.0.1:10300"
"""Where `assistant serve` listens when neither --wyoming nor server.wyoming_uri says otherwise."""


@dataclass(frozen=True)
class Endpoint:
    """A parsed Wyoming URI."""

    scheme: str
    """tcp or unix."""
    host: str = ""
    """Host name or IP address (tcp)."""
    port: int = 0
    """TCP port (tcp)."""
    path: str = ""
    """Socket file (unix)."""


def split_uri(uri: str) -> Endpoint:
    """tcp://HOST:PORT or unix://PATH; ValueError saying what to write instead."""
    try:
        parts = urlsplit(uri.strip())
        port = parts.port
    except ValueError:
        raise ValueError(f"{uri!r} is not a URI; write tcp://HOST:PORT or unix://PATH") from None
    if parts.scheme == "unix":
        path = parts.netloc + parts.path
        if not path:
            raise ValueError(f"{uri!r} names no socket file; write unix:///run/wyoming.sock")
        return Endpoint("unix", path=path)
    if parts.scheme != "tcp":
        raise ValueError(f"{uri!r}: use tcp://HOST:PORT or unix://PATH")
    if not parts.hostname or port is None or port == 0 or parts.path not in ("", "/"):
        raise ValueError(f"{uri!r} needs a host and a port, e.g. tcp://127.0.0.1:10300")
    return Endpoint("tcp", host=parts.hostname, port=port)


def client_uris(settings: Settings) -> list[tuple[str, str]]:
    """(config key, URI) of every Wyoming server the configured engines connect to."""
    s = settings
    found = [("stt.wyoming_uri", s.stt.wyoming_uri if s.stt.engine == "wyoming" else None),
             ("tts.wyoming_uri", s.tts.wyoming_uri if s.tts.engine == "wyoming" else None),
             ("wake.wyoming_uri", s.wake.wyoming_uri if s.wake.engine == "wyoming" else None)]
    return [(key, uri) for key, uri in found if uri]


def peers(settings: Settings) -> list[tuple[str, int]]:
    """(host, port) of every TCP peer the configuration connects to; empty by default."""
    found = []
    for _key, uri in client_uris(settings):
        end = split_uri(uri)
        if end.scheme == "tcp" and (end.host, end.port) not in found:
            found.append((end.host, end.port))
    return found


def listen_address(settings: Settings) -> Optional[tuple[str, int]]:
    """(host, port) the Wyoming server listens on over TCP; None when it is off or on a unix socket."""
    if not settings.server.wyoming_uri:
        return None
    end = split_uri(settings.server.wyoming_uri)
    return (end.host, end.port) if end.scheme == "tcp" else None


def is_loopback(host: str) -> bool:
    """True for localhost and 127.0.0.0/8 or ::1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
