"""The start protocol and its recovery.

The intent is journaled BEFORE the POST (one open row per EVSE by a unique index, so a
double tap or a second guest cannot start twice); the chargeSessionId after the answer.
When the answer is lost (timeout, dropped connection, a 5xx that may have acted) the
service's recent sessions are searched for the session the start may have created; it is
adopted, or the intent is closed as never started. On launch every journaled session that
is not final is resumed: polled, resolved, and a stop asked before a crash is sent.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from datetime import datetime, timedelta
from typing import Any

from kiosk.core.journal import EvseBusy, JournalUnavailable
from kiosk.core.session import API_STATES, Lifecycle, State, parse_state
from kiosk.i18n import N_, Translator

from .codes import GuestCodes
from .journal_io import JournalIO
from .live import Clock, Live, Registry, ServerClock, aware
from .model import StartedSession, StartFailed, StartPending
from .poller import Poller, Sleep
from .views import Views

log = logging.getLogger(__name__)
_ = Translator("core")   # the domain of the N_ messages here (SessionError translates them when read)

#: How far the kiosk's clock may be from the server's to date an old intent by it (seconds).
CLOCK_TRUSTED_S = 300.0
#: A lost start's session is requested between these many seconds before its intent ...
WINDOW_BEFORE_S = 60.0
#: ... and the settle time plus these many after it (server time).
WINDOW_AFTER_S = 120.0

NO_STORAGE = N_("This kiosk cannot record a new charging session right now. Please ask the front desk.")
BUSY = N_("A session is already running or starting on this charger. Choose another charger or ask the front desk.")
CONFIRMING = N_("We are still confirming this session with the charger. Try again in a minute.")
NOT_STARTED = N_("The charger could not be started. Try again.")


class Starter:
    def __init__(self, client: Any, registry: Registry, io: JournalIO, codes: GuestCodes, poller: Poller,
                 views: Views, *, server_clock: ServerClock, clock: Clock, sleep: Sleep, time_scale: float,
                 settle_s: float) -> None:
        self.client = client
        self.registry = registry
        self.io = io
        self.codes = codes
        self.poller = poller
        self.views = views
        self.server_clock = server_clock
        self.clock = clock
        self.sleep = sleep
        self.time_scale = time_scale
        self.settle_s = settle_s
        self._starting: set[str] = set()
        poller.resolve = self.resolve
        #: the venue's screens (set by the service): leases and the intent's origin
        self.venue: Any = None

    async def start(self, location_id: str, evse_uid: str, connector_id: str, payment_method_id: str,
                    tag: str | None = None, *, tariff: dict | None = None) -> StartedSession:
        from kiosk.api import errors

        if evse_uid in self._starting:
            raise StartPending(N_("This charger is already being started. Wait a moment."))
        self._starting.add(evse_uid)
        journal = self.io.journal
        try:
            try:
                other = await self.io.call(journal.open_on_evse, evse_uid)  # after every issued write
            except (JournalUnavailable, sqlite3.Error) as exc:
                log.error("start refused: the journal cannot be read (%s)", exc)
                raise StartFailed(NO_STORAGE, retryable=False, state="ERROR") from None
            if other is not None and not other.charge_session_id:
                # an earlier start on this EVSE lost its answer: look before starting again
                # (on a venue database only when its screen is gone: that screen is still
                # posting it while it holds the lease)
                if self.venue is not None and not await self.venue.claim(other.key):
                    raise StartPending(BUSY)
                live = self.registry.maybe(other.key) or self.registry.add_row(other)
                try:
                    await self.resolve(live)
                except errors.ApiError:
                    raise StartPending(CONFIRMING) from None
                other = await self.io.call(journal.open_on_evse, evse_uid)
            if other is not None:
                raise StartPending(BUSY)
            tariff_json = await self._tariff_json(location_id, evse_uid, connector_id, payment_method_id, tariff)
            code, code_hash = await self.codes.issue()
            try:
                row = await self.io.call(journal.create_intent, location_id=location_id, evse_uid=evse_uid,
                                         connector_id=str(connector_id), payment_method_id=payment_method_id,
                                         tag=(tag or None), code_hash=code_hash, tariff_json=tariff_json,
                                         **(self.venue.intent_lease if self.venue is not None else {}))
            except EvseBusy:
                raise StartPending(BUSY) from None
            except (JournalUnavailable, sqlite3.Error) as exc:
                # nothing is started that this kiosk could not find again after a crash
                log.error("start refused: the journal cannot be written (%s)", exc)
                raise StartFailed(NO_STORAGE, retryable=False, state="ERROR") from None
            if self.venue is not None:
                self.venue.took(row.key)
            server_now = self._server_now()
            if server_now is not None:
                await self._best_effort(journal.update, row.key, intent_server_at=server_now)
            live = self.registry.add_row(row)    # the row as created (no read on the loop)
            live.intent_server_at = server_now
            live.intent_mono = time.monotonic()
            self.codes.remember(code, live)      # the guest's first attach needs no hash
            try:
                resp = await self.client.start_session(location_id, evse_uid, str(connector_id), payment_method_id)
            except errors.ApiError as exc:
                return await self._failed(live, exc, code)
            csid = resp.charge_session_id
            if not csid:
                # answered without an id: treat like a lost answer
                await self.io.call(journal.mark_ambiguous, row.key, "no chargeSessionId")
                live.start_phase = "ambiguous"
                if not await self.resolve(live, settle=True):
                    raise StartFailed(NOT_STARTED)
            else:
                self.server_clock.saw(resp.server_time)
                live.server_time = aware(resp.server_time)
                live.next_status_call = aware(resp.next_status_call)
                live.charge_session_id = csid
                await self._best_effort(journal.record_started, row.key, csid)
                live.start_phase = "confirmed"
                live.lifecycle.apply(State.REQUESTED)
            self.poller.ensure(live)
            self.poller.notify(live, State.PENDING)
            return StartedSession(self.views.view(live), code)
        finally:
            self._starting.discard(evse_uid)

    async def _failed(self, live: Live, exc: Any, code: str) -> StartedSession:
        """The POST failed: resolve it when it may have acted, else close the intent."""
        from kiosk.api import errors

        journal = self.io.journal
        if exc.may_have_taken_effect or isinstance(exc, errors.TransportError):
            await self.io.call(journal.mark_ambiguous, live.key, type(exc).__name__)
            live.start_phase = "ambiguous"
            try:
                found = await self.resolve(live, settle=True)
            except errors.ApiError:
                live.lifecycle.unreachable()
                await self.io.call(journal.update, live.key, state=live.lifecycle.state,
                                   known_state=live.lifecycle.known)
                self.poller.ensure(live)
                self.poller.notify(live, State.PENDING)
                return StartedSession(self.views.view(live), code)
            if not found:
                raise StartFailed(NOT_STARTED) from exc
            self.poller.ensure(live)
            self.poller.notify(live, State.PENDING)
            return StartedSession(self.views.view(live), code)
        await self.io.call(journal.close_not_started, live.key, f"{type(exc).__name__}: {exc.status}")
        live.lifecycle.not_started()
        live.finished_local = self.clock()
        self.poller.notify(live, State.PENDING)
        raise start_error(exc) from exc

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

    async def _best_effort(self, fn: Any, /, *args: Any, **kwargs: Any) -> None:
        """A journal write after the POST: the session exists whether or not it is recorded
        (a full disk must not lose track of it in memory), so a failure is logged only."""
        try:
            await self.io.call(fn, *args, **kwargs)
        except Exception:  # noqa: BLE001
            log.error("journal write %s failed (disk full or read-only?): going on from memory",
                      getattr(fn, "__name__", fn), exc_info=True)

    def _server_now(self) -> datetime | None:
        """The server's clock now: from the last answer of any kind (its ``Date``)."""
        seen = getattr(self.client, "last_server_time", None)
        if seen is not None and isinstance(seen, tuple):
            at, mono = seen
            return at + timedelta(seconds=(time.monotonic() - mono) * self.time_scale)
        return self.server_clock.now()

    def _intent_window(self, live: Live) -> tuple[datetime, datetime] | None:
        """Server times between which a session created by this intent must have been
        requested; None when there is no trustworthy evidence (then nothing is adopted)."""
        at = live.intent_server_at
        if at is None and live.intent_mono is not None:
            now = self._server_now()            # the failed answer itself carried a Date
            if now is not None:
                at = now - timedelta(seconds=(time.monotonic() - live.intent_mono) * self.time_scale)
        if at is None:
            # an intent of an earlier run with no server time: only a kiosk clock that agrees
            # with the server's now is evidence (a Pi without a real-time clock may be hours off)
            now = self._server_now()
            if now is None or abs((self.clock() - now).total_seconds()) > CLOCK_TRUSTED_S:
                return None
            at = live.created_at + (now - self.clock())
        return at - timedelta(seconds=WINDOW_BEFORE_S), at + timedelta(seconds=self.settle_s + WINDOW_AFTER_S)

    async def resolve(self, live: Live, *, settle: bool = False) -> bool:
        """Look for the session a start with a lost answer may have created; adopt it only
        with evidence: a session on that charger, requested inside the intent's window by
        the server's clock, not owned by any journal row.

        Returns True when adopted, False when the intent is closed (no such session, or no
        evidence: a session there is then left to the attendant as "owner unknown").
        Raises ApiError when the service cannot be asked. Never waits on the kiosk's wall
        clock: only an intent of this process waits out the settle time, by the monotonic
        clock (after a restart the restart itself took longer)."""
        if live.charge_session_id:
            return True
        journal = self.io.journal
        if live.intent_mono is not None:
            waited = (time.monotonic() - live.intent_mono) * self.time_scale
            if waited < self.settle_s:
                await self.sleep((self.settle_s - waited) / self.time_scale)
        window = self._intent_window(live)
        if window is not None:
            known = {r.charge_session_id for r in await self.io.call(journal.sessions) if r.charge_session_id}
            items = await self.client.session_history(date_from=window[0], date_to=window[1],
                                                      statuses=[st.value for st in API_STATES], sort_desc=True)
            for it in items or []:
                csid = getattr(it, "charge_session_id", None)
                if not csid or csid in known or getattr(it, "evse_uid", None) != live.evse_uid:
                    continue
                st = aware(getattr(it, "start_time", None))
                if st is not None and st < window[0]:
                    continue
                state = parse_state(getattr(it, "status", None)) or State.REQUESTED
                await self.io.call(journal.record_started, live.key, csid, adopted=True, state=State.REQUESTED)
                live.charge_session_id = csid
                live.start_phase = "confirmed"
                live.lifecycle = Lifecycle(State.REQUESTED, State.REQUESTED)
                log.info("adopted orphan session for %s (%s)", live.key, state.value)
                try:
                    await self.poller.poll_once(live)
                except Exception:  # noqa: BLE001 - the loop polls again
                    pass
                return True
        reason = "no session found in the service's history" if window is not None else \
            "no server time to tell its session from others: not adopted"
        await self.io.call(journal.close_not_started, live.key, reason)
        prev = live.lifecycle.state
        live.lifecycle.not_started()
        live.finished_local = self.clock()
        self.poller.notify(live, prev)
        return False

    async def resume_all(self) -> None:
        """On launch: reconcile every journaled session that is not final and poll it.

        Intents without a chargeSessionId (crash or lost answer between POST and record)
        are looked up in the service's recent sessions and adopted when found, else marked
        as never started; a stop asked before a crash is sent now.
        """
        rows = await self.io.call(self.io.journal.sessions, not_final=True)
        if self.venue is not None and self.venue.shared:
            # a venue: this screen resumes the sessions whose lease it gets (its own, and
            # those of a screen that is gone); the others are followed, not polled
            mine = []
            for row in rows:
                if await self.venue.claim(row.key):
                    mine.append(row)
                elif row.key not in self.registry:
                    self.registry.add_row(row)
            rows = mine
        for row in rows:
            live = self.registry.add_row(row)
            if live.charge_session_id:
                try:
                    await self.poller.poll_once(live)
                except Exception:  # noqa: BLE001 - unreachable: the loop keeps trying
                    log.info("resume: session %s not reachable yet", live.key)
        for row in rows:
            live = self.registry.sessions[row.key]
            if not live.charge_session_id:
                try:
                    await self.resolve(live)
                except Exception:  # noqa: BLE001
                    log.info("resume: start of %s not resolved yet", live.key)
            if live.charge_session_id and live.stop_requested and live.lifecycle.state in (
                    State.CHARGING, State.PARKING, State.STARTING, State.REQUESTED):
                live.stop_sent = False
                try:
                    await self.poller.stop(live, actor="recovery", reason="stop asked before a restart")
                except Exception:  # noqa: BLE001
                    log.info("resume: stop of %s not sent yet", live.key)
            self.poller.ensure(live)
        try:
            await self.adopt_foreign()
        except Exception:  # noqa: BLE001 - the service cannot be asked now; the board still shows its statuses
            log.info("resume: the service's running sessions could not be listed yet")

    async def adopt_foreign(self) -> list[Live]:
        """Sessions the service runs for this appToken that no journal row owns (the journal
        lost its last writes, was damaged and rebuilt, or another screen started them):
        recorded as "owner unknown" for the attendant, polled until they end, and holding
        their charger so nothing is started on it meanwhile."""
        from kiosk.core.session import ACTIVE

        items = await self.client.session_history(date_from=self.clock() - timedelta(days=7),
                                                  statuses=[st.value for st in ACTIVE], sort_desc=True)
        journal = self.io.journal
        known = {r.charge_session_id for r in await self.io.call(journal.sessions) if r.charge_session_id}
        added: list[Live] = []
        for it in items or []:
            csid = getattr(it, "charge_session_id", None)
            state = parse_state(getattr(it, "status", None))
            if not csid or csid in known or state is None or not getattr(it, "evse_uid", None):
                continue
            row = await self.io.call(journal.record_foreign, charge_session_id=csid,
                                     location_id=getattr(getattr(it, "location", None), "id", None) or "",
                                     evse_uid=it.evse_uid, connector_id=str(getattr(it, "connector_id", None) or ""),
                                     state=state)
            if row is None:
                continue
            log.warning("session %s runs on %s with no owner in the journal: recorded as owner unknown",
                        csid, it.evse_uid)
            live = self.registry.add_row(row)
            self.poller.ensure(live)
            self.poller.notify(live, None)
            added.append(live)
        return added


def start_error(exc: Exception) -> StartFailed:
    from kiosk.api import errors

    if isinstance(exc, errors.ValidationFailed):
        return StartFailed(N_("The charger refused to start: the payment method or connector was not accepted. "
                              "Ask the front desk for help."), retryable=False, state="REJECTED")
    if isinstance(exc, (errors.Forbidden, errors.Unauthorized)):
        return StartFailed(N_("This kiosk is not allowed to start this charger. Ask the front desk for help."),
                           retryable=False, state="REJECTED")
    if isinstance(exc, errors.NotFound):
        return StartFailed(N_("This charger is not known to the charging service. Choose another charger."),
                           retryable=False, state="REJECTED")
    if isinstance(exc, errors.RateLimited):
        return StartFailed(N_("The charging service is busy. Wait a minute and try again."), state="ERROR")
    return StartFailed(NOT_STARTED)
