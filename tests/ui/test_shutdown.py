"""Shutdown: pending background work (board refreshes, venue loads) is cancelled before the
API client closes, so quitting never logs a traceback; nothing new starts while closing."""

from __future__ import annotations

import asyncio
import logging

from tests.plugins.ui import poll_until


def test_shutdown_cancels_pending_refreshes_before_closing_the_client(kiosk_factory, sim, ui_loop, caplog):
    caplog.set_level(logging.WARNING)

    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        home = ctx.shell.screen("home")
        await poll_until(lambda: home.bay_buttons, what="board")
        sim.faults.set("*", latency_s=2.0)             # the next requests are in flight at quit
        ctx.venue.locations.clear()                    # the refresh reloads the venue (venue.load)
        home.refresh_soon()
        load = ctx.spawn(ctx.venue.load())
        await asyncio.sleep(0.2)
        pending = [t for t in ctx.tasks if not t.done()]
        assert load in pending and len(pending) >= 2
        client = ctx.client
        await app.aclose()
        assert all(t.cancelled() for t in pending)
        assert client.is_closed
        # closing: a late timer or signal cannot start new work on the closed client
        late = ctx.spawn(ctx.venue.load())
        assert late.cancelled() and not ctx.tasks
        sim.faults.clear()

    ui_loop.run_until_complete(scenario())
    bad = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not bad, [r.getMessage() for r in bad]
