"""Billing: the guest price policy (applied at once, persisted, audited), the postings to
the guests' bills (delivered / waiting / failed; resend; a correction, which reverses a
posting and may post a new amount, never an edit) and the desk's flags (a guest who checked
out while charging, a room accepted without a check, a price to post by hand)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget
from qasync import asyncSlot

from kiosk.i18n import N_, Translator

from .common import MessageLine, TouchButton, alive, combo, fill_row, line_edit, money, selected_key, table

_ = Translator("attendant")

MODES = ("free", "operator", "margin_percent", "margin_per_kwh", "own")
FIELDS = ("margin", "vat_percent", "per_kwh", "per_hour", "per_session", "parking_per_hour", "parking_after_min")
FLAG_TEXT = {"checked_out_charging": N_("Checked out while charging"), "room_unverified": N_("Room not checked"),
             "price_unknown": N_("Price to post by hand")}


class BillingScreen(QWidget):
    def __init__(self, billing: Any, runtime: Any, attendant: Callable[[], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attendant-billing")
        self.billing = billing
        self.runtime = runtime
        self.attendant = attendant
        self.actor = "attendant"
        self.rows: list[Any] = []
        self.title = QLabel()
        self.mode = combo("price-mode")
        self.edits = {f: line_edit(f"price-{f}") for f in FIELDS}
        self.form = QFormLayout()
        self.form.addRow(QLabel(), self.mode)
        for f in FIELDS:
            self.form.addRow(QLabel(), self.edits[f])
        self.save_btn = TouchButton(name="price-save")
        self.counts = QLabel()
        self.counts.setObjectName("posting-counts")
        self.table = table("postings-table", 7)
        self.resend_btn = TouchButton(name="posting-resend")
        self.reason = line_edit("correction-reason")
        self.amount = line_edit("correction-amount")
        self.correct_btn = TouchButton(name="posting-correct")
        self.flags = QLabel()
        self.flags.setObjectName("billing-flags")
        self.flags.setWordWrap(True)
        self.message = MessageLine()
        actions = QHBoxLayout()
        for w in (self.resend_btn, self.reason, self.amount, self.correct_btn):
            actions.addWidget(w)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addLayout(self.form)
        lay.addWidget(self.save_btn)
        lay.addWidget(self.counts)
        lay.addWidget(self.table, 1)
        lay.addLayout(actions)
        lay.addWidget(self.flags)
        lay.addWidget(self.message)
        self.save_btn.clicked.connect(self.on_save)
        self.resend_btn.clicked.connect(self.on_resend)
        self.correct_btn.clicked.connect(self.on_correct)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Hotel billing") if self.billing is not None else _("Hotel billing is not set up."))
        names = {"free": _("Free for guests"), "operator": _("The operator's price"),
                 "margin_percent": _("Operator's price plus a percentage"),
                 "margin_per_kwh": _("Operator's price plus an amount per kWh"), "own": _("The venue's own price")}
        current = self.mode.currentData()
        self.mode.clear()
        for m in MODES:
            self.mode.addItem(names[m], m)
        if current:
            self.mode.setCurrentIndex(MODES.index(current))
        labels = {"margin": _("Margin (percent, or per kWh excl. VAT)"), "vat_percent": _("VAT percent"),
                  "per_kwh": _("Own price per kWh excl. VAT"), "per_hour": _("Own price per hour excl. VAT"),
                  "per_session": _("Own price per session excl. VAT"),
                  "parking_per_hour": _("Own parking price per hour excl. VAT"),
                  "parking_after_min": _("Parking charged from minute")}
        self.form.labelForField(self.mode).setText(_("Guest price"))
        for f in FIELDS:
            self.form.labelForField(self.edits[f]).setText(labels[f])
        self.save_btn.setText(_("Save price"))
        self.resend_btn.setText(_("Send again"))
        self.reason.setPlaceholderText(_("Reason for the correction"))
        self.amount.setPlaceholderText(_("New amount incl. VAT (empty: only reverse)"))
        self.correct_btn.setText(_("Post a correction"))
        self.table.setHorizontalHeaderLabels([_("When"), _("Room"), _("Receipt"), _("Guest pays"),
                                              _("Operator cost"), _("Difference"), _("Status")])

    @asyncSlot()
    async def refresh(self) -> None:
        if self.billing is None or self.attendant() is None:
            return
        policy = self.billing.pricing.policy()
        self.mode.setCurrentIndex(MODES.index(policy.mode))
        for f in FIELDS:
            self.edits[f].setText(str(getattr(policy, f)))
        try:
            counts = await self.billing.desk.counts()
            self.rows = await self.billing.desk.postings(self.attendant())
            flags = await self.billing.desk.flags(self.attendant())
        except Exception as exc:  # noqa: BLE001
            self.message.error(_("The postings could not be read: {error}", error=type(exc).__name__))
            return
        if not alive(self):
            return
        self.counts.setText(_("Delivered: {delivered} · waiting: {waiting} · failed: {failed}", **counts))
        status = {"delivered": _("delivered"), "waiting": _("waiting"), "failed": _("failed")}
        self.table.setRowCount(len(self.rows))
        for i, p in enumerate(self.rows):
            kind = {"reversal": _("reversal"), "correction": _("correction")}.get(p.kind, "")
            fill_row(self.table, i, [p.created_at.astimezone().strftime("%Y-%m-%d %H:%M"), p.room or "",
                                     " ".join(x for x in (p.receipt_number or "", kind) if x),
                                     money(p.guest_incl_vat, p.currency), money(p.operator_incl_vat, p.currency),
                                     money(p.difference, p.currency),
                                     status.get(p.status, p.status) + (f" ({p.last_error})" if p.last_error
                                                                       and p.status != "delivered" else "")],
                     key=p.id)
        self.flags.setText("\n".join(f"{_(FLAG_TEXT.get(f['kind'], f['kind']))}: {f['room'] or ''} {f['detail'] or ''}"
                                     for f in flags))

    @asyncSlot()
    async def on_save(self) -> None:
        from kiosk.services.runtime import RuntimeSettingError

        data: dict[str, Any] = {"mode": self.mode.currentData()}
        for f in FIELDS:
            data[f] = self.edits[f].text().strip().replace(",", ".") or "0"
        base = self.billing.pricing.policy().to_dict() if self.billing is not None else {}
        try:
            self.runtime.update(guest_price=dict(base, **data))
        except RuntimeSettingError as exc:
            self.message.error(str(exc))
            return
        att = self.attendant()
        if att is not None and self.billing is not None:
            self.billing.sessions.audit(att.name, "billing.price_policy", None, f"mode {data['mode']}")
        self.message.info(_("The new price applies to the next guests."))

    @asyncSlot()
    async def on_resend(self) -> None:
        pid = selected_key(self.table)
        if pid is None or self.billing is None:
            self.message.error(_("Choose a posting first."))
            return
        await self.billing.desk.resend(self.attendant(), pid)
        self.message.info(_("The posting is sent again."))
        await self.refresh()

    @asyncSlot()
    async def on_correct(self) -> None:
        from kiosk.services.billing import DeskBillingError

        pid = selected_key(self.table)
        if pid is None or self.billing is None:
            self.message.error(_("Choose a posting first."))
            return
        text = self.amount.text().strip().replace(",", ".")
        try:
            amount = Decimal(text) if text else None
        except InvalidOperation:
            self.message.error(_("Type the new amount as a number, for example 12.50."))
            return
        try:
            await self.billing.desk.correct(self.attendant(), pid, self.reason.text(), amount)
        except DeskBillingError as exc:
            self.message.error(_("The correction was not posted: {reason}", reason=str(exc)))
            return
        self.reason.clear()
        self.amount.clear()
        self.message.info(_("The correction is posted to the guest's bill."))
        await self.refresh()
