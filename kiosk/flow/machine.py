"""``GuestFlow``: the guest's visit as one Qt-free state machine.

The flow holds the current :class:`~kiosk.flow.steps.Step` and the :class:`Visit`, calls
the services, and tells its listeners after every change. Screens draw ``flow.step`` with
``flow.visit`` and forward taps to the flow's actions; the flow alone decides where to go.

Rules it keeps (and ``tests/flow`` checks after every generated step):
- every step but Home times out to Home (and Home too while it holds a guest's language);
  ``touch()`` restarts the countdown; ``warning()`` tells the UI when to ask "Still there?";
- a result that comes back after its visit ended (the guest left, the step timed out) is
  dropped, never shown to whoever stands there now; a start that comes back after its
  guest cancelled or left is stopped;
- "Try again" exists only on the failed start's own step, which times out to Home;
- every step offers a way out (:meth:`exits`); the step shown agrees with the session's
  state (a failed start leaves the code step, an ended session leaves Stopping).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from kiosk.core.session import State, has_ended, is_failure, parse_state

from .ports import Sessions, Venue
from .steps import SPECS, Action, Step, Timings
from .visit import ChargerRef, Failure, Notice, Progress, Visit

log = logging.getLogger(__name__)

ScanClassifier = Callable[[str], "tuple[str, str] | None"]
_FAILURES = {State.REJECTED: Failure.REJECTED, State.TIMEOUT: Failure.TIMEOUT,
             State.NOT_STARTED: Failure.NOT_STARTED, State.CANCELLED: Failure.CANCELLED,
             State.ERROR: Failure.ERROR}


def _notice(exc: BaseException, key: str = "") -> Notice:
    return Notice(render=lambda: str(exc), key=key or type(exc).__name__)


class GuestFlow:
    def __init__(self, venue: Venue, sessions: Sessions | None = None, *, timings: Timings | None = None,
                 now: Callable[[], float] = time.monotonic, default_language: str = "en",
                 room_payment: bool = False, classify_scan: ScanClassifier | None = None) -> None:
        self.venue = venue
        self.sessions: Sessions | None = None
        self.timings = timings or Timings()
        self.now = now
        self.default_language = default_language
        self.room_payment = room_payment
        self.classify_scan = classify_scan
        self.step = Step.HOME
        self.visit = Visit(language=default_language)
        self.busy: str | None = None            # "loading", "resolving", "starting", "checking", "stopping"
        self._gen = 0                           # the visit's number: results of older visits are dropped
        self._listeners: list[Callable[[], Any]] = []
        self._deadline: float | None = None
        self._entered = now()
        self._background: set[asyncio.Future[Any]] = set()
        self._unsubscribe: Callable[[], None] | None = None
        if sessions is not None:
            self.attach_sessions(sessions)

    # -- wiring -------------------------------------------------------------------------
    def attach_sessions(self, sessions: Sessions) -> None:
        """The session service (it comes after the first frame) and its updates."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.sessions = sessions
        self._unsubscribe = sessions.subscribe(self.on_update)

    def subscribe(self, callback: Callable[[], Any]) -> Callable[[], None]:
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _changed(self) -> None:
        for cb in list(self._listeners):
            try:
                cb()
            except Exception:  # a broken screen must not break the flow
                log.exception("flow listener failed")

    def _go(self, step: Step) -> None:
        self.step = step
        self._entered = self.now()
        self._arm()

    # -- time ---------------------------------------------------------------------------
    def timeout_s(self, step: Step | None = None) -> float | None:
        step = step or self.step
        spec = SPECS[step]
        if step == Step.HOME:   # Home holds nothing of a guest but a language or contrast they chose
            return self.timings.idle_s if self.visit.chose_something(self.default_language) else None
        return getattr(self.timings, spec.timeout) if spec.timeout else None

    def _arm(self) -> None:
        t = self.timeout_s()
        self._deadline = None if t is None else self.now() + t

    def touch(self) -> None:
        """The guest did something: restart the countdown (not a start's bounded wait)."""
        if self.step != Step.STARTING:
            self._arm()

    def remaining(self) -> float | None:
        """Seconds until this step times out (None: it does not)."""
        return None if self._deadline is None else max(0.0, self._deadline - self.now())

    def warning(self) -> float | None:
        """Seconds left while the step warns before timing out, else None."""
        left = self.remaining()
        spec = SPECS[self.step]
        warn = getattr(self.timings, spec.warn) if spec.warn else (self.timings.warn_s if self.step == Step.HOME
                                                                   else None)
        if left is None or warn is None or left > warn:
            return None
        return left

    def waited(self) -> float:
        """Seconds since the current step was entered."""
        return self.now() - self._entered

    def tick(self) -> None:
        """Call about once a second: timeouts and bounded waits."""
        left = self.remaining()
        if left is not None and left <= 0:
            if self.step == Step.STARTING:
                log.warning("the start did not come back in %.0f s", self.timings.start_wait_s)
                self.visit.cancelled = True
            log.info("step %s timed out: back to Home for the next guest", self.step.value)
            self.home()
            return
        v = self.visit
        if self.step == Step.STOPPING and v.notice is None and self.busy is None \
                and self.waited() >= self.timings.stop_wait_s:
            v.notice = Notice(error=False, key="stop_unconfirmed")
            self._changed()
        elif self.step == Step.RECEIPT and v.notice is None and not getattr(v.receipt, "final", False) \
                and self.waited() >= self.timings.receipt_wait_s:
            v.notice = Notice(error=False, key="receipt_later")
            self._changed()

    # -- what the guest can do now --------------------------------------------------------
    def exits(self) -> set[Action]:
        s, v = self.step, self.visit
        spec = SPECS[s].exits
        if s == Step.CHARGER:
            out = {Action.BACK, Action.LANGUAGE}
            d = v.details
            if v.charger_error or (d is not None and d.unusable is not None):
                out.add(Action.OTHER_CHARGER)
            if d is not None and d.unusable is None:
                out |= {Action.PAY_VENUE} | ({Action.PAY_ROOM} if self.room_payment else set())
                if self.busy is None and (v.payment == "venue" or v.room):
                    out.add(Action.START)
            return out
        if s == Step.START_FAILED:
            return {Action.OTHER_CHARGER, Action.HOME} | ({Action.RETRY} if v.retryable else set())
        if s == Step.CODE_ENTRY:
            return {Action.BACK, Action.SHOW_CODE} | ({Action.SUBMIT_CODE} if self.busy is None else set())
        if s == Step.LIVE:
            out = {Action.DONE}
            if v.view is not None and v.view.can_stop:
                out.add(Action.STOP)
            if v.view is not None and v.view.has_ended:
                out.add(Action.RECEIPT)
            return out
        if s == Step.STOPPING:
            out = {Action.DONE}
            if v.notice is not None:
                out.add(Action.BACK)
                if v.notice.error:
                    out.add(Action.RETRY)
            return out
        return set(spec)

    def progress(self) -> Progress:
        """The start's progress as the code screen shows it."""
        view = self.visit.view
        if view is None:
            return Progress.SENDING
        state = parse_state(view.state)
        if state == State.UNKNOWN:
            state = parse_state(view.known_state)
            if state in (None, State.PENDING):
                return Progress.CONFIRMING
        return {State.PENDING: Progress.SENDING, State.REQUESTED: Progress.REQUESTED,
                State.STARTING: Progress.ACCEPTED}.get(state, Progress.CHARGING)  # type: ignore[arg-type]

    # -- navigation ---------------------------------------------------------------------
    def home(self) -> None:
        """Forget the visit (a new guest): Home in the default language."""
        self._gen += 1
        self.visit = Visit(language=self.default_language)
        self.busy = None
        self._go(Step.HOME)
        self._changed()

    def done(self) -> None:
        self.home()

    def noted(self) -> None:
        if self.step == Step.CODE:
            self.home()

    def set_language(self, lang: str) -> None:
        self.visit.language = lang
        self.touch()
        if self.step == Step.HOME:
            self._arm()
        self._changed()

    def set_high_contrast(self, on: bool | None) -> None:
        """The guest's own contrast (Home's toggle), forgotten with the visit."""
        self.visit.high_contrast = on
        self.touch()
        if self.step == Step.HOME:
            self._arm()
        self._changed()

    def back(self) -> None:
        s = self.step
        if s == Step.ROOM:
            if not self.visit.room:
                self.visit.payment = "venue"
            self._go(Step.CHARGER)
        elif s in (Step.CHARGER, Step.CODE_ENTRY):
            self._to_board()
            return
        elif s in (Step.STOPPING, Step.STOP_CONFIRM):
            self.visit.notice = None
            self._go(Step.LIVE)
        else:
            return
        self._changed()

    def other_charger(self) -> None:
        """Back to the board for another charger: same guest, same language."""
        if self.step in (Step.CHARGER, Step.START_FAILED):
            self._to_board()

    def _to_board(self) -> None:
        """Home for the same guest: a new visit that keeps their language and contrast."""
        lang, contrast = self.visit.language, self.visit.high_contrast
        self.home()
        if lang != self.default_language or contrast is not None:
            self.visit.language, self.visit.high_contrast = lang, contrast
            self._arm()
            self._changed()

    def my_session(self) -> None:
        if self.step == Step.HOME:
            self.visit.notice = None
            self._go(Step.CODE_ENTRY)
            self._changed()

    def show_code(self, on: bool) -> None:
        if self.step == Step.CODE_ENTRY:
            self.visit.show_code = bool(on)
            self.touch()
            self._changed()

    # -- a charger ----------------------------------------------------------------------
    async def scan(self, text: str) -> None:
        """A code the camera read at Home: a guest code opens that session, a charger code
        that charger; anything else says why it was refused."""
        from kiosk.services.venue import ResolveError

        if self.step != Step.HOME or self.busy is not None:
            return
        kind = self.classify_scan(text) if self.classify_scan is not None else None
        if kind is not None and kind[0] == "guest_code":
            await self.submit_code(kind[1], scanned=True)
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
        except Exception:  # noqa: BLE001 - an unexpected failure is the same as no answer
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

    def enter_room(self, room: str) -> None:
        room = (room or "").strip()
        if self.step == Step.ROOM and room:
            self.visit.room, self.visit.payment = room, "room"
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
            v.failure = _FAILURES.get(parse_state(exc.state), Failure.ERROR)   # type: ignore[arg-type]
            v.retryable = exc.retryable
        else:
            v.failure, v.retryable = Failure.ERROR, True
        v.notice = _notice(exc) if hasattr(exc, "msgid") else None
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
            v.failure = _FAILURES.get(state, Failure.ERROR)
            v.retryable = v.failure in (Failure.TIMEOUT, Failure.NOT_STARTED, Failure.CANCELLED, Failure.ERROR)
            v.code = None
            self._go(Step.START_FAILED)
        self._changed()

    # -- the guest's session --------------------------------------------------------------
    async def submit_code(self, code: str, *, scanned: bool = False) -> None:
        """Open the session of ``code`` (typed on "My session", or its QR scanned at Home)."""
        from kiosk.services.sessions import SessionError

        if self.sessions is None or self.busy is not None:
            return
        if self.step != (Step.HOME if scanned else Step.CODE_ENTRY):
            return
        gen = self._gen
        self.busy = "checking"
        self.visit.notice = None
        self._changed()
        try:
            view = await self.sessions.attach(code)
        except SessionError as exc:
            if gen == self._gen:
                self.busy = None
                if scanned:
                    self.visit.scan_reason = "code"
                self.visit.notice = _notice(exc, "wrong_code")
                self.touch()
                self._changed()
            return
        if gen != self._gen:
            return
        self.busy = None
        self.visit.code, self.visit.key, self.visit.view = code, view.key, view
        self.visit.show_code = False
        self._go(Step.LIVE)
        self._changed()
        key = view.key
        fut = asyncio.ensure_future(self.sessions.refresh(key))   # the newest state for the guest
        self._background.add(fut)
        fut.add_done_callback(lambda f: (self._background.discard(f), f.cancelled() or f.exception()))

    def stop(self) -> None:
        if self.step == Step.LIVE and Action.STOP in self.exits():
            self._go(Step.STOP_CONFIRM)
            self._changed()

    def keep_charging(self) -> None:
        if self.step == Step.STOP_CONFIRM:
            self._go(Step.LIVE)
            self._changed()

    async def confirm_stop(self, *, again: bool = False) -> None:
        """Send the stop (once: a second tap finds the step already left)."""
        from kiosk.services.sessions import SessionError

        v = self.visit
        if self.sessions is None or v.code is None:
            return
        if not (self.step == Step.STOP_CONFIRM or (again and self.step == Step.STOPPING and self.busy is None)):
            return
        gen = self._gen
        self.busy = "stopping"
        v.notice = None
        self._go(Step.STOPPING)
        self._changed()
        try:
            view = await self.sessions.stop(v.code)
        except SessionError as exc:
            if gen == self._gen:
                self.busy = None
                v.notice = _notice(exc, "stop_failed")
                self._changed()
            return
        except Exception as exc:  # noqa: BLE001
            log.warning("stop failed: %s", type(exc).__name__)
            if gen == self._gen:
                self.busy = None
                v.notice = _notice(exc, "stop_failed")
                self._changed()
            return
        if gen != self._gen:
            return
        self.busy = None
        v.stop_sent = True
        v.view = view
        self._after_stop()

    def _after_stop(self) -> None:
        v = self.visit
        if self.step == Step.STOPPING and v.view is not None and has_ended(v.view.state):
            self._open_receipt()
            return
        self._changed()

    def show_receipt(self) -> None:
        if self.step == Step.LIVE and Action.RECEIPT in self.exits():
            self._open_receipt()

    def _open_receipt(self) -> None:
        v = self.visit
        self._go(Step.RECEIPT)
        v.notice = None
        self._load_receipt()
        self._changed()

    def _load_receipt(self) -> None:
        v = self.visit
        if self.sessions is None or v.key is None:
            return
        try:
            v.receipt = self.sessions.receipt(v.key, code=v.code)
        except Exception as exc:  # noqa: BLE001 - the screen says it is being prepared
            log.info("receipt not available yet: %s", type(exc).__name__)

    # -- the service's updates ------------------------------------------------------------
    def on_update(self, update: Any) -> None:
        """A session changed (called by the session service on the event loop)."""
        v = self.visit
        if v.key is None or update.key != v.key or v.code is None or self.sessions is None:
            return
        try:
            v.view = self.sessions.attach_known(v.code)
        except Exception:  # noqa: BLE001 - the code was reissued by an attendant: it no longer opens it
            log.info("the guest's code no longer opens session %s", v.key)
            self.home()
            return
        if self.step == Step.CODE:
            self._follow_start()
        elif self.step == Step.STOPPING and self.busy is None:
            self._after_stop()
        elif self.step == Step.RECEIPT:
            self._load_receipt()
            self._changed()
        elif self.step in (Step.LIVE, Step.STOP_CONFIRM):
            if self.step == Step.STOP_CONFIRM and not v.view.can_stop:
                self._go(Step.LIVE)   # it ended meanwhile: nothing to confirm any more
            self._changed()
