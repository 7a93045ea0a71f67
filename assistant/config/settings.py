"""Frozen settings dataclasses: the shape of config.yaml, one docstring per field.

Range and choice limits live in each field's metadata (see ``limit``); the one
validator that enforces them is ``assistant.config.loader``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from assistant.config.fields import limit
from assistant.config.gpio_settings import ButtonSettings, LedSettings

FIRST_PIECE_CHARS = 24
"""Default longest first piece of a reply (tts.first_piece_chars): speech starts once it is written."""


@dataclass(frozen=True)
class ModelsSettings:
    dir: str = "models"
    """Folder for downloaded models; relative paths are taken from the config file's folder."""


@dataclass(frozen=True)
class SttSettings:
    engine: str = limit("auto", choices=("auto", "vosk", "whisper", "wyoming"))
    """auto uses vosk when stt.model is installed, else faster-whisper with stt.fallback_model; wyoming: a server."""
    model: str = "vosk-model-small-en-us-0.15"
    """Catalog name or path of the speech model (a vosk folder, or a whisper folder for engine whisper)."""
    fallback_model: str = "whisper-tiny.en"
    """Whisper model used by engine auto when stt.model is not installed."""
    language: str = "en"
    """Language code passed to whisper."""
    beam_size: int = limit(5, lo=1, hi=10)
    """Whisper beam width: 1 is greedy and fastest, 5 is clearly more accurate."""
    window_s: float = limit(10.0, lo=5.0, hi=30.0)
    """Shortest window whisper decodes a question in; 30 is whisper's own, slowest window."""
    prompt: str = "What is the capital of Italy? Set a timer for ten minutes."
    """Text whisper reads as if it had just been said (its previous-text prompt); '' turns it off."""
    wyoming_uri: Optional[str] = limit(None, uri=True)
    """Wyoming speech-to-text server of engine wyoming: tcp://HOST:PORT or unix://PATH."""


@dataclass(frozen=True)
class LlmSettings:
    engine: str = limit("llama", choices=("llama", "openai"))
    """llama: the model runs here (llama.cpp); openai: an OpenAI-compatible server at llm.url answers."""
    model: str = "smollm2-135m-instruct-q8_0"
    """Catalog name or path of a GGUF chat model (engine openai: the local fallback)."""
    system_prompt: str = (
        "You are a helpful voice assistant. Answer in one or two short spoken sentences."
    )
    """Instructions sent first in every conversation; keep it short, it is prefilled on every cold start."""
    max_tokens: int = limit(96, lo=1, hi=8192)
    """Upper bound on tokens in one reply."""
    temperature: float = limit(0.3, lo=0.0, hi=2.0)
    """Sampling temperature; 0 is deterministic."""
    top_p: float = limit(0.9, lo=0.0, hi=1.0)
    """Nucleus sampling cut-off."""
    repeat_penalty: float = limit(1.1, lo=1.0, hi=2.0)
    """Penalty on repeating recent tokens; small models loop without it."""
    seed: int = limit(42, lo=-1, hi=2**31 - 1)
    """Random seed for sampling; -1 picks a new one each start."""
    threads: int = limit(0, lo=0, hi=256)
    """CPU threads for generation; 0 means the physical performance cores this process may use."""
    context: int = limit(2048, lo=256, hi=131072)
    """Context window in tokens (prompt, history and reply together)."""
    threads_batch: int = limit(0, lo=0, hi=256)
    """CPU threads for prompt processing; 0 means the same as threads."""
    batch: int = limit(256, lo=16, hi=4096)
    """Prompt-processing batch size (logical)."""
    ubatch: int = limit(64, lo=16, hi=4096)
    """Physical micro-batch; smaller values lower the compute buffer on small boards."""
    mmap: bool = True
    """Map the model file instead of reading it into memory (lets the page cache share it)."""
    mlock: bool = False
    """Lock the model in RAM so it is never paged out."""
    kv_cache_type: str = limit("f16", choices=("f16", "q8_0", "q4_0"))
    """Type of the KV cache; q8_0 halves its memory at a small quality cost."""
    flash_attn: bool = True
    """Use flash attention: faster decoding, no attention scratch, and a quantized V cache allowed."""
    context_shift: bool = True
    """When the oldest turns are cut, move the cached rest down instead of reading it again."""
    timeout_s: float = limit(60.0, lo=1.0, hi=3600.0)
    """Longest one reply may take before it is cut off."""
    url: Optional[str] = None
    """Base URL of the OpenAI-compatible server, up to /v1 (engine openai)."""
    remote_model: Optional[str] = None
    """Name of the model the server is asked for (engine openai)."""
    api_key_file: Optional[str] = None
    """File holding the server's API key, relative to the config file; empty: no key is sent."""
    first_token_timeout_s: float = limit(10.0, lo=0.5, hi=600.0)
    """Longest the server may take to its first token before it counts as too slow."""
    token_timeout_s: float = limit(5.0, lo=0.5, hi=600.0)
    """Longest pause between two tokens of the server's reply before it counts as stalled."""
    fallback: bool = True
    """Answer with the local llm.model while the server is unreachable or too slow (engine openai)."""


@dataclass(frozen=True)
class TtsSettings:
    voice: str = "en_US-joe-medium"
    """Catalog name or path of a Piper voice (.onnx with its .onnx.json beside it)."""
    speaker: Optional[int] = limit(None, lo=0, hi=10000)
    """Speaker id for multi-speaker voices."""
    length_scale: float = limit(1.0, lo=0.3, hi=3.0)
    """Speaking pace: above 1 is slower, below 1 faster."""
    volume: float = limit(1.0, lo=0.0, hi=4.0)
    """Output gain applied to the synthesized speech."""
    variation: bool = True
    """Piper's random variation of pace and tone; false speaks a text the same way every time."""
    first_piece_chars: int = limit(FIRST_PIECE_CHARS, lo=10, hi=120)
    """Longest first piece of a reply: speech starts once it is written and synthesized."""
    engine: str = limit("piper", choices=("piper", "wyoming"))
    """piper: the local voice (tts.voice); wyoming: a Wyoming text-to-speech server."""
    wyoming_uri: Optional[str] = limit(None, uri=True)
    """Wyoming text-to-speech server of engine wyoming: tcp://HOST:PORT or unix://PATH."""
    wyoming_voice: Optional[str] = None
    """Voice the Wyoming server speaks with (a name it lists); empty: its default voice."""


@dataclass(frozen=True)
class AudioSettings:
    input_device: Optional[str] = None
    """Microphone: a sounddevice name (substring) or index; empty for the system default."""
    output_device: Optional[str] = None
    """Speaker: a sounddevice name (substring) or index; empty for the system default."""
    input_rate: int = limit(16000, lo=8000, hi=192000)
    """Rate the microphone is opened at; audio is resampled to 16 kHz for the engines."""
    output_rate: Optional[int] = limit(None, lo=8000, hi=192000)
    """Rate the speaker is opened at; empty uses the voice's own rate."""
    block_ms: int = limit(30, lo=10, hi=200)
    """Length of one microphone block handed to the loop."""
    output_buffer_ms: int = limit(100, lo=0, hi=2000)
    """Sound the speaker's device holds ahead: more avoids underruns (clicks) while the CPU is busy,
    at that much more delay; 0: the device's lowest."""
    echo_cancel: bool = False
    """Cancel the speaker's echo in the microphone (WebRTC AEC3, in-process, the speaker's own samples
    as reference); the wake word and stop phrases then work while the assistant speaks."""
    noise_suppression: bool = False
    """WebRTC noise suppression on the microphone, for far-field microphones in steady noise (fans)."""
    noise_suppression_level: int = limit(1, lo=0, hi=3)
    """How hard noise suppression works: 0..3 remove about 6, 12, 18 or 21 dB of noise."""
    auto_gain: bool = False
    """WebRTC automatic gain control on the microphone, for a quiet far-field microphone (raises noise too)."""


WAKE_ENGINES = ("auto", "micro", "openwakeword", "vosk", "vad-whisper", "pocketsphinx", "wyoming", "none")
"""Values of wake.engine: two neural engines (wake.models), three that match wake.phrases, a server, none."""


@dataclass(frozen=True)
class WakeModel:
    name: str
    """A built-in model (okay_nabu, hey_jarvis, hey_mycroft, alexa) or a model file (micro: .json or .tflite with its .json beside it; openwakeword: .tflite)."""
    threshold: Optional[float] = limit(None, lo=0.0, hi=1.0)
    """Score above which this model wakes the assistant; empty: the model's tuned default."""
    phrase: Optional[str] = None
    """What the wake word says (for events, and to drop it from the question); empty: read from the model."""


@dataclass(frozen=True)
class WakeSettings:
    engine: str = limit("auto", choices=WAKE_ENGINES)
    """auto: micro on wake.models when pymicro-wakeword is installed, else vosk grammar or VAD-gated whisper on wake.phrases; wyoming: a server; none: button only."""
    models: tuple[WakeModel, ...] = (WakeModel("hey_mycroft"),)
    """Wake-word models of the micro and openwakeword engines, all active at once; empty: the engines for phrases."""
    phrases: tuple[str, ...] = ("hey computer",)
    """Phrases that wake the assistant with the vosk, vad-whisper and pocketsphinx engines (lower case words)."""
    threshold: float = limit(0.5, lo=0.0, hi=1.0)
    """Strictness of vosk, vad-whisper and pocketsphinx from 0 (lenient) to 1 (strict); each maps it to its own score."""
    refractory_s: float = limit(1.5, lo=0.0, hi=30.0)
    """After a detection, ignore further detections for this long."""
    during_speech: bool = False
    """Listen for the wake word and stop phrases while the assistant speaks although audio.echo_cancel
    is off: for a microphone that cancels the echo itself (a USB speakerphone)."""
    stop_phrases: tuple[str, ...] = ("stop", "stop it", "cancel", "be quiet")
    """Said alone while the assistant thinks or speaks, these interrupt it and it goes back to idle;
    only when the echo is cancelled (audio.echo_cancel or wake.during_speech). Empty: none."""
    duck_db: float = limit(12.0, lo=0.0, hi=40.0)
    """While someone speaks over a reply, play it this much quieter (echo_cancel only; 0: never)."""
    wyoming_uri: Optional[str] = limit(None, uri=True)
    """Wyoming wake-word server of engine wyoming: tcp://HOST:PORT or unix://PATH."""


@dataclass(frozen=True)
class EndpointSettings:
    silence_s: float = limit(0.6, lo=0.2, hi=3.0)
    """Silence that ends a question (counted in 32 ms frames, to the nearest frame)."""
    complete_silence_s: float = limit(0.5, lo=0.1, hi=3.0)
    """Shorter silence that ends a question whose early transcript is a finished sentence (silence_s: off)."""
    confident_silence_s: float = limit(0.35, lo=0.1, hi=3.0)
    """Shorter still when whisper was confident of that sentence's closing mark (at most complete_silence_s)."""
    confident_probability: float = limit(0.5, lo=0.0, hi=1.0)
    """Whisper's probability of the closing . ? or ! from which it counts as confident."""
    max_question_s: float = limit(15.0, lo=1.0, hi=120.0)
    """Longest question; longer speech is cut off here."""
    no_speech_timeout_s: float = limit(5.0, lo=1.0, hi=60.0)
    """Give up listening when nobody speaks this long after the wake word."""
    vad_threshold: float = limit(0.5, lo=0.05, hi=0.95)
    """Speech probability above which a block counts as speech."""
    early_transcript: bool = True
    """Start transcribing and answering when the silence begins, not when it ends (dropped if the user goes on)."""
    read_ahead_s: float = limit(2.0, lo=0.0, hi=30.0)
    """While the user speaks, the model reads the question so far every this many seconds of speech; 0 turns it off."""


@dataclass(frozen=True)
class ConversationSettings:
    followup_window_s: float = limit(8.0, lo=0.0, hi=120.0)
    """After an answer, listen this long for a follow-up without the wake word; 0 turns it off."""
    keep_history_s: float = limit(300.0, lo=0.0, hi=86400.0)
    """Forget the conversation after this much quiet time."""


@dataclass(frozen=True)
class IntentSettings:
    enabled: bool = True
    """Answer stop, time, date, volume and timer requests without the LLM."""
    volume_step: float = limit(0.1, lo=0.01, hi=1.0)
    """How much volume up/down changes the output gain."""


@dataclass(frozen=True)
class SoundSettings:
    wake: bool = True
    """Play a short tone when the assistant starts listening."""
    error: bool = True
    """Play a short low tone on an error."""


@dataclass(frozen=True)
class TimeoutSettings:
    stt_s: float = limit(20.0, lo=1.0, hi=600.0)
    """Longest speech-to-text may take on one question."""
    tts_s: float = limit(30.0, lo=1.0, hi=600.0)
    """Longest text-to-speech may take on one piece of the reply."""
    connect_s: float = limit(3.0, lo=0.1, hi=60.0)
    """Longest wait to connect to a network server (Wyoming, the LLM's)."""


@dataclass(frozen=True)
class DebugSettings:
    record_dir: Optional[str] = None
    """Folder for debug recordings of transcripts and replies; empty: nothing is written."""
    record_max_mb: float = limit(10.0, lo=0.1, hi=10000)
    """Size cap of the recordings: the current file and one rotated file share it."""


@dataclass(frozen=True)
class ServerSettings:
    wyoming_uri: Optional[str] = limit(None, uri=True)
    """Offer wake word, speech-to-text and voice as Wyoming services here (`run` and `serve`); empty: off."""
    allow: tuple[str, ...] = ()
    """Client addresses or networks the service's firewall lets in when the server listens beyond loopback."""


@dataclass(frozen=True)
class Settings:
    models: ModelsSettings = ModelsSettings()
    """Where models are kept."""
    stt: SttSettings = SttSettings()
    """Speech-to-text."""
    llm: LlmSettings = LlmSettings()
    """The language model: in this process, or on a server."""
    tts: TtsSettings = TtsSettings()
    """Text-to-speech."""
    audio: AudioSettings = AudioSettings()
    """Audio devices."""
    wake: WakeSettings = WakeSettings()
    """Wake word."""
    button: ButtonSettings = ButtonSettings()
    """Push-to-talk button."""
    leds: LedSettings = LedSettings()
    """Status LEDs."""
    endpoint: EndpointSettings = EndpointSettings()
    """When a question starts and ends."""
    conversation: ConversationSettings = ConversationSettings()
    """Follow-up questions and history."""
    intents: IntentSettings = IntentSettings()
    """Requests answered without the LLM."""
    sounds: SoundSettings = SoundSettings()
    """Short feedback tones."""
    timeouts: TimeoutSettings = TimeoutSettings()
    """Per-stage time limits (the LLM's is llm.timeout_s)."""
    debug: DebugSettings = DebugSettings()
    """Opt-in debug recording; off by default so no conversation reaches the disk."""
    server: ServerSettings = ServerSettings()
    """Opt-in Wyoming services for Home Assistant; off by default (no socket is opened)."""
