"""Attendant authentication: the PIN (scrypt, stored in the journal), its lockout, the
tokens of logged-in attendants (memory only) and the audit log.

The lockout slows guessing and decays: three wrong PINs lock for 30 s, each further one
twice as long (at most 15 min), and after a quiet quarter of an hour past the lock the
count starts again, so a passer-by who tries one PIN an hour never keeps staff out.
Checks are serialised (a lock around read, verify and count), so concurrent checks are
each counted.

``login``/``set_pin`` are synchronous (a PIN scrypt takes ~50 ms): callers on the event
loop run them with ``asyncio.to_thread`` as ``kiosk.services.attendant`` does.
"""

from __future__ import annotations

import logging
import secrets
import threading
from typing import Any

from kiosk.core.ownership import Lockout, hash_secret, verify_secret
from kiosk.i18n import N_, Translator

from .live import Clock
from .model import Attendant, AttendantLocked, AuditEntry, NotAllowed, SessionError, WrongPin

PIN_KEY = "attendant_pin_hash"
LOCKOUT_KEY = "attendant_lockout"
LOCKED = N_("Too many wrong PINs. Try again in {seconds} seconds.")

log = logging.getLogger(__name__)
_ = Translator("core")   # the domain of the N_ messages here (SessionError translates them when read)



class AttendantAuth:
    def __init__(self, journal: Any, clock: Clock, initial_pin: str | None = None) -> None:
        self.journal = journal
        self.clock = clock
        self._tokens: set[str] = set()
        self._lock = threading.Lock()      # login runs on worker threads (asyncio.to_thread)
        self.write_errors = 0              # journal writes that failed (a full disk): diagnostics
        self._lo = Lockout(free_attempts=3, base_s=30.0, max_s=900.0, forget_after_s=900.0).load(
            journal.kv_get(LOCKOUT_KEY))
        self._pin_hash = journal.kv_get(PIN_KEY)
        if initial_pin and not self._pin_hash:
            self._pin_hash = hash_secret(initial_pin, strong=True)
            self._write(journal.kv_set, PIN_KEY, self._pin_hash)

    def _lockout(self) -> Lockout:
        """The lockout; on a venue's shared journal read again each time (wrong PINs at any
        screen count, a PIN changed at one screen works at all)."""
        if getattr(self.journal, "shared", False):
            try:
                self._lo = Lockout(free_attempts=3, base_s=30.0, max_s=900.0, forget_after_s=900.0).load(
                    self.journal.kv_get(LOCKOUT_KEY))
                self._pin_hash = self.journal.kv_get(PIN_KEY) or self._pin_hash
            except Exception:  # noqa: BLE001 - the database away: what this screen knows
                log.warning("attendant: the venue's lockout could not be read; using this screen's")
        return self._lo

    def _write(self, fn: Any, *args: Any) -> None:
        """A journal write that must not decide whether staff get in: on a full or read-only
        disk it is logged and counted (the lockout and the PIN are kept in memory)."""
        try:
            fn(*args)
        except Exception:  # noqa: BLE001
            self.write_errors += 1
            log.error("attendant: journal write failed (disk full or read-only?): %s", getattr(fn, "__name__", fn))

    def login(self, pin: str, *, name: str = "attendant") -> Attendant:
        """Verify the PIN. Raises WrongPin or AttendantLocked (growing delay, persisted so
        a restart does not reset it)."""
        with self._lock:
            return self._login(pin, name)

    def _login(self, pin: str, name: str) -> Attendant:
        now = self.clock()
        lo = self._lockout()
        wait = lo.remaining(now)
        if wait > 0:
            raise AttendantLocked(LOCKED, until=lo.locked_until, wait_s=wait, seconds=int(wait) + 1)
        stored = self._pin_hash
        if stored is None:
            raise NotAllowed(N_("No attendant PIN is set. Set attendant_pin in the configuration."))
        if verify_secret(pin or "", stored):
            lo.success()
            self._write(self.journal.kv_set, LOCKOUT_KEY, lo.state())
            token = secrets.token_hex(16)
            self._tokens.add(token)
            self._write(self.journal.audit, name, "attendant.login", None, "")
            return Attendant(name=name, verified_at=now, token=token)
        secs = lo.failure(now)
        self._write(self.journal.kv_set, LOCKOUT_KEY, lo.state())
        self._write(self.journal.audit, name, "attendant.pin_failed", None, f"failures: {lo.failures}")
        if secs > 0:
            raise AttendantLocked(LOCKED, until=lo.locked_until, wait_s=secs, seconds=int(secs))
        raise WrongPin(N_("Wrong PIN. Try again."), attempts_left=lo.attempts_left)

    def check(self, attendant: Attendant | None) -> None:
        if attendant is None or attendant.token not in self._tokens:
            raise NotAllowed(N_("Only an attendant can do this. Enter the attendant PIN first."))

    def logout(self, attendant: Attendant) -> None:
        self._tokens.discard(attendant.token)

    def lockout_remaining(self) -> float:
        """Seconds until the PIN may be tried again (0 when not locked)."""
        return self._lockout().remaining(self.clock())

    def set_pin(self, attendant: Attendant, new_pin: str) -> None:
        """Change the PIN (audited)."""
        self.check(attendant)
        if not new_pin or len(new_pin) < 4 or not new_pin.isdigit():
            raise SessionError(N_("A PIN has at least 4 digits."))
        new_hash = hash_secret(new_pin, strong=True)
        self.journal.kv_set(PIN_KEY, new_hash)      # a PIN change must be on disk: it raises if not
        self._pin_hash = new_hash
        self._write(self.journal.audit, attendant.name, "attendant.pin_change", None, "")

    def audit_log(self, attendant: Attendant, limit: int = 200) -> list[AuditEntry]:
        """Attendant actions, newest first."""
        self.check(attendant)
        return [AuditEntry(at=r.at, actor=r.actor, action=r.action, session_key=r.session_key, detail=r.detail)
                for r in self.journal.audit_entries(limit)]
