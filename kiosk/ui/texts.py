"""Guest texts shared by several screens (tables use N_ and are translated when shown)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from kiosk.i18n import N_, Translator, babel_locale

_ = Translator("ui")

EVSE_STATUS = {
    "AVAILABLE": N_("Available"),
    "CHARGING": N_("In use"),
    "BLOCKED": N_("Blocked"),
    "INOPERATIVE": N_("Out of order"),
    "OUTOFORDER": N_("Out of order"),
    "PLANNED": N_("Not yet in service"),
    "REMOVED": N_("Removed"),
    "RESERVED": N_("Reserved"),
    "UNKNOWN": N_("Status unknown"),
}

UNUSABLE = {
    "OCCUPIED": N_("Another car is using this charger right now."),
    "IN_USE_HERE": N_("A session started at this kiosk is running on this charger."),
    "BLOCKED": N_("This charger is blocked at the moment."),
    "OUT_OF_ORDER": N_("This charger is out of order at the moment."),
    "RESERVED": N_("This charger is reserved."),
    "NOT_ALLOWED": N_("Charging is not allowed on this charger."),
    "NO_TARIFF": N_("This charger does not accept the venue's payment method."),
}

RESOLVE = {
    "invalid": N_("That code is not a charger's QR code. Scan the code on the charger, or choose it on the board."),
    "unknown": N_("We do not know that charger. Choose one on the board."),
    "offline": N_("The charging service cannot be reached right now. Try again in a moment."),
    "no_payment": N_("The venue's payment method is not set up. Please ask the staff."),
    "foreign": N_("That charger is not part of this venue. Choose one on the board."),
}


def status_text(status: str | None) -> str:
    return _(EVSE_STATUS.get(status or "UNKNOWN", EVSE_STATUS["UNKNOWN"]))


def money(amount: Decimal | float | None, currency: str | None = "EUR") -> str:
    if amount is None:
        return "–"
    from babel.numbers import format_currency   # imported on first use: start-up time

    return format_currency(Decimal(str(amount)), currency or "EUR", locale=babel_locale())


def number(x: Decimal | float | None, digits: int = 1) -> str:
    if x is None:
        return "–"
    from babel.numbers import format_decimal

    return format_decimal(round(float(x), digits), format="#,##0." + "0" * digits, locale=babel_locale())


def clock(t: datetime | None) -> str:
    if t is None:
        return "–"
    from babel.dates import format_time

    return format_time(t.astimezone(), format="short", locale=babel_locale())


def duration(seconds: float | int | None) -> str:
    if seconds is None:
        return "–"
    s = int(seconds)
    h, m = divmod(s // 60, 60)
    if h:
        return _("{h} h {m:02d} min", h=h, m=m)
    return _("{m} min {s:02d} s", m=m, s=s % 60)


def kw(x: Any) -> str:
    return _("{kw} kW", kw=number(x, 1))


def kwh(x: Any) -> str:
    return _("{kwh} kWh", kwh=number(x, 2))
