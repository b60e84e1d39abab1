"""The attendant PIN screen reached through the hidden corner (not a modal dialog)."""

from __future__ import annotations

from typing import Any

from qasync import asyncSlot

from kiosk.ui.base import TouchButton, label
from kiosk.ui.widgets.keypad import Keypad, KeypadScreen, keypad_screen
from kiosk.i18n import Translator

_ = Translator("ui")


class PinScreen(KeypadScreen):
    def __init__(self, shell: Any) -> None:
        super().__init__()
        self.shell = shell
        self.title = label("", "title")
        self.hint = label("", "body")
        self.error = label("", "error")
        self.keypad = Keypad(max_len=12, secret=True)
        self.keypad.submitted.connect(self._submit)
        self.cancel = TouchButton("", "secondary")
        self.cancel.setObjectName("pin_cancel")
        self.cancel.clicked.connect(self._cancel)
        keypad_screen(self, [self.title, self.hint, self.error], self.keypad, self.cancel)

    def retranslate(self) -> None:
        self.title.setText(_("Staff only"))
        self.hint.setText(_("Enter the attendant PIN."))
        self.cancel.setText(_("Back"))
        self.keypad.retranslate()

    def _cancel(self) -> None:
        self.keypad.clear()
        self.shell.go_home()

    @asyncSlot(str)
    async def _submit(self, pin: str) -> None:
        self.keypad.clear()
        ok = await self.shell.verify_pin(pin)
        if not ok:
            self.error.setText(_("That PIN is not right. Try again or go back."))
        elif not self.shell.open_attendant():
            self.error.setText(_("The attendant desk is not ready yet: the kiosk is still starting, or out of "
                                 "order (the reason is on its screen). Try again in a minute."))
