"""The simulator's virtual clock.

Virtual time runs ``speed`` times real time and is anchored at the real time of creation.
Every timestamp the simulator reports (the HTTP ``Date`` header, startTime, nextStatusCall,
data points, history) and every duration it bills is virtual. ``advance()`` jumps ahead
(tests use it to reach a full battery without waiting); ``set_speed()`` re-anchors so
that virtual time never jumps when the speed changes.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, tzinfo


class VirtualClock:
    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self._lock = threading.Lock()
        self._speed = float(speed)
        self._anchor_virtual = (start or datetime.now(UTC)).astimezone(UTC)
        self._anchor_mono = time.monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        with self._lock:
            elapsed = (time.monotonic() - self._anchor_mono) * self._speed
            return self._anchor_virtual + timedelta(seconds=elapsed)

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be > 0")
        now = self.now()
        with self._lock:
            self._anchor_virtual = now
            self._anchor_mono = time.monotonic()
            self._speed = float(speed)

    def advance(self, seconds: float) -> datetime:
        """Jump virtual time forward by ``seconds`` (never backwards)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._anchor_virtual += timedelta(seconds=seconds)
        return self.now()

    def real_seconds(self, virtual_seconds: float) -> float:
        """How long ``virtual_seconds`` take in real time at the current speed."""
        return virtual_seconds / self._speed


def iso(dt: datetime | None) -> str | None:
    """RFC 3339 UTC with milliseconds and a ``Z`` (what .NET services send)."""
    if dt is None:
        return None
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 / RFC 3339 timestamp; naive ones are taken as UTC."""
    t = text.strip()
    if t.endswith(("Z", "z")):
        t = t[:-1] + "+00:00"
    dt = datetime.fromisoformat(t)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


# --- the upstream document's timestamp shapes (the simulator's default answers) ----------

def iso_offset(dt: datetime | None, tz: tzinfo) -> str | None:
    """Local time with the location's offset and milliseconds, as the document shows
    session times: ``2021-07-04T08:27:15.000+02:00``."""
    if dt is None:
        return None
    local = dt.astimezone(tz)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}" + _offset(local)


def iso_plus00(dt: datetime | None, millis: bool = False) -> str | None:
    """UTC with ``+00:00`` and seven fractional digits (.NET ``o`` format), as the document
    shows ``nextStatusCall``: ``2019-07-04T08:27:15.5560402+00:00``; ``millis`` gives
    ``.000+00:00`` (payment method dates)."""
    if dt is None:
        return None
    dt = dt.astimezone(UTC)
    frac = f"{dt.microsecond // 1000:03d}" if millis else f"{dt.microsecond:06d}0"
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + frac + "+00:00"


def local_seven(dt: datetime | None, tz: tzinfo) -> str | None:
    """Local date and time without an offset, seven fractional digits, as the document
    shows tariff ``validFrom``/``validTo``: ``2025-05-31T13:22:00.1960000``."""
    if dt is None:
        return None
    local = dt.astimezone(tz)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond:06d}0"


def _offset(local: datetime) -> str:
    off = local.utcoffset() or timedelta(0)
    sign = "-" if off < timedelta(0) else "+"
    minutes = abs(int(off.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
