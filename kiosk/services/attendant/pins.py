"""Changing the attendant PIN: the rules a new PIN must meet and the three-step change."""

from __future__ import annotations

import asyncio
from typing import Any

from kiosk.i18n import Translator

from .common import DeskError

_ = Translator("attendant")


PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 12     # what the shell's PIN screen keypad takes


class PinChangeError(DeskError):
    """A step of the PIN change was refused; ``str()`` says what to do next."""


def is_trivial_pin(pin: str) -> bool:
    """One digit repeated (``0000``) or a run up or down, wrapping round (``1234``, ``9876``,
    ``7890``): the first PINs anyone tries."""
    if not pin or not pin.isascii() or not pin.isdigit():
        return False
    digits = [int(c) for c in pin]
    if len(set(digits)) == 1:
        return True
    steps = {(b - a) % 10 for a, b in zip(digits, digits[1:], strict=False)}
    return steps in ({1}, {9})


def pin_problem(new_pin: str, current_pin: str | None = None) -> str | None:
    """Why ``new_pin`` cannot be the attendant PIN (translated, says what to do), or None."""
    pin = new_pin or ""
    if not pin.isascii() or not pin.isdigit():
        return _("A PIN has digits only. Enter the new PIN again.")
    if len(pin) < PIN_MIN_DIGITS:
        return _("A PIN has at least {n} digits. Enter a longer PIN.", n=PIN_MIN_DIGITS)
    if len(pin) > PIN_MAX_DIGITS:
        return _("A PIN has at most {n} digits. Enter a shorter PIN.", n=PIN_MAX_DIGITS)
    if current_pin is not None and pin == current_pin:
        return _("That is the current PIN. Choose a different one.")
    if is_trivial_pin(pin):
        return _("That PIN is too easy to guess (one digit repeated or a run like 1234). Choose another.")
    return None


class PinChange:
    """Changing the attendant PIN in three steps: the current PIN, the new PIN, the new
    PIN again. The widget passes each keypad entry to :meth:`submit`.

    - The current PIN is checked with ``SessionService.attendant_login``: a wrong one counts
      towards the same persisted lockout as the PIN screen, so an unattended open desk is
      no way to guess the PIN. (The audit log shows that check as a login.)
    - The new PIN goes through :func:`pin_problem`, then ``SessionService.set_attendant_pin``
      (scrypt hash in the journal, audited as ``attendant.pin_change`` without the PIN).
    - Hashing (scrypt, tens of ms) runs on a worker thread, not on the UI's loop.
    - The PINs live only in this object and are dropped when done or cancelled.
    """

    CURRENT, NEW, REPEAT, DONE = "current", "new", "repeat", "done"

    def __init__(self, sessions: Any, attendant: Any) -> None:
        self.sessions = sessions
        self.attendant = attendant
        self.step = self.CURRENT
        self._current: str | None = None
        self._new: str | None = None

    def cancel(self) -> None:
        self._current = self._new = None
        self.step = self.CURRENT

    async def submit(self, pin: str) -> str:
        """Handle one entry; returns the next step. Raises :class:`PinChangeError` with
        the reason (the step to repeat is then :attr:`step`)."""
        from kiosk.services.sessions import SessionError

        if self.attendant is None:
            self.cancel()
            raise PinChangeError(_("Enter the attendant PIN first."))
        pin = pin or ""
        if self.step == self.CURRENT:
            try:
                check = await asyncio.to_thread(self.sessions.attendant_login, pin, name=self.attendant.name)
            except SessionError as exc:     # wrong PIN (attempts left) or locked for a while
                raise PinChangeError(str(exc)) from None
            logout = getattr(self.sessions, "attendant_logout", None)
            if logout is not None:
                logout(check)               # that login was only a check: the desk keeps its own
            self._current = pin
            self.step = self.NEW
        elif self.step == self.NEW:
            problem = pin_problem(pin, self._current)
            if problem:
                raise PinChangeError(problem)
            self._new = pin
            self.step = self.REPEAT
        elif self.step == self.REPEAT:
            if pin != self._new:
                self._new = None
                self.step = self.NEW
                raise PinChangeError(_("The two new PINs were not the same. Enter the new PIN again, twice."))
            try:
                await asyncio.to_thread(self.sessions.set_attendant_pin, self.attendant, pin)
            except SessionError as exc:
                self.cancel()
                raise PinChangeError(str(exc)) from None
            self._current = self._new = None
            self.step = self.DONE
        return self.step


