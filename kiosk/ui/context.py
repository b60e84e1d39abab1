"""What every guest screen needs, built by :mod:`kiosk.app` (the composition root)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class SessionSignals(QObject):
    """The session service's updates (plain callback on the loop thread) as a Qt signal."""

    updated = Signal(object)   # kiosk.services.sessions.SessionUpdate


@dataclass
class AppContext:
    settings: Any
    client: Any
    venue: Any                      # kiosk.services.venue.VenueService
    sessions: Any                   # kiosk.services.sessions.SessionService
    shell: Any = None               # kiosk.ui.shell.Shell
    scan: Any = None                # kiosk.ui.widgets.camera.ScanBridge
    runtime: Any = None             # kiosk.services.attendant.RuntimeSettings
    sim: Any = None                 # kiosk.sim.SimServer in demo mode
    time_scale: float = 1.0
    station_timeout_s: float = 30.0  # server seconds a station waits for a car
    signals: SessionSignals = field(default_factory=SessionSignals)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    closing: bool = False           # set by KioskApp.aclose(): no new background work

    def in_use(self) -> set[str]:
        """EVSE uids with a session of this kiosk that is not final (bay view, no guest data)."""
        if self.sessions is None:
            return set()
        try:
            return {e.evse_uid for e in self.sessions.active() if not e.is_final}
        except Exception:  # noqa: BLE001 - the board must render even if the service is not ready
            return set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run a coroutine on the qasync loop; keep a reference; log (not raise) failures.
        While the app shuts down nothing new starts: the coroutine is closed and a
        cancelled future returned (a board refresh must not run on a closed client)."""
        if self.closing:
            coro.close()
            fut: asyncio.Future[Any] = asyncio.get_event_loop().create_future()
            fut.cancel()
            return fut  # type: ignore[return-value]
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self.tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                exc = t.exception()
                log.error("background task failed: %s", type(exc).__name__, exc_info=exc)
        task.add_done_callback(done)
        return task

    async def cancel_tasks(self) -> None:
        pending = [t for t in self.tasks if not t.done()]
        for t in pending:
            t.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
