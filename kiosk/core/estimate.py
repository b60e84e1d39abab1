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
from datetime import datetime, timedelta
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
    end: datetime | None = None
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
                       energy_kwh: Any, power_kw: Any, data_points: list[Any] | None = None,
                       end_time: datetime | None = None) -> None:
        """Feed a status answer: its data points and the answer itself (at ``server_time``,
        or at ``end_time`` once the charge has ended)."""
        if start_time is not None:
            self.start = start_time
        if end_time is not None:
            self.end = end_time
        for dp in data_points or []:
            self.observe(getattr(dp, "timestamp", None), getattr(dp, "energy_in_kwh", None),
                         getattr(dp, "power_in_kw", None), getattr(dp, "status", None))
        st = parse_state(status)
        last = self.last
        if st in (State.CHARGING, State.PARKING):
            # the Date header has whole seconds: never put the answer before a data point
            if server_time is not None and (last is None or server_time > last.at):
                self.observe(server_time, energy_kwh, power_kw, st)
        elif end_time is not None and energy_kwh is not None:
            carry = last.state if last is not None and last.state in (State.CHARGING.value, State.PARKING.value) \
                else State.CHARGING.value
            self.observe(end_time, energy_kwh, Decimal(0), carry)

    @property
    def last(self) -> Observation | None:
        return self.observations[-1] if self.observations else None

    def profile(self) -> Any:
        """The ChargingProfile observed so far (None before energy flows).

        Between two observations: parking when no energy came and either end says
        PARKING; a charging interval that ends in PARKING is split where the car became
        full (energy / power); while the power tapers the interval is cut into steps of
        about 10 s with the power interpolated linearly and the energy shared in
        proportion (so power restrictions price each step as the service does).
        """
        from kiosk.core.tariff import ChargingProfile, Period

        if self.start is None:
            return None
        points = [o for o in self.observations
                  if o.at >= self.start and (self.end is None or o.at <= self.end)]
        if not points:
            return None
        periods: list[Any] = []
        prev = Observation(self.start, Decimal(0), points[0].power_kw, State.CHARGING.value)
        PARK = State.PARKING.value
        slope = Decimal(0)
        for o in points:
            if o.at <= prev.at:
                prev = Observation(prev.at, max(prev.energy_kwh, o.energy_kwh), o.power_kw, o.state)
                continue
            delta = max(Decimal(0), o.energy_kwh - prev.energy_kwh)
            secs = Decimal(str((o.at - prev.at).total_seconds()))
            p0 = prev.power_kw if prev.power_kw is not None and prev.power_kw > 0 else None
            if delta == 0 and PARK in (prev.state, o.state):
                periods.append(Period(start=prev.at, end=o.at, energy_kwh=Decimal(0), parking=True))
            elif o.state == PARK and prev.state != PARK and p0 is not None \
                    and (t_full := _time_to_full(delta, p0, slope)) < secs * Decimal("0.98"):
                full_at = prev.at + timedelta(seconds=float(t_full))
                end_power = max(Decimal("0.01"), p0 + slope * t_full) if slope < 0 else p0
                fake_end = Observation(full_at, prev.energy_kwh + delta, end_power, State.CHARGING.value)
                periods.extend(_charging(prev, fake_end, delta, t_full, Period))
                periods.append(Period(start=full_at, end=o.at, energy_kwh=Decimal(0), parking=True))
            else:
                periods.extend(_charging(prev, o, delta, secs, Period))
            if prev.power_kw is not None and o.power_kw is not None and o.state != PARK and secs > 0:
                slope = (o.power_kw - prev.power_kw) / secs   # kW per second (negative while tapering)
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
            "end": self.end.isoformat() if self.end else None,
            "tz": self.tz,
            "obs": [[o.at.isoformat(), str(o.energy_kwh), None if o.power_kw is None else str(o.power_kw), o.state]
                    for o in self.observations],
        })

    @classmethod
    def from_json(cls, text: str | None, tz: str = "Europe/Amsterdam") -> EstimateTracker:
        if not text:
            return cls(tz=tz)
        d = json.loads(text)
        t = cls(start=datetime.fromisoformat(d["start"]) if d.get("start") else None,
                end=datetime.fromisoformat(d["end"]) if d.get("end") else None, tz=d.get("tz") or tz)
        t.observations = [Observation(datetime.fromisoformat(a), Decimal(e), Decimal(p) if p is not None else None, s)
                          for a, e, p, s in d.get("obs", [])]
        return t


def _time_to_full(delta: Decimal, p0: Decimal, slope: Decimal) -> Decimal:
    """Seconds to deliver ``delta`` kWh starting at ``p0`` kW with the power changing by
    ``slope`` kW/s (the taper seen just before; 0 = constant power)."""
    need = delta * 3600  # kWs
    if slope >= 0:
        return need / p0
    a = slope / 2
    disc = p0 * p0 + 4 * a * need
    if disc <= 0:  # the taper would reach zero power first: charge until then
        return -p0 / slope
    return (-p0 + disc.sqrt()) / (2 * a)


def _charging(prev: Observation, o: Observation, delta: Decimal, secs: Decimal, Period: Any) -> list[Any]:
    p0, p1 = prev.power_kw, o.power_kw
    if p0 is None or p0 <= 0:
        p0 = p1 if p1 is not None and p1 > 0 else (delta / secs * 3600 if secs > 0 else None)
    if p1 is None or p1 <= 0 or p0 is None or abs(p1 - p0) <= p0 / 100 or secs <= 12:
        return [Period(start=prev.at, end=o.at, energy_kwh=delta, max_power_kw=p0)]
    n = min(12, int((secs / 10).to_integral_value(rounding="ROUND_CEILING")))
    powers = [p0 + (p1 - p0) * i / n for i in range(n)]
    total = sum(powers)
    out = []
    step = (o.at - prev.at) / n
    shared = Decimal(0)
    for i, p in enumerate(powers):
        e = delta - shared if i == n - 1 else delta * p / total
        shared += e
        end = o.at if i == n - 1 else prev.at + step * (i + 1)
        out.append(Period(start=prev.at + step * i, end=end, energy_kwh=e, max_power_kw=p))
    return out


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
