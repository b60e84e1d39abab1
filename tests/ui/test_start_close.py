"""A kiosk closed while it is still starting (an embedding program, the desk, a test), or
whose start fails: start() returns at its next step without a traceback, nothing it opened
on the way stays open, and the cyclic collector is back on (kiosk/gcpause.py)."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading

import pytest

from tests.plugins.ui import poll_until

PHASES = ["_make_client", "_import_sessions", "_open_journal", "connect", "_after_board", "out_of_order"]


@pytest.fixture(autouse=True)
def _collector_back():
    yield
    from kiosk import gcpause

    gcpause.end()
    gc.enable()


@pytest.mark.parametrize("phase", PHASES)
def test_closed_while_starting(phase, kiosk_factory, sim, ui_loop, tmp_path, monkeypatch, caplog, qapp):
    from kiosk.app import KioskApp

    qapp.setQuitOnLastWindowClosed(False)
    monkeypatch.setattr(KioskApp, "OUT_OF_ORDER_RETRY_S", 3.0)
    caplog.set_level(logging.WARNING)
    gate, reached = threading.Event(), threading.Event()
    extra = {}
    if phase == "connect":
        sim.faults.set("GET /locations/{id}", latency_s=1.5, times=5)
    elif phase == "out_of_order":
        blocker = tmp_path / "blocker"
        blocker.write_text("x")               # the data folder cannot be made: out of order
        extra["data_dir"] = blocker / "data"
    else:
        orig = getattr(KioskApp, phase)

        def gated(*a):
            reached.set()
            gate.wait(20)
            return orig(*a)

        monkeypatch.setattr(KioskApp, phase, gated if phase in ("_make_client", "_open_journal", "_after_board")
                            else staticmethod(gated))
    out = {}

    async def scenario():
        app = kiosk_factory(sim, start_camera=False, **extra)
        starting = ui_loop.create_task(app.start())
        if phase == "connect":
            await poll_until(lambda: app.ctx is not None and app.ctx.client is not None, 20, what="client")
            await asyncio.sleep(0.3)
        elif phase == "out_of_order":
            await poll_until(lambda: app.ctx is not None and app.ctx.shell.current_name() == "out_of_order", 20,
                             what="out of order")
        else:
            await poll_until(reached.is_set, 20, what=phase)
        client = app._client
        await app.aclose()
        gate.set()
        await asyncio.wait_for(starting, 5)        # returns (no exception) soon after
        await asyncio.sleep(0.1)
        c = app._client or client
        out["client_closed"] = None if c is None else c.is_closed
        out["journal_left_open"] = app._journal is not None
        out["gc_enabled"] = gc.isenabled()

    ui_loop.run_until_complete(scenario())
    logged = [f"{r.levelname}: {r.getMessage()[:80]}" for r in caplog.records
              if (r.exc_info or r.levelno >= logging.ERROR) and "out of order" not in r.getMessage()]
    assert out["client_closed"] in (None, True) and not out["journal_left_open"] and out["gc_enabled"], out
    assert not logged, logged


def test_a_start_that_fails_leaves_the_collector_on(kiosk_factory, sim, ui_loop, monkeypatch, tmp_path):
    """A CA bundle that cannot be read (SSL_CERT_FILE names a missing file): start() raises,
    and the collector is on at once, not only after the pause's 30 s limit."""
    from kiosk import gcpause

    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing-ca.pem"))

    async def scenario():
        app = kiosk_factory(sim, start_camera=False)
        with pytest.raises(OSError):
            await app.start()
        assert gc.isenabled() and not gcpause.paused()

    ui_loop.run_until_complete(scenario())
