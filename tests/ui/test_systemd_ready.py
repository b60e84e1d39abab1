"""systemd readiness: READY=1 goes out right after the first frame, not after the API
answered, so a boot with the network down never runs into TimeoutStartSec."""

from __future__ import annotations

import asyncio
import gc
import socket

import pytest

from kiosk import gcpause
from tests.plugins.ui import poll_until


class Notify:
    """systemd's side of $NOTIFY_SOCKET: what the kiosk has sent so far, line by line."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.lines = sock, []

    def read(self) -> list[str]:
        while True:
            try:
                self.lines += self.sock.recv(4096).decode().splitlines()
            except BlockingIOError:
                return self.lines

    def received(self, line: str) -> bool:
        return line in self.read()

    def status(self) -> list[str]:
        return [m for m in self.read() if m.startswith("STATUS=")]


@pytest.fixture
def notify(tmp_path, monkeypatch):
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.setblocking(False)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    yield Notify(sock)
    sock.close()


def test_ready_is_sent_after_the_first_frame_while_the_network_is_still_down(kiosk_factory, sim, ui_loop,
                                                                              notify, monkeypatch):
    from PySide6.QtCore import QEvent, QObject

    from kiosk.deploy import systemd

    received = notify.received
    painted: list[bool] = []
    at_ready: list[bool] = []

    class Painted(QObject):
        def eventFilter(self, obj, ev):  # noqa: N802 - Qt API
            if ev.type() == QEvent.Type.Paint:
                painted.append(True)
            return False

    ready = systemd.notify_ready
    monkeypatch.setattr(systemd, "notify_ready", lambda *a: (at_ready.append(bool(painted)), ready(*a))[1])

    async def scenario():
        sim.faults.set("*", latency_s=3.0)          # every API call hangs: a slow or dead network
        app = kiosk_factory(sim)
        app.build()
        spy = Painted()
        app.ctx.shell.installEventFilter(spy)        # (a repaint() before the window is exposed paints nothing)
        start = asyncio.ensure_future(app.start())
        await poll_until(lambda: received("READY=1"), 5, what="READY=1")
        assert at_ready == [True], "READY=1 went out before the window's first frame was painted"
        assert not start.done(), "READY=1 should not wait for the API"
        assert received("STATUS=loading the chargers")      # what `systemctl status` says meanwhile
        sh = app.ctx.shell
        assert sh.isVisible() and sh.current_name() == "home"
        sim.faults.clear()
        await start
        # the collector, paused while the kiosk started (kiosk/gcpause.py), is back on
        assert gc.isenabled() and not gcpause.paused()
        # the board filled from the service (16 bays of the demo venue) and a tap opens a charger
        await poll_until(lambda: received(f"STATUS=serving guests: {len(app.ctx.venue.bays)} chargers on the board"),
                         5, what="serving guests")
        assert not sh.screen("home").revealing()                   # said once every card is shown
        assert notify.read().count("READY=1") == 1                  # once, not again after connect
        assert len(app.ctx.venue.bays) == len(sh.screen("home").bay_buttons) == 16

    ui_loop.run_until_complete(scenario())


def test_the_status_says_offline_while_the_service_is_away_and_serving_once_it_is_back(kiosk_factory, sim, ui_loop,
                                                                                       notify, monkeypatch):
    """Staff reading `systemctl status` see whether the kiosk serves guests or waits for the service."""
    from kiosk.app import KioskApp

    monkeypatch.setattr(KioskApp, "STATUS_EVERY_S", 0.1)
    status = notify.status

    async def scenario():
        sim.faults.set("*", error_rate=1.0, error_status=503)     # the service answers nothing useful
        app = kiosk_factory(sim)
        await app.start()
        await poll_until(lambda: len(status()) >= 2, 5, what="a second status")
        assert status()[:2] == ["STATUS=loading the chargers",
                                "STATUS=offline: no answer from the service yet; retrying"]
        sim.faults.clear()
        app.ctx.shell.screen("home").refresh_soon()               # (the board's own timer, sooner)
        await poll_until(lambda: status()[-1].startswith("STATUS=serving"), 10, what="serving guests")
        assert status()[-1] == "STATUS=serving guests: 16 chargers on the board"
        assert len(status()) == 3                                 # said once each, not every 0.1 s

    ui_loop.run_until_complete(scenario())


def test_the_status_says_when_the_board_stays_empty_with_the_service_up(kiosk_factory, sim, ui_loop, notify):
    """A location id the service does not know (or a refused key): up, but no guest can
    charge; the status does not say "serving guests"."""

    async def scenario():
        app = kiosk_factory(sim, venue_location_ids=["NL-GFX-NO-SUCH-LOCATION"])
        await app.start()
        await poll_until(lambda: len(notify.status()) >= 2, 5, what="a second status")
        second = notify.status()[1]
        assert second.startswith("STATUS=no chargers on the board (") and second.endswith("); retrying"), second
        assert app.ctx.venue.online and not app.ctx.venue.bays

    ui_loop.run_until_complete(scenario())


def test_a_stop_while_the_kiosk_is_still_starting_closes_it_down_in_order(tmp_path):
    """systemd may stop the unit right after READY=1, while the kiosk still connects: the
    real command closes down (STOPPING=1, exit 0), it is not killed by the signal."""
    import os
    import signal
    import subprocess
    import sys
    import time

    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(60)
    (tmp_path / "none.toml").write_text("")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NOTIFY_SOCKET=str(path), KIOSK_CONFIG=str(tmp_path / "none.toml"),
               KIOSK_DATA_DIR=str(tmp_path / "data"), KIOSK_LOG_DIR=str(tmp_path / "logs"), KIOSK_CAMERA="none")
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--windowed", "--demo"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        got: list[str] = []
        while "READY=1" not in got:
            got += sock.recv(4096).decode().splitlines()
        proc.send_signal(signal.SIGTERM)            # at once: the start is still under way
        t = time.monotonic()
        rc = proc.wait(timeout=60)
        while "STOPPING=1" not in got and time.monotonic() - t < 5:
            got += sock.recv(4096).decode().splitlines()
    finally:
        if proc.poll() is None:
            proc.kill()
        sock.close()
    assert rc == 0, proc.stderr.read()[-2000:] if proc.stderr else rc
    assert "STOPPING=1" in got
