"""A kiosk restarted on the same data folder (a power cut, an update) takes up the sessions
its predecessor started: the board fills before the session service exists (start-up time),
so the resume of the journal's sessions must wait for the service, and then poll them."""

from __future__ import annotations

from tests.plugins.ui import click, poll_until


def _status_requests(sim) -> int:
    return sum(n for (ep, _st), n in sim.stats.items() if ep == "GET /session/status")


def test_a_restarted_kiosk_polls_the_session_it_had_started(kiosk_factory, sim, ui_loop, tmp_path, monkeypatch):
    import time

    from kiosk.app import KioskApp

    same = {"data_dir": tmp_path / "kiosk-data", "app_token": "test-restart"}
    slow = KioskApp._import_sessions

    def slow_import() -> None:      # a slow SD card: the service comes well after the token
        time.sleep(0.5)
        slow()

    async def scenario():
        first = kiosk_factory(sim, start_camera=False, **dict(same))
        ctx = await first.start()
        sh, home = ctx.shell, ctx.shell.screen("home")
        free = next(b for b in home.bay_buttons if b.bay.status == "AVAILABLE")
        click(free)
        ch = sh.screen("charger")
        await poll_until(lambda: ch.details is not None and ch.start.isEnabled(), 30, what="charger details")
        click(ch.start)
        await poll_until(lambda: sh.current_name() == "started", 60, what="session started")
        evse = free.bay.evse_uid
        await first.aclose()
        sh.close()

        monkeypatch.setattr(KioskApp, "_import_sessions", staticmethod(slow_import))
        second = kiosk_factory(sim, start_camera=False, **dict(same))
        before = _status_requests(sim)
        ctx2 = await second.start()
        # the journal's session is the new process's own again: on its board as in use here,
        # and polled (its status asked for), which only happens once the resume ran
        await poll_until(lambda: evse in ctx2.in_use(), 30, what="the session taken up")
        await poll_until(lambda: _status_requests(sim) > before, 30, what="the session polled")
        bay = next(b for b in ctx2.shell.screen("home").bay_buttons if b.bay.evse_uid == evse)
        await poll_until(lambda: bay.bay.in_use_here, 30, what="the bay shown as in use here")

    ui_loop.run_until_complete(scenario())
