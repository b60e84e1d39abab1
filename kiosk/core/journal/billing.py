"""Hotel billing in the journal (issue 16): receipt numbers, the postings outbox, room
stays, desk flags. Rows come back as plain dicts; ``kiosk.services.billing`` gives them
meaning. A mixin of :class:`~.base.JournalBase` (its ``_tx``, ``_rows``, ``clock``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from .model import _dt, _iso


class BillingMixin:
    clock: Any
    _lock: Any

    def _tx(self, lock: str | None = None) -> Any:   # pragma: no cover - JournalBase
        raise NotImplementedError

    def _rows(self, q: str, args: tuple = ()) -> list[dict[str, Any]]:   # pragma: no cover - JournalBase
        raise NotImplementedError

    def issue_receipt(self, key: str, *, series: str, year: int, token: str, basis: str, guest: dict[str, Any],
                      posting_id: str | None = None, posting: dict[str, Any] | None = None,
                      url_template: str | None = None) -> dict[str, Any]:
        """The kiosk receipt of session ``key`` and (with ``posting``) its charge posting, in
        ONE transaction: the next number of ``series``/``year`` is taken from its counter row
        under the write lock (BEGIN IMMEDIATE), so a crash rolls back number and posting
        together (no gap) and two processes never take the same number. Idempotent: a
        session that has a receipt keeps its number; a missing charge posting is added. On a
        venue database two screens finishing the same session take turns (a lock per
        session for the transaction): the second finds the first one's receipt."""
        now = _iso(self.clock())
        with self._tx(lock="receipt:" + key) as db:
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
        try:
            with self._tx() as db:
                db.execute("INSERT INTO postings (id, key, kind, reverses, created_at, payload, next_at)"
                           " VALUES (?,?,?,?,?,?,?)", (posting_id, key, kind, reverses, now,
                                                     json.dumps(payload, default=str, sort_keys=True), now))
        except self.IntegrityError:
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

    def posting_claim(self, posting_id: str, due: datetime, hold_until: datetime) -> int | None:
        """Claim a due posting for sending and count the attempt BEFORE it is sent: moves its
        ``next_at`` to ``hold_until`` only if it is still waiting and due (``due``: now), so
        of the venue's screens exactly one sends it. The attempt number, or None when
        another screen claimed it first."""
        with self._tx() as db:
            r = db.execute("UPDATE postings SET attempts = attempts + 1, next_at=? WHERE id=? AND status='waiting'"
                           " AND next_at <= ? RETURNING attempts", (_iso(hold_until), posting_id, _iso(due))).fetchone()
        return int(r[0]) if r else None

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
        with self._tx(lock="stay:" + room) as db:
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
        with self._lock, self._secure_delete():
            with self._tx() as db:
                db.execute("UPDATE room_stays SET ended_at=COALESCE(ended_at, ?), initial=NULL WHERE id=?",
                           (_iso(self.clock()), stay_id))

    @contextmanager
    def _secure_delete(self) -> Iterator[None]:
        """Deleted values leave no trace in the file (the SQLite backend overwrites free
        space and truncates its write-ahead log)."""
        yield

    def stay_wallet_removed(self, stay_id: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE room_stays SET wallet_removed=1 WHERE id=?", (stay_id,))

    def add_flag(self, kind: str, *, room: str | None = None, session_key: str | None = None,
                 detail: str = "") -> bool:
        """A note for the desk; False when the same open flag exists already."""
        with self._tx(lock="flags") as db:
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
