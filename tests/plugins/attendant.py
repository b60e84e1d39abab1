"""Fixtures of the attendant desk tests.

``att_loop``: a qasync event loop over pytest-qt's QApplication, set as the current
asyncio loop, so ``@asyncSlot`` handlers run as they do in the app. A test writes its
scenario as a coroutine and runs it with ``att_loop.run_until_complete(...)``, awaiting
:func:`wait_until` between clicks (no sleeps as assertions).
(The UI engineer's tests/plugins/ui.py may provide the same; this one has its own name so
the two never shadow each other.)
"""

from __future__ import annotations

import asyncio
import time

import pytest


async def wait_until(pred, timeout: float = 10.0, interval: float = 0.01, what: str = "condition"):
    """Poll ``pred()`` on the running loop until true; fail the test after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


@pytest.fixture
def att_loop(qapp):
    import qasync

    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for t in pending:
            t.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        asyncio.set_event_loop(None)
        loop.close()
