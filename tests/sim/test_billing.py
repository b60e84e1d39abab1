"""The simulator's own billing (OCPI semantics), checked against hand computations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kiosk.sim import tariffs as T
from kiosk.sim.billing import Slice, compute_bill
from kiosk.sim.clock import iso

START = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # 12:00 in Amsterdam: day tariff


def slices(start, spec):
    """spec: list of (seconds, energy_wh, power_kw, charging)."""
    out, t = [], start
    for secs, wh, kw, charging in spec:
        out.append(Slice(t, secs, wh, kw, kw * 1000 / 690, charging))
        t += timedelta(seconds=secs)
    return out


def bill(tariff_id, spec, start=START):
    return compute_bill(lambda at: T.in_force(tariff_id, at), start, slices(start, spec))


def D(x) -> Decimal:
    return Decimal(x)


def test_flat_energy_parking_with_steps_excl_vat():
    # 2 h charging, 10.0004 kWh (step 1 Wh -> 10.001 kWh); 17 min parked (step 300 s -> 20 min)
    b = bill("AMSTELKADE-AC", [(7200, 10000.4, 5.0, True), (17 * 60, 0, 0, False)])
    excl = D("0.50") + D("10.001") * D("0.32") + D(20) / 60 * D("1.20")  # 4.10032
    assert b.total_excl == D("4.10")
    assert b.total_incl == (excl * D("1.21")).quantize(D("0.01"))  # 4.9613872 -> 4.96
    assert b.total_incl == D("4.96") and b.total_vat == D("0.86")
    dims = {ln.dimension: ln.quantity for ln in b.lines}
    assert dims == {"FLAT": 1, "ENERGY": D("10001.0"), "PARKING_TIME": D(1200)}


def test_vat_included_prices_and_half_up_rounding():
    # Courtyard: prices incl. VAT. 90 min charging (TIME step 60 s), 7.5 kWh, 16 min parked (step 900 s -> 30 min)
    b = bill("AMSTELKADE-COURTYARD", [(5400, 7500.0, 5.0, True), (16 * 60, 0, 0, False)])
    # 0.60 * 1.5 + 0.39 * 7.5 + 2.40 * 0.5 = 0.90 + 2.925 + 1.20 = 5.025 -> half-up 5.03 (banker's would say 5.02)
    assert b.total_incl == D("5.03")
    assert b.total_excl == (D("5.025") / D("1.21")).quantize(D("0.01"))  # 4.1529 -> 4.15
    assert b.total_vat == D("0.88")
    assert b.vat_percentage == 21.0 and b.currency == "EUR"


def test_duration_restriction_and_energy_step():
    # PARKCENTRAAL-DC: EUR 0.99 flat, EUR 0.59/kWh in 100 Wh steps, EUR 7.20/h after 45 min (step 60 s)
    spec = [(60, 501.0, 30.0, True)] + [(60, 500.0, 30.0, True)] * 59
    b = bill("PARKCENTRAAL-DC", spec)
    # energy 30.001 kWh -> 30.1 kWh; time charged from minute 45 to 60 = 15 min
    excl = D("0.99") + D("30.1") * D("0.59") + D("0.25") * D("7.20")  # 20.549
    assert b.total_excl == D("20.55")
    assert b.total_incl == (excl * D("1.21")).quantize(D("0.01")) == D("24.86")
    time_line = next(ln for ln in b.lines if ln.dimension == "TIME")
    assert time_line.quantity == D(900)


def test_power_restriction_picks_the_element():
    # PARKCENTRAAL-HPC by day: EUR 0.79/kWh at >= 50 kW, else EUR 0.69
    b = bill("PARKCENTRAAL-HPC", [(600, 20000.0, 120.0, True), (600, 5000.0, 30.0, True)])
    assert b.total_excl == D("19.25")  # 20 * 0.79 + 5 * 0.69
    assert b.total_incl == D("23.29")  # 23.2925
    assert b.total_vat == D("4.04")


def test_time_of_use_switches_tariff_at_22h():
    ams = ZoneInfo("Europe/Amsterdam")
    start = datetime(2026, 11, 23, 21, 50, tzinfo=ams).astimezone(UTC)
    b = bill("PARKCENTRAAL-HPC", [(600, 20000.0, 120.0, True), (600, 20000.0, 120.0, True)], start=start)
    assert b.total_excl == D("25.60")  # 20 kWh by day at 0.79 + 20 kWh by night at 0.49
    assert b.total_incl == D("30.98")  # 30.976
    segments = b.cost_breakdown(start, iso)["retailSegments"]
    assert len(segments) == 2
    assert segments[1]["fromUtc"] == iso(datetime(2026, 11, 23, 22, 0, tzinfo=ams))


def test_component_without_vat_falls_back_to_the_tariff_vat():
    b = bill("PUBLIC-AC", [(3600, 10000.0, 10.0, True)])
    assert b.total_excl == D("4.55")  # 0.35 + 10 * 0.42
    assert b.total_incl == D("5.51")  # 5.5055


def test_no_energy_no_time_only_flat():
    b = bill("AMSTELKADE-AC", [])
    assert b.total_incl == D("0.61") and [ln.dimension for ln in b.lines] == ["FLAT"]  # 0.605 -> 0.61


@pytest.mark.parametrize(("local_hour", "current", "future"), [(12, "PARKCENTRAAL-HPC", "night"), (23, "night", "day")])
def test_published_time_of_use_tariff(local_hour, current, future):
    ams = ZoneInfo("Europe/Amsterdam")
    t = datetime(2026, 11, 23, local_hour, 0, tzinfo=ams)
    now_tariff, futures = T.published("PARKCENTRAAL-HPC", t)
    energy = now_tariff["elements"][-1 if current == "night" else 1]["priceComponents"][0]["price"]
    assert len(futures) == 1
    vf, vt = (datetime.fromisoformat(x.replace("Z", "+00:00")) for x in (now_tariff["validFrom"], now_tariff["validTo"]))
    assert vf <= t < vt
    assert futures[0]["validFrom"] == now_tariff["validTo"]
    fvf = datetime.fromisoformat(futures[0]["validFrom"].replace("Z", "+00:00")).astimezone(ams)
    assert fvf.hour == (22 if current != "night" else 7)
    assert energy == (0.49 if current == "night" else 0.69)
    assert "key" not in now_tariff


def test_step_size_once_for_time_and_parking_combined():
    # PARKCENTRAAL-DC: TIME after 45 min and PARKING_TIME, both EUR 7.20/h in 60 s steps.
    # 52 min 11 s charging (of which 7 min 11 s priced), then 83 min 9 s parked: OCPI 2.2.1
    # rounds only the parking total (83:09 -> 84 min); the charging time stays exact.
    spec = [(60, 300.0, 18.0, True)] * 52 + [(11, 55.0, 18.0, True), (83 * 60 + 9, 0, 0, False)]
    b = bill("PARKCENTRAAL-DC", spec)
    lines = {ln.dimension: ln.quantity for ln in b.lines}
    assert lines["TIME"] == D(7 * 60 + 11)
    assert lines["PARKING_TIME"] == D(84 * 60)
    assert lines["ENERGY"] == D(15700)  # 15.655 kWh -> 15.7 kWh (100 Wh steps)
    excl = D("0.99") + D("15.7") * D("0.59") + D(431) / 3600 * D("7.20") + D("1.4") * D("7.20")
    assert b.total_excl == excl.quantize(D("0.01"))
    assert b.total_incl == (excl * D("1.21")).quantize(D("0.01"))


def test_time_alone_is_rounded_when_nothing_was_parked():
    spec = [(60, 300.0, 18.0, True)] * 52 + [(11, 55.0, 18.0, True)]
    lines = {ln.dimension: ln.quantity for ln in bill("PARKCENTRAAL-DC", spec).lines}
    assert lines["TIME"] == D(8 * 60)  # 7 min 11 s -> 8 min
