"""SIGHUP: which changed settings apply live, and which need the models or devices re-opened."""

from __future__ import annotations

import dataclasses

from assistant.config.settings import Settings

# Sections and keys that are read when models, devices or pins are opened.
RESTART_SECTIONS = {"models", "stt", "tts", "audio", "wake", "button", "leds", "debug", "server"}
RESTART_LLM_KEYS = {"model", "context", "threads", "threads_batch", "batch", "ubatch", "mmap",
                    "mlock", "kv_cache_type", "flash_attn", "context_shift", "engine", "url",
                    "remote_model", "api_key_file", "fallback"}


def changed_keys(old: Settings, new: Settings) -> list[str]:
    """Dotted keys whose values differ."""
    keys = []
    for section in dataclasses.fields(Settings):
        before, after = getattr(old, section.name), getattr(new, section.name)
        for field in dataclasses.fields(before):
            if getattr(before, field.name) != getattr(after, field.name):
                keys.append(f"{section.name}.{field.name}")
    return keys


def needs_restart(key: str) -> bool:
    """True when a change to ``key`` only takes effect on a fresh start."""
    section, _, name = key.partition(".")
    return (section in RESTART_SECTIONS or (section == "llm" and name in RESTART_LLM_KEYS)
            or key == "timeouts.connect_s")
