"""What the kiosk knows of the guest in front of it: one :class:`Visit`, forgotten (a new
one) whenever the flow returns Home. Guest data (the code, the room) lives here and only
here on the guest side, in memory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Failure(StrEnum):
    """Why a start did not happen (the screens explain each and offer the next action)."""

    REJECTED = "rejected"           # the charger or the service refused (payment, blocked)
    TIMEOUT = "timeout"             # the charger saw no car in time
    NOT_STARTED = "not_started"     # the start was lost and the service has no session for it
    BUSY = "busy"                   # someone else is starting or charging on this charger
    ERROR = "error"                 # the service could not be reached or failed; see ``notice``
    CANCELLED = "cancelled"         # the charger cancelled, or the guest did


class Progress(StrEnum):
    """Where a start is, as the guest sees it (the steps on the code screen)."""

    SENDING = "sending"             # the request is on its way
    CONFIRMING = "confirming"       # the answer was lost: looking it up with the service
    REQUESTED = "requested"         # the charger has the request
    ACCEPTED = "accepted"           # the charger accepted and waits for the car
    CHARGING = "charging"           # energy flows (or the car is full)


@dataclass(frozen=True)
class Notice:
    """A message for the guest on the current step, translated when read (``text()``), so a
    language switch shows it in the new language."""

    render: Callable[[], str] | None = None   # None: the UI words it by ``key``
    error: bool = True
    key: str = ""                   # a stable name: the UI's wording and styling, the tests

    def text(self) -> str:
        return self.render() if self.render is not None else ""


@dataclass(frozen=True)
class ChargerRef:
    location_id: str
    evse_uid: str
    connector_id: str | None = None


@dataclass
class Visit:
    language: str
    high_contrast: bool | None = None   # the guest's own choice on Home (None: the staff setting)
    charger: ChargerRef | None = None
    details: Any = None             # kiosk.services.venue.ChargerDetails once loaded
    charger_error: str | None = None   # why the charger cannot be shown (a RESOLVE key)
    payment: str = "venue"          # "venue" or "room"
    room: str | None = None
    key: str | None = None          # the session's key (the journal's intent id)
    code: str | None = None         # the guest's code: shown once, typed, or scanned
    view: Any = None                # the latest SessionView of the guest's session
    failure: Failure | None = None
    retryable: bool = True
    notice: Notice | None = None
    show_code: bool = False         # the guest asked to see the code they type
    code_evse: str | None = None    # the charger the guest named on "My session" (codes are per charger)
    cancelled: bool = False         # the guest cancelled a start still in flight
    stop_sent: bool = False
    receipt: Any = None
    scan_reason: str | None = None  # why the last scan was refused at Home (a RESOLVE key)
    extras: dict[str, Any] = field(default_factory=dict)

    def holds_guest_data(self) -> bool:
        return any(v is not None for v in (self.key, self.code, self.room, self.view, self.receipt))

    def chose_something(self, default_language: str) -> bool:
        """The guest changed the kiosk for themselves (language, contrast): forget it later."""
        return self.language != default_language or self.high_contrast is not None
