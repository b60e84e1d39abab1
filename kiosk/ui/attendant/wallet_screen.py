"""The venue wallet: payment methods with their verification status, add a charge card by
its visual number (shown masked afterwards), add or remove external references, choose
the venue default (used by the next start)."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget
from qasync import asyncSlot

from kiosk.i18n import Translator
from kiosk.services.attendant import WalletEntry, WalletError, WalletService

from .common import MessageLine, TouchButton, fill_row, line_edit, select_key, selected_key, table

_ = Translator("attendant")


class WalletScreen(QWidget):
    def __init__(self, wallet: WalletService, actor: str = "attendant", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attendant-wallet")
        self.wallet = wallet
        self.actor = actor
        self.entries: list[WalletEntry] = []
        self.title = QLabel()
        self.table = table("wallet-table", 4)
        self.refresh_btn = TouchButton(name="refresh")
        self.default_btn = TouchButton(name="set-default")
        self.remove_btn = TouchButton(name="remove")
        self.card_number = line_edit("card-number")
        self.add_card_btn = TouchButton(name="add-card")
        self.ext_ref = line_edit("external-reference")
        self.ext_name = line_edit("external-name")
        self.add_ext_btn = TouchButton(name="add-external")
        self.message = MessageLine()
        actions = QHBoxLayout()
        for b in (self.refresh_btn, self.default_btn, self.remove_btn):
            actions.addWidget(b)
        actions.addStretch(1)
        add = QGridLayout()
        self.l_card, self.l_ext = QLabel(), QLabel()
        add.addWidget(self.l_card, 0, 0)
        add.addWidget(self.card_number, 0, 1, 1, 2)
        add.addWidget(self.add_card_btn, 0, 3)
        add.addWidget(self.l_ext, 1, 0)
        add.addWidget(self.ext_ref, 1, 1)
        add.addWidget(self.ext_name, 1, 2)
        add.addWidget(self.add_ext_btn, 1, 3)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.table, 1)
        lay.addLayout(actions)
        lay.addLayout(add)
        lay.addWidget(self.message)
        self.refresh_btn.clicked.connect(self.refresh)
        self.default_btn.clicked.connect(self.on_set_default)
        self.remove_btn.clicked.connect(self.on_remove)
        self.add_card_btn.clicked.connect(self.on_add_card)
        self.add_ext_btn.clicked.connect(self.on_add_external)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Venue wallet"))
        self.table.setHorizontalHeaderLabels([_("Payment method"), _("Kind"), _("Status"), _("Venue default")])
        self.refresh_btn.setText(_("Refresh"))
        self.default_btn.setText(_("Use for new sessions"))
        self.remove_btn.setText(_("Remove"))
        self.l_card.setText(_("Charge card"))
        self.card_number.setPlaceholderText(_("Number printed on the card"))
        self.add_card_btn.setText(_("Add card"))
        self.l_ext.setText(_("External reference"))
        self.ext_ref.setPlaceholderText(_("Reference (e.g. folio)"))
        self.ext_name.setPlaceholderText(_("Name shown (optional)"))
        self.add_ext_btn.setText(_("Add reference"))
        self.table.setAccessibleName(_("Venue wallet"))
        self.card_number.setAccessibleName(_("Number printed on the card"))
        self.ext_ref.setAccessibleName(_("Reference (e.g. folio)"))
        self.ext_name.setAccessibleName(_("Name shown (optional)"))

    def _show(self, entries: list[WalletEntry]) -> None:
        keep = selected_key(self.table)
        self.entries = entries
        self.table.setRowCount(len(entries))
        kinds = {"card": _("Charge card"), "external": _("External reference")}
        for i, e in enumerate(entries):
            fill_row(self.table, i, [e.label, kinds.get(e.kind, e.kind), e.status_text,
                                     _("Yes") if e.is_default else ""], key=e.id)
        if keep:
            select_key(self.table, keep)

    @asyncSlot()
    async def refresh(self) -> None:
        try:
            self._show(await self.wallet.entries())
        except WalletError as exc:
            self.message.error(str(exc))

    @asyncSlot()
    async def on_add_card(self) -> None:
        number = self.card_number.text()
        try:
            entry = await self.wallet.add_card(number, actor=self.actor)
        except WalletError as exc:
            self.message.error(str(exc))
            return
        self.card_number.clear()   # the full number leaves the screen at once
        if entry.verification == "PENDING":
            self.message.info(_("{card} added. The operator is still verifying it; it can be used once verified.",
                                card=entry.label))
        else:
            self.message.info(_("{card} added.", card=entry.label))
        await self._reload()

    @asyncSlot()
    async def on_add_external(self) -> None:
        try:
            entry = await self.wallet.add_external(self.ext_ref.text(), self.ext_name.text() or None,
                                                   actor=self.actor)
        except WalletError as exc:
            self.message.error(str(exc))
            return
        self.ext_ref.clear()
        self.ext_name.clear()
        self.message.info(_("{ref} added.", ref=entry.label))
        await self._reload()

    @asyncSlot()
    async def on_remove(self) -> None:
        pm_id = selected_key(self.table)
        if not pm_id:
            self.message.error(_("Choose a payment method in the list first."))
            return
        label = next((e.label for e in self.entries if e.id == pm_id), pm_id)
        try:
            await self.wallet.remove(pm_id, actor=self.actor)
        except WalletError as exc:
            self.message.error(str(exc))
            return
        self.message.info(_("{label} removed.", label=label))
        await self._reload()

    @asyncSlot()
    async def on_set_default(self) -> None:
        pm_id = selected_key(self.table)
        if not pm_id:
            self.message.error(_("Choose a payment method in the list first."))
            return
        try:
            await self.wallet.set_default(pm_id, actor=self.actor)
        except WalletError as exc:
            self.message.error(str(exc))
            return
        label = next((e.label for e in self.entries if e.id == pm_id), pm_id)
        self.message.info(_("New sessions are now paid with {label}.", label=label))
        await self._reload()

    async def _reload(self) -> None:
        try:
            self._show(await self.wallet.entries())
        except WalletError as exc:
            self.message.error(str(exc))
