"""History over real HTTP against the simulator: periods, filters, totals, CSV export."""

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo


from kiosk.services.history import CSV_COLUMNS, HistoryFilter, HistoryService, Period, period_bounds
from tests.plugins.attendant import att_client, finished_session, venue_evses, wallet_with_card

AMS = ZoneInfo("Europe/Amsterdam")
# A Wednesday noon in Amsterdam: "today", "this week" and "this month" differ.
NOON = datetime(2026, 11, 18, 11, 0, tzinfo=UTC)


def test_period_bounds_are_local_calendar_periods():
    today = period_bounds(HistoryFilter(Period.TODAY), NOON, AMS)
    assert today == (datetime(2026, 11, 17, 23, 0, tzinfo=UTC), datetime(2026, 11, 18, 23, 0, tzinfo=UTC))
    week = period_bounds(HistoryFilter(Period.WEEK), NOON, AMS)
    assert week[0] == datetime(2026, 11, 15, 23, 0, tzinfo=UTC)      # Monday 00:00 local
    month = period_bounds(HistoryFilter(Period.MONTH), NOON, AMS)
    assert month[0] == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
    custom = period_bounds(HistoryFilter(Period.CUSTOM, date_from=datetime(2026, 11, 3).date(),
                                         date_to=datetime(2026, 11, 1).date()), NOON, AMS)
    assert custom == (datetime(2026, 10, 31, 23, 0, tzinfo=UTC), datetime(2026, 11, 3, 23, 0, tzinfo=UTC))


def test_history_rows_totals_and_csv_match_the_simulator(sim_factory, tmp_path):
    sim = sim_factory(start_time=NOON)

    async def scenario():
        async with att_client(sim) as client:
            pm = await wallet_with_card(client, sim)
            ext = (await client.add_external_payment("ROOM-214", display_name="Room 214")).id
            a, b, c = venue_evses(sim, 3)
            s1 = await finished_session(client, sim, a, pm, minutes=40)
            s2 = await finished_session(client, sim, b, ext, minutes=20)
            # one still running: in the list, no costs yet
            running = (await client.start_session(c.location_id, c.evse_uid, c.connector_ids[0], pm)).charge_session_id
            sim.clock.advance(10)
            tags = {s1: "Room 101", s2: "AB-123-C"}
            svc = HistoryService(client, tag_lookup=tags.get, tz=AMS, clock=sim.now)
            res = await svc.fetch(HistoryFilter(Period.TODAY))
            truth = {h.charge_session_id: h for h in await client.session_history(date_from=NOON - timedelta(hours=2))}
            only_done = await svc.fetch(HistoryFilter(Period.TODAY, statuses=frozenset({"CDR_AVAILABLE"})))
            only_room = await svc.fetch(HistoryFilter(Period.WEEK, payment_method_id=ext))
            path = tmp_path / "out.csv"
            exported = await svc.export_csv(HistoryFilter(Period.MONTH, statuses=frozenset({"CDR_AVAILABLE"})), path)
            receipts = {sid: (await client.session_status(sid)).receipt_number for sid in (s1, s2)}
            return res, truth, only_done, only_room, path, exported, receipts, (s1, s2, running)

    res, truth, only_done, only_room, path, exported, receipts, (s1, s2, running) = asyncio.run(scenario())
    assert {r.charge_session_id for r in res.rows} == {s1, s2, running}
    assert {r.charge_session_id for r in only_done.rows} == {s1, s2}
    assert [r.charge_session_id for r in only_room.rows] == [s2]
    # totals are the sums of the service's own figures
    t = only_done.totals
    assert t.sessions == 2
    assert t.energy_kwh == sum(Decimal(str(truth[s].energy_in_kwh)) for s in (s1, s2)) > 0
    assert t.total_incl_vat == sum(Decimal(str(truth[s].retail_cost_incl_vat)) for s in (s1, s2)) > 0
    assert t.vat == sum(Decimal(str(truth[s].vat_amount)) for s in (s1, s2)) > 0
    # CSV: header, one row per finished session, tags from the journal, receipt numbers from the service
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    by_id = {r["charge_session_id"]: r for r in rows}
    assert set(by_id) == {s1, s2} == {r.charge_session_id for r in exported.rows}
    for sid, tag, minutes in ((s1, "Room 101", 40), (s2, "AB-123-C", 20)):
        h, r = truth[sid], by_id[sid]
        assert r["tag"] == tag
        assert r["receipt_number"] == (receipts[sid] or "")      # none for a card or external payment
        assert Decimal(r["kwh"]) == Decimal(str(h.energy_in_kwh)).quantize(Decimal("0.001"))
        assert Decimal(r["total_incl_vat"]) == Decimal(str(h.retail_cost_incl_vat)).quantize(Decimal("0.01"))
        assert Decimal(r["vat"]) == Decimal(str(h.vat_amount)).quantize(Decimal("0.01"))
        assert r["bay"] == next(e.evse_id for e in sim.venue.evses if e.evse_uid == h.evse_uid)
        assert r["date"] == h.start_time.astimezone(AMS).strftime("%Y-%m-%d %H:%M")
        hours, mins = map(int, r["duration"].split(":"))
        assert abs(hours * 60 + mins - minutes) <= 1


def test_history_outside_the_period_is_not_shown(sim_factory):
    sim = sim_factory(start_time=NOON)

    async def scenario():
        async with att_client(sim) as client:
            pm = await wallet_with_card(client, sim)
            (a,) = venue_evses(sim, 1)
            sid = await finished_session(client, sim, a, pm, minutes=10)
            sim.clock.advance(2 * 86400)       # two days later: not "today", still "this week"
            svc = HistoryService(client, tz=AMS, clock=sim.now)
            today = await svc.fetch(HistoryFilter(Period.TODAY))
            week = await svc.fetch(HistoryFilter(Period.WEEK))
            return sid, today, week

    sid, today, week = asyncio.run(scenario())
    assert today.rows == [] and today.totals.sessions == 0 and today.totals.total_incl_vat == 0
    assert [r.charge_session_id for r in week.rows] == [sid]
