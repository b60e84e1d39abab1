"""Event-loop stall watchdog: a precise 10 ms timer measures how late it fires. Lateness
is time the loop was busy (a stall). Also pings systemd's watchdog from the loop.

The lateness is counted in a fixed histogram (0.1 ms bins up to 2 s, the rest in the last
bin; the maximum kept exactly), not kept as a list: at 100 samples a second a list grew by
~3 MB an hour on a kiosk that runs for months."""

from __future__ import annotations

import logging
import time
from array import array

from PySide6.QtCore import QObject, Qt, QTimer

log = logging.getLogger(__name__)


class LoopWatchdog(QObject):
    def __init__(self, interval_ms: int = 10, warn_ms: float = 250.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.warn_ms = warn_ms
        self._bins = array("Q", bytes(8 * (_BINS + 1)))
        self._count = 0
        self._max = 0.0
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._sd_timer: QTimer | None = None

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()
        try:
            from kiosk.deploy import systemd

            interval = systemd.watchdog_interval()
            if interval:
                self._sd_timer = QTimer(self, interval=int(interval * 1000))
                self._sd_timer.timeout.connect(systemd.notify_watchdog)
                self._sd_timer.start()
        except Exception:  # noqa: BLE001 - never crash for the service manager
            log.debug("systemd watchdog not available", exc_info=True)

    def stop(self) -> None:
        self._timer.stop()
        if self._sd_timer is not None:
            self._sd_timer.stop()

    def reset(self) -> None:
        self._bins = array("Q", bytes(8 * (_BINS + 1)))
        self._count, self._max = 0, 0.0
        self._last = time.perf_counter()

    def _tick(self) -> None:
        now = time.perf_counter()
        late = max(0.0, (now - self._last) * 1000 - self.interval_ms)
        self._last = now
        self.record(late)
        if late > self.warn_ms:
            log.warning("event loop stalled for %.0f ms", late)

    def record(self, late_ms: float) -> None:
        self._bins[min(int(late_ms / _BIN_MS), _BINS)] += 1
        self._count += 1
        self._max = max(self._max, late_ms)

    def stats(self) -> dict[str, float]:
        """Max (exact), p99 (to the bin's 0.1 ms; samples past 2 s count as the maximum) and
        the number of samples since the start or the last :meth:`reset`."""
        if not self._count:
            return {"max_ms": 0.0, "p99_ms": 0.0, "samples": 0}
        rank = min(self._count - 1, int(self._count * 0.99))   # as the sorted list's index was
        seen = 0
        p99 = self._max
        for i, n in enumerate(self._bins):
            seen += n
            if seen > rank:
                p99 = self._max if i == _BINS else min(self._max, (i + 1) * _BIN_MS)
                break
        return {"max_ms": round(self._max, 2), "p99_ms": round(p99, 2), "samples": self._count}


_BIN_MS = 0.1
_BINS = 20_000   # 0.1 ms bins to 2 s
