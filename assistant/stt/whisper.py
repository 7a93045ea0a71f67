"""Speech-to-text with faster-whisper: the English engine shipped in a package."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Sequence

import numpy as np

from assistant.audio.format import ENGINE_RATE
from assistant.core.errors import ModelError, SttError
from assistant.core.offline import force_offline
from assistant.stt.base import SENTENCE_MARKS, Transcript

NO_SPEECH_PROB = 0.6
"""A segment above this no-speech probability ..."""
MIN_AVG_LOGPROB = -1.0
"""... and below this mean token log-probability is dropped as noise."""
FULL_WINDOW_S = 30.0
"""Whisper's own window: faster-whisper pads every pass to it."""
WINDOW_MARGIN_S = 3.0
"""Quiet kept after the speech inside a short window, so the text has room to end."""
MAX_COMPRESSION = 2.4
"""Above this gzip ratio the text repeats itself: decoded again in the full window."""
TOKENS_PER_S = 8
"""Generous bound on tokens per second of speech, so a loop cannot run on."""
MAX_PROMPT_TOKENS = 223
"""Whisper's previous-text slot holds at most half its 448-token context (the end of a longer prompt is kept)."""


def repeats_itself(text: str) -> bool:
    """True for a decoder loop: a phrase said twice in a row, or a word three times."""
    words = re.findall(r"[\w']+", text.lower())
    for n, times in ((1, 3), *((n, 2) for n in range(2, len(words) // 2 + 1))):
        for i in range(len(words) - n * times + 1):
            if all(words[i + k * n:i + (k + 1) * n] == words[i:i + n] for k in range(1, times)):
                return True
    return False


def prompt_sentences(prompt: str) -> frozenset[str]:
    """The prompt's sentences as plain lower-case words, to spot the decoder repeating one."""
    return frozenset(p for p in (" ".join(re.findall(r"[\w']+", part.lower()))
                                 for part in re.split(r"[.?!]+", prompt)) if p)


def echoes_prompt(text: str, sentences: frozenset[str]) -> bool:
    """True when the whole text is one of the prompt's sentences: a short window that whisper
    could not read can come back as the prompt (a user who said it is heard again without it)."""
    return bool(sentences) and " ".join(re.findall(r"[\w']+", text.lower())) in sentences


class WhisperTranscriber:
    """Whole-utterance recognition with a local CTranslate2 Whisper model."""

    name = "whisper"

    def __init__(self, model_path: Path, *, language: str = "en", beam_size: int = 5,
                 threads: int = 0, window_s: float = FULL_WINDOW_S, prompt: str = ""):
        # Never let huggingface_hub try the network (the model is a local folder), even
        # when the environment was changed after start-up: nothing may go online at run time.
        force_offline()
        from faster_whisper import WhisperModel

        for needed in ("model.bin", "tokenizer.json"):  # without tokenizer.json it would go online
            if not (model_path / needed).is_file():
                raise ModelError(f"{model_path}: not a faster-whisper model folder (no {needed}); "
                                 "set stt.model to a catalog name or a complete model folder")
        try:
            self.model = WhisperModel(str(model_path), device="cpu", compute_type="int8",
                                      cpu_threads=threads)
        except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError variants
            raise ModelError(f"{model_path}: faster-whisper could not load it ({exc})") from None
        self.model_path = model_path
        self.language = language
        self.beam_size = beam_size
        self.window_s = window_s
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        multilingual = self.model.model.is_multilingual
        self.tokenizer = Tokenizer(self.model.hf_tokenizer, multilingual, task="transcribe",
                                   language=language if multilingual else None)
        self.suppressed = get_suppressed_tokens(self.tokenizer, [-1])
        self.task = [*self.tokenizer.sot_sequence, self.tokenizer.no_timestamps]
        """The decoder's start without a prompt (English, transcribe, no timestamps): the
        closing mark's probability is read from it."""
        self._set_prompt(prompt)

    def with_options(self, *, window_s: float | None = None, beam_size: int | None = None,
                     prompt: str | None = None) -> WhisperTranscriber:
        """The same loaded model with other decoding options (evaluations and tests compare them)."""
        other = copy.copy(self)
        other.window_s = self.window_s if window_s is None else window_s
        other.beam_size = self.beam_size if beam_size is None else beam_size
        if prompt is not None:
            other._set_prompt(prompt)
        return other

    def _set_prompt(self, prompt: str) -> None:
        """The decoder's start: the prompt in whisper's previous-text slot, if any, then the
        task, as faster-whisper builds it from ``initial_prompt`` for the first window."""
        self.initial_prompt = prompt.strip()
        """Text whisper reads as if it had been said just before (stt.prompt); '' for none."""
        self.prompt_sentences = prompt_sentences(self.initial_prompt)
        self.prompt = self.task
        if self.initial_prompt:
            previous = self.tokenizer.encode(" " + self.initial_prompt)[-MAX_PROMPT_TOKENS:]
            self.prompt = [self.tokenizer.sot_prev, *previous, *self.task]

    def transcribe(self, samples: np.ndarray) -> str:
        """Transcript of 16 kHz float32 audio; '' when it holds no speech."""
        return self.transcript(samples, closing=False).text

    def transcript(self, samples: np.ndarray, closing: bool = True) -> Transcript:
        """The transcript, and with ``closing`` whisper's probability of its closing . ? or !
        given the words before it (None when it has none, or the pass ran in the full window)."""
        window = max(self.window_s, len(samples) / ENGINE_RATE + WINDOW_MARGIN_S)
        if window < FULL_WINDOW_S:
            found = self._short_window(samples, window, closing)
            if found is not None:
                return found
        return self._full_window(samples)

    def words(self, samples: np.ndarray, max_tokens: int, word_times: bool) -> Transcript:
        """A short transcript of a few words (a wake phrase), with each word's end."""
        segments = self._decode(samples, max_new_tokens=max_tokens, word_timestamps=word_times,
                                without_timestamps=not word_times, temperature=0.0)
        if not word_times:
            return Transcript(" ".join(s.text.strip() for s in segments).strip())
        words = [w for s in segments for w in (s.words or [])]
        return Transcript(" ".join(w.word.strip() for w in words).strip(),
                          word_ends_s=tuple(w.end for w in words))

    def _short_window(self, samples: np.ndarray, window_s: float, closing: bool) -> Transcript | None:
        """One greedy-or-beam pass over a window shorter than whisper's 30 s.

        The encoder's cost grows with its window, and a question is a few seconds long:
        a 10 s window took 0.18 s here where the 30 s one took 0.6 s, with the same text.
        None when the text repeats itself (a short window can make the decoder loop).
        """
        from faster_whisper.transcribe import get_compression_ratio

        encoded = self._encode(samples, window_s)
        cap = int(TOKENS_PER_S * len(samples) / ENGINE_RATE) + 8
        result, text = self._generate(encoded, self.prompt, cap)
        if echoes_prompt(text, self.prompt_sentences):  # the same audio, read again without it
            result, text = self._generate(encoded, self.task, cap)
        tokens = result.sequences_ids[0]
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        if result.no_speech_prob > NO_SPEECH_PROB and avg_logprob < MIN_AVG_LOGPROB:
            return Transcript("")
        looped = len(tokens) >= cap or get_compression_ratio(text) > MAX_COMPRESSION or repeats_itself(text)
        if looped:
            return None
        closed = closing and text.endswith(SENTENCE_MARKS)
        return Transcript(text, self._last_token_prob(encoded, tokens) if closed else None)

    def _generate(self, encoded, start: list[int], cap: int):
        """One beam pass over the encoded window from ``start``: (the result, its text)."""
        try:
            result = self.model.model.generate(
                encoded, [start], beam_size=self.beam_size, return_scores=True, return_no_speech_prob=True,
                max_length=len(start) + cap, suppress_blank=True, suppress_tokens=self.suppressed)[0]
        except Exception as exc:
            raise SttError(f"whisper failed on the audio ({exc})") from None
        return result, self.tokenizer.decode(result.sequences_ids[0]).strip()

    def phrase_scores(self, samples: np.ndarray, phrases: Sequence[str]) -> dict[str, float]:
        """Each phrase's mean log-probability per token as the whole transcript of ``samples``
        (capitalised, closed by . or !), read by forcing the decoder through it.

        The echo canceller softens a command said over a louder reply; whisper then writes
        something else ("lets go" for "stop") while the command itself still scores high.
        """
        encoded = self._encode(samples, len(samples) / ENGINE_RATE + WINDOW_MARGIN_S)
        scores = {}
        for phrase in phrases:
            best = -np.inf
            for mark in ".!":
                tokens = self.tokenizer.encode(" " + phrase.capitalize() + mark) + [self.tokenizer.eot]
                steps = self._forced(encoded, tokens[:-1], len(tokens))
                best = max(best, float(np.mean(steps[np.arange(len(tokens)), tokens])))
            scores[phrase] = best
        return scores

    def _encode(self, samples: np.ndarray, window_s: float):
        """The encoder's output for ``samples`` in a window of ``window_s`` (under whisper's 30 s)."""
        from faster_whisper.audio import pad_or_trim

        try:
            features = self.model.feature_extractor(samples)[:, :-1]
            return self.model.encode(pad_or_trim(features, int(window_s * 100)))
        except Exception as exc:
            raise SttError(f"whisper failed on the audio ({exc})") from None

    def _last_token_prob(self, encoded, tokens: list[int]) -> float:
        """Probability of the last token after the others: a greedy pass forced through them.

        Beam search gives no per-token probabilities. A full stop that whisper was unsure of
        (a clause said with a voice that goes on) is the sign of a pause, not of an end.
        """
        return float(np.exp(self._forced(encoded, tokens[:-1], len(tokens), first=len(tokens) - 1)[0][tokens[-1]]))

    def _forced(self, encoded, tokens: list[int], steps: int, first: int = 0) -> np.ndarray:
        """Log-probabilities over the vocabulary at steps ``first`` to ``steps`` - 1 of a greedy
        pass forced through ``tokens``, one row per step."""
        try:
            # Without the prompt: its full stops make whisper surer of any closing mark, and
            # the end-of-question tiers were chosen on this probability without one.
            result = self.model.model.generate(
                encoded, [self.task + tokens], beam_size=1, return_logits_vocab=True,
                # CTranslate2 counts a forced prefix twice against max_length.
                max_length=len(self.task) + 2 * len(tokens) + 3, suppress_blank=False,
                suppress_tokens=self.suppressed)[0]
            logits = np.stack([np.asarray(step, dtype=np.float64) for step in result.logits[0][first:steps]])
        except Exception as exc:
            raise SttError(f"whisper failed on the audio ({exc})") from None
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))

    def _full_window(self, samples: np.ndarray) -> Transcript:
        # No prompt here: this is the fallback for a loop or a long question, and faster-whisper's
        # temperature fallback can write the prompt back as the transcript.
        segments = self._decode(samples, without_timestamps=True)
        return Transcript(" ".join(s.text.strip() for s in segments).strip())

    def _decode(self, samples: np.ndarray, **options) -> list:
        """faster-whisper's own decoding over whisper's 30 s window, with the project's rules.

        Whisper's no-speech rule drops a segment that is both probably not speech and
        improbable text: noise gives '' instead of a hallucinated "Thank you." It is stated
        here so a library default change cannot bring hallucinations back; a low
        avg_logprob alone is not enough (accented or foreign speech scores low too).
        """
        try:
            segments, _info = self.model.transcribe(
                samples, language=self.language, beam_size=self.beam_size,
                condition_on_previous_text=False, vad_filter=False,
                no_speech_threshold=NO_SPEECH_PROB, log_prob_threshold=MIN_AVG_LOGPROB, **options)
            return list(segments)
        except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError variants
            raise SttError(f"whisper failed on the audio ({exc})") from None
