"""Home (board, scan, offline banner) and Charger screens against the simulator over HTTP."""

from __future__ import annotations


from tests.plugins.ui import click, free_evse, poll_until, tap_keys


def _venue_evse(sim, status="AVAILABLE", kind=None):
    for e in sim.venue.venue_evses():
        if kind and not e.power_type.startswith(kind):
            continue
        return e
    raise AssertionError("no evse")


def test_board_shows_availability_and_bays_in_use_here(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        home = ctx.shell.screen("home")
        await poll_until(lambda: home.bay_buttons, what="board")
        texts = {b.bay.evse_uid: b.text() for b in home.bay_buttons}
        assert set(texts) == {e.evse_uid for e in sim.venue.venue_evses()}
        assert any("Available" in t for t in texts.values())
        # the demo venue has other drivers now and then: the board says which bays they use
        now = sim.clock.now()
        taken = {e.evse_uid for e in sim.venue.venue_evses() if sim.state.evse_status(e, now)[0] == "CHARGING"}
        assert {uid for uid, t in texts.items() if "In use" in t} == taken
        assert not home.status.isVisible() and not home.banner.isVisible()
        # a finger drags the board (touch scrolling, set up once the board is up)
        from PySide6.QtWidgets import QScroller, QScrollerProperties

        assert QScroller.hasScroller(home.scroll.viewport())
        props = QScroller.scroller(home.scroll.viewport()).scrollerProperties()
        assert props.scrollMetric(QScrollerProperties.ScrollMetric.MousePressEventDelay) == 0.0

    ui_loop.run_until_complete(scenario())


def test_offline_banner_with_last_update_then_recovers(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        home = ctx.shell.screen("home")
        await poll_until(lambda: home.bay_buttons, what="board")
        n = len(home.bay_buttons)
        sim.faults.set("*", drop_after_action=True)       # the network is gone
        await home.refresh()
        assert home.banner.isVisible()
        assert "No connection" in home.banner_text.text() and "last updated at" in home.banner_text.text()
        assert home.status.text().endswith("Offline")
        assert len(home.bay_buttons) == n                  # the last known board stays
        sim.faults.clear()
        await home.refresh()
        assert not home.banner.isVisible() and not home.status.isVisible()

    ui_loop.run_until_complete(scenario())


def test_scanned_qr_opens_the_charger_with_tariff_and_connectors(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        sh = ctx.shell
        evse = next(e for e in sim.venue.venue_evses() if not sim.scenario.is_blocked(e.evse_uid))
        # what the scan worker does from its thread: emit the decoded text
        evse = free_evse(ctx, sim)
        ctx.scan_emit = None
        sh.screen("home").on_code(evse.qr_url)
        ch = sh.screen("charger")
        await poll_until(lambda: ch.details is not None, what="charger details")
        assert sh.current_name() == "charger"
        assert evse.display_name in ch.title.text()
        assert "per kWh" in ch.price_text()
        assert "costs about" in ch.example.text()
        assert "VAT" in ch.vat.text()
        assert ch.conn_layout.count() >= 2          # icon + description
        assert ch.start.isEnabled()
        # switch language on the charger screen: the tariff is re-described
        sh.set_language("nl")
        assert "per kWh" in ch.price_text() and ch.start.text() == "Start met laden"

    ui_loop.run_until_complete(scenario())


def test_invalid_or_unknown_code_says_what_to_do(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        home = ctx.shell.screen("home")
        home.on_code("hello world")                  # what the camera read
        await poll_until(lambda: home.scan_msg.text(), what="the refusal")
        assert ctx.shell.current_name() == "home"
        assert "not a charger's QR code" in home.scan_msg.text()
        home.on_code("https://a.greenflux.app/qr/gsop/00000000-0000-0000-0000-000000000000")
        await poll_until(lambda: "board" in home.scan_msg.text(), what="unknown charger")
        assert ctx.shell.current_name() == "home"

    ui_loop.run_until_complete(scenario())


def test_unusable_charger_explains_and_offers_the_board(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        sh = ctx.shell
        evse = sim.venue.venue_evses()[0]
        sim.scenario.block(evse.evse_uid)
        await ctx.flow.choose_charger(evse.location_id, evse.evse_uid)   # as a scan of its code does
        ch = sh.screen("charger")
        await poll_until(lambda: ch.details is not None, what="details")
        assert "blocked" in ch.reason.text() and "another charger" in ch.reason.text()
        assert not ch.start.isEnabled()
        click(ch.board)
        assert sh.current_name() == "home"

    ui_loop.run_until_complete(scenario())


def test_room_number_on_the_keypad_becomes_the_payment(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim, room_payment=True)
        ctx = await app.start()
        sh = ctx.shell
        avail = [b for b in ctx.venue.bays if b.status == "AVAILABLE"]
        sh.screen("home").open_bay(avail[0])
        ch = sh.screen("charger")
        await poll_until(lambda: ch.details is not None, what="details")
        click(ch.pay_room)
        assert sh.current_name() == "room"
        room = sh.screen("room")
        tap_keys(room.keypad, "12B")
        click(room.keypad.ok_btn)
        await poll_until(lambda: sh.current_name() == "charger", what="back on the charger")
        assert "12B" in ch.room_text.text()
        pm1 = await ctx.venue.room_payment_method("12B")
        pm2 = await ctx.venue.room_payment_method("12b")
        assert pm1 == pm2                        # reused, not created twice
        wallet = await ctx.client.wallet()
        # one reference per stay (hotel billing), not one per room forever
        assert sum(1 for w in wallet if (w.external_payment_method_id or "").startswith("room-12B-")) == 1

    ui_loop.run_until_complete(scenario())


def test_a_room_not_on_the_hotel_list_is_refused_on_the_room_step(kiosk_factory, sim, ui_loop, tmp_path):
    """With the hotel's room list, the room is checked when typed: a wrong number is refused
    on the keypad (not after Start), saying what to do; the guest corrects it and goes on."""
    rooms = tmp_path / "rooms.csv"
    rooms.write_text("room,initial\n101,\n102,\n", encoding="utf-8")

    async def scenario():
        app = kiosk_factory(sim, room_payment=True, rooms_file=rooms)
        ctx = await app.start()
        sh = ctx.shell
        avail = [b for b in ctx.venue.bays if b.status == "AVAILABLE"]
        sh.screen("home").open_bay(avail[0])
        ch = sh.screen("charger")
        await poll_until(lambda: ch.details is not None, what="details")
        click(ch.pay_room)
        room = sh.screen("room")
        for k in "103":
            click(room.keypad.keys[k])
        click(room.keypad.ok_btn)
        await poll_until(lambda: room.error.text(), what="the refusal")
        assert sh.current_name() == "room"
        assert "103" in room.error.text() and "front desk" in room.error.text()
        assert ctx.flow.visit.room is None          # nothing taken from a refused number
        room.keypad.clear()
        for k in "102":
            click(room.keypad.keys[k])
        click(room.keypad.ok_btn)
        await poll_until(lambda: sh.current_name() == "charger", what="accepted")
        assert "102" in ch.room_text.text() and ctx.flow.visit.notice is None

    ui_loop.run_until_complete(scenario())


def test_camera_preview_and_scan_run_on_the_worker_thread(kiosk_factory, sim, ui_loop):
    from kiosk.scan import SyntheticSource

    async def scenario():
        urls = [e.qr_url for e in sim.venue.venue_evses()]
        src = SyntheticSource(urls, width=480, height=360, fps=15, hold_s=3.0, gap_s=0.3)
        app = kiosk_factory(sim, camera=src)
        ctx = await app.start()
        sh = ctx.shell
        home = sh.screen("home")
        await poll_until(lambda: home.camera.frames_shown >= 3, 15, what="preview frames")
        assert home.camera.image is not None and not home.camera.image.isNull()
        await poll_until(lambda: sh.current_name() == "charger", 30, what="scanned charger")
        ch = sh.screen("charger")
        await poll_until(lambda: ch.details is not None or ch.board.isVisible(), what="details")
        assert ch.title.text()

    ui_loop.run_until_complete(scenario())


def test_a_guest_types_the_room_and_any_surname_initial_on_the_keypad(kiosk_factory, sim, ui_loop, tmp_path):
    """With the initial required, every letter A-Z is on the keypad (behind "A–Z"): a guest
    named Weber types 214, W and OK; the keypad is back at the digits after the letter. The
    wrong initial is refused on the room step."""
    rooms = tmp_path / "rooms.csv"
    rooms.write_text("room,surname\n214,Weber\n215,Quist\n", encoding="utf-8")

    async def scenario():
        app = kiosk_factory(sim, room_payment=True, rooms_file=rooms, rooms_initial=True)
        ctx = await app.start()
        sh = ctx.shell
        avail = [b for b in ctx.venue.bays if b.status == "AVAILABLE"]
        sh.screen("home").open_bay(avail[0])
        ch = sh.screen("charger")
        await poll_until(lambda: ch.details is not None, what="details")
        click(ch.pay_room)
        room = sh.screen("room")
        pad = room.keypad
        assert set("ABCDEFGHIJKLMNOPQRSTUVWXYZ") <= set(pad.keys)
        for k in "214":
            click(pad.keys[k])
        click(pad.letters_btn)
        assert pad.keys["Z"].isVisible() and not pad.ok_btn.isVisible()
        click(pad.keys["Q"])                       # not this guest's initial
        assert pad.ok_btn.isVisible() and pad.value() == "214Q"
        click(pad.ok_btn)
        await poll_until(lambda: room.error.text(), what="the refusal")
        assert sh.current_name() == "room" and ctx.flow.visit.room is None
        click(pad.clear_btn)
        click(pad.letters_btn)
        click(pad.keys["W"])
        click(pad.ok_btn)
        await poll_until(lambda: sh.current_name() == "charger", what="accepted")
        assert "214" in ch.room_text.text()

    ui_loop.run_until_complete(scenario())


def test_the_connector_is_named_in_the_guests_language(kiosk_factory, sim, ui_loop):
    """"Type 2" is "Typ 2" to a German driver (CCS and CHAdeMO are names, said alike)."""
    async def scenario():
        ctx = await kiosk_factory(sim).start()
        sh = ctx.shell
        await poll_until(lambda: sh.screen("home").bay_buttons, what="board")
        evse = next(e for e in sim.venue.venue_evses()
                    if e.power_type == "AC" and not sim.scenario.is_blocked(e.evse_uid))
        sh.screen("home").on_code(evse.qr_url)
        ch = sh.screen("charger")
        await poll_until(lambda: ch.details is not None, what="charger details")

        def shown() -> list[str]:
            ws = [ch.conn_layout.itemAt(i).widget() for i in range(ch.conn_layout.count())]
            return [w.text() if hasattr(w, "text") else w.accessibleName() for w in ws if w is not None]

        assert any(t.startswith("Type 2 · ") for t in shown()) and "Type 2" in shown()
        sh.set_language("de")
        await poll_until(lambda: any(t.startswith("Typ 2 · ") for t in shown()), what="German connector")
        assert "Typ 2" in shown() and not any("Type 2" in t for t in shown())    # the icon's name too

    ui_loop.run_until_complete(scenario())
