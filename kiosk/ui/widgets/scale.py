"""Nice axis scales shared by the gauge and the chart: round steps (1, 2, 2.5, 5 x 10^k)."""

from __future__ import annotations

import math


def nice_step(span: float, ticks: int = 5) -> float:
    if span <= 0:
        return 1.0
    raw = span / max(1, ticks)
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def nice_max(value: float, ticks: int = 5) -> float:
    """The smallest round number >= ``value`` on a scale of about ``ticks`` steps."""
    value = max(value, 1.0)
    step = nice_step(value, ticks)
    return math.ceil(value / step - 1e-9) * step


def ticks(maximum: float, count: int = 5) -> list[float]:
    """Tick values from 0 to ``maximum`` (the maximum itself always last)."""
    step = nice_step(maximum, count)
    out = [i * step for i in range(int(maximum / step + 1e-9) + 1)]
    if maximum - out[-1] > 1e-9:
        if maximum - out[-1] < step * 0.5 and len(out) > 1:
            out[-1] = maximum       # too close to the last round tick: the maximum replaces it
        else:
            out.append(maximum)
    return out


def label(v: float) -> str:
    """A scale's number as the language on screen writes it ("7.5", "7,5"; "10", not "10.0"):
    the reading beside it already does."""
    from babel.numbers import format_decimal

    from kiosk.i18n import babel_locale

    return format_decimal(round(v, 1), format="#,##0.#", locale=babel_locale())
