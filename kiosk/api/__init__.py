"""Charge Assist API client (the only module that talks HTTP). See README.md here."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from kiosk._lazy import lazy_exports

# httpx's own command line (``httpx._main``, imported by ``import httpx`` whenever rich and
# click are installed, as they are beside the test tools) is never used by the kiosk: ~90 ms
# of imports on the way to the board. Marked absent before httpx is first imported, httpx
# falls back to its stub ``main``; where httpx was imported already nothing changes.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[assignment]

__all__ = ["ChargeAssistClient", "RetryPolicy", "errors", "models"]

# loaded on first use: httpx and the pydantic models come after the kiosk's first frame
__getattr__ = lazy_exports(__name__, {"ChargeAssistClient": "client", "RetryPolicy": "retry", "errors": "errors",
                                      "models": "models"})

if TYPE_CHECKING:
    from kiosk.api import errors, models
    from kiosk.api.client import ChargeAssistClient
    from kiosk.api.retry import RetryPolicy
