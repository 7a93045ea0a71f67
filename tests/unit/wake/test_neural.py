"""The neural engines' logic without their models: scores to hits, several models, thresholds,
refractory, model files and their errors, and wake.models in the config."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from support import ROOT

from assistant.config.loader import Config, settings_from_mapping
from assistant.config.settings import WakeSettings
from assistant.core.errors import ConfigError, ModelError
from assistant.models.catalog import load_catalog
from assistant.models.wake_models import wake_model_specs
from assistant.wake import micro, openwakeword
from assistant.wake.factory import make_wake_detector, resolve_engine
from assistant.wake.neural import PIECE, Keyword, ModelSpec, NeuralDetector, best_over, to_pcm16

TFLITE_HEAD = b"\x1c\x00\x00\x00TFL3" + bytes(32)


class ScriptedBackend:
    """Scores from a function of the stream position: one step per 160 samples, like microWakeWord."""

    def __init__(self, score_at):
        self.score_at, self.fed, self.resets = score_at, 0, 0

    def process(self, pcm: bytes):
        n = len(pcm) // 2
        for _ in range((self.fed + n) // 160 - self.fed // 160):
            yield self.score_at(self.fed)
        self.fed += n

    def reset(self):
        self.resets += 1


def detector(score_at, keywords=(Keyword("hey mycroft", 0.5),), refractory_s=1.5):
    return NeuralDetector("micro", ScriptedBackend(score_at), keywords, refractory_s)


def feed(det, seconds: float, block: int):
    audio = np.zeros(int(seconds * 16000), np.float32)
    return [(h, det.samples_fed) for s in range(0, len(audio), block) if (h := det.accept(audio[s:s + block]))]


def test_best_over_picks_the_model_furthest_above_its_threshold():
    keys = [Keyword("a", 0.9), Keyword("b", 0.5)]
    assert best_over([0.95, 0.8], keys) == (1, 0.8)
    assert best_over([0.95, 0.4], keys) == (0, 0.95)
    assert best_over([0.9, 0.5], keys) is None  # equal to the threshold is not above it


@pytest.mark.parametrize("block", [160, 480, 1000, 16000, 48000])
def test_hit_is_stamped_within_a_piece_of_the_score_whatever_the_block(block):
    det = detector(lambda at: [1.0 if 16000 <= at < 20000 else 0.0])
    hits = feed(det, 3.0, block)
    assert len(hits) == 1
    hit, _ = hits[0]
    assert 16000 < hit.end_sample <= 16000 + 2 * PIECE  # the step after 16000 ends within the next piece
    assert (hit.phrase, hit.engine, hit.score) == ("hey mycroft", "micro", 1.0)


def test_refractory_is_counted_in_fed_samples_and_reset_clears_it():
    det = detector(lambda at: [1.0], refractory_s=1.0)  # above the threshold all the time
    hits = feed(det, 2.0, 480)
    assert [h.end_sample for h, _ in hits] == [480, 480 + 16320]  # the first piece at or past 1 s later
    det.reset()
    assert det.backend.resets == 1 and det.accept(np.zeros(480, np.float32)) is not None


def test_several_models_fire_each_on_its_own_phrase():
    keys = (Keyword("okay nabu", 0.85), Keyword("alexa", 0.9))
    det = detector(lambda at: [0.9 if 8000 <= at < 9600 else 0.0, 0.95 if 48000 <= at < 49600 else 0.0], keys)
    assert det.phrases == ("okay nabu", "alexa")
    assert [h.phrase for h, _ in feed(det, 4.0, 480)] == ["okay nabu", "alexa"]


def test_scores_report_every_step_with_its_position():
    det = detector(lambda at: [at / 16000])
    steps = list(det.scores(np.zeros(1000, np.float32)))
    assert [at for at, _ in steps] == [480, 480, 480, 960, 960, 960]
    assert det.samples_fed == 1000


def test_pcm_conversion_rounds_and_clips():
    pcm = np.frombuffer(to_pcm16(np.array([0.0, 0.5, -1.5, 2.0], np.float32)), "<i2")
    assert pcm.tolist() == [0, 16384, -32768, 32767]


def write_micro(folder, name="word", wake_word="Hey Word", cutoff=0.8, model_bytes=TFLITE_HEAD, **extra):
    (folder / f"{name}.tflite").write_bytes(model_bytes)
    data = {"wake_word": wake_word, "model": f"{name}.tflite",
            "micro": {"probability_cutoff": cutoff, "sliding_window_size": 5}, **extra}
    (folder / f"{name}.json").write_text(json.dumps(data))
    return folder / f"{name}.json"


def test_micro_description_gives_phrase_and_threshold(tmp_path):
    path = write_micro(tmp_path)
    for given in (path, path.with_suffix(".tflite")):
        spec = ModelSpec("wake.models[0].name", str(given), given)
        assert micro.keyword(spec, micro.describe(spec)) == Keyword("hey word", 0.8)
    spec = ModelSpec("k", "hey_mycroft", path, phrase="Hey, Mike!")
    assert micro.keyword(spec, micro.describe(spec)) == Keyword("hey mike", micro.TUNED_THRESHOLDS["hey_mycroft"])
    spec = ModelSpec("k", str(path), path, threshold=0.6)
    assert micro.keyword(spec, micro.describe(spec)).threshold == 0.6


@pytest.mark.parametrize("damage, message", [
    (lambda p: p.unlink(), "is missing"),
    (lambda p: p.write_text("{not json"), "is not a microWakeWord description"),
    (lambda p: p.write_text(json.dumps({"wake_word": "x", "model": "word.tflite"})), "KeyError"),
    (lambda p: p.with_suffix(".tflite").write_bytes(b"garbage!" * 4), "not a TensorFlow Lite model"),
    (lambda p: p.with_suffix(".tflite").unlink(), "cannot read"),
])
def test_bad_micro_models_are_one_line_model_errors(tmp_path, damage, message):
    path = write_micro(tmp_path)
    damage(path)
    with pytest.raises(ModelError) as err:
        micro.describe(ModelSpec("wake.models[1].name", str(path), path))
    assert str(err.value).startswith("wake.models[1].name: ") and message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_model_without_a_phrase_needs_one_configured(tmp_path):
    path = write_micro(tmp_path, wake_word="!!")
    spec = ModelSpec("wake.models[0].name", str(path), path)
    with pytest.raises(ModelError, match="set phrase:"):
        micro.keyword(spec, micro.describe(spec))


def test_openwakeword_phrase_comes_from_the_file_name(tmp_path):
    path = tmp_path / "hey_computer_v0.1.tflite"
    path.write_bytes(TFLITE_HEAD)
    assert openwakeword.keyword(ModelSpec("k", str(path), path)) == Keyword("hey computer", 0.5)
    assert openwakeword.keyword(ModelSpec("k", str(path), path, 0.7, "hi there")) == Keyword("hi there", 0.7)
    with pytest.raises(ModelError, match="not an openWakeWord model"):
        openwakeword.keyword(ModelSpec("k", "x.json", tmp_path / "x.json"))


def config(**wake) -> Config:
    return Config(settings_from_mapping({"wake": wake}), ROOT / "config.yaml")


def test_auto_means_micro_with_models_and_the_phrase_engines_without():
    assert resolve_engine(WakeSettings(), "whisper") == "micro"
    assert resolve_engine(WakeSettings(models=()), "whisper") == "vad-whisper"
    assert resolve_engine(WakeSettings(models=()), "vosk") == "vosk"
    assert resolve_engine(WakeSettings(engine="pocketsphinx"), "vosk") == "pocketsphinx"
    with pytest.raises(ConfigError, match="wake.models: empty"):
        make_wake_detector(WakeSettings(engine="micro", models=()))


def test_built_in_names_and_files_resolve(tmp_path):
    path = write_micro(tmp_path)
    specs = wake_model_specs(config(models=[{"name": "okay_nabu"}, {"name": "micro-alexa", "threshold": 0.7},
                                            {"name": str(path)}]), "micro", load_catalog())
    assert [s.name for s in specs] == ["okay_nabu", "alexa", str(path)]
    assert specs[0].path.name == "okay_nabu.tflite" and specs[1].threshold == 0.7 and specs[2].path == path


@pytest.mark.parametrize("name, engine, message", [
    ("hey_rhasspy", "micro", "wake.models[0].name: 'hey_rhasspy' is not a built-in micro model"),
    ("openwakeword-alexa", "micro", "not a built-in micro model"),
    ("/nowhere/x.json", "micro", "wake.models[0].name: '/nowhere/x.json' is not found"),
    ("melspectrogram", "openwakeword", "not a built-in openwakeword model"),
])
def test_unknown_models_name_the_entry(name, engine, message):
    with pytest.raises(ModelError) as err:
        wake_model_specs(config(models=[{"name": name}]), engine, load_catalog())
    assert message in str(err.value)


@pytest.mark.parametrize("models, message", [
    ([{"threshold": 0.5}], "wake.models[0].name: missing"),
    (["alexa"], "wake.models[0]: expected a mapping"),
    ([{"name": "alexa", "threshold": 1.5}], "wake.models[0].threshold: 1.5 is out of range"),
    ([{"name": "alexa", "sensitivity": 1}], "wake.models[0].sensitivity: unknown key"),
    ("alexa", "wake.models: expected a list"),
])
def test_bad_wake_models_settings_name_the_key(models, message):
    with pytest.raises(ConfigError) as err:
        settings_from_mapping({"wake": {"models": models}})
    assert message in str(err.value)


def test_missing_packages_say_what_to_install_and_auto_falls_back(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyopen_wakeword", None)
    with pytest.raises(ModelError, match=r"CC BY-NC-SA 4.0.*: pip install pyopen-wakeword==1\.1\.0$"):
        openwakeword.OpenBackend([])
    monkeypatch.setitem(sys.modules, "pymicro_wakeword", None)
    with pytest.raises(ModelError, match=r"pip install pymicro-wakeword==2\.5\.0$"):
        micro.MicroBackend([])
    assert resolve_engine(WakeSettings(), "whisper") == "vad-whisper"
