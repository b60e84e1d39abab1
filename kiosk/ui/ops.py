"""One path for background work started from the UI (the model is Anki's
``aqt/operations``): a coroutine runs on the qasync loop as a task that is kept referenced;
its failure is logged and, when a guest started it, told in a guest-safe message; the
caller may pass what to do on success and on failure. While the app shuts down nothing new
starts.

    ctx.ops.run(flow.start())                                  # a flow action
    ctx.ops.run(desk.stop(row, reason), success=show, failure=say)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from kiosk.i18n import Translator

_ = Translator("ui")
log = logging.getLogger(__name__)


class Ops:
    def __init__(self, notify: Callable[[str, bool], Any] | None = None) -> None:
        self._notify = notify
        self.tasks: set[asyncio.Future[Any]] = set()
        self.closing = False

    def run(self, coro: Coroutine[Any, Any, Any], *, success: Callable[[Any], Any] | None = None,
            failure: Callable[[BaseException], Any] | None = None) -> asyncio.Future[Any]:
        if self.closing:
            coro.close()
            fut: asyncio.Future[Any] = asyncio.get_event_loop().create_future()
            fut.cancel()
            return fut
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)

        def done(t: asyncio.Future[Any]) -> None:
            self.tasks.discard(t)
            if t.cancelled():
                return
            exc = t.exception()
            if exc is None:
                if success is not None:
                    success(t.result())
                return
            if failure is not None:
                failure(exc)
                return
            log.error("background task failed: %s", type(exc).__name__, exc_info=exc)
            if self._notify is not None:
                self._notify(_("Something went wrong. Please try again; if it happens again, ask the staff."), True)
        task.add_done_callback(done)
        return task

    async def cancel_all(self) -> None:
        pending = [t for t in self.tasks if not t.done()]
        for t in pending:
            t.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
