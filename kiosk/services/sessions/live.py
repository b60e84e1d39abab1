"""The in-memory record of one journaled session (``Live``), the server's clock as seen
from its ``Date`` headers, and the registry of live sessions that every part shares.

The registry owns the records and the subscribers: the start protocol adds records, the
poller changes them, the views read them, and every change is announced through
:meth:`Registry.notify`. The journal row stays the truth on disk.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from kiosk.core.estimate import EstimateTracker, load_tariff
from kiosk.core.session import Lifecycle, State

from .model import SessionUpdate

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Callback = Callable[[SessionUpdate], Any]


def utcnow() -> datetime:
    return datetime.now(UTC)


def dec(v: Any) -> Decimal | None:
    if v is None:
        return None
    return v if isinstance(v, Decimal) else Decimal(str(v))


def aware(v: datetime | None) -> datetime | None:
    if v is None:
        return None
    return v if v.tzinfo is not None else v.replace(tzinfo=UTC)


class ServerClock:
    """Estimate of the server's clock from the last ``Date`` seen (server seconds run
    ``time_scale`` times faster than the kiosk's monotonic clock)."""

    def __init__(self, time_scale: float) -> None:
        self.time_scale = time_scale
        self.anchor: tuple[datetime, float] | None = None

    def saw(self, server_time: datetime | None) -> None:
        if server_time is not None:
            self.anchor = (aware(server_time), time.monotonic())  # type: ignore[arg-type]

    def now(self) -> datetime | None:
        if self.anchor is None:
            return None
        at, mono = self.anchor
        return at + timedelta(seconds=(time.monotonic() - mono) * self.time_scale)


@dataclass(frozen=True)
class StoredQuote:
    """An estimate as the journal keeps it (what a released session needs of its quote)."""

    currency: str
    incl_vat: Decimal
    excl_vat: Decimal


@dataclass
class Live:
    """In-memory state of one journaled session (the journal row is the truth on disk)."""

    key: str
    location_id: str
    evse_uid: str
    connector_id: str
    tag: str | None
    code_hash: str | None
    created_at: datetime
    charge_session_id: str | None
    start_phase: str
    lifecycle: Lifecycle
    tracker: EstimateTracker
    tariff: Any = None
    server_time: datetime | None = None
    next_status_call: datetime | None = None
    failures: int = 0
    power_kw: Decimal | None = None
    energy_kwh: Decimal | None = None
    soc: Decimal | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    error_message: str | None = None
    estimate: Any = None               # last live Quote (frozen once the charge has ended)
    total_costs: Decimal | None = None
    total_vat: Decimal | None = None
    vat_percentage: Decimal | None = None
    currency: str | None = None
    receipt_number: str | None = None
    difference: Decimal | None = None
    stop_requested: bool = False
    stop_sent: bool = False            # a stop reached the service (or may have: answer lost)
    stop_task: asyncio.Future | None = None   # the stop request in flight (shared by every tap)
    est_seq: int = 0
    est_applied: int = 0
    est_at: float = -1e9
    intent_server_at: datetime | None = None
    intent_mono: float | None = None   # time.monotonic() at the intent (this process only)
    finished_local: datetime | None = None
    task: asyncio.Task | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    replan: bool = False               # with wake: a new nextStatusCall came (a stop), wait for it
    released: bool = False             # final: tracker and tariff dropped (the journal keeps them)
    origin: str | None = None          # the screen of the venue that started it (None: this one's journal)

    @classmethod
    def from_row(cls, row: Any, tz: str) -> Live:
        lc = Lifecycle(state=row.state, known=row.known_state)
        # a final session needs neither its tariff nor its observations any more
        tracker = EstimateTracker(tz=tz) if lc.is_final else EstimateTracker.from_json(row.observations_json, tz=tz)
        live = cls(key=row.key, location_id=row.location_id, evse_uid=row.evse_uid, connector_id=row.connector_id,
                   tag=row.tag, code_hash=row.code_hash, created_at=row.created_at,
                   charge_session_id=row.charge_session_id, start_phase=row.start_phase, lifecycle=lc,
                   tracker=tracker, tariff=None if lc.is_final else load_tariff(row.tariff_json),
                   power_kw=dec(row.power_kw), energy_kwh=dec(row.energy_kwh), soc=dec(row.soc),
                   started_at=row.started_at, ended_at=row.ended_at, error_message=row.error_message,
                   stop_requested=row.stop_requested_at is not None,
                   stop_sent=row.stop_requested_at is not None and row.charge_session_id is not None,
                   origin=getattr(row, "origin", None))
        if row.estimate_json:
            est = json.loads(row.estimate_json)
            live.estimate = StoredQuote(est["currency"], Decimal(est["incl"]), Decimal(est["excl"]))
        if row.final_json:
            fin = json.loads(row.final_json)
            live.total_costs = dec(fin.get("total_costs"))
            live.total_vat = dec(fin.get("total_vat"))
            live.vat_percentage = dec(fin.get("vat_percentage"))
            live.currency = fin.get("currency")
            live.receipt_number = fin.get("receipt_number")
            live.difference = dec(fin.get("difference"))
        if row.intent_server_at:
            live.intent_server_at = row.intent_server_at
        if lc.is_final:
            live.finished_local = row.updated_at
            live.released = True
        return live

    def release(self, tz: str) -> None:
        """A final session drops its observations and tariff from memory (the journal keeps
        them), like a final row loaded from the journal."""
        if self.released:
            return
        self.tracker = EstimateTracker(tz=tz)
        self.tariff = None
        if self.estimate is not None and not isinstance(self.estimate, StoredQuote):
            self.estimate = StoredQuote(self.estimate.currency, self.estimate.incl_vat, self.estimate.excl_vat)
        self.released = True


class Registry:
    """The live sessions of this process and who wants to hear of their changes."""

    def __init__(self, *, clock: Clock, tz: str, memory_s: float, load_row: Callable[[str], Any],
                 memory_max: int = 50) -> None:
        self.clock = clock
        self.tz = tz
        self.memory_s = memory_s      # an ended session stays in memory this long (kiosk seconds)...
        self.memory_max = memory_max  # ...and only the newest this many ended ones
        self._load_row = load_row
        self.sessions: dict[str, Live] = {}
        self._subs: list[Callback] = []
        self._forget_hooks: list[Callable[[set[str]], None]] = []

    def on_forget(self, hook: Callable[[set[str]], None]) -> None:
        """``hook(keys)`` when ended sessions leave memory: whoever keeps something per
        session (known codes, guess limits, guest prices, receipts) drops it then."""
        self._forget_hooks.append(hook)

    def __contains__(self, key: str) -> bool:
        return key in self.sessions

    def values(self) -> list[Live]:
        return list(self.sessions.values())

    def add(self, live: Live) -> Live:
        self.sessions[live.key] = live
        return live

    def add_row(self, row: Any) -> Live:
        return self.add(Live.from_row(row, self.tz))

    def maybe(self, key: str) -> Live | None:
        return self.sessions.get(key)

    def get(self, key: str) -> Live | None:
        """The live record of ``key``, loaded from the journal if this process forgot it."""
        live = self.sessions.get(key)
        if live is None:
            row = self._load_row(key)
            if row is None:
                return None
            live = self.add_row(row)
        return live

    def forget_old(self) -> None:
        """Drop ended sessions ``memory_s`` after they ended, or beyond the newest
        ``memory_max`` (as a restart would: only the journal has them then; :meth:`get` loads
        one again when asked, a code check reads the charger's recent ones), so memory does
        not grow with every guest however fast guests come."""
        now = self.clock()
        ended = sorted((live for live in self.sessions.values()
                        if live.lifecycle.is_final and live.finished_local is not None
                        and (live.task is None or live.task.done())
                        and (live.stop_task is None or live.stop_task.done())),
                       key=lambda lv: lv.finished_local, reverse=True)   # type: ignore[arg-type,return-value]
        old = {lv.key for i, lv in enumerate(ended)
               if i >= self.memory_max or (now - lv.finished_local).total_seconds() > self.memory_s}  # type: ignore[operator]
        for key in old:
            del self.sessions[key]
        if old:
            for hook in self._forget_hooks:
                try:
                    hook(old)
                except Exception:  # noqa: BLE001 - one owner's clean-up must not stop the others'
                    log.exception("forgetting sessions failed")

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        self._subs.append(callback)
        return lambda: self._subs.remove(callback) if callback in self._subs else None

    def notify(self, update: SessionUpdate) -> None:
        for cb in list(self._subs):
            try:
                res = cb(update)
                if asyncio.iscoroutine(res):
                    asyncio.ensure_future(res)
            except Exception:  # a broken subscriber must not stop the session
                log.exception("session subscriber failed")


def was_state(previous: State | None) -> str | None:
    return previous.value if previous is not None else None
