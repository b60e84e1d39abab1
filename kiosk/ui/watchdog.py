"""Event-loop stall watchdog: a precise 10 ms timer measures how late it fires. Lateness
is time the loop was busy (a stall). Also pings systemd's watchdog from the loop."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, Qt, QTimer

log = logging.getLogger(__name__)


class LoopWatchdog(QObject):
    def __init__(self, interval_ms: int = 10, warn_ms: float = 250.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.warn_ms = warn_ms
        self.samples: list[float] = []
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
        self.samples.clear()
        self._last = time.perf_counter()

    def _tick(self) -> None:
        now = time.perf_counter()
        late = max(0.0, (now - self._last) * 1000 - self.interval_ms)
        self._last = now
        self.samples.append(late)
        if len(self.samples) > 500_000:
            del self.samples[:250_000]
        if late > self.warn_ms:
            log.warning("event loop stalled for %.0f ms", late)

    def stats(self) -> dict[str, float]:
        if not self.samples:
            return {"max_ms": 0.0, "p99_ms": 0.0, "samples": 0}
        s = sorted(self.samples)
        return {"max_ms": round(s[-1], 2), "p99_ms": round(s[min(len(s) - 1, int(len(s) * 0.99))], 2),
                "samples": len(s)}
