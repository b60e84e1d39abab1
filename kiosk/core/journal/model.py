"""What the journal returns and raises, the same for both backends (SQLite and PostgreSQL).

Times are stored as ISO-8601 text in UTC on both backends (one row parser, one set of
queries, comparisons as text); lease expiries as seconds since the epoch (a number).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.core.session import State


def _json_ok(v: Any) -> bool:
    if not v:
        return True
    try:
        json.loads(v)
    except (ValueError, TypeError):
        return False
    return True


def _date_ok(v: Any) -> bool:
    if not v:
        return True
    try:
        return datetime.fromisoformat(v).tzinfo is not None
    except (ValueError, TypeError):
        return False


def _iso(v: datetime | None) -> str | None:
    if v is None:
        return None
    if v.tzinfo is None:
        v = v.replace(tzinfo=UTC)
    return v.astimezone(UTC).isoformat()


def _dt(v: str | None) -> datetime | None:
    return datetime.fromisoformat(v) if v else None


def _now() -> datetime:
    return datetime.now(UTC)


class JournalUnavailable(Exception):
    """The journal cannot be opened or written. ``reason``: ``full`` (the disk is full),
    ``read_only`` (the data folder or file cannot be written), ``unreadable`` (any other
    I/O problem), ``unreachable`` (the venue's database cannot be reached), ``schema``
    (the venue's database was upgraded by a release this one cannot work with).
    ``str()`` names the file or database (never a password) and the cause (for staff, the
    log, doctor)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def unavailable(exc: BaseException, path: Path | str) -> JournalUnavailable:
    """What an OSError or sqlite3 error opening or writing the journal means for staff."""
    text = str(exc).lower()
    if isinstance(exc, OSError) and exc.errno == 28 or "disk is full" in text or "no space" in text:
        return JournalUnavailable("full", f"the disk of {path} is full")
    if "readonly" in text or "read-only" in text or isinstance(exc, PermissionError) \
            or isinstance(exc, OSError) and exc.errno in (1, 13, 30):
        return JournalUnavailable("read_only", f"{path} cannot be written (read-only or no permission)")
    return JournalUnavailable("unreadable", f"{path}: {exc}")


class EvseBusy(Exception):
    """Another session (pending start or running) is open on this EVSE."""

    def __init__(self, evse_uid: str, key: str | None) -> None:
        super().__init__(f"EVSE {evse_uid} already has an open session")
        self.evse_uid = evse_uid
        self.key = key


@dataclass(frozen=True)
class SessionRow:
    key: str
    created_at: datetime
    location_id: str
    evse_uid: str
    connector_id: str
    payment_method_id: str
    tag: str | None
    code_hash: str | None
    charge_session_id: str | None
    start_phase: str
    adopted: bool
    state: State
    known_state: State
    open: bool
    tariff_json: str | None
    started_at: datetime | None
    ended_at: datetime | None
    energy_kwh: str | None
    power_kw: str | None
    soc: str | None
    estimate_json: str | None
    observations_json: str | None
    final_json: str | None
    error_message: str | None
    stop_requested_at: datetime | None
    intent_server_at: datetime | None
    updated_at: datetime
    #: the screen that started the session (None: a journal of a single screen, or older rows)
    origin: str | None = None

    @classmethod
    def from_db(cls, r: Any) -> SessionRow:
        """Strict: raises ValueError on anything this kiosk did not write (a bad row).
        Columns this release does not know (added by a newer release of a shared venue
        database, see ``schema.py``) are ignored: the previous release keeps working."""
        d = {k: v for k, v in dict(r).items() if k in _FIELDS}
        for k in ("created_at", "started_at", "ended_at", "stop_requested_at", "intent_server_at", "updated_at"):
            d[k] = _dt(d[k])
            if d[k] is not None and d[k].tzinfo is None:
                raise ValueError(f"{k} has no time zone")
        if d["created_at"] is None or d["updated_at"] is None:
            raise ValueError("no created_at/updated_at")
        d["state"] = State(d["state"])
        d["known_state"] = State(d["known_state"])
        d["adopted"] = bool(d["adopted"])
        d["open"] = bool(d["open"])
        for k in ("tariff_json", "estimate_json", "observations_json", "final_json"):
            if d[k]:
                json.loads(d[k])
        return cls(**d)


_FIELDS = frozenset(f.name for f in dataclasses.fields(SessionRow))


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    session_key: str | None
    detail: str


#: Final states as the journal's queries name them (kiosk.core.session.FINAL)
FINAL_SQL = "('CDR_AVAILABLE','REJECTED','TIMEOUT','CANCELLED','ERROR','NOT_STARTED')"
