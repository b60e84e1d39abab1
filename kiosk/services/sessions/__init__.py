"""Charging sessions: the Qt-free asyncio layer the guest flow, the screens and the
attendant desk call. :class:`SessionService` is the facade; its parts each own their
state (``service.py`` lists them). Errors raised to callers are :class:`SessionError`
subclasses whose ``str()`` is a translated, guest-facing message."""

from .model import (Attendant, AttendantLocked, AuditEntry, BoardEntry, CostEstimate, NotAllowed, Receipt,
                    SessionError, SessionUpdate, SessionView, StartedSession, StartFailed, StartPending, StopFailed,
                    UnknownSession, WrongCode, WrongPin)
from .service import SessionService

__all__ = [
    "SessionService", "StartedSession", "SessionView", "BoardEntry", "CostEstimate", "Receipt",
    "SessionUpdate", "Attendant", "AuditEntry", "SessionError", "StartPending", "StartFailed",
    "StopFailed", "WrongCode", "WrongPin", "AttendantLocked", "NotAllowed", "UnknownSession",
]
