"""The attendant's sessions board (the journal's sessions and those only the service knows),
its actions, and the journal look-ups the history uses."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from kiosk.i18n import Translator
from kiosk.services.runtime import RuntimeSettings

from .common import DeskError, api_message

log = logging.getLogger(__name__)
_ = Translator("attendant")


@dataclass(frozen=True)
class DeskRow:
    """One session on the attendant's board (guest data allowed: the PIN holder sees it)."""

    key: str | None                 # journal key; None when only the service knows the session
    charge_session_id: str | None
    bay: str
    state: str
    is_final: bool
    power_kw: Decimal | None
    energy_kwh: Decimal | None
    elapsed_s: int
    estimate_incl_vat: Decimal | None
    currency: str | None
    estimate_final: bool
    tag: str
    failure: str                    # why the start failed / what went wrong, if anything
    source: str                     # "kiosk" (journal), "unknown" (owner unknown) or "service" (API history only)
    evse_uid: str | None = None
    location_id: str | None = None
    payment_method_id: str | None = None
    can_stop: bool = False          # running and not asked to stop yet

    @property
    def state_text(self) -> str:
        """The state's title in the language on screen now (a row outlives a language switch)."""
        from kiosk.core.session import state_title

        return state_title(self.state)
    origin: str | None = None       # which screen started it (a shared venue journal says; else None)

    @property
    def id(self) -> str:
        return self.key or f"api:{self.charge_session_id}"


class SessionsDesk:
    """Every session of this kiosk's appToken: the journal's (via the session service) and
    those the service reports active that the journal does not know (another kiosk on the
    same appToken, or a journal lost). Actions are audited with the PIN holder's name."""

    def __init__(self, sessions: Any, client: Any, attendant: Any, *, lookback_days: int = 7,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.sessions = sessions
        self.client = client
        self.attendant = attendant
        self.lookback_days = lookback_days
        self.clock = clock or (lambda: datetime.now(UTC))
        self.api_error: str = ""

    def _details(self, key: str) -> Any:
        """Tag, chargeSessionId and error of a journaled session, read from the journal
        (no audit entry: the board refreshes every few seconds); the audited
        :meth:`SessionService.view` only when the service keeps no journal attribute."""
        journal = getattr(self.sessions, "journal", None)
        if journal is not None:
            row = journal.get(key)
            if row is not None:
                return row
        return self.sessions.view(key, self.attendant)

    async def rows(self) -> list[DeskRow]:
        from datetime import timedelta

        from kiosk.api import errors
        from kiosk.core.session import ACTIVE, FAILURES, describe_state, is_active

        rows: list[DeskRow] = []
        known: set[str] = set()
        for e in self.sessions.active():
            try:
                v = self._details(e.key)
            except Exception:  # noqa: BLE001 - the board shows what it has
                log.exception("session details unavailable")
                v = None
            csid = getattr(v, "charge_session_id", None)
            foreign = getattr(v, "start_phase", "") == "foreign"
            if csid:
                known.add(csid)
            est = e.estimate
            failure = ""
            err = getattr(v, "error_message", None) if v is not None else None
            if e.state in FAILURES or err:
                parts = [err] if err else []
                if e.state in FAILURES:
                    parts.append(describe_state(e.state).explanation)
                failure = " ".join(parts)
            rows.append(DeskRow(
                key=e.key, charge_session_id=csid, bay=e.evse_label, state=e.state,
                is_final=e.is_final, power_kw=e.power_kw, energy_kwh=e.energy_kwh, elapsed_s=e.elapsed_s,
                estimate_incl_vat=est.incl_vat if est else None, currency=est.currency if est else None,
                estimate_final=bool(est and est.final),
                # a session the service runs that no start here owns (journal lost or rebuilt)
                tag=_("Owner unknown") if foreign else ((getattr(v, "tag", None) or "") if v else ""),
                failure=failure, source="unknown" if foreign else "kiosk", evse_uid=e.evse_uid,
                location_id=e.location_id, payment_method_id=getattr(v, "payment_method_id", None),
                can_stop=_stoppable(e.state, v), origin=getattr(e, "origin", None) or getattr(v, "origin", None)))
        self.api_error = ""
        try:
            items = await self.client.session_history(
                date_from=self.clock() - timedelta(days=self.lookback_days), statuses=[st.value for st in ACTIVE],
                sort_desc=True)
        except errors.ApiError as exc:
            self.api_error = api_message(exc)
            items = []
        from kiosk.services.history import bay_label

        for it in items:
            csid = getattr(it, "charge_session_id", None)
            status = str(getattr(it, "status", "") or "")
            if not csid or csid in known or not is_active(status):
                continue
            journal = getattr(self.sessions, "journal", None)
            jrow = journal.by_charge_session_id(csid) if journal is not None else None
            st = getattr(it, "start_time", None)
            elapsed = int((self.clock() - st).total_seconds()) if st else 0
            rows.append(DeskRow(
                key=None, charge_session_id=csid, bay=bay_label(getattr(it, "location", None),
                                                                getattr(it, "evse_uid", None)),
                state=status, is_final=False, power_kw=None,
                energy_kwh=_decimal(getattr(it, "energy_in_kwh", None)), elapsed_s=max(elapsed, 0),
                estimate_incl_vat=None, currency=getattr(it, "currency", None), estimate_final=False,
                tag=(jrow.tag or "") if jrow is not None else "", failure="", source="service",
                evse_uid=getattr(it, "evse_uid", None),
                location_id=getattr(getattr(it, "location", None), "id", None), can_stop=True,
                origin=getattr(it, "origin", None)))
        return rows

    async def stop(self, row: DeskRow, reason: str) -> str:
        """Stop a session as attendant; the reason is audited. Returns the new state."""
        from kiosk.api import errors

        reason = (reason or "").strip()
        if not reason:
            raise DeskError(_("Give a reason for stopping this session."))
        if row.key is not None:
            view = await self.sessions.attendant_stop(row.key, self.attendant, reason)
            return view.state
        try:
            st = await self.client.stop_session(row.charge_session_id)
        except errors.ApiError as exc:
            raise DeskError(api_message(exc)) from exc
        self.sessions.audit(self.attendant.name, "session.stop", row.charge_session_id,
                            f"reason: {reason} (session not in this kiosk's journal)")
        return str(getattr(st, "status", "") or "")

    def receipt(self, row: DeskRow) -> Any:
        if row.key is None:
            raise DeskError(_("This session was not started on this kiosk; its receipt is in the history."))
        return self.sessions.receipt(row.key, attendant=self.attendant)

    def new_code(self, row: DeskRow) -> str:
        if row.key is None:
            raise DeskError(_("This session was not started on this kiosk, so it has no guest code."))
        return self.sessions.reissue_code(row.key, self.attendant)


def _stoppable(state: str, row: Any) -> bool:
    from kiosk.core.session import can_stop, has_ended, parse_state

    st = parse_state(state)
    return (st is not None and can_stop(st) and not has_ended(st) and row is not None
            and getattr(row, "charge_session_id", None) is not None and getattr(row, "stop_requested_at", None) is None)


def _decimal(v: Any) -> Decimal | None:
    return None if v is None else Decimal(str(v))


# ---------------------------------------------------------------------------------------
# Journal look-ups for the history (tags and receipt numbers are the kiosk's knowledge)
# ---------------------------------------------------------------------------------------

def journal_tag_lookup(journal: Any) -> Callable[[str], str | None]:
    def lookup(charge_session_id: str) -> str | None:
        row = journal.by_charge_session_id(charge_session_id)
        return row.tag if row is not None else None
    return lookup


def journal_receipt_lookup(journal: Any) -> Callable[[str], str | None]:
    def lookup(charge_session_id: str) -> str | None:
        row = journal.by_charge_session_id(charge_session_id)
        if row is None or not row.final_json:
            return None
        try:
            final = json.loads(row.final_json)
        except ValueError:
            return None
        if isinstance(final, dict):
            return final.get("receiptNumber") or final.get("receipt_number") or None
        return None
    return lookup


def bind_venue_payment(runtime: RuntimeSettings, venue: Any, configured_id: str | None = None) -> Callable[[], None]:
    """Make the venue service start new sessions with the payment method staff chose
    (``runtime.payment_method_id``), or the configuration's when staff chose none.
    Applied now and on every change; returns an unsubscribe function."""

    def apply(_changed: dict[str, Any] | None = None) -> None:
        chosen = runtime.payment_method_id or configured_id
        if getattr(venue, "payment_method_id", None) != chosen:
            venue.set_payment_method(chosen)   # also forgets a wallet look-up made for the old choice

    apply()
    return runtime.subscribe(lambda changed: apply(changed) if "payment_method_id" in changed else None)

