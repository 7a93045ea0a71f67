"""The one-shot speech commands: transcribe, chat, say, ask."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from assistant.audio.devices import play_clip
from assistant.audio.format import Clip, read_wav, write_wav
from assistant.config.loader import Config
from assistant.core.errors import AudioDeviceError, InputError
from assistant.daemon.oneshot import run_turn
from assistant.dialog.conversation import chat_messages
from assistant.models.loading import load_engines

FALLBACK_REPLY_WAV = Path("reply.wav")
MAX_INPUT_S = 300.0
"""Longest WAV `transcribe` and `ask` accept: refused from the header, so a huge file cannot
exhaust memory; whisper takes about a tenth of real time here (much longer on a Pi)."""


def deliver_audio(clip: Clip, out_path: str | None, config: Config, err: TextIO) -> str:
    """Write the clip to ``out_path``, or play it; with no speaker, write reply.wav and say so."""
    if out_path:
        write_wav(out_path, clip)
        return f"wrote {out_path} ({clip.seconds:.1f} s)"
    try:
        device = play_clip(clip, config.settings.audio.output_device)
        return f"played {clip.seconds:.1f} s on {device.name}"
    except AudioDeviceError as exc:
        write_wav(FALLBACK_REPLY_WAV, clip)
        err.write(f"assistant: no speaker ({exc}); wrote {FALLBACK_REPLY_WAV} instead\n")
        return f"wrote {FALLBACK_REPLY_WAV} ({clip.seconds:.1f} s)"


def cmd_transcribe(config: Config, wav: str, as_json: bool, out: TextIO) -> int:
    """Print what is said in a WAV file."""
    clip = read_wav(wav, max_seconds=MAX_INPUT_S)
    engines = load_engines(config, llm=False, tts=False)
    text = engines.stt.transcribe(clip.samples)
    if not text:
        raise InputError(f"{wav}: no speech was recognized in the recording")
    if as_json:
        out.write(json.dumps({"transcript": text, "engine": engines.stt.name,
                              "seconds": round(clip.seconds, 3)}) + "\n")
    else:
        out.write(text + "\n")
    return 0


def cmd_chat(config: Config, text: str, out: TextIO) -> int:
    """Stream the model's reply to ``text``."""
    if not text.strip():
        raise InputError("chat: the question is empty; pass some text in quotes")
    engines = load_engines(config, stt=False, tts=False)
    messages = chat_messages(config.settings.llm.system_prompt, [], text)
    for token in engines.llm.stream(messages):
        out.write(token.text)
        out.flush()
    out.write("\n")
    return 0


def cmd_say(config: Config, text: str, out_path: str | None, out: TextIO) -> int:
    """Speak ``text`` to the speaker or into a WAV file."""
    if not text.strip():
        raise InputError("say: the text is empty; pass some text in quotes")
    engines = load_engines(config, stt=False, llm=False)
    out.write(deliver_audio(engines.tts.synthesize(text), out_path, config, sys.stderr) + "\n")
    return 0


def cmd_ask(config: Config, wav: str, out_path: str | None, as_json: bool, out: TextIO) -> int:
    """One full turn: a spoken question in, a spoken answer out."""
    question = read_wav(wav, max_seconds=MAX_INPUT_S)
    engines = load_engines(config)
    result = run_turn(engines, question)
    if not result.transcript:
        raise InputError(f"{wav}: no speech was recognized in the recording")
    delivered = deliver_audio(result.audio, out_path, config, sys.stderr)
    if as_json:
        payload = {"transcript": result.transcript, "reply": result.reply,
                   "timings": vars(result.timings), "audio": delivered}
        out.write(json.dumps(payload) + "\n")
    else:
        out.write(f"you said: {result.transcript}\nreply: {result.reply}\n{delivered}\n")
    return 0
