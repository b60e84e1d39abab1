"""Change the attendant PIN: the current PIN, then the new PIN twice, typed on the kiosk's
own keypad (``kiosk.ui.widgets.keypad.Keypad``, dots instead of digits). The rules and the
check of the current PIN are :class:`kiosk.services.attendant.PinChange`'s; this panel only
says which step comes next and what went wrong."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget
from qasync import asyncSlot

from kiosk.i18n import Translator
from kiosk.services.attendant import PIN_MAX_DIGITS, PIN_MIN_DIGITS, PinChange, PinChangeError
from kiosk.ui.widgets.keypad import Keypad

from .common import MessageLine, TouchButton, alive

_ = Translator("attendant")


class PinChangePanel(QWidget):
    """``start()`` begins a change (a fresh :class:`PinChange` from ``factory``);
    ``closed`` is emitted when staff leave the panel (cancel, or back after success);
    ``answered(step)`` after each keypad entry was handled (the step now asked for)."""

    closed = Signal()
    answered = Signal(str)

    def __init__(self, factory: Callable[[], PinChange | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attendant-pin-change")
        self.factory = factory
        self.change: PinChange | None = None
        self.title = QLabel()
        self.title.setObjectName("title")
        self.step_label = QLabel()
        self.step_label.setObjectName("pin-step")
        self.step_label.setWordWrap(True)
        self.message = MessageLine("pin-message")
        self.keypad = Keypad(max_len=PIN_MAX_DIGITS, secret=True)
        self.keypad.setObjectName("pin-keypad")
        self.keypad.setMaximumWidth(420)
        self.back = TouchButton(name="pin-back")
        self.back.setMinimumWidth(200)
        back_row = QHBoxLayout()
        back_row.addWidget(self.back)
        back_row.addStretch(1)
        side = QVBoxLayout()
        side.addWidget(self.title)
        side.addWidget(self.step_label)
        side.addWidget(self.message)
        side.addStretch(1)
        side.addLayout(back_row)
        pad = QVBoxLayout()          # the keypad keeps its own height, at the top
        pad.addWidget(self.keypad)
        pad.addStretch(1)
        lay = QHBoxLayout(self)
        lay.addLayout(side, 1)
        lay.addLayout(pad, 1)
        self.keypad.submitted.connect(self.on_submitted)
        self.back.clicked.connect(self.close_panel)
        self.retranslate()

    @property
    def step(self) -> str | None:
        return self.change.step if self.change is not None else None

    def retranslate(self) -> None:
        self.title.setText(_("Change the attendant PIN"))
        self.keypad.retranslate()
        self._show_step()

    def _show_step(self) -> None:
        step = self.step
        if step == PinChange.DONE:
            self.step_label.setText(_("From now on only the new PIN opens the attendant area."))
            self.back.setText(_("Back to the settings"))
        else:
            self.step_label.setText({
                PinChange.NEW: _("Step 2 of 3: enter the new PIN ({lo} to {hi} digits) and tap OK.",
                                 lo=PIN_MIN_DIGITS, hi=PIN_MAX_DIGITS),
                PinChange.REPEAT: _("Step 3 of 3: enter the new PIN again and tap OK."),
            }.get(step or "", _("Step 1 of 3: enter the current PIN and tap OK.")))
            self.back.setText(_("Cancel"))
        self.keypad.setVisible(step != PinChange.DONE)

    def start(self) -> bool:
        """Begin a change; False when nobody is logged in (nothing to change then)."""
        self.reset()
        self.change = self.factory()
        self._show_step()
        return self.change is not None

    def reset(self) -> None:
        """Forget everything typed (leaving the panel, logout, guest reset)."""
        if self.change is not None:
            self.change.cancel()
        self.change = None
        self.keypad.clear()
        self.keypad.setEnabled(True)
        self.message.info("")
        self._show_step()

    def close_panel(self) -> None:
        self.reset()
        self.closed.emit()

    @asyncSlot(str)
    async def on_submitted(self, pin: str) -> None:
        self.keypad.clear()          # the digits never stay on screen, even as dots
        change = self.change
        if change is None:
            return
        self.keypad.setEnabled(False)
        self.message.info(_("Checking…"))
        try:
            await change.submit(pin)
        except PinChangeError as exc:
            if alive(self) and change is self.change:
                self.message.error(str(exc))
        else:
            if alive(self) and change is self.change:
                self.message.info(_("The attendant PIN was changed.") if change.step == PinChange.DONE else "")
        finally:
            if alive(self):
                self.keypad.setEnabled(True)
        if alive(self) and change is self.change:
            self._show_step()
            self.answered.emit(change.step)
