"""How often a shorter end-of-question silence would cut a question in the middle.

Speaks multi-clause questions with piper (normal and slow) and three espeak voices, finds
every pause inside them long enough to start the early transcript, transcribes the question
up to that pause as the daemon would, and counts, for each candidate silence, the pauses
that would have ended the question: with `sounds_complete` (endpoint.complete_silence_s)
and with silence alone (endpoint.silence_s).

    .venv/bin/python scripts/pause_survey.py [--verbose]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant.config import load_config
from assistant.endpoint import EARLY_SILENCE_FRAMES, sounds_complete
from assistant.engines import load_engines
from assistant.synthetic_speech import concat, espeak_clip, piper_clip, silence
from assistant.vad import FRAME_SAMPLES, VoiceActivity, frames_for

QUESTIONS = (
    "Please tell me what the weather is usually like in the city of Paris in the spring, "
    "and whether I should bring an umbrella and a warm coat with me.",
    "What is the weather like in Paris, and should I bring a coat?",
    "Tell me about cats. How long do they sleep?",
    "If I leave at eight, when will I arrive in Lyon?",
    "Set a timer for ten minutes, then remind me to call my mother.",
    "My daughter asked me something, why is the sky blue?",
    "I have eggs, flour and milk. What can I cook for dinner?",
    "Before you answer, think carefully. What is seven times eight?",
    "Well, what is the tallest mountain in the world?",
    "I am planning a trip to Rome in May. What should I pack?",
    "Tell me a joke, a short one, about a dog.",
    "When was the Eiffel Tower built, and who designed it?",
)
ESPEAK = (("en-us", 160), ("en-gb", 180), ("en+f3", 140))
CANDIDATES = (0.3, 0.35, 0.4, 0.45, 0.5, 0.6)


def voices(tts, text: str):
    yield "piper", piper_clip(tts, text)
    yield "piper-slow", piper_clip(tts, text, length_scale=1.25)
    for voice, speed in ESPEAK:
        yield f"espeak-{voice}", espeak_clip(text, voice, speed)


def speech_flags(samples) -> list[bool]:
    """Whether each VAD frame of ``samples`` holds speech (a fresh VAD, threshold 0.5)."""
    return [p >= 0.5 for p in VoiceActivity(0.5).feed(samples)]


def inner_pauses(samples) -> list[tuple[int, int]]:
    """(first silent frame, frames) of every pause between the first and last speech frame."""
    speech = speech_flags(samples)
    first, last = speech.index(True), len(speech) - 1 - speech[::-1].index(True)
    pauses, start = [], None
    for i in range(first, last + 1):
        if not speech[i] and start is None:
            start = i
        elif speech[i] and start is not None:
            pauses.append((start, i - start))
            start = None
    return pauses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every pause and its transcript")
    args = parser.parse_args()
    engines = load_engines(load_config(Path(__file__).resolve().parent.parent / "config.yaml"))
    found = []  # (pause frames, complete)
    for text in QUESTIONS:
        for voice, clip in voices(engines.tts, text):
            samples = concat(silence(0.3), clip, silence(0.8)).samples
            for start, frames in inner_pauses(samples):
                if frames < EARLY_SILENCE_FRAMES:
                    continue  # too short for an early transcript
                heard = engines.stt.transcribe(samples[:(start + EARLY_SILENCE_FRAMES) * FRAME_SAMPLES]).strip()
                found.append((frames, sounds_complete(heard)))
                if args.verbose:
                    print(f"{voice:14s} {frames * FRAME_SAMPLES / 16000:.3f} {'complete' if found[-1][1] else '-':8s} {heard}")
    print(f"{len(QUESTIONS) * 5} questions, {len(found)} pauses of at least {EARLY_SILENCE_FRAMES} frames")
    for candidate in CANDIDATES:
        # The daemon counts silence in whole frames, to the nearest one.
        cut = sum(1 for frames, complete in found if complete and frames >= frames_for(candidate))
        plain = sum(1 for frames, _ in found if frames >= frames_for(candidate))
        print(f"  {candidate:.2f} s: {cut} cut after a finished sentence, {plain} by silence alone")


if __name__ == "__main__":
    main()
