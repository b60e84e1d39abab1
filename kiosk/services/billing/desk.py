"""What the desk sees and does with postings (Qt-free; the Billing tab awaits these): counts
of delivered / waiting / failed, the postings, resend, a correction (a reversing posting and,
when staff give one, a new amount: never an edit), the desk's flags, and the daily CSV that
stays the fallback when the bill cannot be reached.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .postings import new_posting_id, reversal_of

log = logging.getLogger(__name__)

CSV_COLUMNS = ("created_at", "posting_id", "kind", "status", "attempts", "room", "receipt_number",
               "guest_incl_vat", "guest_vat", "currency", "operator_incl_vat", "difference", "energy_kwh",
               "charger", "basis", "reverses", "delivered_at", "last_error")


class DeskBillingError(ValueError):
    """An action the desk asked for that cannot be done (``str()`` says why, in English)."""


@dataclass(frozen=True)
class PostingRow:
    id: str
    key: str
    kind: str
    status: str
    attempts: int
    created_at: datetime
    room: str | None
    receipt_number: str | None
    currency: str | None
    guest_incl_vat: Decimal | None
    operator_incl_vat: Decimal | None
    difference: Decimal | None
    basis: str | None
    reverses: str | None
    last_error: str | None
    delivered_at: datetime | None

    @classmethod
    def of(cls, r: dict[str, Any]) -> PostingRow:
        body = json.loads(r["payload"])
        gp = body.get("guest_price") or {}
        op = body.get("operator_cost") or {}
        return cls(id=r["id"], key=r["key"], kind=r["kind"], status=r["status"], attempts=int(r["attempts"]),
                   created_at=datetime.fromisoformat(r["created_at"]), room=body.get("room"),
                   receipt_number=body.get("receipt_number"), currency=gp.get("currency"),
                   guest_incl_vat=_d(gp.get("incl_vat")), operator_incl_vat=_d(op.get("incl_vat")),
                   difference=_d(body.get("difference")), basis=body.get("basis"), reverses=r.get("reverses"),
                   last_error=r.get("last_error"),
                   delivered_at=datetime.fromisoformat(r["delivered_at"]) if r.get("delivered_at") else None)


def _d(v: Any) -> Decimal | None:
    try:
        return None if v is None else Decimal(str(v))
    except InvalidOperation:
        return None


class BillingDesk:
    def __init__(self, billing: Any) -> None:
        self.billing = billing
        self.sessions = billing.sessions

    def _check(self, attendant: Any) -> None:
        self.sessions.auth.check(attendant)

    async def counts(self) -> dict[str, int]:
        rows = await self.sessions.io.call(self.sessions.journal.posting_rows, limit=100000)
        out = {"delivered": 0, "waiting": 0, "failed": 0}
        for r in rows:
            out[r["status"]] = out.get(r["status"], 0) + 1
        return out

    async def postings(self, attendant: Any, status: str | None = None, limit: int = 200) -> list[PostingRow]:
        self._check(attendant)
        rows = await self.sessions.io.call(self.sessions.journal.posting_rows, status=status, limit=limit)
        return [PostingRow.of(r) for r in rows]

    async def flags(self, attendant: Any) -> list[dict[str, Any]]:
        self._check(attendant)
        return await self.sessions.io.call(self.sessions.journal.flag_rows)

    async def clear_flag(self, attendant: Any, flag_id: int) -> None:
        self._check(attendant)
        await self.sessions.io.call(self.sessions.journal.clear_flag, flag_id, attendant.name)
        await self.sessions.io.call(self.sessions.journal.audit, attendant.name, "billing.flag_cleared", None,
                                    f"flag {flag_id}")

    async def resend(self, attendant: Any, posting_id: str) -> None:
        self._check(attendant)
        row = await self.sessions.io.call(self.sessions.journal.posting_row, posting_id)
        if row is None:
            raise DeskBillingError("no such posting")
        await self.sessions.io.call(self.sessions.journal.audit, attendant.name, "billing.resend", row["key"],
                                    f"posting {posting_id} ({row['status']})")
        await self.billing.outbox.resend(posting_id)

    async def correct(self, attendant: Any, posting_id: str, reason: str, new_incl_vat: Decimal | None = None) -> list[str]:
        """Reverse a posting and, with ``new_incl_vat``, post the corrected amount (VAT split
        at the original's rate). Returns the new postings' ids."""
        self._check(attendant)
        reason = (reason or "").strip()
        if not reason:
            raise DeskBillingError("give a reason for the correction")
        j, io = self.sessions.journal, self.sessions.io
        orig = await io.call(j.posting_row, posting_id)
        if orig is None or orig["kind"] == "reversal":
            raise DeskBillingError("only a charge or a correction can be reversed")
        if any(p["reverses"] == posting_id for p in await io.call(j.posting_rows, key=orig["key"])):
            raise DeskBillingError("this posting was reversed already")
        at = self.billing.clock().isoformat()
        rev_id = posting_id + "_rev"
        await io.call(j.add_posting, rev_id, orig["key"], "reversal", reversal_of(orig, rev_id, reason, at),
                      reverses=posting_id)
        ids = [rev_id]
        if new_incl_vat is not None:
            body = json.loads(orig["payload"])
            gp = dict(body.get("guest_price") or {})
            rate = Decimal(gp["vat_percent"]) if gp.get("vat_percent") else Decimal(0)
            incl = Decimal(new_incl_vat).quantize(Decimal("0.01"))
            excl = (incl / (1 + rate / 100)).quantize(Decimal("0.01"))
            gp.update(incl_vat=str(incl), excl_vat=str(excl), vat=str(incl - excl))
            new_id = new_posting_id()
            body.update(type="correction", id=new_id, replaces=posting_id, guest_price=gp, reason=reason,
                        created_at=at, basis="desk")
            op = (body.get("operator_cost") or {}).get("incl_vat")
            body["difference"] = str(incl - Decimal(op)) if op is not None else None
            await io.call(j.add_posting, new_id, orig["key"], "correction", body)
            ids.append(new_id)
        await io.call(j.audit, attendant.name, "billing.correction", orig["key"],
                      f"posting {posting_id} reversed" + (f", new amount {new_incl_vat}" if new_incl_vat else "")
                      + f": {reason}")
        self.billing.changed()
        self.billing.outbox.wake()
        return ids


def journal_guest_lookup(journal: Any) -> Any:
    """For the history: what the guest paid for a session (by chargeSessionId), from the
    kiosk receipt in the journal, or None."""
    def lookup(charge_session_id: str) -> dict[str, Any] | None:
        row = journal.by_charge_session_id(charge_session_id)
        rec = journal.receipt_row(row.key) if row is not None else None
        if rec is None:
            return None
        g = json.loads(rec["guest_json"])
        return {"incl_vat": g.get("incl_vat"), "vat": g.get("vat"), "number": rec["number"]}
    return lookup


def write_daily_csv(journal: Any, export_dir: Path, day: str, tz: str) -> Path:
    """``postings-<day>.csv`` (UTF-8 with BOM, like the desk's other exports): every posting
    created on that venue-local day, with its status (blocking: call it off the loop)."""
    zone = ZoneInfo(tz)
    rows = []
    for r in journal.posting_rows(limit=100000):
        created = datetime.fromisoformat(r["created_at"]).astimezone(zone)
        if created.date().isoformat() != day:
            continue
        p = PostingRow.of(r)
        body = json.loads(r["payload"])
        gp = body.get("guest_price") or {}
        rows.append({"created_at": created.isoformat(timespec="seconds"), "posting_id": p.id, "kind": p.kind,
                     "status": p.status, "attempts": p.attempts, "room": p.room or "",
                     "receipt_number": p.receipt_number or "", "guest_incl_vat": gp.get("incl_vat") or "",
                     "guest_vat": gp.get("vat") or "", "currency": p.currency or "",
                     "operator_incl_vat": "" if p.operator_incl_vat is None else str(p.operator_incl_vat),
                     "difference": "" if p.difference is None else str(p.difference),
                     "energy_kwh": body.get("energy_kwh") or "", "charger": (body.get("charger") or {}).get("name", ""),
                     "basis": p.basis or "", "reverses": p.reverses or "",
                     "delivered_at": p.delivered_at.isoformat(timespec="seconds") if p.delivered_at else "",
                     "last_error": p.last_error or ""})
    rows.sort(key=lambda x: (x["created_at"], x["posting_id"]))
    export_dir.mkdir(parents=True, exist_ok=True)
    path = export_dir / f"postings-{day}.csv"
    fd, tmp = tempfile.mkstemp(prefix=".postings-", dir=export_dir)
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, path)
    return path
