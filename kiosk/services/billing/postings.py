"""Finishing a session for the venue's books: its kiosk receipt number and, for a session
paid by a room, its posting to the guest's bill.

A session is finished when it reaches its final cost (CDR_AVAILABLE with ``totalCosts``,
announced through ``SessionService.subscribe``), or, when the CDR has not come
``cdr_wait_s`` kiosk seconds after COMPLETED, on its last estimate (``basis: estimate``).
A CDR that comes after that replaces the estimate by a reversing posting and a new one
(never an edit). On launch and every ``check_s`` the journal is searched for sessions that
were not finished (a crash between the costs and the receipt): receipt and posting are
taken in ONE journal transaction (:meth:`kiosk.core.journal.Journal.issue_receipt`), so
there is never a numbered receipt without its posting, nor a gap in the numbers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.core.pricing import GuestPrice, PricePolicy, from_operator, guest_final, guest_quote, simple_profile

log = logging.getLogger(__name__)


def _s(v: Any) -> str | None:
    return None if v is None else str(v)


def guest_dict(g: GuestPrice) -> dict[str, Any]:
    return {"mode": g.mode, "currency": g.currency, "excl_vat": str(g.excl_vat), "incl_vat": str(g.incl_vat),
            "vat": str(g.vat), "vat_percent": _s(g.vat_percent), "operator_excl_vat": _s(g.operator_excl_vat),
            "operator_incl_vat": _s(g.operator_incl_vat), "difference": _s(g.difference)}


def new_posting_id() -> str:
    return "msg_" + secrets.token_hex(12)


def reversal_of(original: dict[str, Any], posting_id: str, reason: str, at: str) -> dict[str, Any]:
    """A posting that cancels ``original`` on the guest's bill (amounts negated)."""
    body = json.loads(original["payload"])
    gp = dict(body.get("guest_price") or {})
    for k in ("excl_vat", "incl_vat", "vat"):
        if gp.get(k) is not None:
            gp[k] = str(-Decimal(gp[k]))
    body.update(type="reversal", id=posting_id, reverses=original["id"], guest_price=gp, reason=reason,
                created_at=at)
    return body


class Finalizer:
    def __init__(self, sessions: Any, policy_of: Callable[[str], PricePolicy], *, series: str,
                 tz: str = "Europe/Amsterdam", url_template: str | None = None, cdr_wait_s: float = 6 * 3600,
                 check_s: float = 60.0, clock: Callable[[], datetime] | None = None,
                 label: Callable[[str], str] | None = None, on_posting: Callable[[], None] | None = None) -> None:
        self.sessions = sessions
        self.io = sessions.io
        self.journal = sessions.journal
        self.policy_of = policy_of
        self.series = series
        self.tz = tz
        self.url_template = url_template
        self.cdr_wait_s = cdr_wait_s
        self.check_s = check_s
        self.clock = clock or sessions.clock
        self.label = label or (lambda uid: uid)
        self.on_posting = on_posting or (lambda: None)
        self.receipts: dict[str, dict[str, Any]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task] = set()
        self._closed = False

    def attach(self) -> None:
        self.sessions.subscribe(self._on_update)
        self.sessions.registry.on_forget(self._forget)

    def _forget(self, keys: set[str]) -> None:
        """Sessions left memory: their receipts are in the journal (``receipt_info`` reads them)."""
        for key in keys:
            self.receipts.pop(key, None)
            lock = self._locks.get(key)
            if lock is not None and not lock.locked():
                del self._locks[key]

    def _on_update(self, update: Any) -> None:
        if update.entry.state == "CDR_AVAILABLE" and not self._closed:
            task = asyncio.ensure_future(self.finish(update.entry.key))
            self._tasks.add(task)
            task.add_done_callback(lambda t: (self._tasks.discard(t), t.cancelled() or t.exception()))

    # -- the receipt of one session ------------------------------------------------------
    async def finish(self, key: str, basis: str = "final") -> dict[str, Any] | None:
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            try:
                return await self._finish(key, basis)
            except Exception:  # noqa: BLE001 - the catch-up sweep tries again
                log.exception("finishing session %s for billing failed", key)
                return None

    async def _finish(self, key: str, basis: str) -> dict[str, Any] | None:
        row = await self.io.call(self.journal.get, key)
        if row is None:
            return None
        existing = await self.io.call(self.journal.receipt_row, key)
        if basis == "final" and (row.state.value != "CDR_AVAILABLE" or not row.final_json):
            return existing
        if existing is not None and (existing["basis"] == "final" or basis == existing["basis"]):
            self.receipts[key] = existing
            return existing
        data = await self.io.call(self.journal.session_policy, key)
        policy = PricePolicy.from_dict(data) if data else self.policy_of(key)
        g = self._price(policy, row, basis)
        if g is None:
            await self.io.call(self.journal.add_flag, "price_unknown", room=row.tag, session_key=key,
                               detail="the guest price could not be computed: post it by hand")
            return existing
        fin = json.loads(row.final_json) if row.final_json else {}
        posting = self._payload(row, g, basis, fin) if row.tag else None
        if existing is not None:      # issued on the estimate; the CDR came after all
            await self._replace_estimate(key, posting, g)
            await self.io.call(self.journal.update_receipt, key, basis="final", guest=guest_dict(g))
            rec = await self.io.call(self.journal.receipt_row, key)
        else:
            year = self.clock().astimezone(ZoneInfo(self.tz)).year
            rec = await self.io.call(self.journal.issue_receipt, key, series=self.series, year=year,
                                     token=secrets.token_urlsafe(18), basis=basis, guest=guest_dict(g),
                                     posting_id=new_posting_id() if posting else None, posting=posting,
                                     url_template=self.url_template)
        self.receipts[key] = rec
        if posting is not None:
            self.on_posting()
        live = self.sessions.registry.maybe(key)
        if live is not None:      # the guest's receipt screen shows the kiosk's number now
            self.sessions.poller.notify(live, None)
        return rec

    def _price(self, policy: PricePolicy, row: Any, basis: str) -> GuestPrice | None:
        from kiosk.core.estimate import EstimateTracker

        profile = None
        if policy.mode == "own":
            try:
                profile = EstimateTracker.from_json(row.observations_json, tz=self.tz).profile()
            except Exception:  # noqa: BLE001
                profile = None
            profile = profile or simple_profile(row.started_at, row.ended_at, _dec(row.energy_kwh), self.tz)
        energy = _dec(row.energy_kwh)
        if basis == "final":
            fin = json.loads(row.final_json)
            return guest_final(policy, total_costs=_dec(fin.get("total_costs")), total_vat=_dec(fin.get("total_vat")),
                               energy_kwh=energy, currency=fin.get("currency"), profile=profile)
        if policy.mode == "own":
            return guest_quote(policy, profile, None)
        est = json.loads(row.estimate_json) if row.estimate_json else None
        if est is None:
            return from_operator(policy, Decimal(0), Decimal(0), energy, policy.currency) \
                if policy.mode == "free" else None
        return from_operator(policy, Decimal(est["excl"]), Decimal(est["incl"]), energy, est["currency"])

    def _payload(self, row: Any, g: GuestPrice, basis: str, fin: dict[str, Any]) -> dict[str, Any]:
        dur = int((row.ended_at - row.started_at).total_seconds()) if row.started_at and row.ended_at else None
        op = None
        if fin.get("total_costs") is not None:
            op = {"currency": fin.get("currency") or g.currency, "incl_vat": fin.get("total_costs"),
                  "vat": fin.get("total_vat")}
        elif g.operator_incl_vat is not None:
            op = {"currency": g.currency, "incl_vat": str(g.operator_incl_vat), "vat": None, "estimate": True}
        return {"type": "charge", "room": row.tag, "basis": basis, "policy": g.mode,
                "session": {"key": row.key, "charge_session_id": row.charge_session_id},
                "charger": {"location_id": row.location_id, "evse_uid": row.evse_uid,
                            "name": self.label(row.evse_uid)},
                "started_at": _iso(row.started_at), "ended_at": _iso(row.ended_at), "duration_s": dur,
                "energy_kwh": row.energy_kwh,
                "guest_price": {k: v for k, v in guest_dict(g).items() if not k.startswith("operator")
                                and k not in ("difference", "mode")},
                "operator_cost": op, "difference": _s(g.difference),
                "api_receipt_number": fin.get("receipt_number"), "created_at": _iso(self.clock())}

    async def _replace_estimate(self, key: str, posting: dict[str, Any] | None, g: GuestPrice) -> None:
        """The final cost after a posting made on the estimate: reverse it and post the final
        figures when they differ (ids derived from the original: safe to repeat)."""
        if posting is None:
            return
        charges = await self.io.call(self.journal.posting_rows, key=key)
        charge = next((p for p in charges if p["kind"] == "charge"), None)
        if charge is None:
            return
        old = json.loads(charge["payload"]).get("guest_price", {})
        if old.get("incl_vat") == str(g.incl_vat) and old.get("excl_vat") == str(g.excl_vat):
            return
        at = _iso(self.clock())
        await self.io.call(self.journal.add_posting, charge["id"] + "_rev", key, "reversal",
                           reversal_of(charge, charge["id"] + "_rev", "final cost replaces the estimate", at),
                           reverses=charge["id"])
        body = json.loads(charge["payload"])
        body.update({k: v for k, v in posting.items() if k != "created_at"}, type="correction",
                    id=charge["id"] + "_cdr", replaces=charge["id"], created_at=at)
        await self.io.call(self.journal.add_posting, charge["id"] + "_cdr", key, "correction", body,
                           reverses=None)

    # -- catching up ----------------------------------------------------------------------
    async def catch_up(self) -> int:
        """Finish what a crash left unfinished, and sessions whose CDR is late."""
        n = 0
        for r in await self.io.call(self.journal.billing_backlog):
            n += await self.finish(r["key"]) is not None
        before = self.clock() - timedelta(seconds=self.cdr_wait_s)
        for r in await self.io.call(self.journal.ended_without_cdr, before):
            log.warning("no CDR for session %s after %.0f s: its posting uses the last estimate", r["key"],
                        self.cdr_wait_s)
            n += await self.finish(r["key"], basis="estimate") is not None
        return n

    async def run(self) -> None:
        while not self._closed:
            try:
                await self.catch_up()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001
                log.exception("billing catch-up failed")
            await asyncio.sleep(self.check_s)

    def receipt_info(self, key: str) -> dict[str, Any] | None:
        rec = self.receipts.get(key)
        if rec is None:
            rec = self.journal.receipt_row(key)     # a session finished by an earlier run (rare)
            if rec is not None:
                self.receipts[key] = rec
        if rec is None:
            return None
        out = dict(rec)
        out["guest"] = json.loads(rec["guest_json"])
        out["url"] = self.url_template.format(token=rec["token"]) if self.url_template else None
        return out

    async def aclose(self) -> None:
        self._closed = True
        for t in list(self._tasks):
            try:
                await asyncio.wait_for(asyncio.shield(t), 5)
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass


def _dec(v: Any) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def _iso(v: datetime | None) -> str | None:
    return v.isoformat() if v is not None else None
