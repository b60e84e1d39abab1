"""The session journal: SQLite in WAL mode (``settings.journal_path()``).

Write order for a start (what makes it safe against crashes and lost answers):

1. :meth:`Journal.create_intent` BEFORE the POST: a row in ``sessions`` with
   ``start_phase='posting'``. A partial unique index allows only one open row per EVSE,
   so a double tap (or a second process) cannot start twice: the second insert fails
   with :class:`EvseBusy`.
2. :meth:`record_started` after the answer: the chargeSessionId, ``start_phase='confirmed'``.
3. On an ambiguous failure: :meth:`mark_ambiguous` (``start_phase='ambiguous'``). Before
   anything is started again on that EVSE the service's recent sessions are checked; an
   orphan found there is adopted with :meth:`record_started` (``adopted=1``), otherwise
   :meth:`close_not_started` frees the EVSE.
4. Every status change (:meth:`update`), stop request and receipt is an ``events`` row.

An intent found in 'posting' or 'ambiguous' on launch is exactly the crash-between-POST-
and-record case: the service resolves it through the history look-up.

Also kept here: the attendant audit log (``audit``) and small persisted values (``kv``:
the attendant PIN hash, lockout counters). Codes and PINs are only stored hashed.
Every write is its own transaction with ``synchronous=FULL``.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.core.session import ENDED, State

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    key TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    location_id TEXT NOT NULL,
    evse_uid TEXT NOT NULL,
    connector_id TEXT NOT NULL,
    payment_method_id TEXT NOT NULL,
    tag TEXT,
    code_hash TEXT,
    charge_session_id TEXT UNIQUE,
    start_phase TEXT NOT NULL DEFAULT 'posting',
    adopted INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'PENDING',
    known_state TEXT NOT NULL DEFAULT 'PENDING',
    open INTEGER NOT NULL DEFAULT 1,
    tariff_json TEXT,
    started_at TEXT,
    ended_at TEXT,
    energy_kwh TEXT,
    power_kw TEXT,
    soc TEXT,
    estimate_json TEXT,
    observations_json TEXT,
    final_json TEXT,
    error_message TEXT,
    stop_requested_at TEXT,
    intent_server_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS one_open_per_evse ON sessions(evse_uid) WHERE open = 1;
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS events_key ON events(key);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    session_key TEXT,
    detail TEXT
);
CREATE TABLE IF NOT EXISTS kv (name TEXT PRIMARY KEY, value TEXT);
"""

_COLUMNS = (
    "key", "created_at", "location_id", "evse_uid", "connector_id", "payment_method_id", "tag",
    "code_hash", "charge_session_id", "start_phase", "adopted", "state", "known_state", "open",
    "tariff_json", "started_at", "ended_at", "energy_kwh", "power_kw", "soc", "estimate_json",
    "observations_json", "final_json", "error_message", "stop_requested_at", "intent_server_at", "updated_at",
)
_UPDATABLE = frozenset(_COLUMNS) - {"key", "created_at", "location_id", "evse_uid", "connector_id",
                                    "payment_method_id"}


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

    @classmethod
    def from_db(cls, r: sqlite3.Row) -> SessionRow:
        d = dict(r)
        for k in ("created_at", "started_at", "ended_at", "stop_requested_at", "intent_server_at", "updated_at"):
            d[k] = _dt(d[k])
        d["state"] = State(d["state"])
        d["known_state"] = State(d["known_state"])
        d["adopted"] = bool(d["adopted"])
        d["open"] = bool(d["open"])
        return cls(**d)


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    session_key: str | None
    detail: str


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


class Journal:
    """One SQLite connection (check_same_thread=False, guarded by a lock)."""

    def __init__(self, path: Path | str, *, clock: Any = None) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock or _now
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=30000")
        with self._lock:
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    # -- sessions ---------------------------------------------------------------------
    def create_intent(self, *, location_id: str, evse_uid: str, connector_id: str, payment_method_id: str,
                      tag: str | None = None, code_hash: str | None = None, tariff_json: str | None = None,
                      key: str | None = None) -> SessionRow:
        """Journal a start intent (before the POST). Raises :class:`EvseBusy`."""
        key = key or secrets.token_hex(6)
        now = _iso(self.clock())
        try:
            with self._tx() as db:
                db.execute(
                    "INSERT INTO sessions (key, created_at, location_id, evse_uid, connector_id, payment_method_id,"
                    " tag, code_hash, tariff_json, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (key, now, location_id, evse_uid, str(connector_id), payment_method_id, tag, code_hash,
                     tariff_json, now))
                db.execute("INSERT INTO events (key, at, kind, detail) VALUES (?,?,?,?)",
                           (key, now, "intent", json.dumps({"evse_uid": evse_uid, "connector_id": connector_id})))
        except sqlite3.IntegrityError:
            other = self.open_on_evse(evse_uid)
            raise EvseBusy(evse_uid, other.key if other else None) from None
        row = self.get(key)
        assert row is not None
        return row

    def open_on_evse(self, evse_uid: str) -> SessionRow | None:
        with self._lock:
            r = self._db.execute("SELECT * FROM sessions WHERE evse_uid=? AND open=1", (evse_uid,)).fetchone()
        return SessionRow.from_db(r) if r else None

    def get(self, key: str) -> SessionRow | None:
        with self._lock:
            r = self._db.execute("SELECT * FROM sessions WHERE key=?", (key,)).fetchone()
        return SessionRow.from_db(r) if r else None

    def by_charge_session_id(self, charge_session_id: str) -> SessionRow | None:
        with self._lock:
            r = self._db.execute("SELECT * FROM sessions WHERE charge_session_id=?", (charge_session_id,)).fetchone()
        return SessionRow.from_db(r) if r else None

    def sessions(self, *, open_only: bool = False, not_final: bool = False, limit: int | None = None) -> list[SessionRow]:
        q = "SELECT * FROM sessions"
        if open_only:
            q += " WHERE open=1"
        elif not_final:
            q += " WHERE state NOT IN ('CDR_AVAILABLE','REJECTED','TIMEOUT','CANCELLED','ERROR','NOT_STARTED')"
        q += " ORDER BY created_at DESC"
        if limit:
            q += f" LIMIT {int(limit)}"
        with self._lock:
            rows = self._db.execute(q).fetchall()
        return [SessionRow.from_db(r) for r in rows]

    def update(self, key: str, *, event: str | None = None, detail: Any = None, **fields: Any) -> None:
        """Update columns of a session and append an event row, in one transaction."""
        bad = set(fields) - _UPDATABLE
        if bad:
            raise KeyError(f"not updatable: {sorted(bad)}")
        now = _iso(self.clock())
        vals: dict[str, Any] = {}
        for k, v in fields.items():
            if isinstance(v, datetime):
                v = _iso(v)
            elif isinstance(v, State):
                v = v.value
            elif isinstance(v, bool):
                v = int(v)
            elif v is not None and not isinstance(v, (str, int, float)):
                v = str(v)
            vals[k] = v
        if "state" in fields:
            vals["open"] = 0 if State(fields["state"]) in ENDED else 1
        vals["updated_at"] = now
        sets = ", ".join(f"{k}=?" for k in vals)
        with self._tx() as db:
            db.execute(f"UPDATE sessions SET {sets} WHERE key=?", (*vals.values(), key))
            if event:
                db.execute("INSERT INTO events (key, at, kind, detail) VALUES (?,?,?,?)",
                           (key, now, event, json.dumps(detail, default=str) if detail is not None else None))

    def record_started(self, key: str, charge_session_id: str, *, adopted: bool = False,
                       state: State = State.REQUESTED) -> None:
        self.update(key, charge_session_id=charge_session_id, start_phase="confirmed", adopted=adopted,
                    state=state, known_state=state, event="adopted" if adopted else "started",
                    detail={"charge_session_id": charge_session_id})

    def mark_ambiguous(self, key: str, reason: str) -> None:
        self.update(key, start_phase="ambiguous", event="ambiguous", detail={"reason": reason})

    def close_not_started(self, key: str, reason: str) -> None:
        self.update(key, start_phase="not_started", state=State.NOT_STARTED, known_state=State.NOT_STARTED,
                    event="not_started", detail={"reason": reason})

    def add_event(self, key: str, kind: str, detail: Any = None) -> None:
        now = _iso(self.clock())
        with self._tx() as db:
            db.execute("INSERT INTO events (key, at, kind, detail) VALUES (?,?,?,?)",
                       (key, now, kind, json.dumps(detail, default=str) if detail is not None else None))

    def events(self, key: str | None = None) -> list[tuple[str, str, str, Any]]:
        with self._lock:
            if key is None:
                rows = self._db.execute("SELECT key, at, kind, detail FROM events ORDER BY id").fetchall()
            else:
                rows = self._db.execute("SELECT key, at, kind, detail FROM events WHERE key=? ORDER BY id",
                                        (key,)).fetchall()
        return [(r[0], r[1], r[2], json.loads(r[3]) if r[3] else None) for r in rows]

    # -- audit ------------------------------------------------------------------------
    def audit(self, actor: str, action: str, session_key: str | None = None, detail: str = "") -> None:
        with self._tx() as db:
            db.execute("INSERT INTO audit (at, actor, action, session_key, detail) VALUES (?,?,?,?,?)",
                       (_iso(self.clock()), actor, action, session_key, detail))

    def audit_entries(self, limit: int = 200) -> list[AuditRow]:
        with self._lock:
            rows = self._db.execute("SELECT at, actor, action, session_key, detail FROM audit"
                                    " ORDER BY id DESC LIMIT ?", (int(limit),)).fetchall()
        return [AuditRow(_dt(r[0]), r[1], r[2], r[3], r[4] or "") for r in rows]  # type: ignore[arg-type]

    # -- small values -----------------------------------------------------------------
    def kv_get(self, name: str) -> Any:
        with self._lock:
            r = self._db.execute("SELECT value FROM kv WHERE name=?", (name,)).fetchone()
        return json.loads(r[0]) if r else None

    def kv_set(self, name: str, value: Any) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO kv (name, value) VALUES (?,?) ON CONFLICT(name) DO UPDATE SET value=excluded.value",
                       (name, json.dumps(value)))
