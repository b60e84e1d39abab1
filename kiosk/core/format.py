"""One formatter each for what the kiosk shows: money, energy, power, durations, clock
times and plain numbers, in the guest's language (Babel's CLDR data, loaded on first use:
start-up time). Guest screens, the attendant desk and receipts all use these, so a figure
reads the same everywhere."""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from kiosk.i18n import Translator, babel_locale

_ = Translator("core")

DASH = "–"


def number(x: Decimal | float | int | None, digits: int = 1) -> str:
    if x is None:
        return DASH
    from babel.numbers import format_decimal

    return format_decimal(round(float(x), digits), format="#,##0." + "0" * digits if digits else "#,##0",
                          locale=babel_locale())


def money(amount: Decimal | float | None, currency: str | None = "EUR") -> str:
    if amount is None:
        return DASH
    from babel.numbers import format_currency

    cur = currency if currency and len(currency) == 3 and currency.isalpha() else "EUR"
    return format_currency(Decimal(str(amount)), cur.upper(), locale=babel_locale())


def kwh(x: Any, digits: int = 2) -> str:
    """Energy: ``12.34 kWh``."""
    return DASH if x is None else _("{kwh} kWh", kwh=number(x, digits))


def kw(x: Any, digits: int = 1) -> str:
    """Power: ``7.4 kW``."""
    return DASH if x is None else _("{kw} kW", kw=number(x, digits))


def duration(seconds: float | int | None) -> str:
    """A duration, the one way the kiosk writes it: ``2 h 05 min``, or ``4 min 09 s`` under
    an hour."""
    if seconds is None:
        return DASH
    s = max(0, int(seconds))
    h, m = divmod(s // 60, 60)
    if h:
        return _("{h} h {m:02d} min", h=h, m=m)
    return _("{m} min {s:02d} s", m=m, s=s % 60)


def clock(t: datetime | None, tz: tzinfo | None = None) -> str:
    """A time of day (short form of the guest's language), in ``tz`` or the kiosk's zone."""
    if t is None:
        return DASH
    from babel.dates import format_time

    return format_time(t.astimezone(tz), format="short", locale=babel_locale())


def date_time(t: datetime | None, tz: tzinfo | None = None) -> str:
    """A date and time (medium date, short time) in ``tz`` or the kiosk's zone."""
    if t is None:
        return DASH
    from babel.dates import format_datetime

    return format_datetime(t.astimezone(tz), format="medium", locale=babel_locale())
