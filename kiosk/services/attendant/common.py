"""What every attendant service shares: the error type staff see and the one wording of
an API failure for staff."""

from __future__ import annotations

from kiosk.i18n import Translator

_ = Translator("attendant")


class DeskError(Exception):
    """An attendant action failed; ``str()`` is a translated message saying what to do next."""



def api_message(exc: Exception) -> str:
    """A message for staff from an API error (translated, says what to do next)."""
    from kiosk.api import errors

    if isinstance(exc, errors.ValidationFailed):
        detail = "; ".join(getattr(exc, "validation_messages", []) or []) or getattr(exc, "message", "") or ""
        return _("The service refused this: {detail}. Check the input and try again.", detail=detail)
    if isinstance(exc, (errors.Unauthorized, errors.Forbidden)):
        return _("The service does not accept this kiosk's key or token. Check the configuration (kiosk doctor).")
    if isinstance(exc, errors.NotFound):
        return _("The service does not know this item any more. Refresh and try again.")
    if isinstance(exc, errors.RateLimited):
        return _("The service is busy. Wait a minute and try again.")
    if isinstance(exc, errors.TransportError):
        return _("The service cannot be reached. Check the network and try again.")
    return _("The service had a problem. Try again in a minute.")


