"""Guest texts shared by several screens (tables use N_ and are translated when shown)."""

from __future__ import annotations

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

