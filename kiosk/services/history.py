"""Session history for the attendant desk: today's, this week's and this month's sessions
of this kiosk's appToken (GET ``/token/{appToken}/sessions``), filtered by status, date
range and payment method, with totals and a CSV export for the venue's accounting or room
billing.

- Periods are calendar periods in the venue's time zone (week starts Monday); the API is
  asked with UTC bounds.
- Room/plate tags are the kiosk's own knowledge: they come from the session journal
  (``tag_lookup``), never from the API.
- The history model carries no receipt number: for final sessions it is read once from
  GET ``/session/status`` (or the journal's copy) and cached; final sessions never change.
- Money is :class:`~decimal.Decimal`, rounded to cents only for display and export.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.core.session import API_STATES
from kiosk.i18n import Translator

log = logging.getLogger(__name__)
_ = Translator("attendant")

#: Every status the service reports, for the history's filter (kiosk.core.session owns them).
ALL_STATUSES = tuple(s.value for s in API_STATES)
CENT = Decimal("0.01")

#: CSV columns, in order (the header row is English: it is read by accounting software).
CSV_COLUMNS = ("date", "bay", "tag", "kwh", "duration", "total_incl_vat", "vat", "currency", "receipt_number",
               "status", "charge_session_id",
               # hotel billing (added at the end: readers by position keep working): what the guest
               # paid, the difference to the operator's cost (total_incl_vat), the kiosk's number
               "guest_incl_vat", "guest_vat", "difference", "kiosk_receipt_number")


class Period(StrEnum):
    TODAY = "today"
    WEEK = "week"
    MONTH = "month"
    CUSTOM = "custom"


@dataclass(frozen=True)
class HistoryFilter:
    period: Period = Period.TODAY
    #: inclusive local dates for Period.CUSTOM
    date_from: date | None = None
    date_to: date | None = None
    statuses: frozenset[str] = frozenset()          # empty: all
    payment_method_id: str | None = None             # None: all


@dataclass(frozen=True)
class HistoryRow:
    charge_session_id: str
    status: str
    start_time: datetime | None
    end_time: datetime | None
    bay: str
    location_id: str | None
    evse_uid: str | None
    tag: str
    energy_kwh: Decimal
    total_incl_vat: Decimal | None
    vat: Decimal | None
    currency: str
    receipt_number: str
    payment_method_id: str | None
    payment_label: str
    guest_incl_vat: Decimal | None = None      # hotel billing: what the guest paid
    guest_vat: Decimal | None = None
    kiosk_receipt_number: str = ""

    @property
    def difference(self) -> Decimal | None:
        """Guest price minus the operator's cost (incl. VAT)."""
        if self.guest_incl_vat is None or self.total_incl_vat is None:
            return None
        return self.guest_incl_vat - self.total_incl_vat

    @property
    def duration(self) -> timedelta | None:
        if self.start_time is None or self.end_time is None:
            return None
        return max(self.end_time - self.start_time, timedelta(0))


@dataclass(frozen=True)
class HistoryTotals:
    sessions: int
    energy_kwh: Decimal
    total_incl_vat: Decimal
    vat: Decimal
    currency: str


@dataclass(frozen=True)
class HistoryResult:
    filter: HistoryFilter
    date_from: datetime          # UTC bounds actually asked
    date_to: datetime
    rows: list[HistoryRow]
    totals: HistoryTotals
    payment_methods: dict[str, str] = field(default_factory=dict)   # id -> label seen in the rows


def period_bounds(flt: HistoryFilter, now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC [from, to) of the filter's period, computed in the venue's time zone."""
    local = now.astimezone(tz)
    today = local.date()
    if flt.period == Period.TODAY:
        start, end = today, today
    elif flt.period == Period.WEEK:
        start, end = today - timedelta(days=today.weekday()), today
    elif flt.period == Period.MONTH:
        start, end = today.replace(day=1), today
    else:
        start = flt.date_from or today
        end = flt.date_to or today
        if end < start:
            start, end = end, start
    lo = datetime.combine(start, time.min, tz)
    hi = datetime.combine(end + timedelta(days=1), time.min, tz)
    return lo.astimezone(UTC), hi.astimezone(UTC)


def _dec(v: Any) -> Decimal | None:
    if v is None:
        return None
    return Decimal(str(v))


def bay_label(location: Any, evse_uid: str | None) -> str:
    """The EVSE's public id (printed on the charger) if the location names it, else its uid."""
    for evse in (getattr(location, "evses", None) or []):
        if getattr(evse, "uid", None) == evse_uid:
            return getattr(evse, "evse_id", None) or evse_uid or ""
    return evse_uid or ""


def payment_label(pm: Any) -> str:
    from kiosk.logsetup import mask_card

    if pm is None:
        return ""
    if getattr(pm, "external_payment_method_id", None) or str(getattr(pm, "type", "")) == "EXTERNAL":
        return getattr(pm, "display_name", None) or getattr(pm, "external_payment_method_id", None) or ""
    hint = getattr(pm, "card_hint", None) or getattr(pm, "card_short_hint", None) or ""
    return mask_card(hint) if hint else (getattr(pm, "display_name", None) or str(getattr(pm, "type", "") or ""))


def format_duration(d: timedelta | None) -> str:
    """``H:MM`` (hours may exceed 24), empty when unknown."""
    if d is None:
        return ""
    minutes = int(d.total_seconds() // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def totals(rows: Iterable[HistoryRow]) -> HistoryTotals:
    rows = list(rows)
    currencies = {r.currency for r in rows if r.currency}
    return HistoryTotals(
        sessions=len(rows),
        energy_kwh=sum((r.energy_kwh for r in rows), Decimal(0)),
        total_incl_vat=sum((r.total_incl_vat or Decimal(0) for r in rows), Decimal(0)),
        vat=sum((r.vat or Decimal(0) for r in rows), Decimal(0)),
        currency=currencies.pop() if len(currencies) == 1 else ("EUR" if not currencies else "mixed"),
    )


def to_csv(rows: Iterable[HistoryRow], tz: ZoneInfo) -> str:
    """CSV for accounting: one row per session, dot decimals, local start time ISO 8601."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow([
            r.start_time.astimezone(tz).strftime("%Y-%m-%d %H:%M") if r.start_time else "",
            r.bay,
            r.tag,
            f"{r.energy_kwh.quantize(Decimal('0.001'), ROUND_HALF_UP)}",
            format_duration(r.duration),
            f"{r.total_incl_vat.quantize(CENT, ROUND_HALF_UP)}" if r.total_incl_vat is not None else "",
            f"{r.vat.quantize(CENT, ROUND_HALF_UP)}" if r.vat is not None else "",
            r.currency,
            r.receipt_number,
            r.status,
            r.charge_session_id,
            "" if r.guest_incl_vat is None else f"{r.guest_incl_vat.quantize(CENT, ROUND_HALF_UP)}",
            "" if r.guest_vat is None else f"{r.guest_vat.quantize(CENT, ROUND_HALF_UP)}",
            "" if r.difference is None else f"{r.difference.quantize(CENT, ROUND_HALF_UP)}",
            r.kiosk_receipt_number,
        ])
    return buf.getvalue()


TagLookup = Callable[[str], "str | None"]


class HistoryService:
    """Reads the appToken's session history and turns it into rows, totals and CSV.

    ``tag_lookup(charge_session_id)`` returns the room/plate tag the journal holds for a
    session (or None); ``receipt_lookup`` the journal's receipt number, if it keeps one.
    ``clock`` returns the current aware time (the venue's "today"); ``tz`` is the venue's
    time zone.
    """

    def __init__(self, client: Any, *, tag_lookup: TagLookup | None = None,
                 receipt_lookup: TagLookup | None = None, tz: str | ZoneInfo = "Europe/Amsterdam",
                 guest_lookup: Callable[[str], dict | None] | None = None,
                 clock: Callable[[], datetime] | None = None, receipt_concurrency: int = 4) -> None:
        self.client = client
        self.tag_lookup = tag_lookup or (lambda _sid: None)
        self.receipt_lookup = receipt_lookup or (lambda _sid: None)
        #: hotel billing: {"incl_vat", "vat", "number"} the guest paid for a session, or None
        self.guest_lookup = guest_lookup or (lambda _sid: None)
        self.tz = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        self.clock = clock or (lambda: datetime.now(UTC))
        self._receipts: dict[str, str] = {}
        self._sem = asyncio.Semaphore(receipt_concurrency)

    async def fetch(self, flt: HistoryFilter) -> HistoryResult:
        lo, hi = period_bounds(flt, self.clock(), self.tz)
        statuses = sorted(flt.statuses) if flt.statuses else None
        items = await self.client.session_history(date_from=lo, date_to=hi, statuses=statuses, sort_desc=True)
        rows: list[HistoryRow] = []
        labels: dict[str, str] = {}
        for it in items:
            sid = getattr(it, "charge_session_id", None)
            if not sid:
                continue
            st = getattr(it, "start_time", None)
            # the API filters by date too; keep the bounds exact whatever it did
            if st is not None and not (lo <= st < hi):
                continue
            status = str(getattr(it, "status", "") or "")
            if flt.statuses and status not in flt.statuses:
                continue
            pm = getattr(it, "payment_method", None)
            pm_id = getattr(pm, "id", None) if pm is not None else None
            if pm_id:
                labels.setdefault(pm_id, payment_label(pm))
            if flt.payment_method_id and pm_id != flt.payment_method_id:
                continue
            evse_uid = getattr(it, "evse_uid", None)
            loc = getattr(it, "location", None)
            rows.append(HistoryRow(
                charge_session_id=sid,
                status=status,
                start_time=st,
                end_time=getattr(it, "end_time", None),
                bay=bay_label(loc, evse_uid),
                location_id=getattr(loc, "id", None) if loc is not None else None,
                evse_uid=evse_uid,
                tag=self._safe(self.tag_lookup, sid) or "",
                energy_kwh=_dec(getattr(it, "energy_in_kwh", None)) or Decimal(0),
                total_incl_vat=_dec(getattr(it, "retail_cost_incl_vat", None)),
                vat=_dec(getattr(it, "vat_amount", None)),
                currency=getattr(it, "currency", None) or "",
                receipt_number="",
                payment_method_id=pm_id,
                payment_label=payment_label(pm),
            ))
        rows = await self._with_receipts(rows)
        rows = [self._with_guest(r) for r in rows]
        return HistoryResult(filter=flt, date_from=lo, date_to=hi, rows=rows, totals=totals(rows),
                             payment_methods=labels)

    def _with_guest(self, r: HistoryRow) -> HistoryRow:
        g = self._safe(self.guest_lookup, r.charge_session_id)   # type: ignore[arg-type]
        if not g:
            return r
        return replace(r, guest_incl_vat=_dec(g.get("incl_vat")), guest_vat=_dec(g.get("vat")),
                       kiosk_receipt_number=g.get("number") or "")

    @staticmethod
    def _safe(fn: Any, sid: str) -> Any:
        try:
            return fn(sid)
        except Exception:  # the journal must never break the history
            log.exception("journal lookup failed")
            return None

    async def _with_receipts(self, rows: list[HistoryRow]) -> list[HistoryRow]:
        async def one(r: HistoryRow) -> HistoryRow:
            if r.status != "CDR_AVAILABLE":
                return r
            num = self._receipts.get(r.charge_session_id) or self._safe(self.receipt_lookup, r.charge_session_id)
            if not num:
                async with self._sem:
                    try:
                        st = await self.client.session_status(r.charge_session_id)
                    except Exception as exc:  # a missing receipt number must not lose the row
                        log.warning("receipt number of a session not available: %s", type(exc).__name__)
                        return r
                num = getattr(st, "receipt_number", None) or ""
                tot, vat = _dec(getattr(st, "total_costs", None)), _dec(getattr(st, "total_vat", None))
                if num:
                    self._receipts[r.charge_session_id] = num
                r = replace(r, total_incl_vat=r.total_incl_vat if r.total_incl_vat is not None else tot,
                            vat=r.vat if r.vat is not None else vat)
            else:
                self._receipts[r.charge_session_id] = num
            return replace(r, receipt_number=num)

        return list(await asyncio.gather(*(one(r) for r in rows)))

    def to_csv(self, rows: Iterable[HistoryRow]) -> str:
        return to_csv(rows, self.tz)

    async def export_csv(self, flt: HistoryFilter, path: Any) -> HistoryResult:
        """Fetch with the filter and write the CSV (UTF-8 with BOM so spreadsheets read it)."""
        from pathlib import Path

        res = await self.fetch(flt)
        text = self.to_csv(res.rows)
        p = Path(path)
        await asyncio.to_thread(p.write_text, text, encoding="utf-8-sig")
        return res
