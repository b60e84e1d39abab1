"""The built-in keypad: digits (and optionally letters for plates/rooms) typed into a
display label. No system on-screen keyboard, no QLineEdit focus games."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from typing import Any

from PySide6.QtWidgets import (QAbstractButton, QBoxLayout, QGridLayout, QLabel, QStackedWidget, QVBoxLayout,
                               QWidget)

from kiosk.ui.base import Screen, TouchButton
from kiosk.i18n import Translator

_ = Translator("ui")


def keypad_screen(screen: Any, texts: list[QWidget], keypad: "Keypad", back: QWidget,
                  alternative: QWidget | None = None) -> QBoxLayout:
    """Lay out a keypad screen (room, My session, PIN): landscape, the texts and the buttons
    in a column beside the keypad (fits a 800x480 panel as well as a 10" one); portrait, the
    texts above the reach zone and the keypad and every button in it. ``alternative`` takes
    the keypad's place when shown (My session's charger picker)."""
    info = QWidget()
    il = QVBoxLayout(info)
    il.setContentsMargins(0, 0, 0, 0)
    actions = QWidget()
    al = QVBoxLayout(actions)
    al.setContentsMargins(0, 0, 0, 0)
    for w in texts:
        (al if isinstance(w, QAbstractButton) else il).addWidget(w)
    il.addStretch(1)
    al.addWidget(back)
    pad = QWidget()
    pl = QVBoxLayout(pad)
    pl.setContentsMargins(0, 0, 0, 0)
    pl.addWidget(keypad)
    if alternative is not None:
        pl.addWidget(alternative, 1)
    side = QWidget()
    sl = QVBoxLayout(side)
    sl.setContentsMargins(0, 0, 0, 0)
    box = QBoxLayout(QBoxLayout.Direction.LeftToRight, screen)
    screen.adaptive(box.setContentsMargins, (48, 32, 48, 32), (12, 8, 12, 8), (32, 24, 32, 24))
    screen.adaptive(box.setSpacing, 48, 16, 16)
    keypad.setMaximumWidth(560)
    screen._keypad_parts = (box, side, info, actions, pad)
    _arrange(screen, False)
    return box


def _arrange(screen: Any, portrait: bool) -> None:
    box, side, info, actions, pad = screen._keypad_parts
    sl = side.layout()
    for w in (side, info, actions, pad):
        box.removeWidget(w)
        sl.removeWidget(w)
    if portrait:
        box.setDirection(QBoxLayout.Direction.TopToBottom)
        m = screen.metrics
        info.setFixedHeight(max(0, m.reach_top - 24))
        box.addWidget(info)
        box.addWidget(pad, 1)
        box.addWidget(actions)
        side.hide()
    else:
        box.setDirection(QBoxLayout.Direction.LeftToRight)
        info.setMinimumHeight(0)
        info.setMaximumHeight(16777215)
        sl.addWidget(info, 1)
        sl.addWidget(actions)
        side.show()
        box.addWidget(side, 1)
        box.addWidget(pad, 1)
    for w in (info, actions, pad):
        w.show()


class Keypad(QWidget):
    """Numeric keypad with a display. ``submitted(str)`` on OK; ``changed(str)`` per key.

    ``secret=True`` shows dots instead of digits (PINs). ``letters=True`` adds an "A–Z" key
    beside the digits that opens a page of all 26 letters (a room number with the guest's
    surname initial, "214M"); a letter typed goes back to the digits, where OK is, since a
    room ends with at most one letter. The keypad stays 4 keys high on both pages (800x480)."""

    submitted = Signal(str)
    changed = Signal(str)

    def __init__(self, max_len: int = 8, secret: bool = False, letters: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.max_len = max_len
        self.secret = secret
        self._value = ""
        self.display = QLabel()
        self.display.setProperty("role", "big")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display.setMinimumHeight(56)
        self.display.setObjectName("keypad_display")
        grid = QGridLayout()
        grid.setSpacing(8)
        self.keys: dict[str, TouchButton] = {}
        layout = ["123", "456", "789"]
        for r, row in enumerate(layout):
            for c, ch in enumerate(row):
                self._add_key(grid, ch, r, c)
        self.clear_btn = TouchButton("", "key", icon="backspace-outline")
        self.clear_btn.clicked.connect(self.backspace)
        grid.addWidget(self.clear_btn, 3, 0)
        self._add_key(grid, "0", 3, 1)
        self.ok_btn = TouchButton("", "primary")
        self.ok_btn.setProperty("role", "primary")
        self.ok_btn.setObjectName("keypad_ok")   # as high as the keys (style sheet)
        self.ok_btn.clicked.connect(self._submit)
        grid.addWidget(self.ok_btn, 3, 2)
        self.pages = QStackedWidget()
        digits = QWidget()
        digits.setLayout(grid)
        grid.setContentsMargins(0, 0, 0, 0)
        self.pages.addWidget(digits)
        self.letters_btn: TouchButton | None = None
        self.digits_btn: TouchButton | None = None
        if letters:
            self.letters_btn = TouchButton("A–Z", "key")
            self.letters_btn.setObjectName("key_letters")
            self.letters_btn.clicked.connect(lambda: self.show_letters(True))
            grid.addWidget(self.letters_btn, 0, 3, 4, 1)
            lg = QGridLayout()
            lg.setSpacing(8)
            lg.setContentsMargins(0, 0, 0, 0)
            for i, ch in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
                self._add_key(lg, ch, i // 7, i % 7)
            back = TouchButton("", "key", icon="backspace-outline")
            back.setObjectName("key_letters_delete")
            back.clicked.connect(self.backspace)
            lg.addWidget(back, 3, 5)
            self.letters_delete = back
            self.digits_btn = TouchButton("", "key", icon="dialpad")   # "123" does not fit 7 across
            self.digits_btn.setObjectName("key_digits")
            self.digits_btn.clicked.connect(lambda: self.show_letters(False))
            lg.addWidget(self.digits_btn, 3, 6)
            page = QWidget()
            page.setLayout(lg)
            self.pages.addWidget(page)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.display)
        box.addWidget(self.pages, 1)
        self.retranslate()
        self._refresh()

    def _add_key(self, grid: QGridLayout, ch: str, r: int, c: int) -> None:
        b = TouchButton(ch, "key")
        b.setObjectName(f"key_{ch}")
        b.clicked.connect(lambda _=False, ch=ch: self.press(ch))
        grid.addWidget(b, r, c)
        self.keys[ch] = b

    def retranslate(self) -> None:
        self.clear_btn.setText("")
        self.clear_btn.setAccessibleName(_("Delete"))
        self.display.setAccessibleName(_("What you typed"))
        self.ok_btn.setText(_("OK"))
        if self.letters_btn is not None and self.digits_btn is not None:
            self.letters_btn.setAccessibleName(_("Letters"))
            self.digits_btn.setAccessibleName(_("Digits"))
            self.letters_delete.setAccessibleName(_("Delete"))

    def show_letters(self, on: bool) -> None:
        """The page of letters (``on``) or of digits with OK."""
        self.pages.setCurrentIndex(1 if on and self.letters_btn is not None else 0)

    # -- value ---------------------------------------------------------------------------
    def value(self) -> str:
        return self._value

    def press(self, ch: str) -> None:
        if len(self._value) < self.max_len:
            self._value += ch
            self._refresh()
        if ch.isalpha():
            self.show_letters(False)

    def type(self, text: str) -> None:
        for ch in text:
            self.press(ch)

    def backspace(self) -> None:
        self._value = self._value[:-1]
        self._refresh()

    def clear(self) -> None:
        self._value = ""
        self.show_letters(False)
        self._refresh()

    def set_secret(self, secret: bool) -> None:
        """Dots (a bystander sees no code) or the digits (the guest checks a typo)."""
        if secret != self.secret:
            self.secret = secret
            self._refresh()

    def _submit(self) -> None:
        if self._value:
            self.submitted.emit(self._value)

    def _refresh(self) -> None:
        shown = "●" * len(self._value) if self.secret else self._value
        self.display.setText(shown or "–")
        self.display.setAccessibleDescription(_.n("{n} character", "{n} characters", len(self._value)))
        self.ok_btn.setEnabled(bool(self._value))
        self.changed.emit(self._value)


class KeypadScreen(Screen):
    """A screen built around a :class:`Keypad` (room, My session, PIN): every visit and
    every new guest starts with an empty keypad and no error message."""

    keypad: Keypad
    error: QLabel | None = None

    def layout_changed(self, m: Any) -> None:
        if getattr(self, "_keypad_parts", None) is not None:
            _arrange(self, m.portrait)

    def enter(self, **params: Any) -> None:
        self._clear()

    def reset(self) -> None:
        self._clear()

    def _clear(self) -> None:
        self.keypad.clear()
        if self.error is not None:
            self.error.setText("")
