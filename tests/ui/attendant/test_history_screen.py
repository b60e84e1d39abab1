"""History screen through the real widgets: filters, totals, and the CSV export checked
against the simulator's own session list (tags from the kiosk's journal)."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from PySide6.QtCore import Qt

from kiosk.services.history import CSV_COLUMNS
from tests.plugins.attendant import run_scenario, venue_evses, wait_until, wallet_with_card

NOON = datetime(2026, 11, 18, 11, 0, tzinfo=UTC)


def test_history_filters_totals_and_csv_export_match_the_simulator(qtbot, ui_loop, sim_factory, desk_factory):
    sim = sim_factory(start_time=NOON)

    async def scenario():
        env = desk_factory(sim)
        pm = await wallet_with_card(env.client, sim)
        room = (await env.client.add_external_payment("ROOM-301", display_name="Room 301")).id
        a, b, c = venue_evses(sim, 3)
        # three guests started at this kiosk with their tags; two finish, one fails (no car)
        g1 = await env.sessions.start(a.location_id, a.evse_uid, a.connector_ids[0], pm, tag="Room 101")
        g2 = await env.sessions.start(b.location_id, b.evse_uid, b.connector_ids[0], room, tag="Room 301")
        sim.scenario.no_car(c.evse_uid)
        g3 = await env.sessions.start(c.location_id, c.evse_uid, c.connector_ids[0], pm, tag="XY-99-Z")
        def states():
            return {e.key: e.state for e in env.sessions.active()}
        await wait_until(lambda: states().get(g1.session.key) == states().get(g2.session.key) == "CHARGING",
                         timeout=15, what="both charging")
        sim.clock.advance(45 * 60)
        await env.sessions.stop(g1.code)
        await env.sessions.stop(g2.code)
        sim.clock.advance(60)
        env.login("desk-carla")
        hist = env.area.history_screen
        env.area.tabs.setCurrentWidget(hist)
        t = hist.table
        # "Today" lists all three with their tags
        await wait_until(lambda: t.rowCount() == 3, timeout=20, what="three rows")
        tags = {t.item(r, 2).text() for r in range(3)}
        assert tags == {"Room 101", "Room 301", "XY-99-Z"}
        # only finished sessions with costs: wait until the service has the CDRs
        hist.status.setCurrentIndex(hist.status.findData("CDR_AVAILABLE"))

        async def finished_rows():
            await hist.refresh()
            return t.rowCount()
        for _ in range(200):
            if await finished_rows() == 2:
                break
            sim.clock.advance(5)
        assert t.rowCount() == 2
        truth = {h.charge_session_id: h for h in await env.client.session_history(statuses=["CDR_AVAILABLE"])}
        assert len(truth) == 2
        # totals line shows the sum of the service's figures, formatted
        total = sum(Decimal(str(h.retail_cost_incl_vat)) for h in truth.values())
        assert "2 sessions" in hist.totals.text()
        assert f"{total:.2f}" in hist.totals.text().replace(",", "")
        # payment method filter: only the room's session
        idx = hist.payment.findData(room)
        assert idx > 0, "the room payment method is offered as a filter"
        hist.payment.setCurrentIndex(idx)
        await hist.refresh()
        assert t.rowCount() == 1 and t.item(0, 2).text() == "Room 301"
        hist.payment.setCurrentIndex(0)
        # export: the file holds exactly the service's finished sessions with the kiosk's tags
        qtbot.mouseClick(hist.export_btn, Qt.MouseButton.LeftButton)
        await wait_until(lambda: hist.last_export is not None, what="export")
        assert "exported" in hist.message.text() and not hist.message.is_error
        rows = list(csv.DictReader(io.StringIO(hist.last_export.read_text(encoding="utf-8-sig"))))
        assert tuple(rows[0].keys()) == CSV_COLUMNS
        assert {r["charge_session_id"] for r in rows} == set(truth)
        tag_of = {g1.session.charge_session_id: "Room 101", g2.session.charge_session_id: "Room 301"}
        for r in rows:
            h = truth[r["charge_session_id"]]
            status = await env.client.session_status(h.charge_session_id)
            assert r["tag"] == tag_of[h.charge_session_id]
            assert r["receipt_number"] == (status.receipt_number or "")
            assert Decimal(r["kwh"]) == Decimal(str(h.energy_in_kwh)).quantize(Decimal("0.001"))
            assert Decimal(r["total_incl_vat"]) == Decimal(str(h.retail_cost_incl_vat)).quantize(Decimal("0.01"))
            assert Decimal(r["vat"]) == Decimal(str(h.vat_amount)).quantize(Decimal("0.01"))
            assert r["currency"] == h.currency
        assert any(e.action == "history.export" and e.actor == "desk-carla"
                   for e in env.sessions.audit_log(env.area.attendant))
        # "Failed starts" shows the no-car session
        hist.status.setCurrentIndex(hist.status.findData("FAILED"))
        await hist.refresh()
        assert t.rowCount() == 1 and t.item(0, 2).text() == "XY-99-Z"
        assert t.item(0, 8).text() == "Not started"          # TIMEOUT, in words

    run_scenario(ui_loop, scenario())
