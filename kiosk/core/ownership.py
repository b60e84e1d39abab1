"""Guest ownership codes and the attendant PIN.

- A guest code is 6 digits (a numeric keypad is what every guest can use), drawn with
  :mod:`secrets`, shown once and stored only as ``scrypt(code, salt)`` with a per-session
  random salt. A 6-digit code is weak against offline guessing whatever the hash, so the
  real defence is online: wrong codes are throttled by a :class:`Lockout` that is
  persisted in the journal (it survives a restart).
- The attendant PIN is stored as ``scrypt(pin, salt)`` with stronger parameters.
- :class:`Lockout`: ``free_attempts`` wrong tries in a row lock for ``base_s``; each
  further failure locks for twice as long as the last (capped at ``max_s``); a success
  resets it (or, for guest codes, time: a known code must not reset a guesser's count).
  State is a small
  dict the journal keeps in its ``kv`` table.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

CODE_LENGTH = 6
_CODE_PARAMS = {"n": 2 ** 11, "r": 8, "p": 1}
_PIN_PARAMS = {"n": 2 ** 14, "r": 8, "p": 1}


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())


def _scrypt(secret: str, salt: bytes, params: dict) -> bytes:
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, dklen=32, maxmem=64 * 1024 * 1024, **params)


def hash_secret(secret: str, *, strong: bool = False) -> str:
    """``scrypt$n$r$p$salthex$hashhex`` of a code (or, strong=True, a PIN)."""
    params = _PIN_PARAMS if strong else _CODE_PARAMS
    salt = secrets.token_bytes(16)
    digest = _scrypt(secret, salt, params)
    return f"scrypt${params['n']}${params['r']}${params['p']}${salt.hex()}${digest.hex()}"


def verify_secret(secret: str, stored: str | None) -> bool:
    if not stored or not secret:
        return False
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = _scrypt(secret, bytes.fromhex(salt), {"n": int(n), "r": int(r), "p": int(p)})
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


def hash_code(code: str) -> str:
    return hash_secret(normalise_code(code))


def verify_code(code: str, stored: str | None) -> bool:
    c = normalise_code(code)
    return len(c) == CODE_LENGTH and verify_secret(c, stored)


@dataclass
class Lockout:
    """Growing delay after repeated failures; ``state()``/``load()`` for persistence."""

    free_attempts: int = 3
    base_s: float = 30.0
    max_s: float = 3600.0
    #: failures older than this are forgotten (None: only a success resets the count)
    forget_after_s: float | None = None
    failures: int = 0
    locked_until: datetime | None = None
    last_failure: datetime | None = None

    def remaining(self, now: datetime) -> float:
        if self.locked_until is None:
            return 0.0
        return max(0.0, (self.locked_until - now).total_seconds())

    def failure(self, now: datetime) -> float:
        """Record a failure; returns the lock in seconds it causes (0 while attempts are free)."""
        if self.forget_after_s is not None and self.last_failure is not None \
                and (now - self.last_failure).total_seconds() > self.forget_after_s + self.remaining(now):
            self.failures = 0
        self.last_failure = now
        self.failures += 1
        k = self.failures - self.free_attempts + 1
        if k <= 0:
            return 0.0
        secs = min(self.max_s, self.base_s * (2 ** (k - 1)))
        self.locked_until = now + timedelta(seconds=secs)
        return secs

    def success(self) -> None:
        self.failures = 0
        self.locked_until = None

    @property
    def attempts_left(self) -> int:
        return max(0, self.free_attempts - self.failures)

    def state(self) -> dict:
        return {"failures": self.failures,
                "locked_until": self.locked_until.isoformat() if self.locked_until else None,
                "last_failure": self.last_failure.isoformat() if self.last_failure else None}

    def load(self, data: dict | None) -> Lockout:
        """The persisted state; a damaged one (a bad date, a wrong type) counts as the most
        cautious state it can: one lock of ``base_s`` from now is not knowable here, so the
        failures so far are kept when readable and a bad date is dropped."""
        if not isinstance(data, dict):
            return self
        try:
            self.failures = max(0, int(data.get("failures", 0)))
        except (TypeError, ValueError):
            self.failures = self.free_attempts       # unreadable: as if the free tries were used
        self.locked_until = _date(data.get("locked_until"))
        self.last_failure = _date(data.get("last_failure"))
        return self


@dataclass
class GuessLimit:
    """Wrong guesses against one scope (a charger, a session), persisted as a small dict.

    After ``free`` wrong guesses in a row each further one locks the scope for a growing
    delay (``base_s`` doubling up to ``max_s``); a right code ends the run (not the count
    of the day). At most ``per_day`` wrong guesses in any 24 hours: after that the scope
    stays locked until the oldest of them is a day old, so a guesser gets ``per_day``
    guesses a day however patient, and a restart changes nothing. Times are the kiosk's
    clock; one that went backwards keeps the guesses "in the window" (never fewer locks).
    """

    free: int = 5
    base_s: float = 30.0
    max_s: float = 900.0
    per_day: int = 20
    run: int = 0                                  # wrong guesses in a row
    times: list[datetime] | None = None           # wrong guesses of the last 24 hours
    locked_until: datetime | None = None

    def _recent(self, now: datetime) -> list[datetime]:
        day = timedelta(days=1)
        return [t for t in (self.times or []) if now - t < day]

    def remaining(self, now: datetime) -> float:
        wait = 0.0 if self.locked_until is None else (self.locked_until - now).total_seconds()
        recent = self._recent(now)
        if len(recent) >= self.per_day:
            wait = max(wait, (min(recent) + timedelta(days=1) - now).total_seconds())
        return max(0.0, wait)

    def failure(self, now: datetime) -> float:
        """Count a wrong guess; returns the seconds the scope is locked now (0: not)."""
        self.times = (self._recent(now) + [now])[-self.per_day:]
        self.run += 1
        k = self.run - self.free
        if k > 0:
            self.locked_until = now + timedelta(seconds=min(self.max_s, self.base_s * 2 ** (k - 1)))
        return self.remaining(now)

    def success(self) -> None:
        self.run = 0
        self.locked_until = None

    def guesses_today(self, now: datetime) -> int:
        return len(self._recent(now))

    def state(self) -> dict:
        return {"run": self.run, "times": [t.isoformat() for t in self.times or []],
                "locked_until": self.locked_until.isoformat() if self.locked_until else None}

    def load(self, data: dict | None) -> GuessLimit:
        """The persisted state; unreadable parts are dropped, never a reason to fail."""
        if not isinstance(data, dict):
            return self
        try:
            self.run = max(0, int(data.get("run", 0)))
        except (TypeError, ValueError):
            self.run = self.free
        times = data.get("times", [])
        self.times = [t for t in (_date(x) for x in times if isinstance(times, list)) if t is not None]
        self.locked_until = _date(data.get("locked_until"))
        return self


def _date(v: object) -> datetime | None:
    """An aware datetime from its ISO text, None for anything else (a damaged value)."""
    if not isinstance(v, str) or not v:
        return None
    try:
        d = datetime.fromisoformat(v)
    except ValueError:
        return None
    return d if d.tzinfo is not None else None
