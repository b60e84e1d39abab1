"""sd_notify over $NOTIFY_SOCKET: what systemd receives, and silence outside systemd."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid

import pytest

from kiosk.deploy import systemd


@pytest.fixture
def notify_socket(tmp_path, monkeypatch):
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    yield sock
    sock.close()


def test_ready_and_watchdog_reach_the_socket(notify_socket):
    assert systemd.notify_ready(status="kiosk up")
    assert notify_socket.recv(4096) == b"READY=1\nSTATUS=kiosk up"
    assert systemd.notify_watchdog()
    assert notify_socket.recv(4096) == b"WATCHDOG=1"
    assert systemd.notify_stopping()
    assert notify_socket.recv(4096) == b"STOPPING=1"


def test_abstract_namespace_socket(monkeypatch):
    name = f"kiosk-test-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(b"\0" + name.encode())
    sock.settimeout(2)
    try:
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert systemd.notify_watchdog()
        assert sock.recv(100) == b"WATCHDOG=1"
    finally:
        sock.close()


def test_noop_without_systemd(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    assert systemd.notify_ready() is False
    assert systemd.notify_watchdog() is False
    assert systemd.watchdog_interval() is None
    assert systemd.start_watchdog(asyncio.new_event_loop()) is None


def test_gone_socket_never_raises(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "nobody-listens"))
    assert systemd.notify_watchdog() is False


def test_watchdog_interval_is_half_of_watchdogsec(notify_socket, monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    assert systemd.watchdog_interval() == 15.0
    # cage is the service's main process: WATCHDOG_PID names our parent
    monkeypatch.setenv("WATCHDOG_PID", str(os.getppid()))
    assert systemd.watchdog_interval() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert systemd.watchdog_interval() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", "1")  # meant for another process
    assert systemd.watchdog_interval() is None
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    monkeypatch.setenv("WATCHDOG_USEC", "0")
    assert systemd.watchdog_interval() is None


def test_start_watchdog_pings_from_the_loop_and_stops_when_it_is_blocked(notify_socket, monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "100000")  # WatchdogSec=0.1 -> ping every 50 ms
    notify_socket.setblocking(False)

    def drain() -> list[bytes]:
        got = []
        while True:
            try:
                got.append(notify_socket.recv(100))
            except BlockingIOError:
                return got

    async def scenario() -> tuple[int, int]:
        systemd.start_watchdog()
        await asyncio.sleep(0.4)
        running = drain()
        import time

        time.sleep(0.4)  # the event loop is frozen: no pings may arrive
        frozen = drain()
        return len(running), len(frozen)

    loop = asyncio.new_event_loop()
    try:
        running, frozen = loop.run_until_complete(scenario())
    finally:
        loop.close()
    assert running >= 4, running
    assert frozen == 0


def test_helper_stays_dependency_free():
    """The app imports it from its event loop and the recovery screen/service scripts may too:
    standard library only (no Qt, no kiosk layers), so it can never fail to import."""
    import ast
    import sys
    from pathlib import Path

    tree = ast.parse(Path(systemd.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported - {"__future__"} <= set(sys.stdlib_module_names), imported
