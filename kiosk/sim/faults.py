"""Fault injection per endpoint.

An endpoint is named ``"METHOD /path/template"`` exactly as in the document (e.g.
``"POST /session/start"``, ``"GET /locations/{id}"``), or ``"*"`` for every endpoint.
A request first sleeps ``latency_s`` (real seconds), then may fail without acting
(``error_rate``: the share of requests answered with ``error_status``, or with 429 and
``Retry-After: retry_after`` (default 1 s) when ``rate_limit``; a 503 carries
``Retry-After`` only when ``retry_after`` is given), else it is handled; after acting the
connection can be dropped without an answer (``drop_after_action``) or the answer
truncated into malformed JSON (``malformed_json``). ``rate_limit=True`` with no ``error_rate`` rate-limits every request. ``times`` limits how many requests
the fault applies to (None: until cleared). The error draw is deterministic per seed.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass


@dataclass
class Fault:
    latency_s: float = 0.0
    error_rate: float = 0.0
    error_status: int = 503
    rate_limit: bool = False
    retry_after: float | None = None  # 429: default 1 s; 503: only when given
    drop_after_action: bool = False
    malformed_json: bool = False
    times: int | None = None

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Decision:
    latency_s: float = 0.0
    fail_status: int | None = None  # answer this status without acting
    retry_after: float | None = None
    drop_after_action: bool = False
    malformed_json: bool = False


ALLOWED_ERRORS = (429, 500, 502, 503, 504)


class Faults:
    def __init__(self, seed: int = 1) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}
        self._rng = random.Random(f"kiosk-sim-faults:{seed}")
        self.injected = 0  # how many requests a fault changed

    def set(self, endpoint: str, **kwargs) -> Fault:
        fault = Fault(**kwargs)
        if not 0.0 <= fault.error_rate <= 1.0:
            raise ValueError("error_rate must be within 0..1")
        if fault.error_status not in ALLOWED_ERRORS:
            raise ValueError(f"error_status must be one of {ALLOWED_ERRORS}")
        if fault.latency_s < 0 or (fault.retry_after is not None and fault.retry_after < 0):
            raise ValueError("latency_s and retry_after must be >= 0")
        if fault.times is not None and fault.times < 0:
            raise ValueError("times must be >= 0")
        with self._lock:
            self._faults[endpoint] = fault
        return fault

    def clear(self, endpoint: str | None = None) -> None:
        with self._lock:
            if endpoint is None:
                self._faults.clear()
            else:
                self._faults.pop(endpoint, None)

    def snapshot(self) -> dict[str, dict]:
        with self._lock:
            return {k: v.to_json() for k, v in self._faults.items()}

    def decide(self, endpoint: str) -> Decision:
        with self._lock:
            fault = self._faults.get(endpoint) or self._faults.get("*")
            if fault is None:
                return Decision()
            if fault.times is not None:
                if fault.times <= 0:
                    return Decision()
                fault.times -= 1
            d = Decision(latency_s=fault.latency_s)
            rate = fault.error_rate if fault.error_rate > 0 else (1.0 if fault.rate_limit else 0.0)
            if rate > 0 and self._rng.random() < rate:
                if fault.rate_limit:
                    d.fail_status = 429
                    d.retry_after = 1.0 if fault.retry_after is None else fault.retry_after
                else:
                    d.fail_status = fault.error_status
                    if fault.error_status == 429:
                        d.retry_after = 1.0 if fault.retry_after is None else fault.retry_after
                    elif fault.error_status == 503 and fault.retry_after is not None:
                        d.retry_after = fault.retry_after
            else:
                d.drop_after_action = fault.drop_after_action
                d.malformed_json = fault.malformed_json
            if d.fail_status or d.drop_after_action or d.malformed_json or d.latency_s:
                self.injected += 1
            return d
