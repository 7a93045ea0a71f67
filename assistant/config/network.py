"""What a configuration connects to over the network, where it listens, and the key it sends.

Every network feature is off by default: with the shipped config ``peers`` is empty and
``listen_address`` is None, and the service keeps PrivateNetwork=yes. The installer opens
the service's firewall to exactly these addresses.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

from assistant.config.settings import Settings
from assistant.core.errors import ConfigError

SCHEMES = ("tcp", "unix")
"""The Wyoming transports the assistant speaks."""
DEFAULT_WYOMING_URI = "tcp://127.0.0.1:10300"
"""Where `assistant serve` listens when neither --wyoming nor server.wyoming_uri says otherwise."""
HTTP_PORTS = {"http": 80, "https": 443}
"""The LLM server's schemes (llm.url) and their default ports."""


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


def split_url(url: str) -> tuple[str, int]:
    """(host, port) of an http:// or https:// URL (llm.url); ValueError saying what to write instead."""
    example = "write the server's address, e.g. http://192.168.1.20:8080/v1"
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ValueError(f"{url!r} is not a URL; {example}") from None
    if parts.scheme not in HTTP_PORTS or not parts.hostname:
        raise ValueError(f"{url!r} is not an http:// or https:// URL with a host; {example}")
    return parts.hostname, port or HTTP_PORTS[parts.scheme]


def peers(settings: Settings) -> list[tuple[str, int]]:
    """(host, port) of every TCP peer the configuration connects to: the Wyoming servers and
    the LLM server (llm.engine openai); empty by default."""
    found = []
    for _key, uri in client_uris(settings):
        end = split_uri(uri)
        if end.scheme == "tcp" and (end.host, end.port) not in found:
            found.append((end.host, end.port))
    llm = settings.llm
    if llm.engine == "openai" and llm.url and split_url(llm.url) not in found:
        found.append(split_url(llm.url))
    return found


def api_key(settings: Settings, base_dir: Path) -> str | None:
    """The key in llm.api_key_file (relative to ``base_dir``, the config's folder); None when
    no file is configured. Kept out of the YAML so the config can be shown or shared."""
    name = settings.llm.api_key_file
    if not name:
        return None
    path = base_dir / Path(name).expanduser()
    try:
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or "not text"
        raise ConfigError(f"llm.api_key_file: cannot read {path} ({why}); "
                          "create it with the key on one line, readable by the assistant") from None
    if not key or "\n" in key:
        raise ConfigError(f"llm.api_key_file: {path} must hold the key on one line; write just the key")
    return key


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
