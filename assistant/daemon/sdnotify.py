"""A tiny sd_notify client (standard library only) for Type=notify services.

systemd passes NOTIFY_SOCKET (a path, or '@name' for the abstract namespace) and, with
WatchdogSec=, WATCHDOG_USEC. Outside systemd every call is a no-op. Sending never
raises: the assistant must keep answering even if systemd cannot hear it.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Mapping

log = logging.getLogger(__name__)


def watchdog_interval_s(env: Mapping[str, str] | None = None) -> float | None:
    """The watchdog timeout in seconds, or None when systemd expects no pings from us.

    Ping at half of it. WATCHDOG_PID, when set, must be this process (a child that
    inherited the environment must not ping for its parent).
    """
    env = os.environ if env is None else env
    usec, pid = env.get("WATCHDOG_USEC"), env.get("WATCHDOG_PID")
    if not usec:
        return None
    if pid and pid.strip() != str(os.getpid()):
        return None
    try:
        value = int(usec)
    except ValueError:
        log.warning("WATCHDOG_USEC=%r is not a number; not pinging the watchdog", usec)
        return None
    return value / 1e6 if value > 0 else None


def _address(raw: str) -> str | bytes | None:
    if raw.startswith("@"):
        return b"\0" + raw[1:].encode()
    if raw.startswith("/"):
        return raw
    return None


class Notifier:
    """Sends state changes to systemd over NOTIFY_SOCKET."""

    def __init__(self, env: Mapping[str, str] | None = None):
        env = os.environ if env is None else env
        raw = env.get("NOTIFY_SOCKET", "")
        self._address = _address(raw) if raw else None
        if raw and self._address is None:
            log.warning("NOTIFY_SOCKET=%r is not a unix socket path; not notifying systemd", raw)
        self._sock: socket.socket | None = None
        self._warned = False

    @property
    def enabled(self) -> bool:
        """True when running under systemd with a notify socket."""
        return self._address is not None

    def notify(self, **fields: object) -> bool:
        """Send KEY=value lines (keys upper-cased); True when systemd got them."""
        if self._address is None or not fields:
            return False
        lines = [f"{key.upper()}={_one_line(value)}" for key, value in fields.items()]
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.sendto("\n".join(lines).encode(), self._address)
            return True
        except OSError as exc:
            if not self._warned:
                self._warned = True
                log.warning("cannot notify systemd at %s: %s", self._address, exc)
            return False

    def ready(self, status: str | None = None) -> bool:
        """Start-up finished: systemd marks the unit active."""
        return self.notify(READY=1, **({"STATUS": status} if status else {}))

    def status(self, text: str) -> bool:
        """One line shown by `systemctl status`."""
        return self.notify(STATUS=text)

    def watchdog(self) -> bool:
        """Keep-alive ping; call at half of watchdog_interval_s()."""
        return self.notify(WATCHDOG=1)

    def extend_timeout(self, seconds: float) -> bool:
        """Ask for more start-up (or stop) time, e.g. while a large model loads."""
        return self.notify(EXTEND_TIMEOUT_USEC=int(seconds * 1e6))

    def stopping(self) -> bool:
        """Shutdown began."""
        return self.notify(STOPPING=1)

    def close(self) -> None:
        """Release the socket."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def _one_line(value: object) -> str:
    # A newline would start a new KEY=value field.
    return " ".join(str(value).splitlines())
