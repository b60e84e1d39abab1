"""The attendant desk inside the real kiosk app (composition root, shell, PIN screen),
against the simulator: reached only through the corner and the PIN; a room session a guest
started through the app is stopped from the desk; runtime settings apply live.
("Quit kiosk" is tested on a bare shell in test_pin_access: in the app it stops the loop.)"""

from kiosk.ui.attendant import AttendantArea
from kiosk.ui.texts import evse_title
from tests.plugins.attendant import run_scenario, wait_until


def test_desk_in_the_real_app(qtbot, ui_loop, sim, kiosk_factory):
    async def scenario():
        app = kiosk_factory(sim, attendant_pin="5791")
        ctx = await app.start()
        shell = ctx.shell
        area = shell.screen("attendant")
        assert isinstance(area, AttendantArea)
        # the desk shares the window with the guest screens: it must not stop the window
        # from fitting the official 7" panel (800x480)
        hint = area.minimumSizeHint()
        assert hint.width() <= 800 and hint.height() <= 480, hint
        # a guest session started through the kiosk's services (room tag, venue payment method)
        evse = next(e for e in sim.venue.venue_evses() if e.base_status == "AVAILABLE" and e.power_type == "AC"
                    and not ctx.in_use() & {e.evse_uid})
        pm = await ctx.venue.venue_payment_method()
        started = await ctx.sessions.start(evse.location_id, evse.evse_uid, evse.connector_ids[0], pm, tag="Room 808")
        # straight to the desk without the PIN: refused
        shell.show_screen("attendant")
        await wait_until(lambda: shell.current_name() == "home", what="bounced")
        for _ in range(3):
            shell.corner.click()
        assert shell.current_name() == "pin"
        pad = shell.screen("pin").keypad
        pad.type("5791")
        pad.ok_btn.click()
        await wait_until(lambda: shell.current_name() == "attendant", what="desk")
        board = area.sessions_screen
        await wait_until(lambda: any(r.tag == "Room 808" for r in board.rows), timeout=15, what="guest row")
        row = next(i for i, r in enumerate(board.rows) if r.tag == "Room 808")
        # the bay as the guest reads it on the kiosk (bay and car park), the EVSE id on hover
        title = evse_title(ctx.venue, evse.evse_uid, "", sep=" \u00b7 ")
        loc = ctx.venue.locations[evse.location_id]
        car_park = loc.display_name or loc.name           # the car park's short name, as on the board
        assert title.startswith("Bay ") and title.endswith(f" \u00b7 {car_park}")
        assert board.table.item(row, 0).text() == title
        assert board.table.item(row, 0).toolTip() == board.rows[row].bay != title
        board.table.selectRow(row)
        board.reason.setCurrentText("Guest asked at the desk")
        board.stop_btn.click()
        await wait_until(lambda: "Stop sent" in board.message.text(), timeout=15, what="stopped")
        assert f"Stop sent for {title} (" in board.message.text()
        state = board.message.text().split(f"{title} (")[1].split(")")[0]
        assert state and not state.isupper(), state           # "Stopping", not STOPPING
        # the history: the same bay name, states in words (not the service's CHARGING)
        hist = area.history_screen
        area.tabs.setCurrentWidget(hist)
        await wait_until(lambda: hist.table.rowCount() >= 1, timeout=15, what="history rows")
        shown = [(hist.table.item(r, 1).text(), hist.table.item(r, 8).text()) for r in range(hist.table.rowCount())]
        assert title in [bay for bay, _state in shown], shown
        assert all(state and not state.isupper() for _bay, state in shown), shown
        filters = [hist.status.itemText(i) for i in range(hist.status.count())]
        assert all(not f.isupper() for f in filters) and len(filters) == len(set(filters)), filters
        area.tabs.setCurrentWidget(board)
        entry = ctx.sessions.journal.audit_entries(5)
        assert any(e.action == "session.stop" and e.session_key == started.session.key
                   and "Guest asked at the desk" in e.detail for e in entry)
        # runtime setting applied to the running app without restart
        area.tabs.setCurrentWidget(area.settings_screen)
        area.settings_screen.idle.setValue(300)
        area.settings_screen.save.click()
        await wait_until(lambda: shell.idle_timeout_s == 300, what="idle timeout applied")

    run_scenario(ui_loop, scenario())
