"""Taps in the first moments after start-up: the board is filled before the session
service (and hotel billing, which sets the guest's price) exists. A guest who taps a bay,
or types a code, then is not dropped: the screen shows it is busy and goes on once the
service is there, with the guest's price. And a kiosk that booted while the service was
away registers its token when the service comes back (without it no guest could start)."""

from __future__ import annotations

import asyncio
import threading

from tests.plugins.ui import click, poll_until, tap_keys


def _slow_journal(monkeypatch):
    """The journal opens only when the test says so (a slow SD card, a far venue database)."""
    from kiosk.app import KioskApp

    gate = threading.Event()
    orig = KioskApp._open_journal
    monkeypatch.setattr(KioskApp, "_open_journal", lambda self: (gate.wait(20), orig(self)))
    return gate


def test_a_bay_tapped_before_the_service_waits_and_shows_the_guests_price(kiosk_factory, sim, ui_loop,
                                                                         monkeypatch):
    gate = _slow_journal(monkeypatch)

    async def scenario():
        app = kiosk_factory(sim, start_camera=False, price_policy="margin_percent", price_margin=25.0)
        starting = asyncio.ensure_future(app.start())
        try:
            ctx = await poll_until(lambda: app.ctx, what="ctx")
            sh, home = ctx.shell, ctx.shell.screen("home")
            await poll_until(lambda: any(b.isVisible() and b.bay.status == "AVAILABLE" for b in home.bay_buttons),
                             30, what="board filled")
            assert ctx.sessions is None
            click(next(b for b in home.bay_buttons if b.bay.status == "AVAILABLE"))
            ch = sh.screen("charger")
            await asyncio.sleep(0.3)
            assert sh.current_name() == "charger" and ctx.flow.busy == "loading" and ch.details is None
            assert not ch.start.isEnabled()
        finally:
            gate.set()
        await poll_until(lambda: ch.details is not None, 30, what="the charger, once the service is there")
        assert ch.details.guest_offer is not None          # hotel billing's price, not the operator's
        assert ch.tariff_title.text() == "What you pay"
        click(ch.start)
        await poll_until(lambda: sh.current_name() in ("started", "start_failed"), 60, what="start result")
        assert sh.current_name() == "started"
        assert ctx.billing.pricing.policy_of(ctx.flow.visit.key).mode == "margin_percent"
        await starting

    ui_loop.run_until_complete(scenario())


def test_a_code_typed_before_the_service_is_checked_once_it_is_there(kiosk_factory, sim, ui_loop, monkeypatch):
    gate = _slow_journal(monkeypatch)

    async def scenario():
        app = kiosk_factory(sim, start_camera=False)
        starting = asyncio.ensure_future(app.start())
        try:
            ctx = await poll_until(lambda: app.ctx, what="ctx")
            sh, home = ctx.shell, ctx.shell.screen("home")
            await poll_until(lambda: home.bay_buttons, 30, what="board filled")
            ctx.flow.my_session(home.bay_buttons[0].bay.evse_uid)
            code = sh.screen("code")
            await poll_until(lambda: sh.current_name() == "code", what="code entry")
            tap_keys(code.keypad, "123456")
            click(code.keypad.ok_btn)
            await asyncio.sleep(0.3)
            assert ctx.flow.busy == "checking" and "Checking" in code.hint.text()
        finally:
            gate.set()
        # not dropped: checked once the service exists (a code no session has: refused, said so)
        await poll_until(lambda: code.error.text(), 30, what="the code's answer")
        assert ctx.flow.busy is None and sh.current_name() == "code"
        await starting

    ui_loop.run_until_complete(scenario())


def test_a_kiosk_booted_while_the_service_was_away_registers_when_it_is_back(kiosk_factory, sim, ui_loop,
                                                                            monkeypatch):
    from kiosk.app import KioskApp

    monkeypatch.setattr(KioskApp, "REGISTER_RETRY_S", 0.3)
    sim.stop()                                 # away at boot; the token is new to the service

    async def scenario():
        app = kiosk_factory(sim, start_camera=False, app_token="booted-offline")
        ctx = await asyncio.wait_for(app.start(), 60)
        sh, home = ctx.shell, ctx.shell.screen("home")
        assert not home.bay_buttons
        sim.start()                            # back
        await home.refresh()
        await poll_until(lambda: any(b.isVisible() and b.bay.status == "AVAILABLE" for b in home.bay_buttons),
                         20, what="board")
        await poll_until(lambda: "booted-offline" in sim.state.tokens, 10, what="token registered")
        click(next(b for b in home.bay_buttons if b.bay.status == "AVAILABLE"))
        ch = sh.screen("charger")
        await poll_until(lambda: ch.details is not None and ch.start.isEnabled(), 30, what="charger")
        click(ch.start)
        await poll_until(lambda: sh.current_name() in ("started", "start_failed"), 60, what="start result")
        assert sh.current_name() == "started", ctx.flow.visit.failure

    ui_loop.run_until_complete(scenario())


def test_staff_pin_while_out_of_order_says_why_and_back_keeps_guests_off_the_board(kiosk_factory, sim, ui_loop,
                                                                                   tmp_path, qapp):
    """The journal cannot be used (here: its folder cannot be made): the screen is out of
    order and the attendant desk is not installed. A right PIN says the desk is not ready
    (it used to clear the keypad and do nothing), and Back returns to "out of order", not
    to a board no guest could use."""
    blocker = tmp_path / "blocker"
    blocker.write_text("x")

    async def scenario():
        app = kiosk_factory(sim, start_camera=False, data_dir=blocker / "data", attendant_pin="4711")
        starting = asyncio.ensure_future(app.start())
        ctx = await poll_until(lambda: app.ctx, what="ctx")
        sh = ctx.shell
        await poll_until(lambda: sh.current_name() == "out_of_order", 20, what="out of order")
        for _ in range(3):
            click(sh.corner)
        assert sh.current_name() == "pin"
        pin = sh.screen("pin")
        tap_keys(pin.keypad, "4711")
        click(pin.keypad.ok_btn)
        await poll_until(lambda: pin.error.text(), 5, what="the PIN's answer")
        assert "not ready" in pin.error.text() and sh.current_name() == "pin"
        click(pin.cancel)
        assert sh.current_name() == "out_of_order"
        await app.aclose()
        await asyncio.wait_for(starting, 5)

    qapp.setQuitOnLastWindowClosed(False)
    ui_loop.run_until_complete(scenario())
