"""The guest's price: what the venue charges the guest, beside what the operator charges the
venue (``totalCosts``). Pure: Decimal arithmetic over :mod:`kiosk.core.tariff`.

Policies (:class:`PricePolicy`, ``mode``):

- ``free``: the guest pays nothing;
- ``operator``: the operator's tariff as it is (pass-through);
- ``margin_percent``: the operator's price excluding VAT plus ``margin`` percent, then the
  venue's VAT (``vat_percent``) on top;
- ``margin_per_kwh``: the operator's price excluding VAT plus ``margin`` per kWh, then VAT;
- ``own``: the venue's own tariff, built from a few fields (per kWh, per hour of charging,
  per session, parking per hour from N minutes after plugging in; all excluding VAT), VAT
  and currency, stored as an OCPI 2.2.1 tariff (:meth:`PricePolicy.own_tariff_json`) that
  the tariff engine prices like any other.

A margin applies to prices excluding VAT and VAT is added after: ``incl = (excl_operator x
(1 + p/100)) x (1 + vat/100)``. Amounts are exact until one half-up rounding to the
currency's minor unit at the end, as the engine rounds its totals.

``operator``, ``margin_percent`` and ``margin_per_kwh`` depend on the operator's price; when
it is unknown before the start, :func:`guest_quote` answers None and the venue's setting
decides whether the guest may start (the charger screen says so plainly).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import Any

from kiosk.core.money import D, round_money
from kiosk.core.tariff import (
    ChargingProfile,
    Dimension,
    Period,
    PriceComponent,
    Tariff,
    TariffElement,
    TariffSchedule,
    describe,
    from_ocpi,
    quote,
)
from kiosk.i18n import Translator, current_language

_ = Translator("billing")

MODES = ("free", "operator", "margin_percent", "margin_per_kwh", "own")
DEPENDS_ON_OPERATOR = frozenset({"operator", "margin_percent", "margin_per_kwh"})
HUNDRED = Decimal(100)
ZERO = Decimal(0)


class PolicyError(ValueError):
    """A policy field is not acceptable (``field`` names it)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class PricePolicy:
    mode: str = "operator"
    #: percent (margin_percent) or amount per kWh excl. VAT (margin_per_kwh)
    margin: Decimal = ZERO
    #: the venue's VAT on its own tariff and on a price with a margin
    vat_percent: Decimal = Decimal(21)
    currency: str = "EUR"
    # the venue's own tariff, excluding VAT
    per_kwh: Decimal = ZERO
    per_hour: Decimal = ZERO
    per_session: Decimal = ZERO
    parking_per_hour: Decimal = ZERO
    parking_after_min: int = 0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise PolicyError("mode", f"must be one of {', '.join(MODES)}")
        for name in ("margin", "vat_percent", "per_kwh", "per_hour", "per_session", "parking_per_hour"):
            try:
                value = D(getattr(self, name))
            except (ValueError, TypeError):
                raise PolicyError(name, "must be a number") from None
            if value < 0 or value > 10000:
                raise PolicyError(name, "must be between 0 and 10000")
            object.__setattr__(self, name, value)
        if self.vat_percent > 100:
            raise PolicyError("vat_percent", "must be between 0 and 100")
        if self.mode == "margin_percent" and self.margin > 1000:
            raise PolicyError("margin", "must be at most 1000 percent")
        try:
            minutes = int(self.parking_after_min)
        except (TypeError, ValueError):
            raise PolicyError("parking_after_min", "must be a whole number of minutes") from None
        if not 0 <= minutes <= 24 * 60:
            raise PolicyError("parking_after_min", "must be between 0 and 1440 minutes")
        object.__setattr__(self, "parking_after_min", minutes)
        cur = str(self.currency or "").upper()
        if len(cur) != 3 or not cur.isalpha():
            raise PolicyError("currency", "must be a three-letter currency code")
        object.__setattr__(self, "currency", cur)

    @property
    def depends_on_operator(self) -> bool:
        return self.mode in DEPENDS_ON_OPERATOR

    # -- persistence --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> PricePolicy:
        data = dict(data or {})
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise PolicyError(sorted(unknown)[0], "is not a price policy field")
        return cls(**data)

    def with_changes(self, **changes: Any) -> PricePolicy:
        return replace(self, **changes)

    # -- the venue's own tariff ---------------------------------------------------------
    def own_tariff_json(self) -> dict[str, Any]:
        """The own tariff as an OCPI 2.2.1 Tariff object (prices excl. VAT, per-component VAT)."""
        vat = float(self.vat_percent)
        main = []
        for kind, price in (("ENERGY", self.per_kwh), ("TIME", self.per_hour), ("FLAT", self.per_session)):
            if price > 0:
                main.append({"type": kind, "price": str(price), "vat": vat, "step_size": 1})
        elements: list[dict[str, Any]] = [{"price_components": main}] if main else []
        if self.parking_per_hour > 0:
            el: dict[str, Any] = {"price_components": [{"type": "PARKING_TIME", "price": str(self.parking_per_hour),
                                                         "vat": vat, "step_size": 1}]}
            if self.parking_after_min:
                el["restrictions"] = {"min_duration": self.parking_after_min * 60}
            elements.append(el)
        return {"country_code": "NL", "party_id": "KSK", "id": "venue-own", "currency": self.currency,
                "type": "REGULAR", "tax_included": "NO", "elements": elements}

    def own_tariff(self) -> Tariff:
        return from_ocpi(self.own_tariff_json())


@dataclass(frozen=True)
class GuestPrice:
    """What the guest pays (rounded once, half-up) and what it was derived from."""

    mode: str
    currency: str
    excl_vat: Decimal
    incl_vat: Decimal
    vat: Decimal
    vat_percent: Decimal | None
    #: the operator's cost of the same charge (excl./incl. VAT), when known
    operator_excl_vat: Decimal | None = None
    operator_incl_vat: Decimal | None = None

    @property
    def difference(self) -> Decimal | None:
        """Guest price minus the operator's cost (incl. VAT): the venue's margin or subsidy."""
        if self.operator_incl_vat is None:
            return None
        return self.incl_vat - self.operator_incl_vat


def _finish(policy: PricePolicy, currency: str, excl: Decimal, incl: Decimal, vat_pct: Decimal | None,
            op_excl: Decimal | None, op_incl: Decimal | None) -> GuestPrice:
    ex, inc = round_money(excl, currency), round_money(incl, currency)
    return GuestPrice(policy.mode, currency, ex, inc, inc - ex, vat_pct,
                      None if op_excl is None else round_money(op_excl, currency),
                      None if op_incl is None else round_money(op_incl, currency))


def from_operator(policy: PricePolicy, op_excl: Decimal, op_incl: Decimal, energy_kwh: Decimal | None,
                  currency: str) -> GuestPrice:
    """The guest's price from the operator's cost of a charge (an estimate's exact amounts
    or the final ``totalCosts`` minus ``totalVat``). Not for ``own`` (priced from a profile)."""
    op_excl, op_incl, kwh = D(op_excl), D(op_incl), D(energy_kwh or 0)
    if policy.mode == "free":
        return _finish(policy, currency, ZERO, ZERO, None, op_excl, op_incl)
    if policy.mode == "operator":
        pct = ((op_incl / op_excl - 1) * HUNDRED).quantize(Decimal("0.01")) if op_excl else None
        return _finish(policy, currency, op_excl, op_incl, pct, op_excl, op_incl)
    if policy.mode == "margin_percent":
        excl = op_excl * (1 + policy.margin / HUNDRED)
    elif policy.mode == "margin_per_kwh":
        excl = op_excl + policy.margin * kwh
    else:
        raise ValueError("the own tariff is priced from a charging profile")
    return _finish(policy, currency, excl, excl * (1 + policy.vat_percent / HUNDRED), policy.vat_percent,
                   op_excl, op_incl)


def guest_quote(policy: PricePolicy, profile: ChargingProfile | None,
                operator: Tariff | TariffSchedule | None) -> GuestPrice | None:
    """The guest's price of a charging profile (a live estimate, an example). None when the
    policy depends on the operator's price and it is unknown, or there is no profile."""
    if profile is None:
        return None
    op = quote(operator, profile) if operator is not None else None
    op_ex = op.exact_excl_vat if op is not None else None
    op_in = op.exact_incl_vat if op is not None else None
    if policy.mode == "own":
        q = quote(policy.own_tariff(), profile)
        return _finish(policy, q.currency, q.exact_excl_vat, q.exact_incl_vat, policy.vat_percent, op_ex, op_in)
    if policy.mode == "free":
        return _finish(policy, op.currency if op else policy.currency, ZERO, ZERO, None, op_ex, op_in)
    if op is None:
        return None
    return from_operator(policy, op.exact_excl_vat, op.exact_incl_vat, profile.energy_kwh, op.currency)


def guest_final(policy: PricePolicy, *, total_costs: Decimal | None, total_vat: Decimal | None,
                energy_kwh: Decimal | None, currency: str | None,
                profile: ChargingProfile | None = None) -> GuestPrice | None:
    """The guest's final price once the operator's final cost is known (CDR_AVAILABLE).
    ``own`` prices the session's observed profile with the venue's tariff."""
    cur = currency or policy.currency
    op_in = D(total_costs) if total_costs is not None else None
    op_ex = op_in - D(total_vat or 0) if op_in is not None else None
    if policy.mode == "own":
        if profile is None:
            return None
        q = quote(policy.own_tariff(), profile)
        return _finish(policy, q.currency, q.exact_excl_vat, q.exact_incl_vat, policy.vat_percent, op_ex, op_in)
    if op_in is None or op_ex is None:
        return None
    return from_operator(policy, op_ex, op_in, energy_kwh, cur)


def simple_profile(start: dt.datetime | None, end: dt.datetime | None, energy_kwh: Decimal | None,
                   tz: str = "Europe/Amsterdam") -> ChargingProfile | None:
    """One charging period from start to end (when the observations are gone)."""
    if start is None or end is None or end < start:
        return None
    return ChargingProfile([Period(start=start, end=end, energy_kwh=D(energy_kwh or 0))], tz=tz)


# ---------------------------------------------------------------------------------------
# what the guest sees before Start
# ---------------------------------------------------------------------------------------

def display_tariff(policy: PricePolicy, operator: Tariff | TariffSchedule | None) -> Tariff | None:
    """A tariff whose unit prices are those the guest pays (for the list before Start);
    None when it depends on an unknown operator price. ``free``: a tariff without prices."""
    if policy.mode == "own":
        return policy.own_tariff()
    if policy.mode == "free":
        return Tariff(currency=_currency(operator, policy), elements=())
    if operator is None:
        return None
    t = operator.current if isinstance(operator, TariffSchedule) else operator
    if policy.mode == "operator":
        return t
    pct = 1 + policy.margin / HUNDRED if policy.mode == "margin_percent" else Decimal(1)
    add = policy.margin if policy.mode == "margin_per_kwh" else ZERO
    elements = []
    for el in t.elements:
        comps = []
        for c in el.components:
            excl = _excl(t, c) * pct + (add if c.type is Dimension.ENERGY else ZERO)
            comps.append(PriceComponent(c.type, excl, c.step_size, policy.vat_percent, c.restrictions))
        elements.append(TariffElement(tuple(comps), el.restrictions))
    plain_energy = any(el.restrictions is None and any(c.type is Dimension.ENERGY and c.restrictions is None
                                                       for c in el.components) for el in t.elements)
    if add and not plain_energy:   # energy that no operator element prices still carries the margin
        elements.append(TariffElement((PriceComponent(Dimension.ENERGY, add, 1, policy.vat_percent),)))
    return Tariff(currency=t.currency, elements=tuple(elements), id="guest", vat_percentage=policy.vat_percent)


def _currency(operator: Any, policy: PricePolicy) -> str:
    return getattr(operator, "currency", None) or policy.currency


def _excl(t: Tariff, c: PriceComponent) -> Decimal:
    vat = t.component_vat(c) or ZERO
    return c.price / (1 + vat / HUNDRED) if t.vat_included else c.price


def price_lines(tariff: Tariff, lang: str | None = None) -> list[str]:
    """One short line per price the guest pays ("€0.363 per kWh"), VAT included."""
    return [text for _dim, text in price_rows(tariff, lang)]


def price_rows(tariff: Tariff, lang: str | None = None) -> list[tuple[str, str]]:
    """``(dimension, line)`` per price the guest pays (ENERGY, "€0.363 per kWh"), VAT
    included; a screen may put an icon per dimension ("" for "free of charge")."""
    lang = lang or current_language()
    lines: list[str] = []
    dims: list[str] = []
    for el in tariff.elements:
        for c in el.components:
            vat = tariff.component_vat(c)
            incl = c.price if tariff.vat_included or vat is None else c.price * (1 + vat / HUNDRED)
            if incl <= 0 and c.type is Dimension.FLAT:
                continue
            one = Tariff(currency=tariff.currency, elements=(TariffElement(
                (PriceComponent(c.type, incl, c.step_size, None, c.restrictions),), el.restrictions),))
            text = describe(one, lang=lang).rstrip(".")
            if text not in lines:
                lines.append(text)
                dims.append(str(getattr(c.type, "value", c.type)))
    if not lines or all(_is_zero(c) for el in tariff.elements for c in el.components):
        return [("", _("Free of charge", lang=lang))]
    return list(zip(dims, lines, strict=True))


def _is_zero(c: PriceComponent) -> bool:
    return c.price == 0


def example_text(policy: PricePolicy, operator: Tariff | TariffSchedule | None, lang: str | None = None, *,
                 hours: int = 2, kwh: int = 20, start: dt.datetime | None = None,
                 tz: str = "Europe/Amsterdam") -> str:
    """"A 2-hour charge of 20 kWh costs you about €9.68" at the guest's price (empty when
    the price depends on an unknown operator price)."""
    from kiosk.core.money import format_money
    from zoneinfo import ZoneInfo

    lang = lang or current_language()
    zone = ZoneInfo(tz)
    begin = (start or dt.datetime.now(zone)).replace(second=0, microsecond=0).astimezone(dt.UTC)
    profile = ChargingProfile([Period(start=begin, end=begin + dt.timedelta(hours=hours), energy_kwh=D(kwh))],
                              tz=tz)
    g = guest_quote(policy, profile, operator)
    if g is None:
        return ""
    return _("A {hours}-hour charge of {kwh} kWh costs about {price}.", hours=hours, kwh=kwh,
             price=format_money(g.incl_vat, g.currency, lang), lang=lang)


__all__ = ["DEPENDS_ON_OPERATOR", "MODES", "GuestPrice", "PolicyError", "PricePolicy", "display_tariff",
           "example_text", "from_operator", "guest_final", "guest_quote", "price_lines", "simple_profile"]
