"""A tariff as a short list for the charger screen: one row per price (per kWh, per hour of
charging, per session, parking after charging), each with the conditions it applies under
(after N minutes, from 22:00, above 50 kW) and an icon; the texts are the tariff engine's
own (``kiosk.core.tariff.describe``, translated in its ``tariff`` domain)."""

from __future__ import annotations


#: price dimension -> icon
DIMENSION_ICONS = {"ENERGY": "lightning-bolt", "TIME": "clock-outline", "FLAT": "ticket-outline",
                   "PARKING_TIME": "parking"}


def price_rows(tariff_json: dict | None, lang: str) -> list[tuple[str, str]]:
    """``[(icon, text), ...]`` for the tariff in force and the ones that follow it."""
    if not tariff_json:
        return []
    from kiosk.core.tariff import describe, from_charge_assist

    sched = from_charge_assist(tariff_json)
    try:
        from kiosk.core.tariff.describe import _component_text, _conditions, _describe_tariff
    except ImportError:    # pragma: no cover - the engine's helpers moved: its one sentence
        return [("cash", describe(sched, lang=lang))]
    from kiosk.core.money import format_money
    from kiosk.i18n import Translator

    t_ = Translator("tariff")
    t = sched.current
    rows: list[tuple[str, str]] = []
    for el in t.elements:
        for c in el.components:
            text = _component_text(t, c, lang)
            if text is None:
                continue
            r = c.restrictions or el.restrictions
            conds = ", ".join(_conditions(r, lang)) if r is not None else ""
            text = t_("{conditions}: {prices}", conditions=conds, prices=text, lang=lang) if conds else text
            row = (DIMENSION_ICONS.get(str(getattr(c.type, "value", c.type)), "cash"), text[:1].upper() + text[1:])
            if row not in rows:
                rows.append(row)
    for bound, msg in ((t.min_price, "minimum {price} per session"), (t.max_price, "maximum {price} per session")):
        if bound is not None and bound.excl_vat > 0:
            amount = bound.incl_vat if bound.incl_vat is not None else bound.excl_vat
            text = t_(msg, price=format_money(amount, t.currency, lang), lang=lang)
            rows.append(("cash", text[:1].upper() + text[1:]))
    for f in sched.future:
        if f.valid_from is None:
            continue
        when = f.valid_from.strftime("%H:%M")
        text = t_("from {when}: {tariff}", when=when, tariff=_describe_tariff(f, lang), lang=lang)
        rows.append(("clock-outline", text[:1].upper() + text[1:]))
    return rows


def parking_price(tariff_json: dict | None, lang: str) -> str | None:
    """The parking price once charging ends ("parking €2.40 per hour once charging ends")."""
    if not tariff_json:
        return None
    from kiosk.core.tariff import from_charge_assist

    try:
        from kiosk.core.tariff.describe import _component_text
    except ImportError:    # pragma: no cover
        return None
    t = from_charge_assist(tariff_json).current
    for el in t.elements:
        for c in el.components:
            if str(getattr(c.type, "value", c.type)) == "PARKING_TIME" and c.price:
                return _component_text(t, c, lang)
    return None
