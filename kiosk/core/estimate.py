"""Live cost estimate of a running session, from the tariff and what the service reported.

The service reports energy and power but no cost until the session ends. The kiosk turns
its observations (status answers and ``usageSummary.dataPoints``, all in SERVER time) into
a :class:`kiosk.core.tariff.ChargingProfile` and prices it with
:func:`kiosk.core.tariff.quote`:

- the profile starts at the session's ``startTime`` (server clock), never the kiosk's;
- between two consecutive observations there is one period with the energy delivered in
  between; it is a parking period when the car took no energy and the service said
  PARKING, otherwise a charging period; its ``max_power_kw`` is the larger of the two
  reported powers (for power restrictions);
- the profile ends at the last observation: the estimate is "cost so far" as of the
  service's last answer, and it is always labelled as an estimate.

At the end :func:`reconcile` records the difference between the service's ``totalCosts``
and the last estimate shown (journal event ``reconciled``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from kiosk.core.session import State, parse_state

_MAX_OBS = 2000


@dataclass(frozen=True, order=True)
class Observation:
    at: datetime
    energy_kwh: Decimal
    power_kw: Decimal | None = None
    state: str = "CHARGING"


def _dec(v: Any) -> Decimal | None:
    if v is None:
        return None
    return v if isinstance(v, Decimal) else Decimal(str(v))


@dataclass
class EstimateTracker:
    """Observations of one session and the estimate they give."""

    start: datetime | None = None
    tz: str = "Europe/Amsterdam"
    observations: list[Observation] = field(default_factory=list)

    def observe(self, at: datetime | None, energy_kwh: Any, power_kw: Any = None, state: Any = None) -> None:
        """Add one observation (server time). Ignores points without time or energy."""
        e = _dec(energy_kwh)
        if at is None or e is None:
            return
        st = parse_state(state)
        obs = Observation(at, e, _dec(power_kw), st.value if st else "CHARGING")
        # keep sorted and unique by time; the newest answer wins for an equal timestamp
        self.observations = [o for o in self.observations if o.at != at]
        self.observations.append(obs)
        self.observations.sort(key=lambda o: o.at)
        if len(self.observations) > _MAX_OBS:
            # thin out the oldest half (keeps first and newest points)
            head, tail = self.observations[: _MAX_OBS // 2], self.observations[_MAX_OBS // 2:]
            self.observations = head[::2] + tail

    def observe_status(self, *, start_time: datetime | None, server_time: datetime | None, status: Any,
                       energy_kwh: Any, power_kw: Any, data_points: list[Any] | None = None) -> None:
        """Feed a status answer: its data points and the answer itself (at ``server_time``)."""
        if start_time is not None:
            self.start = start_time
        for dp in data_points or []:
            self.observe(getattr(dp, "timestamp", None), getattr(dp, "energy_in_kwh", None),
                         getattr(dp, "power_in_kw", None), getattr(dp, "status", None))
        st = parse_state(status)
        if st in (State.CHARGING, State.PARKING, State.STOPPING, State.COMPLETED, State.CDR_AVAILABLE):
            self.observe(server_time, energy_kwh, power_kw, st if st in (State.CHARGING, State.PARKING) else None)

    @property
    def last(self) -> Observation | None:
        return self.observations[-1] if self.observations else None

    def profile(self) -> Any:
        """The ChargingProfile observed so far (None before energy flows)."""
        from kiosk.core.tariff import ChargingProfile, Period

        points = [o for o in self.observations if self.start is None or o.at >= self.start]
        if not points or self.start is None:
            return None
        periods = []
        prev = Observation(self.start, Decimal(0), points[0].power_kw, "CHARGING")
        for o in points:
            if o.at <= prev.at:
                prev = Observation(prev.at, max(prev.energy_kwh, o.energy_kwh), o.power_kw, o.state)
                continue
            delta = max(Decimal(0), o.energy_kwh - prev.energy_kwh)
            parking = delta == 0 and o.state == State.PARKING.value
            powers = [p for p in (prev.power_kw, o.power_kw) if p is not None]
            periods.append(Period(start=prev.at, end=o.at, energy_kwh=delta, parking=parking,
                                  max_power_kw=max(powers) if powers and not parking else None))
            prev = Observation(o.at, max(prev.energy_kwh, o.energy_kwh), o.power_kw, o.state)
        if not periods:
            periods.append(Period(start=self.start, end=self.start, energy_kwh=Decimal(0)))
        return ChargingProfile(periods=periods, tz=self.tz)

    def estimate(self, tariff: Any) -> Any:
        """A :class:`kiosk.core.tariff.Quote` of the cost so far, or None (no tariff / no data)."""
        if tariff is None:
            return None
        profile = self.profile()
        if profile is None:
            return None
        from kiosk.core.tariff import quote

        return quote(tariff, profile)

    # -- persistence (journal column observations_json) --------------------------------
    def to_json(self) -> str:
        return json.dumps({
            "start": self.start.isoformat() if self.start else None,
            "tz": self.tz,
            "obs": [[o.at.isoformat(), str(o.energy_kwh), None if o.power_kw is None else str(o.power_kw), o.state]
                    for o in self.observations],
        })

    @classmethod
    def from_json(cls, text: str | None, tz: str = "Europe/Amsterdam") -> EstimateTracker:
        if not text:
            return cls(tz=tz)
        d = json.loads(text)
        t = cls(start=datetime.fromisoformat(d["start"]) if d.get("start") else None, tz=d.get("tz") or tz)
        t.observations = [Observation(datetime.fromisoformat(a), Decimal(e), Decimal(p) if p is not None else None, s)
                          for a, e, p, s in d.get("obs", [])]
        return t


def load_tariff(tariff_json: str | None) -> Any:
    """TariffSchedule from the journaled WalletTariffItem/TariffModel JSON (None if absent/unusable)."""
    if not tariff_json:
        return None
    try:
        from kiosk.core.tariff import from_charge_assist

        return from_charge_assist(json.loads(tariff_json))
    except Exception:  # an unusable tariff means no estimate, never a broken session
        return None


def reconcile(estimate_incl_vat: Decimal | None, total_costs: Any) -> Decimal | None:
    """Final cost minus the last estimate (None when either is unknown)."""
    total = _dec(total_costs)
    if estimate_incl_vat is None or total is None:
        return None
    return (total - estimate_incl_vat).quantize(Decimal("0.01"))
