"""When and how long to wait before repeating a request.

Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
Jitter"): before retry *n* (1-based) wait ``uniform(0, min(cap, base * 2**(n-1)))``.
A ``Retry-After`` header (seconds or an HTTP date) replaces the jittered delay; if it asks
for longer than ``max_retry_after`` the client gives up at once and raises the error, so
a kiosk never hangs on a far-off retry.

Only requests that are safe to repeat are retried (see :func:`is_repeatable`); the
decision is the client's, this module only computes delays.
"""

from __future__ import annotations

import asyncio
import math
import random as _random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

#: HTTP statuses worth another try of a repeatable request.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

#: POSTs that only read (the API uses POST to carry a body), hence safe to repeat.
REPEATABLE_POSTS = frozenset({"/qr", "/locations/availability",
                              "/bulktariff/{appToken}/paymentmethod/{paymentMethodId}"})


def is_repeatable(method: str, path_template: str) -> bool:
    """True for requests whose repetition cannot do harm: GET, PUT, DELETE and read-only
    POSTs. ``POST /session/start`` and ``POST /session/stop`` never are."""
    method = method.upper()
    if method in {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}:
        return True
    return method == "POST" and path_template in REPEATABLE_POSTS


#: Longest wait a Retry-After may ask for; an absurd one is held to this.
MAX_RETRY_AFTER_S = 3600.0


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds (``120``; a decimal is
    tolerated) or an HTTP date. None when unreadable or not a finite number; a date in the
    past or a negative number is 0; anything beyond an hour is an hour."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = None
    if seconds is not None:
        if not math.isfinite(seconds):
            return None
        return min(MAX_RETRY_AFTER_S, max(0.0, seconds))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(MAX_RETRY_AFTER_S, max(0.0, (when - (now or datetime.now(UTC))).total_seconds()))


@dataclass(frozen=True)
class RetryPolicy:
    """Retry settings. ``sleep`` and ``random`` are injectable for tests."""

    max_attempts: int = 3  # attempts in all, the first one included
    base_delay: float = 0.5  # seconds
    max_delay: float = 8.0  # cap of one backoff delay
    max_retry_after: float = 30.0  # longest Retry-After the client is willing to wait
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False, compare=False)
    random: Callable[[], float] = field(default=_random.random, repr=False, compare=False)

    @classmethod
    def none(cls) -> RetryPolicy:
        """A policy that never retries."""
        return cls(max_attempts=1)

    def backoff(self, retry_number: int) -> float:
        """Full-jitter delay before retry ``retry_number`` (1 for the first retry)."""
        ceiling: float = min(self.max_delay, self.base_delay * (2 ** max(0, retry_number - 1)))
        return ceiling * float(self.random())

    def delay(self, retry_number: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if retry_number >= self.max_attempts:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        return self.backoff(retry_number)
