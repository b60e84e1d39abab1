"""Out of order: the kiosk cannot record sessions (its disk is full, or its data folder
cannot be written). Guests read the deploy texts of the recovery screen in every offered
language; one small line names the reason for staff (also in the log and `kiosk doctor`).
The kiosk keeps running and tries again every minute (every 10 s when it is the venue's
database that cannot be reached: switched off at night, or the network down)."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout

from kiosk.i18n import N_, Translator, current_language
from kiosk.ui.base import Screen, label

_ = Translator("ui")

REASONS = {
    "full": N_("For staff: the kiosk's disk is full. Free some space; the kiosk tries again every minute."),
    "read_only": N_("For staff: the kiosk's data folder cannot be written. Check its disk and permissions; the kiosk "
                    "tries again every minute."),
    "unreadable": N_("For staff: the kiosk's session journal cannot be opened. Run kiosk doctor; the kiosk tries "
                     "again every minute."),
    "unreachable": N_("For staff: the venue's database cannot be reached. Check the database computer and the "
                      "network; the kiosk tries again every 10 seconds."),
    "schema": N_("For staff: the venue's database was upgraded by a newer release. Update this kiosk."),
}


class OutOfOrderScreen(Screen):
    idle_applies = False

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("out_of_order")
        self.reason = "unreadable"
        self.title = label("", "title", center=True)
        self.title.setObjectName("out_of_order_title")
        self.text = label("", "big", center=True)
        self.next = label("", "body", center=True)
        self.staff = label("", "small", center=True)
        self.staff.setObjectName("out_of_order_staff")
        box = QVBoxLayout(self)
        self.adaptive(box.setContentsMargins, (120, 60, 120, 40), (88, 12, 16, 12))
        box.addStretch(1)
        for w in (self.title, self.text, self.next):
            box.addWidget(w)
        box.addStretch(1)
        box.addWidget(self.staff)

    def set_reason(self, reason: str, detail: str) -> None:
        self.reason = reason if reason in REASONS else "unreadable"
        self.retranslate()

    def retranslate(self) -> None:
        from kiosk.deploy.recovery import texts

        title, message, next_step = texts(current_language())
        self.title.setText(title)
        self.text.setText(message)
        self.next.setText(next_step)
        self.staff.setText(_(REASONS[self.reason]))
