"""Guest-facing messages of hotel billing (translation domain ``billing``)."""

from __future__ import annotations

from typing import Any

from kiosk.i18n import N_, Translator
from kiosk.services.sessions.model import StartFailed

_ = Translator("billing")

UNKNOWN_ROOM = N_("Room {room} is not on our list of occupied rooms. Check the number on your key card and "
                  "type it again, or ask the front desk.")
INITIAL_NEEDED = N_("Type your room number followed by the first letter of your surname, for example {example}.")
INITIAL_MISMATCH = N_("Room {room} and that letter do not match our guest list. Check both and type them again, "
                      "or ask the front desk.")
LOOKUP_DOWN = N_("The list of occupied rooms cannot be checked right now. Try again in a moment, choose the venue "
                 "as payer, or ask the front desk.")


class RoomRefused(StartFailed):
    """A room number the venue does not accept; ``str()`` says why and what to do (in the
    guest's language of the moment). ``reason``: unknown_room, initial_needed,
    initial_mismatch, lookup_down. Raised before anything is started or added to the wallet."""

    def __init__(self, message: str, /, *, reason: str, retryable: bool = False, **params: Any) -> None:
        super().__init__(message, retryable=retryable, state="NOT_STARTED", **params)
        self.reason = reason

    def __str__(self) -> str:
        return _(self.msgid, **self.params)
