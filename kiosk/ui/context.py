"""What every screen needs, built by :mod:`kiosk.app` (the composition root). Typed: a
screen reaches the services through these attributes, nothing else."""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from kiosk.ui.ops import Ops

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.flow import GuestFlow
    from kiosk.services.runtime import RuntimeSettings
    from kiosk.services.sessions import SessionService
    from kiosk.services.venue import VenueService
    from kiosk.ui.flow_view import FlowView
    from kiosk.ui.shell import Shell
    from kiosk.ui.widgets.camera import ScanBridge

log = logging.getLogger(__name__)


class SessionSignals(QObject):
    """The session service's updates (plain callback on the loop thread) as a Qt signal."""

    updated = Signal(object)   # kiosk.services.sessions.SessionUpdate


@dataclass
class AppContext:
    settings: Settings
    client: Any                              # kiosk.api.ChargeAssistClient (after the first frame)
    venue: VenueService
    sessions: SessionService | None          # None until after the first frame
    flow: GuestFlow | None = None
    flow_view: FlowView | None = None
    shell: Shell | None = None
    scan: ScanBridge | None = None
    runtime: RuntimeSettings | None = None
    sim: Any = None                          # kiosk.sim.SimServer in demo mode
    billing: Any = None                      # kiosk.services.billing.BillingService (after the first frame)
    time_scale: float = 1.0
    station_timeout_s: float = 30.0          # server seconds a station waits for a car
    signals: SessionSignals = field(default_factory=SessionSignals)
    ops: Ops = field(default_factory=Ops)

    @property
    def closing(self) -> bool:
        return self.ops.closing

    @closing.setter
    def closing(self, value: bool) -> None:
        self.ops.closing = value

    @property
    def tasks(self) -> set[Any]:
        return self.ops.tasks

    def in_use(self) -> set[str]:
        """EVSE uids with a session of this kiosk that is not final (bay view, no guest data)."""
        if self.sessions is None:
            return set()
        try:
            return {e.evse_uid for e in self.sessions.active() if not e.is_final}
        except Exception:  # noqa: BLE001 - the board must render even if the service is not ready
            return set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run a coroutine on the qasync loop (through :class:`~kiosk.ui.ops.Ops`)."""
        return self.ops.run(coro)

    async def cancel_tasks(self) -> None:
        await self.ops.cancel_all()
