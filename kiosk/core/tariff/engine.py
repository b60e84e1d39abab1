"""Price a charging profile with OCPI 2.2.1 semantics. See README.md next to this file.

Outline of :func:`quote`:

1. Split the profile's periods into *segments* at every moment where a restriction may
   change its verdict: local times named in any restriction (and midnight, for days and
   dates), session-duration thresholds, cumulative-kWh thresholds (energy flows at a
   constant rate inside a period, so the moment is interpolated), and the start/end of
   scheduled tariffs. Within a segment every restriction is constant.
2. For each segment and dimension (ENERGY always, TIME while charging, PARKING_TIME while
   parking) take the tariff valid at the segment's start and the first element (and, for
   Charge Assist, component) whose restrictions all match: its price applies.
3. Step sizes (mod_cdrs "step_size"): once per session for ENERGY, and once for TIME and
   PARKING_TIME combined. The session total of the dimension is rounded up to the step
   size of the *last* priced segment and the extra quantity is billed at that segment's
   price. The time step goes to PARKING_TIME when the last priced time-based segment is
   parking (charging time is then not rounded), otherwise to TIME.
4. FLAT is billed once: the first segment in which a FLAT component matches supplies it.
5. Line amounts stay exact; the totals are bounded by min_price/max_price (excl. and
   incl. VAT separately, as OCPI says) and then rounded half-up to the minor unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Union

from kiosk.core.money import ceil_to_step, round_money
from kiosk.core.tariff.model import (
    UNITS,
    ChargingProfile,
    Dimension,
    PriceComponent,
    Quote,
    QuoteLine,
    Restrictions,
    Tariff,
    TariffSchedule,
)

__all__ = ["quote", "Segment", "segments", "PHASE_VOLTAGE"]

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
SECONDS_PER_HOUR = Decimal(3600)
EXACT = Decimal("1e-18")
#: Used to derive a current (A, summed over phases) from a power when a period gives only
#: power: I = P / 230 V. Exact for single phase and for three phases at 230 V each.
PHASE_VOLTAGE = Decimal(230)

TariffLike = Union[Tariff, TariffSchedule]


@dataclass(frozen=True)
class Segment:
    start: dt.datetime
    end: dt.datetime
    seconds: Decimal
    energy_kwh: Decimal
    parking: bool
    power_kw: Decimal
    current_a: Decimal
    kwh_before: Decimal  # cumulative session energy at the segment's start
    elapsed: Decimal  # seconds since the session started, at the segment's start
    local_start: dt.datetime


@dataclass
class _Entry:
    dim: Dimension
    seg: Segment
    tariff: Tariff
    element: int
    comp: PriceComponent
    qty: Decimal  # kWh for ENERGY, seconds for TIME/PARKING_TIME, 1 for FLAT
    extra: Decimal = ZERO  # step-size round-up, same unit


def _as_schedule(t: TariffLike) -> TariffSchedule:
    return t if isinstance(t, TariffSchedule) else TariffSchedule(current=t)


def _all_restrictions(schedule: TariffSchedule) -> list[Restrictions]:
    found: list[Restrictions] = []
    for t in schedule.tariffs:
        for el in t.elements:
            if el.restrictions is not None:
                found.append(el.restrictions)
            found.extend(c.restrictions for c in el.components if c.restrictions is not None)
    return found


def _seconds(delta: dt.timedelta) -> Decimal:
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / Decimal(1_000_000)


def segments(schedule: TariffLike, profile: ChargingProfile) -> list[Segment]:
    """The profile split where a restriction or the valid tariff may change."""
    schedule = _as_schedule(schedule)
    tz = profile.zone
    if not profile.periods:
        return []
    session_start = profile.periods[0].start  # UTC (Period normalises)
    rs = _all_restrictions(schedule)
    times = {dt.time(0, 0)}
    kwh_marks: set[Decimal] = set()
    duration_marks: set[Decimal] = set()
    for r in rs:
        times.update(x for x in (r.start_time, r.end_time) if x is not None)
        kwh_marks.update(x for x in (r.min_kwh, r.max_kwh) if x is not None)
        duration_marks.update(x for x in (r.min_duration, r.max_duration) if x is not None and x > 0)
    fixed_cuts: set[dt.datetime] = set()
    for secs in duration_marks:
        fixed_cuts.add(session_start + dt.timedelta(seconds=float(secs)))
    for t in schedule.future:
        for v in (t.valid_from, t.valid_to):
            if v is not None:
                fixed_cuts.add((v if v.tzinfo else v.replace(tzinfo=tz)).astimezone(dt.timezone.utc))

    out: list[Segment] = []
    kwh = ZERO
    for p in profile.periods:
        cuts = {c for c in fixed_cuts if p.start < c < p.end}
        first_day = p.start.astimezone(tz).date() - dt.timedelta(days=1)
        last_day = p.end.astimezone(tz).date() + dt.timedelta(days=1)
        day = first_day
        while day <= last_day:
            for t in times:
                c = dt.datetime.combine(day, t, tzinfo=tz).astimezone(dt.timezone.utc)
                if p.start < c < p.end:
                    cuts.add(c)
            day += dt.timedelta(days=1)
        total = p.seconds
        # Energy delivered since the period's start at each bound, exact at kWh thresholds
        # (the cut itself is rounded to a microsecond; the threshold must not be).
        at_mark: dict[dt.datetime, Decimal] = {}
        if p.energy_kwh > 0 and total > 0:
            for mark in kwh_marks:
                if kwh < mark < kwh + p.energy_kwh:
                    c = p.start + dt.timedelta(seconds=float(total * (mark - kwh) / p.energy_kwh))
                    if p.start < c < p.end:
                        cuts.add(c)
                        at_mark[c] = mark - kwh

        def delivered(c: dt.datetime) -> Decimal:
            if c in at_mark:
                return at_mark[c]
            if c == p.end:
                return p.energy_kwh
            if c == p.start or total == 0:
                return ZERO
            return min(p.energy_kwh, p.energy_kwh * _seconds(c - p.start) / total)

        bounds = [p.start, *sorted(cuts), p.end]
        hours = total / SECONDS_PER_HOUR
        if p.max_power_kw is not None:
            power = p.max_power_kw
        elif not p.parking and hours > 0:
            power = p.energy_kwh / hours
        else:
            power = ZERO
        current = p.max_current_a if p.max_current_a is not None else power * 1000 / PHASE_VOLTAGE
        period_kwh = kwh
        for a, b in zip(bounds, bounds[1:]):
            e_a, e_b = delivered(a), delivered(b)
            out.append(
                Segment(
                    start=a,
                    end=b,
                    seconds=_seconds(b - a),
                    energy_kwh=max(ZERO, e_b - e_a),
                    parking=p.parking,
                    power_kw=power,
                    current_a=current,
                    kwh_before=period_kwh + e_a,
                    elapsed=_seconds(a - session_start),
                    local_start=a.astimezone(tz),
                )
            )
        kwh = period_kwh + p.energy_kwh
    return out


def _time_ok(r: Restrictions, t: dt.time) -> bool:
    s, e = r.start_time, r.end_time
    if s is not None and e is not None:
        if s < e:
            return s <= t < e
        if s > e:  # over midnight, e.g. 22:00-06:00
            return t >= s or t < e
        return True
    if s is not None:
        return t >= s
    if e is not None:
        return t < e
    return True


def matches(r: Restrictions | None, seg: Segment) -> bool:
    """Whether all restrictions hold during ``seg`` (evaluated at its start)."""
    if r is None:
        return True
    local = seg.local_start
    if not _time_ok(r, local.time().replace(tzinfo=None)):
        return False
    if r.start_date is not None and local.date() < r.start_date:
        return False
    if r.end_date is not None and local.date() >= r.end_date:
        return False
    if r.day_of_week is not None and local.weekday() not in r.day_of_week:
        return False
    checks = (
        (r.min_kwh, r.max_kwh, seg.kwh_before),
        (r.min_duration, r.max_duration, seg.elapsed),
        (r.min_power, r.max_power, seg.power_kw),
        (r.min_current, r.max_current, seg.current_a),
    )
    for lo, hi, value in checks:
        if lo is not None and value < lo:
            return False
        if hi is not None and value >= hi:
            return False
    return True


def find_component(tariff: Tariff, dim: Dimension, seg: Segment) -> tuple[int, PriceComponent] | None:
    """The first element (and component) pricing ``dim`` whose restrictions all match."""
    for idx, el in enumerate(tariff.elements):
        if not matches(el.restrictions, seg):
            continue
        for c in el.components:
            if c.type == dim and matches(c.restrictions, seg):
                return idx, c
    return None


def _amounts(tariff: Tariff, comp: PriceComponent, qty: Decimal, per: Decimal = ONE
             ) -> tuple[Decimal, Decimal, Decimal, Decimal | None]:
    """(excl, incl, unit price excl, vat %) of ``qty / per`` units at ``comp``'s price.

    Time is passed in seconds with ``per`` = 3600 so the only division comes last: an
    amount that is a whole number of tenths of a cent stays exact (no 0.1249999...)."""
    vat = tariff.component_vat(comp)
    factor = ONE + (vat / HUNDRED if vat is not None else ZERO)
    gross = qty * comp.price / per
    if tariff.vat_included:
        return gross / factor, gross, comp.price / factor, vat
    return gross, gross * factor, comp.price, vat


def _fmt_secs(s: Decimal) -> str:
    s = s.normalize()
    if s % 60 == 0:
        return f"{int(s // 60)} min"
    return f"{s:f} s"


def _apply_steps(entries: list[_Entry], notes: list[str]) -> None:
    energy = [e for e in entries if e.dim is Dimension.ENERGY]
    if energy:
        last = energy[-1]
        total_wh = sum((e.qty for e in energy), ZERO) * 1000
        billed = ceil_to_step(total_wh, Decimal(max(last.comp.step_size, 0)))
        if billed > total_wh:
            last.extra = (billed - total_wh) / 1000
            notes.append(
                f"ENERGY: {(total_wh / 1000).normalize():f} kWh rounded up to {(billed / 1000).normalize():f} kWh "
                f"(step size {last.comp.step_size} Wh of the last priced period)"
            )
    timed = [e for e in entries if e.dim in (Dimension.TIME, Dimension.PARKING_TIME)]
    if timed:
        last = timed[-1]
        same = [e for e in timed if e.dim is last.dim]
        total_s = sum((e.seg.seconds for e in same), ZERO)
        billed = ceil_to_step(total_s, Decimal(max(last.comp.step_size, 0)))
        if billed > total_s:
            last.extra = billed - total_s
            notes.append(
                f"{last.dim.value}: {_fmt_secs(total_s)} rounded up to {_fmt_secs(billed)} "
                f"(step size {last.comp.step_size} s of the last priced period)"
            )
        if last.dim is Dimension.PARKING_TIME and any(e.dim is Dimension.TIME for e in timed):
            notes.append("TIME not rounded: parking follows charging, so the time step size applies to parking")


def _lines(entries: list[_Entry]) -> list[QuoteLine]:
    lines: list[QuoteLine] = []
    order = [Dimension.FLAT, Dimension.ENERGY, Dimension.TIME, Dimension.PARKING_TIME]
    for dim in order:
        group: list[_Entry] = []

        def flush() -> None:
            if not group:
                return
            g0 = group[0]
            qty = sum((e.qty + e.extra for e in group), ZERO)
            per = SECONDS_PER_HOUR if dim in (Dimension.TIME, Dimension.PARKING_TIME) else ONE
            excl, incl, unit_price, vat = _amounts(g0.tariff, g0.comp, qty, per)
            lines.append(
                QuoteLine(
                    dimension=dim.value,
                    quantity=qty / per,
                    unit=UNITS[dim],
                    excl_vat=excl,
                    incl_vat=incl,
                    unit_price=unit_price,
                    unit_price_incl_vat=_amounts(g0.tariff, g0.comp, ONE)[1],
                    vat_percent=vat,
                    rounded_up=sum((e.extra for e in group), ZERO) / per,
                    start=g0.seg.start,
                    end=g0.seg.start if dim is Dimension.FLAT else group[-1].seg.end,
                    tariff_id=g0.tariff.id,
                    element=g0.element,
                )
            )
            group.clear()

        for e in (e for e in entries if e.dim is dim):
            if group and not (
                group[-1].tariff is e.tariff
                and group[-1].element == e.element
                and group[-1].comp is e.comp
                and group[-1].seg.end == e.seg.start
            ):
                flush()
            group.append(e)
        flush()
    return lines


def quote(tariff: TariffLike, profile: ChargingProfile) -> Quote:
    """The cost of ``profile`` under ``tariff`` (a Tariff or a TariffSchedule)."""
    schedule = _as_schedule(tariff)
    tz = profile.zone
    notes: list[str] = []
    segs = segments(schedule, profile)
    entries: list[_Entry] = []
    unpriced: set[str] = set()

    for seg in segs:
        t = schedule.tariff_at(seg.start, tz)
        dims: list[tuple[Dimension, Decimal]] = []
        if seg.energy_kwh > 0:
            dims.append((Dimension.ENERGY, seg.energy_kwh))
        if seg.seconds > 0:
            dims.append((Dimension.PARKING_TIME if seg.parking else Dimension.TIME, seg.seconds))
        for dim, qty in dims:
            if dim not in t.dimensions():
                continue
            found = find_component(t, dim, seg)
            if found is None:
                unpriced.add(dim.value)
                continue
            idx, comp = found
            entries.append(_Entry(dim, seg, t, idx, comp, qty))

    # FLAT: once per session, from the first segment where a FLAT component matches.
    flat_probe = segs or ([_point_segment(profile)] if profile.periods else [])
    for seg in flat_probe:
        t = schedule.tariff_at(seg.start, tz)
        found = find_component(t, Dimension.FLAT, seg)
        if found is not None:
            idx, comp = found
            entries.insert(0, _Entry(Dimension.FLAT, seg, t, idx, comp, ONE))
            break

    for dim in sorted(unpriced):
        notes.append(f"{dim}: free in some periods (no tariff element matched)")
    _apply_steps(entries, notes)
    lines = _lines(entries)

    currency = schedule.currency
    # Lines may carry repeating decimals (a third of an hour, a price incl. VAT divided by
    # 1.21) cut at 28 digits; dropping the last 10 of them keeps a true half cent a half cent.
    excl = sum((ln.excl_vat for ln in lines), ZERO).quantize(EXACT)
    incl = sum((ln.incl_vat for ln in lines), ZERO).quantize(EXACT)
    base = schedule.tariff_at(profile.periods[0].start, tz) if profile.periods else schedule.current
    min_applied = max_applied = False
    if profile.periods and base.min_price is not None:
        lo_ex = base.min_price.excl_vat
        lo_in = _incl_bound(base, base.min_price.excl_vat, base.min_price.incl_vat, excl, incl)
        if excl < lo_ex:
            excl, min_applied = lo_ex, True
        if incl < lo_in:
            incl, min_applied = lo_in, True
        if min_applied:
            notes.append(f"minimum price applied: {lo_ex} excl. VAT / {lo_in} incl. VAT")
    if profile.periods and base.max_price is not None:
        hi_ex = base.max_price.excl_vat
        hi_in = _incl_bound(base, base.max_price.excl_vat, base.max_price.incl_vat, excl, incl)
        if excl > hi_ex:
            excl, max_applied = hi_ex, True
        if incl > hi_in:
            incl, max_applied = hi_in, True
        if max_applied:
            notes.append(f"maximum price applied: {hi_ex} excl. VAT / {hi_in} incl. VAT")

    excl_r = round_money(excl, currency)
    incl_r = round_money(incl, currency)
    return Quote(
        currency=currency,
        excl_vat=excl_r,
        incl_vat=incl_r,
        vat=incl_r - excl_r,
        lines=lines,
        exact_excl_vat=excl,
        exact_incl_vat=incl,
        notes=notes,
        min_price_applied=min_applied,
        max_price_applied=max_applied,
    )


def _incl_bound(t: Tariff, excl_bound: Decimal, incl_bound: Decimal | None, excl: Decimal, incl: Decimal) -> Decimal:
    """The incl.-VAT side of a min/max price: as published, else derived from the tariff's
    VAT percentage, else from the session's own VAT ratio, else equal to the excl. side."""
    if incl_bound is not None:
        return incl_bound
    if t.vat_percentage is not None:
        return excl_bound * (ONE + t.vat_percentage / HUNDRED)
    if excl > 0:
        return excl_bound * incl / excl
    return excl_bound


def _point_segment(profile: ChargingProfile) -> Segment:
    p = profile.periods[0]
    power = p.max_power_kw if p.max_power_kw is not None else ZERO
    current = p.max_current_a if p.max_current_a is not None else power * 1000 / PHASE_VOLTAGE
    return Segment(
        start=p.start,
        end=p.start,
        seconds=ZERO,
        energy_kwh=ZERO,
        parking=p.parking,
        power_kw=power,
        current_a=current,
        kwh_before=ZERO,
        elapsed=ZERO,
        local_start=p.start.astimezone(profile.zone),
    )
