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
import logging
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

log = logging.getLogger(__name__)


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


def _is_damage(exc: BaseException) -> bool:
    """An OperationalError that means the file is damaged (not full, locked or read-only)."""
    text = str(exc).lower()
    return any(w in text for w in ("malformed", "not a database", "corrupt", "quick_check"))

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
CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    tbl TEXT NOT NULL,
    key TEXT,
    raw TEXT NOT NULL,
    reason TEXT NOT NULL
);
-- hotel billing (issue 16): kiosk receipt numbers, the postings outbox, room stays, desk flags
CREATE TABLE IF NOT EXISTS receipt_counters (
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (series, year)
);
CREATE TABLE IF NOT EXISTS receipts (
    key TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    token TEXT NOT NULL UNIQUE,
    issued_at TEXT NOT NULL,
    basis TEXT NOT NULL,
    guest_json TEXT NOT NULL,
    UNIQUE (series, year, seq)
);
CREATE TABLE IF NOT EXISTS postings (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    reverses TEXT,
    created_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'waiting',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at TEXT NOT NULL,
    last_error TEXT,
    delivered_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS one_charge_posting_per_session ON postings(key) WHERE kind = 'charge';
CREATE INDEX IF NOT EXISTS postings_due ON postings(status, next_at);
CREATE TABLE IF NOT EXISTS room_stays (
    id TEXT PRIMARY KEY,
    room TEXT NOT NULL,
    initial TEXT,
    source TEXT NOT NULL,
    verified INTEGER NOT NULL DEFAULT 1,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    external_ref TEXT,
    payment_method_id TEXT,
    pms_ref TEXT,
    wallet_removed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS session_prices (key TEXT PRIMARY KEY, policy_json TEXT NOT NULL, at TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS one_open_stay_per_room ON room_stays(room) WHERE ended_at IS NULL;
CREATE TABLE IF NOT EXISTS desk_flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    room TEXT,
    session_key TEXT,
    detail TEXT,
    cleared_at TEXT,
    cleared_by TEXT
);
"""

_COLUMNS = (
    "key", "created_at", "location_id", "evse_uid", "connector_id", "payment_method_id", "tag",
    "code_hash", "charge_session_id", "start_phase", "adopted", "state", "known_state", "open",
    "tariff_json", "started_at", "ended_at", "energy_kwh", "power_kw", "soc", "estimate_json",
    "observations_json", "final_json", "error_message", "stop_requested_at", "intent_server_at", "updated_at",
)
_UPDATABLE = frozenset(_COLUMNS) - {"key", "created_at", "location_id", "evse_uid", "connector_id",
                                    "payment_method_id"}


class JournalUnavailable(Exception):
    """The journal cannot be opened or written. ``reason``: ``full`` (the disk is full),
    ``read_only`` (the data folder or file cannot be written), ``unreadable`` (any other
    I/O problem). ``str()`` names the file and the cause (for staff, the log, doctor)."""

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

    @classmethod
    def from_db(cls, r: sqlite3.Row) -> SessionRow:
        """Strict: raises ValueError on anything this kiosk did not write (a bad row)."""
        d = dict(r)
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
        """Open (or create) the journal. A damaged file is moved aside (``damaged_copy``)
        and a new one started; a full disk or a folder that cannot be written raises
        :class:`JournalUnavailable` with the reason."""
        self.path = Path(path)
        self.clock = clock or _now
        self._lock = threading.RLock()
        self.damaged_copy: Path | None = None
        self.quarantined = 0            # bad rows set aside since this journal was opened
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and not _is_damage(exc):
                raise unavailable(exc, self.path) from exc
            self.damaged_copy = self._move_aside(exc)
            try:
                self._db = self._open()
            except (OSError, sqlite3.Error) as again:
                raise unavailable(again, self.path) from again
        except OSError as exc:
            raise unavailable(exc, self.path) from exc

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None, check_same_thread=False)
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA busy_timeout=30000")
            db.execute("PRAGMA cache_size=-1024")   # 1 MB of pages (default 2 MB): the OS caches the file too
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {check}")
            with self._lock:
                db.executescript(SCHEMA)
        except BaseException:
            db.close()
            raise
        return db

    def _move_aside(self, exc: BaseException) -> Path:
        """A damaged journal goes to ``<name>.damaged-<UTC time>`` (with its -wal, -shm), for
        the record; the kiosk starts a new one and rebuilds what it can from the service."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(self.path) + suffix)
            if src.exists():
                src.rename(Path(str(target) + suffix))
        log.error("journal %s is damaged (%s): moved aside to %s, starting a new one", self.path, exc, target)
        return target

    def integrity(self) -> str:
        """``ok`` or what SQLite's quick_check found."""
        with self._lock:
            return str(self._db.execute("PRAGMA quick_check").fetchone()[0])

    def _row(self, r: sqlite3.Row) -> SessionRow | None:
        """A session row. A bad one (a state this kiosk does not know, bad JSON, a bad date)
        is copied to ``quarantine`` and repaired in place so one bad row never stops the
        kiosk: with a chargeSessionId it goes on as UNKNOWN (the next poll tells the truth),
        an intent without one is closed as never started. None if even that fails."""
        try:
            return SessionRow.from_db(r)
        except (ValueError, TypeError, KeyError) as exc:
            self._quarantine("sessions", r["key"], dict(r), exc)
        with self._lock:
            again = self._db.execute("SELECT * FROM sessions WHERE key=?", (r["key"],)).fetchone()
        try:
            return SessionRow.from_db(again) if again else None
        except (ValueError, TypeError, KeyError):
            return None

    def _quarantine(self, table: str, key: str | None, raw: dict[str, Any], exc: BaseException) -> None:
        log.error("journal: bad %s row %s set aside (%s)", table, key, exc)
        self.quarantined += 1
        try:
            with self._tx() as db:
                db.execute("INSERT INTO quarantine (at, tbl, key, raw, reason) VALUES (?,?,?,?,?)",
                           (_iso(_now()), table, key, json.dumps(raw, default=str), f"{type(exc).__name__}: {exc}"))
                if table == "sessions":
                    now = _iso(_now())
                    fix = {c: None for c in ("tariff_json", "estimate_json", "observations_json", "final_json")
                           if not _json_ok(raw.get(c))}
                    for c in ("started_at", "ended_at", "stop_requested_at", "intent_server_at"):
                        if not _date_ok(raw.get(c)):
                            fix[c] = None
                    for c in ("created_at", "updated_at"):
                        if not _date_ok(raw.get(c)) or not raw.get(c):
                            fix[c] = now
                    if raw.get("charge_session_id"):
                        fix.update(state="UNKNOWN", known_state="UNKNOWN")
                    else:
                        fix.update(state="NOT_STARTED", known_state="NOT_STARTED", open=0, start_phase="not_started")
                    sets = ", ".join(f"{c}=?" for c in fix)
                    db.execute(f"UPDATE sessions SET {sets} WHERE key=?", (*fix.values(), key))
                elif table == "kv":
                    db.execute("DELETE FROM kv WHERE name=?", (key,))
        except sqlite3.Error:
            log.exception("journal: could not set the bad row aside")

    def quarantine_entries(self) -> list[tuple[str, str, str | None, str]]:
        """(at, table, key, reason) of every bad row set aside, newest first."""
        with self._lock:
            rows = self._db.execute("SELECT at, tbl, key, reason FROM quarantine ORDER BY id DESC").fetchall()
        return [(r[0], r[1], r[2], r[3]) for r in rows]

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
        except sqlite3.OperationalError as exc:
            raise unavailable(exc, self.path) from exc
        row = self.get(key)
        assert row is not None
        return row

    def open_on_evse(self, evse_uid: str) -> SessionRow | None:
        with self._lock:
            r = self._db.execute("SELECT * FROM sessions WHERE evse_uid=? AND open=1", (evse_uid,)).fetchone()
        return self._row(r) if r else None

    def get(self, key: str) -> SessionRow | None:
        with self._lock:
            r = self._db.execute("SELECT * FROM sessions WHERE key=?", (key,)).fetchone()
        return self._row(r) if r else None

    def by_charge_session_id(self, charge_session_id: str) -> SessionRow | None:
        with self._lock:
            r = self._db.execute("SELECT * FROM sessions WHERE charge_session_id=?", (charge_session_id,)).fetchone()
        return self._row(r) if r else None

    def sessions_at(self, evse_uid: str, *, limit: int = 20) -> list[SessionRow]:
        """The newest sessions of one charger that have a guest code (a code typed there is
        checked against them, also once they have left the kiosk's memory)."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM sessions WHERE evse_uid=? AND code_hash IS NOT NULL "
                                    "ORDER BY created_at DESC LIMIT ?", (evse_uid, int(limit))).fetchall()
        return [row for row in map(self._row, rows) if row is not None]

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
        return [row for row in map(self._row, rows) if row is not None]

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

    def record_foreign(self, *, charge_session_id: str, location_id: str, evse_uid: str, connector_id: str,
                       state: State, payment_method_id: str = "") -> SessionRow | None:
        """A session the service runs that no row here owns (a journal lost or rebuilt,
        another screen on the same appToken): recorded as ``start_phase='foreign'``
        ("owner unknown" for the attendant; it holds its EVSE like any open session).
        None when the EVSE already has an open row or the session is known."""
        key = secrets.token_hex(6)
        now = _iso(self.clock())
        try:
            with self._tx() as db:
                db.execute(
                    "INSERT INTO sessions (key, created_at, location_id, evse_uid, connector_id, payment_method_id,"
                    " charge_session_id, start_phase, state, known_state, updated_at)"
                    " VALUES (?,?,?,?,?,?,?,'foreign',?,?,?)",
                    (key, now, location_id, evse_uid, str(connector_id), payment_method_id, charge_session_id,
                     state.value, state.value, now))
                db.execute("INSERT INTO events (key, at, kind, detail) VALUES (?,?,?,?)",
                           (key, now, "foreign", json.dumps({"charge_session_id": charge_session_id})))
        except sqlite3.IntegrityError:
            return None
        return self.get(key)

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
        """The value, or None (also for a bad one, which is set aside)."""
        with self._lock:
            r = self._db.execute("SELECT value FROM kv WHERE name=?", (name,)).fetchone()
        if r is None:
            return None
        try:
            return json.loads(r[0])
        except (ValueError, TypeError) as exc:
            self._quarantine("kv", name, {"name": name, "value": r[0]}, exc)
            return None

    def kv_set(self, name: str, value: Any) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO kv (name, value) VALUES (?,?) ON CONFLICT(name) DO UPDATE SET value=excluded.value",
                       (name, json.dumps(value)))

    # -- hotel billing (issue 16): receipt numbers, postings outbox, room stays, desk flags --
    # Rows come back as plain dicts; kiosk.services.billing gives them meaning.
    def _rows(self, q: str, args: tuple = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._db.execute(q, args).fetchall()]

    def issue_receipt(self, key: str, *, series: str, year: int, token: str, basis: str, guest: dict[str, Any],
                      posting_id: str | None = None, posting: dict[str, Any] | None = None,
                      url_template: str | None = None) -> dict[str, Any]:
        """The kiosk receipt of session ``key`` and (with ``posting``) its charge posting, in
        ONE transaction: the next number of ``series``/``year`` is taken from its counter row
        under the write lock (BEGIN IMMEDIATE), so a crash rolls back number and posting
        together (no gap) and two processes never take the same number. Idempotent: a
        session that has a receipt keeps its number; a missing charge posting is added."""
        now = _iso(self.clock())
        with self._tx() as db:
            r = db.execute("SELECT * FROM receipts WHERE key=?", (key,)).fetchone()
            if r is None:
                db.execute("INSERT INTO receipt_counters (series, year, last) VALUES (?,?,0)"
                           " ON CONFLICT(series, year) DO NOTHING", (series, year))
                db.execute("UPDATE receipt_counters SET last = last + 1 WHERE series=? AND year=?", (series, year))
                seq = db.execute("SELECT last FROM receipt_counters WHERE series=? AND year=?",
                                 (series, year)).fetchone()[0]
                number = f"{series}-{year}-{seq:06d}"
                db.execute("INSERT INTO receipts (key, number, series, year, seq, token, issued_at, basis, guest_json)"
                           " VALUES (?,?,?,?,?,?,?,?,?)",
                           (key, number, series, year, seq, token, now, basis, json.dumps(guest, default=str)))
                db.execute("INSERT INTO events (key, at, kind, detail) VALUES (?,?,?,?)",
                           (key, now, "kiosk_receipt", json.dumps({"number": number, "basis": basis})))
                r = db.execute("SELECT * FROM receipts WHERE key=?", (key,)).fetchone()
            out = dict(r)
            if posting is not None and posting_id is not None:
                has = db.execute("SELECT 1 FROM postings WHERE key=? AND kind='charge'", (key,)).fetchone()
                if has is None:
                    url = url_template.format(token=out["token"]) if url_template else None
                    body = dict(posting, receipt_number=out["number"], receipt_url=url)
                    db.execute("INSERT INTO postings (id, key, kind, created_at, payload, next_at)"
                               " VALUES (?,?,?,?,?,?)", (posting_id, key, "charge", now,
                                                       json.dumps(body, default=str, sort_keys=True), now))
        return out

    def receipt_row(self, key: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM receipts WHERE key=?", (key,))
        return rows[0] if rows else None

    def receipt_rows(self, *, series: str | None = None) -> list[dict[str, Any]]:
        if series is None:
            return self._rows("SELECT * FROM receipts ORDER BY series, year, seq")
        return self._rows("SELECT * FROM receipts WHERE series=? ORDER BY year, seq", (series,))

    def update_receipt(self, key: str, *, basis: str, guest: dict[str, Any]) -> None:
        """The final figures of a receipt first issued on the estimate (the number stays)."""
        with self._tx() as db:
            db.execute("UPDATE receipts SET basis=?, guest_json=? WHERE key=?",
                       (basis, json.dumps(guest, default=str), key))

    def add_posting(self, posting_id: str, key: str, kind: str, payload: dict[str, Any], *,
                    reverses: str | None = None) -> bool:
        """Queue a posting (a reversal or a correction); False when that id exists already."""
        now = _iso(self.clock())
        with self._tx() as db:
            try:
                db.execute("INSERT INTO postings (id, key, kind, reverses, created_at, payload, next_at)"
                           " VALUES (?,?,?,?,?,?,?)", (posting_id, key, kind, reverses, now,
                                                     json.dumps(payload, default=str, sort_keys=True), now))
            except sqlite3.IntegrityError:
                return False
        return True

    def posting_row(self, posting_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM postings WHERE id=?", (posting_id,))
        return rows[0] if rows else None

    def posting_rows(self, *, status: str | None = None, key: str | None = None,
                     limit: int = 500) -> list[dict[str, Any]]:
        q, args = "SELECT * FROM postings", []
        where = []
        if status is not None:
            where.append("status=?")
            args.append(status)
        if key is not None:
            where.append("key=?")
            args.append(key)
        if where:
            q += " WHERE " + " AND ".join(where)
        q += " ORDER BY created_at DESC, id LIMIT ?"
        return self._rows(q, (*args, int(limit)))

    def postings_due(self, now: datetime, limit: int = 20) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM postings WHERE status='waiting' AND next_at <= ? ORDER BY next_at, id"
                          " LIMIT ?", (_iso(now), int(limit)))

    def next_posting_at(self) -> datetime | None:
        rows = self._rows("SELECT MIN(next_at) AS t FROM postings WHERE status='waiting'")
        return _dt(rows[0]["t"]) if rows and rows[0]["t"] else None

    def posting_attempt(self, posting_id: str) -> int:
        """Count an attempt BEFORE it is sent (a crash after sending still counts it)."""
        with self._tx() as db:
            db.execute("UPDATE postings SET attempts = attempts + 1 WHERE id=?", (posting_id,))
            r = db.execute("SELECT attempts FROM postings WHERE id=?", (posting_id,)).fetchone()
        return int(r[0]) if r else 0

    def posting_result(self, posting_id: str, *, status: str, next_at: datetime | None = None,
                       error: str | None = None) -> None:
        now = self.clock()
        with self._tx() as db:
            db.execute("UPDATE postings SET status=?, next_at=?, last_error=?, delivered_at=? WHERE id=?",
                       (status, _iso(next_at or now), error, _iso(now) if status == "delivered" else None,
                        posting_id))

    def billing_backlog(self) -> list[dict[str, Any]]:
        """Sessions with final costs (CDR_AVAILABLE) but no kiosk receipt yet (a crash
        between the costs and the receipt), and sessions whose receipt was issued on the
        estimate: both are (re)finished on launch."""
        return self._rows(
            "SELECT s.key FROM sessions s LEFT JOIN receipts r ON r.key = s.key"
            " WHERE s.state='CDR_AVAILABLE' AND s.final_json IS NOT NULL"
            " AND (r.key IS NULL OR r.basis != 'final')")

    def ended_without_cdr(self, before: datetime) -> list[dict[str, Any]]:
        """Sessions that reached COMPLETED before ``before`` (kiosk time of the status event)
        and are not final, without a kiosk receipt: their CDR is late."""
        return self._rows(
            "SELECT e.key, MIN(e.at) AS completed_at FROM events e JOIN sessions s ON s.key = e.key"
            " LEFT JOIN receipts r ON r.key = e.key"
            " WHERE e.kind='status' AND e.detail LIKE '%\"COMPLETED\"%' AND r.key IS NULL"
            " AND s.state NOT IN ('CDR_AVAILABLE','REJECTED','TIMEOUT','CANCELLED','ERROR','NOT_STARTED')"
            " GROUP BY e.key HAVING MIN(e.at) <= ?", (_iso(before),))

    # room stays: one open stay per room; the surname initial is deleted when it ends
    def remember_policy(self, key: str, policy: dict[str, Any]) -> None:
        """The guest price policy a session started under (kept: staff may change it later)."""
        with self._tx() as db:
            db.execute("INSERT INTO session_prices (key, policy_json, at) VALUES (?,?,?) ON CONFLICT(key) DO NOTHING",
                       (key, json.dumps(policy), _iso(self.clock())))

    def session_policy(self, key: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT policy_json FROM session_prices WHERE key=?", (key,))
        return json.loads(rows[0]["policy_json"]) if rows else None

    def open_stay(self, stay_id: str, room: str, *, initial: str | None, source: str, verified: bool = True,
                  pms_ref: str | None = None) -> dict[str, Any]:
        """The room's open stay, opened now when it has none."""
        now = _iso(self.clock())
        with self._tx() as db:
            r = db.execute("SELECT * FROM room_stays WHERE room=? AND ended_at IS NULL", (room,)).fetchone()
            if r is None:
                db.execute("INSERT INTO room_stays (id, room, initial, source, verified, started_at, pms_ref)"
                           " VALUES (?,?,?,?,?,?,?)", (stay_id, room, initial, source, int(verified), now, pms_ref))
                r = db.execute("SELECT * FROM room_stays WHERE id=?", (stay_id,)).fetchone()
        return dict(r)

    def stay_rows(self, *, open_only: bool = True, room: str | None = None) -> list[dict[str, Any]]:
        q = "SELECT * FROM room_stays WHERE 1=1"
        args: list[Any] = []
        if open_only:
            q += " AND ended_at IS NULL"
        if room is not None:
            q += " AND room=?"
            args.append(room)
        return self._rows(q + " ORDER BY started_at", tuple(args))

    def set_stay_payment(self, stay_id: str, external_ref: str, payment_method_id: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE room_stays SET external_ref=?, payment_method_id=? WHERE id=?",
                       (external_ref, payment_method_id, stay_id))

    def end_stay(self, stay_id: str) -> None:
        """The stay is over: its surname initial is deleted now, also from the file's free
        space (secure_delete) and the write-ahead log (checkpointed and truncated)."""
        with self._lock:
            self._db.execute("PRAGMA secure_delete=ON")
            try:
                with self._tx() as db:
                    db.execute("UPDATE room_stays SET ended_at=COALESCE(ended_at, ?), initial=NULL WHERE id=?",
                               (_iso(self.clock()), stay_id))
            finally:
                self._db.execute("PRAGMA secure_delete=OFF")
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                pass   # another process reading: the log is truncated at a later checkpoint

    def stay_wallet_removed(self, stay_id: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE room_stays SET wallet_removed=1 WHERE id=?", (stay_id,))

    def add_flag(self, kind: str, *, room: str | None = None, session_key: str | None = None,
                 detail: str = "") -> bool:
        """A note for the desk; False when the same open flag exists already."""
        with self._tx() as db:
            same = db.execute("SELECT 1 FROM desk_flags WHERE kind=? AND room IS ? AND session_key IS ?"
                              " AND cleared_at IS NULL", (kind, room, session_key)).fetchone()
            if same is not None:
                return False
            db.execute("INSERT INTO desk_flags (at, kind, room, session_key, detail) VALUES (?,?,?,?,?)",
                       (_iso(self.clock()), kind, room, session_key, detail))
        return True

    def flag_rows(self, *, open_only: bool = True, limit: int = 200) -> list[dict[str, Any]]:
        q = "SELECT * FROM desk_flags" + (" WHERE cleared_at IS NULL" if open_only else "")
        return self._rows(q + " ORDER BY id DESC LIMIT ?", (int(limit),))

    def clear_flag(self, flag_id: int, actor: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE desk_flags SET cleared_at=?, cleared_by=? WHERE id=? AND cleared_at IS NULL",
                       (_iso(self.clock()), actor, int(flag_id)))
