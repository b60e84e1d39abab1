"""Guest codes: issuing, checking, and the limits on guessing.

A code is always checked against the sessions of ONE charger, the one the guest names
(tapping their bay, or in the code's QR): scrypt against those sessions' hashes (usually
one, ~6 ms), on ONE code-hash thread of its own, never on the event loop. Wrong codes
count against that charger and against each session tried (``GuessLimit``: a growing
delay after five in a row, at most 20 a day per session and 30 per charger, persisted in
the journal's ``kv``): a guesser at one charger never locks out the guests of another, and
a restart gives no one more guesses. The rightful guest of a session being guessed is told
how else to stop (the cable, the front desk).

A code this process issued (a start, a reissue) or accepted is remembered under an HMAC
with a per-process random key (memory only) with the hash it matched, so the UI's frequent
re-reads need no hash (:meth:`GuestCodes.find_known`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kiosk.core.ownership import CODE_LENGTH, GuessLimit, hash_code, new_code, normalise_code, verify_code
from kiosk.i18n import N_, Translator

from .journal_io import JournalIO
from .live import Clock, Live, Registry
from .model import WrongCode

WRONG_CODE = N_("That code does not match a session on this charger. Check the code you noted and the charger "
                "you chose, and try again.")
LOCKED = N_("Too many wrong codes for this charger. Try again in {minutes} min. To stop charging now, unplug the "
            "cable at the charger, or ask the front desk.")
#: Wrong guesses allowed per scope: a session (a day), a charger (a day).
SESSION_LIMIT = dict(free=5, base_s=30.0, max_s=900.0, per_day=20)
CHARGER_LIMIT = dict(free=5, base_s=30.0, max_s=900.0, per_day=30)

_ = Translator("core")   # the domain of the N_ messages here (SessionError translates them when read)



class GuestCodes:
    def __init__(self, registry: Registry, io: JournalIO, clock: Clock) -> None:
        self.registry = registry
        self.io = io
        self.clock = clock
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-code-hash")
        self._key = secrets.token_bytes(32)
        self._known: dict[bytes, tuple[str, str]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._limits: dict[str, GuessLimit] = {}      # "evse:<uid>" / "session:<key>" -> its limit
        registry.forgotten = self.forget

    # -- issuing ------------------------------------------------------------------------
    async def issue(self) -> tuple[str, str]:
        """A new code and its hash (scrypt on the code-hash thread)."""
        code = new_code()
        code_hash = await asyncio.get_running_loop().run_in_executor(self._pool, hash_code, code)
        return code, code_hash

    def reissue(self, live: Live) -> str:
        """A new code for ``live`` (the old one stops working); the caller journals the hash."""
        code = new_code()
        live.code_hash = hash_code(code)
        self.remember(code, live)
        return code

    def remember(self, digits: str, live: Live) -> None:
        if live.code_hash:
            self._known[self._tag(digits)] = (live.key, live.code_hash)

    def forget(self, keys: set[str]) -> None:
        self._known = {tag: known for tag, known in self._known.items() if known[0] not in keys}

    def close(self) -> None:
        self._pool.shutdown(wait=False)

    # -- checking -----------------------------------------------------------------------
    def _tag(self, digits: str) -> bytes:
        return hmac.new(self._key, digits.encode(), hashlib.sha256).digest()

    def _known_live(self, digits: str) -> Live | None:
        """The session of a code this process issued or accepted, if its code still stands."""
        if len(digits) != CODE_LENGTH:
            return None
        known = self._known.get(self._tag(digits))
        if known is None:
            return None
        live = self.registry.maybe(known[0])
        if live is not None and live.code_hash == known[1]:  # not reissued since
            return live
        return None

    async def _limit(self, scope: str) -> GuessLimit:
        lim = self._limits.get(scope)
        if lim is None:
            params = CHARGER_LIMIT if scope.startswith("evse:") else SESSION_LIMIT
            data = await self.io.call(self.io.journal.kv_get, "guess:" + scope)   # on the journal thread
            lim = self._limits.setdefault(scope, GuessLimit(**params).load(data))
        return lim

    def _save(self, scope: str) -> None:
        self.io.soon(self.io.journal.kv_set, "guess:" + scope, self._limits[scope].state())

    def locked_s(self, evse_uid: str) -> float:
        """Seconds code entry for this charger stays locked (0: open). Known limits only."""
        now = self.clock()
        lim = self._limits.get("evse:" + evse_uid)
        return lim.remaining(now) if lim is not None else 0.0

    @staticmethod
    def _locked(wait: float) -> WrongCode:
        return WrongCode(LOCKED, locked_s=wait, minutes=max(1, int(wait // 60) + (1 if wait % 60 else 0)))

    def issued(self, code: str, key: str) -> bool:
        """Whether ``code`` is the standing code of session ``key`` as this process issued or
        accepted it (the caller holds it from :meth:`issue`: no limit, nothing counted)."""
        live = self._known_live(normalise_code(code))
        return live is not None and live.key == key

    def find_known(self, code: str) -> Live:
        """Synchronous, cheap: the session of a code this process issued or accepted (no
        hash, no journal read, nothing counted). Any other code raises :class:`WrongCode`."""
        live = self._known_live(normalise_code(code))
        if live is None:
            raise WrongCode(WRONG_CODE)
        return live

    def _candidates(self, evse_uid: str) -> list[Live]:
        """The sessions of this charger a code may open: running ones first, newest first."""
        return sorted((lv for lv in self.registry.values() if lv.evse_uid == evse_uid and lv.code_hash),
                      key=lambda lv: (lv.lifecycle.is_final, -lv.created_at.timestamp()))

    async def find(self, code: str, evse_uid: str) -> Live:
        """The full check of a code against the sessions of the charger ``evse_uid``: the
        charger's and the sessions' limits, then scrypt on the code-hash thread. Every wrong
        code is counted (on disk before the guest is told); checks of one charger run one at
        a time, so concurrent guesses cannot all pass the limit before the first is counted."""
        digits = normalise_code(code)
        lock = self._locks.setdefault(evse_uid, asyncio.Lock())
        live = self._known_live(digits)
        if live is not None and live.evse_uid == evse_uid:
            return live     # issued or accepted here before: not a guess
        async with lock:
            charger = await self._limit("evse:" + evse_uid)
            now = self.clock()
            wait = charger.remaining(now)
            if wait > 0:
                raise self._locked(wait)
            cands = self._candidates(evse_uid)
            open_cands = []
            for lv in cands:
                lim = await self._limit("session:" + lv.key)
                if lim.remaining(now) <= 0:
                    open_cands.append(lv)
            if len(digits) == CODE_LENGTH and open_cands:
                # shielded: a caller cancelled during the hash (the guest left the screen)
                # does not skip counting a wrong code
                check = asyncio.ensure_future(self._verify(digits, open_cands))
                check.add_done_callback(_retrieve)
                live = await asyncio.shield(check)
                if live is not None:
                    # a right code does not end a run of wrong ones: someone holding one code
                    # must not guess another session of the same charger by alternating
                    self.remember(digits, live)
                    return live
            now = self.clock()
            wait = charger.failure(now)
            self._save("evse:" + evse_uid)
            for lv in cands:               # every session this guess was aimed at counts it
                wait = max(wait, self._limits["session:" + lv.key].failure(now))
                self._save("session:" + lv.key)
            await self.io.drain()          # the count is on disk before the guest is told
            if wait > 0:
                raise self._locked(wait)
            raise WrongCode(WRONG_CODE)

    async def _verify(self, digits: str, cands: list[Live]) -> Live | None:
        pairs = [(lv.key, lv.code_hash) for lv in cands if lv.code_hash]
        key = await asyncio.get_running_loop().run_in_executor(self._pool, _match, digits, pairs)
        live = self.registry.maybe(key) if key is not None else None
        if live is not None and live.code_hash == dict(pairs)[key]:   # not reissued meanwhile
            return live
        return None


def _match(digits: str, candidates: list[tuple[str, str]]) -> str | None:
    """On the code-hash thread: the key of the first session whose code hash matches."""
    for key, code_hash in candidates:
        if verify_code(digits, code_hash):
            return key
    return None


def _retrieve(fut: Any) -> None:
    """Mark a shielded task's outcome as seen (its caller may have been cancelled)."""
    if not fut.cancelled():
        fut.exception()
