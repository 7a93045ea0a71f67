"""`assistant serve`: the wake word, speech-to-text and voice as Wyoming services until stopped;
and the same services beside `assistant run` when server.wyoming_uri is set."""

from __future__ import annotations

import asyncio
import signal
from typing import TextIO

from assistant.app.wyoming_info import build_info
from assistant.app.wyoming_server import Services, start_server
from assistant.config.loader import Config
from assistant.config.network import is_loopback, split_uri
from assistant.core.errors import ServerError
from assistant.models.loading import Engines, load_engines, wake_factory
from assistant.net.wyoming import os_reason
from assistant.wake.factory import resolve_engine

LOCAL_WAKE_ENGINES = ("micro", "openwakeword", "vosk", "vad-whisper", "pocketsphinx")
"""Wake engines the server can offer (not none, and not another server's)."""


def services_for(config: Config, engines: Engines, new_wake=None) -> Services:
    """The services over loaded engines: speech-to-text, the voice, and the configured wake word."""
    s = config.settings
    engine = resolve_engine(s.wake, engines.stt.name) if engines.stt is not None else "none"
    phrases = ()
    if engine not in LOCAL_WAKE_ENGINES:
        engine, new_wake = None, None
    else:
        new_wake = new_wake or wake_factory(config, engines.stt)
        phrases = new_wake().phrases  # what the detector listens for (a neural model names its own)
    info = build_info(config, engines.stt, engines.tts, engine, phrases)
    return Services(info, engines.stt, engines.tts, new_wake, s.timeouts)


async def open_server(uri: str, services: Services):
    """Listen on ``uri``; ServerError (one line, what to do) when the address cannot be used."""
    try:
        return await start_server(uri, services)
    except OSError as exc:
        raise ServerError(f"Wyoming server {uri}: cannot listen ({os_reason(exc)}); "
                          "choose another port (--wyoming or server.wyoming_uri)") from None


def describe(uri: str, services: Services) -> str:
    """One line saying what is offered where."""
    info = services.info
    offered = [f"{what} ({programs[0].name})" for what, programs in
               (("speech-to-text", info.asr), ("voice", info.tts), ("wake word", info.wake)) if programs]
    end = split_uri(uri)
    warning = "" if end.scheme == "unix" or is_loopback(end.host) else \
        "; Wyoming has no authentication: anyone who can reach this address can use it"
    return f"serving {', '.join(offered)} on {uri}{warning}\n"


async def _serve(uri: str, services: Services, out: TextIO) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = await open_server(uri, services)
    out.write(describe(uri, services))
    out.flush()
    try:
        await stop.wait()
    finally:
        await server.stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def cmd_serve(config: Config, uri: str, out: TextIO) -> int:
    """Entry point of `assistant serve`: load speech-to-text, the voice and the wake word, serve."""
    engines = load_engines(config, llm=False)
    engines.tts.synthesize("Ready.")  # the first synthesis is slower: not the first client's
    services = services_for(config, engines)
    try:
        asyncio.run(_serve(uri, services, out))
    finally:
        services.close()
    return 0
