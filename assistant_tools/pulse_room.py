"""The simulated room on PulseAudio: the daemon's real sounddevice streams, echoed back to it.

The daemon plays into the null sink ``room_speaker`` and records ``room_mic.monitor``
(``PulseRoom.daemon_env``). Between them a pump reads what the speaker carries
(``parec``, 10 ms at a time, paced by the sink's clock), passes it through the seeded room
of assistant/audio/room.py (delay, reflections, tail, gain, noise), mixes the user's
queued speech on top and plays the result into ``room_mic`` (``pacat``). So the echo's
path includes PulseAudio's and ALSA's own buffering, as on a desktop with a USB speaker.

``PulseServer`` starts a private PulseAudio (no sound card, no session needed), for the
tests and for ``python -m assistant_tools.pulse_room``.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from assistant.audio.format import AUDIBLE, ENGINE_RATE, Clip, read_wav, write_wav
from assistant.audio.room import Room, RoomParams

BLOCK = ENGINE_RATE // 100
"""The pump's step: 10 ms at 16 kHz."""
SPEAKER_SINK, MIC_SINK = "room_speaker", "room_mic"


def wait_until(predicate, timeout_s: float, what: str) -> None:
    """Poll ``predicate`` until it holds; AssertionError naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class PulseServer:
    """A private PulseAudio server under ``runtime_dir``; ``env`` reaches it."""

    def __init__(self, runtime_dir: Path) -> None:
        self.env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime_dir), HOME=str(runtime_dir))
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> "PulseServer":
        self._process = subprocess.Popen(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
             "--load=module-native-protocol-unix"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: self.pactl("info").returncode == 0, 10, "pulseaudio to start")
        return self

    def pactl(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True)

    def __exit__(self, *exc) -> None:
        self._process.terminate()
        self._process.wait(timeout=5)


def _pa_stream(kind: str, device: str, env: dict, latency_ms: int) -> subprocess.Popen:
    pipe = {"stdout": subprocess.PIPE} if kind == "--record" else {"stdin": subprocess.PIPE}
    return subprocess.Popen(["pacat", kind, "--raw", f"--device={device}", "--format=float32le",
                             f"--rate={ENGINE_RATE}", "--channels=1", f"--latency-msec={latency_ms}"],
                            env=env, stderr=subprocess.DEVNULL, **pipe)


class PulseRoom:
    """Two null sinks on the server behind ``env``, joined by a room and the user's voice."""

    def __init__(self, env: dict, params: RoomParams = RoomParams(), latency_ms: int = 20,
                 record: bool = False) -> None:
        """``record`` keeps everything that went into the microphone (``recording``)."""
        self.env, self.params, self.latency_ms = env, params, latency_ms
        self.room = Room(params, ENGINE_RATE)
        self.daemon_env = dict(env, PULSE_SINK=SPEAKER_SINK, PULSE_SOURCE=f"{MIC_SINK}.monitor")
        """The environment for ``assistant run``: it plays into the room and hears it."""
        self.position = 0
        """Samples pumped so far (of the speaker's monitor, and so of the microphone)."""
        self.audible_s = 0.0
        """Seconds of audible sound the speaker has carried."""
        self._user: collections.deque[np.ndarray] = collections.deque()
        self._pending = np.zeros(0, np.float32)
        self._lock = threading.Lock()
        self._record: list[np.ndarray] | None = [] if record else None
        self._pumping = False
        self._procs: list[subprocess.Popen] = []
        self._thread: threading.Thread | None = None

    def start(self) -> "PulseRoom":
        for sink in (SPEAKER_SINK, MIC_SINK):
            loaded = subprocess.run(["pactl", "load-module", "module-null-sink", f"sink_name={sink}",
                                     f"rate={ENGINE_RATE}", "channels=1"], env=self.env, capture_output=True, text=True)
            if loaded.returncode != 0:
                raise RuntimeError(f"pactl could not create the null sink {sink}: {loaded.stderr.strip()}")
        self._procs = [_pa_stream("--record", f"{SPEAKER_SINK}.monitor", self.env, self.latency_ms),
                       _pa_stream("--playback", MIC_SINK, self.env, self.latency_ms)]
        self.room.start_playing(0)
        self._pumping = True
        self._thread = threading.Thread(target=self._pump, name="pulse-room", daemon=True)
        self._thread.start()
        return self

    def say(self, clip: Clip) -> None:
        """Mix ``clip`` (16 kHz) into the microphone from the next block on."""
        with self._lock:
            self._user.append(clip.samples.astype(np.float32))

    def wait_audible(self, seconds: float, timeout_s: float = 120.0) -> None:
        """Block until the speaker has carried ``seconds`` more of audible sound."""
        until = self.audible_s + seconds
        wait_until(lambda: self.audible_s >= until, timeout_s, f"{seconds} s more of the assistant's voice")

    def _user_block(self) -> np.ndarray:
        with self._lock:
            while len(self._pending) < BLOCK and self._user:
                self._pending = np.concatenate([self._pending, self._user.popleft()])
            block = np.zeros(BLOCK, np.float32)
            n = min(BLOCK, len(self._pending))
            block[:n], self._pending = self._pending[:n], self._pending[n:]
        return block

    def _pump(self) -> None:
        source, sink = self._procs[0].stdout, self._procs[1].stdin
        size = BLOCK * 4
        while self._pumping:
            raw = source.read(size)
            if len(raw) < size:
                break  # parec ended: the server went away or close() stopped it
            played = np.frombuffer(raw, np.float32)
            if np.max(np.abs(played)) > AUDIBLE:
                self.audible_s += BLOCK / ENGINE_RATE
            self.room.played(played)
            mic = np.clip(self.room.heard(self.position, BLOCK) + self._user_block(), -1.0, 1.0)
            if self._record is not None:
                self._record.append(mic)
            self.position += BLOCK
            try:
                sink.write(mic.astype(np.float32).tobytes())
                sink.flush()
            except (BrokenPipeError, ValueError):
                break

    def running(self) -> bool:
        """True while the pump runs (it ends when the server goes away)."""
        return self._thread is not None and self._thread.is_alive()

    def recording(self) -> Clip:
        """Everything that went into the microphone (echo and user), at 16 kHz; empty unless
        the room was made with ``record``."""
        return Clip(np.concatenate(self._record) if self._record else np.zeros(0, np.float32), ENGINE_RATE)

    def close(self) -> None:
        self._pumping = False
        for proc in self._procs:
            proc.terminate()
        for proc in self._procs:
            proc.wait(timeout=5)
        if self._thread is not None:
            self._thread.join(timeout=5)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m assistant_tools.pulse_room",
                                description="Join a PulseAudio speaker and microphone through a simulated room.")
    p.add_argument("--seed", type=int, default=0, help="the room's seed (reflections, tail, noise)")
    p.add_argument("--say", type=Path, action="append", default=[], metavar="FILE.wav",
                   help="the user's speech, said into the room when the pump starts (repeatable)")
    p.add_argument("--record", type=Path, metavar="FILE.wav", help="save what the microphone heard on exit")
    args = p.parse_args(argv)
    if shutil.which("pacat") is None:
        print("error: pacat not found; install pulseaudio-utils", file=sys.stderr)
        return 69
    room = PulseRoom(dict(os.environ), RoomParams(seed=args.seed), record=args.record is not None).start()
    print(f"run the assistant with PULSE_SINK={SPEAKER_SINK} PULSE_SOURCE={MIC_SINK}.monitor; Ctrl-C ends",
          flush=True)
    for path in args.say:
        room.say(read_wav(path))
    try:
        while room.running():
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        room.close()
        if args.record:
            write_wav(args.record, room.recording())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
