"""Attendant authentication: the PIN (scrypt, stored in the journal), its lockout, the
tokens of logged-in attendants (memory only) and the audit log.

The lockout slows guessing and decays: three wrong PINs lock for 30 s, each further one
twice as long (at most 15 min), and after a quiet quarter of an hour past the lock the
count starts again, so a passer-by who tries one PIN an hour never keeps staff out.
Checks are serialised (a lock around read, verify and count; on a venue's shared journal
also an advisory lock across its screens), so concurrent checks are each counted.

Staff members may have their own PIN (``add_staff``; the journal keeps ``{name: hash}``
under ``attendant_staff``), so the audit log says who acted. A login names the staff
member (the desktop's login) or gives the PIN alone (the kiosk's PIN keypad): then the
shared PIN is tried first, then each staff member's, and the matching name is the actor.
PINs are therefore unique: a new staff PIN equal to another one is refused.

``login``/``set_pin`` are synchronous (a PIN scrypt takes ~50 ms): callers on the event
loop run them with ``asyncio.to_thread`` as ``kiosk.services.attendant`` does.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

from kiosk.core.ownership import Lockout, hash_secret, verify_secret
from kiosk.i18n import N_, Translator

from .live import Clock
from .model import SHARED_PIN, Attendant, AttendantLocked, AuditEntry, NotAllowed, SessionError, WrongPin

PIN_KEY = "attendant_pin_hash"
STAFF_KEY = "attendant_staff"
LOCKOUT_KEY = "attendant_lockout"
PIN_LOCK = "attendant:pin"          # the venue lock around a PIN check (shared journal)
LOCKED = N_("Too many wrong PINs. Try again in {seconds} seconds.")

log = logging.getLogger(__name__)
_ = Translator("core")   # the domain of the N_ messages here (SessionError translates them when read)



def seed_pin(journal: Any, pin: str | None) -> None:
    """Hash ``pin`` into an empty journal (the configured or demo PIN of a first start).
    scrypt with the PIN's strong parameters takes ~50 ms: the kiosk calls this on a worker
    thread before the session service reads the journal. A failed write is left to
    :class:`AttendantAuth` (it keeps the PIN in memory)."""
    if not pin:
        return
    try:
        if not journal.kv_get(PIN_KEY):
            journal.kv_set(PIN_KEY, hash_secret(pin, strong=True))
    except Exception:  # noqa: BLE001 - a full disk: AttendantAuth hashes and keeps it in memory
        log.warning("attendant: the initial PIN could not be written to the journal")


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
        staff = journal.kv_get(STAFF_KEY)
        self._staff: dict[str, str] = {str(k): str(v) for k, v in staff.items()} if isinstance(staff, dict) else {}
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

    def login(self, pin: str, *, name: str | None = SHARED_PIN) -> Attendant:
        """Verify the PIN. Raises WrongPin or AttendantLocked (growing delay, persisted so
        a restart does not reset it). A ``name`` of a staff member is checked against that
        member's own PIN only; any other name (or None) against the shared PIN and then,
        when that fails, every staff member's (the one that matches is who logged in)."""
        with self._lock, self._venue_lock():
            return self._login(pin, name)

    @contextlib.contextmanager
    def _venue_lock(self) -> Iterator[None]:
        """On a venue's shared journal a PIN check runs at one screen at a time (read, verify,
        count), so PINs tried at two screens at once are each counted: a guesser at two
        screens gets no more tries than at one. The database away: this screen's lockout."""
        if not getattr(self.journal, "shared", False):
            yield
            return
        deadline = time.monotonic() + 10.0
        held = False
        try:
            while not (held := self.journal.try_lock(PIN_LOCK)):
                if time.monotonic() > deadline:
                    raise AttendantLocked(LOCKED, until=None, wait_s=5.0, seconds=5)
                time.sleep(0.02)
        except AttendantLocked:
            raise
        except Exception:  # noqa: BLE001 - the database away: counted here only (it says so)
            log.warning("attendant: the venue's PIN lock could not be taken; checking at this screen only")
        try:
            yield
        finally:
            if held:
                try:
                    self.journal.unlock(PIN_LOCK)
                except Exception:  # noqa: BLE001 - the lock ends with the connection
                    pass

    def _match(self, pin: str, name: str | None) -> str | None:
        """The name the PIN logs in as, or None (a wrong PIN)."""
        if name is not None and name in self._staff:
            return name if verify_secret(pin or "", self._staff[name]) else None
        if self._pin_hash is not None and verify_secret(pin or "", self._pin_hash):
            return name or SHARED_PIN
        for staff_name, stored in self._staff.items():
            if verify_secret(pin or "", stored):
                return staff_name
        return None

    def _login(self, pin: str, name: str | None) -> Attendant:
        now = self.clock()
        lo = self._lockout()
        wait = lo.remaining(now)
        if wait > 0:
            raise AttendantLocked(LOCKED, until=lo.locked_until, wait_s=wait, seconds=int(wait) + 1)
        if self._pin_hash is None and not self._staff:
            raise NotAllowed(N_("No attendant PIN is set. Set attendant_pin in the configuration."))
        who = self._match(pin, name)
        if who is not None:
            name = who
            lo.success()
            self._write(self.journal.kv_set, LOCKOUT_KEY, lo.state())
            token = secrets.token_hex(16)
            self._tokens.add(token)
            self._write(self.journal.audit, name, "attendant.login", None, "")
            return Attendant(name=name, verified_at=now, token=token)
        secs = lo.failure(now)
        self._write(self.journal.kv_set, LOCKOUT_KEY, lo.state())
        self._write(self.journal.audit, name or SHARED_PIN, "attendant.pin_failed", None, f"failures: {lo.failures}")
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
        """Change the PIN (audited): a staff member's own, else the shared one."""
        self.check(attendant)
        if not new_pin or len(new_pin) < 4 or not new_pin.isdigit():
            raise SessionError(N_("A PIN has at least 4 digits."))
        if attendant.name in self._staff:
            self.add_staff(attendant, attendant.name, new_pin)
            return
        new_hash = hash_secret(new_pin, strong=True)
        self.journal.kv_set(PIN_KEY, new_hash)      # a PIN change must be on disk: it raises if not
        self._pin_hash = new_hash
        self._write(self.journal.audit, attendant.name, "attendant.pin_change", None, "")

    # -- staff members with their own PIN --------------------------------------------------
    def staff_names(self) -> list[str]:
        return sorted(self._staff, key=str.casefold)

    def add_staff(self, attendant: Attendant, name: str, pin: str) -> None:
        """Give a staff member their own PIN (a new one, or a new PIN for a known name);
        audited. The PIN must differ from every other PIN here (a PIN alone says who)."""
        self.check(attendant)
        name = " ".join((name or "").split())
        if not name or len(name) > 40 or not name.isprintable():
            raise SessionError(N_("A staff name has 1 to 40 letters, digits or spaces."))
        if not pin or len(pin) < 4 or not pin.isdigit():
            raise SessionError(N_("A PIN has at least 4 digits."))
        with self._lock:
            others = [h for n, h in self._staff.items() if n != name] + ([self._pin_hash] if self._pin_hash else [])
            if any(verify_secret(pin, h) for h in others):
                raise SessionError(N_("That PIN is already used here. Choose another PIN."))
            staff = dict(self._staff)
            staff[name] = hash_secret(pin, strong=True)
            self.journal.kv_set(STAFF_KEY, staff)     # must be on disk: raises if not
            self._staff = staff
        self._write(self.journal.audit, attendant.name, "staff.pin_set", None, f"staff: {name}")

    def remove_staff(self, attendant: Attendant, name: str) -> None:
        self.check(attendant)
        with self._lock:
            if name not in self._staff:
                return
            staff = {n: h for n, h in self._staff.items() if n != name}
            self.journal.kv_set(STAFF_KEY, staff)
            self._staff = staff
        self._write(self.journal.audit, attendant.name, "staff.removed", None, f"staff: {name}")

    def audit_log(self, attendant: Attendant, limit: int = 200) -> list[AuditEntry]:
        """Attendant actions, newest first."""
        self.check(attendant)
        return [AuditEntry(at=r.at, actor=r.actor, action=r.action, session_key=r.session_key, detail=r.detail)
                for r in self.journal.audit_entries(limit)]
