"""Tariffs of the demo venue, in the Charge Assist (OCPI-like) shape.

Prices are per kWh (ENERGY), per hour (TIME, PARKING_TIME) or per session (FLAT);
``stepSize`` is in Wh for energy and in seconds for time. ``isVatIncluded`` says whether
``price`` already includes the component's ``vat`` percent.

``PARKCENTRAAL-HPC`` is time-of-use: a day tariff (07:00-22:00 Europe/Amsterdam) and a
cheaper night tariff (22:00-07:00). The one in force is ``tariff`` (with its validFrom /
validTo), the next one is in ``futureTariffs``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.sim.clock import iso
from kiosk.sim.venue import texts

TZ = ZoneInfo("Europe/Amsterdam")
NIGHT_START = time(22, 0)
NIGHT_END = time(7, 0)


def pc(type_: str, price: float, step: int = 1, vat: float | None = 21.0, **restrictions: float) -> dict[str, Any]:
    comp: dict[str, Any] = {"price": price, "priceUnrounded": price, "type": type_, "stepSize": step, "vat": vat}
    if restrictions:
        comp["restrictions"] = restrictions
    return comp


def tariff(
    key: str, elements: list[list[dict]], *, vat_included: bool = False, vat: float = 21.0, desc: tuple = ()
) -> dict[str, Any]:
    return {
        "key": key,  # internal: not sent
        "tariffType": "RETAIL",
        "vatPercentage": vat,
        "currency": "EUR",
        "isVatIncluded": vat_included,
        "countryCode": "NL",
        "descriptionUrl": f"https://tariffs.greenflux.example/{key.lower()}",
        "descriptions": texts(*desc) if desc else [],
        "elements": [{"priceComponents": comps} for comps in elements],
        "validFrom": None,
        "validTo": None,
    }


TARIFFS: dict[str, dict[str, Any]] = {
    "AMSTELKADE-AC": tariff(
        "AMSTELKADE-AC",
        [[pc("FLAT", 0.50), pc("ENERGY", 0.32), pc("PARKING_TIME", 1.20, 300)]],
        desc=(
            "EUR 0.50 per session, EUR 0.32 per kWh, parking after charging EUR 1.20 per hour (excl. VAT)",
            "EUR 0,50 per sessie, EUR 0,32 per kWh, parkeren na het laden EUR 1,20 per uur (excl. btw)",
            "0,50 EUR pro Ladevorgang, 0,32 EUR pro kWh, Parken nach dem Laden 1,20 EUR pro Stunde (zzgl. MwSt.)",
            "0,50 EUR par session, 0,32 EUR par kWh, stationnement après la charge 1,20 EUR par heure (HT)",
        ),
    ),
    "AMSTELKADE-COURTYARD": tariff(
        "AMSTELKADE-COURTYARD",
        [[pc("ENERGY", 0.39), pc("TIME", 0.60, 60), pc("PARKING_TIME", 2.40, 900)]],
        vat_included=True,
        desc=(
            "EUR 0.39 per kWh, EUR 0.60 per hour charging, parking after charging EUR 2.40 per hour (incl. VAT)",
            "EUR 0,39 per kWh, EUR 0,60 per uur laden, parkeren na het laden EUR 2,40 per uur (incl. btw)",
            "0,39 EUR pro kWh, 0,60 EUR pro Stunde Laden, Parken nach dem Laden 2,40 EUR pro Stunde (inkl. MwSt.)",
            "0,39 EUR par kWh, 0,60 EUR par heure de charge, stationnement après la charge 2,40 EUR par heure (TTC)",
        ),
    ),
    "PARKCENTRAAL-AC": tariff(
        "PARKCENTRAAL-AC",
        [[pc("ENERGY", 0.35), pc("PARKING_TIME", 1.80, 60)]],
        desc=(
            "EUR 0.35 per kWh, parking after charging EUR 1.80 per hour (excl. VAT)",
            "EUR 0,35 per kWh, parkeren na het laden EUR 1,80 per uur (excl. btw)",
            "0,35 EUR pro kWh, Parken nach dem Laden 1,80 EUR pro Stunde (zzgl. MwSt.)",
            "0,35 EUR par kWh, stationnement après la charge 1,80 EUR par heure (HT)",
        ),
    ),
    "PARKCENTRAAL-DC": tariff(
        "PARKCENTRAAL-DC",
        [
            [pc("FLAT", 0.99), pc("ENERGY", 0.59, 100), pc("PARKING_TIME", 7.20, 60)],
            [pc("TIME", 7.20, 60, min_duration=2700)],
        ],
        desc=(
            "EUR 0.99 per session, EUR 0.59 per kWh, after 45 minutes EUR 7.20 per hour (excl. VAT)",
            "EUR 0,99 per sessie, EUR 0,59 per kWh, na 45 minuten EUR 7,20 per uur (excl. btw)",
            "0,99 EUR pro Ladevorgang, 0,59 EUR pro kWh, nach 45 Minuten 7,20 EUR pro Stunde (zzgl. MwSt.)",
            "0,99 EUR par session, 0,59 EUR par kWh, après 45 minutes 7,20 EUR par heure (HT)",
        ),
    ),
    "PARKCENTRAAL-HPC": tariff(
        "PARKCENTRAAL-HPC",
        [
            [pc("ENERGY", 0.79, min_power=50)],
            [pc("ENERGY", 0.69), pc("PARKING_TIME", 9.00, 60)],
            [pc("TIME", 9.00, 60, min_duration=3600)],
        ],
        desc=(
            "Day (07:00-22:00): EUR 0.79 per kWh above 50 kW, else EUR 0.69; after 1 hour EUR 9.00 per hour (excl. VAT)",
            "Dag (07:00-22:00): EUR 0,79 per kWh boven 50 kW, anders EUR 0,69; na 1 uur EUR 9,00 per uur (excl. btw)",
            "Tag (07:00-22:00): 0,79 EUR pro kWh über 50 kW, sonst 0,69 EUR; nach 1 Stunde 9,00 EUR pro Stunde (zzgl. MwSt.)",
            "Jour (07h00-22h00) : 0,79 EUR par kWh au-delà de 50 kW, sinon 0,69 EUR ; après 1 heure 9,00 EUR par heure (HT)",
        ),
    ),
    "PARKCENTRAAL-HPC-NIGHT": tariff(
        "PARKCENTRAAL-HPC-NIGHT",
        [[pc("ENERGY", 0.49), pc("PARKING_TIME", 9.00, 60)]],
        desc=(
            "Night (22:00-07:00): EUR 0.49 per kWh, parking after charging EUR 9.00 per hour (excl. VAT)",
            "Nacht (22:00-07:00): EUR 0,49 per kWh, parkeren na het laden EUR 9,00 per uur (excl. btw)",
            "Nacht (22:00-07:00): 0,49 EUR pro kWh, Parken nach dem Laden 9,00 EUR pro Stunde (zzgl. MwSt.)",
            "Nuit (22h00-07h00) : 0,49 EUR par kWh, stationnement après la charge 9,00 EUR par heure (HT)",
        ),
    ),
    "PUBLIC-AC": tariff(
        "PUBLIC-AC",
        [[pc("FLAT", 0.35, vat=None), pc("ENERGY", 0.42, vat=None)]],
        desc=(
            "EUR 0.35 per session, EUR 0.42 per kWh (excl. VAT)",
            "EUR 0,35 per sessie, EUR 0,42 per kWh (excl. btw)",
            "0,35 EUR pro Ladevorgang, 0,42 EUR pro kWh (zzgl. MwSt.)",
            "0,35 EUR par session, 0,42 EUR par kWh (HT)",
        ),
    ),
}

TIME_OF_USE = {"PARKCENTRAAL-HPC": "PARKCENTRAAL-HPC-NIGHT"}


def _night_window(t: datetime) -> tuple[bool, datetime, datetime]:
    """(inside, start, end) of the night window containing t, or of the next one."""
    local = t.astimezone(TZ)
    day = local.date()

    def at(d, tm) -> datetime:
        return datetime.combine(d, tm, tzinfo=TZ).astimezone(UTC)

    if local.time() >= NIGHT_START:
        return True, at(day, NIGHT_START), at(day + timedelta(days=1), NIGHT_END)
    if local.time() < NIGHT_END:
        return True, at(day - timedelta(days=1), NIGHT_START), at(day, NIGHT_END)
    return False, at(day, NIGHT_START), at(day + timedelta(days=1), NIGHT_END)


def in_force(tariff_id: str, t: datetime) -> dict[str, Any]:
    """The tariff (internal dict) that prices a moment ``t`` on a connector with ``tariff_id``."""
    night = TIME_OF_USE.get(tariff_id)
    if night and _night_window(t)[0]:
        return TARIFFS[night]
    return TARIFFS[tariff_id]


Stamp = Callable[[datetime], "str | None"]


def public(tariff_dict: dict[str, Any], valid_from: datetime | None = None, valid_to: datetime | None = None,
           stamp: Stamp = iso) -> dict:
    """The tariff as the API publishes it; ``stamp`` writes validFrom/validTo (RFC 3339 UTC
    when strict; the document's local time with seven fractional digits by default)."""
    out = copy.deepcopy({k: v for k, v in tariff_dict.items() if k != "key"})
    if valid_from is not None:
        out["validFrom"] = stamp(valid_from)
    if valid_to is not None:
        out["validTo"] = stamp(valid_to)
    return out


def published(tariff_id: str, t: datetime, stamp: Stamp = iso) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(tariff in force at t, futureTariffs) as the API publishes them."""
    night = TIME_OF_USE.get(tariff_id)
    if not night:
        return public(TARIFFS[tariff_id], stamp=stamp), []
    inside, start, end = _night_window(t)
    day_from, day_to = end, start + timedelta(days=1)
    if inside:
        return (
            public(TARIFFS[night], start, end, stamp),
            [public(TARIFFS[tariff_id], day_from, day_to, stamp)],
        )
    prev_end = datetime.combine(start.astimezone(TZ).date(), NIGHT_END, tzinfo=TZ).astimezone(UTC)  # 07:00 today
    return (
        public(TARIFFS[tariff_id], prev_end, start, stamp),
        [public(TARIFFS[night], start, end, stamp)],
    )


def next_switch(tariff_id: str, t: datetime) -> datetime | None:
    """When the tariff in force on ``tariff_id`` changes next after ``t`` (None: never)."""
    if tariff_id not in TIME_OF_USE:
        return None
    inside, start, end = _night_window(t)
    return end if inside else start
