"""Home: the venue's header (its mark, name, and the service state when it is offline),
the camera preview with a scan frame (at the camera's aspect ratio), the chargers board
with live availability by location, and a bottom bar with the language switch, high
contrast and "My session". In portrait the header and the camera take the upper 45 % and
every control sits below (the reach zone of a wheelchair user on a lobby totem)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import LANGUAGE_NAMES, Translator, current_language
from kiosk.ui.base import Screen, TouchButton, describe, kinetic, label
from kiosk.ui.icons import Icon
from kiosk.ui.texts import (
    RESOLVE,
    clock,
    location_name,
)
from kiosk.ui.widgets.bay import BayButton
from kiosk.ui.widgets.brand import BrandMark
from kiosk.ui.widgets.camera import CameraView

_ = Translator("ui")

log = logging.getLogger(__name__)


class HomeScreen(Screen):
    idle_applies = False
    BOARD_REFRESH_MS = 15000

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("home")
        s = ctx.settings
        # header: the venue's mark and name; the service's state only when it is offline
        self.header = QFrame()
        self.header.setProperty("role", "header")
        hl = QHBoxLayout(self.header)
        self.adaptive(hl.setContentsMargins, (24, 8, 24, 8), (16, 4, 16, 4))
        self.logo = BrandMark(56)
        self.logo.setObjectName("venue_logo")
        self.logo.set_logo(str(s.venue_logo) if getattr(s, "venue_logo", None) else None)
        hl.addWidget(self.logo)
        self.venue_name = label(s.venue_name or "", "title")
        self.venue_name.setObjectName("venue_name")
        hl.addWidget(self.venue_name, 1)
        self.status_icon = Icon("cloud-off-outline", 32, "header")
        self.status = label("", "body", wrap=False)
        self.status.setObjectName("service_status")
        hl.addWidget(self.status_icon)
        hl.addWidget(self.status)
        # offline banner
        self.banner = QFrame()
        self.banner.setProperty("role", "banner")
        bl = QHBoxLayout(self.banner)
        bl.setContentsMargins(16, 6, 16, 6)
        self.banner_icon = Icon("cloud-off-outline", 32, "error")
        self.banner_text = label("", "body")
        self.banner_text.setObjectName("offline_banner")
        bl.addWidget(self.banner_icon)
        bl.addWidget(self.banner_text, 1)
        self.banner.hide()
        # the camera
        self.scan_panel = QWidget()
        sp = QVBoxLayout(self.scan_panel)
        sp.setContentsMargins(0, 0, 0, 0)
        self.scan_title = label("", "subtitle")
        aspect = (getattr(s, "camera_width", 16) or 16) / max(1, getattr(s, "camera_height", 9) or 9)
        self.camera = CameraView(aspect=aspect)
        self.camera.setObjectName("camera")
        sp.addWidget(self.scan_title)
        sp.addWidget(self.camera, 1)
        self.scan_msg = label("", "warning")
        self.scan_msg.setObjectName("scan_message")
        sp.addWidget(self.scan_msg)
        # the board
        self.board_panel = QWidget()
        bp = QVBoxLayout(self.board_panel)
        bp.setContentsMargins(0, 0, 0, 0)
        self.board_title = label("", "subtitle")
        bp.addWidget(self.board_title)
        self.board_box = QWidget()
        self.board_grid = QGridLayout(self.board_box)
        self.board_grid.setSpacing(10)
        self.board_grid.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("board_scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.board_box)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # touch scrolling: touch_scrolling(), once the board is up (the first QScroller creates
        # ~170 Python enums of PySide6, ~45 ms that held the first frame back, and ~9 ms still
        # on the way to the board right after it)
        bp.addWidget(self.scroll, 1)
        self.board_empty = label("", "body")
        bp.addWidget(self.board_empty)
        # the bottom bar: language, contrast, My session (in reach in every orientation)
        self.bar = QWidget()
        bar = QHBoxLayout(self.bar)
        bar.setContentsMargins(0, 0, 0, 0)
        self.lang_icon = Icon("translate", 32)
        bar.addWidget(self.lang_icon)
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
            bar.addWidget(b)
        self.contrast = TouchButton("", "lang", icon="contrast-circle")
        self.contrast.setObjectName("high_contrast")
        self.contrast.setCheckable(True)
        self.contrast.clicked.connect(lambda on: self.ctx.flow.set_high_contrast(bool(on)))
        bar.addSpacing(12)
        bar.addWidget(self.contrast)
        bar.addStretch(1)
        self.my_session = TouchButton("", "primary", icon="receipt-text-outline")
        self.my_session.setObjectName("my_session")
        self.my_session.clicked.connect(lambda: self.ctx.flow.my_session())
        # the root: header/banner (+ camera in portrait), body, bar
        self.top = QWidget()
        self.top_box = QVBoxLayout(self.top)
        self.top_box.setContentsMargins(0, 0, 0, 0)
        self.top_box.setSpacing(0)
        self.top_box.addWidget(self.header)
        self.top_box.addWidget(self.banner)
        self.body = QHBoxLayout()
        self.body.addWidget(self.scan_panel, 4)
        self.body.addWidget(self.board_panel, 7)
        self.foot = QVBoxLayout()
        self.foot_row = QHBoxLayout()
        self.foot_row.addWidget(self.bar, 1)
        self.foot_row.addWidget(self.my_session)
        self.foot.addLayout(self.foot_row)
        inner = QVBoxLayout()
        self.adaptive(inner.setContentsMargins, (24, 12, 24, 16), (12, 6, 12, 6))
        self.adaptive(inner.setSpacing, 12, 6)
        inner.addLayout(self.body, 1)
        inner.addLayout(self.foot)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.top)
        box.addLayout(inner, 1)

        self.bay_buttons: list[BayButton] = []
        self._heads: list[QWidget] = []
        self._board_gen = 0            # a new board (its cards revealed a batch per loop turn)
        self._refresh_timer = QTimer(self, interval=self.BOARD_REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh_soon)
        self._refreshing = False
        # the location's colour applied (the app starts in the one remembered from the last start)
        self._brand_color: str | None = None if self._own_color() else ctx.venue.remembered_color
        self.scan_started: float | None = None   # monotonic time a code was read (latency)
        if ctx.scan is not None:
            ctx.scan.frame.connect(self.camera.set_frame)
            ctx.scan.code.connect(self.on_code)
            ctx.scan.state.connect(self._scan_state)
        ctx.signals.updated.connect(self._on_session_update)

    # -- layout ----------------------------------------------------------------------------
    def layout_changed(self, m: Any) -> None:
        portrait = m.portrait
        in_top = self.top_box.indexOf(self.scan_panel) >= 0
        if portrait and not in_top:
            self.body.removeWidget(self.scan_panel)
            self.top_box.addWidget(self.scan_panel, 1)
            self.scan_panel.setContentsMargins(24, 12, 24, 0)
        elif not portrait and in_top:
            self.top_box.removeWidget(self.scan_panel)
            self.body.insertWidget(0, self.scan_panel, 4)
            self.scan_panel.setContentsMargins(0, 0, 0, 0)
        if portrait:       # header and camera above the reach zone, every control below it
            self.top.setFixedHeight(m.reach_top)
        else:
            self.top.setMinimumHeight(0)
            self.top.setMaximumHeight(16777215)
        # where the bar and My session go: one row below everything (normal), two rows
        # (portrait), under the camera and under the board (800x480: the board keeps its height)
        for lay in (self.foot_row, self.foot, self.scan_panel.layout(), self.board_panel.layout()):
            lay.removeWidget(self.bar)
            lay.removeWidget(self.my_session)
        if not portrait:
            self.body.setStretch(0, 2 if m.compact else 4)
            self.body.setStretch(1, 3 if m.compact else 7)
        self.lang_icon.setVisible(not m.compact)
        if m.compact:
            self.scan_panel.layout().addWidget(self.bar)
            self.board_panel.layout().addWidget(self.my_session)
        elif portrait:
            self.foot_row.insertWidget(0, self.bar, 1)
            self.foot.addWidget(self.my_session)
        else:
            self.foot_row.insertWidget(0, self.bar, 1)
            self.foot_row.addWidget(self.my_session)
        self._fit_bar()
        self.logo.set_side(round(m.title * 1.8))
        self.lang_icon.set_side(round(m.body * 1.4))
        for w in (self.status_icon, self.banner_icon):
            w.set_side(round(m.body * 1.4))
        for b in self.bay_buttons:
            b.set_side(m.body, m.mode, m.subtitle)

    def compact_changed(self, compact: bool) -> None:
        if self.bay_buttons:      # columns follow the width
            self.bay_buttons = []
            self._rebuild_board()

    def _columns(self) -> int:
        return 1 if self.compact else 2

    def _on_session_update(self, _upd: Any) -> None:
        if self.ctx.shell.current_name() == "home":   # off screen: rebuilt on enter()
            self._rebuild_board()

    # -- texts ---------------------------------------------------------------------------
    def _venue(self) -> str:
        return self.ctx.settings.venue_name or self.ctx.venue.display_name() or _("EV charging")

    def _fit_bar(self) -> None:
        """The bar's texts in the language on screen: in full where they fit the window's
        width; else the contrast button shows its icon alone (its accessible name says it),
        then "My session" gets short (a long language, e.g. German at 1280x800)."""
        short, full = _("My session"), _("My session: see or stop my charging")
        m = self.metrics
        if m is None or m.compact:
            choices = [("", short)]
        else:
            choices = [(_("High contrast"), full), ("", full), ("", short)]
        room = (m.width if m is not None else self.width()) - 2 * 24    # the inner margins
        for contrast, session in choices:
            self.contrast.setText(contrast)
            self.my_session.setText(session)
            parts = [w for w in (self.lang_icon, *self.lang_buttons.values(), self.contrast) if not w.isHidden()]
            bar = sum(max(w.minimumSizeHint().width(), w.minimumWidth()) for w in parts) \
                + self.bar.layout().spacing() * len(parts) + 12        # (and the gap before contrast)
            need = max(bar, self.my_session.minimumSizeHint().width()) if m is not None and m.portrait \
                else bar + self.foot_row.spacing() + self.my_session.minimumSizeHint().width()
            if need <= room:
                break
        describe(self.my_session, self.my_session.text(), _("See or stop my charging, with the code I noted."))

    def retranslate(self) -> None:
        self.venue_name.setText(self._venue())
        describe(self.logo, _("Logo of {venue}", venue=self._venue()))
        self.scan_title.setText(_("Scan the QR code on the charger"))
        self.board_title.setText(_("Or choose a charger"))
        self._fit_bar()
        self.contrast.setAccessibleName(_("High contrast: easier to read"))
        self.lang_icon.setAccessibleName(_("Language"))
        self.status_icon.setAccessibleName(_("Offline"))
        self.banner_icon.setAccessibleName(_("Offline"))
        describe(self.camera, _("Camera view: hold the charger's QR code in the frame"),
                 self.camera.message or _("Scan the QR code on the charger"))
        describe(self.scroll, _("Chargers"), _("Swipe up or down to see more chargers."))
        lang = current_language()
        for code, b in self.lang_buttons.items():
            b.setChecked(code == lang)
        self._retranslate_board()
        self.board_empty.setText(_("Loading the chargers…") if not self.bay_buttons else "")
        self._show_status()
        if self.scan_msg.property("msgkey"):
            self.scan_msg.setText(_(RESOLVE[self.scan_msg.property("msgkey")]))

    def _retranslate_board(self) -> None:
        for head in self._heads:
            for ic in head.findChildren(Icon):
                ic.setAccessibleName(_("Location"))
        for b in self.bay_buttons:
            b.retranslate(location_name(self.ctx.venue, b.bay.location_id))

    def _set_lang(self, lang: str) -> None:
        self.ctx.flow.set_language(lang)   # the flow owns the guest's language; it is applied from there

    def theme_changed(self, pal: Any) -> None:
        from PySide6.QtGui import QColor

        self.camera.frame_color = QColor(pal.primary)
        self.logo.set_brand(self._venue(), pal.primary, pal.on_primary, pal.on_header)
        shell = self.ctx.shell
        self.contrast.setChecked(bool(shell.high_contrast) if shell is not None else False)

    def _own_color(self) -> bool:
        """The venue set its own colour (``venue_color``): the location's is not used."""
        return "venue_color" in getattr(self.ctx.settings, "explicit", ())

    def _branding_changed(self) -> str | None:
        """The location's branding colour when it is not the one applied, unless the venue
        set its own (``venue_color``). A location without one (any more) brings back the
        configured colour."""
        if self._own_color() or self.ctx.shell is None:
            return None
        color = getattr(self.ctx.venue.branding, "primary_color_hex", None)
        if not color and self._brand_color and self.ctx.venue.loaded_all():
            color = self.ctx.settings.venue_color
        return color if color and color != self._brand_color else None

    def _apply_branding(self) -> None:
        color = self._branding_changed()
        if color:
            self._brand_color = color
            self.ctx.shell.apply_theme(venue_color=color)

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
            if self._branding_changed():
                # the location's colour re-themes the whole window (one style sheet, ~35 ms):
                # in a loop turn of its own, before the one that builds the board's cards
                self._apply_branding()
                await asyncio.sleep(0.01)
        finally:
            self._refreshing = False
        self._rebuild_board()

    def touch_scrolling(self) -> None:
        """A finger drags the board (kinetic scrolling); called once the board is up."""
        from PySide6.QtWidgets import QScroller

        if not QScroller.hasScroller(self.scroll.viewport()):
            kinetic(self.scroll)

    def _clear_board(self) -> None:
        while self.board_grid.count():
            it = self.board_grid.takeAt(0)
            w = it.widget()
            if w is not None:
                w.hide()
                w.deleteLater()
        self.bay_buttons, self._heads = [], []
        self._board_gen += 1

    def _rebuild_board(self) -> None:
        self._apply_branding()    # before the cards: they are styled once, in the final colours
        bays = list(self.ctx.venue.bays)
        in_use = self.ctx.in_use()
        for b in bays:
            b.in_use_here = b.evse_uid in in_use
        same = [b.bay.evse_uid for b in self.bay_buttons] == [b.evse_uid for b in bays]
        if same:
            for btn, bay in zip(self.bay_buttons, bays, strict=True):
                btn.bay = bay
            self._retranslate_board()
        else:
            self._clear_board()
            # a new board is shown a few cards per loop turn: the style, layout and first
            # paint of 16 cards at once held the UI thread for ~60 ms
            hidden: list[QWidget] = []
            row, col, last_loc = 0, 0, None
            cols = self._columns()
            m = self.metrics
            for bay in bays:
                if bay.location_id != last_loc:
                    if col:
                        row, col = row + 1, 0
                    head = QWidget()
                    hl = QHBoxLayout(head)
                    hl.setContentsMargins(0, 8, 0, 0)
                    pin = Icon("map-marker-outline", round((m.body if m is not None else 20) * 1.3), "primary")
                    pin.setAccessibleName(_("Location"))
                    hl.addWidget(pin)
                    hl.addWidget(label(location_name(self.ctx.venue, bay.location_id), "subtitle"), 1)
                    head.hide()
                    hidden.append(head)
                    self.board_grid.addWidget(head, row, 0, 1, cols)
                    self._heads.append(head)
                    row, last_loc = row + 1, bay.location_id
                btn = BayButton(bay)
                btn.clicked.connect(lambda _=False, bay=bay: self.open_bay(bay))
                if m is not None:
                    btn.set_side(m.body, m.mode, m.subtitle)
                btn.hide()
                hidden.append(btn)
                self.board_grid.addWidget(btn, row, col)
                self.bay_buttons.append(btn)
                col += 1
                if col == cols:
                    row, col = row + 1, 0
            self._retranslate_board()
            from kiosk.ui import theme_apply

            theme_apply.apply_icons(self.board_box)
            self._reveal(hidden)
        self.board_empty.setText("" if bays else _("Loading the chargers…"))
        self.venue_name.setText(self._venue())
        self._show_status()

    REVEAL_BATCH = 5

    def revealing(self) -> bool:
        """A new board's cards are still being shown, a batch per loop turn."""
        return any(b.isHidden() for b in self.bay_buttons)

    def _reveal(self, widgets: list[QWidget], gen: int | None = None) -> None:
        """Show the board's new cards in batches, one batch per loop turn (a timer, so Qt
        paints in between); the first batch at once. A board rebuilt meanwhile stops it."""
        gen = self._board_gen if gen is None else gen
        if gen != self._board_gen:
            return
        batch, rest = widgets[:self.REVEAL_BATCH], widgets[self.REVEAL_BATCH:]
        for w in batch:
            w.show()
        if rest:
            QTimer.singleShot(1, self, lambda: self._reveal(rest, gen))

    def open_bay(self, bay: Any) -> None:
        self.scan_started = time.monotonic()
        self.ctx.spawn(self.ctx.flow.choose_charger(bay.location_id, bay.evse_uid))

    def _show_status(self) -> None:
        v = self.ctx.venue
        # guests see the service's state only when something is wrong
        self.status.setVisible(not v.online)
        self.status_icon.setVisible(not v.online)
        if v.online:
            self.status.setText("")
            self.banner.hide()
        else:
            self.status.setText(_("Offline"))
            if v.last_updated:
                text = _("No connection to the charging service. Board last updated at {time}. "
                         "Sessions keep charging; try again in a moment.", time=clock(v.last_updated))
            else:
                text = _("No connection to the charging service. Sessions keep charging; try again in a moment.")
            self.banner_text.setText(text)
            self.banner.show()

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
