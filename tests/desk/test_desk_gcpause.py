"""`kiosk desk` pauses the cyclic collector from the command's start (kiosk/cli.py, as every
command) and gives it back once the desk is up, not only after the pause's 30 s limit."""

from __future__ import annotations

import gc

from kiosk import gcpause


def test_the_collector_is_back_once_the_desk_is_up(desk_app, sim, ui_loop):
    async def scenario():
        gcpause.begin()                   # what `kiosk desk` does first (cli.main)
        assert not gc.isenabled()
        app = desk_app(sim)
        await app.start()
        assert app.window.isVisible()
        assert gc.isenabled() and not gcpause.paused()

    try:
        ui_loop.run_until_complete(scenario())
    finally:
        gcpause.end()
