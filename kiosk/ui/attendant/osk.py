"""The touch desk's own on-screen keyboard: a kiosk has no physical keyboard and the
system's on-screen keyboard is not there (cage, Qt's eglfs). A tap on any text or number
field of the desk opens it under the page; its keys never take the focus, so each press
types into the field that was tapped (a key event, as a keyboard would send). Number
fields get the digits only. It stays closed until a field is tapped (a field that merely
has the focus, after a tab change, does not open it)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import Translator

from .common import TOUCH

_ = Translator("attendant")

ROWS = ("1234567890", "qwertyuiop", "asdfghjkl-", "zxcvbnm.@_")


class OnScreenKeyboard(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("osk")
        self.target: QWidget | None = None
        self.keys: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setSpacing(4)
        for r, row in enumerate(ROWS):
            for c, ch in enumerate(row):
                b = self._key(ch, lambda _c=False, ch=ch: self.type(ch))
                self.keys[ch] = b
                grid.addWidget(b, r, c)
        self.shift = self._key("\u21e7", None)
        self.shift.setCheckable(True)
        self.shift.toggled.connect(self._shifted)
        self.back = self._key("\u232b", lambda: self._press(Qt.Key.Key_Backspace))
        self.space = self._key("", lambda: self.type(" "))
        self.enter = self._key("\u23ce", lambda: self._press(Qt.Key.Key_Return))
        self.hide_btn = self._key("", self.close_keyboard)
        bottom = QHBoxLayout()
        bottom.addWidget(self.shift)
        bottom.addWidget(self.space, 4)
        bottom.addWidget(self.back)
        bottom.addWidget(self.enter)
        bottom.addWidget(self.hide_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(grid)
        lay.addLayout(bottom)
        self.retranslate()
        self.setVisible(False)

    def _key(self, text: str, slot: Any) -> QPushButton:
        b = QPushButton(text)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)       # the tapped field keeps the focus
        b.setMinimumHeight(TOUCH)
        b.setMinimumWidth(TOUCH)
        b.setAutoRepeat(text == "\u232b")
        if slot is not None:
            b.clicked.connect(slot)
        return b

    def retranslate(self) -> None:
        self.space.setText(_("Space"))
        self.hide_btn.setText(_("Hide"))
        self.setAccessibleName(_("On-screen keyboard"))
        for b, name in ((self.shift, _("Capital letters")), (self.back, _("Delete last character")),
                        (self.enter, _("Enter")), (self.hide_btn, _("Hide keyboard")), (self.space, _("Space"))):
            b.setAccessibleName(name)
        for ch, b in self.keys.items():
            b.setAccessibleName(ch.upper() if self.shift.isChecked() else ch)

    # -- which fields --------------------------------------------------------------------
    def cover(self, root: QWidget) -> int:
        """Open the keyboard on a tap in any text or number field under ``root``; returns how
        many fields it covers."""
        n = 0
        for w in root.findChildren(QLineEdit) + root.findChildren(QAbstractSpinBox):
            if isinstance(w, QLineEdit) and isinstance(w.parentWidget(), QAbstractSpinBox):
                continue                  # a spin box's own editor: covered with its box
            if w.property("osk") is True:
                continue
            w.setProperty("osk", True)
            w.installEventFilter(self)
            if isinstance(w, QAbstractSpinBox):
                w.findChild(QLineEdit).installEventFilter(self)
            n += 1
        return n

    def covers(self, w: QWidget) -> bool:
        return w.property("osk") is True

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.MouseButtonRelease, QEvent.Type.TouchEnd):
            field = obj.parentWidget() if isinstance(obj.parentWidget(), QAbstractSpinBox) else obj
            if isinstance(field, QWidget) and field.isEnabled() and not getattr(field, "isReadOnly", bool)():
                self.open_for(field)
        return False

    def open_for(self, field: QWidget) -> None:
        self.target = field
        digits = isinstance(field, QAbstractSpinBox)
        for ch, b in self.keys.items():
            b.setVisible(ch.isdigit() or not digits)
        for b in (self.shift, self.space):
            b.setVisible(not digits)
        self.setVisible(True)
        field.setFocus(Qt.FocusReason.MouseFocusReason)

    def close_keyboard(self) -> None:
        self.target = None
        self.setVisible(False)

    # -- typing ------------------------------------------------------------------------
    def _shifted(self, on: bool) -> None:
        for ch, b in self.keys.items():
            b.setText(ch.upper() if on else ch)
        self.retranslate()

    def type(self, ch: str) -> None:
        if self.shift.isChecked():
            ch = ch.upper()
        key = Qt.Key.Key_Space if ch == " " else Qt.Key(ord(ch.upper())) if ch.isalnum() else Qt.Key.Key_unknown
        self._press(key, ch)

    def _press(self, key: Qt.Key, text: str = "") -> None:
        target = self.target
        if target is None:
            return
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(target, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text))
