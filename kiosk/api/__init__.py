"""Charge Assist API client (the only module that talks HTTP). See README.md here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk._lazy import lazy_exports

__all__ = ["ChargeAssistClient", "RetryPolicy", "errors", "models"]

# loaded on first use: httpx and the pydantic models come after the kiosk's first frame
__getattr__ = lazy_exports(__name__, {"ChargeAssistClient": "client", "RetryPolicy": "retry", "errors": "errors",
                                      "models": "models"})

if TYPE_CHECKING:
    from kiosk.api import errors, models
    from kiosk.api.client import ChargeAssistClient
    from kiosk.api.retry import RetryPolicy
