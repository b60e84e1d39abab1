"""Guest codes: issuing, checking and the lockout against guessing.

A code is checked by scrypt against each session's code hash (~6 ms each, more under
load), always on ONE code-hash thread of its own, never on the event loop (spread over the
loop's default executor every thread kept its own 2 MB scrypt buffer: +15 MB resident).
A code this process issued (a start, a reissue) or accepted is remembered under an HMAC
with a per-process random key (memory only) together with the hash it matched, so the
UI's frequent re-reads need no hash (:meth:`GuestCodes.find_known`). The lockout lives in
memory (loaded from the journal at construction) and every change goes to the journal
thread, so a check never waits on SQLite behind the journal's fsyncs.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from kiosk.core.ownership import CODE_LENGTH, Lockout, hash_code, new_code, normalise_code, verify_code
from kiosk.i18n import N_, Translator

from .journal_io import JournalIO
from .live import Clock, Live, Registry
from .model import WrongCode

LOCKOUT_KEY = "guest_code_lockout"
WRONG_CODE = N_("That code does not match a session. Check the code you noted and try again.")
LOCKED = N_("Too many wrong codes. Try again in {seconds} seconds.")

_ = Translator("core")   # the domain of the N_ messages here (SessionError translates them when read)



class GuestCodes:
    def __init__(self, registry: Registry, io: JournalIO, clock: Clock) -> None:
        self.registry = registry
        self.io = io
        self.clock = clock
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-code-hash")
        self._key = secrets.token_bytes(32)
        self._known: dict[bytes, tuple[str, str]] = {}
        self._lock = asyncio.Lock()
        self.lockout = Lockout(free_attempts=5, base_s=15.0, max_s=900.0, forget_after_s=900.0).load(
            io.journal.kv_get(LOCKOUT_KEY))
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

    def _check_lockout(self, now: datetime) -> None:
        wait = self.lockout.remaining(now)
        if wait > 0:
            raise WrongCode(LOCKED, locked_s=wait, seconds=int(wait) + 1)

    def _failed(self, now: datetime) -> WrongCode:
        """Count a wrong code (in memory at once, on disk through the journal thread)."""
        self.lockout.failure(now)
        self.io.soon(self.io.journal.kv_set, LOCKOUT_KEY, self.lockout.state())
        return WrongCode(WRONG_CODE)

    def issued(self, code: str, key: str) -> bool:
        """Whether ``code`` is the standing code of session ``key`` as this process issued or
        accepted it (the caller holds it from :meth:`issue`: no lockout, nothing counted)."""
        live = self._known_live(normalise_code(code))
        return live is not None and live.key == key

    def find_known(self, code: str) -> Live:
        """Synchronous, cheap: the session of a code this process issued or accepted (no
        hash, no journal read). Any other code raises :class:`WrongCode` and is counted."""
        now = self.clock()
        self._check_lockout(now)
        live = self._known_live(normalise_code(code))
        if live is None:
            raise self._failed(now)
        return live

    async def find(self, code: str) -> Live:
        """The full check: the lockout, then scrypt against every session's hash on the
        code-hash thread. Every wrong code is counted, on disk before the guest is told."""
        now = self.clock()
        self._check_lockout(now)
        digits = normalise_code(code)
        live = self._known_live(digits)
        if live is not None:
            return live
        if len(digits) == CODE_LENGTH:
            # one check at a time: concurrent guesses cannot all pass the lockout test
            # before the first of them is counted (the hash thread is single anyway)
            async with self._lock:
                now = self.clock()
                self._check_lockout(now)
                live = self._known_live(digits)
                if live is not None:
                    return live
                # shielded: a caller cancelled during the hash (the guest left the screen)
                # does not skip counting a wrong code
                check = asyncio.ensure_future(self._verify(digits, now))
                check.add_done_callback(_retrieve)
                return await asyncio.shield(check)
        exc = self._failed(now)
        await self.io.drain()
        raise exc

    async def _verify(self, digits: str, now: datetime) -> Live:
        # running sessions first, newest first: the usual code is found after one hash
        cands = [(lv.key, lv.code_hash) for lv in
                 sorted(self.registry.values(), key=lambda lv: (lv.lifecycle.is_final, -lv.created_at.timestamp()))
                 if lv.code_hash]
        key = await asyncio.get_running_loop().run_in_executor(self._pool, _match, digits, cands)
        live = self.registry.maybe(key) if key is not None else None
        if live is not None and live.code_hash == dict(cands)[key]:   # not reissued meanwhile
            # a right code does not reset the count: someone holding one code must not be
            # able to guess others by alternating (failures fade after 15 minutes instead)
            self.remember(digits, live)
            return live
        exc = self._failed(now)
        await self.io.drain()   # the count is on disk before the guest is told
        raise exc


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
