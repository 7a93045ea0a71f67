"""The network a configuration uses: the servers it connects to, and the key it sends.

The default configuration uses none. A network feature is opt-in, and it connects only to
the hosts configured here: ``peers`` lists them, so that a service manager can open the
network to exactly those (the systemd unit keeps PrivateNetwork=yes otherwise).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from assistant.config.settings import Settings
from assistant.core.errors import ConfigError

DEFAULT_PORTS = {"http": 80, "https": 443}


def http_peer(url: str, key: str) -> tuple[str, int]:
    """(host, port) of an http:// or https:// URL; ConfigError naming ``key`` otherwise."""
    example = f"give the server's address, e.g. {key}: http://192.168.1.20:8080/v1"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"{key}: {url!r} is not a usable URL ({exc}); {example}") from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ConfigError(f"{key}: {url!r} is not an http:// or https:// URL with a host; {example}")
    return parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def peers(settings: Settings) -> list[tuple[str, int]]:
    """(host, port) of every server this configuration connects to; [] for an offline one."""
    found = []
    if settings.llm.engine == "openai" and settings.llm.url:
        found.append(http_peer(settings.llm.url, "llm.url"))
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
