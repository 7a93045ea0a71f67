"""`run` with server.wyoming_uri: the daemon serves Wyoming on its own loop, over its own engines."""

from __future__ import annotations

import asyncio

from support import ROOT
from support.wyoming import describe, loopback_uri
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient

from assistant.app.serve import services_for
from assistant.config.loader import Config, settings_from_mapping
from assistant.llm.fake import FakeLanguageModel
from assistant.models.loading import Engines
from assistant.stt.fake import FakeSpeechToText
from assistant.tts.fake import FakeTextToSpeech
from assistant_tools.driver import DaemonDriver


def test_the_daemon_serves_its_engines_while_it_runs(tmp_path):
    uri = loopback_uri()
    config = Config(settings_from_mapping({"server": {"wyoming_uri": uri}, "wake": {"engine": "pocketsphinx"}}),
                    path=ROOT / "config.yaml")
    s = config.settings
    engines = Engines(s, stt=FakeSpeechToText(text="lights on"), llm=FakeLanguageModel(settings=s.llm),
                      tts=FakeTextToSpeech(rate=16000))
    services = services_for(config, engines)
    driver = DaemonDriver(config, engines, tmp_path / "speaker.wav", wyoming=(uri, services))

    async def ask() -> str:
        async with AsyncClient.from_uri(uri, connect_timeout=2, read_timeout=5) as client:
            for event in (Transcribe().event(), AudioStart(rate=16000, width=2, channels=1).event(),
                          AudioChunk(rate=16000, width=2, channels=1, audio=b"\xff\x3f" * 8000).event(),
                          AudioStop().event()):
                await client.write_event(event)
            while not Transcript.is_type((event := await client.read_event()).type):
                pass
            return Transcript.from_event(event).text

    async def main():
        await driver.start()
        info = await describe(uri)
        text = await ask()
        code = await driver.stop()
        try:
            await describe(uri, 1.0)
            raise AssertionError("still serving after the daemon stopped")
        except OSError:
            pass
        return info, text, code

    try:
        info, text, code = asyncio.run(main())
    finally:
        services.close()
    assert code == 0 and text == "lights on"
    assert info.wake[0].name == "assistant-pocketsphinx" and info.tts[0].name == "assistant-fake"
    assert engines.stt.calls == [8000]  # the daemon's own recognizer answered
