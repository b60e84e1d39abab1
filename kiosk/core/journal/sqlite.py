"""The embedded journal: SQLite in WAL mode (``settings.journal_path()``), the default for
a single kiosk. ``synchronous=FULL``, one transaction per write (``BEGIN IMMEDIATE``).

A damaged file is moved aside and a new one started; a full disk or a folder that cannot
be written is :class:`JournalUnavailable` with the reason (see ``kiosk/core/README.md``).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .base import JournalBase
from .model import JournalUnavailable, _iso, _now, unavailable
from .schema import MIGRATIONS, SCHEMA_VERSION, VERSION_TABLE, Migration

log = logging.getLogger(__name__)


def _is_damage(exc: BaseException) -> bool:
    """An OperationalError that means the file is damaged (not full, locked or read-only)."""
    text = str(exc).lower()
    return any(w in text for w in ("malformed", "not a database", "corrupt", "quick_check"))


def _release() -> str:
    try:
        from kiosk import __version__

        return str(__version__)
    except ImportError:   # pragma: no cover
        return "?"


def check_compatible(current: int, min_compatible: int, where: str, known: int = SCHEMA_VERSION) -> None:
    """A database newer than this release (which knows up to ``known``): usable while its
    ``min_compatible`` allows."""
    if current > known and min_compatible > known:
        raise JournalUnavailable(
            "schema", f"{where} has schema version {current}, which needs a newer release of the kiosk "
                      f"(this one knows version {known}): update this screen")


class Journal(JournalBase):
    """One SQLite connection (check_same_thread=False, guarded by a lock)."""

    NOW = "((julianday('now') - 2440587.5) * 86400.0)"
    IntegrityError = sqlite3.IntegrityError
    Error = sqlite3.Error

    def __init__(self, path: Path | str, *, clock: Any = None,
                 migrations: tuple[Migration, ...] = MIGRATIONS) -> None:
        """Open (or create) the journal. A damaged file is moved aside (``damaged_copy``)
        and a new one started; a full disk or a folder that cannot be written raises
        :class:`JournalUnavailable` with the reason. ``migrations``: the schema this
        release knows (tests pass a newer one to act as the next release)."""
        self.path = Path(path)
        self.clock = clock or _now
        self._lock = threading.RLock()
        self._migrations = migrations
        self.damaged_copy: Path | None = None
        self.quarantined = 0            # bad rows set aside since this journal was opened
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = self._open()
        except JournalUnavailable:
            raise
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and not _is_damage(exc):
                raise unavailable(exc, self.path) from exc
            self.damaged_copy = self._move_aside(exc)
            try:
                self._conn = self._open()
            except (OSError, sqlite3.Error) as again:
                raise unavailable(again, self.path) from again
        except OSError as exc:
            raise unavailable(exc, self.path) from exc

    @property
    def _db(self) -> sqlite3.Connection:
        return self._conn

    def describe(self) -> str:
        return f"sqlite:{self.path}"

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
                self._migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    def _migrate(self, db: sqlite3.Connection) -> None:
        """Apply the migrations this file lacks, each in one transaction with its version row."""
        db.execute(VERSION_TABLE["sqlite"])
        for m in self._migrations:
            db.execute("BEGIN IMMEDIATE")
            try:
                done = db.execute("SELECT 1 FROM schema_version WHERE version=?", (m.version,)).fetchone()
                if done is None:
                    for stmt in m.sqlite:
                        try:
                            db.execute(stmt)
                        except sqlite3.OperationalError as exc:
                            # a file of the release before the version table already has it
                            if "duplicate column" not in str(exc):
                                raise
                    db.execute("INSERT INTO schema_version (version, applied_at, release, min_compatible)"
                               " VALUES (?,?,?,?)", (m.version, _iso(_now()), _release(), m.min_compatible))
                    log.info("journal %s: schema version %d (%s)", self.path, m.version, m.what)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        r = db.execute("SELECT version, min_compatible FROM schema_version ORDER BY version DESC LIMIT 1").fetchone()
        if r is not None:
            check_compatible(int(r[0]), int(r[1]), str(self.path), self._migrations[-1].version)

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

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _unavailable(self, exc: BaseException) -> JournalUnavailable:
        return unavailable(exc, self.path)

    @contextmanager
    def _tx(self, lock: str | None = None) -> Iterator[sqlite3.Connection]:
        # BEGIN IMMEDIATE takes the file's write lock: ``lock`` (a name) adds nothing to it
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    @contextmanager
    def _secure_delete(self) -> Iterator[None]:
        self._db.execute("PRAGMA secure_delete=ON")
        try:
            yield
        finally:
            self._db.execute("PRAGMA secure_delete=OFF")
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass   # another process reading: the log is truncated at a later checkpoint
