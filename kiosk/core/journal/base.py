"""The journal's logic, one set of queries for both backends (``sqlite.py``, ``postgres.py``).

Write order for a start (what makes it safe against crashes and lost answers):

1. :meth:`JournalBase.create_intent` BEFORE the POST: a row in ``sessions`` with
   ``start_phase='posting'``. A partial unique index allows only one open row per EVSE,
   so a double tap (or a second process, or a second screen of the venue) cannot start
   twice: the second insert fails with :class:`EvseBusy`. The screen that writes the
   intent takes its poll lease in the same transaction.
2. :meth:`record_started` after the answer: the chargeSessionId, ``start_phase='confirmed'``.
3. On an ambiguous failure: :meth:`mark_ambiguous` (``start_phase='ambiguous'``). Before
   anything is started again on that EVSE the service's recent sessions are checked; an
   orphan found there is adopted with :meth:`record_started` (``adopted=1``), otherwise
   :meth:`close_not_started` frees the EVSE.
4. Every status change (:meth:`update`), stop request and receipt is an ``events`` row.

An intent found in 'posting' or 'ambiguous' on launch is exactly the crash-between-POST-
and-record case: the service resolves it through the history look-up (on a venue
database: the screen that holds its lease, see ``poll_leases``).

Also kept here: the attendant audit log (``audit``), small persisted values (``kv``: the
attendant PIN hash, lockout and guess counters, the venue's shared settings), hotel
billing, the poll leases and the venue's screens. Codes and PINs are only stored hashed.
Every write is its own transaction.

Queries are written once, in SQLite's dialect with ``?`` placeholders; the PostgreSQL
backend translates the few differences (placeholders, ``IS ?``) and supplies its clock.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from kiosk.core.session import ENDED, State

from .billing import BillingMixin
from .model import (
    AuditRow,
    EvseBusy,
    JournalUnavailable,
    SessionRow,
    _date_ok,
    _dt,
    _iso,
    _json_ok,
    _now,
)
from .venue import VenueMixin

log = logging.getLogger(__name__)

_COLUMNS = (
    "key", "created_at", "location_id", "evse_uid", "connector_id", "payment_method_id", "tag",
    "code_hash", "charge_session_id", "start_phase", "adopted", "state", "known_state", "open",
    "tariff_json", "started_at", "ended_at", "energy_kwh", "power_kw", "soc", "estimate_json",
    "observations_json", "final_json", "error_message", "stop_requested_at", "intent_server_at", "updated_at",
)
_UPDATABLE = frozenset(_COLUMNS) - {"key", "created_at", "location_id", "evse_uid", "connector_id",
                                    "payment_method_id"}
_INTEGER_COLUMNS = frozenset({"adopted", "open"})


class JournalBase(BillingMixin, VenueMixin):
    """The journal's operations. A backend provides ``_db`` (``execute(sql, args)`` returning
    a cursor with ``fetchone``/``fetchall``), ``_tx()``, ``_lock`` (an RLock around every
    use of the connection), the error classes and ``NOW`` (its clock in seconds as SQL)."""

    #: a venue database shared by several screens (leases, locks and notifications matter)
    shared = False
    #: whether a call from the UI's event-loop thread is cheap and never waits on a network
    loop_safe = True
    #: SQL for "now" in seconds since the epoch (lease expiries)
    NOW = "0"
    IntegrityError: type[BaseException] = Exception
    Error: type[BaseException] = Exception

    clock: Callable[[], datetime]
    _lock: threading.RLock
    quarantined: int

    @property
    def _db(self) -> Any:   # pragma: no cover - provided by the backend
        raise NotImplementedError

    @contextmanager
    def _tx(self, lock: str | None = None) -> Iterator[Any]:   # pragma: no cover - provided by the backend
        raise NotImplementedError
        yield

    def describe(self) -> str:   # pragma: no cover - provided by the backend
        raise NotImplementedError

    def close(self) -> None:   # pragma: no cover - provided by the backend
        raise NotImplementedError

    def integrity(self) -> str:   # pragma: no cover - provided by the backend
        raise NotImplementedError

    def listen(self, on_change: Callable[[dict[str, Any]], None],
               on_reconnect: Callable[[], None] | None = None) -> Callable[[], None]:
        """Call ``on_change(payload)`` (on a thread of the journal's) when another process
        changes a session or a shared setting; ``on_reconnect()`` after notifications may
        have been missed. Returns a function that stops listening. A journal of a single
        screen has no one else to hear from."""
        return lambda: None

    @property
    def problem(self) -> str | None:
        """Why the journal cannot be used right now (None: it can)."""
        return None

    def schema_versions(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM schema_version ORDER BY version")

    def _row(self, r: Any) -> SessionRow | None:
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
        except (self.Error, JournalUnavailable):
            log.exception("journal: could not set the bad row aside")

    def quarantine_entries(self) -> list[tuple[str, str, str | None, str]]:
        """(at, table, key, reason) of every bad row set aside, newest first."""
        with self._lock:
            rows = self._db.execute("SELECT at, tbl, key, reason FROM quarantine ORDER BY id DESC").fetchall()
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    # -- sessions ---------------------------------------------------------------------
    def create_intent(self, *, location_id: str, evse_uid: str, connector_id: str, payment_method_id: str,
                      tag: str | None = None, code_hash: str | None = None, tariff_json: str | None = None,
                      key: str | None = None, origin: str | None = None, lease_s: float | None = None) -> SessionRow:
        """Journal a start intent (before the POST). Raises :class:`EvseBusy`. ``origin``:
        the screen starting it; with ``lease_s`` that screen takes the session's poll lease
        in the same transaction (nobody else resolves an intent whose screen is alive)."""
        key = key or secrets.token_hex(6)
        now = _iso(self.clock())
        try:
            with self._tx() as db:
                db.execute(
                    "INSERT INTO sessions (key, created_at, location_id, evse_uid, connector_id, payment_method_id,"
                    " tag, code_hash, tariff_json, updated_at, origin) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (key, now, location_id, evse_uid, str(connector_id), payment_method_id, tag, code_hash,
                     tariff_json, now, origin))
                db.execute("INSERT INTO events (key, at, kind, detail) VALUES (?,?,?,?)",
                           (key, now, "intent", json.dumps({"evse_uid": evse_uid, "connector_id": str(connector_id),
                                                            "origin": origin})))
                if origin is not None and lease_s is not None:
                    db.execute(f"INSERT INTO poll_leases (key, holder, expires) VALUES (?, ?, {self.NOW} + ?)",
                               (key, origin, float(lease_s)))
        except self.IntegrityError:
            other = self.open_on_evse(evse_uid)
            raise EvseBusy(evse_uid, other.key if other else None) from None
        except self.Error as exc:
            raise self._unavailable(exc) from exc
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
            elif v is not None and (k not in _INTEGER_COLUMNS and not isinstance(v, str)
                                    or k in _INTEGER_COLUMNS and not isinstance(v, int)):
                v = str(v)   # every other column is text on both backends
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
        except self.IntegrityError:
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


    def _unavailable(self, exc: BaseException) -> JournalUnavailable:   # pragma: no cover - per backend
        return JournalUnavailable("unreadable", str(exc))
