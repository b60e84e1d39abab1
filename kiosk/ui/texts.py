"""Guest texts shared by several screens (tables use N_ and are translated when shown)."""

from __future__ import annotations

import re
from typing import Any

# the one formatter of each figure lives in kiosk.core.format; screens import it from here
from kiosk.core.format import clock, date_time, duration, kw, kwh, money, number  # noqa: F401
from kiosk.i18n import N_, Translator

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
    "receipt": N_("That is a charging receipt. To see or stop a charge, tap \u201cMy session\u201d."),
    "code": N_("That code does not open a session. Tap \u201cMy session\u201d and type the code you noted."),
}


def status_text(status: str | None) -> str:
    return _(EVSE_STATUS.get(status or "UNKNOWN", EVSE_STATUS["UNKNOWN"]))



# -- charger names that say where -----------------------------------------------------------
#: The operator's generic English EVSE names, said in the guest's language (other names are
#: the venue's own and shown as they are).
_GENERIC_NAMES = (
    (re.compile(r"^bay (\S+)$", re.IGNORECASE), N_("Bay {n}")),
    (re.compile(r"^fast charger (\S+)$", re.IGNORECASE), N_("Fast charger {n}")),
    (re.compile(r"^charger (\S+)$", re.IGNORECASE), N_("Charger {n}")),
    (re.compile(r"^level (\S+) bay (\S+)$", re.IGNORECASE), N_("Level {level}, bay {n}")),
)


def bay_name(name: str | None) -> str:
    """An EVSE's name in the guest's language ("Bay 3" -> "Plek 3")."""
    text = (name or "").strip()
    for pattern, msg in _GENERIC_NAMES:
        m = pattern.match(text)
        if m:
            groups = m.groups()
            return _(msg, level=groups[0], n=groups[-1]) if len(groups) == 2 else _(msg, n=groups[0])
    return text


def location_name(venue: Any, location_id: str | None) -> str:
    """Where a charger is: the location's short name (two car parks may both have a "Bay 1")."""
    loc = getattr(venue, "locations", {}).get(location_id) if location_id else None
    return (getattr(loc, "display_name", None) or getattr(loc, "name", None) or "") if loc is not None else ""


def bay_title(venue: Any, bay: Any, sep: str = "\n") -> str:
    """A bay's name with its location: "Bay 1" + sep + "Hotel front car park"."""
    where = location_name(venue, getattr(bay, "location_id", None))
    name = bay_name(getattr(bay, "name", ""))
    return f"{name}{sep}{where}" if where else name


def evse_title(venue: Any, evse_uid: str | None, fallback: str = "", sep: str = " · ") -> str:
    """The title of the bay ``evse_uid`` (board order) with its location."""
    for b in getattr(venue, "bays", []):
        if b.evse_uid == evse_uid:
            return bay_title(venue, b, sep)
    return bay_name(fallback) or (evse_uid or "")


def power_text(max_kw: float | None, power_type: str | None) -> str:
    """ "11 kW AC" (the bay's maximum power and current type)."""
    pt = str(power_type or "")
    kind = "DC" if pt.startswith("DC") else "AC" if pt.startswith("AC") else ""
    power = kw(max_kw, 0) if max_kw else ""
    return " ".join(x for x in (power, kind) if x)
