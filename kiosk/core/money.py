"""Money helpers: Decimal conversion, explicit rounding and locale formatting.

Every amount in the kiosk is a :class:`decimal.Decimal`. Floats from JSON are converted
through their shortest ``repr`` (``Decimal(str(0.1)) == Decimal("0.1")``), never through
``Decimal(0.1)`` which would carry the binary error along.

Rounding is explicit and happens in one place only: :func:`round_money` rounds half-up
(the commercial rounding guests and invoices expect) to the currency's minor unit
(2 decimals for EUR, 0 for JPY, 3 for KWD, taken from Babel's CLDR data).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_currency, format_decimal, get_currency_precision

from kiosk.i18n import babel_locale

__all__ = [
    "D",
    "ZERO",
    "ceil_to_step",
    "currency_precision",
    "format_money",
    "format_number",
    "round_money",
]

ZERO = Decimal(0)


def D(value: Any) -> Decimal:
    """Convert a JSON number, string or Decimal to Decimal without binary noise.

    Raises ``ValueError`` for values that are not numbers (``None``, ``"abc"``, NaN, inf).
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    else:
        raise ValueError(f"not a number: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def currency_precision(currency: str) -> int:
    """Number of decimals of the currency's minor unit (EUR 2, JPY 0, KWD 3)."""
    try:
        return int(get_currency_precision(currency.upper()))
    except Exception:  # unknown code: assume cents
        return 2


def round_money(amount: Decimal, currency: str = "EUR") -> Decimal:
    """Round half-up to the currency's minor unit: 0.125 -> 0.13, -0.125 -> -0.13."""
    exp = Decimal(1).scaleb(-currency_precision(currency))
    return amount.quantize(exp, rounding=ROUND_HALF_UP)


#: what of a step counts before rounding up: a billionth. Energies and times that are sums of
#: split readings carry Decimal residues (12.691 kWh split at 2 s of 60 adds back to
#: 12.691000...0003): without this, 3e-24 Wh over a whole number was billed as a whole step.
STEP_RESOLUTION = Decimal("1e-9")


def ceil_to_step(quantity: Decimal, step: Decimal) -> Decimal:
    """Round ``quantity`` up to a whole number of ``step``; a step <= 0 leaves it unchanged.
    Less than :data:`STEP_RESOLUTION` of a step over a whole number is arithmetic, not use."""
    if step <= 0 or quantity <= 0:
        return quantity
    blocks = (quantity / step).quantize(STEP_RESOLUTION).to_integral_value(rounding=ROUND_CEILING)
    return blocks * step


def format_money(amount: Decimal, currency: str = "EUR", lang: str | None = None, *, exact: bool = False) -> str:
    """Locale-formatted amount: ``€8.20`` (en), ``€ 8,20`` (nl), ``8,20 €`` (de, fr).

    ``exact=True`` keeps extra decimals of a unit price (``€0.245`` per kWh) instead of
    rounding it to cents; totals are formatted with the currency's own precision.
    """
    locale = babel_locale(lang)
    if exact:
        amount = amount.normalize() if amount == amount.to_integral_value() else amount
        return format_currency(amount, currency, locale=locale, decimal_quantization=False)
    return format_currency(round_money(amount, currency), currency, locale=locale)


def format_number(value: Decimal | float | int, lang: str | None = None, *, max_decimals: int = 2) -> str:
    """Locale-formatted plain number with at most ``max_decimals`` decimals (``1,5`` in de)."""
    pattern = "#,##0" + ("." + "#" * max_decimals if max_decimals > 0 else "")
    return format_decimal(D(value) if not isinstance(value, Decimal) else value, format=pattern, locale=babel_locale(lang))
