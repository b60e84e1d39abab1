"""systemd readiness: READY=1 goes out right after the first frame, not after the API
answered, so a boot with the network down never runs into TimeoutStartSec."""

from __future__ import annotations

import asyncio
import socket

from tests.plugins.ui import poll_until


def test_ready_is_sent_after_the_first_frame_while_the_network_is_still_down(kiosk_factory, sim, ui_loop,
                                                                              tmp_path, monkeypatch):
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.setblocking(False)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    got: list[str] = []

    def received(text: str) -> bool:
        while True:
            try:
                got.append(sock.recv(4096).decode())
            except BlockingIOError:
                break
        return any(text in m.splitlines() for m in got)

    async def scenario():
        sim.faults.set("*", latency_s=3.0)          # every API call hangs: a slow or dead network
        app = kiosk_factory(sim)
        start = asyncio.ensure_future(app.start())
        await poll_until(lambda: received("READY=1"), 5, what="READY=1")
        assert not start.done(), "READY=1 should not wait for the API"
        sh = app.ctx.shell
        assert sh.isVisible() and sh.current_name() == "home"
        sim.faults.clear()
        await start
        assert sum(m.splitlines().count("READY=1") for m in got) == 1
        received("READY=1")
        assert sum(m.splitlines().count("READY=1") for m in got) == 1   # once, not again after connect

    try:
        ui_loop.run_until_complete(scenario())
    finally:
        sock.close()
