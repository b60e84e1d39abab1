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

Guest codes: :meth:`attach` and :meth:`stop` (async) do the full check: the lockout, then
scrypt against the sessions' code hashes on one code-hash thread, never on the event loop.
A code this process issued (:meth:`start`, :meth:`reissue_code`) or accepted is remembered
under a per-process HMAC (memory only), so the UI's frequent re-reads use the synchronous
:meth:`attach_known` and :meth:`receipt` (no hash, no SQLite; any other code is refused and
counted). The guest-code lockout is kept in memory (read from the journal once, at
construction) and written through the journal thread.

Errors raised to the UI are :class:`SessionError` subclasses whose ``str()`` is a translated
guest-facing message that says what happened and what to do next.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from kiosk.core.estimate import EstimateTracker, load_tariff, reconcile
from kiosk.core.journal import EvseBusy, Journal
from kiosk.core.ownership import (CODE_LENGTH, Lockout, hash_code, hash_secret, new_code, normalise_code,
                                  verify_code, verify_secret)
from kiosk.core.polling import PollPolicy
from kiosk.core.tariff import quote
from kiosk.core.session import ENDED, STOPPABLE, Lifecycle, State, describe_state, parse_state
from kiosk.i18n import Translator

log = logging.getLogger(__name__)
_ = Translator("core")

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

#: Statuses of the service's sessions that may be an orphan of a lost start answer.
_ALL_API_STATUSES = ("REQUESTED", "STARTING", "CHARGING", "PARKING", "STOPPING", "COMPLETED", "CDR_AVAILABLE",
                     "REJECTED", "TIMEOUT", "CANCELLED", "ERROR")
_CENT = Decimal("0.01")
_PRICED = frozenset({State.CHARGING, State.PARKING, State.STOPPING, State.COMPLETED, State.CDR_AVAILABLE})


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _dec(v: Any) -> Decimal | None:
    if v is None:
        return None
    return v if isinstance(v, Decimal) else Decimal(str(v))


def _aware(v: datetime | None) -> datetime | None:
    if v is None:
        return None
    return v if v.tzinfo is not None else v.replace(tzinfo=UTC)


class _ServerClock:
    """Estimate of the server's clock from the last ``Date`` seen (server seconds run
    ``time_scale`` times faster than the kiosk's monotonic clock)."""

    def __init__(self, time_scale: float) -> None:
        self.time_scale = time_scale
        self.anchor: tuple[datetime, float] | None = None

    def saw(self, server_time: datetime | None) -> None:
        if server_time is not None:
            self.anchor = (_aware(server_time), time.monotonic())  # type: ignore[arg-type]

    def now(self) -> datetime | None:
        if self.anchor is None:
            return None
        at, mono = self.anchor
        return at + timedelta(seconds=(time.monotonic() - mono) * self.time_scale)


@dataclass
class _Live:
    """In-memory state of one journaled session (the journal row is the truth on disk)."""

    key: str
    location_id: str
    evse_uid: str
    connector_id: str
    tag: str | None
    code_hash: str | None
    created_at: datetime
    charge_session_id: str | None
    start_phase: str
    lifecycle: Lifecycle
    tracker: EstimateTracker
    tariff: Any = None
    server_time: datetime | None = None
    next_status_call: datetime | None = None
    failures: int = 0
    power_kw: Decimal | None = None
    energy_kwh: Decimal | None = None
    soc: Decimal | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    error_message: str | None = None
    estimate: Any = None               # last live Quote (frozen once the charge has ended)
    total_costs: Decimal | None = None
    total_vat: Decimal | None = None
    vat_percentage: Decimal | None = None
    currency: str | None = None
    receipt_number: str | None = None
    difference: Decimal | None = None
    stop_requested: bool = False
    est_seq: int = 0
    est_applied: int = 0
    est_at: float = -1e9
    intent_server_at: datetime | None = None
    finished_local: datetime | None = None
    task: asyncio.Task | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    replan: bool = False               # with wake: a new nextStatusCall came (a stop), wait for it
    released: bool = False             # final: tracker and tariff dropped (the journal keeps them)


class SessionService:
    """Charging sessions of this kiosk.

    ``client``: a :class:`kiosk.api.ChargeAssistClient` (entered/closed by the caller).
    ``journal_path``: ``settings.journal_path()``.
    ``time_scale``: 1 for the real service; the simulator's speed in demo/tests.
    ``attendant_pin``: initial PIN, hashed into the journal on first start if none is set.
    ``evse_labels``: optional {evse_uid: display label} for the board.
    ``tz``: the venue's time zone (time-of-day tariff restrictions of the estimate).
    ``recent_s``: how long (kiosk seconds) an ended session stays on the board.
    ``keep_s``: how long (kiosk seconds) an ended session can still be opened with its code
    (its receipt); older ones are forgotten by the process (the journal keeps them for the
    attendant's history), so a kiosk running for months does not grow with every guest.
    ``settle_s``: server seconds to let a possibly-sent start land before looking it up.
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
        tz: str = "Europe/Amsterdam",
        recent_s: float = 600.0,
        keep_s: float = 86400.0,
        settle_s: float = 10.0,
        poll: bool = True,
        estimate_interval_s: float = 1.0,
        max_data_points: int = 200,
    ) -> None:
        self.client = client
        self.clock: Clock = clock or _utcnow
        self.journal = Journal(journal_path, clock=self.clock)
        self.time_scale = float(time_scale)
        self._sleep: Sleep = sleep or asyncio.sleep
        self.policy = PollPolicy(startup_s=start_poll_s, min_s=min_poll_s, max_s=max_poll_s,
                                 time_scale=self.time_scale)
        self.evse_labels = dict(evse_labels or {})
        self.tz = tz
        self.recent_s = recent_s
        self.keep_s = max(keep_s, recent_s)
        self.settle_s = settle_s
        self.poll_enabled = poll
        self.estimate_interval_s = estimate_interval_s
        self.max_data_points = max_data_points
        self.server_clock = _ServerClock(self.time_scale)
        self._live: dict[str, _Live] = {}
        self._subs: list[Callback] = []
        self._attendants: set[str] = set()
        self._starting: set[str] = set()
        self._closed = False
        # Journal writes (SQLite, synchronous=FULL: an fsync each) run on one worker thread,
        # off the UI's event loop; one worker keeps them in the order they were issued.
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-journal")
        # Guest-code scrypt (a 2 MB work buffer) runs on ONE thread of its own: spread over
        # the loop's default executor (qasync: 10 threads, each with its own glibc arena),
        # every thread kept its own 2 MB buffer after the first start it served (glibc's
        # dynamic mmap threshold: +15 MB resident over the first guest cycles, issue 5).
        self._hash_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-code-hash")
        # code -> (session key, its code hash) for codes issued or accepted by this process,
        # keyed by an HMAC with a per-process random key (memory only): the UI re-reads a
        # guest's view often (attach_known), and each scrypt costs ~6 ms.
        self._code_key = secrets.token_bytes(32)
        self._known_codes: dict[bytes, tuple[str, str]] = {}
        self._code_lock = asyncio.Lock()
        # the guest-code lockout, read once here (start-up reads the journal anyway); kept
        # in memory, each change written through the journal thread
        self._guest_lo = Lockout(free_attempts=5, base_s=15.0, max_s=900.0, forget_after_s=900.0).load(
            self.journal.kv_get("guest_code_lockout"))
        if attendant_pin and not self.journal.kv_get("attendant_pin_hash"):
            self.journal.kv_set("attendant_pin_hash", hash_secret(attendant_pin, strong=True))
        for row in self.journal.sessions(limit=200):
            if row.open or not self._too_old(row):
                self._live[row.key] = self._from_row(row)

    # -- helpers ------------------------------------------------------------------------
    async def _write(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Run a journal call on the journal thread, in issue order: awaiting a write means
        it is on disk; a read sees every write issued before it. Shielded: a cancelled caller
        does not drop a write already issued."""
        fut = asyncio.get_running_loop().run_in_executor(self._io, functools.partial(fn, *args, **kwargs))
        return await asyncio.shield(fut)

    def _write_soon(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        """Issue a journal call from synchronous code without waiting for it: same thread
        and order as :meth:`_write` (a later ``_write`` sees it; awaiting one means this
        one is on disk too)."""
        try:
            fut = self._io.submit(fn, *args, **kwargs)
        except RuntimeError:   # closed: nothing is written after aclose()
            log.warning("journal closed: %s not written", getattr(fn, "__name__", fn))
            return
        fut.add_done_callback(_log_write_failure)

    def _too_old(self, row: Any) -> bool:
        return (self.clock() - row.updated_at).total_seconds() > self.keep_s

    def _from_row(self, row: Any) -> _Live:
        lc = Lifecycle(state=row.state, known=row.known_state)
        # a final session needs neither its tariff nor its observations any more
        tracker = EstimateTracker(tz=self.tz) if lc.is_final else \
            EstimateTracker.from_json(row.observations_json, tz=self.tz)
        live = _Live(key=row.key, location_id=row.location_id, evse_uid=row.evse_uid, connector_id=row.connector_id,
                     tag=row.tag, code_hash=row.code_hash, created_at=row.created_at,
                     charge_session_id=row.charge_session_id, start_phase=row.start_phase, lifecycle=lc,
                     tracker=tracker, tariff=None if lc.is_final else load_tariff(row.tariff_json),
                     power_kw=_dec(row.power_kw),
                     energy_kwh=_dec(row.energy_kwh), soc=_dec(row.soc), started_at=row.started_at,
                     ended_at=row.ended_at, error_message=row.error_message,
                     stop_requested=row.stop_requested_at is not None)
        if row.estimate_json:
            est = json.loads(row.estimate_json)
            live.estimate = _StoredQuote(est["currency"], Decimal(est["incl"]), Decimal(est["excl"]))
        if row.final_json:
            fin = json.loads(row.final_json)
            live.total_costs = _dec(fin.get("total_costs"))
            live.total_vat = _dec(fin.get("total_vat"))
            live.vat_percentage = _dec(fin.get("vat_percentage"))
            live.currency = fin.get("currency")
            live.receipt_number = fin.get("receipt_number")
            live.difference = _dec(fin.get("difference"))
        if row.intent_server_at:
            live.intent_server_at = row.intent_server_at
        if lc.is_final:
            live.finished_local = row.updated_at
            live.released = True
        return live

    def _get(self, key: str) -> _Live:
        live = self._live.get(key)
        if live is None:
            row = self.journal.get(key)
            if row is None:
                raise UnknownSession(_("This session is not known on this kiosk."))
            live = self._live[key] = self._from_row(row)
        return live

    def _label(self, live: _Live) -> str:
        return self.evse_labels.get(live.evse_uid, live.evse_uid)

    def _elapsed(self, live: _Live) -> int:
        if live.started_at is None:
            return 0
        end = live.ended_at if live.lifecycle.has_ended and live.ended_at else (
            self.server_clock.now() or live.server_time)
        if end is None:
            return 0
        return max(0, int((end - live.started_at).total_seconds()))

    def _cost(self, live: _Live) -> CostEstimate | None:
        if live.total_costs is not None:
            cur = live.currency or (live.estimate.currency if live.estimate else "EUR")
            excl = live.total_costs - (live.total_vat or Decimal(0))
            return CostEstimate(cur, live.total_costs, excl, _("Total cost"), final=True)
        if live.estimate is None:
            return None
        return CostEstimate(live.estimate.currency, live.estimate.incl_vat, live.estimate.excl_vat,
                            _("Estimated cost so far"), final=False)

    def _entry(self, live: _Live) -> BoardEntry:
        st = live.lifecycle.state
        return BoardEntry(key=live.key, location_id=live.location_id, evse_uid=live.evse_uid,
                          connector_id=live.connector_id, evse_label=self._label(live), state=st.value,
                          state_text=describe_state(st).title, is_final=live.lifecycle.is_final,
                          power_kw=live.power_kw, energy_kwh=live.energy_kwh, elapsed_s=self._elapsed(live),
                          estimate=self._cost(live))

    def _view(self, live: _Live) -> SessionView:
        st = live.lifecycle.state
        txt = describe_state(st)
        return SessionView(key=live.key, charge_session_id=live.charge_session_id, location_id=live.location_id,
                           evse_uid=live.evse_uid, connector_id=live.connector_id, state=st.value,
                           state_text=txt.title, explanation=txt.explanation, next_step=txt.next_step,
                           is_final=live.lifecycle.is_final,
                           can_stop=st in STOPPABLE and live.charge_session_id is not None,
                           power_kw=live.power_kw, energy_kwh=live.energy_kwh, state_of_charge=live.soc,
                           started_at=live.started_at, ended_at=live.ended_at, elapsed_s=self._elapsed(live),
                           estimate=self._cost(live), tag=live.tag, error_message=live.error_message)

    def _notify(self, live: _Live, previous: State | None) -> None:
        upd = SessionUpdate(key=live.key, entry=self._entry(live), previous_state=previous.value if previous else None)
        for cb in list(self._subs):
            try:
                res = cb(upd)
                if asyncio.iscoroutine(res):
                    asyncio.ensure_future(res)
            except Exception:  # a broken subscriber must not stop the session
                log.exception("session subscriber failed")

    def _ensure_task(self, live: _Live) -> None:
        if not self.poll_enabled or self._closed or live.lifecycle.is_final:
            return
        if live.task is None or live.task.done():
            live.task = asyncio.get_running_loop().create_task(self._run(live), name=f"session-{live.key}")

    # -- lifecycle ----------------------------------------------------------------------
    async def resume_all(self) -> list[BoardEntry]:
        """On launch: reconcile every journaled session that is not final and start polling it.

        Intents without a chargeSessionId (crash or lost answer between POST and record)
        are looked up in the service's recent sessions (EVSE, after the intent time) and
        adopted when found, else marked as never started. Returns the board.
        """
        rows = await self._write(self.journal.sessions, not_final=True)
        for row in rows:
            self._live[row.key] = live = self._from_row(row)
            if live.charge_session_id:
                try:
                    await self._poll_once(live)
                except Exception:  # noqa: BLE001 - unreachable: the loop keeps trying
                    log.info("resume: session %s not reachable yet", live.key)
        for row in rows:
            live = self._live[row.key]
            if not live.charge_session_id:
                try:
                    await self._resolve(live)
                except Exception:  # noqa: BLE001
                    log.info("resume: start of %s not resolved yet", live.key)
            if live.charge_session_id and live.stop_requested and live.lifecycle.state in (
                    State.CHARGING, State.PARKING, State.STARTING, State.REQUESTED):
                try:
                    await self._send_stop(live)
                except Exception:  # noqa: BLE001
                    log.info("resume: stop of %s not sent yet", live.key)
            self._ensure_task(live)
        return self.active()

    async def aclose(self) -> None:
        """Stop polling tasks and close the journal (does not close the client)."""
        self._closed = True
        tasks = [lv.task for lv in self._live.values() if lv.task is not None and not lv.task.done()]
        for t in tasks:
            t.cancel()
        for t in tasks:
            try:
                await t
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
        await asyncio.to_thread(self._io.shutdown, wait=True)  # issued writes reach the disk
        self._hash_pool.shutdown(wait=False)
        self.journal.close()

    # -- start --------------------------------------------------------------------------
    async def start(self, location_id: str, evse_uid: str, connector_id: str, payment_method_id: str,
                    tag: str | None = None, *, tariff: dict | None = None) -> StartedSession:
        """Start a session. Returns the session and the one-time guest code (only here).

        The intent is journaled before the POST. A second start on the same EVSE while one
        is pending or running raises :class:`StartPending`. On an ambiguous failure (answer
        lost) the service's recent sessions are checked and an orphan is adopted; if none is
        found the intent is closed and :class:`StartFailed` (retryable) is raised. If the
        service cannot be reached to check, the session is returned in state UNKNOWN and
        resolved in the background (adopted, or NOT_STARTED).
        ``tariff``: the WalletTariffItem/TariffModel JSON (camelCase) already fetched by the
        UI; if None it is fetched (GET /tariff) for the live estimate.
        """
        from kiosk.api import errors

        if evse_uid in self._starting:
            raise StartPending(_("This charger is already being started. Wait a moment."))
        self._starting.add(evse_uid)
        try:
            other = await self._write(self.journal.open_on_evse, evse_uid)  # after every issued write
            if other is not None and not other.charge_session_id:
                # an earlier start on this EVSE lost its answer: look before starting again
                live = self._live.get(other.key)
                if live is None:   # the row just read (no second read on the loop)
                    live = self._live[other.key] = self._from_row(other)
                try:
                    await self._resolve(live)
                except errors.ApiError:
                    raise StartPending(_("We are still confirming this session with the charger. "
                                         "Try again in a minute.")) from None
                other = await self._write(self.journal.open_on_evse, evse_uid)  # after every issued write
            if other is not None:
                raise StartPending(_("A session is already running or starting on this charger. "
                                     "Choose another charger or ask the front desk."))
            tariff_json = await self._tariff_json(location_id, evse_uid, connector_id, payment_method_id, tariff)
            code = new_code()
            code_hash = await asyncio.get_running_loop().run_in_executor(self._hash_pool, hash_code, code)  # ~6 ms
            try:
                row = await self._write(self.journal.create_intent, location_id=location_id, evse_uid=evse_uid,
                                        connector_id=str(connector_id),
                                        payment_method_id=payment_method_id, tag=(tag or None),
                                        code_hash=code_hash, tariff_json=tariff_json)
            except EvseBusy:
                raise StartPending(_("A session is already running or starting on this charger. "
                                     "Choose another charger or ask the front desk.")) from None
            server_now = self.server_clock.now()
            if server_now is not None:
                await self._write(self.journal.update, row.key, intent_server_at=server_now)
            live = self._live[row.key] = self._from_row(row)   # the row as created (no read on the loop)
            live.intent_server_at = server_now
            self._remember_code(code, live)   # the guest's first attach needs no hash
            try:
                resp = await self.client.start_session(location_id, evse_uid, str(connector_id), payment_method_id)
            except errors.ApiError as exc:
                if exc.may_have_taken_effect or isinstance(exc, errors.TransportError):
                    await self._write(self.journal.mark_ambiguous, row.key, type(exc).__name__)
                    live.start_phase = "ambiguous"
                    try:
                        found = await self._resolve(live, settle=True)
                    except errors.ApiError:
                        live.lifecycle.unreachable()
                        await self._write(self.journal.update, live.key, state=live.lifecycle.state, known_state=live.lifecycle.known)
                        self._ensure_task(live)
                        self._notify(live, State.PENDING)
                        return StartedSession(self._view(live), code)
                    if not found:
                        raise StartFailed(_("The charger could not be started. Try again.")) from exc
                    self._ensure_task(live)
                    self._notify(live, State.PENDING)
                    return StartedSession(self._view(live), code)
                await self._write(self.journal.close_not_started, row.key, f"{type(exc).__name__}: {exc.status}")
                live.lifecycle.not_started()
                self._notify(live, State.PENDING)
                raise _start_error(exc) from exc
            csid = resp.charge_session_id
            if not csid:
                # answered without an id: treat like a lost answer
                await self._write(self.journal.mark_ambiguous, row.key, "no chargeSessionId")
                live.start_phase = "ambiguous"
                found = await self._resolve(live, settle=True)
                if not found:
                    raise StartFailed(_("The charger could not be started. Try again."))
            else:
                self.server_clock.saw(resp.server_time)
                live.server_time = _aware(resp.server_time)
                live.next_status_call = _aware(resp.next_status_call)
                await self._write(self.journal.record_started, row.key, csid)
                live.charge_session_id = csid
                live.start_phase = "confirmed"
                live.lifecycle.apply(State.REQUESTED)
            self._ensure_task(live)
            self._notify(live, State.PENDING)
            return StartedSession(self._view(live), code)
        finally:
            self._starting.discard(evse_uid)

    async def _tariff_json(self, location_id: str, evse_uid: str, connector_id: str, payment_method_id: str,
                           tariff: dict | None) -> str | None:
        from kiosk.api import errors

        if tariff is not None:
            if hasattr(tariff, "model_dump"):  # an api model instead of its JSON
                tariff = tariff.model_dump(by_alias=True, mode="json")
            return json.dumps(tariff, default=str)
        try:
            items = await self.client.tariffs(location_id, evse_uid, connector_id)
        except errors.ApiError as exc:
            log.info("no tariff for the estimate: %s", type(exc).__name__)
            return None
        chosen = None
        for it in items or []:
            pm = getattr(it, "payment_method", None)
            if pm is not None and str(getattr(pm, "id", "")) == str(payment_method_id):
                chosen = it
                break
        if chosen is None and items:
            chosen = items[0]
        if chosen is None or getattr(chosen, "tariff", None) is None:
            return None
        return json.dumps(chosen.model_dump(by_alias=True, mode="json"), default=str)

    async def _resolve(self, live: _Live, *, settle: bool = False) -> bool:
        """Look for the session a start with a lost answer may have created; adopt it.

        Returns True when adopted, False when the service has none (the intent is closed).
        Raises ApiError when the service cannot be asked.
        """
        if live.charge_session_id:
            return True
        age = (self.clock() - live.created_at).total_seconds() * self.time_scale
        if age < self.settle_s:
            await self._sleep((self.settle_s - age) / self.time_scale)
        known = {r.charge_session_id for r in await self._write(self.journal.sessions) if r.charge_session_id}
        date_from = None
        if live.intent_server_at is not None:
            date_from = live.intent_server_at - timedelta(seconds=120)
        items = await self.client.session_history(date_from=date_from, statuses=list(_ALL_API_STATUSES),
                                                  sort_desc=True)
        for it in items or []:
            csid = getattr(it, "charge_session_id", None)
            if not csid or csid in known or getattr(it, "evse_uid", None) != live.evse_uid:
                continue
            st = _aware(getattr(it, "start_time", None))
            if live.intent_server_at is not None and st is not None and \
                    st < live.intent_server_at - timedelta(seconds=60):
                continue
            state = parse_state(getattr(it, "status", None)) or State.REQUESTED
            await self._write(self.journal.record_started, live.key, csid, adopted=True, state=State.REQUESTED)
            live.charge_session_id = csid
            live.start_phase = "confirmed"
            live.lifecycle = Lifecycle(State.REQUESTED, State.REQUESTED)
            log.info("adopted orphan session for %s (%s)", live.key, state.value)
            try:
                await self._poll_once(live)
            except Exception:  # noqa: BLE001 - the loop polls again
                pass
            return True
        await self._write(self.journal.close_not_started, live.key, "no session found in the service's history")
        prev = live.lifecycle.state
        live.lifecycle.not_started()
        live.finished_local = self.clock()
        self._notify(live, prev)
        return False

    # -- polling ------------------------------------------------------------------------
    async def _run(self, live: _Live) -> None:
        from kiosk.api import errors

        while not self._closed:
            if live.lifecycle.is_final:
                return
            delay = self.policy.delay(live.lifecycle.state if live.charge_session_id else State.PENDING,
                                      server_time=live.server_time, next_status_call=live.next_status_call,
                                      failures=live.failures)
            if delay is None:
                return
            live.wake.clear()
            sleeper = asyncio.ensure_future(self._sleep(delay))
            waker = asyncio.ensure_future(live.wake.wait())
            try:
                done, _pending = await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waker.cancel()
            if self._closed:
                return
            replan, live.replan = live.replan, False
            if replan and sleeper not in done:
                continue   # wait for the nextStatusCall of the answer that woke us, not the old one
            try:
                if not live.charge_session_id:
                    await self._resolve(live)
                    continue
                await self._poll_once(live)
                if live.stop_requested and live.lifecycle.state in (State.CHARGING, State.PARKING):
                    await self._send_stop(live)
            except errors.NotFound:
                live.failures += 1
            except errors.ApiError:
                live.failures += 1
                prev = live.lifecycle.state
                if live.failures >= 2 and live.lifecycle.unreachable():
                    await self._write(self.journal.update, live.key, state=live.lifecycle.state, known_state=live.lifecycle.known,
                                        event="unreachable")
                    self._notify(live, prev)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - never let one bad answer end the polling
                log.exception("polling session %s failed", live.key)
                live.failures += 1

    async def _poll_once(self, live: _Live, *, force_estimate: bool = False) -> None:
        assert live.charge_session_id
        st = await self.client.session_status(live.charge_session_id, max_data_points=self.max_data_points)
        await self._apply(live, st, force_estimate=force_estimate)

    async def _apply(self, live: _Live, st: Any, *, force_estimate: bool = False) -> None:
        live.failures = 0
        self.server_clock.saw(getattr(st, "server_time", None))
        prev = live.lifecycle.state
        changed = live.lifecycle.apply(getattr(st, "status", None))
        state = live.lifecycle.state
        live.server_time = _aware(getattr(st, "server_time", None)) or live.server_time
        live.next_status_call = _aware(getattr(st, "next_status_call", None))
        energy = _dec(getattr(st, "energy_in_kwh", None))
        if energy is not None:
            live.energy_kwh = energy
        live.power_kw = _dec(getattr(st, "current_power_in_kw", None))
        if state in ENDED:
            live.power_kw = Decimal(0) if live.power_kw is None else live.power_kw
        soc = _dec(getattr(st, "state_of_charge", None))
        if soc is not None:
            live.soc = soc
        start_time = _aware(getattr(st, "start_time", None))
        if start_time is not None:
            live.started_at = start_time
        end_time = _aware(getattr(st, "end_time", None))
        if end_time is not None:
            live.ended_at = end_time
        live.error_message = getattr(st, "error_message", None) or live.error_message
        usage = getattr(st, "usage_summary", None)
        observed = not live.released and not (live.lifecycle.has_ended and live.estimate is not None)
        if observed:
            live.tracker.observe_status(start_time=start_time, server_time=live.server_time,
                                        status=state if state != State.UNKNOWN else None,
                                        energy_kwh=energy, power_kw=live.power_kw,
                                        data_points=getattr(usage, "data_points", None) if usage else None,
                                        end_time=end_time if state in ENDED or state == State.STOPPING else None)
        fields: dict[str, Any] = dict(state=state, known_state=live.lifecycle.known, energy_kwh=live.energy_kwh,
                                      power_kw=live.power_kw, soc=live.soc, started_at=live.started_at,
                                      ended_at=live.ended_at, error_message=live.error_message)
        if not live.released:   # a released session's observations stay as the journal has them
            fields["observations_json"] = live.tracker.to_json()
        if live.estimate is not None:
            fields["estimate_json"] = json.dumps({"currency": live.estimate.currency,
                                                  "incl": str(live.estimate.incl_vat),
                                                  "excl": str(live.estimate.excl_vat)})
        total = _dec(getattr(st, "total_costs", None))
        event, detail = ("status", {"status": state.value}) if changed else (None, None)
        receipt = getattr(st, "receipt_number", None)
        events: list[tuple[str, dict[str, Any]]] = []
        if total is not None and (live.total_costs is None or state == State.CDR_AVAILABLE):
            first = live.total_costs is None
            live.total_costs = total
            live.total_vat = _dec(getattr(st, "total_vat", None))
            live.vat_percentage = _dec(getattr(st, "vat_percentage", None))
            live.currency = getattr(st, "currency", None) or live.currency
            live.receipt_number = receipt or live.receipt_number
            est = live.estimate.incl_vat if live.estimate is not None else None
            live.difference = reconcile(est, total)
            fields["final_json"] = json.dumps({
                "total_costs": str(total), "total_vat": str(live.total_vat) if live.total_vat is not None else None,
                "vat_percentage": str(live.vat_percentage) if live.vat_percentage is not None else None,
                "currency": live.currency, "receipt_number": live.receipt_number,
                "estimate_incl_vat": str(est) if est is not None else None,
                "difference": str(live.difference) if live.difference is not None else None})
            if first:
                events.append(("reconciled", {
                    "total_costs": str(total), "estimate_incl_vat": str(est) if est is not None else None,
                    "difference": str(live.difference) if live.difference is not None else None}))
            if receipt:
                events.append(("receipt", {"receipt_number": receipt}))
        # one submission, with no await since the lifecycle changed: a journal read issued
        # after this point (e.g. start()'s open_on_evse) sees the new state
        await self._write(self._persist, live.key, events, event, detail, fields)
        if live.lifecycle.is_final and live.finished_local is None:
            live.finished_local = self.clock()
        if live.lifecycle.is_final and not live.released:
            # like a final row loaded from the journal: the observations (every data point
            # of the charge) and the tariff are on disk and no longer needed in memory; kept,
            # they grew the process by every guest of the last ``recent_s`` seconds
            live.tracker = EstimateTracker(tz=self.tz)
            live.tariff = None
            if live.estimate is not None and not isinstance(live.estimate, _StoredQuote):
                live.estimate = _StoredQuote(live.estimate.currency, live.estimate.incl_vat, live.estimate.excl_vat)
            live.released = True
        self._notify(live, prev if changed else None)
        if observed and live.tariff is not None and live.total_costs is None and state in _PRICED:
            await self._estimate(live, force=force_estimate or changed or state not in (State.CHARGING,
                                                                                         State.PARKING))

    def _persist(self, key: str, events: list[tuple[str, dict[str, Any]]], event: str | None, detail: Any,
                 fields: dict[str, Any]) -> None:
        for kind, data in events:
            self.journal.add_event(key, kind, data)
        self.journal.update(key, event=event, detail=detail, **fields)

    async def _estimate(self, live: _Live, *, force: bool = False) -> None:
        """Re-price the observed profile (off the event loop: a long profile takes tens of ms).

        At most once per ``estimate_interval_s`` real seconds per session unless forced
        (a state change, a refresh): at the real service's pace (a poll every 30-60 s)
        this never skips one; it caps the work when a fast simulator is polled often.
        """
        mono = time.monotonic()
        if not force and mono - live.est_at < self.estimate_interval_s:
            return
        live.est_at = mono
        live.est_seq += 1
        seq = live.est_seq
        try:
            profile = live.tracker.profile()
            q = None if profile is None else await asyncio.to_thread(quote, live.tariff, profile)
        except Exception:  # noqa: BLE001 - no estimate rather than a broken session
            log.exception("estimate failed for %s", live.key)
            return
        if q is None or seq < live.est_applied or live.total_costs is not None:
            return  # a newer answer was priced already, or the final cost is known
        live.est_applied = seq
        live.estimate = q
        await self._write(self.journal.update, live.key, estimate_json=json.dumps(
            {"currency": q.currency, "incl": str(q.incl_vat), "excl": str(q.excl_vat)}))
        self._notify(live, None)

    # -- guest codes --------------------------------------------------------------------
    # A guest code is checked by scrypt against each session's code hash (~6 ms each, more
    # under load), always on ``_hash_pool``'s one thread, never on the event loop. A code
    # issued (start, reissue) or accepted (attach) by this process is remembered under an
    # HMAC with a per-process random key (memory only) with the hash it matched, so the
    # UI's frequent re-reads need no hash: :meth:`attach_known`. The lockout lives in
    # memory (loaded from the journal at construction) and every change goes to the
    # journal thread, so a check never waits on SQLite behind the journal's fsyncs.

    def _code_tag(self, digits: str) -> bytes:
        return hmac.new(self._code_key, digits.encode(), hashlib.sha256).digest()

    def _remember_code(self, digits: str, live: _Live) -> None:
        if live.code_hash:
            self._known_codes[self._code_tag(digits)] = (live.key, live.code_hash)

    def _known_live(self, digits: str) -> _Live | None:
        """The session of a code this process issued or accepted, if its code still stands."""
        if len(digits) != CODE_LENGTH:
            return None
        known = self._known_codes.get(self._code_tag(digits))
        if known is None:
            return None
        live = self._live.get(known[0])
        if live is not None and live.code_hash == known[1]:  # not reissued since
            return live
        return None

    def _check_code_lockout(self, now: datetime) -> None:
        wait = self._guest_lo.remaining(now)
        if wait > 0:
            raise WrongCode(_("Too many wrong codes. Try again in {seconds} seconds.", seconds=int(wait) + 1))

    def _code_failed(self, now: datetime) -> WrongCode:
        """Count a wrong code (in memory at once, on disk through the journal thread)."""
        self._guest_lo.failure(now)
        self._write_soon(self.journal.kv_set, "guest_code_lockout", self._guest_lo.state())
        return WrongCode(_("That code does not match a session. Check the code on your ticket and try again."))

    async def _find_by_code(self, code: str) -> _Live:
        now = self.clock()
        self._check_code_lockout(now)
        digits = normalise_code(code)
        live = self._known_live(digits)
        if live is not None:
            return live
        if len(digits) == CODE_LENGTH:
            # one check at a time: concurrent guesses cannot all pass the lockout test
            # before the first of them is counted (the hash thread is single anyway)
            async with self._code_lock:
                now = self.clock()
                self._check_code_lockout(now)
                live = self._known_live(digits)
                if live is not None:
                    return live
                # shielded: a caller cancelled during the hash (the guest left the screen)
                # does not skip counting a wrong code
                check = asyncio.ensure_future(self._verify_code(digits, now))
                check.add_done_callback(_retrieve)
                return await asyncio.shield(check)
        exc = self._code_failed(now)
        await self._write(_noop)
        raise exc

    async def _verify_code(self, digits: str, now: datetime) -> _Live:
        # running sessions first, newest first: the usual code is found after one hash
        cands = [(lv.key, lv.code_hash) for lv in
                 sorted(self._live.values(), key=lambda lv: (lv.lifecycle.is_final, -lv.created_at.timestamp()))
                 if lv.code_hash]
        key = await asyncio.get_running_loop().run_in_executor(self._hash_pool, _match_code, digits, cands)
        live = self._live.get(key) if key is not None else None
        if live is not None and live.code_hash == dict(cands)[key]:   # not reissued meanwhile
            # a right code does not reset the count: someone holding one code must not be
            # able to guess others by alternating (failures fade after 15 minutes instead)
            self._remember_code(digits, live)
            return live
        exc = self._code_failed(now)
        await self._write(_noop)   # the count is on disk before the guest is told
        raise exc

    def _find_known(self, code: str) -> _Live:
        now = self.clock()
        self._check_code_lockout(now)
        live = self._known_live(normalise_code(code))
        if live is None:
            raise self._code_failed(now)
        return live

    # -- guest actions ------------------------------------------------------------------
    async def attach(self, code: str) -> SessionView:
        """The session of the guest code's holder. Raises :class:`WrongCode` (also while
        code entry is locked after repeated wrong codes; every wrong code is counted).

        The full check: the code is compared with every session's hash (scrypt) on the
        code-hash thread, never on the event loop. Without network; :meth:`refresh`
        polls the service now. Once a code was accepted (or issued by :meth:`start`), the
        UI re-reads its view with :meth:`attach_known` instead."""
        return self._view(await self._find_by_code(code))

    def attach_known(self, code: str) -> SessionView:
        """Synchronous, cheap twin of :meth:`attach` for a code this process issued
        (:meth:`start`, :meth:`reissue_code`) or accepted (:meth:`attach`): no hash, no
        journal read, no await (one HMAC). Any other code raises :class:`WrongCode` and is
        counted as a wrong code, so call it only with a code already accepted: the UI's
        refreshes of a guest's screen. A reissued code no longer works here either."""
        return self._view(self._find_known(code))

    async def stop(self, code: str) -> SessionView:
        """Stop the session that belongs to this guest code. Raises WrongCode / StopFailed."""
        live = await self._find_by_code(code)
        return await self._stop(live, actor="guest", reason="")

    async def _stop(self, live: _Live, *, actor: str, reason: str) -> SessionView:
        from kiosk.api import errors

        state = live.lifecycle.state
        if live.lifecycle.has_ended or state == State.STOPPING:
            return self._view(live)
        if not live.charge_session_id:
            raise StopFailed(_("We are still confirming this session with the charger. Try again in a minute."))
        live.stop_requested = True
        await self._write(self.journal.update, live.key, stop_requested_at=self.clock(), event="stop_request",
                            detail={"actor": actor, "reason": reason})
        try:
            await self._send_stop(live)
        except errors.TransportError:
            # the stop may have been sent: polling shows the outcome and repeats it if needed
            live.wake.set()
        except errors.ApiError as exc:
            raise StopFailed(_("The charger did not accept the stop. Try again, or ask the front desk.")) from exc
        else:
            # the stop's answer asks for the next call soon (the end of the charge comes in
            # seconds); the polling task still waits for the charging interval (30-60 s on
            # the service), which the guest would spend on the Stopping screen
            live.replan = True
            live.wake.set()
        self._ensure_task(live)
        return self._view(live)

    async def _send_stop(self, live: _Live) -> None:
        assert live.charge_session_id
        st = await self.client.stop_session(live.charge_session_id)
        await self._apply(live, st)

    def _check_holder(self, live: _Live, code: str | None, attendant: Attendant | None) -> None:
        if attendant is not None:
            self._check_attendant(attendant)
            return
        if code is not None and self._find_known(code).key == live.key:
            return
        raise NotAllowed(_("Only the guest with the code or an attendant can see this session."))

    def receipt(self, key: str, *, code: str | None = None, attendant: Attendant | None = None) -> Receipt:
        """Receipt of a session for its code holder or an attendant (NotAllowed otherwise).

        Synchronous: ``code`` is checked like :meth:`attach_known` (a code this process
        issued or accepted; any other raises :class:`WrongCode` and counts as a wrong
        code); a code of another session raises :class:`NotAllowed`."""
        live = self._get(key)
        self._check_holder(live, code, attendant)
        if attendant is not None:
            self.journal.audit(attendant.name, "session.receipt", key, "")
        est = live.estimate.incl_vat if live.estimate is not None else None
        return Receipt(key=live.key, charge_session_id=live.charge_session_id, receipt_number=live.receipt_number,
                       location_id=live.location_id, evse_uid=live.evse_uid, connector_id=live.connector_id,
                       started_at=live.started_at, ended_at=live.ended_at, energy_kwh=live.energy_kwh,
                       currency=live.currency or (live.estimate.currency if live.estimate else None),
                       total_incl_vat=live.total_costs, total_vat=live.total_vat,
                       vat_percentage=live.vat_percentage, estimate_incl_vat=est, difference=live.difference,
                       final=live.total_costs is not None and live.lifecycle.state == State.CDR_AVAILABLE,
                       tag=live.tag)

    # -- board --------------------------------------------------------------------------
    def active(self) -> list[BoardEntry]:
        """Sessions not yet final plus those finished in the last ``recent_s`` seconds (bay board)."""
        now = self.clock()
        self._forget_old(now)
        out = []
        for live in self._live.values():
            if live.lifecycle.is_final and live.finished_local is not None and \
                    (now - live.finished_local).total_seconds() > self.recent_s:
                continue
            out.append(self._entry(live))
        out.sort(key=lambda e: (e.is_final, e.evse_label))
        return out

    def _forget_old(self, now: datetime) -> None:
        """Drop ended sessions older than ``keep_s`` from memory, with their remembered
        codes (as a restart would: only the journal has them then)."""
        old = {key for key, live in self._live.items()
               if live.lifecycle.is_final and live.finished_local is not None
               and (now - live.finished_local).total_seconds() > self.keep_s
               and (live.task is None or live.task.done())}
        if not old:
            return
        for key in old:
            del self._live[key]
        self._known_codes = {tag: known for tag, known in self._known_codes.items() if known[0] not in old}

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Call ``callback(SessionUpdate)`` after every change; returns an unsubscribe function."""
        self._subs.append(callback)
        return lambda: self._subs.remove(callback) if callback in self._subs else None

    async def refresh(self, key: str) -> BoardEntry:
        """Poll this session now (e.g. when the guest opens its screen)."""
        from kiosk.api import errors

        live = self._get(key)
        if live.charge_session_id and not live.lifecycle.is_final:
            try:
                await self._poll_once(live, force_estimate=True)
            except errors.ApiError:
                prev = live.lifecycle.state
                if live.lifecycle.unreachable():
                    self._notify(live, prev)
        return self._entry(live)

    # -- attendant ----------------------------------------------------------------------
    def _pin_lockout(self) -> Lockout:
        return Lockout(free_attempts=3, base_s=30.0, max_s=3600.0).load(self.journal.kv_get("attendant_lockout"))

    def attendant_login(self, pin: str, *, name: str = "attendant") -> Attendant:
        """Verify the attendant PIN. Raises WrongPin or AttendantLocked (growing delay,
        persisted so a restart does not reset it)."""
        now = self.clock()
        lo = self._pin_lockout()
        wait = lo.remaining(now)
        if wait > 0:
            raise AttendantLocked(_("Too many wrong PINs. Try again in {seconds} seconds.", seconds=int(wait) + 1),
                                  until=lo.locked_until, seconds=wait)  # type: ignore[arg-type]
        stored = self.journal.kv_get("attendant_pin_hash")
        if stored is None:
            raise NotAllowed(_("No attendant PIN is set. Set attendant_pin in the configuration."))
        if verify_secret(pin or "", stored):
            lo.success()
            self.journal.kv_set("attendant_lockout", lo.state())
            token = secrets.token_hex(16)
            self._attendants.add(token)
            self.journal.audit(name, "attendant.login", None, "")
            return Attendant(name=name, verified_at=now, token=token)
        secs = lo.failure(now)
        self.journal.kv_set("attendant_lockout", lo.state())
        self.journal.audit(name, "attendant.pin_failed", None, f"failures: {lo.failures}")
        if secs > 0:
            raise AttendantLocked(_("Too many wrong PINs. Try again in {seconds} seconds.", seconds=int(secs)),
                                  until=lo.locked_until, seconds=secs)  # type: ignore[arg-type]
        raise WrongPin(_("Wrong PIN. Try again."), attempts_left=lo.attempts_left)

    def _check_attendant(self, attendant: Attendant | None) -> None:
        if attendant is None or attendant.token not in self._attendants:
            raise NotAllowed(_("Only an attendant can do this. Enter the attendant PIN first."))

    def attendant_logout(self, attendant: Attendant) -> None:
        self._attendants.discard(attendant.token)

    def lockout_remaining(self) -> float:
        """Seconds until the PIN may be tried again (0 when not locked)."""
        return self._pin_lockout().remaining(self.clock())

    def set_attendant_pin(self, attendant: Attendant, new_pin: str) -> None:
        """Change the PIN (audited)."""
        self._check_attendant(attendant)
        if not new_pin or len(new_pin) < 4 or not new_pin.isdigit():
            raise SessionError(_("A PIN has at least 4 digits."))
        self.journal.kv_set("attendant_pin_hash", hash_secret(new_pin, strong=True))
        self.journal.audit(attendant.name, "attendant.pin_change", None, "")

    def view(self, key: str, attendant: Attendant) -> SessionView:
        """Details of any session for an attendant (audited)."""
        self._check_attendant(attendant)
        live = self._get(key)
        self.journal.audit(attendant.name, "session.view", key, "")
        return self._view(live)

    async def attendant_stop(self, key: str, attendant: Attendant, reason: str) -> SessionView:
        """Stop any session as attendant; the reason goes to the audit log."""
        self._check_attendant(attendant)
        live = self._get(key)
        self.journal.audit(attendant.name, "session.stop", key, f"reason: {reason}")
        return await self._stop(live, actor=attendant.name, reason=reason)

    def reissue_code(self, key: str, attendant: Attendant) -> str:
        """New one-time guest code for a session (old one stops working); audited."""
        self._check_attendant(attendant)
        live = self._get(key)
        code = new_code()
        live.code_hash = hash_code(code)
        self._remember_code(code, live)
        self.journal.update(key, code_hash=live.code_hash, event="code_reissued")
        self.journal.audit(attendant.name, "session.reissue_code", key, "")
        return code

    def audit_log(self, attendant: Attendant, limit: int = 200) -> list[AuditEntry]:
        """Attendant actions, newest first."""
        self._check_attendant(attendant)
        return [AuditEntry(at=r.at, actor=r.actor, action=r.action, session_key=r.session_key, detail=r.detail)
                for r in self.journal.audit_entries(limit)]

    def audit(self, actor: str, action: str, session_id: str | None = None, detail: str = "") -> None:
        """Record an attendant action (used by kiosk.services.attendant too)."""
        self.journal.audit(actor, action, session_id, detail)


def _match_code(digits: str, candidates: list[tuple[str, str]]) -> str | None:
    """On the code-hash thread: the key of the first session whose code hash matches."""
    for key, code_hash in candidates:
        if verify_code(digits, code_hash):
            return key
    return None


def _noop() -> None:
    """A journal-thread no-op: awaiting it waits for every journal call issued before."""


def _retrieve(fut: Any) -> None:
    """Mark a shielded task's outcome as seen (its caller may have been cancelled)."""
    if not fut.cancelled():
        fut.exception()


def _log_write_failure(fut: Any) -> None:
    if not fut.cancelled() and fut.exception() is not None:
        log.error("journal write failed", exc_info=fut.exception())


@dataclass(frozen=True)
class _StoredQuote:
    currency: str
    incl_vat: Decimal
    excl_vat: Decimal


def _start_error(exc: Exception) -> StartFailed:
    from kiosk.api import errors

    if isinstance(exc, errors.ValidationFailed):
        return StartFailed(_("The charger refused to start: the payment method or connector was not accepted. "
                             "Ask the front desk for help."), retryable=False)
    if isinstance(exc, (errors.Forbidden, errors.Unauthorized)):
        return StartFailed(_("This kiosk is not allowed to start this charger. Ask the front desk for help."),
                           retryable=False)
    if isinstance(exc, errors.NotFound):
        return StartFailed(_("This charger is not known to the charging service. Choose another charger."),
                           retryable=False)
    if isinstance(exc, errors.RateLimited):
        return StartFailed(_("The charging service is busy. Wait a minute and try again."))
    return StartFailed(_("The charger could not be started. Try again."))
