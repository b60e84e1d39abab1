"""The attendant-operated desktop (``kiosk desk``) against the simulator over HTTP: staff
start charging for a guest's room (the hotel's room check, tag and payer in the journal,
code shown, audit row naming the staff member), start at a charger whose QR code a
handheld scanner typed under a German keyboard layout, and stop from the desk."""

from __future__ import annotations

import asyncio
import re

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from kiosk.core import wedge
from tests.plugins.desk import desk_login
from tests.plugins.ui import click, poll_until


def typed_on(layout: str, text: str) -> str:
    """What a US-keyboard scanner's keystrokes for ``text`` produce on a desk set to ``layout``."""
    forward = {meant: typed for typed, meant in wedge.reverse_table(layout).items()}
    return "".join(forward.get(ch, ch) for ch in text)


def free_row(window, exclude=()):
    return next(r for r in window.table.rows.values() if r.session is None and r.state == "AVAILABLE"
                and r.evse_uid not in exclude and r.bay is not None and str(r.bay.power_type or "").startswith("AC"))


def test_start_for_a_room_from_the_desk(desk_app, sim, ui_loop, tmp_path):
    rooms = tmp_path / "rooms.csv"
    rooms.write_text("room,initial\n412,\n413,\n", encoding="utf-8")

    async def scenario():
        app = desk_app(sim, rooms_file=rooms, room_payment=True)
        ctx = await app.start()
        w = app.window
        assert w.pages.currentWidget() is w.login_page          # nothing before a PIN
        await desk_login(w, "1234")                            # the demo PIN works in demo mode
        ctx.sessions.add_staff(w.attendant, "Anna", "5791")
        w.logout()
        assert w.login_page.who.findData("Anna") >= 0          # the login offers her name
        await desk_login(w, "5791", name="Anna")
        assert w.attendant.name == "Anna"
        row = free_row(w)
        panel = w.start_panel
        # typed: the charger's printed EVSE id (with '-' for '*'), then Enter
        evse_id = next(e.evse_id for e in sim.venue.venue_evses() if e.evse_uid == row.evse_uid)
        QTest.keyClicks(panel.charger, evse_id.replace("*", "-").lower())
        QTest.keyClick(panel.charger, Qt.Key.Key_Return)
        await poll_until(lambda: panel.choice is not None, what="the typed charger")
        assert panel.choice.evse_uid == row.evse_uid
        # or chosen in the table (Enter in the field keeps that choice)
        panel.charger.clear()
        panel._charger_edited("")
        assert w.table.select_id(row.id)
        assert panel.choice is not None and panel.choice.evse_uid == row.evse_uid
        QTest.keyClick(panel.charger, Qt.Key.Key_Return)
        await asyncio.sleep(0.1)                               # the slot's task has run
        assert panel.choice is not None and not panel.message.text()
        click(panel.room_pays)
        panel.room.setText("999")                              # not on the hotel's list: refused
        click(panel.start_btn)
        await poll_until(lambda: "999" in panel.message.text(), what="the room refused")
        assert not panel.code.text() and ctx.sessions.active() == [] or \
            all(e.evse_uid != row.evse_uid for e in ctx.sessions.active())
        panel.room.setText("412")
        panel.language.setCurrentIndex(panel.language.findData("nl"))
        click(panel.start_btn)
        await poll_until(lambda: panel.code.text(), timeout=20, what="the guest's code")
        res = panel.last
        assert re.fullmatch(r"\d{4,8}", panel.code.text()) and res.code == panel.code.text()
        assert res.payer == "room" and res.room == "412" and res.language == "nl"
        # the journal: the room as the tag, the room's payment method, the desk start event
        jrow = ctx.sessions.journal.get(res.key)
        assert jrow.tag == "412"
        stays = ctx.sessions.journal.stay_rows(open_only=False)
        assert any(s.get("payment_method_id") == jrow.payment_method_id for s in stays)
        events = [(kind, detail) for _k, _at, kind, detail in ctx.sessions.journal.events(res.key)]
        assert ("desk_start", {"by": "Anna", "payer": "room", "language": "nl"}) in events
        audit = ctx.sessions.journal.audit_entries(20)
        start = next(e for e in audit if e.action == "session.start" and e.session_key == res.key)
        assert start.actor == "Anna" and "room 412" in start.detail and res.code not in start.detail
        # the board shows it: the room, paid by the room
        await w.refresh()
        texts = w.table.row_texts(res.key)
        assert texts["guest"] == "412\nPaid by the room", texts
        # the code never reaches a log
        for log_file in (tmp_path / "logs").glob("*"):
            assert res.code not in log_file.read_text(encoding="utf-8", errors="replace")

    ui_loop.run_until_complete(scenario())


def test_scanned_qr_typed_as_keystrokes_then_stop(desk_app, sim, ui_loop):
    async def scenario():
        app = desk_app(sim)
        ctx = await app.start()
        w = app.window
        await desk_login(w)
        row = free_row(w)
        url = next(e.qr_url for e in sim.venue.venue_evses() if e.evse_uid == row.evse_uid)
        scanned = typed_on("de", url)
        assert scanned != url and "://" not in scanned         # the layout mangled ':' and '/'
        w.actions_["find"].trigger()
        panel = w.start_panel
        assert panel.charger.hasFocus()
        QTest.keyClicks(panel.charger, scanned)                # the scanner "types" the code ...
        QTest.keyClick(panel.charger, Qt.Key.Key_Return)       # ... and Enter
        await poll_until(lambda: panel.choice is not None, what="the scanned charger")
        assert panel.choice.evse_uid == row.evse_uid
        assert "Bay" in panel.found.text() or "charger" in panel.found.text().lower()
        click(panel.start_btn)
        await poll_until(lambda: panel.code.text(), timeout=20, what="code")
        key = panel.last.key
        await w.refresh()
        # stop from the desk: choose the row, Ctrl+E, confirm
        await poll_until(lambda: key in w.table.rows and w.table.rows[key].session.can_stop, timeout=20,
                         what="the session can be stopped")
        w.table.select_id(key)
        w.table.setFocus()
        QTest.keySequence(w, w.actions_["stop"].shortcut())
        assert w.confirm.isVisible() and "Stop" in w.confirm.question.text()
        click(w.confirm.yes)
        await poll_until(lambda: "Stop sent" in w.message.text(), timeout=20, what="stop sent")
        audit = ctx.sessions.journal.audit_entries(20)
        assert any(e.action == "session.stop" and e.session_key == key and e.actor == "attendant" for e in audit)
        await poll_until(lambda: next(e.state for e in ctx.sessions.active() if e.key == key)
                         in ("STOPPING", "COMPLETED", "CDR_AVAILABLE"), timeout=20, what="the session stopping")

    ui_loop.run_until_complete(scenario())
