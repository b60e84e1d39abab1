"""The venue in the journal (issue 17): poll leases, the venue's screens, locks across
screens, shared settings, resync. A mixin of :class:`~.base.JournalBase`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from .model import FINAL_SQL, SessionRow, _iso


class VenueMixin:
    NOW = "0"
    _lock: Any
    _db: Any

    def _tx(self, lock: str | None = None) -> Any:   # pragma: no cover - JournalBase
        raise NotImplementedError

    def _rows(self, q: str, args: tuple = ()) -> list[dict[str, Any]]:   # pragma: no cover - JournalBase
        raise NotImplementedError

    def _row(self, r: Any) -> SessionRow | None:   # pragma: no cover - JournalBase
        raise NotImplementedError

    # -- the venue: poll leases, screens, locks (issue 17) ------------------------------------
    # A lease says which screen polls a session. Expiries are in seconds since the epoch by
    # the DATABASE's clock (NOW), so the screens' own clocks never decide a take-over.
    def lease_acquire(self, key: str, holder: str, ttl_s: float) -> bool:
        """Take (or renew) the poll lease of session ``key`` for ``holder``: True when it is
        free, expired or already ``holder``'s."""
        with self._tx() as db:
            r = db.execute(
                f"INSERT INTO poll_leases (key, holder, expires) VALUES (?, ?, {self.NOW} + ?)"
                " ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, expires = excluded.expires"
                f" WHERE poll_leases.holder = excluded.holder OR poll_leases.expires < {self.NOW}"
                " RETURNING holder", (key, holder, float(ttl_s))).fetchone()
        return r is not None

    def lease_renew(self, holder: str, ttl_s: float, keys: set[str] | None = None, *,
                    info: str | None = None) -> set[str]:
        """Renew the leases of ``keys`` (None: all) that ``holder`` still has; returns
        those keys. Records that the screen is alive (``screens``). Only the sessions a
        screen knows it polls are renewed: a screen started again under the same name (or,
        wrongly, a second screen with that name) never keeps another's leases alive."""
        with self._tx() as db:
            if keys is None:
                rows = db.execute(f"UPDATE poll_leases SET expires = {self.NOW} + ? WHERE holder = ? RETURNING key",
                                  (float(ttl_s), holder)).fetchall()
            elif keys:
                marks = ",".join("?" * len(keys))
                rows = db.execute(f"UPDATE poll_leases SET expires = {self.NOW} + ? WHERE holder = ?"
                                  f" AND key IN ({marks}) RETURNING key", (float(ttl_s), holder, *sorted(keys))
                                  ).fetchall()
            else:
                rows = []
            db.execute(f"INSERT INTO screens (id, seen, info) VALUES (?, {self.NOW}, ?)"
                       " ON CONFLICT (id) DO UPDATE SET seen = excluded.seen, info = excluded.info", (holder, info))
        return {r[0] for r in rows}

    def lease_release(self, key: str, holder: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM poll_leases WHERE key = ? AND holder = ?", (key, holder))

    def lease_holder(self, key: str) -> tuple[str, float] | None:
        """(holder, seconds until the lease expires) or None."""
        with self._lock:
            r = self._db.execute(f"SELECT holder, expires - {self.NOW} FROM poll_leases WHERE key = ?",
                                 (key,)).fetchone()
        return (r[0], float(r[1])) if r else None

    def unleased(self) -> list[str]:
        """Sessions that still need polling (not final) whose lease is missing or expired:
        their screen died or lost the database for longer than the lease."""
        with self._lock:
            rows = self._db.execute(
                "SELECT s.key FROM sessions s LEFT JOIN poll_leases l ON l.key = s.key"
                f" WHERE s.state NOT IN {FINAL_SQL} AND (l.key IS NULL OR l.expires < {self.NOW})"
                " ORDER BY s.created_at").fetchall()
        return [r[0] for r in rows]

    def screen_rows(self) -> list[dict[str, Any]]:
        """The venue's screens: id, seconds since each was last seen, what it reported."""
        return self._rows(f"SELECT id, {self.NOW} - seen AS age_s, release, info FROM screens ORDER BY id")

    def try_lock(self, name: str) -> bool:
        """A lock across the venue's screens (held until :meth:`unlock` or the connection
        ends; never waits). A journal of one screen has nobody to exclude."""
        return True

    def unlock(self, name: str) -> None:
        return None

    def kv_prefixed(self, prefix: str) -> dict[str, Any]:
        """Every value whose name starts with ``prefix`` (bad ones are left out)."""
        out: dict[str, Any] = {}
        for r in self._rows("SELECT name, value FROM kv WHERE name LIKE ?", (prefix + "%",)):
            try:
                out[r["name"]] = json.loads(r["value"])
            except (ValueError, TypeError):
                continue
        return out

    def kv_delete(self, name: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM kv WHERE name=?", (name,))

    def open_or_recent(self, since: datetime) -> list[SessionRow]:
        """Sessions not final, and those changed since ``since`` (a screen's resync)."""
        with self._lock:
            rows = self._db.execute(f"SELECT * FROM sessions WHERE state NOT IN {FINAL_SQL} OR updated_at >= ?"
                                    " ORDER BY created_at DESC", (_iso(since),)).fetchall()
        return [row for row in map(self._row, rows) if row is not None]
