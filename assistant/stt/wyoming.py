"""Speech-to-text on a Wyoming server (stt.engine: wyoming), e.g. wyoming-faster-whisper
or another assistant's `assistant serve`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from wyoming.asr import Transcribe
from wyoming.asr import Transcript as WyomingTranscript

from assistant.audio.format import ENGINE_RATE
from assistant.core.errors import ConfigError, SttError
from assistant.net.wyoming import Connection, WyomingRemote, audio_events
from assistant.stt.base import Transcript


class WyomingSpeechToText:
    """Sends each stretch of audio to the server (transcribe, audio-start/chunks/stop) and
    returns its transcript. The server is asked what it offers once, when this is made."""

    name = "wyoming"

    def __init__(self, uri: str, language: str, connect_s: float, read_s: float, loop=None) -> None:
        self.remote = WyomingRemote(uri, "stt.wyoming_uri", SttError, connect_s, read_s, loop)
        self.language = language
        self.model_path = Path(uri.partition("://")[2])
        """The server's address (there is no local model)."""
        models = [m.name for program in self.remote.describe().asr for m in program.models]
        if not models:
            raise ConfigError(f"{self.remote.where}: the server offers no speech-to-text; "
                              "point stt.wyoming_uri at one that does")
        self.models = tuple(models)
        """The server's speech models, as it names them."""

    def transcribe(self, samples: np.ndarray) -> str:
        """The words of 16 kHz float32 mono audio; '' when it holds no speech."""
        return self.transcript(samples, closing=False).text

    def transcript(self, samples: np.ndarray, closing: bool = True) -> Transcript:
        """The server's transcript (it gives no confidence for the closing mark)."""
        async def ask(conn: Connection) -> str:
            await conn.send(Transcribe(language=self.language).event(), *audio_events(samples, ENGINE_RATE))
            return WyomingTranscript.from_event(await conn.receive(WyomingTranscript)).text

        return Transcript((self.remote.request(ask) or "").strip())
