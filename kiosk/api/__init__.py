"""Charge Assist API client (the only module that talks HTTP). See README.md here."""

from kiosk.api import errors, models
from kiosk.api.client import ChargeAssistClient
from kiosk.api.retry import RetryPolicy

__all__ = ["ChargeAssistClient", "RetryPolicy", "errors", "models"]
