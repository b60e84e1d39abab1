"""The poller: one task per live session asks the service for its status as the API asks
(3-5 s until CHARGING, then ``nextStatusCall`` against the server's ``Date``), applies each
answer (state, figures, costs) to the record and the journal, re-prices the live estimate,
and sends the stop (exactly one request however often it is asked for).

``Retry-After`` is honoured: after a 429 the session is not asked again before it passed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from kiosk.core.estimate import reconcile
from kiosk.core.journal import JournalUnavailable
from kiosk.core.polling import PollPolicy
from kiosk.core.session import ENDED, RUNNING, State, can_stop
from kiosk.core.tariff import quote
from kiosk.i18n import N_, Translator

from .journal_io import JournalIO
from .live import Clock, Live, Registry, ServerClock, aware, dec
from .model import SessionUpdate, StopFailed
from .views import Views

log = logging.getLogger(__name__)
_ = Translator("core")   # the domain of the N_ messages here (SessionError translates them when read)

Sleep = Callable[[float], Awaitable[Any]]
PRICED = frozenset({State.CHARGING, State.PARKING, State.STOPPING, State.COMPLETED, State.CDR_AVAILABLE})


class Poller:
    def __init__(self, client: Any, registry: Registry, io: JournalIO, views: Views, *, policy: PollPolicy,
                 server_clock: ServerClock, clock: Clock, sleep: Sleep, enabled: bool = True,
                 estimate_interval_s: float = 1.0, max_data_points: int = 200) -> None:
        self.client = client
        self.registry = registry
        self.io = io
        self.views = views
        self.policy = policy
        self.server_clock = server_clock
        self.clock = clock
        self.sleep = sleep
        self.enabled = enabled
        self.estimate_interval_s = estimate_interval_s
        self.max_data_points = max_data_points
        self.closed = False
        #: resolves an intent without a chargeSessionId (set by the start protocol)
        self.resolve: Callable[[Live], Awaitable[bool]] | None = None
        self._retry_at: dict[str, float] = {}     # key -> monotonic time before which not to ask
        #: whether this screen polls ``live`` (a venue: only while it holds the poll lease)
        self.may_poll: Callable[[Live], bool] = lambda live: True

    def notify(self, live: Live, previous: State | None) -> None:
        self.registry.notify(SessionUpdate(key=live.key, entry=self.views.entry(live),
                                           previous_state=previous.value if previous is not None else None))

    def ensure(self, live: Live) -> None:
        """Make sure ``live`` is polled (one task per session; none once final)."""
        if not self.enabled or self.closed or live.lifecycle.is_final or not self.may_poll(live):
            return
        if live.task is None or live.task.done():
            live.task = asyncio.get_running_loop().create_task(self._run(live), name=f"session-{live.key}")

    async def close(self) -> None:
        self.closed = True
        tasks = [lv.task for lv in self.registry.values() if lv.task is not None and not lv.task.done()]
        for t in tasks:
            t.cancel()
        for t in tasks:
            try:
                await t
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass

    def _rate_limited(self, live: Live, exc: Any) -> None:
        wait = getattr(exc, "retry_after", None)
        if wait:
            self._retry_at[live.key] = time.monotonic() + float(wait)

    def _delay(self, live: Live) -> float | None:
        delay = self.policy.delay(live.lifecycle.state if live.charge_session_id else State.PENDING,
                                  server_time=live.server_time, next_status_call=live.next_status_call,
                                  failures=live.failures)
        if delay is None:
            return None
        return max(delay, self._retry_at.get(live.key, 0.0) - time.monotonic())

    async def _run(self, live: Live) -> None:
        while not self.closed:
            if live.lifecycle.is_final:
                return
            delay = self._delay(live)
            if delay is None:
                return
            live.wake.clear()
            sleeper = asyncio.ensure_future(self.sleep(delay))
            waker = asyncio.ensure_future(live.wake.wait())
            try:
                done, _pending = await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waker.cancel()
            if self.closed:
                return
            replan, live.replan = live.replan, False
            if replan and sleeper not in done:
                continue   # wait for the nextStatusCall of the answer that woke us, not the old one
            if self._retry_at.get(live.key, 0.0) > time.monotonic():
                continue   # woken early: the service asked us to wait (Retry-After)
            await self.round(live)

    async def round(self, live: Live) -> None:
        """One polling round as the task runs it: :meth:`step`, and what a failure means
        (back off, Retry-After, UNKNOWN after two failures in a row). Never raises."""
        from kiosk.api import errors

        try:
            await self.step(live)
        except errors.RateLimited as exc:
            self._rate_limited(live, exc)
            live.failures += 1
        except errors.ApiError:
            live.failures += 1
            prev = live.lifecycle.state
            if live.failures >= 2 and live.lifecycle.unreachable():
                await self.io.call(self.io.journal.update, live.key, state=live.lifecycle.state,
                                   known_state=live.lifecycle.known, event="unreachable")
                self.notify(live, prev)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - never let one bad answer end the polling
            log.exception("polling session %s failed", live.key)
            live.failures += 1

    async def step(self, live: Live) -> None:
        """One round of a session's polling: look up a start whose answer was lost, or ask
        for the status; then send a stop that was asked for but has not reached the service
        (asked before a restart, while offline, or before the start was confirmed)."""
        if not live.charge_session_id:
            if self.resolve is not None:
                await self.resolve(live)
            if not live.charge_session_id:
                return
        else:
            await self.poll_once(live)
        in_flight = live.stop_task is not None and not live.stop_task.done()
        if live.stop_requested and not live.stop_sent and not in_flight and can_stop(live.lifecycle.state) \
                and live.lifecycle.state != State.UNKNOWN:
            await self._send_stop(live)

    async def poll_once(self, live: Live, *, force_estimate: bool = False) -> None:
        from kiosk.api import errors

        assert live.charge_session_id
        if self._retry_at.get(live.key, 0.0) > time.monotonic():
            raise errors.RateLimited("waiting for Retry-After", status=429)
        try:
            st = await self.client.session_status(live.charge_session_id, max_data_points=self.max_data_points)
        except errors.RateLimited as exc:
            self._rate_limited(live, exc)
            raise
        await self.apply(live, st, force_estimate=force_estimate)

    async def refresh(self, live: Live) -> None:
        """Poll now (the guest opened its screen); unreachable shows as UNKNOWN."""
        from kiosk.api import errors

        if live.charge_session_id and not live.lifecycle.is_final:
            try:
                await self.poll_once(live, force_estimate=True)
            except errors.ApiError:
                prev = live.lifecycle.state
                if live.lifecycle.unreachable():
                    self.notify(live, prev)

    # -- stop ---------------------------------------------------------------------------
    async def stop(self, live: Live, *, actor: str, reason: str) -> None:
        """Ask the service to stop ``live``: exactly one request however often this is
        called (concurrent calls share the one in flight; once it reached the service,
        polling shows the outcome). The request goes out before anything is written: with
        a full disk the car still stops (the journal entry is best effort, after it)."""
        if live.lifecycle.has_ended or live.lifecycle.state == State.STOPPING or live.stop_sent:
            return
        if not live.charge_session_id:
            # the start is still being confirmed: the stop goes out as soon as it is
            live.stop_requested = True
            await self._record_stop(live, actor, reason)
            live.wake.set()
            self.ensure(live)
            return
        if live.stop_task is None or live.stop_task.done():
            live.stop_task = asyncio.ensure_future(self._stop_once(live, actor, reason))
            live.stop_task.add_done_callback(lambda f: f.cancelled() or f.exception())
        await asyncio.shield(live.stop_task)

    async def _stop_once(self, live: Live, actor: str, reason: str) -> None:
        from kiosk.api import errors

        live.stop_requested = True
        try:
            await self._send_stop(live)
        except errors.ApiError as exc:
            if not (exc.may_have_taken_effect or isinstance(exc, errors.TransportError)):
                live.stop_requested = False     # refused: the guest is told and may try again
                raise StopFailed(N_("The charger did not accept the stop. Try again, or ask the front desk.")) \
                    from exc
            # no answer, or the service failed: it may have acted. Polling shows the outcome
            # and sends the stop again only while the session still runs.
        else:
            # the stop's answer asks for the next call soon (the end of the charge comes in
            # seconds); the polling task still waits for the charging interval (30-60 s on
            # the service), which the guest would spend on the Stopping screen
            live.replan = True
        finally:
            live.wake.set()
            self.ensure(live)
            await self._record_stop(live, actor, reason)

    async def _send_stop(self, live: Live) -> None:
        from kiosk.api import errors

        assert live.charge_session_id
        try:
            st = await self.client.stop_session(live.charge_session_id)
        except errors.ApiError as exc:
            if exc.may_have_taken_effect or isinstance(exc, errors.TransportError):
                live.stop_sent = False     # unknown: the next poll that still sees it running sends it
            raise
        live.stop_sent = True
        await self.apply(live, st)

    async def _record_stop(self, live: Live, actor: str, reason: str) -> None:
        try:
            await self.io.call(self.io.journal.update, live.key, stop_requested_at=self.clock(),
                               event="stop_request", detail={"actor": actor, "reason": reason})
        except Exception:  # noqa: BLE001 - the stop went out; the record is best effort
            log.error("stop of %s sent but not recorded in the journal (disk full, read-only, or the venue database away)",
                      live.key)

    # -- answers ------------------------------------------------------------------------
    async def apply(self, live: Live, st: Any, *, force_estimate: bool = False) -> None:
        """Apply one status answer to the record, the journal and the subscribers."""
        live.failures = 0
        self.server_clock.saw(getattr(st, "server_time", None))
        prev = live.lifecycle.state
        changed = live.lifecycle.apply(getattr(st, "status", None))
        state = live.lifecycle.state
        if live.lifecycle.is_final and live.finished_local is None:
            live.finished_local = self.clock()   # with the state: a reader never sees one without the other
        live.server_time = aware(getattr(st, "server_time", None)) or live.server_time
        live.next_status_call = aware(getattr(st, "next_status_call", None))
        energy = dec(getattr(st, "energy_in_kwh", None))
        if energy is not None:
            live.energy_kwh = energy
        live.power_kw = dec(getattr(st, "current_power_in_kw", None))
        if state in ENDED:
            live.power_kw = Decimal(0) if live.power_kw is None else live.power_kw
        soc = dec(getattr(st, "state_of_charge", None))
        if soc is not None:
            live.soc = soc
        start_time = aware(getattr(st, "start_time", None))
        if start_time is not None:
            live.started_at = start_time
        end_time = aware(getattr(st, "end_time", None))
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
            fields["estimate_json"] = _quote_json(live.estimate)
        events = self._costs(live, st, state, fields)
        event, detail = ("status", {"status": state.value}) if changed else (None, None)
        # one submission, with no await since the lifecycle changed: a journal read issued
        # after this point (e.g. start()'s open_on_evse) sees the new state
        try:
            await self.io.call(_persist, self.io.journal, live.key, events, event, detail, fields)
        except JournalUnavailable as exc:  # a full disk, a database away: the guest's screen goes on
            log.error("journal write for %s failed (%s): the kiosk goes on from memory", live.key, exc.reason)
        except Exception:  # noqa: BLE001 - a full or failing disk must not freeze what the guest sees
            log.error("journal write for %s failed (disk full or read-only?): the kiosk goes on from memory",
                      live.key, exc_info=True)
        if live.lifecycle.is_final:
            live.release(self.registry.tz)
        self.notify(live, prev if changed else None)
        if observed and live.tariff is not None and live.total_costs is None and state in PRICED:
            await self.estimate(live, force=force_estimate or changed or state not in RUNNING)

    async def persist(self, live: Live) -> None:
        """Write what this screen knows of ``live`` again, in one update (the venue
        database was away while answers came: the other screens read it from the journal)."""
        state = live.lifecycle.state
        fields: dict[str, Any] = dict(state=state, known_state=live.lifecycle.known, energy_kwh=live.energy_kwh,
                                      power_kw=live.power_kw, soc=live.soc, started_at=live.started_at,
                                      ended_at=live.ended_at, error_message=live.error_message)
        if live.charge_session_id:
            fields.update(charge_session_id=live.charge_session_id, start_phase=live.start_phase)
        if live.estimate is not None:
            fields["estimate_json"] = _quote_json(live.estimate)
        if live.total_costs is not None:
            est = live.estimate.incl_vat if live.estimate is not None else None
            fields["final_json"] = json.dumps({
                "total_costs": str(live.total_costs), "total_vat": _s(live.total_vat),
                "vat_percentage": _s(live.vat_percentage), "currency": live.currency,
                "receipt_number": live.receipt_number, "estimate_incl_vat": _s(est), "difference": _s(live.difference)})
        await self.io.call(self.io.journal.update, live.key, event="resync", detail={"status": state.value}, **fields)

    @staticmethod
    def _costs(live: Live, st: Any, state: State, fields: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        total = dec(getattr(st, "total_costs", None))
        receipt = getattr(st, "receipt_number", None)
        events: list[tuple[str, dict[str, Any]]] = []
        if total is None or not (live.total_costs is None or state == State.CDR_AVAILABLE):
            return events
        first = live.total_costs is None
        live.total_costs = total
        live.total_vat = dec(getattr(st, "total_vat", None))
        live.vat_percentage = dec(getattr(st, "vat_percentage", None))
        live.currency = getattr(st, "currency", None) or live.currency
        live.receipt_number = receipt or live.receipt_number
        est = live.estimate.incl_vat if live.estimate is not None else None
        live.difference = reconcile(est, total)
        fields["final_json"] = json.dumps({
            "total_costs": str(total), "total_vat": _s(live.total_vat), "vat_percentage": _s(live.vat_percentage),
            "currency": live.currency, "receipt_number": live.receipt_number, "estimate_incl_vat": _s(est),
            "difference": _s(live.difference)})
        if first:
            events.append(("reconciled", {"total_costs": str(total), "estimate_incl_vat": _s(est),
                                          "difference": _s(live.difference)}))
        if receipt:
            events.append(("receipt", {"receipt_number": receipt}))
        return events

    async def estimate(self, live: Live, *, force: bool = False) -> None:
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
        try:
            await self.io.call(self.io.journal.update, live.key, estimate_json=_quote_json(q))
        except Exception:  # noqa: BLE001 - the estimate still shows
            log.error("journal write of the estimate for %s failed", live.key)
        self.notify(live, None)


def _persist(journal: Any, key: str, events: list[tuple[str, dict[str, Any]]], event: str | None, detail: Any,
             fields: dict[str, Any]) -> None:
    for kind, data in events:
        journal.add_event(key, kind, data)
    journal.update(key, event=event, detail=detail, **fields)


def _quote_json(q: Any) -> str:
    return json.dumps({"currency": q.currency, "incl": str(q.incl_vat), "excl": str(q.excl_vat)})


def _s(v: Any) -> str | None:
    return None if v is None else str(v)
