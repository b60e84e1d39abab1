"""Read-only views of live sessions: the board entry (no guest data), the holder's view
and the receipt. No translated text: the screens translate states and labels when they
draw them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from kiosk.core.session import State, can_stop

from .live import Live, ServerClock
from .model import BoardEntry, CostEstimate, Receipt, SessionView


class Views:
    def __init__(self, server_clock: ServerClock, evse_labels: dict[str, str]) -> None:
        self.server_clock = server_clock
        self.evse_labels = evse_labels
        #: hotel billing's hooks (kiosk.services.billing): the guest's cost of a session for
        #: the guest's own view, and the receipt's billing fields
        self.guest_cost: Callable[[Live], CostEstimate | None] | None = None
        #: the tariff the guest pays (hotel billing's guest price); default: the operator's
        self.guest_tariff: Callable[[Live], Any] | None = None
        self.receipt_extra: Callable[[Live], dict[str, Any]] | None = None

    def label(self, live: Live) -> str:
        return self.evse_labels.get(live.evse_uid, live.evse_uid)

    def elapsed(self, live: Live) -> int:
        if live.started_at is None:
            return 0
        end = live.ended_at if live.lifecycle.has_ended and live.ended_at else (
            self.server_clock.now() or live.server_time)
        if end is None:
            return 0
        return max(0, int((end - live.started_at).total_seconds()))

    @staticmethod
    def cost(live: Live) -> CostEstimate | None:
        if live.total_costs is not None:
            cur = live.currency or (live.estimate.currency if live.estimate else "EUR")
            excl = live.total_costs - (live.total_vat or Decimal(0))
            return CostEstimate(cur, live.total_costs, excl, final=True)
        if live.estimate is None:
            return None
        return CostEstimate(live.estimate.currency, live.estimate.incl_vat, live.estimate.excl_vat, final=False)

    def entry(self, live: Live) -> BoardEntry:
        st = live.lifecycle.state
        return BoardEntry(key=live.key, location_id=live.location_id, evse_uid=live.evse_uid,
                          connector_id=live.connector_id, evse_label=self.label(live), state=st.value,
                          is_final=live.lifecycle.is_final, power_kw=live.power_kw, energy_kwh=live.energy_kwh,
                          elapsed_s=self.elapsed(live), estimate=self.cost(live))

    def view(self, live: Live) -> SessionView:
        st = live.lifecycle.state
        stoppable = (can_stop(st) and live.charge_session_id is not None and not live.lifecycle.has_ended
                     and not live.stop_sent)
        return SessionView(key=live.key, charge_session_id=live.charge_session_id, location_id=live.location_id,
                           evse_uid=live.evse_uid, connector_id=live.connector_id, state=st.value,
                           known_state=live.lifecycle.known.value, is_final=live.lifecycle.is_final,
                           has_ended=live.lifecycle.has_ended, can_stop=stoppable,
                           stop_requested=live.stop_requested,
                           power_kw=live.power_kw, energy_kwh=live.energy_kwh, state_of_charge=live.soc,
                           started_at=live.started_at, ended_at=live.ended_at, elapsed_s=self.elapsed(live),
                           estimate=self.guest_cost(live) if self.guest_cost is not None else self.cost(live),
                           tag=live.tag, error_message=live.error_message, operator_estimate=self.cost(live),
                           price=self._price(live))

    def _price(self, live: Live) -> Any:
        if self.guest_tariff is not None:
            return self.guest_tariff(live)
        return None if live.tariff is None else live.tariff.current

    def receipt(self, live: Live) -> Receipt:
        est = live.estimate.incl_vat if live.estimate is not None else None
        return Receipt(key=live.key, charge_session_id=live.charge_session_id, receipt_number=live.receipt_number,
                       location_id=live.location_id, evse_uid=live.evse_uid, connector_id=live.connector_id,
                       state=live.lifecycle.state.value, started_at=live.started_at, ended_at=live.ended_at,
                       energy_kwh=live.energy_kwh,
                       currency=live.currency or (live.estimate.currency if live.estimate else None),
                       total_incl_vat=live.total_costs, total_vat=live.total_vat,
                       vat_percentage=live.vat_percentage, estimate_incl_vat=est, difference=live.difference,
                       final=live.total_costs is not None and live.lifecycle.state == State.CDR_AVAILABLE,
                       tag=live.tag, **(self.receipt_extra(live) if self.receipt_extra is not None else {}))
