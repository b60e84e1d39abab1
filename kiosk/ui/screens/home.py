"""Home: venue header, language switch, service status, camera preview with scan frame,
the chargers board with live availability, and "My session"."""

from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import LANGUAGE_NAMES, current_language
from kiosk.ui.base import Screen, TouchButton, label
from kiosk.ui.texts import RESOLVE, clock, number, status_text
from kiosk.ui.widgets.camera import CameraView
from kiosk.i18n import Translator

_ = Translator("ui")

log = logging.getLogger(__name__)


class BayButton(TouchButton):
    def __init__(self, bay: Any) -> None:
        super().__init__("", "secondary")
        self.bay = bay
        self.setMinimumHeight(96)
        self.setObjectName(f"bay_{bay.evse_uid}")

    def retranslate(self) -> None:
        b = self.bay
        if b.in_use_here:
            state = _("In use (started here)")
        else:
            state = status_text(b.status)
        power = _("{kw} kW", kw=number(b.max_kw, 0)) if b.max_kw else ""
        pt = b.power_type or ""
        kind = " DC" if pt.startswith("DC") else " AC" if pt.startswith("AC") else ""
        text = f"{b.name}\n{state} · {power}{kind}"
        if text != self.text():
            self.setText(text)
        role = "primary" if b.status == "AVAILABLE" and not b.in_use_here else "secondary"
        if role != self.property("role"):     # re-polishing costs: only when the look changes
            self.setProperty("role", role)
            self.style().unpolish(self)
            self.style().polish(self)


class HomeScreen(Screen):
    idle_applies = False
    BOARD_REFRESH_MS = 15000

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("home")
        s = ctx.settings
        # header
        header = QFrame()
        header.setProperty("role", "header")
        hl = QHBoxLayout(header)
        self.adaptive(hl.setContentsMargins, (96, 8, 16, 8), (88, 4, 8, 4))
        self.logo = QLabel()
        if getattr(s, "venue_logo", None):
            pm = QPixmap(str(s.venue_logo))
            if not pm.isNull():
                self.logo.setPixmap(pm.scaledToHeight(56, Qt.TransformationMode.SmoothTransformation))
        hl.addWidget(self.logo)
        self.venue_name = label(s.venue_name or "", "title")
        hl.addWidget(self.venue_name, 1)
        self.status = label("", "body", wrap=False)
        self.status.setObjectName("service_status")
        hl.addWidget(self.status)
        self.lang_group = QButtonGroup(self)
        self.lang_buttons: dict[str, TouchButton] = {}
        for lang in ctx.shell.languages if ctx.shell else s.languages:
            b = TouchButton(lang.upper(), "lang")
            b.setObjectName(f"lang_{lang}")
            b.setCheckable(True)
            b.setAccessibleName(LANGUAGE_NAMES.get(lang, lang))
            b.clicked.connect(lambda _=False, lang=lang: self._set_lang(lang))
            self.lang_group.addButton(b)
            self.lang_buttons[lang] = b
            hl.addWidget(b)
        # offline banner
        self.banner = QFrame()
        self.banner.setProperty("role", "banner")
        bl = QHBoxLayout(self.banner)
        bl.setContentsMargins(16, 6, 16, 6)
        self.banner_text = label("", "body")
        self.banner_text.setObjectName("offline_banner")
        bl.addWidget(self.banner_text)
        self.banner.hide()
        # body
        left = QVBoxLayout()
        self.scan_title = label("", "subtitle")
        self.camera = CameraView()
        self.camera.setObjectName("camera")
        self.adaptive(self.camera.setMinimumSize, (320, 240), (200, 150))
        left.addWidget(self.scan_title)
        left.addWidget(self.camera, 1)
        self.scan_msg = label("", "warning")
        self.scan_msg.setObjectName("scan_message")
        left.addWidget(self.scan_msg)
        # the guest's own high contrast (reset for the next guest), level with "My session"
        self.contrast = TouchButton("", "lang")
        self.contrast.setObjectName("high_contrast")
        self.contrast.setCheckable(True)
        self.contrast.clicked.connect(lambda on: self.ctx.flow.set_high_contrast(bool(on)))
        self.adaptive(self.contrast.setMinimumHeight, 72, 56)
        left.addWidget(self.contrast, 0, Qt.AlignmentFlag.AlignLeft)
        right = QVBoxLayout()
        self.board_title = label("", "subtitle")
        right.addWidget(self.board_title)
        self.board_box = QWidget()
        self.board_grid = QGridLayout(self.board_box)
        self.board_grid.setSpacing(10)
        self.board_grid.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.board_box)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        right.addWidget(scroll, 1)
        self.board_empty = label("", "body")
        right.addWidget(self.board_empty)
        self.my_session = TouchButton("", "primary")
        self.my_session.setObjectName("my_session")
        self.adaptive(self.my_session.setMinimumHeight, 72, 56)
        self.my_session.clicked.connect(lambda: self.ctx.flow.my_session())
        right.addWidget(self.my_session)
        body = QHBoxLayout()
        self.adaptive(body.setContentsMargins, (20, 12, 20, 16), (12, 6, 12, 6))
        self.adaptive(body.setSpacing, 20, 12)
        body.addLayout(left, 5)
        body.addLayout(right, 6)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(header)
        box.addWidget(self.banner)
        box.addLayout(body, 1)

        self.bay_buttons: list[BayButton] = []
        self._refresh_timer = QTimer(self, interval=self.BOARD_REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh_soon)
        self._refreshing = False
        self.scan_started: float | None = None   # monotonic time a code was read (latency)
        if ctx.scan is not None:
            ctx.scan.frame.connect(self.camera.set_frame)
            ctx.scan.code.connect(self.on_code)
            ctx.scan.state.connect(self._scan_state)
        ctx.signals.updated.connect(self._on_session_update)

    def compact_changed(self, compact: bool) -> None:
        if self.bay_buttons:      # one column of bays on a narrow screen
            self.bay_buttons = []
            self._rebuild_board()

    def _on_session_update(self, _upd: Any) -> None:
        if self.ctx.shell.current_name() == "home":   # off screen: rebuilt on enter()
            self._rebuild_board()

    # -- texts ---------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.venue_name.setText(self.ctx.settings.venue_name or self.ctx.venue.display_name() or _("EV charging"))
        self.scan_title.setText(_("Scan the QR code on the charger"))
        self.board_title.setText(_("Or choose a charger"))
        self.my_session.setText(_("My session: see or stop my charging"))
        self.contrast.setText(_("High contrast"))
        self.contrast.setAccessibleName(_("High contrast: easier to read"))
        lang = current_language()
        for code, b in self.lang_buttons.items():
            b.setChecked(code == lang)
        for b in self.bay_buttons:
            b.retranslate()
        self.board_empty.setText(_("Loading the chargers…") if not self.bay_buttons else "")
        self._show_status()
        if self.scan_msg.property("msgkey"):
            self.scan_msg.setText(_(RESOLVE[self.scan_msg.property("msgkey")]))

    def _set_lang(self, lang: str) -> None:
        self.ctx.flow.set_language(lang)   # the flow owns the guest's language; it is applied from there

    def theme_changed(self, pal: Any) -> None:
        from PySide6.QtGui import QColor

        self.camera.frame_color = QColor(pal.primary)
        shell = self.ctx.shell
        self.contrast.setChecked(bool(shell.high_contrast) if shell is not None else False)

    # -- lifecycle -------------------------------------------------------------------------
    def enter(self, **params: Any) -> None:
        if self.ctx.scan is not None:
            self.ctx.scan.paused = False
        self._refresh_timer.start()
        self._rebuild_board()
        self.refresh_soon()

    def leave(self) -> None:
        if self.ctx.scan is not None:
            self.ctx.scan.paused = True
        self._refresh_timer.stop()

    def reset(self) -> None:
        self._set_scan_msg(None)

    def draw(self, flow: Any) -> None:
        """Home draws the board itself; from the flow only why the last scan was refused."""
        reason = flow.visit.scan_reason
        key = reason if reason in RESOLVE else ("unknown" if reason else None)
        if key != (self.scan_msg.property("msgkey") or None):
            self._set_scan_msg(key)
        self.my_session.setEnabled(flow.busy is None)
        self._show_status()

    # -- board -----------------------------------------------------------------------------
    def refresh_soon(self) -> None:
        if not self._refreshing:
            self.ctx.spawn(self.refresh())

    async def refresh(self) -> None:
        self._refreshing = True
        try:
            await self.ctx.venue.board()
        finally:
            self._refreshing = False
        self._rebuild_board()

    def _rebuild_board(self) -> None:
        bays = list(self.ctx.venue.bays)
        in_use = self.ctx.in_use()
        for b in bays:
            b.in_use_here = b.evse_uid in in_use
        same = [b.bay.evse_uid for b in self.bay_buttons] == [b.evse_uid for b in bays]
        if same:
            for btn, bay in zip(self.bay_buttons, bays, strict=True):
                btn.bay = bay
                btn.retranslate()
        else:
            while self.board_grid.count():
                it = self.board_grid.takeAt(0)
                w = it.widget()
                if w is not None:
                    w.hide()
                    w.deleteLater()
            self.bay_buttons = []
            row, col, last_loc = 0, 0, None
            cols = 1 if self.compact else 2
            for bay in bays:
                if bay.location_id != last_loc:
                    if col:
                        row, col = row + 1, 0
                    loc = self.ctx.venue.locations.get(bay.location_id)
                    head = label(getattr(loc, "name", "") or "", "small")
                    self.board_grid.addWidget(head, row, 0, 1, cols)
                    row, last_loc = row + 1, bay.location_id
                btn = BayButton(bay)
                btn.clicked.connect(lambda _=False, bay=bay: self.open_bay(bay))
                btn.retranslate()
                self.board_grid.addWidget(btn, row, col)
                self.bay_buttons.append(btn)
                col += 1
                if col == cols:
                    row, col = row + 1, 0
        self.board_empty.setText("" if bays else _("Loading the chargers…"))
        self.venue_name.setText(self.ctx.settings.venue_name or self.ctx.venue.display_name() or _("EV charging"))
        self._show_status()

    def open_bay(self, bay: Any) -> None:
        self.scan_started = time.monotonic()
        self.ctx.spawn(self.ctx.flow.choose_charger(bay.location_id, bay.evse_uid))

    def _show_status(self) -> None:
        v = self.ctx.venue
        role = "body" if v.online else "warning"
        if v.online:
            self.status.setText("● " + _("Online"))
            self.banner.hide()
        else:
            self.status.setText("● " + _("Offline"))
            if v.last_updated:
                text = _("No connection to the charging service. Board last updated at {time}. "
                         "Sessions keep charging; try again in a moment.", time=clock(v.last_updated))
            else:
                text = _("No connection to the charging service. Sessions keep charging; try again in a moment.")
            self.banner_text.setText(text)
            self.banner.show()
        if role != self.status.property("role"):
            # re-polishing (palette and font change events) only when the look changes: this
            # runs on every board rebuild, i.e. every session update while Home is shown
            self.status.setProperty("role", role)
            self.status.style().unpolish(self.status)
            self.status.style().polish(self.status)

    # -- scanning --------------------------------------------------------------------------
    def _scan_state(self, state: str) -> None:
        self.camera.message = _("The camera is not available. Choose a charger on the board.") \
            if state in ("no_camera", "failed") else ""
        self.camera.update()

    def _set_scan_msg(self, key: str | None) -> None:
        self.scan_msg.setProperty("msgkey", key or "")
        self.scan_msg.setText(_(RESOLVE[key]) if key else "")

    def on_code(self, text: str) -> None:
        if self.ctx.shell.current_name() != "home":
            return
        self.scan_started = time.monotonic()
        self.ctx.spawn(self.ctx.flow.scan(text))
