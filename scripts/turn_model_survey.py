"""Would an audio end-of-turn model beat whisper's full stop? A survey, not part of the daemon.

Scores pipecat's smart-turn v3.2 model (the ONNX file shipped inside the pipecat-ai wheel)
on the questions of pause_survey.py: every pause inside a question, cut where the early
transcript starts, should score "incomplete"; every question's end should score "complete".
Prints, for each candidate silence, the pauses each rule would have cut, and how many
question ends each rule would have ended sooner.

    .venv/bin/pip install --no-deps pipecat-ai==1.14.0   # only for this survey
    .venv/bin/python scripts/turn_model_survey.py [--frames 4]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from pathlib import Path

import numpy as np
from pause_survey import CANDIDATES, QUESTIONS, inner_pauses, speech_flags, voices

from assistant.audio.endpoint import EARLY_SILENCE_FRAMES
from assistant.audio.vad import FRAME_SAMPLES, frames_for
from assistant.config.loader import load_config
from assistant.dialog.ending import sounds_complete
from assistant.models.loading import load_engines
from assistant_tools.speech import concat, silence

MODEL = "pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx"
WINDOW = 8 * 16000  # the model hears the last 8 s, zero-padded in front


class TurnModel:
    """smart-turn v3.2: P(the speaker has finished their turn) from the audio alone."""

    def __init__(self) -> None:
        import onnxruntime as ort
        from faster_whisper.feature_extractor import FeatureExtractor

        try:
            path = importlib.metadata.distribution("pipecat-ai").locate_file(MODEL)
        except importlib.metadata.PackageNotFoundError:
            sys.exit("turn_model_survey: pipecat-ai is not installed; run "
                     "`.venv/bin/pip install --no-deps pipecat-ai==1.14.0` first")
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), sess_options=options)
        self.features = FeatureExtractor(chunk_length=8)

    def complete(self, audio: np.ndarray) -> float:
        x = np.pad(audio[-WINDOW:], (max(0, WINDOW - len(audio)), 0)).astype(np.float32)
        x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)  # the model was trained on normalised audio
        mel = self.features(x, padding=0)[:, :800]
        return float(self.session.run(None, {"input_features": mel[None]})[0][0, 0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=EARLY_SILENCE_FRAMES,
                        help="silent frames heard before scoring (the early transcript's moment)")
    args = parser.parse_args()
    engines = load_engines(load_config(Path(__file__).resolve().parent.parent / "config.yaml"))
    model = TurnModel()
    inner, ends = [], []  # (pause frames, text says complete, model's probability)
    for text in QUESTIONS:
        for _, clip in voices(engines.tts, text):
            samples = concat(silence(0.3), clip, silence(0.8)).samples
            for start, frames in inner_pauses(samples):
                if frames >= EARLY_SILENCE_FRAMES:
                    cut = samples[:(start + args.frames) * FRAME_SAMPLES]
                    inner.append((frames, *score(engines, model, cut)))
            speech = speech_flags(samples)
            last = len(speech) - speech[::-1].index(True)
            ends.append(score(engines, model, samples[:(last + args.frames) * FRAME_SAMPLES]))
    print(f"{len(ends)} questions, {len(inner)} inner pauses, scored after {args.frames} silent frames")
    for threshold in (0.5, 0.8):
        model_ends = sum(p > threshold for _, p in ends)
        print(f"model > {threshold}: ends sooner: model {model_ends}, full stop {sum(c for c, _ in ends)}, "
              f"both {sum(c and p > threshold for c, p in ends)} of {len(ends)}")
        for candidate in CANDIDATES:
            longer = [(c, p) for frames, c, p in inner if frames >= frames_for(candidate)]
            print(f"  {candidate:.2f} s cuts: model {sum(p > threshold for _, p in longer)}, "
                  f"full stop {sum(c for c, _ in longer)}, both {sum(c and p > threshold for c, p in longer)}")


def score(engines, model: TurnModel, audio: np.ndarray) -> tuple[bool, float]:
    """(whisper's transcript reads as finished, the model's probability) for audio cut here."""
    return sounds_complete(engines.stt.transcribe(audio).strip()), model.complete(audio)


if __name__ == "__main__":
    main()
