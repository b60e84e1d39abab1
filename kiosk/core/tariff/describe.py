"""Plain-language tariff texts for guests, in English, Dutch, German and French.

``describe(tariff, lang)`` -> "€0.35 per kWh, €1.00 per session, parking €2.00 per hour
once charging ends, VAT included"; ``example_cost(tariff, hours=2, kwh=20, lang)`` ->
"a 2-hour charge of 20 kWh costs about €8.20". Prices are shown as the guest pays them:
including VAT whenever the tariff says what the VAT is, per kWh to at most 3 decimals,
per hour and per session to the cent (display only: quotes use the exact prices).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Union
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_day_names
from babel.lists import format_list

from kiosk.core.money import D, format_money, format_number
from kiosk.core.tariff.engine import quote
from kiosk.core.tariff.model import (
    ChargingProfile,
    Dimension,
    Period,
    PriceComponent,
    Restrictions,
    Tariff,
    TariffSchedule,
)
from kiosk.i18n import Translator, babel_locale, current_language

__all__ = ["describe", "example_cost", "tariff_rows"]

_ = Translator("tariff")

TariffLike = Union[Tariff, TariffSchedule]
HUNDRED = Decimal(100)


def _guest_price(t: Tariff, c: PriceComponent) -> Decimal:
    """The unit price as the guest pays it (incl. VAT when the VAT is known)."""
    vat = t.component_vat(c)
    if t.vat_included or vat is None:
        return c.price
    return c.price * (1 + vat / HUNDRED)


def _vat_known(t: Tariff) -> bool:
    return t.vat_included or t.vat_percentage is not None or any(
        c.vat is not None for e in t.elements for c in e.components
    )


def _step_text(c: PriceComponent, lang: str) -> str | None:
    if c.type in (Dimension.TIME, Dimension.PARKING_TIME) and c.step_size >= 120 and c.step_size % 60 == 0:
        minutes = c.step_size // 60
        return _.n("billed per {n} minute", "billed per {n} minutes", minutes, lang=lang)
    if c.type is Dimension.ENERGY and c.step_size >= 100:
        return _("billed per {kwh} kWh", kwh=format_number(Decimal(c.step_size) / 1000, lang, max_decimals=3), lang=lang)
    return None


def _component_text(t: Tariff, c: PriceComponent, lang: str) -> str | None:
    price = _guest_price(t, c)
    if c.type is Dimension.ENERGY:  # per kWh: up to 3 decimals (€0.387), as pumps and apps show it
        money = format_money(price.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP), t.currency, lang, exact=True)
    else:  # per session or per hour: cents
        money = format_money(price, t.currency, lang)
    if c.type is Dimension.FLAT:
        return _("{price} per session", price=money, lang=lang) if price else None
    if c.type is Dimension.ENERGY:
        text = _("{price} per kWh", price=money, lang=lang) if price else _("energy free", lang=lang)
    elif c.type is Dimension.TIME:
        text = _("{price} per hour of charging", price=money, lang=lang) if price else _("charging time free", lang=lang)
    else:
        text = (
            _("parking {price} per hour once charging ends", price=money, lang=lang)
            if price
            else _("parking free once charging ends", lang=lang)
        )
    step = _step_text(c, lang) if price else None
    return f"{text} ({step})" if step else text


def _duration_text(seconds: Decimal, lang: str) -> str:
    s = int(seconds)
    if s >= 3600 and s % 3600 == 0:
        return _.n("{n} hour", "{n} hours", s // 3600, lang=lang)
    if s % 60 == 0:
        return _.n("{n} minute", "{n} minutes", s // 60, lang=lang)
    return _.n("{n} second", "{n} seconds", s, lang=lang)


def _hhmm(t: dt.time, lang: str) -> str:
    return format_time(t, "HH:mm", locale=babel_locale(lang))


def _conditions(r: Restrictions, lang: str) -> list[str]:
    out: list[str] = []
    loc = babel_locale(lang)
    if r.start_time is not None and r.end_time is not None:
        out.append(_("from {start} to {end}", start=_hhmm(r.start_time, lang), end=_hhmm(r.end_time, lang), lang=lang))
    elif r.start_time is not None:
        out.append(_("from {start}", start=_hhmm(r.start_time, lang), lang=lang))
    elif r.end_time is not None:
        out.append(_("until {end}", end=_hhmm(r.end_time, lang), lang=lang))
    if r.day_of_week is not None:
        days = sorted(r.day_of_week)
        if days == [0, 1, 2, 3, 4]:
            out.append(_("on weekdays", lang=lang))
        elif days == [5, 6]:
            out.append(_("at weekends", lang=lang))
        else:
            names = get_day_names("wide", locale=loc)
            out.append(_("on {days}", days=format_list([names[d] for d in days], locale=loc), lang=lang))
    if r.start_date is not None:
        out.append(_("starting {date}", date=format_date(r.start_date, "medium", locale=loc), lang=lang))
    if r.end_date is not None:
        out.append(_("before {date}", date=format_date(r.end_date, "medium", locale=loc), lang=lang))
    if r.min_kwh is not None and r.max_kwh is not None:
        out.append(
            _("from {low} to {high} kWh", low=format_number(r.min_kwh, lang), high=format_number(r.max_kwh, lang), lang=lang)
        )
    elif r.min_kwh is not None:
        out.append(_("after the first {kwh} kWh", kwh=format_number(r.min_kwh, lang), lang=lang))
    elif r.max_kwh is not None:
        out.append(_("for the first {kwh} kWh", kwh=format_number(r.max_kwh, lang), lang=lang))
    lo = r.min_duration if r.min_duration else None
    hi = r.max_duration
    if lo is not None and hi is not None:
        out.append(
            _(
                "from {start} to {end} after plugging in",
                start=_duration_text(lo, lang),
                end=_duration_text(hi, lang),
                lang=lang,
            )
        )
    elif lo is not None:
        out.append(_("from {duration} after plugging in", duration=_duration_text(lo, lang), lang=lang))
    elif hi is not None:
        out.append(_("up to {duration} after plugging in", duration=_duration_text(hi, lang), lang=lang))
    if r.min_power is not None:
        out.append(_("when charging at {kw} kW or more", kw=format_number(r.min_power, lang), lang=lang))
    if r.max_power is not None:
        out.append(_("when charging below {kw} kW", kw=format_number(r.max_power, lang), lang=lang))
    if r.min_current is not None:
        out.append(_("when charging at {amps} A or more", amps=format_number(r.min_current, lang), lang=lang))
    if r.max_current is not None:
        out.append(_("when charging below {amps} A", amps=format_number(r.max_current, lang), lang=lang))
    return out


def _describe_tariff(t: Tariff, lang: str) -> str:
    base: list[str] = []
    groups: list[str] = []
    for el in t.elements:
        plain: list[str] = []
        for c in el.components:
            text = _component_text(t, c, lang)
            if text is None:
                continue
            if c.restrictions is not None:  # Charge Assist: restriction on the component
                conds = ", ".join(_conditions(c.restrictions, lang))
                groups.append(_("{conditions}: {prices}", conditions=conds, prices=text, lang=lang))
            else:
                plain.append(text)
        if not plain:
            continue
        if el.restrictions is None:
            base.extend(p for p in plain if p not in base)
        else:
            conds = ", ".join(_conditions(el.restrictions, lang))
            groups.append(_("{conditions}: {prices}", conditions=conds, prices=", ".join(plain), lang=lang))
    extra: list[str] = []
    if t.min_price is not None and t.min_price.excl_vat > 0:
        amount = t.min_price.incl_vat if _vat_known(t) and t.min_price.incl_vat is not None else t.min_price.excl_vat
        extra.append(_("minimum {price} per session", price=format_money(amount, t.currency, lang), lang=lang))
    if t.max_price is not None:
        amount = t.max_price.incl_vat if _vat_known(t) and t.max_price.incl_vat is not None else t.max_price.excl_vat
        extra.append(_("maximum {price} per session", price=format_money(amount, t.currency, lang), lang=lang))
    if not base and not groups:
        return _("free of charge", lang=lang)
    vat = [_("VAT included", lang=lang)] if _vat_known(t) else []
    if groups:
        return "; ".join([", ".join(base)] * bool(base) + groups + [", ".join(extra + vat)] * bool(extra or vat))
    return ", ".join(base + extra + vat)


def tariff_rows(t: Tariff, lang: str | None = None) -> list[tuple[str, str]]:
    """``(dimension, text)`` per price of one tariff, each with the conditions it applies
    under ("ENERGY", "€0.36 per kWh"; "PARKING_TIME", "after 2 hours: parking €2.40 per
    hour"), then the session's minimum and maximum ("MIN", "MAX"): a screen's price list."""
    lang = lang or current_language()
    rows: list[tuple[str, str]] = []
    for el in t.elements:
        for c in el.components:
            text = _component_text(t, c, lang)
            if text is None:
                continue
            r = c.restrictions or el.restrictions
            conds = ", ".join(_conditions(r, lang)) if r is not None else ""
            text = _("{conditions}: {prices}", conditions=conds, prices=text, lang=lang) if conds else text
            row = (str(getattr(c.type, "value", c.type)), text[:1].upper() + text[1:])
            if row not in rows:
                rows.append(row)
    for dim, bound, msg in (("MIN", t.min_price, "minimum {price} per session"),
                            ("MAX", t.max_price, "maximum {price} per session")):
        if bound is not None and bound.excl_vat > 0:
            amount = bound.incl_vat if bound.incl_vat is not None else bound.excl_vat
            text = _(msg, price=format_money(amount, t.currency, lang), lang=lang)
            rows.append((dim, text[:1].upper() + text[1:]))
    return rows


def describe(tariff: TariffLike, lang: str | None = None, *, now: dt.datetime | None = None,
             tz: str = "Europe/Amsterdam") -> str:
    """A one-paragraph summary of the tariff for guests, in ``lang`` (default: current).

    Scheduled tariffs (Charge Assist ``futureTariffs``) follow as "from 22:00: ..." (the
    time alone when they start on ``now``'s date, else date and time, in ``tz``).
    """
    lang = lang or current_language()
    zone = ZoneInfo(tz)
    if isinstance(tariff, TariffSchedule):
        current = tariff.tariff_at(now, zone) if now is not None else tariff.current
        upcoming = [
            f for f in tariff.future
            if f is not current and f.valid_from is not None and (now is None or _local(f.valid_from, zone) > now)
        ]
        upcoming.sort(key=lambda f: _local(f.valid_from, zone))  # type: ignore[arg-type]
    else:
        current, upcoming = tariff, []
    parts = [_describe_tariff(current, lang)]
    loc = babel_locale(lang)
    for f in upcoming:
        start = _local(f.valid_from, zone)  # type: ignore[arg-type]
        if now is not None and start.date() == now.astimezone(zone).date():
            when = format_time(start, "HH:mm", locale=loc)
        else:
            when = f"{format_date(start.date(), 'medium', locale=loc)} {format_time(start, 'HH:mm', locale=loc)}"
        parts.append(_("from {when}: {tariff}", when=when, tariff=_describe_tariff(f, lang), lang=lang))
    return " ".join(_sentence(p) for p in parts)


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def _local(value: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)


def example_cost(tariff: TariffLike, hours: float | Decimal = 2, kwh: float | Decimal = 20, lang: str | None = None,
                 *, start: dt.datetime | None = None, tz: str = "Europe/Amsterdam") -> str:
    """"a 2-hour charge of 20 kWh costs about €8.20", priced by the engine for a charge
    starting at ``start`` (default: now) at constant power; the amount includes VAT
    whenever the tariff states it."""
    lang = lang or current_language()
    zone = ZoneInfo(tz)
    start = (start or dt.datetime.now(zone)).replace(second=0, microsecond=0)
    if start.tzinfo is None:
        start = start.replace(tzinfo=zone)
    h = D(hours) if not isinstance(hours, Decimal) else hours
    k = D(kwh) if not isinstance(kwh, Decimal) else kwh
    start = start.astimezone(dt.timezone.utc)  # absolute time: a DST change must not stretch the hours
    period = Period(start=start, end=start + dt.timedelta(seconds=float(h * 3600)), energy_kwh=k)
    q = quote(tariff, ChargingProfile([period], tz=tz))
    if h == h.to_integral_value():
        count = int(h)
    else:  # 1.5: "1,5 Stunden" takes the plural in German and Dutch, "1,5 heure" the singular in French
        count = 1 if lang == "fr" and h < 2 else 2
    return _.n(
        "a {hours}-hour charge of {kwh} kWh costs about {price}",
        "a {hours}-hour charge of {kwh} kWh costs about {price}",
        count,
        hours=format_number(h, lang),
        kwh=format_number(k, lang),
        price=format_money(q.incl_vat, q.currency, lang),
        lang=lang,
    )
