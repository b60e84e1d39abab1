"""The desk's board: every charger of the venue with its session, and every session of
this kiosk's appToken (the journal's, and those only the service reports), with its
problem and the alerts they raise. Qt-free; rows carry states and codes, the widgets
translate them when they draw.

Without the shared venue journal (issue 17) a desk knows the sessions started here and
what the service reports for this appToken; sessions another screen started show as
"owner unknown" (the journal's ``start_phase='foreign'``) or "service only".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from .alerts import RANK, Alert, DeskAlerts
from .desk import DeskRow, SessionsDesk

log = logging.getLogger(__name__)

#: charger statuses that are a problem of the bay itself (listed before the free bays)
DOWN = {"OUTOFORDER", "INOPERATIVE", "BLOCKED", "REMOVED"}
FAILED = {"REJECTED", "TIMEOUT", "CANCELLED", "ERROR", "NOT_STARTED"}
ENDED = {"COMPLETED", "CDR_AVAILABLE"} | FAILED


@dataclass(frozen=True)
class BoardRow:
    """One line of the desk's table: a session (``session``) or a charger without one."""

    id: str                         # the session's id, or "bay:<evse uid>"
    session: DeskRow | None
    bay: Any                        # kiosk.services.venue.Bay of the venue, if the charger is one
    evse_uid: str | None
    location_id: str | None
    state: str                      # the session's state, else the charger's status
    problem: str                    # a key of alerts.RANK ("" when none)
    parked_s: float | None
    payer: str                      # "venue", "room" or "" (not known: another screen's session)

    @property
    def rank(self) -> int:
        return RANK.get(self.problem, 0)

    @property
    def key(self) -> str | None:
        return self.session.key if self.session is not None else None

    @property
    def bay_name(self) -> str:
        if self.bay is not None:
            return self.bay.name
        return self.session.bay if self.session is not None else (self.evse_uid or "")


@dataclass(frozen=True)
class BoardSnapshot:
    rows: list[BoardRow]
    alerts: list[Alert]
    new_alerts: list[Alert]
    service_ok: bool
    api_error: str


class DeskBoard:
    """Builds the board from the sessions desk, the venue's chargers and the alerts."""

    def __init__(self, desk: SessionsDesk, venue: Any, alerts: DeskAlerts) -> None:
        self.desk = desk
        self.venue = venue
        self.alerts = alerts

    async def refresh(self) -> BoardSnapshot:
        sessions = await self.desk.rows()
        bays: list[Any] = []
        venue_ok = True
        if self.venue is not None:
            try:
                bays = list(await self.venue.board())
            except Exception:  # noqa: BLE001 - the venue service keeps its last board and says offline
                log.info("venue board not refreshed", exc_info=True)
                bays = list(getattr(self.venue, "bays", []))
            venue_ok = bool(getattr(self.venue, "online", True))
        service_ok = venue_ok and not self.desk.api_error
        by_uid = {b.evse_uid: b for b in bays}
        payers = self._payers()
        rows: list[BoardRow] = []
        busy: set[str] = set()
        for s in sessions:
            parked = self.alerts.parked_for(s.id, s.state)
            problem = self._problem(s, parked)
            if s.evse_uid and s.state not in ENDED:
                busy.add(s.evse_uid)
            rows.append(BoardRow(id=s.id, session=s, bay=by_uid.get(s.evse_uid or ""), evse_uid=s.evse_uid,
                                 location_id=s.location_id or (by_uid[s.evse_uid].location_id
                                                               if s.evse_uid in by_uid else None),
                                 state=s.state, problem=problem, parked_s=parked,
                                 payer=self._payer(s, payers)))
        for b in bays:
            if b.evse_uid in busy:
                continue
            rows.append(BoardRow(id=f"bay:{b.evse_uid}", session=None, bay=b, evse_uid=b.evse_uid,
                                 location_id=b.location_id, state=b.status,
                                 problem="charger_down" if b.status in DOWN else "", parked_s=None, payer=""))
        self.alerts.keep_only({r.id for r in rows})
        alerts = self.alerts.evaluate(self._alerts(rows, service_ok))
        return BoardSnapshot(rows=rows, alerts=alerts, new_alerts=list(self.alerts.new), service_ok=service_ok,
                             api_error=self.desk.api_error)

    def _problem(self, s: DeskRow, parked: float | None) -> str:
        if s.state in FAILED:
            return "start_failed"
        if s.source in ("unknown", "service"):
            return "owner_unknown"
        if s.state == "UNKNOWN":
            return "unreachable"
        if parked is not None:
            return "parking" if self.alerts.is_long(parked) else "parked"
        return ""

    @staticmethod
    def _alerts(rows: list[BoardRow], service_ok: bool) -> list[Alert]:
        out: list[Alert] = []
        for r in rows:
            if r.problem in ("parking", "start_failed", "owner_unknown"):
                s = r.session
                out.append(Alert(id=f"{r.problem}:{r.id}", kind=r.problem, row_id=r.id, key=r.key,
                                 evse_uid=r.evse_uid, location_id=r.location_id, bay=r.bay_name,
                                 parked_s=r.parked_s, detail=(s.failure if s is not None else "")))
        unknown = [r for r in rows if r.problem == "unreachable"]
        if not service_ok or unknown:
            first = unknown[0] if unknown else None
            out.append(Alert(id="unreachable", kind="unreachable", row_id=first.id if first else None,
                             key=first.key if first else None, evse_uid=first.evse_uid if first else None,
                             location_id=first.location_id if first else None,
                             bay=", ".join(r.bay_name for r in unknown)))
        return out

    def _payers(self) -> dict[str, str]:
        """payment method id -> "room" for the hotel's room stays (the journal's)."""
        journal = getattr(self.desk.sessions, "journal", None)
        if journal is None or not hasattr(journal, "stay_rows"):
            return {}
        try:
            return {r["payment_method_id"]: "room" for r in journal.stay_rows(open_only=False)
                    if r.get("payment_method_id")}
        except Exception:  # noqa: BLE001 - the payer column stays empty
            return {}

    def _payer(self, s: DeskRow, payers: dict[str, str]) -> str:
        pm = s.payment_method_id
        if not pm:
            return ""
        if pm in payers:
            return "room"
        venue_pm = getattr(self.venue, "known_payment_method", None)
        return "venue" if pm == venue_pm else ""
