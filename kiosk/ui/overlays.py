"""The shell's overlays: the idle prompt ("Still there?", over a dimmed screen) and the
message toast."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import Translator
from kiosk.ui.base import TouchButton, describe, label, restyle

_ = Translator("ui")


class IdlePrompt(QFrame):
    """"Still there?" over the whole window, the screen behind it dimmed; the card sits in
    the reach zone of a portrait screen. Any touch on "Yes" keeps the guest."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setProperty("role", "scrim")
        self.setObjectName("idle_prompt")
        self.card = QFrame(self)
        self.card.setProperty("role", "card")
        self.card.setObjectName("idle_card")
        box = QVBoxLayout(self.card)
        box.setContentsMargins(32, 24, 32, 24)
        self.title = label("", "title", center=True)
        self.text = label("", "body", center=True)
        self.keep = TouchButton("", "primary", icon="check")
        self.keep.setObjectName("idle_keep")
        box.addWidget(self.title)
        box.addWidget(self.text)
        box.addWidget(self.keep)
        self.remaining = 0
        self.hide()

    def place(self, m: Any) -> None:
        w, h = self.width(), self.height()
        cw = min(820, w - 32)
        self.card.setFixedWidth(cw)
        ch = self.card.sizeHint().height() if self.card.layout() else 300
        ch = max(ch, self.card.layout().heightForWidth(cw) if self.card.layout().hasHeightForWidth() else ch)
        y = (h - ch) // 2 if not m.portrait else max(m.reach_top + 16, h - ch - 2 * m.touch)
        self.card.setGeometry((w - cw) // 2, y, cw, ch)

    def retranslate(self) -> None:
        self.title.setText(_("Still there?"))
        self.text.setText(_("The screen goes back to the start in {s} seconds.", s=self.remaining))
        self.keep.setText(_("Yes, I am still here"))
        describe(self, _("Still there?"))


class Toast(QFrame):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self.setObjectName("toast")
        box = QHBoxLayout(self)
        box.setContentsMargins(24, 12, 24, 12)
        self.text = label("", "body")
        self.ok = TouchButton("", "secondary")
        self.ok.clicked.connect(self.hide)
        box.addWidget(self.text, 1)
        box.addWidget(self.ok)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def retranslate(self) -> None:
        self.ok.setText(_("OK"))

    def show_text(self, text: str, error: bool, ms: int) -> None:
        restyle(self.text, "role", "error" if error else "body")
        self.text.setText(text)
        self.retranslate()
        self.show()
        self.raise_()
        self._timer.start(ms)
