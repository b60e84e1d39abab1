"""The simulator bills and the kiosk's tariff engine (kiosk.core.tariff) estimates,
independently. Fed with the same tariff (GET /tariff) and the session's own data points
(GET /session/status), the two must agree: to the cent where per-minute data points carry
all that matters, within a few cents where a power restriction switches mid-minute."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kiosk.core.tariff import ChargingProfile, Period, from_charge_assist, quote
from tests.sim.helpers import Flow, parse_ts


def profile_from_points(points: list[dict]) -> ChargingProfile:
    pts = [p for p in points if p["status"] in ("CHARGING", "PARKING", "STOPPING")]
    periods = [
        Period(
            parse_ts(a["timestamp"]), parse_ts(b["timestamp"]),
            Decimal(str(b["energyInKwh"])) - Decimal(str(a["energyInKwh"])),
            parking=a["status"] == "PARKING", max_power_kw=Decimal(str(a["powerInKw"])),
        )
        for a, b in zip(pts, pts[1:], strict=False)
    ]
    return ChargingProfile(periods)


@pytest.mark.parametrize(
    ("pick", "tolerance"),
    [
        ("front", Decimal("0")),  # flat + energy + parking (5-minute steps)
        ("courtyard", Decimal("0")),  # VAT included, time + parking steps
        ("courtyard-1phase", Decimal("0")),
        ("garage-ac", Decimal("0")),
        ("dc-50", Decimal("0")),  # energy in 100 Wh steps, time after 45 min, parking
        ("dc-150", Decimal("0.10")),  # EUR 0.79 above 50 kW: switches within a data-point minute
    ],
)
def test_simulator_bill_matches_the_kiosk_tariff_engine(sim, pick, tolerance):
    sim.scenario.traffic = False
    v = sim.venue
    evs = v.evses
    ev = {
        "front": evs[0],
        "courtyard": next(e for e in evs if e.location_id == v.hotel_location_ids[1]),
        "courtyard-1phase": next(e for e in evs if e.connectors[0].power_type == "AC_1_PHASE"),
        "garage-ac": next(e for e in evs if e.location_id == v.garage_location_id and e.power_type == "AC"),
        "dc-50": next(e for e in evs if e.power_type == "DC" and e.max_kw == 50),
        "dc-150": next(e for e in evs if e.power_type == "DC" and e.max_kw == 150 and e.base_status == "AVAILABLE"),
    }[pick]
    flow = Flow(sim)
    try:
        card = flow.add_card()
        sim.scenario.car(ev.evse_uid, battery_kwh=60, soc=0.7, ac_max_kw=11, dc_max_kw=150)
        item = flow.c.get(f"/tariff/{flow.token}/evse/{ev.location_id}/{ev.evse_uid}").json()["data"][0]
        sid = flow.start(ev, card["id"], ev.connector_ids[0])["chargeSessionId"]
        flow.wait_for(sid, {"CHARGING"})
        sim.clock.advance(3 * 3600 + 17)  # charge to full, then park for a while
        flow.stop(sid)
        sim.clock.advance(20)
        st = flow.status(sid, maxDataPoints=10000)
        assert st["status"] == "CDR_AVAILABLE"
        q = quote(from_charge_assist(item), profile_from_points(st["usageSummary"]["dataPoints"]))
        assert q.currency == st["currency"]
        assert abs(q.incl_vat - Decimal(str(st["totalCosts"]))) <= tolerance, (q.lines, st["costBreakdown"])
        assert abs(q.vat - Decimal(str(st["totalVat"]))) <= tolerance + Decimal("0.01")
    finally:
        flow.close()
