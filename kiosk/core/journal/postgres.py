"""The venue journal: PostgreSQL shared by the screens of a venue, through psycopg 3.

The same schema, queries and guarantees as the SQLite journal (``base.py``): the queries
are written once with ``?`` placeholders and translated here. Each screen holds ONE
connection (autocommit; every write is an explicit transaction), used from the journal's
worker thread under a lock, like the SQLite connection; :meth:`PgJournal.listen` opens a
second, dedicated connection on its own thread for LISTEN (psycopg cannot wait for
notifications and run queries on one connection at once).

- Locks across screens: ``_tx(lock=name)`` takes ``pg_advisory_xact_lock`` for the
  transaction (receipt numbers, a room's stay, desk flags); :meth:`try_lock` a
  session-level advisory lock (released by :meth:`unlock` or when the connection ends).
- Unreachable database: a broken connection is opened again on the next call; while that
  fails every call raises ``JournalUnavailable('unreachable')`` quickly (``connect_timeout``
  and a short back-off, so a dead host does not stall the journal thread for long) and
  :attr:`problem` says so.
- The password comes from the caller (a file or a systemd credential); it is never in the
  URL that is logged or shown (:meth:`describe`).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import errors as pg_errors

from .base import JournalBase
from .model import JournalUnavailable, _iso, _now
from .schema import MIGRATIONS, VERSION_TABLE, Migration
from .sqlite import _release, check_compatible

log = logging.getLogger(__name__)

_MIGRATION_LOCK = 0x6B696F736B   # 'kiosk': one screen migrates, the others wait for it


def redact(url: str) -> str:
    """The URL without a password (for logs, doctor, the desk)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


_IS_PARAM = re.compile(r"\bIS \?")


def translate(sql: str) -> str:
    """SQLite's dialect of ``base.py`` to PostgreSQL's: ``%`` escaped, ``IS ?`` (null-safe
    comparison) spelled out, ``?`` placeholders as ``%s``."""
    sql = sql.replace("%", "%%")
    sql = _IS_PARAM.sub("IS NOT DISTINCT FROM ?", sql)
    return sql.replace("?", "%s")


class _Row(dict):
    """A row by name and by position, like ``sqlite3.Row``."""

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, int):
            return list(self.values())[k]
        return dict.__getitem__(self, k)


def _row_factory(cursor: Any) -> Callable[[Any], _Row]:
    names = [c.name for c in cursor.description] if cursor.description else []

    def make(values: Any) -> _Row:
        return _Row(zip(names, values, strict=True))
    return make


class _Lock:
    """The connection's lock. The UI's thread (the main thread: Qt and the event loop) never
    waits long for it, nor for a connection: the few journal calls made there (an audit
    line, a setting) fail fast with ``JournalUnavailable`` while the journal thread is busy
    reconnecting to a database that is away, instead of freezing the screen."""

    UI_WAIT_S = 0.25

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def __enter__(self) -> _Lock:
        if threading.current_thread() is threading.main_thread():
            if not self._lock.acquire(timeout=self.UI_WAIT_S):
                raise JournalUnavailable("unreachable", "the venue database is busy or away")
        else:
            self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


class _Conn:
    """What ``base.py`` calls ``db``: ``execute(sql, args)`` returning a cursor."""

    def __init__(self, journal: PgJournal) -> None:
        self._j = journal

    def execute(self, sql: str, args: tuple | list = ()) -> Any:
        conn = self._j._connection()
        try:
            return conn.execute(translate(sql), tuple(args))
        except psycopg.OperationalError as exc:
            raise self._j._lost(exc) from exc


class PgJournal(JournalBase):
    shared = True
    loop_safe = False
    NOW = "(extract(epoch from clock_timestamp())::double precision)"
    IntegrityError = psycopg.IntegrityError
    Error = psycopg.Error

    def __init__(self, url: str, *, clock: Any = None, password: str | None = None, connect_timeout: float = 3.0,
                 migrations: tuple[Migration, ...] = MIGRATIONS, retry_after_s: float = 1.0) -> None:
        self.url = url
        self.clock = clock or _now
        self._password = password
        self._timeout = max(1, round(connect_timeout))
        self._migrations = migrations
        self._lock: Any = _Lock()
        self._conn: psycopg.Connection[Any] | None = None
        self._wrapper = _Conn(self)
        self._problem: str | None = None
        self._failed_at = 0.0
        self._retry_after = retry_after_s
        self._closed = False
        self.quarantined = 0
        self.damaged_copy = None
        with self._lock:
            self._connection()   # raises JournalUnavailable when the database cannot be used
            self._migrate()

    # -- connection -----------------------------------------------------------------
    def _connect(self, **extra: Any) -> psycopg.Connection[Any]:
        kw: dict[str, Any] = {"autocommit": True, "connect_timeout": self._timeout, "row_factory": _row_factory,
                              "application_name": "charge-assist-kiosk", "keepalives": 1, "keepalives_idle": 10,
                              "keepalives_interval": 5, "keepalives_count": 3,
                              # a query sent to a host that died silently fails after 5 s, not
                              # after TCP's retransmissions (minutes): the keepalives only watch
                              # an idle connection
                              "tcp_user_timeout": 5000}
        if self._password is not None:
            kw["password"] = self._password
        kw.update(extra)
        return psycopg.connect(self.url, **kw)

    def _connection(self) -> psycopg.Connection[Any]:
        if self._closed:
            raise JournalUnavailable("unreachable", f"{self.describe()}: the journal is closed")
        c = self._conn
        if c is not None and not c.closed and not c.broken:
            return c
        if self._problem is not None and (time.monotonic() - self._failed_at < self._retry_after
                                          or threading.current_thread() is threading.main_thread()):
            # (the UI's thread never waits for a connection: the journal thread reconnects)
            raise JournalUnavailable("unreachable", self._problem)
        try:
            self._conn = self._connect()
        except psycopg.OperationalError as exc:
            raise self._lost(exc) from exc
        if self._problem is not None:
            log.warning("journal %s: the database is reachable again", self.describe())
        self._problem = None
        return self._conn

    def _lost(self, exc: BaseException) -> JournalUnavailable:
        first = self._problem is None
        self._problem = f"{self.describe()} cannot be reached: {_first_line(exc)}"
        self._failed_at = time.monotonic()
        if first:
            log.error("journal: %s", self._problem)
        c, self._conn = self._conn, None
        if c is not None:
            try:
                c.close()
            except Exception as close_exc:   # noqa: BLE001 - a broken connection may fail to close
                log.debug("journal: closing a broken connection: %s", close_exc)
        return JournalUnavailable("unreachable", self._problem)

    @property
    def problem(self) -> str | None:
        return self._problem

    @property
    def _db(self) -> _Conn:
        return self._wrapper

    def describe(self) -> str:
        return redact(self.url)

    def _unavailable(self, exc: BaseException) -> JournalUnavailable:
        if isinstance(exc, psycopg.OperationalError):
            return self._lost(exc)
        return JournalUnavailable("unreadable", f"{self.describe()}: {_first_line(exc)}")

    def _migrate(self) -> None:
        """Apply missing migrations under an advisory lock (screens starting together
        migrate once), each in one transaction with its version row."""
        conn = self._connection()
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                conn.execute(VERSION_TABLE["postgres"])
                for m in self._migrations:
                    if conn.execute("SELECT 1 FROM schema_version WHERE version=%s", (m.version,)).fetchone():
                        continue
                    with conn.transaction():
                        for stmt in m.postgres:
                            conn.execute(stmt)
                        conn.execute("INSERT INTO schema_version (version, applied_at, release, min_compatible)"
                                     " VALUES (%s,%s,%s,%s)", (m.version, _iso(_now()), _release(), m.min_compatible))
                    log.info("journal %s: schema version %d (%s)", self.describe(), m.version, m.what)
                r = conn.execute("SELECT version, min_compatible FROM schema_version ORDER BY version DESC"
                                 " LIMIT 1").fetchone()
        except psycopg.OperationalError as exc:
            raise self._lost(exc) from exc
        except psycopg.Error as exc:
            raise JournalUnavailable("unreadable", f"{self.describe()}: {_first_line(exc)}") from exc
        if r is not None:
            check_compatible(int(r[0]), int(r[1]), self.describe(), self._migrations[-1].version)

    @contextmanager
    def _tx(self, lock: str | None = None) -> Iterator[_Conn]:
        with self._lock:
            conn = self._connection()
            try:
                with conn.transaction():
                    if lock is not None:
                        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock,))
                    yield self._wrapper
            except psycopg.OperationalError as exc:
                raise self._lost(exc) from exc

    def integrity(self) -> str:
        with self._lock:
            self._db.execute("SELECT 1").fetchone()
        return "ok"

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- venue locks ----------------------------------------------------------------
    def try_lock(self, name: str) -> bool:
        with self._lock:
            r = self._db.execute("SELECT pg_try_advisory_lock(hashtext(?))", (name,)).fetchone()
        return bool(r[0])

    def unlock(self, name: str) -> None:
        with self._lock:
            self._db.execute("SELECT pg_advisory_unlock(hashtext(?))", (name,)).fetchone()

    # -- notifications --------------------------------------------------------------
    def listen(self, on_change: Callable[[dict[str, Any]], None],
               on_reconnect: Callable[[], None] | None = None) -> Callable[[], None]:
        """LISTEN on a dedicated connection on its own thread; ``on_change`` gets each
        payload (``{'t': 's', 'k': key, 'e': evse, 's': state, 'o': open}`` or ``{'t': 'kv',
        'n': name}``). Each time the LISTEN is in place (the first time too: what others
        wrote between opening the journal and listening was not announced to this screen),
        and after a lost connection it connects again every second, it calls
        ``on_reconnect()``: the caller reads what changed meanwhile."""
        stop = threading.Event()

        def run() -> None:
            while not stop.is_set():
                try:
                    with self._connect(row_factory=psycopg.rows.tuple_row) as conn:
                        conn.execute("LISTEN kiosk_journal")
                        if on_reconnect is not None:
                            on_reconnect()
                        while not stop.is_set():
                            for n in conn.notifies(timeout=0.5, stop_after=64):
                                try:
                                    on_change(json.loads(n.payload))
                                except Exception:
                                    log.exception("journal: a change listener failed")
                except psycopg.Error as exc:
                    if not stop.is_set():
                        log.debug("journal: listening connection lost (%s)", _first_line(exc))
                        stop.wait(1.0)

        t = threading.Thread(target=run, name="kiosk-journal-listen", daemon=True)
        t.start()

        def cancel() -> None:
            stop.set()
            t.join(timeout=5)
        return cancel


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


__all__ = ["PgJournal", "pg_errors", "redact", "translate"]
