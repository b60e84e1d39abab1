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
from datetime import timedelta
from typing import Any

from kiosk.core.journal import EvseBusy
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

    async def start(self, location_id: str, evse_uid: str, connector_id: str, payment_method_id: str,
                    tag: str | None = None, *, tariff: dict | None = None) -> StartedSession:
        from kiosk.api import errors

        if evse_uid in self._starting:
            raise StartPending(N_("This charger is already being started. Wait a moment."))
        self._starting.add(evse_uid)
        journal = self.io.journal
        try:
            other = await self.io.call(journal.open_on_evse, evse_uid)  # after every issued write
            if other is not None and not other.charge_session_id:
                # an earlier start on this EVSE lost its answer: look before starting again
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
                                         tag=(tag or None), code_hash=code_hash, tariff_json=tariff_json)
            except EvseBusy:
                raise StartPending(BUSY) from None
            server_now = self.server_clock.now()
            if server_now is not None:
                await self.io.call(journal.update, row.key, intent_server_at=server_now)
            live = self.registry.add_row(row)    # the row as created (no read on the loop)
            live.intent_server_at = server_now
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
                await self.io.call(journal.record_started, row.key, csid)
                live.charge_session_id = csid
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

    async def resolve(self, live: Live, *, settle: bool = False) -> bool:
        """Look for the session a start with a lost answer may have created; adopt it.

        Returns True when adopted, False when the service has none (the intent is closed).
        Raises ApiError when the service cannot be asked.
        """
        if live.charge_session_id:
            return True
        journal = self.io.journal
        age = (self.clock() - live.created_at).total_seconds() * self.time_scale
        if age < self.settle_s:
            await self.sleep((self.settle_s - age) / self.time_scale)
        known = {r.charge_session_id for r in await self.io.call(journal.sessions) if r.charge_session_id}
        date_from = None
        if live.intent_server_at is not None:
            date_from = live.intent_server_at - timedelta(seconds=120)
        items = await self.client.session_history(date_from=date_from, statuses=[st.value for st in API_STATES],
                                                  sort_desc=True)
        for it in items or []:
            csid = getattr(it, "charge_session_id", None)
            if not csid or csid in known or getattr(it, "evse_uid", None) != live.evse_uid:
                continue
            st = aware(getattr(it, "start_time", None))
            if live.intent_server_at is not None and st is not None and \
                    st < live.intent_server_at - timedelta(seconds=60):
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
        await self.io.call(journal.close_not_started, live.key, "no session found in the service's history")
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
