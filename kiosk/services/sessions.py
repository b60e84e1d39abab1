"""SessionService: the Qt-free asyncio layer the UI calls for charging sessions.

Start, stop, resume on launch, the bay board, attach by guest code, receipts, attendant PIN
and audit log. It owns one :class:`kiosk.core.journal.Journal` (SQLite, WAL) and talks to
the service only through :class:`kiosk.api.ChargeAssistClient`.

Identity: every session has a local ``key`` (the journal's intent id, a short string) that
exists before the service answered; ``charge_session_id`` is filled in once known. The UI
passes ``key`` around, never the guest code.

Guest data (the tag: room number or plate; the code) is never in :class:`BoardEntry`.
:class:`SessionView` (details) is only returned to the code holder or an attendant.

Time: every wait is computed in server seconds and divided by ``time_scale`` (1 for the real
service, the simulator's ``speed`` in demo mode and tests). ``clock`` returns an aware UTC
datetime (the kiosk's own clock; only used for the audit log, lockout and the elapsed
time shown between polls); ``sleep`` is awaited for every wait (inject for tests).

Updates: :meth:`subscribe` takes a plain callable ``cb(SessionUpdate)`` that is called on
the event loop's thread after every change (status, energy, estimate). The UI re-emits it
as a Qt signal. Callbacks must not block; exceptions in them are logged and ignored.

Errors raised to the UI are :class:`SessionError` subclasses whose ``str()`` is a translated
guest-facing message that says what happened and what to do next.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

__all__ = [
    "SessionService", "StartedSession", "SessionView", "BoardEntry", "CostEstimate", "Receipt",
    "SessionUpdate", "Attendant", "AuditEntry", "SessionError", "StartPending", "StartFailed",
    "StopFailed", "WrongCode", "WrongPin", "AttendantLocked", "NotAllowed", "UnknownSession",
]


# ---------------------------------------------------------------------------------------
# What the service returns
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CostEstimate:
    """Cost so far computed on the kiosk from the tariff: always shown as an estimate.

    ``label`` is a translated text such as "Estimated cost so far"; ``final`` is True once
    the service reported ``totalCosts`` (then the amounts are the service's figures).
    """

    currency: str
    incl_vat: Decimal
    excl_vat: Decimal
    label: str
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
    state_text: str                 # translated one-line state ("Charging")
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
    state_text: str                 # translated short state ("Charging")
    explanation: str                # translated: what is happening
    next_step: str                  # translated: what the guest should do now
    is_final: bool
    can_stop: bool
    power_kw: Decimal | None
    energy_kwh: Decimal | None
    state_of_charge: Decimal | None
    started_at: datetime | None     # server time
    ended_at: datetime | None       # server time
    elapsed_s: int
    estimate: CostEstimate | None
    tag: str | None                 # room number / plate given at start (guest data)
    error_message: str | None       # service's errorMessage, if any (already guest-safe text)


@dataclass(frozen=True)
class StartedSession:
    """Result of :meth:`SessionService.start`. ``code`` is shown ONCE and never stored in clear."""

    session: SessionView
    code: str


@dataclass(frozen=True)
class Receipt:
    """Everything a receipt needs (final once ``final`` is True, i.e. CDR_AVAILABLE or costs known)."""

    key: str
    charge_session_id: str | None
    receipt_number: str | None
    location_id: str
    evse_uid: str
    connector_id: str
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


@dataclass(frozen=True)
class SessionUpdate:
    """Passed to subscribers after a change. Carries no guest data."""

    key: str
    entry: BoardEntry
    previous_state: str | None


@dataclass(frozen=True)
class Attendant:
    """Proof of a verified attendant PIN (from :meth:`SessionService.attendant_login`)."""

    name: str
    verified_at: datetime
    token: str = field(repr=False, default="")


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    session_key: str | None
    detail: str


# ---------------------------------------------------------------------------------------
# Errors (str() is a translated, guest-facing message)
# ---------------------------------------------------------------------------------------

class SessionError(Exception):
    """Base: ``str(exc)`` is translated and says what to do next."""


class StartPending(SessionError):
    """A start on this EVSE is already in progress (double tap / second guest)."""


class StartFailed(SessionError):
    """The service refused or the start failed; ``retryable`` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class StopFailed(SessionError):
    pass


class WrongCode(SessionError):
    pass


class WrongPin(SessionError):
    def __init__(self, message: str, *, attempts_left: int | None = None) -> None:
        super().__init__(message)
        self.attempts_left = attempts_left


class AttendantLocked(SessionError):
    def __init__(self, message: str, *, until: datetime, seconds: float) -> None:
        super().__init__(message)
        self.until = until
        self.seconds = seconds


class NotAllowed(SessionError):
    pass


class UnknownSession(SessionError):
    pass


Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[Any]]
Callback = Callable[[SessionUpdate], Any]


class SessionService:
    """Charging sessions of this kiosk.

    ``client``: a :class:`kiosk.api.ChargeAssistClient` (entered/closed by the caller).
    ``journal_path``: ``settings.journal_path()``.
    ``time_scale``: 1 for the real service; the simulator's speed in demo/tests.
    ``attendant_pin``: initial PIN, hashed into the journal on first start if none is set.
    ``evse_labels``: optional {evse_uid: display label} for the board.
    """

    def __init__(
        self,
        client: Any,
        journal_path: Path | str,
        *,
        time_scale: float = 1.0,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        attendant_pin: str | None = None,
        evse_labels: dict[str, str] | None = None,
        min_poll_s: float = 5.0,
        max_poll_s: float = 120.0,
        start_poll_s: float = 4.0,
    ) -> None:
        raise NotImplementedError

    # -- lifecycle ----------------------------------------------------------------------
    async def resume_all(self) -> list[BoardEntry]:
        """On launch: reconcile every journaled session that is not final and start polling it.

        Intents without a chargeSessionId (crash or lost answer between POST and record)
        are looked up in the service's recent sessions (EVSE, after the intent time) and
        adopted when found, else marked as never started. Returns the board.
        """
        raise NotImplementedError

    async def aclose(self) -> None:
        """Stop polling tasks and close the journal (does not close the client)."""
        raise NotImplementedError

    # -- guest actions ------------------------------------------------------------------
    async def start(self, location_id: str, evse_uid: str, connector_id: str, payment_method_id: str,
                    tag: str | None = None, *, tariff: dict | None = None) -> StartedSession:
        """Start a session. Returns the session and the one-time guest code (only here).

        The intent is journaled before the POST. A second start on the same EVSE while one
        is pending or running raises :class:`StartPending`. On an ambiguous failure (answer
        lost) the service's recent sessions are checked and an orphan is adopted; if none is
        found the intent is closed and :class:`StartFailed` (retryable) is raised.
        ``tariff``: the WalletTariffItem/TariffModel JSON (camelCase) already fetched by the
        UI; if None it is fetched (GET /tariff) for the live estimate.
        """
        raise NotImplementedError

    def attach(self, code: str) -> SessionView:
        """The session of the guest code's holder. Raises :class:`WrongCode`."""
        raise NotImplementedError

    async def stop(self, code: str) -> SessionView:
        """Stop the session that belongs to this guest code. Raises WrongCode / StopFailed."""
        raise NotImplementedError

    def receipt(self, key: str, *, code: str | None = None, attendant: Attendant | None = None) -> Receipt:
        """Receipt of a session for its code holder or an attendant (NotAllowed otherwise)."""
        raise NotImplementedError

    # -- board --------------------------------------------------------------------------
    def active(self) -> list[BoardEntry]:
        """Sessions not yet final plus those finished in the last ``recent_s`` seconds (bay board)."""
        raise NotImplementedError

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Call ``callback(SessionUpdate)`` after every change; returns an unsubscribe function."""
        raise NotImplementedError

    async def refresh(self, key: str) -> BoardEntry:
        """Poll this session now (e.g. when the guest opens its screen)."""
        raise NotImplementedError

    # -- attendant ----------------------------------------------------------------------
    def attendant_login(self, pin: str, *, name: str = "attendant") -> Attendant:
        """Verify the attendant PIN. Raises WrongPin or AttendantLocked (growing delay,
        persisted so a restart does not reset it)."""
        raise NotImplementedError

    def lockout_remaining(self) -> float:
        """Seconds until the PIN may be tried again (0 when not locked)."""
        raise NotImplementedError

    def set_attendant_pin(self, attendant: Attendant, new_pin: str) -> None:
        """Change the PIN (audited)."""
        raise NotImplementedError

    def view(self, key: str, attendant: Attendant) -> SessionView:
        """Details of any session for an attendant (audited)."""
        raise NotImplementedError

    async def attendant_stop(self, key: str, attendant: Attendant, reason: str) -> SessionView:
        """Stop any session as attendant; the reason goes to the audit log."""
        raise NotImplementedError

    def reissue_code(self, key: str, attendant: Attendant) -> str:
        """New one-time guest code for a session (old one stops working); audited."""
        raise NotImplementedError

    def audit_log(self, attendant: Attendant, limit: int = 200) -> list[AuditEntry]:
        """Attendant actions, newest first."""
        raise NotImplementedError

    def audit(self, actor: str, action: str, session_id: str | None = None, detail: str = "") -> None:
        """Record an attendant action (used by kiosk.services.attendant too)."""
        raise NotImplementedError

