"""What a session costs, computed the OCPI way from the tariff(s) in force.

Deliberately independent of the kiosk's own tariff engine (``kiosk.core.tariff``): the
simulator bills, the kiosk estimates, and tests compare the two.

Rules (OCPI 2.2.1 semantics, see README.md):

* The session is cut into slices (a few virtual seconds each) with the energy delivered,
  the power, and whether the car was charging (CHARGING) or not (PARKING).
* For every slice and every dimension (ENERGY and TIME while charging, PARKING_TIME
  while not charging), the first tariff element whose restrictions all hold and that
  has a component of that dimension prices the slice. Restrictions: ``min/max_kwh``
  (energy so far), ``min/max_duration`` (seconds since the session started),
  ``min/max_power`` (kW), ``min/max_current`` (A); min inclusive, max exclusive.
* FLAT: once, from the first element with a FLAT component of the tariff in force at
  the start.
* Time-of-use: each slice is priced by the tariff in force at its start.
* ``stepSize`` (OCPI 2.2.1) is taken into account once per session for ENERGY and once for
  TIME and PARKING_TIME combined: the session total of the dimension is rounded up, using
  the step of the last component that priced it, and the extra is billed at that
  component's price. When both TIME and PARKING_TIME were billed, only the total parking
  time is rounded (charging time is followed by another time-based period).
* VAT per component (``vat``, else the tariff's ``vatPercentage``); when
  ``isVatIncluded`` the price already holds it.
* Money: exact decimals throughout, rounded half-up to cents at the end:
  ``totalCosts`` = round(sum incl. VAT), ``totalVat`` = totalCosts - round(sum excl. VAT).
  Line items carry each line's own rounding (lines may differ from the total by a cent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
HOUR = Decimal(3600)


@dataclass
class Slice:
    start: datetime
    seconds: float
    energy_wh: float
    power_kw: float
    current_a: float
    charging: bool  # False: connected but not charging (PARKING)


@dataclass
class Line:
    tariff_key: str
    element: int
    dimension: str
    component: dict[str, Any]
    tariff: dict[str, Any]
    first_at: datetime
    quantity: Decimal = Decimal(0)  # Wh, seconds, or 1 for FLAT

    def billed_units(self) -> Decimal:
        """kWh, hours, or 1."""
        if self.dimension == "ENERGY":
            return self.quantity / 1000
        if self.dimension in ("TIME", "PARKING_TIME"):
            return self.quantity / HOUR
        return self.quantity

    def vat_percent(self) -> Decimal:
        v = self.component.get("vat")
        if v is None:
            v = self.tariff.get("vatPercentage") or 0
        return Decimal(str(v))

    def amounts(self) -> tuple[Decimal, Decimal]:
        """(excl. VAT, incl. VAT), unrounded."""
        price = Decimal(str(self.component["price"]))
        gross = price * self.billed_units()
        factor = 1 + self.vat_percent() / 100
        if self.tariff.get("isVatIncluded"):
            return gross / factor, gross
        return gross, gross * factor


@dataclass
class Bill:
    currency: str
    total_incl: Decimal
    total_excl: Decimal
    total_vat: Decimal
    vat_percentage: float | None
    lines: list[Line] = field(default_factory=list)

    def cost_breakdown(self, session_start: datetime, iso: Callable[[datetime], str | None]) -> dict[str, Any]:
        segments: dict[str, dict[str, Any]] = {}
        for ln in self.lines:
            seg = segments.get(ln.tariff_key)
            if seg is None:
                seg = segments[ln.tariff_key] = {
                    "segmentId": len(segments) + 1,
                    "fromUtc": iso(ln.first_at if segments else session_start),
                    "items": [],
                }
            excl, incl = ln.amounts()
            price = Decimal(str(ln.component["price"]))
            if ln.dimension == "ENERGY":
                unit, qty, unit_price = "KWH", ln.quantity / 1000, price
            elif ln.dimension in ("TIME", "PARKING_TIME"):
                unit, qty, unit_price = "MIN", ln.quantity / 60, price / 60
            else:
                unit, qty, unit_price = "MONEY", ln.quantity, price
            seg["items"].append(
                {
                    "dimension": ln.dimension,
                    "price": float(round(unit_price, 6)),
                    "quantity": float(round(qty, 4)),
                    "unroundedCost": float(round(incl, 6)),
                    "roundedCost": float(incl.quantize(CENT, ROUND_HALF_UP)),
                    "unit": unit,
                }
            )
        return {"retailSegments": list(segments.values())}


def _matches(restr: dict[str, Any] | None, *, kwh: float, duration_s: float, power_kw: float, current_a: float) -> bool:
    if not restr:
        return True
    checks = (
        ("min_kwh", "max_kwh", kwh),
        ("min_duration", "max_duration", duration_s),
        ("min_power", "max_power", power_kw),
        ("min_current", "max_current", current_a),
    )
    for lo, hi, value in checks:
        if restr.get(lo) is not None and value < restr[lo]:
            return False
        if restr.get(hi) is not None and value >= restr[hi]:
            return False
    return True


def _pick(tariff: dict[str, Any], dimension: str, **state: float) -> tuple[int, dict[str, Any]] | None:
    for i, el in enumerate(tariff.get("elements") or []):
        for comp in el.get("priceComponents") or []:
            if comp["type"] == dimension and _matches(comp.get("restrictions"), **state):
                return i, comp
    return None


def round_cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, ROUND_HALF_UP)


def compute_bill(
    tariff_at: Callable[[datetime], dict[str, Any]], session_start: datetime, slices: list[Slice]
) -> Bill:
    """Bill the slices of a session that started (energy flowing) at ``session_start``."""
    lines: dict[tuple[str, int, str], Line] = {}
    last_for_dim: dict[str, tuple[str, int, str]] = {}

    def add(tariff: dict[str, Any], dimension: str, picked, qty: Decimal, at: datetime) -> None:
        if picked is None or qty <= 0:
            return
        idx, comp = picked
        key = (tariff["key"], idx, dimension)
        ln = lines.get(key)
        if ln is None:
            ln = lines[key] = Line(tariff["key"], idx, dimension, comp, tariff, at)
        ln.quantity += qty
        last_for_dim[dimension] = key

    start_tariff = tariff_at(session_start)
    flat = _pick(start_tariff, "FLAT", kwh=0.0, duration_s=0.0, power_kw=0.0, current_a=0.0)
    add(start_tariff, "FLAT", flat, Decimal(1), session_start)

    energy_wh = 0.0
    for s in slices:
        t = tariff_at(s.start)
        state = {
            "kwh": energy_wh / 1000,
            "duration_s": (s.start - session_start).total_seconds(),
            "power_kw": s.power_kw,
            "current_a": s.current_a,
        }
        secs = Decimal(repr(s.seconds))
        if s.charging:
            add(t, "ENERGY", _pick(t, "ENERGY", **state), Decimal(repr(s.energy_wh)), s.start)
            add(t, "TIME", _pick(t, "TIME", **state), secs, s.start)
        else:
            add(t, "PARKING_TIME", _pick(t, "PARKING_TIME", **state), secs, s.start)
        energy_wh += s.energy_wh

    # Step sizes on the session totals (rounded up): once for ENERGY, and once for TIME and
    # PARKING_TIME together: when parking was billed, only its total is rounded.
    rounded_dims = ["ENERGY", "PARKING_TIME" if "PARKING_TIME" in last_for_dim else "TIME"]
    for dim in rounded_dims:
        key = last_for_dim.get(dim)
        if key is None:
            continue
        step = Decimal(int(lines[key].component.get("stepSize") or 1))
        total = sum((ln.quantity for k, ln in lines.items() if k[2] == dim), Decimal(0))
        if step > 0 and total > 0:
            rounded = (total / step).to_integral_value(ROUND_CEILING) * step
            lines[key].quantity += rounded - total

    excl = sum((ln.amounts()[0] for ln in lines.values()), Decimal(0))
    incl = sum((ln.amounts()[1] for ln in lines.values()), Decimal(0))
    total_incl = round_cents(incl)
    total_excl = round_cents(excl)
    return Bill(
        currency=start_tariff.get("currency") or "EUR",
        total_incl=total_incl,
        total_excl=total_excl,
        total_vat=total_incl - total_excl,
        vat_percentage=start_tariff.get("vatPercentage"),
        lines=sorted(lines.values(), key=lambda ln: (ln.first_at, ln.element, ln.dimension)),
    )
