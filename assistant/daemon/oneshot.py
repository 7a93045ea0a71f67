"""One spoken turn without the daemon: transcript, streamed reply, speech, timings."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from assistant.audio.format import Clip
from assistant.dialog.conversation import chat_messages
from assistant.dialog.sentences import SentenceSplitter, pieces_as_written


@dataclass(frozen=True)
class TurnTimings:
    """Seconds for each stage; stage-relative figures start when the transcript is ready."""

    stt_s: float
    """Speech-to-text on the whole question."""
    llm_first_token_s: float
    """From the transcript to the first reply token."""
    llm_s: float
    """From the transcript to the last reply token."""
    tts_first_audio_s: float
    """From the transcript to the first synthesized reply audio."""
    total_s: float
    """From the start of the turn to the end of synthesis."""


@dataclass(frozen=True)
class TurnResult:
    """What one turn heard, said and how long it took."""

    transcript: str
    """What the recognizer heard."""
    reply: str
    """What the model answered."""
    audio: Clip
    """The spoken reply."""
    timings: TurnTimings
    """Stage timings."""
    pieces: tuple[str, ...] = field(default=())
    """The reply as it was cut for speech."""


def answer_text(engines, text: str, history: list[dict] | None = None):
    """Stream the reply to ``text`` and speak each sentence as soon as it is complete.

    Returns (reply, pieces, audio chunks, first_token_at, last_token_at, first_audio_at).
    """
    messages = chat_messages(engines.settings.llm.system_prompt, history or [], text)
    splitter = SentenceSplitter(first_max_chars=engines.settings.tts.first_piece_chars)
    reply, pieces, audio = [], [], []
    first_token = last_token = first_audio = None

    def speak(piece: str) -> None:
        nonlocal first_audio
        pieces.append(piece)
        for chunk in engines.tts.stream(piece):
            first_audio = first_audio or time.monotonic()
            audio.append(chunk)

    for token, done in pieces_as_written(engines.llm.stream(messages), splitter):
        if token is not None:
            first_token = first_token or token.at
            last_token = token.at
            reply.append(token.text)
        for piece in done:
            speak(piece)
    return "".join(reply).strip(), pieces, audio, first_token, last_token, first_audio


def run_turn(engines, question: Clip, history: list[dict] | None = None) -> TurnResult:
    """Transcribe ``question`` (16 kHz), answer it and synthesize the answer."""
    start = time.monotonic()
    transcript = engines.stt.transcribe(question.samples)
    heard = time.monotonic()
    reply, pieces, audio, first_token, last_token, first_audio = answer_text(
        engines, transcript, history) if transcript else ("", [], [], None, None, None)
    end = time.monotonic()

    def since_heard(moment):
        return round((moment or end) - heard, 3)

    timings = TurnTimings(
        stt_s=round(heard - start, 3), llm_first_token_s=since_heard(first_token),
        llm_s=since_heard(last_token), tts_first_audio_s=since_heard(first_audio),
        total_s=round(end - start, 3))
    samples = np.concatenate(audio) if audio else np.zeros(0, np.float32)
    return TurnResult(transcript, reply, Clip(samples, engines.tts.rate), timings, tuple(pieces))
