"""Load config.yaml into frozen Settings; the single place where config is validated."""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import typing
from pathlib import Path
from typing import Any, Mapping

from assistant.config.network import client_uris, split_uri, split_url
from assistant.config.pins import check_pin_conflicts
from assistant.config.settings import LlmSettings, Settings
from assistant.config.yaml_file import read_yaml
from assistant.core.errors import ConfigError
from assistant.core.paths import DEFAULT_CONFIG


@dataclasses.dataclass(frozen=True)
class Config:
    """Validated settings plus where they came from."""

    settings: Settings
    """The validated values."""
    path: Path | None
    """The file they were read from, or None for built-in defaults."""

    @property
    def base_dir(self) -> Path:
        """Folder that relative paths in the config are taken from."""
        return self.path.parent if self.path else DEFAULT_CONFIG.parent

    @property
    def models_dir(self) -> Path:
        """Absolute folder for downloaded models."""
        return (self.base_dir / self.settings.models.dir).resolve()


def load_config(path: Path | str | None = None) -> Config:
    """Read and validate a config file; raise ConfigError naming the bad key."""
    if path is None:
        path = DEFAULT_CONFIG
    path = Path(path)
    data = read_yaml(path, ConfigError, "config file", "check the file", "pass an existing file to --config")
    return Config(settings=settings_from_mapping(data or {}, source=str(path)), path=path.resolve())


def settings_from_mapping(data: Any, source: str = "config") -> Settings:
    """Build Settings from a parsed mapping, rejecting unknown keys, wrong types and bad ranges."""
    try:
        settings = _build(Settings, data, "")
        check_pin_conflicts(settings)
        _check_network(settings)
        return settings
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def _build(cls: type, data: Any, prefix: str):
    if not isinstance(data, Mapping):
        where = prefix.rstrip(".") or "top level"
        raise ConfigError(f"{where}: expected a mapping of keys, got {_show(data)}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [k for k in data if k not in fields]
    if unknown:
        allowed = ", ".join(sorted(fields))
        raise ConfigError(f"{prefix}{unknown[0]}: unknown key; allowed here: {allowed}")
    missing = [f.name for f in fields.values()
               if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING and f.name not in data]
    if missing:
        raise ConfigError(f"{prefix}{missing[0]}: missing; this key is required here")
    values = {}
    for name, value in data.items():
        values[name] = _convert(hints[name], value, f"{prefix}{name}", fields[name].metadata)
    return cls(**values)


def _convert(hint: Any, value: Any, key: str, meta: Mapping[str, Any]):
    if dataclasses.is_dataclass(hint):
        return _build(hint, value if value is not None else {}, key + ".")
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union and type(None) in args:
        if value is None or value == "":
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(inner, value, key, meta)
    if origin is tuple:
        items = value if isinstance(value, (list, tuple)) else None
        if items is None:
            raise ConfigError(f"{key}: expected a list, got {_show(value)}")
        inner = args[0]
        converted = tuple(_convert(inner, v, f"{key}[{i}]", {}) for i, v in enumerate(items))
        if len(args) == 2 and args[1] is Ellipsis or len(args) == len(converted):
            return _check_range(converted, key, meta)
        raise ConfigError(f"{key}: expected a list of {len(args)} values, got {len(converted)}")
    return _check_range(_scalar(hint, value, key), key, meta)


def _scalar(hint: Any, value: Any, key: str):
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{key}: expected true or false, got {_show(value)}")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{key}: expected a whole number, got {_show(value)}")
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{key}: expected a number, got {_show(value)}")
    if hint is str:
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)
        raise ConfigError(f"{key}: expected text, got {_show(value)}")
    raise ConfigError(f"{key}: unsupported setting type {hint!r}")


def _check_range(value: Any, key: str, meta: Mapping[str, Any]):
    choices, lo, hi = meta.get("choices"), meta.get("lo"), meta.get("hi")
    items = value if isinstance(value, tuple) else (value,)
    for item in items:
        if meta.get("uri"):
            try:
                split_uri(item)
            except ValueError as exc:
                raise ConfigError(f"{key}: {exc}") from None
        if choices is not None and item not in choices:
            raise ConfigError(f"{key}: {_show(item)} is not allowed; choose one of {', '.join(map(str, choices))}")
        if isinstance(item, float) and not math.isfinite(item):  # .nan passes every comparison
            raise ConfigError(f"{key}: {item} is not a usable number; give a finite value")
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            if (lo is not None and item < lo) or (hi is not None and item > hi):
                raise ConfigError(f"{key}: {item} is out of range; allowed {lo} to {hi}")
    return value


def _check_network(settings: Settings) -> None:
    """An engine set to wyoming needs its server's URI; server.allow holds addresses or networks."""
    s = settings
    named = dict(client_uris(s))
    for section in ("stt", "tts", "wake"):
        if getattr(s, section).engine == "wyoming" and f"{section}.wyoming_uri" not in named:
            raise ConfigError(f"{section}.engine: wyoming needs {section}.wyoming_uri, "
                              "e.g. tcp://192.168.1.20:10300")
    for i, item in enumerate(s.server.allow):
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ConfigError(f"server.allow[{i}]: {item!r} is not an IP address or network; "
                              "write e.g. 192.168.1.20 or 192.168.1.0/24") from None
    _check_llm_server(s.llm)


def _check_llm_server(llm: LlmSettings) -> None:
    """engine openai needs a server's http(s) URL and the model to ask it for."""
    if llm.url is not None:
        try:
            split_url(llm.url)
        except ValueError as exc:
            raise ConfigError(f"llm.url: {exc}") from None
    if llm.engine != "openai":
        return
    for key, example in (("url", "http://192.168.1.20:8080/v1"), ("remote_model", "llama3.2")):
        if not getattr(llm, key):
            raise ConfigError(f"llm.{key}: required when llm.engine is openai; set it, e.g. llm.{key}: {example}")


def _show(value: Any) -> str:
    text = repr(value)
    kind = type(value).__name__
    return f"{text[:40]} ({kind})"
