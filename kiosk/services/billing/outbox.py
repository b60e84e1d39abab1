"""Delivering postings: the outbox in the journal, sent as signed webhooks.

At least once: a posting is ``delivered`` only after a 2xx answer; every attempt is counted
in the journal BEFORE it is sent, so an attempt that a crash cut off is still counted (and
the posting is sent again after the restart: the receiver deduplicates by ``webhook-id``,
the posting's id, which never changes). Transient failures (no answer, 5xx, 408/425/429)
are retried with exponential backoff (``base_s`` doubling to ``cap_s``, +-20 % jitter,
at least the receiver's Retry-After) across restarts (``next_at`` is in the journal);
a refusal (other 4xx) or ``give_up_s`` without success marks it ``failed``: the desk
sees it and can send it again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self, io: Any, journal: Any, sender: Callable[[], Any] | None, *, clock: Callable[[], datetime],
                 base_s: float = 2.0, cap_s: float = 600.0, give_up_s: float = 3 * 86400.0,
                 on_change: Callable[[], None] | None = None, rng: random.Random | None = None) -> None:
        self.io = io
        self.journal = journal
        self._make_sender = sender
        self._sender: Any = None
        self.clock = clock
        self.base_s = base_s
        self.cap_s = cap_s
        self.give_up_s = give_up_s
        self.on_change = on_change or (lambda: None)
        self.rng = rng or random.Random()
        self._wake = asyncio.Event()
        self._closed = False
        self.sent = 0
        #: how long a claimed posting waits for its sender before another screen sends it
        #: (a journal of one screen: not at all, its own restart sends it again at once)
        self.hold_s = 120.0 if getattr(journal, "shared", False) else 0.0

    @property
    def configured(self) -> bool:
        return self._make_sender is not None

    def wake(self) -> None:
        self._wake.set()

    def backoff(self, attempts: int, retry_after: float | None = None) -> float:
        delay = min(self.cap_s, self.base_s * 2 ** max(0, attempts - 1)) * self.rng.uniform(0.8, 1.2)
        return max(delay, retry_after or 0.0)

    async def deliver_due(self) -> int:
        """Send every posting that is due now; returns how many were delivered."""
        if self._make_sender is None:
            return 0
        if self._sender is None:
            self._sender = self._make_sender()
        n = 0
        for p in await self.io.call(self.journal.postings_due, self.clock(), 20):
            if self._closed:
                break
            n += await self._deliver(p)
        return n

    async def _deliver(self, p: dict[str, Any]) -> int:
        from kiosk.api.webhooks import WebhookError

        # claimed before it is sent (the attempt counted, the posting held for a while): of
        # the screens of a venue sharing the journal exactly one sends it; when that screen
        # dies mid-send another sends it again once the hold passed (same id: the receiver
        # takes it once)
        now = self.clock()
        attempts = await self.io.call(self.journal.posting_claim, p["id"], now,
                                      now + timedelta(seconds=self.hold_s))
        if attempts is None:
            return 0
        self.sent += 1
        try:
            await self._sender.send(p["id"], p["payload"])
        except WebhookError as exc:
            now = self.clock()
            age = (now - datetime.fromisoformat(p["created_at"])).total_seconds()
            if exc.permanent or age > self.give_up_s:
                status, next_at = "failed", now
                log.warning("posting %s failed: %s (the desk can send it again)", p["id"], exc)
            else:
                status, next_at = "waiting", now + timedelta(seconds=self.backoff(attempts, exc.retry_after))
            await self.io.call(self.journal.posting_result, p["id"], status=status, next_at=next_at,
                               error=str(exc)[:200])
            self.on_change()
            return 0
        await self.io.call(self.journal.posting_result, p["id"], status="delivered")
        self.on_change()
        return 1

    async def run(self) -> None:
        """Deliver what is due, then sleep until the next posting is due or one is added."""
        while not self._closed:
            try:
                await self.deliver_due()
                nxt = await self.io.call(self.journal.next_posting_at)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a broken round must not end delivery
                log.exception("posting delivery round failed")
                nxt = None
            wait = 30.0 if nxt is None else max(0.0, min(30.0, (nxt - self.clock()).total_seconds()))
            self._wake.clear()
            try:
                # (a timeout around the wait, not wait_for: wait_for runs it as a task of its
                # own, which a close-down could leave unstarted: "coroutine never awaited")
                async with asyncio.timeout(wait):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def resend(self, posting_id: str) -> None:
        """Send a posting again now (the desk's button): back to waiting, due at once."""
        await self.io.call(self.journal.posting_result, posting_id, status="waiting", next_at=self.clock(),
                           error=None)
        self.on_change()
        self.wake()

    async def aclose(self) -> None:
        self._closed = True
        self._wake.set()
        if self._sender is not None:
            await self._sender.aclose()
            self._sender = None
