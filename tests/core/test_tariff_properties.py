"""Properties of the tariff engine over generated OCPI tariffs and charging profiles."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.core.tariff import ChargingProfile, Period, from_ocpi, quote

AMS = ZoneInfo("Europe/Amsterdam")
TOL = Decimal("1e-9")
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

money = st.decimals(min_value=0, max_value=5, places=2, allow_nan=False, allow_infinity=False)
vat = st.sampled_from([None, 0, 9, 21])
hhmm = st.integers(0, 23).map(lambda h: f"{h:02d}:00")
DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]


@st.composite
def component(draw, types=("FLAT", "ENERGY", "TIME", "PARKING_TIME")):
    kind = draw(st.sampled_from(types))
    step = {
        "FLAT": st.just(1),
        "ENERGY": st.sampled_from([1, 100, 500, 1000]),
        "TIME": st.sampled_from([1, 60, 300, 900]),
        "PARKING_TIME": st.sampled_from([1, 60, 300, 900]),
    }[kind]
    c = {"type": kind, "price": float(draw(money)), "step_size": draw(step)}
    v = draw(vat)
    if v is not None:
        c["vat"] = v
    return c


@st.composite
def restrictions(draw, energy_dependent: bool):
    r: dict = {}
    if draw(st.booleans()):
        r["start_time"], r["end_time"] = draw(hhmm), draw(hhmm)
    if draw(st.booleans()):
        r["day_of_week"] = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True))
    if draw(st.booleans()):
        lo = draw(st.integers(0, 4 * 3600))
        r["min_duration"] = lo
        if draw(st.booleans()):
            r["max_duration"] = lo + draw(st.integers(60, 4 * 3600))
    if energy_dependent:
        if draw(st.booleans()):
            r["min_kwh"] = draw(st.integers(0, 20))
        if draw(st.booleans()):
            r["max_kwh"] = draw(st.integers(1, 40))
        if draw(st.booleans()):
            r["max_power"] = draw(st.sampled_from([3.7, 11, 22, 50]))
    return r


@st.composite
def tariffs(draw, energy_dependent: bool = True):
    elements = []
    for _ in range(draw(st.integers(1, 4))):
        el = {"price_components": draw(st.lists(component(), min_size=1, max_size=3))}
        r = draw(restrictions(energy_dependent))
        if r:
            el["restrictions"] = r
        elements.append(el)
    data = {"id": "gen", "currency": "EUR", "elements": elements}
    if draw(st.booleans()):
        lo = draw(st.decimals(min_value=0, max_value=5, places=2))
        data["min_price"] = {"excl_vat": float(lo), "incl_vat": float(lo * Decimal("1.21"))}
    if draw(st.booleans()):
        hi = draw(st.decimals(min_value=5, max_value=40, places=2))
        data["max_price"] = {"excl_vat": float(hi), "incl_vat": float(hi * Decimal("1.21"))}
    if draw(st.booleans()):
        data["tax_included"] = "YES"
    return from_ocpi(data)


@st.composite
def profiles(draw, parking_end: bool | None = None):
    start = draw(st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 31)))
    t = start.replace(second=0, microsecond=0, tzinfo=AMS).astimezone(dt.timezone.utc)
    periods = []
    for _ in range(draw(st.integers(1, 3))):
        minutes = draw(st.integers(1, 240))
        kwh = draw(st.decimals(min_value=0, max_value=50, places=3))
        end = t + dt.timedelta(minutes=minutes)
        periods.append(Period(t, end, kwh))
        t = end
    if parking_end if parking_end is not None else draw(st.booleans()):
        end = t + dt.timedelta(minutes=draw(st.integers(1, 300)))
        periods.append(Period(t, end, Decimal(0), parking=True))
    return ChargingProfile(periods, "Europe/Amsterdam")


@SETTINGS
@given(tariffs(), profiles())
def test_never_negative_and_incl_at_least_excl(tariff, profile):
    q = quote(tariff, profile)
    assert Decimal(0) <= q.excl_vat <= q.incl_vat
    assert q.vat == q.incl_vat - q.excl_vat
    assert all(ln.excl_vat >= 0 and ln.incl_vat >= ln.excl_vat - TOL for ln in q.lines)


@SETTINGS
@given(tariffs(), profiles())
def test_min_and_max_price_are_respected(tariff, profile):
    q = quote(tariff, profile)
    if tariff.min_price is not None:
        assert q.exact_excl_vat >= tariff.min_price.excl_vat
        assert q.exact_incl_vat >= tariff.min_price.incl_vat
    if tariff.max_price is not None:
        assert q.exact_excl_vat <= tariff.max_price.excl_vat
        assert q.exact_incl_vat <= tariff.max_price.incl_vat


@SETTINGS
@given(tariffs(energy_dependent=False), profiles(), st.decimals(min_value=1, max_value=3, places=2))
def test_more_energy_never_costs_less(tariff, profile, factor):
    """Same times, every period delivers ``factor`` times the energy (tariffs without
    kWh or power tiers, where a faster charge may legitimately move into a cheaper tier).

    Up to one step: OCPI bills the step-size round-up at the price of the *last* period, so
    when energy moves from that round-up into an earlier, cheaper period the bill can drop
    by at most one step of energy times the largest price difference.
    """
    more = ChargingProfile(
        [Period(p.start, p.end, p.energy_kwh * factor, p.parking) for p in profile.periods], profile.tz
    )
    energy = [c for e in tariff.elements for c in e.components if c.type.value == "ENERGY"]
    slack = TOL
    if energy:
        step_kwh = Decimal(max(c.step_size for c in energy)) / 1000
        slack += step_kwh * max(c.price for c in energy) * Decimal("1.21")
    assert quote(tariff, more).exact_incl_vat >= quote(tariff, profile).exact_incl_vat - slack


@SETTINGS
@given(tariffs(energy_dependent=False), profiles(), st.decimals(min_value=1, max_value=3, places=2), money)
def test_more_energy_at_one_energy_price_never_costs_less(tariff, profile, factor, price):
    """When every ENERGY component has the same price and VAT, the round-up cannot move
    between prices: more energy never costs less, without any slack."""
    same = replace(tariff, elements=tuple(
        replace(e, components=tuple(
            replace(c, price=price, vat=Decimal(21)) if c.type.value == "ENERGY" else c for c in e.components))
        for e in tariff.elements))
    more = ChargingProfile(
        [Period(p.start, p.end, p.energy_kwh * factor, p.parking) for p in profile.periods], profile.tz
    )
    assert quote(same, more).exact_incl_vat >= quote(same, profile).exact_incl_vat - TOL


@SETTINGS
@given(tariffs(), profiles(parking_end=True), st.integers(1, 600))
def test_staying_parked_longer_never_costs_less(tariff, profile, extra_minutes):
    *head, last = profile.periods
    longer = Period(last.start, last.end + dt.timedelta(minutes=extra_minutes), Decimal(0), parking=True)
    q1 = quote(tariff, profile)
    q2 = quote(tariff, ChargingProfile([*head, longer], profile.tz))
    assert q2.exact_excl_vat >= q1.exact_excl_vat - TOL
    assert q2.exact_incl_vat >= q1.exact_incl_vat - TOL


@SETTINGS
@given(tariffs(), profiles(), st.data())
def test_splitting_a_period_does_not_change_the_price(tariff, profile, data):
    """A live estimate built from many small data points must match one built from a few.

    Up to one step per dimension: OCPI bills the step-size round-up with the step of the
    *last* period's component, and a split can make a part of the period the last one to be
    priced by another element (one with a step where the unsplit period's had none)."""
    i = data.draw(st.integers(0, len(profile.periods) - 1))
    p = profile.periods[i]
    total = int((p.end - p.start).total_seconds())
    cut = data.draw(st.integers(1, total - 1)) if total > 1 else None
    if cut is None:
        return
    mid = p.start + dt.timedelta(seconds=cut)
    e1 = p.energy_kwh * Decimal(cut) / Decimal(total)
    power = p.energy_kwh / (Decimal(total) / 3600) if not p.parking else None
    parts = [
        Period(p.start, mid, e1, p.parking, power),
        Period(mid, p.end, p.energy_kwh - e1, p.parking, power),
    ]
    split = ChargingProfile([*profile.periods[:i], *parts, *profile.periods[i + 1:]], profile.tz)
    whole = ChargingProfile(
        [q if j != i else Period(q.start, q.end, q.energy_kwh, q.parking, power) for j, q in enumerate(profile.periods)],
        profile.tz,
    )
    a, b = quote(tariff, whole), quote(tariff, split)
    slack = TOL + _one_step(tariff)
    assert abs(a.exact_excl_vat - b.exact_excl_vat) <= slack
    assert abs(a.exact_incl_vat - b.exact_incl_vat) <= slack * Decimal("1.21")


def _one_step(tariff) -> Decimal:
    """The most one step-size round-up of each dimension can add (at its highest price)."""
    total = Decimal(0)
    for kind, unit in (("ENERGY", Decimal(1000)), ("TIME", Decimal(3600)), ("PARKING_TIME", Decimal(3600))):
        comps = [c for e in tariff.elements for c in e.components if c.type.value == kind]
        if comps and len({c.step_size for c in comps}) > 1:    # one step size: the split cannot matter
            total += Decimal(max(c.step_size for c in comps)) / unit * max(c.price for c in comps)
    return total


@SETTINGS
@given(tariffs(), profiles())
def test_lines_explain_the_total(tariff, profile):
    """Unless min/max price stepped in, the lines add up to the exact total."""
    q = quote(tariff, profile)
    if not (q.min_price_applied or q.max_price_applied):
        assert abs(sum(ln.excl_vat for ln in q.lines) - q.exact_excl_vat) <= TOL
        assert abs(sum(ln.incl_vat for ln in q.lines) - q.exact_incl_vat) <= TOL
    billed_energy = q.quantity("ENERGY")
    priced = "ENERGY" in {c.type.value for e in tariff.elements for c in e.components}
    if not priced:
        assert billed_energy == 0
