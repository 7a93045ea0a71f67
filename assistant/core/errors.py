"""Typed errors, one per stage, each carrying the exit status the CLI uses."""

from __future__ import annotations

EX_OK = 0
EX_FAILURE = 1
EX_USAGE = 64
EX_DATAERR = 65
EX_NOINPUT = 66
EX_UNAVAILABLE = 69
EX_SOFTWARE = 70
EX_IOERR = 74
EX_TEMPFAIL = 75
EX_CONFIG = 78


class AssistantError(Exception):
    """Base of every error the assistant reports as one clear line."""

    exit_code = EX_FAILURE


class ConfigError(AssistantError):
    """The configuration file or a value in it is invalid."""

    exit_code = EX_CONFIG


class ModelError(AssistantError):
    """A model is missing, truncated, corrupt or of the wrong kind."""

    exit_code = EX_CONFIG


class InputError(AssistantError):
    """A file the user handed in (WAV, text) cannot be used."""

    exit_code = EX_DATAERR


class AudioDeviceError(AssistantError):
    """An audio device is missing, busy or failed."""

    exit_code = EX_UNAVAILABLE


class SttError(AssistantError):
    """Speech-to-text failed."""

    exit_code = EX_SOFTWARE


class LlmError(AssistantError):
    """The language model failed."""

    exit_code = EX_SOFTWARE


class TtsError(AssistantError):
    """Text-to-speech failed."""

    exit_code = EX_SOFTWARE


class WakeError(AssistantError):
    """The wake-word engine failed (a remote one cannot be reached)."""

    exit_code = EX_UNAVAILABLE


class ServerError(AssistantError):
    """The Wyoming server cannot listen on its address."""

    exit_code = EX_UNAVAILABLE


class FetchError(AssistantError):
    """A model download failed or its checksum did not match."""

    exit_code = EX_UNAVAILABLE


class GpioError(AssistantError):
    """A GPIO pin cannot be used."""

    exit_code = EX_CONFIG
