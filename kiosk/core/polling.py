"""When to ask the service for a session's status again.

- Until CHARGING (or a final state): every ``startup_s`` server seconds (3 to 5).
- From then on: at ``nextStatusCall``, read relative to the server's own ``Date``
  (``server_time``) so a wrong kiosk clock cannot break it, clamped to
  ``[min_s, max_s]``; without a usable nextStatusCall, ``fallback_s``.
- While the service is unreachable: exponential backoff from ``backoff_base_s`` up to
  ``backoff_max_s`` with +-20 % jitter.

Every figure is in server seconds; the returned wait is divided by ``time_scale`` (1 for the
real service, the simulator's speed in demo mode and tests).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.core.session import FINAL, STARTUP, State


@dataclass
class PollPolicy:
    startup_s: float = 4.0
    min_s: float = 5.0
    max_s: float = 120.0
    fallback_s: float = 15.0
    backoff_base_s: float = 2.0
    backoff_max_s: float = 60.0
    time_scale: float = 1.0
    rand: Callable[[], float] = field(default=random.random, repr=False)

    def __post_init__(self) -> None:
        if not 3.0 <= self.startup_s <= 5.0:
            raise ValueError("startup_s must be between 3 and 5 seconds")
        if self.time_scale <= 0:
            raise ValueError("time_scale must be positive")
        if not 0 < self.min_s <= self.max_s:
            raise ValueError("need 0 < min_s <= max_s")

    def server_delay(self, state: State, *, server_time: datetime | None = None,
                     next_status_call: datetime | None = None, failures: int = 0) -> float | None:
        """Seconds of server time to wait before the next poll; None: stop polling."""
        if state in FINAL:
            return None
        if failures > 0 or state == State.UNKNOWN:
            n = max(failures, 1)
            base = min(self.backoff_max_s, self.backoff_base_s * (2 ** (n - 1)))
            return base * (0.8 + 0.4 * self.rand())
        if state in STARTUP:
            return self.startup_s
        if next_status_call is None or server_time is None:
            return self.fallback_s
        wait = (next_status_call - server_time).total_seconds()
        return min(self.max_s, max(self.min_s, wait))

    def delay(self, state: State, *, server_time: datetime | None = None,
              next_status_call: datetime | None = None, failures: int = 0) -> float | None:
        """Real seconds to wait (server seconds / time_scale); None: stop polling."""
        d = self.server_delay(state, server_time=server_time, next_status_call=next_status_call,
                              failures=failures)
        return None if d is None else d / self.time_scale
