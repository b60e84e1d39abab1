"""The attendant audit log: its actions in words for the screen, and as CSV (the raw action
codes, for accounting and audits)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC
from typing import Any

from kiosk.i18n import N_, Translator

_ = Translator("attendant")

#: What each audited action is, as staff read it on the audit tab (the CSV keeps the codes).
ACTION_TITLES = {
    "attendant.login": N_("Staff logged in"),
    "attendant.pin_failed": N_("Wrong staff PIN"),
    "attendant.pin_change": N_("Staff PIN changed"),
    "staff.pin_set": N_("Staff member's PIN set"),
    "staff.removed": N_("Staff member removed"),
    "session.start": N_("Session started"),
    "session.stop": N_("Session stopped"),
    "session.view": N_("Session viewed"),
    "session.receipt": N_("Receipt shown"),
    "session.reissue_code": N_("New guest code issued"),
    "wallet.add_card": N_("Charge card added"),
    "wallet.add_external": N_("Payment reference added"),
    "wallet.remove": N_("Payment method removed"),
    "wallet.set_default": N_("Default payment method set"),
    "settings.change": N_("Settings changed"),
    "settings.reset": N_("Settings reset"),
    "history.export": N_("History exported"),
    "audit.export": N_("Audit log exported"),
    "alert.acknowledged": N_("Alert acknowledged"),
    "billing.price_policy": N_("Guest price changed"),
    "billing.flag_cleared": N_("Posting warning cleared"),
    "billing.resend": N_("Posting sent again"),
    "billing.correction": N_("Posting corrected"),
    "kiosk.quit": N_("Kiosk quit"),
    "desk.quit": N_("Desk closed"),
}


def action_title(action: str) -> str:
    """An audited action in the language on screen; an action this release does not name, as
    its code."""
    return _(ACTION_TITLES[action]) if action in ACTION_TITLES else action


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


