"""What the desk must tell staff without being asked: a car full and blocking its bay for
longer than the venue allows (parking fees running), a start that failed, a session the
service runs that no screen here owns, the service out of reach. Qt-free: the desk's
widgets list the alerts, highlight their rows, show the first in a banner and may ring
the bell for the new ones (:attr:`DeskAlerts.new`).

Time in PARKING is server time (the ``Date`` of the service's answers, so the simulator's
virtual clock and a kiosk clock that is off both give the right figure), counted from the
first answer that showed the session parked. A desk started while a car is already parked
counts from then (the service gives no "parked since").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

#: The kinds, most urgent first (the banner shows the first alert of this order).
KINDS = ("parking", "start_failed", "owner_unknown", "unreachable")
#: How a problem sorts on the board (higher first); a problem without an alert still sorts up.
RANK = {"parking": 50, "start_failed": 40, "owner_unknown": 30, "unreachable": 30, "parked": 10,
        "charger_down": 10, "": 0}


@dataclass(frozen=True)
class Alert:
    id: str                       # kind + the board row (stable while the condition lasts)
    kind: str                     # one of KINDS
    row_id: str | None            # the board row it is about (None: the whole service)
    key: str | None               # journal key of the session, if any
    evse_uid: str | None
    location_id: str | None
    bay: str                      # the charger's name as the service gives it (the UI translates)
    parked_s: float | None = None
    detail: str = ""              # the service's own words (already staff-safe), if any
    acknowledged: bool = False


def server_time(client: Any, time_scale: float) -> datetime:
    """Now by the service's clock: the ``Date`` of its last answer moved on by the time since
    (times the simulator's speed), else the kiosk's clock."""
    seen = getattr(client, "last_server_time", None)
    if isinstance(seen, tuple):
        at, mono = seen
        return at + timedelta(seconds=(time.monotonic() - mono) * time_scale)
    return datetime.now(UTC)


class DeskAlerts:
    """Keeps when each session started parking, which alerts were announced and which staff
    acknowledged (an acknowledged alert stays listed, out of the banner, until its condition
    ends; if it comes back it is announced again)."""

    def __init__(self, *, parking_after_s: Callable[[], float], now: Callable[[], datetime]) -> None:
        self.parking_after_s = parking_after_s
        self.now = now
        self._parked_since: dict[str, datetime] = {}
        self._announced: set[str] = set()
        self._acknowledged: set[str] = set()
        self.current: list[Alert] = []
        #: alerts that appeared in the last :meth:`evaluate` (to announce: banner, bell)
        self.new: list[Alert] = []

    # -- parking -----------------------------------------------------------------------------
    def parked_for(self, row_id: str, state: str) -> float | None:
        """Seconds (server time) the session ``row_id`` has been parked, None when it is not."""
        if state != "PARKING":
            self._parked_since.pop(row_id, None)
            return None
        now = self.now()
        since = self._parked_since.setdefault(row_id, now)
        return max(0.0, (now - since).total_seconds())

    def keep_only(self, row_ids: set[str]) -> None:
        for rid in set(self._parked_since) - row_ids:
            del self._parked_since[rid]

    def is_long(self, parked_s: float | None) -> bool:
        return parked_s is not None and parked_s >= self.parking_after_s()

    # -- alerts ------------------------------------------------------------------------------
    def evaluate(self, candidates: list[Alert]) -> list[Alert]:
        """The alerts now (most urgent first), given this refresh's conditions."""
        ids = {a.id for a in candidates}
        self._announced &= ids
        self._acknowledged &= ids
        self.new = [a for a in candidates if a.id not in self._announced]
        self._announced |= {a.id for a in self.new}
        order = {k: i for i, k in enumerate(KINDS)}
        self.current = sorted((replace(a, acknowledged=a.id in self._acknowledged) for a in candidates),
                              key=lambda a: (a.acknowledged, order.get(a.kind, 99), -(a.parked_s or 0), a.bay))
        return self.current

    def acknowledge(self, alert_id: str) -> Alert | None:
        alert = next((a for a in self.current if a.id == alert_id), None)
        if alert is None:
            return None
        self._acknowledged.add(alert_id)
        self.current = self.evaluate_again()
        return alert

    def evaluate_again(self) -> list[Alert]:
        order = {k: i for i, k in enumerate(KINDS)}
        return sorted((replace(a, acknowledged=a.id in self._acknowledged) for a in self.current),
                      key=lambda a: (a.acknowledged, order.get(a.kind, 99), -(a.parked_s or 0), a.bay))

    def open_alerts(self) -> list[Alert]:
        """The alerts not acknowledged (the banner's)."""
        return [a for a in self.current if not a.acknowledged]
