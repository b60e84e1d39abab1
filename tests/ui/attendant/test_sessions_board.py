"""Sessions board through the real widgets, on a real SessionService against the simulator."""

import pytest
from PySide6.QtCore import Qt

from kiosk.services.sessions import WrongCode
from tests.plugins.attendant import run_scenario, venue_evses, wait_until, wallet_with_card


def cell(table, row, col):
    item = table.item(row, col)
    return item.text() if item else ""


def row_of(table, text, col=6):
    for r in range(table.rowCount()):
        if cell(table, r, col) == text:
            return r
    return -1


def test_attendant_stops_another_guests_session_with_an_audit_entry(qtbot, ui_loop, sim, desk_factory):
    async def scenario():
        env = desk_factory(sim)
        pm = await wallet_with_card(env.client, sim)
        a, b = venue_evses(sim, 2)
        guest_a = await env.sessions.start(a.location_id, a.evse_uid, a.connector_ids[0], pm, tag="Room 12")
        guest_b = await env.sessions.start(b.location_id, b.evse_uid, b.connector_ids[0], pm, tag="Room 14")
        env.login("desk-anna")
        board = env.area.sessions_screen
        assert env.area.tabs.currentWidget() is board
        t = board.table
        # both guests' sessions appear with their tags, charging, with power and energy
        await wait_until(lambda: row_of(t, "Room 12") >= 0 and row_of(t, "Room 14") >= 0, what="both rows")
        board.refresh_btn.click()
        await wait_until(lambda: all(board.rows) and all(r.state == "CHARGING" for r in board.rows),
                         timeout=15, what="charging")
        await board.refresh()
        r14 = row_of(t, "Room 14")
        assert cell(t, r14, 0) == b.evse_id or cell(t, r14, 0)       # a bay label is shown
        assert "kW" in cell(t, r14, 2) and "kWh" in cell(t, r14, 3)
        # stop guest B's session (not the attendant's own): choose it, give a reason, stop
        t.selectRow(r14)
        board.reason.setCurrentText("Car must be moved")
        qtbot.mouseClick(board.stop_btn, Qt.MouseButton.LeftButton)
        await wait_until(lambda: "Stop sent" in board.message.text(), what="stop confirmation")
        await wait_until(lambda: env.sessions.view(guest_b.session.key, env.area.attendant).state
                         in ("STOPPING", "COMPLETED", "CDR_AVAILABLE"), timeout=15, what="B stopping")
        # guest A's session is untouched
        assert env.sessions.view(guest_a.session.key, env.area.attendant).state == "CHARGING"
        # the audit log names the PIN holder, the action, the session and the reason
        entries = env.sessions.audit_log(env.area.attendant)
        stops = [e for e in entries if e.action == "session.stop"]
        assert len(stops) == 1
        assert stops[0].actor == "desk-anna" and stops[0].session_key == guest_b.session.key
        assert "Car must be moved" in stops[0].detail
        # ... and the audit screen shows it
        env.area.tabs.setCurrentWidget(env.area.audit_screen)
        at = env.area.audit_screen.table
        await wait_until(lambda: any("Session stopped" in cell(at, r, 2) and "Car must be moved" in cell(at, r, 2)
                                     and cell(at, r, 1) == "desk-anna" for r in range(at.rowCount())),
                         what="audit row")
        # the service confirms the session of B ended
        st = await env.client.session_history(statuses=["STOPPING", "COMPLETED", "CDR_AVAILABLE"])
        assert guest_b.session.charge_session_id in {h.charge_session_id for h in st}

    run_scenario(ui_loop, scenario())


def test_stop_needs_a_reason(qtbot, ui_loop, sim, desk_factory):
    async def scenario():
        env = desk_factory(sim)
        pm = await wallet_with_card(env.client, sim)
        (a,) = venue_evses(sim, 1)
        g = await env.sessions.start(a.location_id, a.evse_uid, a.connector_ids[0], pm, tag="Room 3")
        env.login()
        board = env.area.sessions_screen
        await wait_until(lambda: row_of(board.table, "Room 3") >= 0, what="row")
        board.table.selectRow(row_of(board.table, "Room 3"))
        board.reason.setCurrentText("")
        board.stop_btn.click()
        await wait_until(lambda: board.message.is_error and "reason" in board.message.text(), what="refusal")
        assert env.sessions.view(g.session.key, env.area.attendant).state not in ("STOPPING", "COMPLETED")

    run_scenario(ui_loop, scenario())


def test_new_guest_code_replaces_the_lost_one_and_receipt_is_shown_again(qtbot, ui_loop, sim, desk_factory):
    async def scenario():
        env = desk_factory(sim)
        pm = await wallet_with_card(env.client, sim)
        (a,) = venue_evses(sim, 1)
        g = await env.sessions.start(a.location_id, a.evse_uid, a.connector_ids[0], pm, tag="AB-12-CD")
        env.login("desk-bob")
        board = env.area.sessions_screen
        await wait_until(lambda: row_of(board.table, "AB-12-CD") >= 0, what="row")
        board.table.selectRow(row_of(board.table, "AB-12-CD"))
        board.code_btn.click()
        await wait_until(lambda: "New code" in board.code.text(), what="new code shown")
        text = board.code.text()
        new_code = text.split(": ", 1)[1].split(" ")[0]
        assert new_code and new_code != g.code
        # the old code no longer opens the session, the new one does
        with pytest.raises(WrongCode):
            env.sessions.attach_known(g.code)
        with pytest.raises(WrongCode):
            await env.sessions.attach(g.code, a.evse_uid)
        assert (await env.sessions.attach(new_code, a.evse_uid)).key == g.session.key
        assert any(e.action == "session.reissue_code" and e.actor == "desk-bob"
                   and e.session_key == g.session.key for e in env.sessions.audit_log(env.area.attendant))
        # the code leaves the screen when the board is left
        env.area.tabs.setCurrentWidget(env.area.history_screen)
        assert board.code.text() == ""
        env.area.tabs.setCurrentWidget(board)
        # the guest stops; the session completes; the receipt is shown again with its number
        sim.clock.advance(10)            # the car is plugged in and charging before the guest stops
        assert (await env.sessions.refresh(g.session.key)).state == "CHARGING"
        await env.sessions.stop(new_code)
        for _ in range(60):       # move the service's clock on until the CDR is there
            sim.clock.advance(10)
            await env.sessions.refresh(g.session.key)
            if env.sessions.receipt(g.session.key, attendant=env.area.attendant).final:
                break
        assert env.sessions.receipt(g.session.key, attendant=env.area.attendant).final
        await board.refresh()
        board.table.selectRow(row_of(board.table, "AB-12-CD"))
        board.receipt_btn.click()
        rec = env.sessions.receipt(g.session.key, attendant=env.area.attendant)
        assert rec.receipt_number is None                  # an external payment gets none from the service
        assert "Total" in board.detail.text() and str(rec.total_incl_vat).replace(".", ",") in \
            board.detail.text().replace(".", ",")

    run_scenario(ui_loop, scenario())


async def _started_row(sim, desk_factory, tag: str):
    """The sessions tab, logged in as desk-anna, after a start tagged ``tag`` (``board.env``: the desk)."""
    env = desk_factory(sim)
    pm = await wallet_with_card(env.client, sim)
    (a,) = venue_evses(sim, 1)
    await env.sessions.start(a.location_id, a.evse_uid, a.connector_ids[0], pm, tag=tag)
    env.login("desk-anna")
    board = env.area.sessions_screen
    board.env = env
    return board


async def _timed_out_row(sim, desk_factory, tag: str):
    """The sessions tab, logged in, with one row: a start tagged ``tag`` that timed out (no car)."""
    env = desk_factory(sim)
    pm = await wallet_with_card(env.client, sim)
    (a,) = venue_evses(sim, 1)
    sim.scenario.no_car(a.evse_uid)
    await env.sessions.start(a.location_id, a.evse_uid, a.connector_ids[0], pm, tag=tag)
    sim.clock.advance(40)
    env.login()
    board = env.area.sessions_screen
    await wait_until(lambda: row_of(board.table, tag) >= 0 and board.rows[0].state == "TIMEOUT", timeout=15,
                     what="timeout row")
    return board


def test_failed_start_shows_why(qtbot, ui_loop, sim, desk_factory):
    async def scenario():
        board = await _timed_out_row(sim, desk_factory, "Room 7")
        await board.refresh()
        r = row_of(board.table, "Room 7")
        why = cell(board.table, r, 7)
        assert "car" in why.lower()
        # staff switch the language: the row's problem follows at once (the desk writes it again),
        # not at the next refresh
        from kiosk.i18n import set_language

        board.timer.setInterval(600_000)          # (still active) no timer refresh within the wait below
        try:
            set_language("de")
            board.retranslate()
            await wait_until(lambda: cell(board.table, row_of(board.table, "Room 7"), 7) != why, timeout=3,
                             what="the problem in German")
            assert cell(board.table, row_of(board.table, "Room 7"), 7) == board.rows[0].failure != why
        finally:
            set_language("en")

    run_scenario(ui_loop, scenario())


def test_the_board_says_states_in_the_language_switched_to(qtbot, ui_loop, sim, desk_factory):
    """A row made in English (its state) reads German after the switch, without waiting for
    the next refresh (it used to keep 'Charging' until then)."""
    from kiosk.i18n import set_language

    async def scenario():
        board = await _started_row(sim, desk_factory, "Room 21")
        t = board.table
        await wait_until(lambda: row_of(t, "Room 21") >= 0 and board.rows[0].state == "CHARGING", timeout=15,
                         what="charging row")
        await board.refresh()
        assert cell(t, row_of(t, "Room 21"), 1) == "Charging"
        board.timer.stop()                      # no refresh in between: the switch alone
        try:
            set_language("de")
            board.retranslate()
            assert cell(t, row_of(t, "Room 21"), 1) == "Lädt"
        finally:
            set_language("en")

    run_scenario(ui_loop, scenario())


def test_a_shown_code_and_receipt_follow_a_language_switch(qtbot, ui_loop, sim, desk_factory):
    """The new guest code and the receipt on screen are written again in the language the
    attendant switches to (the code itself stays); the code still leaves with the tab."""
    from kiosk.i18n import set_language

    async def scenario():
        board = await _started_row(sim, desk_factory, "Room 5")
        env = board.env
        await wait_until(lambda: row_of(board.table, "Room 5") >= 0, what="row")
        board.table.selectRow(row_of(board.table, "Room 5"))
        board.code_btn.click()
        await wait_until(lambda: board.code.text().startswith("New code for"), what="new code shown")
        code = board.code.text().split(": ", 1)[1].split(" ")[0]
        board.receipt_btn.click()
        assert board.detail.text().startswith("Receipt ")
        try:
            set_language("de")
            board.retranslate()
            assert board.code.text().startswith("Neuer Code für") and f": {code} (" in board.code.text()
            assert board.detail.text().startswith("Beleg ")
            set_language("fr")
            board.retranslate()
            assert board.code.text().startswith("Nouveau code pour") and f" : {code} (" in board.code.text()
            assert board.detail.text().startswith("Reçu ")
            env.area.tabs.setCurrentWidget(env.area.history_screen)    # the code leaves the screen...
            board.retranslate()
            assert board.code.text() == ""                             # ...and does not come back
        finally:
            set_language("en")

    run_scenario(ui_loop, scenario())


def test_a_language_switch_during_a_refresh_is_not_lost(qtbot, ui_loop, sim, desk_factory):
    """Rows asked for before the switch arrive after it: the tab asks again, so the row's
    problem reads German without waiting for the next timer refresh."""
    import asyncio

    from kiosk.i18n import set_language

    async def scenario():
        board = await _timed_out_row(sim, desk_factory, "Room 8")
        board.timer.setInterval(600_000)          # (still active) no timer refresh in this test
        english = cell(board.table, row_of(board.table, "Room 8"), 7)
        gate, rows = asyncio.Event(), board.desk.rows

        async def slow_rows():
            made = await rows()               # made in English, delivered after the switch
            await gate.wait()
            return made

        board.desk.rows = slow_rows
        board.refresh()
        await wait_until(lambda: board._busy, what="a refresh under way")
        try:
            set_language("de")
            board.retranslate()
            board.desk.rows = rows
            gate.set()
            await wait_until(lambda: cell(board.table, row_of(board.table, "Room 8"), 7) not in ("", english),
                             timeout=3, what="the problem in German")
        finally:
            set_language("en")

    run_scenario(ui_loop, scenario())
