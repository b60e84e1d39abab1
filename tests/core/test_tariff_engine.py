"""Tariff engine behaviour beyond the spec examples: Charge Assist tariffs and their
schedules, time zones and DST, restrictions, VAT modes and rounding."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.core.money import D, format_money, round_money
from kiosk.core.tariff import (
    ChargingProfile,
    Period,
    Tariff,
    TariffFormatError,
    TariffSchedule,
    from_charge_assist,
    from_ocpi,
    load_tariff,
    quote,
)

DATA = Path(__file__).parent / "data" / "tariffs"
ROOT = Path(__file__).resolve().parents[2]
AMS = ZoneInfo("Europe/Amsterdam")


def charge(start: dt.datetime, minutes: float, kwh, **kw) -> Period:
    return Period(start, start + dt.timedelta(minutes=minutes), D(kwh), **kw)


def park(start: dt.datetime, minutes: float) -> Period:
    return Period(start, start + dt.timedelta(minutes=minutes), Decimal(0), parking=True)


def ocpi(elements, **extra) -> Tariff:
    return from_ocpi({"id": "t", "currency": "EUR", "elements": elements, **extra})


def ca_item() -> dict:
    return json.loads((DATA / "ca_wallet_item_future.json").read_text())


# --- Charge Assist adapter and futureTariffs -------------------------------------------


def _inline_refs(node, schemas):
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline_refs(schemas[node["$ref"].rsplit("/", 1)[1]], schemas)
        return {k: _inline_refs(v, schemas) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline_refs(v, schemas) for v in node]
    return node


def test_charge_assist_fixture_follows_the_contract():
    from openapi_schema_validator import OAS30Validator

    spec = json.loads((ROOT.parent / "shared" / "charge-assist" / "upstream" / "openapi.json").read_text())
    schemas = spec["components"]["schemas"]
    OAS30Validator(_inline_refs(schemas["WalletTariffItem"], schemas)).validate(ca_item())


def test_future_tariff_prices_the_part_of_the_session_after_it_starts():
    sched = from_charge_assist(ca_item())
    assert isinstance(sched, TariffSchedule) and len(sched.future) == 1
    # 21:00-23:00 local (20:00-22:00 UTC) at 10 kW; the night tariff starts 22:00 local.
    start = dt.datetime(2026, 11, 23, 21, 0, tzinfo=AMS)
    q = quote(sched, ChargingProfile([charge(start, 120, 20)], "Europe/Amsterdam"))
    energy = [ln for ln in q.lines if ln.dimension == "ENERGY"]
    assert [(ln.quantity, ln.incl_vat) for ln in energy] == [
        (Decimal(10), Decimal("3.50")),
        (Decimal(10), Decimal("2.50")),
    ]
    # prices include 21% VAT: 1.00 + 3.50 + 2.50 = 7.00 incl., 7.00 / 1.21 = 5.785... excl.
    assert (q.incl_vat, q.excl_vat, q.vat) == (Decimal("7.00"), Decimal("5.79"), Decimal("1.21"))


def test_future_tariff_with_the_documents_local_valid_from_switches_at_the_same_moment():
    """The document's validFrom/validTo are local times without an offset and with seven
    fractional digits (``2025-05-31T13:22:00.1960000``): 22:00 local is 21:00 UTC here."""
    item = ca_item()
    item["tariff"]["validFrom"], item["tariff"]["validTo"] = "2026-01-01T01:00:00.0000000", "2026-11-23T22:00:00.0000000"
    item["futureTariffs"][0]["validFrom"] = "2026-11-23T22:00:00.0000000"
    start = dt.datetime(2026, 11, 23, 21, 0, tzinfo=AMS)
    profile = ChargingProfile([charge(start, 120, 20)], "Europe/Amsterdam")
    assert quote(from_charge_assist(item), profile).incl_vat == quote(from_charge_assist(ca_item()), profile).incl_vat


def test_session_entirely_before_the_future_tariff_uses_the_current_one():
    sched = from_charge_assist(ca_item())
    start = dt.datetime(2026, 11, 23, 18, 0, tzinfo=AMS)
    q = quote(sched, ChargingProfile([charge(start, 60, 10)], "Europe/Amsterdam"))
    assert q.incl_vat == Decimal("4.50")  # 1.00 + 10 x 0.35


def test_tariff_model_without_wrapper_and_component_restrictions():
    model = {
        "currency": "EUR",
        "vatPercentage": 21,
        "isVatIncluded": False,
        "elements": [
            {
                "priceComponents": [
                    {"type": "ENERGY", "price": 0.30, "stepSize": 1, "restrictions": {"max_kwh": 10}},
                    {"type": "ENERGY", "price": 0.50, "stepSize": 1, "restrictions": {"min_kwh": 10}},
                    {"type": "TIME", "price": 1.00, "stepSize": 60, "restrictions": {"min_duration": 3600}},
                ]
            }
        ],
    }
    sched = from_charge_assist(model)
    start = dt.datetime(2026, 11, 24, 10, 0, tzinfo=AMS)
    q = quote(sched, ChargingProfile([charge(start, 120, 20)], "Europe/Amsterdam"))
    # 10 kWh x 0.30 + 10 kWh x 0.50 + 1 h x 1.00 (only after the first hour) = 9.00 excl.
    assert q.excl_vat == Decimal("9.00")
    assert q.incl_vat == Decimal("10.89")  # tariff-level 21% VAT on every component


def test_price_unrounded_wins_over_the_rounded_price():
    model = {"currency": "EUR", "elements": [{"priceComponents": [
        {"type": "ENERGY", "price": 0.35, "priceUnrounded": 0.3449, "stepSize": 1}]}]}
    start = dt.datetime(2026, 11, 24, 10, 0, tzinfo=AMS)
    q = quote(from_charge_assist(model), ChargingProfile([charge(start, 60, 100)]))
    assert q.excl_vat == Decimal("34.49")


def test_item_without_tariff_is_reported_not_priced_as_free():
    with pytest.raises(TariffFormatError, match="NO_TARIFF_FOUND"):
        from_charge_assist({"tariff": None, "validity": "NO_TARIFF_FOUND"})


def test_load_tariff_detects_each_shape():
    ocpi_raw = json.loads((DATA / "tariff_9_025kwh_start.json").read_text())
    assert isinstance(load_tariff(ocpi_raw), Tariff)
    assert isinstance(load_tariff(ca_item()), TariffSchedule)
    assert isinstance(load_tariff({"data": [{"tariff": None, "validity": "ERROR"}, ca_item()]}), TariffSchedule)
    assert isinstance(load_tariff({"data": ocpi_raw, "status_code": 1000}), Tariff)
    with pytest.raises(TariffFormatError):
        load_tariff({"hello": "world"})


def test_ocpi_211_tariff_without_vat_bills_excl_equals_incl():
    t = from_ocpi({"id": "1", "currency": "EUR", "elements": [
        {"price_components": [{"type": "TIME", "price": 2.00, "step_size": 300}],
         "restrictions": {"start_time": "08:00", "end_time": "18:00", "day_of_week": ["MONDAY"]}}],
        "last_updated": "2017-01-01T00:00:00Z"})
    start = dt.datetime(2026, 11, 23, 17, 0, tzinfo=AMS)  # Monday
    q = quote(t, ChargingProfile([charge(start, 120, 10)]))
    # priced 17:00-18:00 only; free afterwards: 2.00
    assert (q.excl_vat, q.incl_vat) == (Decimal("2.00"), Decimal("2.00"))


# --- restrictions, time zones ------------------------------------------------------------


def test_over_midnight_window_across_the_dst_change():
    t = ocpi([
        {"price_components": [{"type": "ENERGY", "price": 0.20, "step_size": 1}],
         "restrictions": {"start_time": "22:00", "end_time": "06:00"}},
        {"price_components": [{"type": "ENERGY", "price": 0.40, "step_size": 1}]},
    ])
    # 21:00 on 24 Oct 2026 to 07:00 local on 25 Oct: clocks go back at 03:00, so 11 real hours.
    start = dt.datetime(2026, 10, 24, 21, 0, tzinfo=AMS)
    end = dt.datetime(2026, 10, 25, 7, 0, tzinfo=AMS)
    hours = Decimal((end.astimezone(dt.timezone.utc) - start.astimezone(dt.timezone.utc)).total_seconds()) / 3600
    assert hours == 11
    q = quote(t, ChargingProfile([Period(start, end, Decimal(11))], "Europe/Amsterdam"))
    # 22:00-06:00 local is 9 real hours at 1 kWh/h: 9 x 0.20 + 2 x 0.40
    assert q.excl_vat == Decimal("2.60")


def test_time_zone_of_the_profile_decides_the_local_time():
    t = ocpi([{"price_components": [{"type": "TIME", "price": 6.00, "step_size": 1}],
               "restrictions": {"start_time": "18:00"}}])
    start_utc = dt.datetime(2026, 6, 1, 16, 0, tzinfo=dt.timezone.utc)  # 18:00 in Amsterdam (CEST)
    p = [Period(start_utc, start_utc + dt.timedelta(hours=1), Decimal(5))]
    assert quote(t, ChargingProfile(p, "Europe/Amsterdam")).excl_vat == Decimal("6.00")
    assert quote(t, ChargingProfile(p, "Europe/London")).excl_vat == Decimal("0.00")  # 17:00 there


def test_date_restrictions_end_date_is_exclusive():
    t = ocpi([
        {"price_components": [{"type": "ENERGY", "price": 0.10, "step_size": 1}],
         "restrictions": {"start_date": "2026-12-24", "end_date": "2026-12-27"}},
        {"price_components": [{"type": "ENERGY", "price": 0.30, "step_size": 1}]},
    ])
    start = dt.datetime(2026, 12, 26, 23, 0, tzinfo=AMS)
    q = quote(t, ChargingProfile([charge(start, 120, 2)]))
    assert q.excl_vat == Decimal("0.40")  # 1 kWh on the 26th at 0.10, 1 kWh on the 27th at 0.30


def test_current_is_derived_from_power_when_the_period_has_none():
    t = from_ocpi(json.loads((DATA / "tariff_4_complex.json").read_text()))
    start = dt.datetime(2026, 11, 24, 10, 0, tzinfo=AMS)  # Tuesday
    fast = quote(t, ChargingProfile([charge(start, 60, 11)]))  # 11 kW -> 47.8 A: >= 32 A, weekday 2.00
    slow = quote(t, ChargingProfile([charge(start, 60, "3.7")]))  # 16 A: below 32 A, 1.00
    assert fast.line_total("TIME")[0] == Decimal("2.00")
    assert slow.line_total("TIME")[0] == Decimal("1.00")


def test_kwh_threshold_splits_a_period_at_the_interpolated_moment():
    t = from_ocpi(json.loads((DATA / "tariff_7_first_hour_kwh_free.json").read_text()))
    start = dt.datetime(2026, 11, 24, 10, 0, tzinfo=AMS)
    q = quote(t, ChargingProfile([charge(start, 60, 5)]))
    lines = [(ln.quantity, ln.unit_price) for ln in q.lines if ln.dimension == "ENERGY"]
    assert lines == [(Decimal(1), Decimal("0.0")), (Decimal(4), Decimal("0.2"))]
    assert lines and q.lines[1].start == start + dt.timedelta(minutes=12)


def test_flat_fee_counted_once_even_when_elements_switch():
    t = ocpi([
        {"price_components": [{"type": "FLAT", "price": 1.00, "step_size": 1},
                              {"type": "ENERGY", "price": 0.20, "step_size": 1}],
         "restrictions": {"end_time": "12:00"}},
        {"price_components": [{"type": "FLAT", "price": 1.00, "step_size": 1},
                              {"type": "ENERGY", "price": 0.30, "step_size": 1}]},
    ])
    start = dt.datetime(2026, 11, 24, 11, 0, tzinfo=AMS)
    q = quote(t, ChargingProfile([charge(start, 120, 2)]))
    assert q.quantity("FLAT") == 1
    assert q.excl_vat == Decimal("1.50")


def test_zero_length_session_still_pays_the_start_fee_and_min_price():
    t = from_ocpi(json.loads((DATA / "tariff_9_025kwh_start.json").read_text()))
    start = dt.datetime(2026, 11, 24, 11, 0, tzinfo=AMS)
    q = quote(t, ChargingProfile([charge(start, 0, 0)]))
    assert (q.excl_vat, q.incl_vat) == (Decimal("0.50"), Decimal("0.60"))
    assert quote(t, ChargingProfile([])).incl_vat == Decimal("0.00")


def test_min_price_incl_side_derived_when_only_excl_is_published():
    t = ocpi([{"price_components": [{"type": "ENERGY", "price": 0.25, "vat": 10, "step_size": 1}]}],
             min_price={"excl_vat": 1.00})
    start = dt.datetime(2026, 11, 24, 11, 0, tzinfo=AMS)
    q = quote(t, ChargingProfile([charge(start, 10, 1)]))
    assert (q.excl_vat, q.incl_vat) == (Decimal("1.00"), Decimal("1.10"))
    assert q.min_price_applied


def test_vat_included_tariff_computes_excl_from_incl():
    t = from_ocpi(json.loads((DATA / "tariff_20_simple_north_american_inclusive.json").read_text()))
    assert t.vat_included
    t21 = Tariff(currency="EUR", elements=t.elements, vat_percentage=Decimal(21), vat_included=True)
    start = dt.datetime(2026, 11, 24, 11, 0, tzinfo=AMS)
    q = quote(t21, ChargingProfile([charge(start, 60, 10)]))
    assert q.incl_vat == Decimal("2.10")
    assert q.excl_vat == Decimal("1.74")  # 2.10 / 1.21 = 1.7355


def test_time_step_applies_to_charging_when_parking_is_not_priced():
    t = from_ocpi(json.loads((DATA / "tariff_1_simple_2hour.json").read_text()))  # TIME only, 60 s step
    start = dt.datetime(2026, 11, 24, 11, 0, tzinfo=AMS)
    p = ChargingProfile([charge(start, 90.5, 10), park(start + dt.timedelta(minutes=90.5), 30)])
    q = quote(t, p)
    assert round(q.quantity("TIME") * 60, 9) == 91
    assert q.quantity("PARKING_TIME") == 0


# --- rounding --------------------------------------------------------------------------


def test_totals_round_half_up_from_exact_line_sums():
    t = ocpi([{"price_components": [{"type": "TIME", "price": 1.50, "step_size": 1}]}])
    start = dt.datetime(2026, 11, 24, 11, 0, tzinfo=AMS)
    q = quote(t, ChargingProfile([charge(start, 5, 1)]))  # 5 min x 1.50/h = 0.125 exactly
    assert q.exact_excl_vat == Decimal("0.125")
    assert q.excl_vat == Decimal("0.13")


def test_lines_are_not_rounded_one_by_one():
    t = ocpi([
        {"price_components": [{"type": "ENERGY", "price": "0.001", "step_size": 1}], "restrictions": {"end_time": "12:00"}},
        {"price_components": [{"type": "ENERGY", "price": "0.002", "step_size": 1}]},
    ])
    start = dt.datetime(2026, 11, 24, 11, 0, tzinfo=AMS)
    noon = start + dt.timedelta(hours=1)
    q = quote(t, ChargingProfile([charge(start, 60, 4), charge(noon, 60, 2)]))  # 0.004 + 0.004 = 0.008
    assert [ln.excl_vat for ln in q.lines] == [Decimal("0.004"), Decimal("0.004")]
    assert q.excl_vat == Decimal("0.01")
    assert sum(round_money(ln.excl_vat) for ln in q.lines) == Decimal("0.00")  # what per-line rounding would bill


def test_money_helpers():
    assert D(0.1) == Decimal("0.1")
    assert round_money(Decimal("-0.125")) == Decimal("-0.13")
    assert round_money(Decimal("12.5"), "JPY") == Decimal("13")
    assert format_money(Decimal("8.2"), "EUR", "de") == "8,20\xa0€"
    with pytest.raises(ValueError):
        D("abc")
    with pytest.raises(ValueError):
        D(float("nan"))


@pytest.mark.parametrize(
    "day, hh, mm, minutes, kwh, parking, expected",
    [
        # Monday 09:30, 2:27 h at 8.2 kW (< 32 kW: 1.00/h), 42 min parking (weekday 5.00/h, 5 min steps)
        (dt.date(2026, 11, 23), 9, 30, 147, "20", 42, "8.70"),
        # Saturday 13:30, 1:54 h at 43 kW (>= 32 kW at weekends: 1.25/h), 71 min parking (6.00/h)
        (dt.date(2026, 11, 28), 13, 30, 114, "81.7", 71, "12.38"),
        # Sunday: fast charging at the weekend price, parking free (no Sunday parking element)
        (dt.date(2026, 11, 29), 13, 30, 60, "43", 60, "3.75"),
    ],
)
def test_ocpi_211_complex_example(day, hh, mm, minutes, kwh, parking, expected):
    t = from_ocpi(json.loads((DATA / "ocpi211_complex.json").read_text()))
    start = dt.datetime.combine(day, dt.time(hh, mm), tzinfo=AMS)
    end = start + dt.timedelta(minutes=minutes)
    q = quote(t, ChargingProfile([Period(start, end, D(kwh)), park(end, parking)]))
    assert (q.excl_vat, q.incl_vat) == (Decimal(expected), Decimal(expected))  # 2.1.1 has no VAT


def test_a_live_estimate_from_split_readings_adds_no_step_for_decimal_residue():
    """12.691 kWh in one minute, read as 2 s + 58 s (a live estimate's data points): the
    parts add back to 12.691000...0003 kWh, and the 1 Wh step round-up billed that residue
    as a whole Wh (found by tests/core/test_tariff_properties.py)."""
    t = ocpi([{"price_components": [{"type": "ENERGY", "price": 0.01, "step_size": 1}],
               "restrictions": {"min_kwh": 3}}])
    start = dt.datetime(2025, 12, 31, 23, 0, tzinfo=dt.UTC)
    whole = ChargingProfile([charge(start, 1, "12.691")], "Europe/Amsterdam")
    first = Decimal("12.691") * 2 / 60
    split = ChargingProfile([Period(start, start + dt.timedelta(seconds=2), first),
                             Period(start + dt.timedelta(seconds=2), start + dt.timedelta(minutes=1),
                                    Decimal("12.691") - first)], "Europe/Amsterdam")
    a, b = quote(t, whole), quote(t, split)
    assert a.exact_excl_vat == b.exact_excl_vat == Decimal("0.09691")     # 9.691 kWh over the 3 kWh
    assert not any("rounded up" in n for n in b.notes)
    # a real excess still rounds up: 1 mWh over is billed as the whole 1 Wh step
    more = ChargingProfile([charge(start, 1, "12.691001")], "Europe/Amsterdam")
    assert quote(t, more).exact_excl_vat == Decimal("0.09692")
