"""Attendant-desk services (Qt-free asyncio), one module per owner: the wallet
(``wallet``), the PIN change (``pins``), the audit export (``audit``), diagnostics
(``diagnostics``), the sessions board (``desk``), the desk's board of chargers and sessions
(``board``), its alerts (``alerts``) and starts for a guest (``guest_start``); runtime settings staff may change live
in ``kiosk.services.runtime``. The widgets in :mod:`kiosk.ui.attendant` call these; tests
drive them over real HTTP against :mod:`kiosk.sim`. Design notes:
``kiosk/ui/attendant/README.md``."""

from kiosk.services.runtime import RuntimeSettingError, RuntimeSettings

from .alerts import Alert, DeskAlerts, server_time
from .audit import ACTION_TITLES, AUDIT_CSV_COLUMNS, action_title, audit_to_csv
from .board import BoardRow, BoardSnapshot, DeskBoard
from .common import DeskError, api_message
from .desk import DeskRow, SessionsDesk, bind_venue_payment, journal_receipt_lookup, journal_tag_lookup
from .guest_start import ChargerChoice, GuestStarted, GuestStarts
from .diagnostics import (CHECK_TITLES, CheckResult, disk_check, journal_check, normalise_check, own_check,
                          uptime_text)
from .pins import PIN_MAX_DIGITS, PIN_MIN_DIGITS, PinChange, PinChangeError, is_trivial_pin, pin_problem
from .wallet import WalletEntry, WalletError, WalletService

__all__ = [
    "Alert", "DeskAlerts", "server_time", "BoardRow", "BoardSnapshot", "DeskBoard", "ChargerChoice",
    "GuestStarted", "GuestStarts",
    "RuntimeSettingError", "RuntimeSettings", "ACTION_TITLES", "AUDIT_CSV_COLUMNS", "action_title", "audit_to_csv",
    "DeskError", "api_message",
    "DeskRow", "SessionsDesk", "bind_venue_payment", "journal_receipt_lookup", "journal_tag_lookup",
    "CHECK_TITLES", "CheckResult", "disk_check", "journal_check", "normalise_check", "own_check", "uptime_text",
    "PIN_MAX_DIGITS", "PIN_MIN_DIGITS", "PinChange", "PinChangeError", "is_trivial_pin", "pin_problem",
    "WalletEntry", "WalletError", "WalletService",
]
