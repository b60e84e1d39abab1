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
import contextlib
import hashlib
import hmac
import secrets
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from kiosk.core.journal import JournalUnavailable
from kiosk.core.ownership import CODE_LENGTH, GuessLimit, hash_code, new_code, normalise_code, verify_code
from kiosk.i18n import N_, Translator

from .journal_io import JournalIO
from .live import Clock, Live, Registry
from .model import WrongCode

WRONG_CODE = N_("That code does not match a session on this charger. Check the code you noted and the charger "
                "you chose, and try again.")
LOCKED = N_("Too many wrong codes for this charger. Try again in {minutes} min. To stop charging now, unplug the "
            "cable at the charger, or ask the front desk.")
BUSY_CHECK = N_("Codes cannot be checked right now. Try again in a minute, or ask the front desk.")
#: Wrong guesses allowed per scope: a session (a day), a charger (a day).
SESSION_LIMIT = dict(free=5, base_s=30.0, max_s=900.0, per_day=20)
CHARGER_LIMIT = dict(free=5, base_s=30.0, max_s=900.0, per_day=30)

_ = Translator("core")   # the domain of the N_ messages here (SessionError translates them when read)



#: codes remembered for the cheap re-read (:meth:`GuestCodes.find_known`); more are checked by hash
KNOWN_MAX = 256


class GuestCodes:
    def __init__(self, registry: Registry, io: JournalIO, clock: Clock, *, keep_s: float = 86400.0) -> None:
        self.registry = registry
        self.io = io
        self.clock = clock
        self.keep_s = keep_s       # an ended session opens with its code this long (kiosk seconds)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-code-hash")
        self._key = secrets.token_bytes(32)
        self._known: dict[bytes, tuple[str, str, datetime]] = {}   # tag -> (key, code hash, last used)
        self._locks: dict[str, asyncio.Lock] = {}
        self._limits: dict[str, GuessLimit] = {}      # "evse:<uid>" / "session:<key>" -> its limit
        registry.on_forget(self.forget)

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
            self._known[self._tag(digits)] = (live.key, live.code_hash, self.clock())
            if len(self._known) > KNOWN_MAX:      # the least recently used go (a hash check opens them)
                for tag, _k in sorted(self._known.items(), key=lambda kv: kv[1][2])[:len(self._known) - KNOWN_MAX]:
                    del self._known[tag]

    def forget(self, keys: set[str]) -> None:
        """Sessions left memory: their guess limits go (on disk: read again when a code is
        next typed for them), and known codes not used for ``keep_s`` (a guest holding one
        still reads their session: :meth:`find_known` loads it from the journal)."""
        now = self.clock()
        self._known = {tag: known for tag, known in self._known.items()
                       if (now - known[2]).total_seconds() <= self.keep_s}
        for key in keys:
            self._limits.pop("session:" + key, None)

    def close(self) -> None:
        self._pool.shutdown(wait=False)

    # -- checking -----------------------------------------------------------------------
    def _tag(self, digits: str) -> bytes:
        return hmac.new(self._key, digits.encode(), hashlib.sha256).digest()

    def _known_live(self, digits: str) -> Live | None:
        """The session of a code this process issued or accepted, if its code still stands."""
        if len(digits) != CODE_LENGTH:
            return None
        tag = self._tag(digits)
        known = self._known.get(tag)
        if known is None:
            return None
        self._known[tag] = (known[0], known[1], self.clock())   # in use: kept
        live = self.registry.get(known[0])      # (from the journal if it left memory)
        if live is not None and self._expired(live, self.clock()):
            return None                         # ended too long ago: the code no longer opens it
        if live is not None and live.code_hash == known[1]:  # not reissued since
            return live
        return None

    def _expired(self, live: Live, now: datetime) -> bool:
        return live.finished_local is not None and (now - live.finished_local).total_seconds() > self.keep_s

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

    async def _candidates(self, evse_uid: str) -> list[Live]:
        """The sessions of this charger a code may open: those in memory and, from the
        journal, those that ended within ``keep_s``; running ones first, newest first."""
        now = self.clock()
        found = {lv.key: lv for lv in self.registry.values() if lv.evse_uid == evse_uid and lv.code_hash
                 and not self._expired(lv, now)}
        for row in await self.io.call(self.io.journal.sessions_at, evse_uid):
            if row.key not in found and (row.open or (now - row.updated_at).total_seconds() <= self.keep_s):
                live = self.registry.maybe(row.key) or self.registry.add_row(row)   # in memory till forgotten again
                if live.code_hash:
                    found[live.key] = live
        return sorted(found.values(), key=lambda lv: (lv.lifecycle.is_final, -lv.created_at.timestamp()))

    async def find(self, code: str, evse_uid: str) -> Live:
        """The full check of a code against the sessions of the charger ``evse_uid``: the
        charger's and the sessions' limits, then scrypt on the code-hash thread. Every wrong
        code is counted (on disk before the guest is told); checks of one charger run one at
        a time, so concurrent guesses cannot all pass the limit before the first is counted."""
        try:
            return await self._find(code, evse_uid)
        except JournalUnavailable:
            # the venue's database is away: nothing can be counted, so nothing is checked
            raise WrongCode(BUSY_CHECK) from None

    async def _find(self, code: str, evse_uid: str) -> Live:
        digits = normalise_code(code)
        lock = self._locks.setdefault(evse_uid, asyncio.Lock())
        live = self._known_live(digits)
        if live is not None and live.evse_uid == evse_uid:
            return live     # issued or accepted here before: not a guess
        async with lock, self._venue_lock(evse_uid):
            charger = await self._limit("evse:" + evse_uid)
            now = self.clock()
            wait = charger.remaining(now)
            if wait > 0:
                raise self._locked(wait)
            cands = await self._candidates(evse_uid)
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
                lim = await self._limit("session:" + lv.key)   # (read again if forgotten meanwhile)
                wait = max(wait, lim.failure(now))
                self._save("session:" + lv.key)
            await self.io.drain()          # the count is on disk before the guest is told
            if wait > 0:
                raise self._locked(wait)
            raise WrongCode(WRONG_CODE)

    @contextlib.asynccontextmanager
    async def _venue_lock(self, evse_uid: str) -> AsyncIterator[None]:
        """On a venue's shared journal: the check of a code for one charger runs at one
        screen at a time, with the counts read fresh from the journal, so a guesser at two
        screens gets no more guesses than at one. A journal of one screen needs neither."""
        journal = self.io.journal
        if not getattr(journal, "shared", False):
            yield
            return
        name = "guess:" + evse_uid
        deadline = asyncio.get_running_loop().time() + 10.0
        while not await self.io.call(journal.try_lock, name):
            if asyncio.get_running_loop().time() > deadline:
                raise WrongCode(BUSY_CHECK)
            await asyncio.sleep(0.02)
        try:
            # another screen may have counted guesses since: read them again
            for scope in [k for k in self._limits if k == "evse:" + evse_uid or k.startswith("session:")]:
                del self._limits[scope]
            yield
        finally:
            try:
                await self.io.call(journal.unlock, name)
            except Exception:  # noqa: BLE001 - the lock ends with the connection
                pass

    async def _verify(self, digits: str, cands: list[Live]) -> Live | None:
        pairs = [(lv.key, lv.code_hash) for lv in cands if lv.code_hash]
        key = await asyncio.get_running_loop().run_in_executor(self._pool, _match, digits, pairs)
        cand = {lv.key: lv for lv in cands}.get(key) if key is not None else None
        live = (self.registry.maybe(key) or self.registry.add(cand)) if cand is not None else None
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
