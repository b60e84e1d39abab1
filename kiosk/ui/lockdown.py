"""Kiosk mode: no keyboard way out of the window (Alt+F4, Ctrl+Q/W, Escape, Alt+Tab, the
Super key, F11), frameless fullscreen on top, no cursor."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication


class KioskLockdown(QObject):
    """Application-wide event filter swallowing the keyboard ways out of a kiosk:
    Alt+F4, Ctrl+Q/W, Escape, Alt+Tab, Ctrl+Alt+Del-like combos, the Super key, F11."""

    BLOCKED_KEYS = {Qt.Key.Key_Escape, Qt.Key.Key_F4, Qt.Key.Key_F11, Qt.Key.Key_Tab, Qt.Key.Key_Backtab,
                    Qt.Key.Key_Meta, Qt.Key.Key_Super_L, Qt.Key.Key_Super_R, Qt.Key.Key_Q, Qt.Key.Key_W,
                    Qt.Key.Key_Close, Qt.Key.Key_Menu}

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.blocked = 0

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802 (Qt API)
        if ev.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride, QEvent.Type.KeyRelease):
            assert isinstance(ev, QKeyEvent)
            mods = ev.modifiers()
            key = Qt.Key(ev.key())
            special = mods & (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ControlModifier
                              | Qt.KeyboardModifier.MetaModifier)
            if key in (Qt.Key.Key_Escape, Qt.Key.Key_Meta, Qt.Key.Key_Super_L, Qt.Key.Key_Super_R,
                       Qt.Key.Key_F11, Qt.Key.Key_Close, Qt.Key.Key_Menu) or (special and key in self.BLOCKED_KEYS):
                self.blocked += 1
                return True
        return False


def install_lockdown(app: QApplication, shell: Any) -> KioskLockdown:
    """Kiosk mode: frameless fullscreen, no keyboard exits, hidden cursor."""
    lock = KioskLockdown(app)
    app.installEventFilter(lock)
    shell.setWindowFlags(Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
                         | Qt.WindowType.Window)
    app.setOverrideCursor(Qt.CursorShape.BlankCursor)
    return lock
