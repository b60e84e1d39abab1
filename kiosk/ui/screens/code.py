"""The guest's code: issued (shown once, as soon as the start is accepted, beside the start's
progress, with a countdown and "I have noted it"), and typed on "My session" (dots unless
the guest asks to see it, so a bystander sees none)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QGridLayout, QVBoxLayout, QWidget

from kiosk.flow import Progress
from kiosk.i18n import N_, Translator
from kiosk.ui import theme_apply
from kiosk.ui.base import Screen, TouchButton, describe, label, restyle
from kiosk.ui.texts import RESOLVE, bay_title
from kiosk.ui.widgets.keypad import Keypad, KeypadScreen, keypad_screen
from kiosk.ui.widgets.qr import QrView

_ = Translator("ui")

#: The start's progress as the guest sees it, in order.
PROGRESS = (
    (Progress.REQUESTED, N_("The charger has your request")),
    (Progress.ACCEPTED, N_("The charger accepted and waits for your car")),
    (Progress.CHARGING, N_("Charging")),
)
_ORDER = {Progress.SENDING: 0, Progress.CONFIRMING: 0, Progress.REQUESTED: 1, Progress.ACCEPTED: 2,
          Progress.CHARGING: 3}


def guest_qr(code: str, evse_uid: str) -> str:
    """What the code's QR carries: the charger and the code in the kiosk's own form (scanned
    at Home, it opens the session)."""
    from kiosk.core.owncodes import guest_code_qr

    return guest_code_qr(code, evse_uid)


class CodeScreen(Screen):
    """Step "started": the code, shown once, with the start's progress beside it."""

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("started")
        self.code: str | None = None
        self.tag: str | None = None
        self.progress = Progress.SENDING
        self.left: float | None = None
        self.warn_s = 30.0
        self.title = label("", "title", center=True)
        self.title.setObjectName("started_title")
        self.hint = label("", "body", center=True)
        self.hint.setObjectName("started_hint")
        self.code_label = label("", "code", center=True, wrap=False)
        self.code_label.setObjectName("guest_code")
        self.qr = QrView("", 220)
        self.qr.setObjectName("guest_code_qr")
        self.tag_label = label("", "subtitle", center=True)
        self.tag_label.setObjectName("guest_tag")
        self.steps = [label("", "body") for _ in PROGRESS]
        for i, w in enumerate(self.steps):
            w.setObjectName(f"start_step_{i}")
        self.status = label("", "subtitle")
        self.status.setObjectName("start_progress")
        self.countdown = label("", "warning", center=True)
        self.countdown.setObjectName("code_countdown")
        self.done = TouchButton("", "primary")
        self.done.setObjectName("started_done")
        self.done.clicked.connect(lambda: self.ctx.flow.noted())
        codes = QVBoxLayout()
        codes.addWidget(self.code_label)
        codes.addWidget(self.tag_label)
        prog = QVBoxLayout()
        prog.addWidget(self.status)
        for w in self.steps:
            prog.addWidget(w)
        prog.addStretch(1)
        self.mid = mid = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        mid.addLayout(codes, 3)
        mid.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        mid.addSpacing(16)
        mid.addLayout(prog, 3)
        box = QVBoxLayout(self)
        self.adaptive(box.setContentsMargins, (24, 24, 24, 20), (12, 6, 12, 6))
        box.addWidget(self.title)
        box.addWidget(self.hint)
        box.addStretch(1)
        box.addLayout(mid)
        box.addStretch(1)
        box.addWidget(self.countdown)
        box.addWidget(self.done)

    def layout_changed(self, m: Any) -> None:
        self.mid.setDirection(QBoxLayout.Direction.TopToBottom if m.portrait else QBoxLayout.Direction.LeftToRight)
        self.qr.set_side(round(m.body * (14 if m.portrait else 8 if not m.compact else 6)))
        # at 800x480 the progress line in body type: in subtitle type the German "the charger
        # is starting" took three lines the column beside the code does not have
        restyle(self.status, "role", "body" if m.compact else "subtitle")

    def reset(self) -> None:
        self.code = self.tag = None
        self.code_label.setText("")
        self.qr.set_data("")
        self.tag_label.setText("")
        self.left = None

    def draw(self, flow: Any) -> None:
        v = flow.visit
        if v.code != self.code:
            self.code = v.code
            self.code_label.setText(v.code or "")
            evse = v.view.evse_uid if v.view is not None else None
            self.qr.set_data(guest_qr(v.code, evse) if v.code and evse else "")
        self.tag = v.room
        self.progress = flow.progress()
        self.warn_s = flow.timings.code_warn_s
        self.tick(flow)

    def tick(self, flow: Any) -> None:
        self.left = flow.remaining()
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Your code: note it now"))
        self.hint.setText(_("Write it down or take a photo of it: you need it to see or stop your charging "
                            "at this kiosk. It is shown only once."))
        self.tag_label.setText(_("Room or plate: {tag}", tag=self.tag) if self.tag else "")
        self.done.setText(_("I have noted my code"))
        describe(self.qr, _("QR code of your code: scan it at this kiosk to open your session"))
        describe(self.code_label, _("Your code: {code}", code=" ".join(self.code or "")) if self.code else
                 _("Your code"))
        at = _ORDER[self.progress]
        if self.progress == Progress.CONFIRMING:
            self.status.setText(_("Confirming your start with the charging service…"))
        elif self.progress == Progress.CHARGING:
            self.status.setText(_("Your car is charging. You can leave."))
        else:
            self.status.setText(_("The charger is starting. Keep your cable plugged in."))
        for i, (_step, text) in enumerate(PROGRESS):
            done = at > i + 1 or at == len(PROGRESS)
            mark = "✓" if done else ("▸" if at == i + 1 else "○")
            self.steps[i].setText(f"{mark}  {_(text)}")
        left = self.left
        if left is not None and left <= self.warn_s:
            self.countdown.setText(_.n("This screen closes in {n} second: note your code now.",
                                       "This screen closes in {n} seconds: note your code now.", int(left) + 1))
        else:
            self.countdown.setText("")


class CodeEntryScreen(KeypadScreen):
    """Step "code" (My session): the guest names their charger (a bay with a session of this
    kiosk), then types the code; dots unless they ask to see it. A code is only ever
    checked against that charger's sessions (wrong codes count there, not kiosk-wide)."""

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("code")
        self.title = label("", "title")
        self.hint = label("", "body")
        self.hint.setObjectName("code_hint")
        self.error = label("", "error")
        self.error.setObjectName("code_error")
        self.keypad = Keypad(max_len=10, secret=True)
        self.keypad.setObjectName("code_keypad")
        self.keypad.submitted.connect(self.submit)
        self.show_btn = TouchButton("", "lang", icon="eye")
        self.show_btn.setObjectName("code_show")
        self.show_btn.setCheckable(True)
        self.show_btn.clicked.connect(lambda on: self.ctx.flow.show_code(bool(on)))
        self.other = TouchButton("", "secondary")
        self.other.setObjectName("code_other_charger")
        self.other.clicked.connect(lambda: self.ctx.flow.choose_code_charger(None))
        self.back = TouchButton("", "secondary", icon="arrow-left")
        self.back.setObjectName("code_back")
        self.back.clicked.connect(lambda: self.ctx.flow.back())
        # the charger picker takes the keypad's place until the guest has named their bay
        self.picker = QWidget()
        self.picker.setObjectName("code_picker")
        self.picker_grid = QGridLayout(self.picker)
        self.picker_grid.setContentsMargins(0, 0, 0, 0)
        self.picker_empty = label("", "body")
        self.bay_buttons: dict[str, TouchButton] = {}
        self._picker_pool: list[TouchButton] = []
        keypad_screen(self, [self.title, self.hint, self.error, self.show_btn, self.other], self.keypad,
                      self.back, self.picker)
        self._checking = False
        self._notice: Any = None
        self._evse: str | None = None

    def _clear(self) -> None:
        super()._clear()
        self._notice = None
        self._checking = False
        self._evse = None
        self.keypad.set_secret(True)
        self.show_btn.setChecked(False)
        self.retranslate()

    def draw(self, flow: Any) -> None:
        v = flow.visit
        self._checking = flow.busy == "checking"
        self._notice = v.notice
        if v.code_evse != self._evse:
            self._evse = v.code_evse
            self.keypad.clear()
        choosing = v.code_evse is None
        for w, on in ((self.picker, choosing), (self.keypad, not choosing), (self.show_btn, not choosing),
                      (self.other, not choosing)):
            if w.isHidden() == on:     # only a change: showing the keypad again costs ~1 ms
                w.setVisible(on)
        if choosing:
            self._fill_picker()
        self.keypad.set_secret(not v.show_code)
        self.show_btn.setChecked(v.show_code)
        self.keypad.ok_btn.setEnabled(bool(self.keypad.value()) and not self._checking)
        self.retranslate()

    def _bays(self) -> list[tuple[str, str]]:
        """(EVSE uid, name) of the bays with a session of this kiosk (running ones, and ended
        ones whose receipt the guest may want), in board order. No guest data."""
        sessions = self.ctx.sessions
        entries = sessions.active() if sessions is not None else []
        uids = {e.evse_uid for e in entries}
        names = {b.evse_uid: bay_title(self.ctx.venue, b) for b in self.ctx.venue.bays}
        ordered = [b.evse_uid for b in self.ctx.venue.bays if b.evse_uid in uids]
        ordered += sorted(uids - set(ordered))
        return [(uid, names.get(uid, uid)) for uid in ordered]

    def _fill_picker(self) -> None:
        """One button per bay with a session of this kiosk. The buttons are kept and reused
        (a new button is styled and laid out the first time it shows: made anew for each
        guest they cost a few ms of the frame that shows My session)."""
        bays = self._bays()
        if [uid for uid, _n in bays] == list(self.bay_buttons):
            for uid, name in bays:
                self.bay_buttons[uid].setText(name)
            return
        while self.picker_grid.count():
            self.picker_grid.takeAt(0)
        self.bay_buttons = {}
        for i, (uid, name) in enumerate(bays):
            if i == len(self._picker_pool):
                b = TouchButton("", "secondary", icon="ev-station")
                b.clicked.connect(lambda _=False, b=b: self.ctx.flow.choose_code_charger(b.property("evse_uid")))
                theme_apply.button_icon(b)      # the theme's icon (later theme changes reach it too)
                self._picker_pool.append(b)
            b = self._picker_pool[i]
            b.setText(name)
            b.setObjectName(f"code_bay_{uid}")
            b.setProperty("evse_uid", uid)
            b.setMinimumHeight(round(2.6 * (self.metrics.body if self.metrics else 20)))
            self.picker_grid.addWidget(b, i // 2, i % 2)
            b.show()
            self.bay_buttons[uid] = b
        for b in self._picker_pool[len(bays):]:
            b.hide()
        self.picker_grid.addWidget(self.picker_empty, len(bays) // 2 + 1, 0, 1, 2)
        self.picker_grid.setRowStretch(len(bays) // 2 + 2, 1)

    def submit(self, code: str) -> None:
        self.keypad.clear()
        self.ctx.spawn(self.ctx.flow.submit_code(code))

    def retranslate(self) -> None:
        self.title.setText(_("My session"))
        name = dict(self._bays()).get(self._evse, self._evse) if self._evse else ""
        if self._evse is None:
            self.hint.setText(_("Which charger is your car at? Tap it, then type your code."))
            self.picker_empty.setText("" if self.bay_buttons else
                                      _("No charging session was started at this kiosk. Ask the front desk if you "
                                        "started one elsewhere."))
        elif self._checking:
            self.hint.setText(_("Checking your code…"))
        else:
            self.hint.setText(_("Charger {name}: enter the code you got when your charging started.", name=name))
        self.other.setText(_("Another charger"))
        n = self._notice
        self.error.setText("" if n is None else _(RESOLVE["offline"]) if n.key == "offline" else n.text())
        self.show_btn.setText(_("Hide the code") if self.show_btn.isChecked() else _("Show the code as I type"))
        self.back.setText(_("Back"))
        self.keypad.retranslate()
