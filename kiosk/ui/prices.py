"""A tariff as a short list for the charger screen: one row per price (per kWh, per hour of
charging, per session, parking after charging), each with the conditions it applies under
(after N minutes, from 22:00, above 50 kW) and an icon; the texts are the tariff engine's
own (``kiosk.core.tariff.tariff_rows``, translated in its ``tariff`` domain)."""

from __future__ import annotations

from typing import Any

#: price dimension -> icon
DIMENSION_ICONS = {"ENERGY": "lightning-bolt", "TIME": "clock-outline", "FLAT": "ticket-outline",
                   "PARKING_TIME": "parking"}


def price_rows(tariff_json: dict | None, lang: str) -> list[tuple[str, str]]:
    """``[(icon, text), ...]`` for the tariff in force and the ones that follow it."""
    if not tariff_json:
        return []
    from kiosk.core.tariff import describe, from_charge_assist, tariff_rows
    from kiosk.i18n import Translator

    t_ = Translator("tariff")
    sched = from_charge_assist(tariff_json)
    rows = [(DIMENSION_ICONS.get(dim, "cash"), text) for dim, text in tariff_rows(sched.current, lang)]
    for f in sched.future:
        if f.valid_from is None:
            continue
        when = f.valid_from.strftime("%H:%M")
        text = t_("from {when}: {tariff}", when=when, tariff=describe(f, lang=lang).rstrip("."), lang=lang)
        rows.append(("clock-outline", text[:1].upper() + text[1:]))
    return rows


def parking_price(tariff: Any, lang: str) -> str | None:
    """The parking price of ``tariff`` (a ``kiosk.core.tariff.Tariff``) once charging ends
    ("After 2 hours: parking €2.40 per hour"), None when it charges none."""
    if tariff is None:
        return None
    from kiosk.core.tariff import tariff_rows

    for dim, text in tariff_rows(tariff, lang):
        if dim == "PARKING_TIME":
            return text
    return None
