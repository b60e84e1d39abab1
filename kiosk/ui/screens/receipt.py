"""The receipt: energy, duration, the total with its VAT once the service reported the
final costs (CDR_AVAILABLE), the estimate until then (saying what it waits for), and a QR
code with the receipt as text to take away. It draws the guest flow."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QGridLayout, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from kiosk.i18n import Translator, current_language
from kiosk.ui import billing_texts
from kiosk.ui.base import Screen, TouchButton, describe, kinetic, label
from kiosk.ui.screens.live import card
from kiosk.ui.texts import date_time, duration, evse_title, kwh, money, number
from kiosk.ui.widgets.brand import BrandMark

_ = Translator("ui")

ROWS = ("number", "venue", "charger", "start", "energy", "duration", "total", "vat")


def receipt_qr_text(rows: list[tuple[str, str]], ref: str | None) -> str:
    """The receipt QR's text (the kiosk's own form, so its camera knows it for a receipt)."""
    try:
        from kiosk.core.owncodes import receipt_qr
    except ImportError:   # pragma: no cover - before the own-codes module existed
        return "\n".join([_("Charging receipt")] + [f"{n}: {v}" for n, v in rows])
    return receipt_qr(rows, ref=ref, lang=current_language())


class ReceiptScreen(Screen):
    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("receipt")
        self.receipt: Any = None
        self._notice: Any = None
        self.title = label("", "title")
        self.title.setObjectName("receipt_title")
        # the venue's mark and name head the receipt
        self.logo = BrandMark(48)
        self.logo.setObjectName("receipt_logo")
        logo_file = getattr(ctx.settings, "venue_logo", None)
        self.logo.set_logo(str(logo_file) if logo_file else None)
        self.venue = label("", "subtitle")
        self.venue.setObjectName("receipt_venue")
        brand = QHBoxLayout()
        brand.addWidget(self.logo)
        brand.addWidget(self.venue, 1)
        self.note = label("", "body")
        self.note.setObjectName("receipt_note")
        box_card, cl = card()
        grid = QGridLayout()
        self.rows: dict[str, tuple[Any, Any]] = {}
        for i, name in enumerate(ROWS):
            cap = label("", "small")
            val = label("", "subtitle", wrap=False)
            val.setObjectName(f"receipt_{name}")
            grid.addWidget(cap, i, 0)
            grid.addWidget(val, i, 1)
            self.rows[name] = (cap, val)
        cl.addLayout(grid)
        from kiosk.ui.widgets.qr import QrView

        self.qr = QrView("", 240)
        self.qr.setObjectName("receipt_qr")
        self.qr_hint = label("", "small", center=True)
        right = QVBoxLayout()
        right.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        right.addWidget(self.qr_hint)
        right.addStretch(1)
        # the receipt scrolls when it does not fit (800x480, long venue names)
        mid_box = QWidget()
        self.mid = mid = QBoxLayout(QBoxLayout.Direction.LeftToRight, mid_box)
        mid.setContentsMargins(0, 0, 0, 0)
        mid.addWidget(box_card, 3)
        mid.addLayout(right, 2)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("receipt_scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(mid_box)
        kinetic(self.scroll)
        self.done = TouchButton("", "primary", icon="check")
        self.done.setObjectName("receipt_done")
        self.done.clicked.connect(lambda: self.ctx.flow.done())
        box = QVBoxLayout(self)
        self.adaptive(box.setContentsMargins, (24, 16, 24, 16), (12, 6, 12, 6))
        box.addLayout(brand)
        box.addWidget(self.title)
        box.addWidget(self.note)
        box.addWidget(self.scroll, 1)
        box.addWidget(self.done)

    def layout_changed(self, m: Any) -> None:
        self.mid.setDirection(QBoxLayout.Direction.TopToBottom if m.portrait else QBoxLayout.Direction.LeftToRight)
        self.qr.set_side(round(m.body * (12 if m.portrait else 6 if m.compact else 9)))
        self.logo.set_side(round(m.title * 1.6))

    def theme_changed(self, pal: Any) -> None:
        self.logo.set_brand(self._venue_name(), pal.primary, pal.on_primary, pal.border)

    def _venue_name(self) -> str:
        return self.ctx.venue.display_name() or self.ctx.settings.venue_name or ""

    def reset(self) -> None:
        self.receipt = None
        self._notice = None
        self.qr.set_data("")
        for _cap, val in self.rows.values():
            val.setText("")

    def draw(self, flow: Any) -> None:
        self.receipt = flow.visit.receipt
        self._notice = flow.visit.notice
        self.retranslate()

    def _bay_name(self, r: Any) -> str:
        """The charger and where it is (two car parks may both have a "Bay 1")."""
        return evse_title(self.ctx.venue, r.evse_uid, r.evse_uid, sep=", ")

    def _values(self, r: Any) -> dict[str, str]:
        dur = (r.ended_at - r.started_at).total_seconds() if r.started_at and r.ended_at else None
        pct = f" ({number(r.vat_percentage, 0)}%)" if r.vat_percentage is not None else ""
        if r.total_incl_vat is not None:
            total = money(r.total_incl_vat, r.currency)
        elif r.estimate_incl_vat is not None:
            total = _("about {amount}", amount=money(r.estimate_incl_vat, r.currency))
        else:
            total = "–"
        vat = money(r.total_vat, r.currency) + pct if r.total_vat is not None else "–"
        # hotel billing: what the guest pays (the operator's cost stays the venue's), the
        # kiosk's own receipt number with the service's beside it
        total = billing_texts.receipt_total(r) or total
        vat = billing_texts.receipt_vat(r) or vat
        return {"number": billing_texts.receipt_number(getattr(r, "kiosk_receipt_number", None), r.receipt_number),
                "venue": self.ctx.venue.display_name() or self.ctx.settings.venue_name or "–",
                "charger": self._bay_name(r), "start": date_time(r.started_at, self._tz()), "energy": kwh(r.energy_kwh),
                "duration": duration(dur), "total": total, "vat": vat}

    def _tz(self) -> Any:
        """The venue's time zone (the session service's), for the receipt and its QR text."""
        from zoneinfo import ZoneInfo

        return ZoneInfo(getattr(self.ctx.sessions, "tz", None) or "Europe/Amsterdam")

    def retranslate(self) -> None:
        self.done.setText(_("Done"))
        self.qr_hint.setText(_("Scan to take this receipt with you."))
        describe(self.qr, _("QR code with this receipt as text"), _("Scan to take this receipt with you."))
        self.venue.setText(self._venue_name())
        describe(self.logo, _("Logo of {venue}", venue=self._venue_name() or _("EV charging")))
        caps = {"number": _("Receipt number"), "venue": _("Venue"), "charger": _("Charger"), "start": _("Start"),
                "energy": _("Energy"), "duration": _("Duration"), "total": _("Total"), "vat": _("VAT")}
        for k, (cap, _v) in self.rows.items():
            cap.setText(caps[k])
        r = self.receipt
        if r is None:
            self.title.setText(_("Your receipt"))
            self.note.setText(_("The receipt is being prepared…"))
            return
        self.title.setText(_("Charging finished. You can unplug the cable."))
        if r.final:
            self.note.setText("")
        elif self._notice is not None and self._notice.key == "receipt_later":
            self.note.setText(_("The final costs are not in yet. Tap \u201cMy session\u201d later and enter your "
                                "code to see them."))
        else:
            self.note.setText(_("Waiting for the final costs from the charging service (usually within a "
                                "minute). Until then the total is an estimate."))
        vals = self._values(r)
        number = r.kiosk_receipt_number or r.receipt_number
        self.rows["number"][0].setVisible(bool(number))
        self.rows["number"][1].setVisible(bool(number))
        for k, (_cap, val) in self.rows.items():
            val.setText(vals[k])
        extra = billing_texts.receipt_note(r)
        if extra:
            self.note.setText(extra if r.guest_basis == "estimate" else (self.note.text() + " " + extra).strip())
        if r.receipt_url:     # the venue's page for this receipt (an unguessable token)
            self.qr.set_data(r.receipt_url)
            self.qr_hint.setText(billing_texts.receipt_qr_hint(True))
            return
        rows = [(caps[k], vals[k]) for k in ROWS if k != "number" or number]
        self.qr.set_data(receipt_qr_text(rows, number or (r.charge_session_id or "")[:12]))
