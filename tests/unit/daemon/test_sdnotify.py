"""sd_notify over a real AF_UNIX datagram socket, path and abstract namespace."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from assistant.daemon.sdnotify import Notifier, watchdog_interval_s


@pytest.fixture
def path_socket(tmp_path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    address = str(tmp_path / "notify.sock")
    sock.bind(address)
    sock.settimeout(5)
    yield address, sock
    sock.close()


@pytest.fixture
def abstract_socket():
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = f"assistant-test-{uuid.uuid4().hex}"
    sock.bind("\0" + name)
    sock.settimeout(5)
    yield "@" + name, sock
    sock.close()


def receive(sock) -> str:
    return sock.recv(4096).decode()


def test_ready_status_watchdog_stopping_reach_a_path_socket(path_socket):
    address, sock = path_socket
    notifier = Notifier({"NOTIFY_SOCKET": address})
    assert notifier.enabled
    assert notifier.ready()
    assert receive(sock) == "READY=1"
    assert notifier.status("listening")
    assert receive(sock) == "STATUS=listening"
    assert notifier.watchdog()
    assert receive(sock) == "WATCHDOG=1"
    assert notifier.stopping()
    assert receive(sock) == "STOPPING=1"
    notifier.close()


def test_abstract_namespace_socket(abstract_socket):
    address, sock = abstract_socket
    notifier = Notifier({"NOTIFY_SOCKET": address})
    assert notifier.ready(status="ready: say hey computer")
    assert receive(sock) == "READY=1\nSTATUS=ready: say hey computer"
    notifier.close()


def test_fields_are_upper_cased_and_kept_on_one_line(path_socket):
    address, sock = path_socket
    notifier = Notifier({"NOTIFY_SOCKET": address})
    notifier.notify(status="heard:\nwhat time is it", extend_timeout_usec=5)
    assert receive(sock) == "STATUS=heard: what time is it\nEXTEND_TIMEOUT_USEC=5"
    notifier.extend_timeout(1.5)
    assert receive(sock) == "EXTEND_TIMEOUT_USEC=1500000"
    notifier.close()


def test_no_socket_means_no_op():
    notifier = Notifier({})
    assert not notifier.enabled
    assert notifier.ready() is False
    assert notifier.watchdog() is False


def test_send_failure_never_raises_and_logs_once(tmp_path, caplog):
    notifier = Notifier({"NOTIFY_SOCKET": str(tmp_path / "nobody-listens.sock")})
    assert notifier.status("one") is False
    assert notifier.status("two") is False
    assert sum("cannot notify systemd" in r.message for r in caplog.records) == 1
    notifier.close()


def test_unsupported_socket_address_is_ignored(caplog):
    notifier = Notifier({"NOTIFY_SOCKET": "vsock:2:1234"})
    assert not notifier.enabled
    assert notifier.ready() is False
    assert "not a unix socket path" in caplog.text


@pytest.mark.parametrize("env, expected", [
    ({}, None),
    ({"WATCHDOG_USEC": "30000000"}, 30.0),
    ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}, 30.0),
    ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid() + 1)}, None),
    ({"WATCHDOG_USEC": "0"}, None),
    ({"WATCHDOG_USEC": "soon"}, None),
])
def test_watchdog_interval(env, expected):
    assert watchdog_interval_s(env) == expected
