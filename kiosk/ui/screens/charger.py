"""Charger: what this EVSE is, where, what it costs, how to pay, and (the car plugged in
first) Start. When the EVSE cannot be used, say why and offer the board. Also the
room-number entry screen. Both draw the guest flow (``render``) and send taps to it."""

from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QButtonGroup, QFrame, QGridLayout, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from kiosk.flow import Action
from kiosk.i18n import Translator, current_language
from kiosk.ui import billing_texts, icons
from kiosk.ui.base import Screen, TouchButton, describe, kinetic, label
from kiosk.ui.icons import Icon
from kiosk.ui.prices import DIMENSION_ICONS, price_rows
from kiosk.ui.texts import RESOLVE, UNUSABLE, evse_title, number, status_text
from kiosk.ui.widgets.connector import standard_name
from kiosk.ui.widgets.keypad import Keypad, KeypadScreen, keypad_screen

_ = Translator("ui")

log = logging.getLogger(__name__)


def _card() -> tuple[QFrame, QVBoxLayout]:
    f = QFrame()
    f.setProperty("role", "card")
    lay = QVBoxLayout(f)
    lay.setContentsMargins(16, 12, 16, 12)
    lay.setSpacing(6)
    return f, lay


def _row(icon: QWidget, text: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
    row.addWidget(text, 1)
    return row


def _text_of(dt_list: Any) -> str:
    """First text of a DisplayText list, preferring the guest's language."""
    items = list(dt_list or [])
    lang = current_language()
    for it in items:
        if (getattr(it, "language", "") or "").lower().startswith(lang):
            return it.text or ""
    return (items[0].text or "") if items else ""


class ChargerScreen(Screen):
    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("charger")
        self.details: Any = None
        self.room: str | None = None
        self.payment = "venue"
        self.loaded_at: float | None = None
        self._shown_details: Any = None
        self._loading = False

        self.title = label("", "title")
        self.title.setObjectName("charger_title")
        self.status = label("", "subtitle")
        self.status.setObjectName("charger_status")
        self.status_icon = Icon("", 32)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status_icon)
        status_row.addWidget(self.status, 1)
        self.reason = label("", "error")
        self.reason.setObjectName("charger_reason")
        # left: connectors, location, operator
        info, il = _card()
        self.conn_box = QWidget()
        self.conn_layout = QGridLayout(self.conn_box)
        self.conn_layout.setContentsMargins(0, 0, 0, 0)
        il.addWidget(self.conn_box)
        self.where = label("", "body")
        self.where.setObjectName("charger_where")
        self.where_icon = Icon("map-marker-outline", 28, "primary")
        il.addLayout(_row(self.where_icon, self.where))
        self.operator = label("", "small")
        self.operator.setObjectName("charger_operator")
        self.help_icon = Icon("phone", 28, "muted")
        il.addLayout(_row(self.help_icon, self.operator))
        il.addStretch(1)
        # right: tariff and payment
        tariff, tl = _card()
        self.tariff_title = label("", "subtitle")
        self.tariff = label("", "body")      # no price known (the rows say the prices)
        self.tariff.setObjectName("tariff_text")
        self.price_box = QWidget()
        self.price_grid = QGridLayout(self.price_box)
        self.price_grid.setContentsMargins(0, 0, 0, 0)
        self.price_rows: list[tuple[Icon, Any]] = []
        self.example = label("", "body")
        self.example.setObjectName("tariff_example")
        self.vat = label("", "small")
        self.vat.setObjectName("tariff_vat")
        for w in (self.tariff_title, self.tariff, self.price_box, self.example, self.vat):
            tl.addWidget(w)
        # who pays: below the cards, always in sight beside Start (in reach on a portrait
        # totem; at 800x480 its title shares the choice's row, and the cards scroll above it)
        self.pay_panel = QWidget()
        self.pay_layout = pl = QVBoxLayout(self.pay_panel)
        pl.setContentsMargins(0, 0, 0, 0)
        self.pay_title = label("", "subtitle")
        pl.addWidget(self.pay_title)
        self.pay_row = pay_row = QHBoxLayout()
        self.pay_group = QButtonGroup(self)
        self.pay_venue = TouchButton("", "choice", icon="domain")
        self.pay_venue.setObjectName("pay_venue")
        self.pay_room = TouchButton("", "choice", icon="bed-outline")
        self.pay_room.setObjectName("pay_room")
        for b in (self.pay_venue, self.pay_room):
            b.setCheckable(True)
            self.pay_group.addButton(b)
            pay_row.addWidget(b, 1)
        self.pay_venue.setChecked(True)
        self.pay_venue.clicked.connect(lambda: self._pay("venue"))
        self.pay_room.clicked.connect(lambda: self._pay("room"))
        pl.addLayout(pay_row)
        self.room_text = label("", "body")
        self.room_text.setObjectName("room_text")
        pl.addWidget(self.room_text)
        tl.addStretch(1)
        # the physical journey: the car is plugged in before Start (the bay may be far away)
        self.plug = label("", "warning")
        self.plug.setObjectName("charger_plug_first")

        # the two cards scroll when a long tariff or directions do not fit (800x480)
        cols_box = QWidget()
        self.cols = cols = QHBoxLayout(cols_box)
        cols.setContentsMargins(0, 0, 0, 0)
        cols.setSpacing(16)
        cols.addWidget(info, 1)
        cols.addWidget(tariff, 1)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("charger_scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(cols_box)
        kinetic(self.scroll)
        self.back = TouchButton("", "secondary", icon="arrow-left")
        self.back.setObjectName("charger_back")
        self.back.clicked.connect(lambda: self.ctx.flow.back())
        self.board = TouchButton("", "secondary")
        self.board.setObjectName("charger_board")
        self.board.clicked.connect(lambda: self.ctx.flow.other_charger())
        self.mine = TouchButton("", "primary")
        self.mine.setObjectName("charger_mine")
        self.mine.clicked.connect(lambda: self.ctx.flow.my_session(self.details.evse.uid if self.details else None))
        self.start = TouchButton("", "primary", icon="play-circle-outline")
        self.start.setObjectName("start_charging")
        self.start.clicked.connect(lambda: self.ctx.spawn(self.ctx.flow.start()))
        bottom = QHBoxLayout()
        bottom.addWidget(self.back)
        bottom.addWidget(self.board)
        bottom.addWidget(self.mine)
        bottom.addStretch(1)
        bottom.addWidget(self.start, 2)
        self.top = QWidget()
        top = QVBoxLayout(self.top)
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.title)
        top.addLayout(status_row)
        top.addWidget(self.reason)
        top.addWidget(self.scroll, 1)
        self.foot = QVBoxLayout()
        self.foot.addWidget(self.pay_panel)
        self.foot.addWidget(self.plug)
        self.foot.addLayout(bottom)
        self.bottom = bottom
        box = QVBoxLayout(self)
        self.adaptive(box.setContentsMargins, (24, 16, 24, 16), (12, 6, 12, 6))
        self.adaptive(box.setSpacing, 6, 4)
        box.addWidget(self.top, 1)
        box.addLayout(self.foot)
        self._clear()

    def layout_changed(self, m: Any) -> None:
        # portrait: the cards above the reach zone, one under the other; the payer and the
        # buttons below it, as in landscape (a guest never starts without seeing who pays)
        self.cols.setDirection(QBoxLayout.Direction.TopToBottom if m.portrait else QBoxLayout.Direction.LeftToRight)
        if m.portrait:
            self.top.setFixedHeight(m.reach_top - 16)
        else:
            self.top.setMinimumHeight(0)
            self.top.setMaximumHeight(16777215)
        self.pay_layout.removeWidget(self.pay_title)
        self.pay_row.removeWidget(self.pay_title)
        if m.compact:
            self.pay_row.insertWidget(0, self.pay_title)
        else:
            self.pay_layout.insertWidget(0, self.pay_title)
        for ic in (self.status_icon, self.where_icon, self.help_icon):
            ic.set_side(round(m.body * 1.3))
        self._fit_pay_row()

    def _fit_pay_row(self) -> None:
        """800x480: "Who pays" beside the choice when the row has room for it in this
        language, else the choice alone (the line under it says who pays)."""
        m = self.metrics
        if m is None or not m.compact:
            self.pay_title.show()
            return
        buttons = [b for b in (self.pay_venue, self.pay_room) if not b.isHidden()]
        title = self.pay_title.fontMetrics().horizontalAdvance(self.pay_title.text())
        need = title + sum(b.minimumSizeHint().width() for b in buttons) + self.pay_row.spacing() * len(buttons)
        self.pay_title.setVisible(need <= m.width - 2 * 12)      # (the compact margins)

    # -- state ---------------------------------------------------------------------------
    def _clear(self) -> None:
        self.details = None
        self.loaded_at = None
        while self.conn_layout.count():
            it = self.conn_layout.takeAt(0)
            if it.widget():
                it.widget().deleteLater()
        for w in (self.title, self.status, self.reason, self.where, self.operator, self.tariff, self.example,
                  self.vat, self.room_text):
            w.setText("")
        self._set_price_rows([])
        self.status_icon.set_icon("")
        self.start.setEnabled(False)
        self.board.hide()
        self.mine.hide()

    def reset(self) -> None:
        self._clear()
        self._shown_details = None

    def draw(self, flow: Any) -> None:
        v = flow.visit
        self._loading = flow.busy == "loading"
        self.room, self.payment = v.room, v.payment
        (self.pay_room if v.payment == "room" else self.pay_venue).setChecked(True)
        if v.details is not self._shown_details:
            self._clear()
            self._shown_details = v.details
            self.details = v.details
            self.room, self.payment = v.room, v.payment
            if v.details is not None:
                self.loaded_at = time.monotonic()
        if v.charger_error:
            self.title.setText(_("This charger cannot be shown"))
            self.reason.setText(_(RESOLVE.get(v.charger_error, RESOLVE["offline"])))
            self.board.show()
            self.start.setEnabled(False)
            return
        self.retranslate()
        exits = flow.exits()
        self.start.setEnabled(Action.START in exits)
        self.mine.setVisible(Action.MY_SESSION in exits)

    # -- texts -----------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.back.setText(_("Back"))
        self.board.setText(_("Choose another charger"))
        self.mine.setText(_("This is my car: see or stop it"))
        self.start.setText(_("Start charging"))
        self.tariff_title.setText(_("What it costs"))
        self.pay_title.setText(_("Who pays"))
        self.pay_venue.setText(_("The venue"))
        self.pay_room.setText(_("My room number"))
        self.pay_room.setVisible(bool(getattr(self.ctx.settings, "room_payment", False)))
        self._fit_pay_row()
        self.plug.setText(_("First plug the cable into your car, then tap Start charging."))
        d = self.details
        if d is None:
            if self._loading:
                self.title.setText(_("Loading the charger…"))
            return
        if d.tariff_json:
            self.ctx.venue.retranslate_tariff(d, current_language())
        self.title.setText(evse_title(self.ctx.venue, d.evse.uid, d.name))
        self.status.setText(status_text(d.status))
        self.status_icon.set_icon(icons.STATUS_ICONS.get(str(d.status), "help-circle-outline"),
                                  "ok" if d.unusable is None else "error")
        self.status_icon.setAccessibleName(status_text(d.status))
        if d.unusable is not None and str(d.unusable) == "PRICE_UNKNOWN":
            self.reason.setText(billing_texts.offer_list(d.guest_offer))
            self.board.show()
        elif d.unusable is not None:
            self.reason.setText(_(UNUSABLE[str(d.unusable)]) + " " + _("Please choose another charger."))
            self.board.show()
        else:
            self.reason.setText("")
            self.board.hide()
        self.start.setEnabled(d.unusable is None and (self.payment == "venue" or bool(self.room)))
        # connectors
        while self.conn_layout.count():
            it = self.conn_layout.takeAt(0)
            if it.widget():
                it.widget().deleteLater()
        side = round((self.metrics.body if self.metrics else 20) * 2)
        for row, c in enumerate(d.evse.connectors or []):
            std = str(getattr(getattr(c, "standard", None), "value", getattr(c, "standard", None)) or "")
            icon = Icon(icons.CONNECTOR_ICONS.get(std, "ev-station"), side)
            icon.setAccessibleName(standard_name(c.standard))
            fmt = str(getattr(c.format, "value", c.format) or "")
            fmt_text = _("cable attached") if fmt == "CABLE" else _("bring your own cable") if fmt == "SOCKET" else ""
            power = c.power_in_kw or c.kw
            pt = str(getattr(c.power_type, "value", c.power_type) or "")
            kind = "DC" if pt.startswith("DC") else "AC" if pt else ""
            parts = [standard_name(c.standard), fmt_text, kind, _("{kw} kW", kw=number(power, 0)) if power else ""]
            lab = label(" · ".join(x for x in parts if x), "body")
            self.conn_layout.addWidget(icon, row, 0)
            self.conn_layout.addWidget(lab, row, 1)
        where = []
        if d.evse.floor_level:
            where.append(_("Floor {floor}", floor=d.evse.floor_level))
        directions = _text_of(getattr(d.evse, "directions", None)) or _text_of(getattr(d.location, "directions", None))
        if directions:
            where.append(directions)
        self.where.setText("\n".join(where))
        op = getattr(d.location, "operator", None)
        b = d.branding
        contact = []
        if op is not None and getattr(op, "name", None):
            contact.append(_("Operator: {name}", name=op.name))
        phone = getattr(b, "support_phone", None) or getattr(op, "phone_number", None)
        if phone:
            contact.append(_("Help: {phone}", phone=phone))
        self.operator.setText("\n".join(contact))
        self.help_icon.setVisible(bool(contact))
        self.where_icon.setVisible(bool(where))
        self.where_icon.setAccessibleName(_("Where"))
        self.help_icon.setAccessibleName(_("Help"))
        public = getattr(d, "price_source", None) == "public"
        self.tariff_title.setText(_("The charger's public price") if public else _("What it costs"))
        if getattr(d, "guest_offer", None) is not None:   # hotel billing: the guest's own price
            self.tariff_title.setText(billing_texts.offer_title(d.guest_offer))
        self._set_price_rows(self._price_rows(d))
        self.tariff.setText(self._no_price_text(d))
        self.example.setText(self._example_text(d))
        self.vat.setText(self._vat_text(d))
        self.room_text.setText(self._payer_text(d))
        describe(self.pay_venue, self.pay_venue.text(), _("The venue pays the operator for this charging."))
        describe(self.pay_room, self.pay_room.text(), _("The costs go on your room bill."))

    # -- texts of the price and the payer (hotel billing's offer, when on, replaces them) -----
    def _price_rows(self, d: Any) -> list[tuple[str, str]]:
        """The prices as a short list: (icon, text) per price, conditions included."""
        offer = getattr(d, "guest_offer", None)
        if offer is not None:
            return [] if offer.unknown else [(DIMENSION_ICONS.get(dim, "cash"), text)
                                             for dim, text in offer.rows(current_language())]
        return price_rows(d.tariff_json, current_language()) if d.tariff_text else []

    def _example_text(self, d: Any) -> str:
        offer = getattr(d, "guest_offer", None)
        if offer is not None:
            return billing_texts.offer_example(offer)
        if not d.tariff_text or not d.example_text:
            return ""
        return _("Example: {text}", text=d.example_text)

    def _vat_text(self, d: Any) -> str:
        public = getattr(d, "price_source", None) == "public"
        offer = getattr(d, "guest_offer", None)
        if offer is not None:
            vat = billing_texts.offer_vat(offer)
            # the operator prices its default token, not the venue's card: say so
            return vat + " " + _("The venue's own price may differ.") if public and offer.policy.depends_on_operator \
                else vat
        if not d.tariff_text:
            return ""
        # describe() states prices including VAT; say which rate, and that it is an example.
        vat = (_("Prices include VAT.") if d.vat_percent is None else
               _("Prices include {vat}% VAT.", vat=number(d.vat_percent, 0)))
        return vat + " " + _("The venue's own price may differ.") if public else vat

    def _no_price_text(self, d: Any) -> str:
        offer = getattr(d, "guest_offer", None)
        if offer is not None:
            return billing_texts.offer_list(offer) if offer.unknown else ""
        if d.tariff_text:
            return ""
        # no price is known (a venue card the service does not price, no public price):
        # said plainly before Start
        return _("The price is not known before charging. The venue settles the cost; "
                 "ask the front desk if you want to know it first.")

    def _payer_text(self, d: Any = None) -> str:
        """What the guest pays, and how."""
        offer = getattr(d, "guest_offer", None)
        if offer is not None:
            return billing_texts.payer_line(offer, self.payment, self.room)
        if self.payment == "room" and self.room:
            return _("You pay the charging costs with your room bill: room {room}.", room=self.room)
        if self.payment == "venue":
            return _("You pay nothing at this kiosk: the venue pays the charging costs and settles them with "
                     "you as agreed.")
        return ""

    def price_text(self) -> str:
        """Every price shown, as one text (the rows, or why no price is known)."""
        rows = [t.text() for _i, t in self.price_rows if not t.isHidden()]
        return " ".join(rows + [self.tariff.text()]).strip()

    def _set_price_rows(self, rows: list[tuple[str, str]]) -> None:
        while len(self.price_rows) < len(rows):
            icon, text = Icon("", 28, "primary"), label("", "body")
            text.setObjectName(f"price_row_{len(self.price_rows)}")
            self.price_grid.addWidget(icon, len(self.price_rows), 0, Qt.AlignmentFlag.AlignTop)
            self.price_grid.addWidget(text, len(self.price_rows), 1)
            self.price_rows.append((icon, text))
        side = round((self.metrics.body if self.metrics else 20) * 1.2)
        names = {"lightning-bolt": _("Energy"), "clock-outline": _("Time"), "ticket-outline": _("Per session"),
                 "parking": _("Parking"), "cash": _("Price")}
        for i, (icon, text) in enumerate(self.price_rows):
            shown = i < len(rows)
            icon.setVisible(shown)
            text.setVisible(shown)
            if shown:
                icon.set_side(side)
                icon.set_icon(rows[i][0])
                icon.setAccessibleName(names.get(rows[i][0], _("Price")))
                text.setText(rows[i][1])

    # -- actions ---------------------------------------------------------------------------
    def _pay(self, how: str) -> None:
        if how == "room":
            self.ctx.flow.pay_room()
        else:
            self.ctx.flow.pay_venue()


class RoomScreen(KeypadScreen):
    """Room / folio number on the built-in keypad; goes back to the charger with it."""

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("room")
        self.title = label("", "title")
        self.hint = label("", "body")
        self.keypad = Keypad(max_len=8, letters=True)
        self.keypad.setObjectName("room_keypad")
        self.keypad.submitted.connect(lambda v: self.ctx.spawn(self.ctx.flow.enter_room(v)))
        self.cancel = TouchButton("", "secondary")
        self.cancel.setObjectName("room_back")
        self.cancel.clicked.connect(lambda: self.ctx.flow.back())
        self.error = label("", "error")
        self.error.setObjectName("room_error")
        keypad_screen(self, [self.title, self.hint, self.error], self.keypad, self.cancel)
        self._checking = False
        self._notice: Any = None

    def _clear(self) -> None:
        super()._clear()
        self._checking, self._notice = False, None
        self.retranslate()

    def draw(self, flow: Any) -> None:
        """The room is checked when typed: "Checking…" meanwhile, and a refusal says why
        (not on the list, the initial missing, the list unreachable) with what to do."""
        self._checking = flow.busy == "checking"
        self._notice = flow.visit.notice
        self.keypad.ok_btn.setEnabled(bool(self.keypad.value()) and not self._checking)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Your room number"))
        self.hint.setText(_("Checking your room number…") if self._checking
                          else _("The charging costs go on your room bill."))
        n = self._notice
        if n is None:
            self.error.setText("")
        elif n.key == "room_check_failed":
            self.error.setText(_("Your room number cannot be checked right now. Try again in a moment, "
                                 "choose the venue as payer, or ask the front desk."))
        else:
            self.error.setText(n.text())
        self.cancel.setText(_("Back"))
        self.keypad.retranslate()

