"""The journal thread: every journal call from a coroutine runs on ONE worker thread, off
the UI's event loop (SQLite with ``synchronous=FULL`` costs an fsync per write: 0.3-4 ms on
this disk, more on an SD card).

One thread keeps calls in the order they were issued: awaiting a write means it is on
disk; a read sees every write issued before it. Calls are shielded: a cancelled caller
(the guest left the screen) does not drop a write that was already issued.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)


class JournalIO:
    def __init__(self, journal: Any) -> None:
        self.journal = journal
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-journal")

    async def call(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` on the journal thread, in issue order."""
        fut = asyncio.get_running_loop().run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))
        return await asyncio.shield(fut)

    def soon(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        """Issue a call from synchronous code without waiting: same thread and order as
        :meth:`call` (a later ``call`` sees it; awaiting one means this one is done too)."""
        try:
            fut = self._pool.submit(fn, *args, **kwargs)
        except RuntimeError:   # closed: nothing is written after close()
            log.warning("journal closed: %s not written", getattr(fn, "__name__", fn))
            return
        fut.add_done_callback(_log_failure)

    def flush(self, timeout: float = 1.0) -> bool:
        """From synchronous code: wait (at most ``timeout`` s) for every call issued so far,
        so a read made on this thread sees them (True: all done). Calls to a database that is
        away fail fast, so this does not wait for the network to come back."""
        try:
            self._pool.submit(_noop).result(timeout)
            return True
        except Exception:  # noqa: BLE001 - closed, or still busy: read what is there
            return False

    async def drain(self) -> None:
        """Wait for every call issued so far."""
        await self.call(_noop)

    async def close(self) -> None:
        await asyncio.to_thread(self._pool.shutdown, wait=True)   # issued writes reach the disk
        self.journal.close()


def _noop() -> None:
    """A journal-thread no-op: awaiting it waits for every journal call issued before."""


def _log_failure(fut: Any) -> None:
    if not fut.cancelled() and fut.exception() is not None:
        log.error("journal write failed", exc_info=fut.exception())
