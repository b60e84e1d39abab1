"""Starting (the start request is on its way) and Start failed (why, and the best next
action first: another charger, then try again). Both draw the guest flow."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QVBoxLayout

from kiosk.flow import Action, Failure
from kiosk.i18n import N_, Translator
from kiosk.ui.base import Screen, TouchButton, label

_ = Translator("ui")

#: What happened, and what to do, for each kind of failed start (the guest's language).
FAILURES = {
    Failure.REJECTED: (N_("The charger refused to start"),
                       N_("This charger cannot be used with the venue's payment right now."),
                       N_("Choose another charger, or ask the front desk for help.")),
    Failure.TIMEOUT: (N_("The charger stopped waiting"),
                      N_("The charger did not detect your car in time."),
                      N_("Check that the cable is firmly plugged into the car and the charger, then tap Try again, "
                         "or choose another charger.")),
    Failure.NOT_STARTED: (N_("Charging did not start"),
                          N_("The charger did not start a session."),
                          N_("Choose another charger, or tap Try again.")),
    Failure.BUSY: (N_("This charger is taken"),
                   N_("Someone else is starting or charging on this charger."),
                   N_("Choose another charger.")),
    Failure.CANCELLED: (N_("Charging was cancelled"),
                        N_("The charger cancelled the session before energy flowed."),
                        N_("Choose another charger, or tap Try again.")),
    Failure.ERROR: (N_("Charging did not start"),
                    N_("The charging service could not start this charger."),
                    N_("Choose another charger, or tap Try again in a moment.")),
}


class StartingScreen(Screen):
    """The request is on its way (a few seconds; bounded by the flow)."""

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("starting")
        self.title = label("", "title", center=True)
        self.title.setObjectName("starting_title")
        self.coach = label("", "big", center=True)
        self.coach.setObjectName("starting_coach")
        self.busy = QProgressBar()
        self.busy.setObjectName("starting_progress")
        self.busy.setRange(0, 0)          # a moving bar: the wait has no known length
        self.busy.setTextVisible(False)
        self.cancel = TouchButton("", "secondary")
        self.cancel.setObjectName("starting_cancel")
        self.cancel.clicked.connect(lambda: self.ctx.flow.cancel())
        box = QVBoxLayout(self)
        self.adaptive(box.setContentsMargins, (48, 32, 48, 24), (16, 8, 16, 8))
        box.addWidget(self.title)
        box.addStretch(1)
        box.addWidget(self.coach)
        box.addWidget(self.busy)
        box.addStretch(1)
        box.addWidget(self.cancel)
        self._name = ""

    def draw(self, flow: Any) -> None:
        d = flow.visit.details
        self._name = getattr(d, "name", "") if d is not None else ""
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Starting charger {name}", name=self._name) if self._name else _("Starting the charger"))
        self.coach.setText(_("Sending your start to the charger…"))
        self.busy.setAccessibleName(_("Sending your start to the charger…"))
        self.cancel.setText(_("Cancel"))


class StartFailedScreen(Screen):
    """The start did not happen: what happened, what to do; another charger comes first."""

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("start_failed")
        self.failure: Failure | None = None
        self.detail_text = ""
        self.title = label("", "title", center=True)
        self.title.setObjectName("failed_title")
        self.what = label("", "big", center=True)
        self.what.setObjectName("failed_what")
        self.next = label("", "body", center=True)
        self.next.setObjectName("failed_next")
        self.detail = label("", "small", center=True)
        self.detail.setObjectName("failed_detail")
        self.other = TouchButton("", "primary")
        self.other.setObjectName("failed_other")
        self.other.clicked.connect(lambda: self.ctx.flow.other_charger())
        self.retry = TouchButton("", "secondary")
        self.retry.setObjectName("starting_retry")
        self.retry.clicked.connect(lambda: self.ctx.spawn(self.ctx.flow.retry()))
        self.home = TouchButton("", "secondary")
        self.home.setObjectName("failed_home")
        self.home.clicked.connect(lambda: self.ctx.flow.home())
        row = QHBoxLayout()
        row.addWidget(self.home)
        row.addWidget(self.retry)
        row.addWidget(self.other, 2)
        box = QVBoxLayout(self)
        self.adaptive(box.setContentsMargins, (48, 32, 48, 24), (16, 8, 16, 8))
        box.addWidget(self.title)
        box.addStretch(1)
        box.addWidget(self.what)
        box.addWidget(self.next)
        box.addWidget(self.detail)
        box.addStretch(1)
        box.addLayout(row)
        self._notice: Any = None

    def reset(self) -> None:
        self.failure, self._notice = None, None

    def draw(self, flow: Any) -> None:
        v = flow.visit
        self.failure = v.failure
        self._notice = v.notice
        self.retry.setVisible(Action.RETRY in flow.exits())
        self.retry.setEnabled(flow.busy is None)
        self.retranslate()

    def retranslate(self) -> None:
        self.other.setText(_("Choose another charger"))
        self.retry.setText(_("Try again"))
        self.home.setText(_("Done"))
        title, what, nxt = FAILURES.get(self.failure or Failure.ERROR, FAILURES[Failure.ERROR])
        self.title.setText(_(title))
        self.what.setText(_(what))
        self.next.setText(_(nxt))
        text = self._notice.text() if self._notice is not None else ""
        self.detail.setText(text if text and text != _(what) else "")
