"""The live estimate: profile from observations (server time) priced by the tariff engine."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from kiosk.core.estimate import EstimateTracker, reconcile
from kiosk.core.tariff import from_charge_assist

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _tariff(*components, vat_included=False):
    return from_charge_assist({"currency": "EUR", "vatPercentage": 21, "isVatIncluded": vat_included,
                               "elements": [{"priceComponents": list(components)}]})


def pc(t, price, step=1, **restr):
    c = {"type": t, "price": price, "stepSize": step, "vat": 21}
    if restr:
        c["restrictions"] = restr
    return c


def test_energy_and_flat_from_observations():
    tr = EstimateTracker(start=T0)
    for m in range(1, 31):
        tr.observe(T0 + timedelta(minutes=m), D("0.1") * m * 11 / 6, D(11), "CHARGING")
    q = tr.estimate(_tariff(pc("FLAT", 0.5), pc("ENERGY", 0.30)))
    # 5.5 kWh * 0.30 + 0.50 = 2.15 excl. VAT, 2.60 incl. 21 %
    assert q.excl_vat == D("2.15") and q.incl_vat == D("2.60")


def test_parking_after_full_split_at_the_moment_the_car_was_full():
    tr = EstimateTracker(start=T0)
    tr.observe(T0 + timedelta(minutes=10), D("1.0"), D(6), "CHARGING")
    # the car took 0.5 kWh more at 6 kW (5 minutes) and then parked: next point 25 min later
    tr.observe(T0 + timedelta(minutes=35), D("1.5"), D(0), "PARKING")
    tr.observe(T0 + timedelta(minutes=45), D("1.5"), D(0), "PARKING")
    prof = tr.profile()
    parking = sum((p.seconds for p in prof.periods if p.parking), D(0))
    assert parking == D(30 * 60)
    q = tr.estimate(_tariff(pc("ENERGY", 0.30), pc("PARKING_TIME", 1.20)))
    # 1.5 kWh * 0.30 + 0.5 h * 1.20 = 1.05 excl. VAT
    assert q.excl_vat == D("1.05")


def test_power_restriction_uses_the_reported_power():
    tr = EstimateTracker(start=T0)
    tr.observe(T0 + timedelta(minutes=30), D("50"), D(100), "CHARGING")   # fast
    tr.observe(T0 + timedelta(minutes=90), D("70"), D(20), "CHARGING")   # tapering
    q = tr.estimate(_tariff(pc("ENERGY", 0.79, min_power=50), pc("ENERGY", 0.69)))
    fast = sum((ln.quantity for ln in q.lines if ln.unit_price == D("0.79")), D(0))
    assert D(50) < fast < D(70)  # the first half hour and part of the taper are above 50 kW


def test_answer_with_whole_second_date_never_goes_before_a_data_point():
    class DP:
        def __init__(self, ts, e, p, s):
            self.timestamp, self.energy_in_kwh, self.power_in_kw, self.status = ts, e, p, s

    tr = EstimateTracker()
    tr.observe_status(start_time=T0, server_time=T0 + timedelta(seconds=60), status="CHARGING",
                      energy_kwh=0.2, power_kw=11,
                      data_points=[DP(T0 + timedelta(seconds=60.4), 0.19, 11, "CHARGING")])
    assert [o.at for o in tr.observations] == [T0 + timedelta(seconds=60.4)]


def test_profile_is_clipped_at_end_time_and_survives_json():
    tr = EstimateTracker(start=T0)
    tr.observe(T0 + timedelta(minutes=10), D("1.8"), D(11), "CHARGING")
    tr.observe_status(start_time=T0, server_time=T0 + timedelta(minutes=12), status="COMPLETED",
                      energy_kwh=2.0, power_kw=0, end_time=T0 + timedelta(minutes=11))
    tr.observe(T0 + timedelta(minutes=12), D("2.0"), D(0), "COMPLETED")
    back = EstimateTracker.from_json(tr.to_json())
    assert back.profile().end == T0 + timedelta(minutes=11)
    assert back.profile().energy_kwh == D("2.0")


def test_no_estimate_without_tariff_or_before_energy_flows():
    tr = EstimateTracker()
    assert tr.estimate(_tariff(pc("ENERGY", 0.3))) is None
    tr.start = T0
    assert tr.estimate(None) is None


def test_reconcile():
    assert reconcile(D("4.87"), 4.88) == D("0.01")
    assert reconcile(None, 4.88) is None
