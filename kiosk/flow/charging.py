"""The charger and the start, as steps of the guest's visit: scanning or choosing a charger,
the payer, Start, its progress and its failures (best next action first), a cancel."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from kiosk.core.session import State, is_failure, parse_state

from .steps import Action, Step
from .visit import ChargerRef, Failure, Notice

log = logging.getLogger(__name__)

FAILURE_OF = {State.REJECTED: Failure.REJECTED, State.TIMEOUT: Failure.TIMEOUT,
              State.NOT_STARTED: Failure.NOT_STARTED, State.CANCELLED: Failure.CANCELLED,
              State.ERROR: Failure.ERROR}


def notice_of(exc: BaseException, key: str = "") -> Notice:
    return Notice(render=lambda: str(exc), key=key or type(exc).__name__)


class ChargerSteps:
    """Mixed into GuestFlow (uses FlowCore's state)."""

    # -- a charger ----------------------------------------------------------------------
    async def scan(self, text: str) -> None:
        """A code the camera read at Home: a guest code opens that session, a charger code
        that charger; anything else says why it was refused."""
        from kiosk.services.venue import ResolveError

        if self.step != Step.HOME or self.busy is not None:
            return
        kind = self.classify_scan(text) if self.classify_scan is not None else None
        if kind is not None and kind[0] == "guest_code":
            from kiosk.core.owncodes import split_guest_code

            evse, digits = split_guest_code(kind[1])
            if evse is None:          # an older code's QR that does not name the charger
                self.my_session()     # the guest names it and types the code
                return
            await self.submit_code(digits, evse_uid=evse, scanned=True)
            return
        if kind is not None and kind[0] == "receipt":
            self.visit.scan_reason = "receipt"
            self._changed()
            return
        gen = self._gen
        self.busy = "resolving"
        self._changed()
        try:
            loc, evse, conn = await self.venue.resolve(text)
        except ResolveError as exc:
            if gen == self._gen:
                self.busy = None
                self.visit.scan_reason = exc.reason
                self._changed()
            return
        except Exception:
            log.exception("resolving a scanned code failed")
            if gen == self._gen:
                self.busy = None
                self.visit.scan_reason = "offline"
                self._changed()
            return
        if gen != self._gen:
            return
        self.busy = None
        if not self.venue.is_ours(loc):
            self.visit.scan_reason = "foreign"
            self._changed()
            return
        await self.choose_charger(loc, evse, conn)

    async def choose_charger(self, location_id: str, evse_uid: str, connector_id: str | None = None) -> None:
        if self.step != Step.HOME:
            return
        from kiosk.services.venue import ResolveError

        v = self.visit
        v.scan_reason = None
        v.charger = ChargerRef(location_id, evse_uid, connector_id)
        v.details, v.charger_error, v.payment, v.room = None, None, "venue", None
        gen = self._gen
        self.busy = "loading"
        self._go(Step.CHARGER)
        self._changed()
        # right after start-up the session service (and hotel billing, which sets the guest's
        # price) may still be on its way: the charger is shown once they are
        if not await self._sessions_ready():
            if gen == self._gen:
                self.busy = None
                v.charger_error = "offline"
                self._changed()
            return
        if gen != self._gen:
            return
        try:
            details = await self.venue.charger(location_id, evse_uid, connector_id)
        except Exception as exc:  # noqa: BLE001
            if gen == self._gen:
                self.busy = None
                v.charger_error = exc.reason if isinstance(exc, ResolveError) else "offline"
                self._changed()
            return
        if gen == self._gen:
            self.busy = None
            v.details = details
            self._changed()

    def pay_venue(self) -> None:
        if self.step == Step.CHARGER:
            self.visit.payment, self.visit.room = "venue", None
            self.touch()
            self._changed()

    def pay_room(self) -> None:
        if self.step == Step.CHARGER and self.room_payment:
            self.visit.payment = "room"
            self._go(Step.ROOM)
            self._changed()

    async def enter_room(self, room: str) -> None:
        """The room number for room billing: checked now (the venue's list of occupied
        rooms, or its look-up), so a refusal says why on the room step, not after Start."""
        room = (room or "").strip()
        if self.step != Step.ROOM or not room or self.busy is not None:
            return
        v, gen = self.visit, self._gen
        self.busy = "checking"
        v.notice = None
        self._changed()
        try:
            checked = await self.venue.check_room(room)
        except Exception as exc:  # noqa: BLE001 - refused (RoomRefused says why) or the check failed
            if gen == self._gen:
                self.busy = None
                v.notice = notice_of(exc, "room_refused") if hasattr(exc, "msgid") else \
                    Notice(key="room_check_failed")
                self.touch()
                self._changed()
            return
        if gen != self._gen:
            return
        self.busy = None
        v.room, v.payment = checked or room, "room"
        self._go(Step.CHARGER)
        self._changed()

    # -- the start ----------------------------------------------------------------------
    async def start(self) -> None:
        """Start charging on the chosen charger (the car is plugged in: said before Start)."""
        v = self.visit
        if self.step not in (Step.CHARGER, Step.START_FAILED) or self.sessions is None:
            return
        if self.step == Step.CHARGER and Action.START not in self.exits():
            return
        if self.step == Step.START_FAILED and not v.retryable:
            return
        d = v.details
        v.key = v.code = v.view = v.failure = v.notice = None
        v.cancelled = False
        gen = self._gen
        self.busy = "starting"
        self._go(Step.STARTING)
        self._changed()
        try:
            pm = (await self.venue.room_payment_method(v.room) if v.payment == "room" and v.room
                  else d.payment_method_id or await self.venue.venue_payment_method())
            started = await self.sessions.start(d.location.id, d.evse.uid, d.connector_id, pm, tag=v.room,
                                                tariff=d.tariff_json)
        except Exception as exc:  # noqa: BLE001 - every failure is explained; none strands the guest
            if gen == self._gen:
                self._start_failed(exc)
            return
        if gen != self._gen:          # the guest cancelled, or the step timed out: nobody holds the code
            self._stop_orphan(started)
            return
        self.busy = None
        v.key, v.code, v.view = started.session.key, started.code, started.session
        self._go(Step.CODE)
        self._follow_start()

    def retry(self) -> Any:
        if self.step == Step.START_FAILED:
            return self.start()
        if self.step == Step.STOPPING:
            return self.confirm_stop(again=True)
        return None

    def cancel(self) -> None:
        """Leave the start: a session it still creates is stopped at once."""
        if self.step == Step.STARTING:
            self.visit.cancelled = True
            self._to_board()

    def _start_failed(self, exc: BaseException) -> None:
        from kiosk.services.sessions import StartFailed, StartPending

        v = self.visit
        self.busy = None
        if isinstance(exc, StartPending):
            v.failure, v.retryable = Failure.BUSY, False
        elif isinstance(exc, StartFailed):
            v.failure = FAILURE_OF.get(parse_state(exc.state), Failure.ERROR)   # type: ignore[arg-type]
            v.retryable = exc.retryable
        else:
            v.failure, v.retryable = Failure.ERROR, True
        v.notice = notice_of(exc) if hasattr(exc, "msgid") else None
        if v.notice is None:
            log.warning("start failed: %s", type(exc).__name__)
        self._go(Step.START_FAILED)
        self._changed()

    def _stop_orphan(self, started: Any) -> None:
        """A start that came back after its guest left: nobody holds its code, stop it."""
        if is_failure(started.session.state) or self.sessions is None:
            return
        log.info("stopping session %s: its guest left before the start came back", started.session.key)
        fut = asyncio.ensure_future(self.sessions.abandon(started, "its guest left before the start came back"))
        self._background.add(fut)
        fut.add_done_callback(lambda f: (self._background.discard(f), f.cancelled() or f.exception()))

    def _follow_start(self) -> None:
        """On the code step: a failed start leaves it (the code is of no use any more)."""
        v = self.visit
        state = parse_state(v.view.state) if v.view is not None else None
        if self.step == Step.CODE and state is not None and (is_failure(state)):
            v.failure = FAILURE_OF.get(state, Failure.ERROR)
            v.retryable = v.failure in (Failure.TIMEOUT, Failure.NOT_STARTED, Failure.CANCELLED, Failure.ERROR)
            v.code = None
            self._go(Step.START_FAILED)
        self._changed()

