"""Parts of the desk window: the staff login (name and own PIN, or the PIN alone), the
alert banner (the most urgent alert, what to do, "Show" and "Acknowledge") and the
confirmation bar (stop, quit: in the window, never a modal dialog)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import N_, Translator
from kiosk.ui.texts import bay_name, evse_title

_ = Translator("desk")

#: what each alert says and what staff should do
ALERT_TEXTS = {
    "parking": N_("{bay}: the car is full and has been parked for {minutes} min (bay blocked, parking fees running). "
                  "Ask the guest to move the car, or stop the session."),
    "start_failed": N_("{bay}: the start failed. Tell the guest, check the cable and start again, or choose another "
                       "charger."),
    "owner_unknown": N_("{bay}: a session runs that no screen here started. Find out whose car it is before "
                        "stopping it."),
    "unreachable": N_("The charging service cannot be reached. Check the network; sessions keep running and the "
                      "list updates once it answers."),
}


def alert_text(a: Any, venue: Any = None) -> str:
    """What the alert is about and what to do; the bay with its car park (two car parks may
    both have a "Bay 1") when the venue's list knows it."""
    minutes = int((a.parked_s or 0) // 60)
    bay = evse_title(venue, a.evse_uid, a.bay, sep=" \u00b7 ") if a.evse_uid else bay_name(a.bay)
    return _(ALERT_TEXTS.get(a.kind, ALERT_TEXTS["unreachable"]), bay=bay or "–", minutes=minutes)


class LoginPage(QWidget):
    """Staff name (or "PIN alone") and PIN; ``submitted(name or None, pin)``."""

    submitted = Signal(object, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("desk-login")
        self.title = QLabel(objectName="title")
        self.who = QComboBox(objectName="desk-staff")
        self.pin = QLineEdit(objectName="desk-pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(12)
        self.ok = QPushButton(objectName="desk-login-button")
        self.ok.setProperty("role", "primary")
        self.message = QLabel(objectName="desk-login-message")
        self.message.setWordWrap(True)
        self.l_who, self.l_pin = QLabel(), QLabel()
        form = QFormLayout()
        form.addRow(self.l_who, self.who)
        form.addRow(self.l_pin, self.pin)
        box = QFrame()
        box.setMaximumWidth(560)
        inner = QVBoxLayout(box)
        inner.addWidget(self.title)
        inner.addLayout(form)
        inner.addWidget(self.ok)
        inner.addWidget(self.message)
        lay = QHBoxLayout(self)
        lay.addStretch(1)
        col = QVBoxLayout()
        col.addStretch(1)
        col.addWidget(box)
        col.addStretch(2)
        lay.addLayout(col, 3)
        lay.addStretch(1)
        self.names: list[str] = []
        self.ok.clicked.connect(self._submit)
        self.pin.returnPressed.connect(self._submit)
        self.retranslate()

    def set_names(self, names: list[str]) -> None:
        self.names = list(names)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Log in to the attendant desk"))
        self.l_who.setText(_("Staff member"))
        self.l_pin.setText(_("PIN"))
        self.ok.setText(_("Log in"))
        keep = self.who.currentData()
        self.who.clear()
        self.who.addItem(_("Known by the PIN"), None)
        for n in self.names:
            self.who.addItem(n, n)
        self.who.setCurrentIndex(max(0, self.who.findData(keep)))
        for field, lab in ((self.who, self.l_who), (self.pin, self.l_pin)):
            field.setAccessibleName(lab.text())
            lab.setBuddy(field)

    def _submit(self) -> None:
        pin = self.pin.text()
        self.pin.clear()
        self.submitted.emit(self.who.currentData(), pin)

    def show_error(self, text: str) -> None:
        self.message.setText(text)


class AlertBanner(QFrame):
    """The most urgent open alert, with what to do; hidden when there is none."""

    show_requested = Signal(str)          # the alert's board row
    acknowledged = Signal(str)            # the alert's id

    def __init__(self, parent: QWidget | None = None, venue: Any = None) -> None:
        super().__init__(parent)
        self.venue = venue                # names the bay with its car park
        self.setObjectName("desk-alert")
        self.setStyleSheet("#desk-alert { background: #ffe08a; border: 2px solid #7a5a00; }"
                           "#desk-alert QLabel { color: #1b1b1b; }")
        self.text = QLabel(objectName="desk-alert-text")
        self.text.setWordWrap(True)
        self.count = QLabel(objectName="desk-alert-count")
        self.show_btn = QPushButton(objectName="desk-alert-show")
        self.ack_btn = QPushButton(objectName="desk-alert-ack")
        lay = QHBoxLayout(self)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.count)
        lay.addWidget(self.show_btn)
        lay.addWidget(self.ack_btn)
        self.alert: Any = None
        self.others = 0
        self.show_btn.clicked.connect(lambda: self.alert and self.alert.row_id and
                                      self.show_requested.emit(self.alert.row_id))
        self.ack_btn.clicked.connect(lambda: self.alert and self.acknowledged.emit(self.alert.id))
        self.set_alerts([])

    def set_alerts(self, open_alerts: list[Any]) -> None:
        self.alert = open_alerts[0] if open_alerts else None
        self.others = max(0, len(open_alerts) - 1)
        self.retranslate()
        self.setVisible(self.alert is not None)

    def retranslate(self) -> None:
        self.show_btn.setText(_("Show"))
        self.ack_btn.setText(_("Acknowledge"))
        self.text.setText("\u26a0 " + alert_text(self.alert, self.venue) if self.alert is not None else "")
        self.count.setText(_.n("{n} more alert", "{n} more alerts", self.others) if self.others else "")
        self.text.setAccessibleName(_("Alert"))
        self.show_btn.setEnabled(bool(self.alert is not None and self.alert.row_id))


class ConfirmBar(QFrame):
    """A question with "yes" and "cancel" in the window (stop a session, quit the desk)."""

    def __init__(self, parent: QWidget | None = None, *, touch: int = 0) -> None:
        super().__init__(parent)
        self.setObjectName("desk-confirm")
        self.question = QLabel(objectName="desk-confirm-text")
        self.question.setWordWrap(True)
        self.yes = QPushButton(objectName="desk-confirm-yes")
        self.yes.setProperty("role", "danger")
        self.no = QPushButton(objectName="desk-confirm-no")
        for b in (self.yes, self.no):
            b.setMinimumHeight(touch)          # the touch desk's finger-sized targets
        lay = QHBoxLayout(self)
        lay.addWidget(self.question, 1)
        lay.addWidget(self.yes)
        lay.addWidget(self.no)
        self._action: Callable[[], Any] | None = None
        self.yes.clicked.connect(self._confirm)
        self.no.clicked.connect(self.cancel)
        self.setVisible(False)

    def ask(self, question: str, yes: str, action: Callable[[], Any]) -> None:
        self.question.setText(question)
        self.yes.setText(yes)
        self.no.setText(_("Cancel"))
        self._action = action
        self.setVisible(True)
        self.no.setFocus()            # Enter on a stray key press never confirms

    def cancel(self) -> None:
        self._action = None
        self.setVisible(False)

    def _confirm(self) -> None:
        action, self._action = self._action, None
        self.setVisible(False)
        if action is not None:
            action()
