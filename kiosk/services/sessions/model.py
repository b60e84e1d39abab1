"""What the session service returns, and the errors it raises.

Views carry states, figures and times, never translated text: the screens translate a
state with :func:`kiosk.core.session.describe_state` when they draw it, so a view built
before a language switch shows in the new language. Errors are the exception: ``str(exc)``
is the guest-facing message (what happened, what to do next), translated each time it is
read, in the language of that moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from kiosk.i18n import Translator

_ = Translator("core")


@dataclass(frozen=True)
class CostEstimate:
    """Cost so far computed on the kiosk from the tariff (an estimate), or once the service
    reported ``totalCosts`` its figures (``final``)."""

    currency: str
    incl_vat: Decimal
    excl_vat: Decimal
    final: bool = False


@dataclass(frozen=True)
class BoardEntry:
    """One session on the bay board (the chargers screen). Contains no guest data."""

    key: str
    location_id: str
    evse_uid: str
    connector_id: str
    evse_label: str                 # short name of the bay/EVSE for display (the EVSE id or uid)
    state: str                      # kiosk.core.session.State value ("CHARGING", "UNKNOWN", ...)
    is_final: bool
    power_kw: Decimal | None
    energy_kwh: Decimal | None
    elapsed_s: int                  # server-time seconds since the session started (0 before)
    estimate: CostEstimate | None


@dataclass(frozen=True)
class SessionView:
    """Everything the code holder (or an attendant) may see about one session."""

    key: str
    charge_session_id: str | None
    location_id: str
    evse_uid: str
    connector_id: str
    state: str
    known_state: str                # the last state the service reported (differs while UNKNOWN)
    is_final: bool
    has_ended: bool                 # the charge is over (the bay is free)
    can_stop: bool
    stop_requested: bool
    power_kw: Decimal | None
    energy_kwh: Decimal | None
    state_of_charge: Decimal | None
    started_at: datetime | None     # server time
    ended_at: datetime | None       # server time
    elapsed_s: int
    estimate: CostEstimate | None
    tag: str | None                 # room number / plate given at start (guest data)
    error_message: str | None       # service's errorMessage, if any (already guest-safe text)
    #: the operator's cost (``estimate`` is the guest's price when hotel billing is on)
    operator_estimate: CostEstimate | None = None
    #: the tariff the guest pays now (``kiosk.core.tariff.Tariff``; hotel billing's guest price
    #: when on, else the operator's), None when unknown: the parking fee of a full car, etc.
    price: Any = None


@dataclass(frozen=True)
class StartedSession:
    """Result of ``SessionService.start``. ``code`` is shown ONCE and never stored in clear."""

    session: SessionView
    code: str


@dataclass(frozen=True)
class Receipt:
    """Everything a receipt needs (final once ``final`` is True: CDR_AVAILABLE with costs)."""

    key: str
    charge_session_id: str | None
    receipt_number: str | None
    location_id: str
    evse_uid: str
    connector_id: str
    state: str
    started_at: datetime | None
    ended_at: datetime | None
    energy_kwh: Decimal | None
    currency: str | None
    total_incl_vat: Decimal | None
    total_vat: Decimal | None
    vat_percentage: Decimal | None
    estimate_incl_vat: Decimal | None   # last live estimate shown to the guest
    difference: Decimal | None          # total_incl_vat - estimate_incl_vat
    final: bool
    tag: str | None
    # hotel billing (kiosk.services.billing; None without it): what the GUEST pays, beside
    # the operator's cost above (total_incl_vat: totalCosts)
    kiosk_receipt_number: str | None = None   # the kiosk's own number (gapless per screen and year)
    price_policy: str | None = None           # free, operator, margin_percent, margin_per_kwh, own
    guest_currency: str | None = None
    guest_total_excl_vat: Decimal | None = None
    guest_total_incl_vat: Decimal | None = None
    guest_vat: Decimal | None = None
    guest_vat_percentage: Decimal | None = None
    guest_estimate_incl_vat: Decimal | None = None   # the guest's price so far (an estimate until final)
    guest_basis: str | None = None            # "final" (the CDR) or "estimate" (the CDR never came)
    receipt_url: str | None = None            # the venue's page of this receipt (unguessable token)


@dataclass(frozen=True)
class SessionUpdate:
    """Passed to subscribers after a change. Carries no guest data."""

    key: str
    entry: BoardEntry
    previous_state: str | None


@dataclass(frozen=True)
class Attendant:
    """Proof of a verified attendant PIN (from ``SessionService.attendant_login``)."""

    name: str
    verified_at: datetime
    token: str = field(repr=False, default="")

    @property
    def person(self) -> str | None:
        """The staff member's name, or None for the venue's shared PIN (its ``name`` is the
        audit log's actor :data:`SHARED_PIN`, not anyone's name to greet)."""
        return None if self.name == SHARED_PIN else self.name


#: The audit actor of the venue's shared attendant PIN (named staff PINs log in by name).
SHARED_PIN = "attendant"


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    session_key: str | None
    detail: str


# ---------------------------------------------------------------------------------------
# Errors: str() is translated (in the language of the moment) and says what to do next
# ---------------------------------------------------------------------------------------

class SessionError(Exception):
    """Base. Raise with an ``N_``-marked English message and its placeholders:
    ``WrongCode(N_("Try again in {seconds} seconds."), seconds=5)``."""

    def __init__(self, message: str = "", /, **params: Any) -> None:
        super().__init__(message)
        self.msgid = message
        self.params = params

    def __str__(self) -> str:
        return _(self.msgid, **self.params) if self.msgid else ""


class StartPending(SessionError):
    """A start on this EVSE is already in progress (double tap / second guest)."""


class StartFailed(SessionError):
    """The service refused or the start failed; ``retryable`` says whether trying again may
    help; ``state`` is the session state it amounts to (REJECTED, NOT_STARTED, ...)."""

    def __init__(self, message: str, /, *, retryable: bool = True, state: str = "NOT_STARTED",
                 **params: Any) -> None:
        super().__init__(message, **params)
        self.retryable = retryable
        self.state = state


class StopFailed(SessionError):
    pass


class WrongCode(SessionError):
    """A code that opens no session (or code entry is locked for a while: ``locked_s``)."""

    def __init__(self, message: str, /, *, locked_s: float = 0.0, **params: Any) -> None:
        super().__init__(message, **params)
        self.locked_s = locked_s


class WrongPin(SessionError):
    def __init__(self, message: str, /, *, attempts_left: int | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.attempts_left = attempts_left


class AttendantLocked(SessionError):
    def __init__(self, message: str, /, *, until: datetime | None, wait_s: float, **params: Any) -> None:
        super().__init__(message, **params)
        self.until = until
        self.seconds = wait_s


class NotAllowed(SessionError):
    pass


class UnknownSession(SessionError):
    pass
