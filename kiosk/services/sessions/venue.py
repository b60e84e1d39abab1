"""The screens of a venue on one shared journal (PostgreSQL, issue 17): who polls which
session, and how every screen's board follows the others.

- **One poller per session.** A screen polls a session only while it holds the session's
  poll lease (``poll_leases``: holder, expiry by the database's clock). The screen that
  writes a start intent takes the lease in the same transaction; the others follow the
  journal. Every ``lease_s / 3`` a screen renews its leases and takes over the sessions
  whose lease expired (their screen died, or lost the database for longer than
  ``lease_s``): a take-over within ``lease_s * 4/3`` of the last renewal.
- **Boards follow the journal.** Every change of a session row is announced by the
  database (a trigger, NOTIFY); :meth:`VenueLink.start` LISTENs on a dedicated connection
  (a thread of the journal's) and reads the changed row on the journal thread. A session
  this screen does not poll is updated from its row; one it polls is woken when another
  screen changed it (a stop asked there, a state it wrote). After a lost listening
  connection every open or recently changed session is read again (nothing announced
  meanwhile is missed).

A journal of one screen (SQLite) has nobody to share with: every session is polled here
and nothing is listened to (``VenueLink.shared`` is False).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from .journal_io import JournalIO
from .live import Clock, Live, Registry

log = logging.getLogger(__name__)

#: row-backed fields copied onto a session this screen follows
_FOLLOWED = ("charge_session_id", "start_phase", "code_hash", "tag", "power_kw", "energy_kwh", "soc", "started_at",
             "ended_at", "error_message", "estimate", "total_costs", "total_vat", "vat_percentage", "currency",
             "receipt_number", "difference", "stop_requested", "stop_sent", "origin")


class VenueLink:
    def __init__(self, io: JournalIO, registry: Registry, *, screen: str, clock: Clock, lease_s: float = 15.0,
                 recent_s: float = 600.0) -> None:
        self.io = io
        self.registry = registry
        self.screen = screen
        self.clock = clock
        self.lease_s = float(lease_s)
        self.recent_s = recent_s
        self.shared = bool(getattr(io.journal, "shared", False))
        self.held: set[str] = set()
        self.poller: Any = None          # set by the service (ensure, notify, cancel)
        self.views: Any = None
        self._tasks: set[asyncio.Task] = set()
        self._dirty: set[str] = set()
        self._following: dict[str, asyncio.Task] = {}
        self._stop_listening: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_sync = clock()
        self._down = False               # a lease round failed: the database was away
        #: seconds from a change's commit elsewhere to this screen's board (the newest ones)
        self.follow_latency: list[float] = []
        #: called (on the event loop) when a shared setting changed (``kv 'setting:*'``)
        self.setting_listeners: list[Any] = []

    # -- leases -------------------------------------------------------------------------
    @property
    def intent_lease(self) -> dict[str, Any]:
        """What ``create_intent`` takes besides the intent: the origin and (shared) the lease."""
        return {"origin": self.screen, "lease_s": self.lease_s} if self.shared else {}

    def may_poll(self, live: Live) -> bool:
        return not self.shared or live.key in self.held

    def took(self, key: str) -> None:
        """The lease came with the intent this screen wrote."""
        if self.shared:
            self.held.add(key)

    async def claim(self, key: str) -> bool:
        """Take the poll lease of ``key`` when it is free, expired or ours."""
        if not self.shared:
            return True
        try:
            ok = bool(await self.io.call(self.io.journal.lease_acquire, key, self.screen, self.lease_s))
        except Exception:   # noqa: BLE001 - the database is away: whoever polls it goes on
            return key in self.held
        if ok:
            self.held.add(key)
        return ok

    # -- running --------------------------------------------------------------------------
    def start(self) -> None:
        if not self.shared or self._loop is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._spawn(self._lease_loop(), "venue-leases")
        try:
            self._stop_listening = self.io.journal.listen(self._heard, self._reconnected)
        except Exception:   # noqa: BLE001 - boards then follow on the lease loop's resync only
            log.exception("venue: cannot listen to the journal's changes")

    async def close(self) -> None:
        if self._stop_listening is not None:
            await asyncio.to_thread(self._stop_listening)
            self._stop_listening = None
        for t in list(self._tasks) + list(self._following.values()):
            t.cancel()
        for t in list(self._tasks) + list(self._following.values()):
            try:
                await t
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
        if self.shared and self.held:
            try:
                await self.io.call(_release_all, self.io.journal, set(self.held), self.screen)
            except Exception:  # noqa: BLE001 - they expire by themselves
                pass
            self.held.clear()

    def _spawn(self, coro: Any, name: str) -> None:
        t = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)

    async def _lease_loop(self) -> None:
        period = self.lease_s / 3
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the database is away: try again next round
                log.debug("venue: lease round failed: %s", exc)
                self._down = True
            await asyncio.sleep(period)

    async def tick(self) -> None:
        """One round: renew this screen's leases (dropping those of ended sessions), stop
        polling any lost to another screen, take over the sessions nobody polls."""
        journal = self.io.journal
        if self._down and self.poller is not None:
            # back after the database was away: what this screen saw meanwhile goes in first
            for key in sorted(self.held):
                live = self.registry.maybe(key)
                if live is not None:
                    await self.poller.persist(live)
            self._down = False
        done = {k for k in self.held if (lv := self.registry.maybe(k)) is None or lv.lifecycle.is_final}
        if done:
            await self.io.call(_release_all, journal, done, self.screen)
            self.held -= done
        still = await self.io.call(journal.lease_renew, self.screen, self.lease_s, set(self.held), info=None)
        for key in self.held - still:
            log.warning("venue: session %s is polled by another screen now", key)
            live = self.registry.maybe(key)
            if live is not None and live.task is not None and not live.task.done():
                live.task.cancel()
        self.held &= still
        for key in await self.io.call(journal.unleased):
            if not await self.claim(key):
                continue
            row = await self.io.call(journal.get, key)
            if row is None:
                continue
            live = self.registry.maybe(key)
            if live is None:
                live = self.registry.add_row(row)
            else:
                self._refresh(live, row)
            log.info("venue: took over polling session %s", key)
            if self.poller is not None:
                self.poller.ensure(live)

    # -- following other screens -------------------------------------------------------------
    def _heard(self, payload: dict[str, Any]) -> None:
        """On the listening thread: hand the change to the event loop."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._changed, payload)

    def _reconnected(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(lambda: self._spawn(self._back(), "venue-resync"))

    async def _back(self) -> None:
        """The listening connection is up (at start, or back after the database or the
        network was away): write what this screen saw meanwhile, then read what the others
        wrote, the venue's shared settings included."""
        self._down = True
        try:
            await self.tick()
            await self.resync()
        except Exception as exc:  # noqa: BLE001 - the lease loop tries again
            log.debug("venue: resync failed: %s", exc)
        self._changed({"t": "kv"})

    def _changed(self, payload: dict[str, Any]) -> None:
        if payload.get("t") == "kv":
            for cb in list(self.setting_listeners):
                try:
                    cb()
                except Exception:  # noqa: BLE001 - one listener must not stop the others
                    log.exception("venue: a setting listener failed")
            return
        key = payload.get("k")
        if payload.get("t") != "s" or not isinstance(key, str):
            return
        self._dirty.add(key)
        if key not in self._following or self._following[key].done():
            t = asyncio.get_running_loop().create_task(self._follow(key), name=f"venue-follow-{key}")
            self._following[key] = t
            t.add_done_callback(lambda _t, k=key: self._following.pop(k, None) if self._following.get(k) is _t
                                else None)

    async def _follow(self, key: str) -> None:
        while key in self._dirty:
            self._dirty.discard(key)
            try:
                row = await self.io.call(self.io.journal.get, key)
            except Exception:  # noqa: BLE001 - the database went away: the resync reads it again
                return
            if row is not None:
                self.apply_row(row)

    async def resync(self) -> None:
        """Read every open or recently changed session again (after missed notifications)."""
        since = self._last_sync - timedelta(seconds=5)
        self._last_sync = self.clock()
        rows = await self.io.call(self.io.journal.open_or_recent, since)
        for row in rows:
            self.apply_row(row)

    def apply_row(self, row: Any) -> None:
        """A session row as another screen (or this one) left it."""
        live = self.registry.maybe(row.key)
        if live is None:
            if not row.open and (self.clock() - row.updated_at).total_seconds() > self.recent_s:
                return
            live = self.registry.add_row(row)
            self._announce(live, None, row)
            return
        if row.key in self.held:
            # this screen polls it: wake the poller when another screen changed it
            if row.stop_requested_at is not None and not live.stop_requested:
                live.stop_requested = True
                live.wake.set()
            elif row.state != live.lifecycle.state:
                live.wake.set()
            return
        if live.task is not None and not live.task.done():
            return   # still polled here (a lease being handed over): its own answers win
        prev = live.lifecycle.state
        self._refresh(live, row)
        self._announce(live, prev if prev != live.lifecycle.state else None, row)

    def _refresh(self, live: Live, row: Any) -> None:
        fresh = Live.from_row(row, self.registry.tz)
        for name in _FOLLOWED:
            if hasattr(fresh, name):
                setattr(live, name, getattr(fresh, name))
        live.lifecycle = fresh.lifecycle
        if fresh.lifecycle.is_final:
            live.finished_local = live.finished_local or fresh.finished_local
            live.release(self.registry.tz)
        elif live.released:
            live.tracker, live.tariff, live.released = fresh.tracker, fresh.tariff, False

    def _announce(self, live: Live, previous: Any, row: Any) -> None:
        if self.poller is not None:
            self.poller.notify(live, previous)
        try:
            lag = (self.clock() - row.updated_at).total_seconds()
        except Exception:  # noqa: BLE001
            return
        self.follow_latency = (self.follow_latency + [lag])[-200:]


def _release_all(journal: Any, keys: set[str], holder: str) -> None:
    for key in keys:
        journal.lease_release(key, holder)
