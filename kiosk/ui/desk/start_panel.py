"""Start charging for a guest at the desk: the charger (chosen in the table, typed by name,
or scanned: a handheld scanner types the QR code's text and Enter into the charger field),
who pays (the venue, or the guest's room: the guest flow's room check), a room or plate
tag and the guest's language. The start is the kiosk's own journaled protocol
(:class:`kiosk.services.attendant.GuestStarts`); the code is shown here for the guest and
can be printed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from kiosk.i18n import LANGUAGE_NAMES, LANGUAGES, Translator
from kiosk.ui.texts import evse_title

_ = Translator("desk")


class StartPanel(QWidget):
    #: a start went through (argument: kiosk.services.attendant.GuestStarted)
    started = Signal(object)

    def __init__(self, starts: Any, venue: Any, attendant: Callable[[], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("desk-start")
        self.starts, self.venue, self.attendant = starts, venue, attendant
        self.choice: Any = None
        self.last: Any = None          # the last GuestStarted (its code is on screen)
        self.title = QLabel()
        self.title.setObjectName("subtitle")
        self.title.setWordWrap(True)
        self.charger = QLineEdit(objectName="desk-charger")
        self.found = QLabel(objectName="desk-charger-found")
        self.found.setWordWrap(True)
        self.venue_pays = QRadioButton(objectName="payer-venue")
        self.room_pays = QRadioButton(objectName="payer-room")
        self.payer = QButtonGroup(self)
        self.payer.addButton(self.venue_pays)
        self.payer.addButton(self.room_pays)
        self.venue_pays.setChecked(True)
        self.room = QLineEdit(objectName="desk-room")
        self.tag = QLineEdit(objectName="desk-tag")
        self.tag.setMaxLength(40)
        self.language = QComboBox(objectName="desk-language")
        for code in LANGUAGES:
            self.language.addItem(LANGUAGE_NAMES[code], code)
        self.start_btn = QPushButton(objectName="desk-start-button")
        self.start_btn.setProperty("role", "primary")
        self.print_btn = QPushButton(objectName="desk-print-code")
        self.print_btn.setEnabled(False)
        self.message = QLabel(objectName="desk-start-message")
        self.message.setWordWrap(True)
        self.code = QLabel(objectName="desk-code")
        self.code.setObjectName("desk-code")
        self.code.setStyleSheet("font-size: 28px; font-weight: bold; letter-spacing: 4px;")
        self.code_note = QLabel()
        self.code_note.setWordWrap(True)
        self.l_charger, self.l_payer, self.l_room, self.l_tag, self.l_lang = (QLabel() for _i in range(5))
        for lab in (self.l_charger, self.l_payer, self.l_room, self.l_tag, self.l_lang):
            lab.setWordWrap(True)
        payers = QVBoxLayout()
        payers.addWidget(self.venue_pays)
        payers.addWidget(self.room_pays)
        buttons = QVBoxLayout()          # one above the other: the panel stays narrow in every language
        buttons.addWidget(self.start_btn)
        buttons.addWidget(self.print_btn)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        # each caption above its field, in a box (wrapped captions get their height there,
        # which a QFormLayout does not give them)
        for lab, field in ((self.l_charger, self.charger), (None, self.found), (self.l_payer, payers),
                           (self.l_room, self.room), (self.l_tag, self.tag), (self.l_lang, self.language)):
            if lab is not None:
                lay.addWidget(lab)
            if isinstance(field, QWidget):
                lay.addWidget(field)
            else:
                lay.addLayout(field)
        lay.addLayout(buttons)
        lay.addWidget(self.message)
        lay.addWidget(self.code)
        lay.addWidget(self.code_note)
        lay.addStretch(1)
        self.charger.returnPressed.connect(self.on_charger_entered)
        self.charger.textEdited.connect(self._charger_edited)
        self.room_pays.toggled.connect(self._payer_changed)
        self.start_btn.clicked.connect(self.on_start)
        self._payer_changed()
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Start charging for a guest"))
        self.l_charger.setText(_("Charger"))
        self.charger.setPlaceholderText(_("Choose in the list, type its name, or scan its QR code"))
        self.l_payer.setText(_("Who pays"))
        self.venue_pays.setText(_("The venue"))
        self.room_pays.setText(_("The guest's room"))
        self.l_room.setText(_("Room number"))
        self.l_tag.setText(_("Room or plate on the list"))
        self.tag.setPlaceholderText(_("For example 412 or AB-123-C"))
        self.l_lang.setText(_("Guest's language"))
        self.start_btn.setText(_("Start charging"))
        self.print_btn.setText(_("Print code"))
        for b in (self.start_btn, self.print_btn):     # the whole word, whatever the language
            b.setMinimumWidth(b.fontMetrics().horizontalAdvance(b.text()) + 40)
        for field, lab in ((self.charger, self.l_charger), (self.room, self.l_room), (self.tag, self.l_tag),
                           (self.language, self.l_lang)):
            field.setAccessibleName(lab.text())
            lab.setBuddy(field)
        self.code.setAccessibleName(_("The guest's code"))
        self._show_choice()
        if self.last is not None:
            self._show_code(self.last)

    # -- the charger -------------------------------------------------------------------
    def choose(self, choice: Any) -> None:
        """The charger chosen in the table."""
        self.choice = choice
        self.charger.setText(self._title(choice))
        self._show_choice()

    def _title(self, choice: Any) -> str:
        return evse_title(self.venue, choice.evse_uid, choice.evse_uid, sep=" \u00b7 ")

    def _show_choice(self) -> None:
        self.found.setText(_("Chosen: {charger}", charger=self._title(self.choice)) if self.choice else "")

    def _charger_edited(self, _text: str) -> None:
        self.choice = None
        self.found.setText("")

    @asyncSlot()
    async def on_charger_entered(self) -> bool:
        """Enter in the charger field (a scanner's last key): find the charger it names."""
        from kiosk.services.attendant import DeskError

        text = self.charger.text()
        if self.choice is not None and text == self._title(self.choice):
            self.message.setText("")          # the charger chosen in the table, unchanged
            return True
        try:
            choice = await self.starts.find(text)
        except DeskError as exc:
            self.choice = None
            self._error(str(exc))
            return False
        self.choose(choice)
        self.message.setText("")
        (self.room if self.room_pays.isChecked() else self.tag).setFocus()
        return True

    def _payer_changed(self, *_a: Any) -> None:
        self.room.setEnabled(self.room_pays.isChecked())

    # -- the start ---------------------------------------------------------------------
    @asyncSlot()
    async def on_start(self) -> None:
        await self.start()

    async def start(self) -> Any:
        from kiosk.services.attendant import DeskError

        who = self.attendant()
        if who is None:
            self._error(_("Log in first."))
            return None
        if self.choice is None and not await self.on_charger_entered():
            return None
        self.start_btn.setEnabled(False)
        self.message.setText(_("Starting…"))
        try:
            res = await self.starts.start(who, self.choice, payer="room" if self.room_pays.isChecked() else "venue",
                                          room=self.room.text(), tag=self.tag.text(),
                                          language=self.language.currentData())
        except DeskError as exc:
            self._error(str(exc))
            return None
        finally:
            self.start_btn.setEnabled(True)
        self.last = res
        self._show_code(res)
        self.print_btn.setEnabled(True)
        self.started.emit(res)
        return res

    def _show_code(self, res: Any) -> None:
        self.message.setProperty("role", "")
        self.message.style().polish(self.message)
        self.message.setText(_("Charging is starting at {charger}.", charger=self._title(res)))
        self.code.setText(res.code)
        self.code_note.setText(_("Give the guest this code (print it): they need it to see or stop the charging. "
                                 "It is shown only now."))

    def clear(self) -> None:
        """Forget the last guest (logout, a new start)."""
        self.last = None
        self.choice = None
        for w in (self.charger, self.room, self.tag):
            w.clear()
        for w in (self.found, self.message, self.code, self.code_note):
            w.setText("")
        self.venue_pays.setChecked(True)
        self.print_btn.setEnabled(False)

    def _error(self, text: str) -> None:
        self.message.setText(text)
        self.message.setProperty("role", "message-error")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
