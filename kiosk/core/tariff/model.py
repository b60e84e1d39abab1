"""Tariff data model (OCPI 2.2.1 semantics), charging profiles and quotes.

Everything is an immutable dataclass holding Decimals. The adapters in
:mod:`kiosk.core.tariff.adapters` build these from Charge Assist or OCPI JSON; the engine
in :mod:`kiosk.core.tariff.engine` prices a :class:`ChargingProfile` against them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.core.money import D

__all__ = [
    "ChargingProfile",
    "Dimension",
    "Period",
    "Price",
    "PriceComponent",
    "Quote",
    "QuoteLine",
    "Restrictions",
    "Tariff",
    "TariffElement",
    "TariffSchedule",
]


class Dimension(StrEnum):
    FLAT = "FLAT"
    ENERGY = "ENERGY"
    TIME = "TIME"
    PARKING_TIME = "PARKING_TIME"


#: Unit in which a dimension's quantity is billed (``price`` is per one such unit).
UNITS = {Dimension.FLAT: "session", Dimension.ENERGY: "kWh", Dimension.TIME: "h", Dimension.PARKING_TIME: "h"}

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


@dataclass(frozen=True)
class Restrictions:
    """OCPI TariffRestrictions. All set fields must hold (logical AND).

    Ranges are half-open: ``min`` inclusive, ``max`` exclusive (OCPI defines
    ``min_duration`` inclusive and ``max_duration`` exclusive; the kiosk uses the same
    convention for kWh, power and current so adjacent tiers never overlap or leave a gap).
    Durations are seconds since the session started; kWh is the session's cumulative
    energy; power (kW) and current (A, summed over phases) are those of the moment.
    """

    start_time: dt.time | None = None
    end_time: dt.time | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None  # exclusive
    day_of_week: frozenset[int] | None = None  # 0 = Monday
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_duration: Decimal | None = None  # seconds
    max_duration: Decimal | None = None
    min_power: Decimal | None = None  # kW
    max_power: Decimal | None = None
    min_current: Decimal | None = None  # A
    max_current: Decimal | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f) is None for f in self.__dataclass_fields__)

    @property
    def has_time_of_day(self) -> bool:
        return self.start_time is not None or self.end_time is not None


@dataclass(frozen=True)
class PriceComponent:
    """One price of a tariff element.

    ``price`` is per unit (kWh, hour, session) exactly as published; whether it includes
    VAT is a property of the tariff (:attr:`Tariff.vat_included`). ``vat`` is this
    component's VAT percentage (``None``: the tariff's ``vat_percentage``, and if that is
    also unknown, no VAT applies). ``step_size`` is in Wh for ENERGY and seconds for
    TIME/PARKING_TIME. ``restrictions`` exist only in Charge Assist tariffs, where they
    sit on the component rather than on the element.
    """

    type: Dimension
    price: Decimal
    step_size: int = 1
    vat: Decimal | None = None
    restrictions: Restrictions | None = None


@dataclass(frozen=True)
class TariffElement:
    components: tuple[PriceComponent, ...]
    restrictions: Restrictions | None = None


@dataclass(frozen=True)
class Price:
    """OCPI 2.2.1 Price: an amount excluding and (optionally) including VAT."""

    excl_vat: Decimal
    incl_vat: Decimal | None = None


@dataclass(frozen=True)
class Tariff:
    currency: str
    elements: tuple[TariffElement, ...]
    id: str | None = None
    vat_percentage: Decimal | None = None  # tariff-level default for components without ``vat``
    vat_included: bool = False  # component prices already include VAT
    min_price: Price | None = None
    max_price: Price | None = None
    valid_from: dt.datetime | None = None  # naive = local time of the profile's time zone
    valid_to: dt.datetime | None = None  # exclusive
    alt_text: dict[str, str] = field(default_factory=dict, compare=False)

    def component_vat(self, c: PriceComponent) -> Decimal | None:
        return c.vat if c.vat is not None else self.vat_percentage

    def dimensions(self) -> set[Dimension]:
        return {c.type for e in self.elements for c in e.components}


@dataclass(frozen=True)
class TariffSchedule:
    """A tariff plus the tariffs that replace it later (Charge Assist ``futureTariffs``).

    Each moment of a session is priced by :meth:`tariff_at`: the tariff among
    ``future`` whose ``[valid_from, valid_to)`` contains it (the latest ``valid_from``
    wins when several do), else ``current``.
    """

    current: Tariff
    future: tuple[Tariff, ...] = ()

    @property
    def currency(self) -> str:
        return self.current.currency

    @property
    def tariffs(self) -> tuple[Tariff, ...]:
        return (self.current, *self.future)

    def tariff_at(self, when: dt.datetime, tz: dt.tzinfo) -> Tariff:
        best: Tariff | None = None
        best_from: dt.datetime | None = None
        for t in self.future:
            lo = _aware(t.valid_from, tz)
            hi = _aware(t.valid_to, tz)
            if (lo is None or lo <= when) and (hi is None or when < hi):
                if best is None or (lo is not None and (best_from is None or lo > best_from)):
                    best, best_from = t, lo
        return best if best is not None else self.current


def _aware(value: dt.datetime | None, tz: dt.tzinfo) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=tz)


@dataclass(frozen=True)
class Period:
    """A stretch of a session with constant behaviour: charging (energy flows at a constant
    rate) or parking (plugged in, not charging).

    ``max_power_kw`` / ``max_current_a`` are the power and current (summed over phases)
    during the period, used for power/current restrictions; without them the engine uses
    the average power ``energy_kwh / hours`` and derives the current from it.
    """

    start: dt.datetime
    end: dt.datetime
    energy_kwh: Decimal = Decimal(0)
    parking: bool = False
    max_power_kw: Decimal | None = None
    max_current_a: Decimal | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Period needs time-zone aware datetimes")
        # Kept in UTC: Python subtracts and adds datetimes that share a ZoneInfo in wall-clock
        # time, which is wrong by an hour across a DST change.
        object.__setattr__(self, "start", self.start.astimezone(dt.timezone.utc))
        object.__setattr__(self, "end", self.end.astimezone(dt.timezone.utc))
        if self.end < self.start:
            raise ValueError("Period ends before it starts")
        for name in ("energy_kwh", "max_power_kw", "max_current_a"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Decimal):
                object.__setattr__(self, name, D(value))
        if self.energy_kwh < 0:
            raise ValueError("negative energy")

    @property
    def seconds(self) -> Decimal:
        delta = self.end - self.start
        return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / Decimal(1_000_000)


@dataclass(frozen=True)
class ChargingProfile:
    """The periods of one session, in order and without gaps, and the venue's time zone
    (for time-of-day, day-of-week and date restrictions)."""

    periods: list[Period]
    tz: str = "Europe/Amsterdam"

    def __post_init__(self) -> None:
        for a, b in zip(self.periods, self.periods[1:]):
            if b.start < a.end:
                raise ValueError("periods overlap or are out of order")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def start(self) -> dt.datetime | None:
        return self.periods[0].start if self.periods else None

    @property
    def end(self) -> dt.datetime | None:
        return self.periods[-1].end if self.periods else None

    @property
    def energy_kwh(self) -> Decimal:
        return sum((p.energy_kwh for p in self.periods), Decimal(0))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChargingProfile:
        """Build a profile from the JSON used by ``kiosk tariff quote``::

            {"start": "2026-11-23T16:55", "time_zone": "Europe/Amsterdam",
             "periods": [{"minutes": 10, "kwh": 2.5, "power_kw": 15, "current_a": 21.7},
                         {"parking": true, "minutes": 2}]}

        A period's length is ``seconds``, ``minutes`` or ``hours`` (or an ``end``
        timestamp); ``start`` without an offset is local time in ``time_zone``.
        """
        tz_name = data.get("time_zone") or data.get("tz") or "Europe/Amsterdam"
        tz = ZoneInfo(tz_name)
        cursor = _parse_dt(data["start"], tz).astimezone(dt.timezone.utc)
        periods: list[Period] = []
        for raw in data.get("periods", []):
            start = _parse_dt(raw["start"], tz).astimezone(dt.timezone.utc) if raw.get("start") else cursor
            if raw.get("end"):
                end = _parse_dt(raw["end"], tz).astimezone(dt.timezone.utc)
            else:
                secs = D(raw.get("seconds", 0)) + D(raw.get("minutes", 0)) * 60 + D(raw.get("hours", 0)) * 3600
                end = start + dt.timedelta(seconds=float(secs))
            parking = bool(raw.get("parking", False))
            power = raw.get("power_kw", raw.get("max_power_kw"))
            current = raw.get("current_a", raw.get("max_current_a"))
            periods.append(
                Period(
                    start=start,
                    end=end,
                    energy_kwh=D(raw.get("kwh", raw.get("energy_kwh", 0))),
                    parking=parking,
                    max_power_kw=D(power) if power is not None else None,
                    max_current_a=D(current) if current is not None else None,
                )
            )
            cursor = end
        return cls(periods=periods, tz=tz_name)


def _parse_dt(text: str, tz: dt.tzinfo) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


@dataclass(frozen=True)
class QuoteLine:
    """The cost of one dimension at one price (consecutive segments at the same price are
    merged). ``quantity`` is the billed quantity in ``unit`` (kWh, h, session) including
    any step-size round-up (``rounded_up`` of it); amounts are exact, not rounded."""

    dimension: str
    quantity: Decimal
    unit: str
    excl_vat: Decimal
    incl_vat: Decimal
    unit_price: Decimal = Decimal(0)  # excl. VAT, per unit
    unit_price_incl_vat: Decimal = Decimal(0)  # incl. VAT, per unit
    vat_percent: Decimal | None = None
    rounded_up: Decimal = Decimal(0)  # quantity added by the step size
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    tariff_id: str | None = None
    element: int | None = None  # index in the tariff's elements


@dataclass(frozen=True)
class Quote:
    """The cost of a profile. ``excl_vat``/``incl_vat``/``vat`` are rounded half-up to the
    currency's minor unit once, from the exact sums (``exact_excl_vat``/``exact_incl_vat``)
    after the minimum/maximum price; ``vat`` is their difference."""

    currency: str
    excl_vat: Decimal
    incl_vat: Decimal
    vat: Decimal
    lines: list[QuoteLine]
    exact_excl_vat: Decimal
    exact_incl_vat: Decimal
    notes: list[str] = field(default_factory=list)
    min_price_applied: bool = False
    max_price_applied: bool = False

    def line_total(self, dimension: str) -> tuple[Decimal, Decimal]:
        ex = sum((ln.excl_vat for ln in self.lines if ln.dimension == dimension), Decimal(0))
        inc = sum((ln.incl_vat for ln in self.lines if ln.dimension == dimension), Decimal(0))
        return ex, inc

    def quantity(self, dimension: str) -> Decimal:
        return sum((ln.quantity for ln in self.lines if ln.dimension == dimension), Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; exact amounts are shown to 10 decimals, trailing zeros dropped."""

        def iso(v: dt.datetime | None) -> str | None:
            return v.isoformat() if v else None

        def num(v: Decimal) -> str:
            return f"{v.quantize(Decimal('1e-10')).normalize():f}"

        return {
            "currency": self.currency,
            "excl_vat": str(self.excl_vat),
            "incl_vat": str(self.incl_vat),
            "vat": str(self.vat),
            "exact_excl_vat": num(self.exact_excl_vat),
            "exact_incl_vat": num(self.exact_incl_vat),
            "min_price_applied": self.min_price_applied,
            "max_price_applied": self.max_price_applied,
            "lines": [
                {
                    "dimension": ln.dimension,
                    "quantity": num(ln.quantity),
                    "unit": ln.unit,
                    "unit_price": num(ln.unit_price),
                    "unit_price_incl_vat": num(ln.unit_price_incl_vat),
                    "vat_percent": None if ln.vat_percent is None else num(ln.vat_percent),
                    "rounded_up": num(ln.rounded_up),
                    "excl_vat": num(ln.excl_vat),
                    "incl_vat": num(ln.incl_vat),
                    "start": iso(ln.start),
                    "end": iso(ln.end),
                    "tariff_id": ln.tariff_id,
                    "element": ln.element,
                }
                for ln in self.lines
            ],
            "notes": list(self.notes),
        }
