"""Tariff engine: OCPI 2.2.1 pricing of charging sessions, adapters, guest texts.

```python
from kiosk.core.tariff import from_charge_assist, from_ocpi, quote, ChargingProfile, Period
sched = from_charge_assist(wallet_tariff_item)   # TariffSchedule (tariff + futureTariffs)
q = quote(sched, ChargingProfile([Period(start, end, Decimal("12.5"))], tz="Europe/Amsterdam"))
q.excl_vat, q.incl_vat, q.vat, q.lines
```
See README.md in this folder for the rules and the rounding.
"""

from kiosk.core.tariff.adapters import TariffFormatError, from_charge_assist, from_ocpi, load_tariff
from kiosk.core.tariff.describe import describe, example_cost, tariff_rows
from kiosk.core.tariff.engine import quote
from kiosk.core.tariff.model import (
    ChargingProfile,
    Dimension,
    Period,
    Price,
    PriceComponent,
    Quote,
    QuoteLine,
    Restrictions,
    Tariff,
    TariffElement,
    TariffSchedule,
)

__all__ = [
    "ChargingProfile",
    "Dimension",
    "Period",
    "Price",
    "PriceComponent",
    "Quote",
    "QuoteLine",
    "Restrictions",
    "Tariff",
    "TariffElement",
    "TariffFormatError",
    "TariffSchedule",
    "describe",
    "tariff_rows",
    "example_cost",
    "from_charge_assist",
    "from_ocpi",
    "load_tariff",
    "quote",
]
