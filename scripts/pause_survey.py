"""How often a shorter end-of-question silence would cut a question in the middle.

Speaks multi-clause questions with piper (normal and slow) and three espeak voices, finds
every pause inside them long enough to start the early transcript, transcribes the question
up to that pause as the daemon would, and counts, for each candidate silence, the pauses
that would have ended the question: after a finished sentence by its words alone
(endpoint.complete_silence_s), after one whose closing mark whisper was confident of
(endpoint.confident_silence_s, confident_probability), and by silence alone
(endpoint.silence_s); then what the configured rule (endpoint.sooner_silence) does.
QUESTIONS set the defaults; MORE_QUESTIONS were written afterwards, to check them;
SHORT_REQUESTS show what the rule costs one-sentence commands, which whisper closes with a
less confident full stop than a question's "?".

    .venv/bin/python scripts/pause_survey.py [--verbose] [--set KEY VALUE ...]
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import replace
from pathlib import Path

from assistant.audio.endpoint import EARLY_SILENCE_FRAMES
from assistant.audio.vad import FRAME_SAMPLES, VoiceActivity, frames_for
from assistant.config.loader import load_config
from assistant.dialog.ending import sooner_silence, sounds_complete
from assistant.models.loading import load_engines
from assistant_tools.speech import concat, espeak_clip, piper_clip, silence

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
MORE_QUESTIONS = (
    "Can you tell me the time in Tokyo, and is it morning there?",
    "I need a recipe for pancakes. Do I need baking powder?",
    "Remind me tomorrow at nine, I have a dentist appointment.",
    "How far is the moon from the earth, in kilometres?",
    "Play some music. Something calm, maybe piano.",
    "What does a cat eat, and how often should I feed it?",
    "Turn off the kitchen light, and turn on the one in the hall.",
    "Who painted the Mona Lisa, and where is it now?",
    "Let me think. What is the square root of eighty one?",
    "My phone is broken. How do I fix a cracked screen?",
    "So, how many legs does a spider have?",
    "I am cold. Should I turn up the heating or wear a jumper?",
)
SHORT_REQUESTS = (
    "What time is it?", "Tell me a joke.", "Turn on the lights.", "What's the weather today?",
    "Set a timer for five minutes.", "How tall is Mount Everest?", "Who wrote Hamlet?", "Stop.",
    "What is two plus two?", "Play some music.", "What day is it today?", "How are you?",
    "Good morning.", "Thank you.", "Tell me a fun fact.", "What is the capital of Spain?",
    "Turn off the kitchen light.", "How many days are in a year?", "Remind me to buy milk.",
    "What's the temperature outside?", "What is the capital of France?", "How many legs does a spider have?",
    "What color is the sky on a clear day?", "Who wrote Romeo and Juliet?", "What is the boiling point of water?",
    "Name a fruit that is yellow.",
)
"""One-sentence requests (the last six are the bench's): what the rule costs a command."""
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


def survey(engines, questions, verbose: bool) -> tuple[list, list]:
    """(pauses as (frames, text, confidence), question ends as (text, confidence))."""
    pauses, ends = [], []
    for text in questions:
        for voice, clip in voices(engines.tts, text):
            samples = concat(silence(0.3), clip, silence(0.8)).samples
            cuts = [(start, frames) for start, frames in inner_pauses(samples) if frames >= EARLY_SILENCE_FRAMES]
            speech = speech_flags(samples)
            cuts.append((len(speech) - speech[::-1].index(True), 0))  # the end: frames 0
            for start, frames in cuts:
                early = engines.stt.transcript(samples[:(start + EARLY_SILENCE_FRAMES) * FRAME_SAMPLES])
                heard, confidence = early.text, early.closing_confidence
                heard = heard.strip()
                if frames:
                    pauses.append((frames, heard, confidence))
                else:
                    ends.append((heard, confidence))
                if verbose:
                    sure = "-" if confidence is None else f"{confidence:.2f}"
                    print(f"{voice:14s} {'end' if not frames else f'{frames * FRAME_SAMPLES / 16000:.3f}':5s} {sure:4s} {heard}")
    return pauses, ends


def report(name: str, pauses: list, ends: list, endpoint) -> None:
    """Cuts per candidate silence, by the words alone and when whisper was confident, and
    what the configured rule (endpoint.sooner_silence) does."""
    words = lambda text, _: sounds_complete(text)  # noqa: E731
    sure = lambda text, p: sounds_complete(text) and p is not None and p >= endpoint.confident_probability  # noqa: E731
    print(f"{name}: {len(ends)} questions, {len(pauses)} pauses of at least {EARLY_SILENCE_FRAMES} frames; "
          f"ends sooner: {sum(words(*e) for e in ends)} by the words, {sum(sure(*e) for e in ends)} "
          f"confident (>= {endpoint.confident_probability})")
    for candidate in CANDIDATES:
        # The daemon counts silence in whole frames, to the nearest one.
        longer = [(text, p) for frames, text, p in pauses if frames >= frames_for(candidate)]
        print(f"  {candidate:.2f} s: cut by the words {sum(words(*c) for c in longer)}, "
              f"confident {sum(sure(*c) for c in longer)}, by silence alone {len(longer)}")
    rule = [(frames, sooner_silence(text, p, endpoint)) for frames, text, p in pauses]
    waited = [sooner_silence(text, p, endpoint) or endpoint.silence_s for text, p in ends]
    print(f"  the configured rule (confident {endpoint.confident_silence_s} s, finished "
          f"{endpoint.complete_silence_s} s, else {endpoint.silence_s} s): cuts "
          f"{sum(1 for frames, s in rule if s is not None and frames >= frames_for(s))}; a question's end "
          f"waits {statistics.mean(waited):.3f} s on average")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every pause and its transcript")
    parser.add_argument("--set", nargs=2, action="append", default=[], metavar=("KEY", "VALUE"),
                        help="override an endpoint setting, e.g. --set confident_silence_s 0.4")
    args = parser.parse_args()
    config = load_config(Path(__file__).resolve().parent.parent / "config.yaml")
    engines = load_engines(config)
    endpoint = replace(config.settings.endpoint, **{key: float(value) for key, value in args.set})
    both = [[], []]
    for name, questions in (("QUESTIONS", QUESTIONS), ("MORE_QUESTIONS", MORE_QUESTIONS),
                            ("SHORT_REQUESTS", SHORT_REQUESTS)):
        pauses, ends = survey(engines, questions, args.verbose)
        report(name, pauses, ends, endpoint)
        if name != "SHORT_REQUESTS":
            both[0] += pauses
            both[1] += ends
    report("QUESTIONS and MORE_QUESTIONS", *both, endpoint)


if __name__ == "__main__":
    main()
