"""The attendant audit log as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC
from typing import Any

AUDIT_CSV_COLUMNS = ("time_utc", "actor", "action", "session", "detail")


def audit_to_csv(entries: Iterable[Any]) -> str:
    """CSV of audit entries (:class:`kiosk.services.sessions.AuditEntry`), times in UTC."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(AUDIT_CSV_COLUMNS)
    for e in entries:
        at = getattr(e, "at", None) or getattr(e, "time", None)
        w.writerow([at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if at else "", e.actor, e.action,
                    getattr(e, "session_key", None) or getattr(e, "session_id", None) or "", e.detail])
    return buf.getvalue()


