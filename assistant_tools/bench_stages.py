"""Stage costs measured in isolation, and the naive pipeline, for `assistant bench`."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from assistant.audio.format import Clip, first_audible_index, to_int16, trim_leading_silence
from assistant.daemon.responder import SpokenReply
from assistant.dialog.conversation import chat_messages
from assistant.dialog.sentences import SentenceSplitter, pieces_as_written


@dataclass(frozen=True)
class StageCosts:
    """One question's stages, each timed on its own."""

    stt_final_s: float
    """Recognizer finalisation: whisper's whole pass, or vosk's final result after streaming."""
    stt_rtf: float
    """Whole-question recognition time over question duration."""
    llm_first_sentence_s: float
    """Prompt to the first complete sentence (or clause) of the reply."""
    tts_first_chunk_s: float
    """Piper's time to the first audio of that sentence."""
    tts_rtf: float
    """Synthesis time over audio duration for the whole reply."""
    naive_ttfa_s: float
    """Silence, whole transcript, whole reply, whole synthesis, up to the first audible sample."""

    def floor_s(self, silence_s: float) -> float:
        """The unavoidable part of time-to-first-audio."""
        return silence_s + self.stt_final_s + self.llm_first_sentence_s + self.tts_first_chunk_s


def _timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def stt_finalisation(stt, audio: np.ndarray) -> tuple[str, float]:
    """(transcript, seconds the recognizer needs once the audio is complete)."""
    if stt.name != "vosk":
        return _timed(stt.transcribe, audio)
    import json

    rec = stt.recognizer()
    rec.AcceptWaveform(to_int16(audio).tobytes())  # streamed while the user spoke
    result, seconds = _timed(rec.FinalResult)
    return json.loads(result).get("text", ""), seconds


def first_audible(samples: np.ndarray, rate: int) -> float:
    """Seconds of leading silence in synthesized speech."""
    first = first_audible_index(samples)
    return first / rate if first is not None else 0.0


def llm_first_sentence(llm, messages, first_piece_chars: int) -> tuple[str, float, list[float]]:
    """(first piece, seconds to it, token arrival times), streaming the whole reply."""
    start = time.perf_counter()
    splitter, first, first_at, times = SentenceSplitter(first_max_chars=first_piece_chars), None, None, []
    for token, pieces in pieces_as_written(llm.stream(messages), splitter):
        if token is not None:
            times.append(token.at)
        if first is None and (pieces or token is None):
            first, first_at = (pieces[0] if pieces else ""), time.perf_counter() - start
    return first, first_at, times


def raw_token_times(llm, system_prompt: str, questions: list[str]) -> list[list[float]]:
    """When each token of llama-cpp-python's own streaming call arrived, for each question's prompt."""
    # On the model's thread, like the daemon's tokens.
    return [llm.call(_raw_token_times, llm, chat_messages(system_prompt, [], text)) for text in questions]


def raw_figures(runs: list[list[float]]) -> tuple[list[float], list[float]]:
    """(tokens/s, median ms per token) of each raw run long enough to time."""
    replies = [SpokenReply(token_times=list(times), token_pauses=[0.0] * len(times)) for times in runs]
    timed = [reply for reply in replies if reply.tokens_per_s()]  # no pauses: nothing synthesized
    return [reply.tokens_per_s() for reply in timed], [reply.token_ms() for reply in timed]


def _raw_token_times(llm, messages) -> list[float]:
    times = []
    for chunk in llm.completion_chunks(messages):
        if chunk["choices"][0]["delta"].get("content"):
            times.append(time.monotonic())
    return times


def measure_stages(engines, question: Clip, settings) -> StageCosts:
    """Every isolated stage cost for one spoken question (16 kHz, speech only)."""
    silence_s = settings.endpoint.silence_s
    text, stt_final = stt_finalisation(engines.stt, question.samples)
    _, stt_whole = _timed(engines.stt.transcribe, question.samples)
    messages = chat_messages(settings.llm.system_prompt, [], text)
    first, first_s, _ = llm_first_sentence(engines.llm, messages, settings.tts.first_piece_chars)
    start = time.perf_counter()
    first_chunk = next(iter(engines.tts.stream(first or "Okay.")))
    # The daemon cuts piper's leading silence; the naive pipeline below plays it.
    spoken = trim_leading_silence(first_chunk, engines.tts.rate)
    tts_first = time.perf_counter() - start + first_audible(spoken, engines.tts.rate)
    reply, llm_whole = _timed(engines.llm.reply, messages)
    clip, tts_whole = _timed(engines.tts.synthesize, reply or "Okay.")
    naive = (silence_s + stt_whole + llm_whole + tts_whole
             + first_audible(clip.samples, clip.rate))
    return StageCosts(
        stt_final_s=stt_final, stt_rtf=stt_whole / max(question.seconds, 1e-6),
        llm_first_sentence_s=first_s, tts_first_chunk_s=tts_first,
        tts_rtf=tts_whole / max(clip.seconds, 1e-6), naive_ttfa_s=naive)


def speech_end(clip: Clip) -> int:
    """Index just after the last audible sample of a clip."""
    loud = np.flatnonzero(np.abs(clip.samples) > 0.01)
    return int(loud[-1]) + 1 if len(loud) else 0
