"""The shell's overlays: the idle prompt ("Still there?") and the message toast."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import Translator
from kiosk.ui.base import TouchButton, label

_ = Translator("ui")


class IdlePrompt(QFrame):
    """"Still there?" overlay with a countdown; any touch on it keeps the guest."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self.setObjectName("idle_prompt")
        box = QVBoxLayout(self)
        box.setContentsMargins(40, 30, 40, 30)
        self.title = label("", "title", center=True)
        self.text = label("", "body", center=True)
        self.keep = TouchButton("", "primary")
        self.keep.setObjectName("idle_keep")
        box.addWidget(self.title)
        box.addWidget(self.text)
        box.addWidget(self.keep)
        self.remaining = 0
        self.hide()

    def retranslate(self) -> None:
        self.title.setText(_("Still there?"))
        self.text.setText(_("The screen goes back to the start in {s} seconds.", s=self.remaining))
        self.keep.setText(_("Yes, I am still here"))


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
        self.text.setProperty("role", "error" if error else "body")
        self.text.style().unpolish(self.text)
        self.text.style().polish(self.text)
        self.text.setText(text)
        self.retranslate()
        self.show()
        self.raise_()
        self._timer.start(ms)
