"""The guest's own session, as steps of the visit: opening it with the code (typed or its
QR scanned), the live view, the stop (asked, then sent once), the receipt, and the
service's updates that move these steps."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from kiosk.core.session import has_ended

from .charging import notice_of
from .steps import Action, Step
from .visit import Notice

log = logging.getLogger(__name__)


class SessionSteps:
    """Mixed into GuestFlow (uses FlowCore's state)."""

    # -- the guest's session --------------------------------------------------------------
    async def submit_code(self, code: str, *, evse_uid: str | None = None, scanned: bool = False) -> None:
        """Open the session of ``code`` at the charger the guest named (typed on "My
        session"), or at the one its QR names (scanned at Home)."""
        from kiosk.services.sessions import SessionError

        if self.busy is not None:
            return
        if self.step != (Step.HOME if scanned else Step.CODE_ENTRY):
            return
        evse_uid = evse_uid or self.visit.code_evse
        if evse_uid is None:
            return
        gen = self._gen
        self.busy = "checking"
        self.visit.notice = None
        self._changed()
        if not await self._sessions_ready():     # right after start-up: it may be on its way
            if gen == self._gen:
                self.busy = None
                if scanned:
                    self.visit.scan_reason = "offline"
                self.visit.notice = Notice(key="offline")
                self._changed()
            return
        if gen != self._gen:
            return
        try:
            view = await self.sessions.attach(code, evse_uid)
        except SessionError as exc:
            if gen == self._gen:
                self.busy = None
                if scanned:
                    self.visit.scan_reason = "code"
                self.visit.notice = notice_of(exc, "wrong_code")
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
                v.notice = notice_of(exc, "stop_failed")
                self._changed()
            return
        except Exception as exc:  # noqa: BLE001
            log.warning("stop failed: %s", type(exc).__name__)
            if gen == self._gen:
                self.busy = None
                v.notice = notice_of(exc, "stop_failed")
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

