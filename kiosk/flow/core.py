"""The core of :class:`~kiosk.flow.machine.GuestFlow`: its state (the step, the visit, what
is busy), its listeners, its clock (timeouts, the warning before them, bounded waits), the
exits a step offers, and the navigation that needs no service."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from kiosk.core.session import State, parse_state

from .ports import Sessions, Venue
from .steps import SPECS, Action, Step, Timings
from .visit import Notice, Progress, Visit

log = logging.getLogger(__name__)

ScanClassifier = Callable[[str], "tuple[str, str] | None"]


class FlowCore:
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
        self._sessions_coming = False           # expect_sessions(): a tap before it waits for it
        self._sessions_here: asyncio.Event | None = None
        if sessions is not None:
            self.attach_sessions(sessions)

    # -- wiring -------------------------------------------------------------------------
    def attach_sessions(self, sessions: Sessions) -> None:
        """The session service (it comes after the first frame) and its updates."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.sessions = sessions
        self._unsubscribe = sessions.subscribe(self.on_update)
        if self._sessions_here is not None:
            self._sessions_here.set()

    #: how long a guest's tap waits for a session service that is still coming (the kiosk
    #: starts it right after the board; a venue database at the far end of a slow network)
    SESSIONS_WAIT_S = 20.0

    def expect_sessions(self) -> None:
        """The session service comes later (the kiosk fills its board first): a charger
        opened or a code typed before it waits for it, showing that it is busy, instead of
        being dropped (and a charger's price waits for hotel billing, wired in with it)."""
        self._sessions_coming = True

    async def _sessions_ready(self) -> bool:
        """True once the session service is there: at once when it is, after a wait when it
        is coming, False when none comes (in time)."""
        if self.sessions is not None:
            return True
        if not self._sessions_coming:
            return False
        if self._sessions_here is None:
            self._sessions_here = asyncio.Event()
        try:
            async with asyncio.timeout(self.SESSIONS_WAIT_S):     # (not wait_for: see billing's outbox)
                await self._sessions_here.wait()
        except TimeoutError:
            log.warning("a guest's tap waited %.0f s for the session service in vain", self.SESSIONS_WAIT_S)
        return self.sessions is not None

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
            if d is not None and str(d.unusable) == "IN_USE_HERE":
                out.add(Action.MY_SESSION)        # "this is my car": see or stop it
            if d is not None and d.unusable is None:
                out |= {Action.PAY_VENUE} | ({Action.PAY_ROOM} if self.room_payment else set())
                if self.busy is None and (v.payment == "venue" or v.room):
                    out.add(Action.START)
            return out
        if s == Step.START_FAILED:
            return {Action.OTHER_CHARGER, Action.HOME} | ({Action.RETRY} if v.retryable else set())
        if s == Step.CODE_ENTRY:
            if v.code_evse is None:
                return {Action.BACK, Action.CHOOSE_CHARGER}
            return {Action.BACK, Action.CHOOSE_CHARGER, Action.SHOW_CODE} | (
                {Action.SUBMIT_CODE} if self.busy is None else set())
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

    def my_session(self, evse_uid: str | None = None) -> None:
        """"My session": the guest names their charger (``evse_uid`` when they tapped "this
        is my car" on its screen), then types the code."""
        if self.step in (Step.HOME, Step.CHARGER):
            if self.step == Step.CHARGER:
                self._to_board()
            self.visit.notice = None
            self.visit.code_evse = evse_uid
            self._go(Step.CODE_ENTRY)
            self._changed()

    def choose_code_charger(self, evse_uid: str | None) -> None:
        """On "My session": the charger the guest's car is at (None: choose again)."""
        if self.step == Step.CODE_ENTRY and self.busy is None:
            self.visit.code_evse = evse_uid
            self.visit.notice = None
            self.visit.show_code = False
            self.touch()
            self._changed()

    def show_code(self, on: bool) -> None:
        if self.step == Step.CODE_ENTRY:
            self.visit.show_code = bool(on)
            self.touch()
            self._changed()

