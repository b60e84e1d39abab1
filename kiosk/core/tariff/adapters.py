"""Build :class:`Tariff` / :class:`TariffSchedule` from Charge Assist and OCPI JSON.

Charge Assist (``upstream/openapi.json``: WalletTariffItem, TariffModel) is camelCase and puts
``restrictions`` (TariffTypeRestrictionModel: ``min_kwh``, ``max_kwh``, ``min_duration``,
... in snake_case) on each *price component*; ``futureTariffs`` carry ``validFrom`` /
``validTo``. OCPI 2.1.1 / 2.2.1 is snake_case with ``restrictions`` on the *element*;
2.2.1 adds per-component ``vat`` and ``min_price`` / ``max_price`` objects, 2.1.1 has no
VAT at all. Both restriction shapes (snake_case and camelCase keys) are accepted
everywhere. TariffTypeRestrictionModel's bare ``min`` / ``max`` have no documented
meaning and are ignored (see README.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from kiosk.core.money import D
from kiosk.core.tariff.model import (
    DAYS,
    Dimension,
    Price,
    PriceComponent,
    Restrictions,
    Tariff,
    TariffElement,
    TariffSchedule,
)

__all__ = ["TariffFormatError", "from_charge_assist", "from_ocpi", "load_tariff"]


class TariffFormatError(ValueError):
    """The JSON is not a tariff this module understands."""


def _get(d: dict[str, Any], *names: str) -> Any:
    for n in names:
        if n in d and d[n] is not None:
            return d[n]
    return None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _num(d: dict[str, Any], name: str) -> Decimal | None:
    value = _get(d, name, _camel(name))
    return None if value is None else D(value)


def _time(text: str | None) -> dt.time | None:
    if not text:
        return None
    hh, mm = text.strip().split(":")[:2]
    if int(hh) == 24:  # "24:00" seen in the wild: end of day
        return dt.time(23, 59, 59, 999999)
    return dt.time(int(hh), int(mm))


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text.strip()[:10]) if text else None


def _datetime(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    return dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))


def parse_restrictions(raw: dict[str, Any] | None) -> Restrictions | None:
    """Restrictions in OCPI (snake_case) or camelCase shape; ``None`` when empty."""
    if not raw:
        return None
    days_raw = _get(raw, "day_of_week", "dayOfWeek")
    days: frozenset[int] | None = None
    if days_raw:
        if isinstance(days_raw, str):
            days_raw = [days_raw]
        days = frozenset(DAYS.index(str(x).upper()) for x in days_raw if str(x).upper() in DAYS)
    r = Restrictions(
        start_time=_time(_get(raw, "start_time", "startTime")),
        end_time=_time(_get(raw, "end_time", "endTime")),
        start_date=_date(_get(raw, "start_date", "startDate")),
        end_date=_date(_get(raw, "end_date", "endDate")),
        day_of_week=days,
        min_kwh=_num(raw, "min_kwh"),
        max_kwh=_num(raw, "max_kwh"),
        min_duration=_num(raw, "min_duration"),
        max_duration=_num(raw, "max_duration"),
        min_power=_num(raw, "min_power"),
        max_power=_num(raw, "max_power"),
        min_current=_num(raw, "min_current"),
        max_current=_num(raw, "max_current"),
    )
    return None if r.is_empty() else r


def _component(raw: dict[str, Any], *, prefer_unrounded: bool) -> PriceComponent:
    try:
        dim = Dimension(str(raw["type"]).upper())
    except (KeyError, ValueError) as exc:
        raise TariffFormatError(f"unknown price component type: {raw.get('type')!r}") from exc
    price_raw = _get(raw, "priceUnrounded") if prefer_unrounded else None
    if price_raw is None:
        price_raw = _get(raw, "price")
    if price_raw is None:
        raise TariffFormatError("price component without price")
    step = _get(raw, "step_size", "stepSize")
    vat = _get(raw, "vat")
    return PriceComponent(
        type=dim,
        price=D(price_raw),
        step_size=int(step) if step is not None else 1,
        vat=D(vat) if vat is not None else None,
        restrictions=parse_restrictions(_get(raw, "restrictions")),
    )


def _price(raw: Any) -> Price | None:
    if raw is None:
        return None
    if isinstance(raw, dict):
        ex = _get(raw, "excl_vat", "exclVat")
        inc = _get(raw, "incl_vat", "inclVat")
        if ex is None:
            return None
        return Price(D(ex), D(inc) if inc is not None else None)
    return Price(D(raw))  # OCPI drafts used a bare number


def _alt_text(raw: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in raw or []:
        if isinstance(item, dict) and item.get("text"):
            out[str(item.get("language", "en")).lower()] = str(item["text"])
    return out


def from_ocpi(data: dict[str, Any]) -> Tariff:
    """An OCPI 2.1.1 or 2.2.1 Tariff object (elements with ``price_components``)."""
    if not isinstance(data, dict) or "elements" not in data:
        raise TariffFormatError("not an OCPI tariff: no 'elements'")
    elements = []
    for el in data.get("elements") or []:
        # "tariff_restrictions" appears in a few published OCPI examples instead of "restrictions".
        raw_restr = _get(el, "restrictions", "tariff_restrictions") or {}
        if raw_restr.get("reservation"):
            continue  # prices a reservation (RESERVATION / RESERVATION_EXPIRES): the kiosk makes none
        comps = tuple(_component(c, prefer_unrounded=False) for c in el.get("price_components") or [])
        restr = parse_restrictions(raw_restr)
        elements.append(TariffElement(components=comps, restrictions=restr))
    tax_included = data.get("tax_included")
    return Tariff(
        currency=str(data.get("currency") or "EUR").upper(),
        elements=tuple(elements),
        id=None if data.get("id") is None else str(data["id"]),
        vat_percentage=None,
        vat_included=str(tax_included).upper() == "YES" if tax_included is not None else False,
        min_price=_price(data.get("min_price")),
        max_price=_price(data.get("max_price")),
        valid_from=_datetime(data.get("start_date_time")),
        valid_to=_datetime(data.get("end_date_time")),
        alt_text=_alt_text(data.get("tariff_alt_text")),
    )


def _ca_tariff(data: dict[str, Any], label: str = "tariff") -> Tariff:
    elements = []
    for el in data.get("elements") or []:
        comps = tuple(_component(c, prefer_unrounded=True) for c in _get(el, "priceComponents", "price_components") or [])
        elements.append(TariffElement(components=comps, restrictions=parse_restrictions(_get(el, "restrictions"))))
    vat = _get(data, "vatPercentage", "vat_percentage")
    return Tariff(
        currency=str(data.get("currency") or "EUR").upper(),
        elements=tuple(elements),
        id=str(_get(data, "id", "tariffId") or label),  # the label tells support staff which one priced a line
        vat_percentage=D(vat) if vat is not None else None,
        vat_included=bool(_get(data, "isVatIncluded", "is_vat_included") or False),
        min_price=_price(_get(data, "minPrice", "min_price")),
        max_price=_price(_get(data, "maxPrice", "max_price")),
        valid_from=_datetime(_get(data, "validFrom", "valid_from")),
        valid_to=_datetime(_get(data, "validTo", "valid_to")),
        alt_text=_alt_text(data.get("descriptions")),
    )


def from_charge_assist(data: dict[str, Any]) -> TariffSchedule:
    """A Charge Assist WalletTariffItem (``tariff`` + ``futureTariffs``) or TariffModel.

    Component prices use ``priceUnrounded`` when present (the backend's unrounded price),
    else ``price``. Raises :class:`TariffFormatError` when the item carries no tariff
    (``validity`` NO_TARIFF_FOUND, NOT_COMPATIBLE, ...).
    """
    if not isinstance(data, dict):
        raise TariffFormatError("not a Charge Assist tariff")
    if "elements" in data and "tariff" not in data:
        current = _ca_tariff(data)
        return TariffSchedule(current=current)
    raw = data.get("tariff")
    if not raw:
        raise TariffFormatError(f"no tariff in this item (validity {data.get('validity')!r})")
    current = _ca_tariff(raw)
    future = tuple(_ca_tariff(f, f"futureTariffs[{i}]") for i, f in enumerate(data.get("futureTariffs") or []) if f)
    return TariffSchedule(current=current, future=future)


def load_tariff(data: Any) -> Tariff | TariffSchedule:
    """Detect the shape: OCPI tariff, Charge Assist item/model, a WalletTariffItemListResponse
    (``{"data": [...]}``: first item with a tariff) or an OCPI response (``{"data": {...}}``)."""
    if isinstance(data, list):
        data = next((d for d in data if isinstance(d, dict) and (d.get("tariff") or d.get("elements"))), None)
    if isinstance(data, dict) and "data" in data and "elements" not in data:
        return load_tariff(data["data"])
    if not isinstance(data, dict):
        raise TariffFormatError("no tariff found")
    if "tariff" in data or "futureTariffs" in data:
        return from_charge_assist(data)
    elements = data.get("elements") or []
    if any("price_components" in (e or {}) for e in elements):
        return from_ocpi(data)
    if any("priceComponents" in (e or {}) for e in elements):
        return from_charge_assist(data)
    if "elements" in data:
        return from_ocpi(data)
    raise TariffFormatError("no tariff found")
