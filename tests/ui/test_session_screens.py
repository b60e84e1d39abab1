"""Starting / started (the code) / live / stop / receipt screens, and the failure paths:
REJECTED, TIMEOUT, the network lost in the middle of a session and regained. Every step is
a guest's tap on a real widget; the guest flow decides where it leads."""

from __future__ import annotations

import asyncio

from tests.plugins.ui import _shown, bay_button, click, free_evse, open_my_session, poll_until


async def _to_charger(ctx, sim, evse=None, exclude=()):
    """Tap the charger's bay on the board."""
    sh = ctx.shell
    if evse is None:
        evse = free_evse(ctx, sim, exclude)
    click(await bay_button(ctx, evse.evse_uid))
    ch = sh.screen("charger")
    await poll_until(lambda: sh.current_name() == "charger" and ch.details is not None, what="charger details")
    return evse, ch


async def _start(ctx, sim, evse=None, exclude=()):
    sh = ctx.shell
    evse, ch = await _to_charger(ctx, sim, evse, exclude)
    click(ch.start)
    await poll_until(lambda: sh.current_name() in ("starting", "started", "start_failed"), what="the start")
    return evse, sh.screen("starting")


async def _started_code(ctx, sim, exclude=()):
    sh = ctx.shell
    evse, st = await _start(ctx, sim, exclude=exclude)
    await poll_until(lambda: sh.current_name() == "started", 30, what="session started")
    code = sh.screen("started").code_label.text()
    return evse, code


async def _open_live(ctx, code, evse):
    sh = ctx.shell
    click(sh.screen("started").done)
    assert sh.current_name() == "home"
    assert sh.screen("started").code_label.text() == ""       # the code is gone from the screen
    return await open_my_session(ctx, code, evse.evse_uid)


def test_the_code_shows_as_soon_as_the_start_is_accepted_with_its_progress(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        sh = ctx.shell
        evse, ch = await _to_charger(ctx, sim)
        assert "plug" in ch.plug.text().lower()          # plugging in comes before Start
        sim.faults.set("GET /session/status", latency_s=0.5)   # hold the start's first steps on screen
        click(ch.start)
        await poll_until(lambda: sh.current_name() == "started", 30, what="started")
        started = sh.screen("started")
        code = started.code_label.text()
        assert len(code) == 6 and code.isdigit()
        assert code in started.qr.data()
        # the code is there before energy flows, with where the start is
        assert not started.steps[-1].text().startswith("✓")
        assert "▸" in "".join(w.text() for w in started.steps) or started.status.text()
        sim.faults.clear()
        await poll_until(lambda: started.steps[-1].text().startswith("✓"), 30, what="charging")
        # the board now shows the bay as in use through this kiosk, without guest data
        click(started.done)
        home = sh.screen("home")
        btn = next(b for b in home.bay_buttons if b.bay.evse_uid == evse.evse_uid)
        assert "started here" in btn.text() and code not in btn.text()

    ui_loop.run_until_complete(scenario())


def test_rejected_start_is_explained_with_next_step(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        sh = ctx.shell
        evse, ch = await _to_charger(ctx, sim)
        sim.scenario.block(evse.evse_uid)          # blocked after the guest saw it free
        click(ch.start)
        st = sh.screen("start_failed")
        await poll_until(lambda: sh.current_name() == "start_failed", 30, what="failure shown")
        assert st.title.text() == "The charger refused to start"
        assert st.next.text().startswith("Choose another charger")     # the best next action first
        assert st.other.isVisible() and st.home.isVisible()
        assert "plug" not in (st.what.text() + st.next.text()).lower()  # no coaching for a refusal
        click(st.other)
        assert sh.current_name() == "home"

    ui_loop.run_until_complete(scenario())


def test_timeout_when_no_car_is_plugged_in(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        sh = ctx.shell
        evse = free_evse(ctx, sim)
        sim.scenario.no_car(evse.evse_uid)
        await _start(ctx, sim, evse)
        st = sh.screen("start_failed")
        await poll_until(lambda: sh.current_name() == "start_failed", 60, what="TIMEOUT explained")
        assert st.title.text() == "The charger stopped waiting"
        assert "cable" in st.next.text() and "Try again" in st.next.text()
        assert st.retry.isVisible() and st.other.isVisible()

    ui_loop.run_until_complete(scenario())


def test_live_session_gauge_chart_estimate_and_stop_with_receipt(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        sh = ctx.shell
        evse, code = await _started_code(ctx, sim)
        live = await _open_live(ctx, code, evse)
        await poll_until(lambda: (live.view.energy_kwh or 0) > 0, 60, what="energy")
        assert "kWh" in live.values["energy"][1].text()
        assert live.values["cost"][0].text() == "Estimated cost so far"
        await poll_until(lambda: live.gauge.value > 0, 30, what="power on the gauge")
        await poll_until(lambda: len(live.chart.points) >= 2, 60, what="power chart")
        assert live.stop.isVisible() and not live.receipt.isVisible()
        # the way out beside Stop says the charging goes on (a plain "Done" read as a stop)
        assert live.done.text() == "Leave it charging"
        click(live.stop)
        assert sh.current_name() == "stop_confirm"
        click(sh.screen("stop_confirm").no)          # changed their mind
        assert sh.current_name() == "live"
        click(live.stop)
        click(sh.screen("stop_confirm").yes)
        rc = sh.screen("receipt")
        await poll_until(lambda: sh.current_name() == "receipt", 60, what="receipt")
        await poll_until(lambda: rc.receipt is not None and rc.receipt.final, 60, what="final receipt")
        assert "€" in rc.rows["total"][1].text()
        assert "kWh" in rc.rows["energy"][1].text()
        assert rc.rows["venue"][1].text() and rc.rows["charger"][1].text()
        if rc.receipt.receipt_number:      # only a direct payment gets one from the service
            assert rc.rows["number"][1].text() == rc.receipt.receipt_number
            assert rc.receipt.receipt_number in rc.qr.data()
        assert rc.rows["total"][1].text() in rc.qr.data()
        assert code not in rc.qr.data()
        click(rc.done)
        assert sh.current_name() == "home"

    ui_loop.run_until_complete(scenario())


def test_wrong_code_is_refused(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        sh = ctx.shell
        evse, code = await _started_code(ctx, sim)
        click(sh.screen("started").done)
        click(sh.screen("home").my_session)
        cs = sh.screen("code")
        click(await poll_until(lambda: _shown(cs.bay_buttons.get(evse.evse_uid)), what="the bay"))
        # the check runs off the UI loop and may take a moment: the guest is told meanwhile
        gate = asyncio.Event()
        attach = ctx.sessions.attach

        async def slow_attach(code, evse_uid):
            await gate.wait()
            return await attach(code, evse_uid)

        ctx.sessions.attach = slow_attach
        cs.keypad.type("000000" if code != "000000" else "111111")
        click(cs.keypad.ok_btn)
        await asyncio.sleep(0.05)
        assert "Checking" in cs.hint.text() and cs.keypad.display.text() == "–"
        gate.set()
        await poll_until(lambda: cs.error.text() != "", what="wrong code message")
        assert sh.current_name() == "code" and "does not match" in cs.error.text()
        assert "Checking" not in cs.hint.text()

    ui_loop.run_until_complete(scenario())


def test_network_lost_mid_session_then_regained(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        sh = ctx.shell
        evse, code = await _started_code(ctx, sim)
        live = await _open_live(ctx, code, evse)
        await poll_until(lambda: (live.view.energy_kwh or 0) > 0, 60, what="energy")
        sim.faults.set("*", drop_after_action=True)
        live._chart_at = 0
        await live.load_chart()
        assert "No connection" in live.offline.text() and "keeps charging" in live.offline.text()
        assert live.values["energy"][1].text()          # last values stay on screen
        assert sh.current_name() == "live"
        sim.faults.clear()
        await live.load_chart()
        assert live.offline.text() == ""
        e0 = live.view.energy_kwh
        await poll_until(lambda: live.view.energy_kwh > e0, 60, what="fresh values after reconnect")

    ui_loop.run_until_complete(scenario())


def test_two_guests_at_once_board_shows_bays_not_guests(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        sh = ctx.shell
        codes, evses = [], []
        for _ in range(2):
            evse, code = await _started_code(ctx, sim, exclude=evses)
            codes.append(code)
            evses.append(evse.evse_uid)
            click(sh.screen("started").done)
        assert codes[0] != codes[1] and evses[0] != evses[1]
        home = sh.screen("home")
        await home.refresh()
        assert len(home.bay_buttons) == len(sim.venue.venue_evses())   # opening chargers never shrinks the board
        here = [b for b in home.bay_buttons if "started here" in b.text()]
        assert {b.bay.evse_uid for b in here} == set(evses)
        for b in home.bay_buttons:
            assert all(c not in b.text() for c in codes)
        # each code opens its own session
        live = await open_my_session(ctx, codes[1], evses[1])
        assert live.view.evse_uid == evses[1]

    ui_loop.run_until_complete(scenario())


def test_live_state_follows_a_language_switch(kiosk_factory, sim, ui_loop):
    """The state line is translated when shown, so switching language mid-session never
    leaves it in the previous language."""
    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        evse, code = await _started_code(ctx, sim)
        live = await _open_live(ctx, code, evse)
        await poll_until(lambda: live.view.state == "CHARGING", 30, what="charging")
        assert live.state.text() == "Charging"
        # checked at once: a later periodic refresh of the view must not be what fixes it
        ctx.flow.set_language("de")
        assert live.state.text() == "Lädt"
        ctx.flow.set_language("fr")
        assert live.state.text() == "En charge"

    ui_loop.run_until_complete(scenario())


def _full_car_back_through_my_session(kiosk_factory, sim, ui_loop, **settings):
    """A guest starts at a bay whose car is nearly full, walks away, the car fills up, the
    guest comes back through My session: the coaching line of the live screen."""
    out = {}

    async def scenario():
        app = kiosk_factory(sim, **settings)
        ctx = await app.start()
        sh = ctx.shell
        evse = sim.venue.venue_evses()[0]      # AMSTELKADE-AC: parking €1.20/h excl. VAT after charging
        sim.scenario.car(evse.evse_uid, battery_kwh=40, soc=0.95, ac_max_kw=11)
        _, ch = await _to_charger(ctx, sim, evse)
        click(ch.start)
        await poll_until(lambda: sh.current_name() == "started", 60, what="session started")
        code = sh.screen("started").code_label.text()
        click(sh.screen("started").done)
        assert ctx.flow.visit.details is None                   # the guest's visit is over
        sim.clock.advance(3 * 3600)
        live = await open_my_session(ctx, code, evse.evse_uid)
        await poll_until(lambda: live.view.state == "PARKING", 60, what="the car full")
        await poll_until(lambda: live.coach.isVisible() and live.coach.text(), what="the coaching line")
        out["text"] = live.coach.text()

    ui_loop.run_until_complete(scenario())
    return out["text"]


def test_a_full_car_states_the_parking_fee_also_to_a_guest_who_came_back(kiosk_factory, sim, ui_loop):
    """The fee comes from the session's own tariff, not from the charger screen the guest
    saw at start (gone when the guest returns through My session)."""
    text = _full_car_back_through_my_session(kiosk_factory, sim, ui_loop)
    assert text.startswith("Your car is full. From now on:") and "€1.45 per hour" in text   # 1.20 + 21 % VAT


def test_with_the_hotels_own_price_a_full_car_states_the_hotels_parking_fee(kiosk_factory, sim, ui_loop):
    text = _full_car_back_through_my_session(kiosk_factory, sim, ui_loop, price_policy="own",
                                             own_price_per_kwh=0.35, own_parking_per_hour=3.0,
                                             price_vat_percent=21.0)
    assert "€3.63 per hour" in text and "1.45" not in text       # the guest's price: 3.00 + 21 % VAT
