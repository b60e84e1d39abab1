"""Settings staff may change without a restart: idle timeout, default language, venue
payment method, high-contrast default. Saved to the runtime settings file; listeners (the
shell) apply them at once. Below them, "Change PIN" opens the PIN change
(:class:`~kiosk.ui.attendant.pin_change.PinChangePanel`) in place of the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from kiosk.i18n import LANGUAGE_NAMES, LANGUAGES, Translator
from kiosk.services.attendant import RuntimeSettingError, RuntimeSettings, WalletError

from .common import TOUCH, MessageLine, TouchButton, combo, spin
from .pin_change import PinChangePanel

_ = Translator("attendant")


class SettingsScreen(QWidget):
    def __init__(self, runtime: RuntimeSettings, wallet: Any = None, audit: Any = None,
                 actor: str = "attendant", pin_change: Callable[[], Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attendant-settings")
        self.runtime = runtime
        self.wallet = wallet
        self.audit = audit
        self.actor = actor
        self.title = QLabel()
        self.title.setObjectName("title")
        self.idle = spin("idle-timeout", 15, 3600)
        self.idle.setSingleStep(15)
        self.language = combo("default-language")
        for code in LANGUAGES:
            self.language.addItem(LANGUAGE_NAMES[code], code)
        self.payment = combo("payment-method")
        self.parking = spin("parking-alert", 1, 1440)
        self.parking.setSingleStep(5)
        self.contrast = QCheckBox()
        self.contrast.setObjectName("high-contrast")
        self.contrast.setMinimumHeight(TOUCH)
        self.save = TouchButton(name="save")
        self.revert = TouchButton(name="revert")
        self.message = MessageLine()
        self.form = QFormLayout()
        self.l_idle, self.l_lang, self.l_pay, self.l_contrast = QLabel(), QLabel(), QLabel(), QLabel()
        self.form.addRow(self.l_idle, self.idle)
        self.form.addRow(self.l_lang, self.language)
        self.form.addRow(self.l_pay, self.payment)
        self.form.addRow(self.l_contrast, self.contrast)
        self.l_parking = QLabel()
        self.form.addRow(self.l_parking, self.parking)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save)
        buttons.addWidget(self.revert)
        buttons.addStretch(1)
        # security: the attendant PIN (changed on its own panel, never saved with the form)
        self.security_title = QLabel()
        self.security_title.setObjectName("subtitle")
        self.l_pin = QLabel()
        self.change_pin = TouchButton(name="change-pin")
        security = QHBoxLayout()
        security.addWidget(self.l_pin)
        security.addWidget(self.change_pin)
        security.addStretch(1)
        self.form_page = QWidget()
        page = QVBoxLayout(self.form_page)
        page.setContentsMargins(0, 0, 0, 0)
        page.addWidget(self.title)
        page.addLayout(self.form)
        page.addLayout(buttons)
        page.addWidget(self.message)
        page.addWidget(self.security_title)
        page.addLayout(security)
        page.addStretch(1)
        self.pin_panel = PinChangePanel(pin_change or (lambda: None))
        # on a 7" 800x480 panel the form is taller than the tab: it scrolls instead of squeezing
        self.form_scroll = QScrollArea()
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.form_scroll.setWidget(self.form_page)
        from kiosk.ui.base import kinetic

        kinetic(self.form_scroll)     # a finger drags the form
        self.pages = QStackedWidget()
        self.pages.addWidget(self.form_scroll)
        self.pages.addWidget(self.pin_panel)
        for w in (self.security_title, self.l_pin, self.change_pin):
            w.setVisible(pin_change is not None)
        lay = QVBoxLayout(self)
        lay.addWidget(self.pages)
        self.change_pin.clicked.connect(self.open_pin_change)
        self.pin_panel.closed.connect(self.close_pin_change)
        self.save.clicked.connect(self.on_save)
        self.revert.clicked.connect(self.on_revert)
        self._unsub = runtime.subscribe(lambda _changed: self.show_values())
        self.destroyed.connect(lambda *_a, u=self._unsub: u())
        self.retranslate()
        self.show_values()

    def retranslate(self) -> None:
        self.title.setText(_("Settings staff may change"))
        self.l_idle.setText(_("Return to start after (seconds without touch)"))
        self.l_lang.setText(_("Language for each new guest"))
        self.l_pay.setText(_("Venue payment method"))
        self.l_contrast.setText(_("High contrast by default"))
        self.l_parking.setText(_("Desk alert after parking for (minutes)"))
        self.save.setText(_("Save"))
        self.revert.setText(_("Back to configuration file"))
        self.security_title.setText(_("Security"))
        self.l_pin.setText(_("Attendant PIN"))
        self.change_pin.setText(_("Change PIN"))
        if self.payment.count() and self.payment.itemData(0) is None:
            self.payment.setItemText(0, _("As in the configuration file"))
        for field, lab in ((self.idle, self.l_idle), (self.language, self.l_lang), (self.payment, self.l_pay),
                           (self.contrast, self.l_contrast), (self.parking, self.l_parking)):
            field.setAccessibleName(lab.text())
            lab.setBuddy(field)
        self.pin_panel.retranslate()

    # -- PIN change --------------------------------------------------------------------
    def open_pin_change(self) -> None:
        if self.pin_panel.start():
            self.pages.setCurrentWidget(self.pin_panel)
        else:
            self.message.error(_("Enter the attendant PIN first."))

    def close_pin_change(self) -> None:
        """Back to the form; whatever was typed is forgotten (tab change, logout)."""
        self.pin_panel.reset()
        self.pages.setCurrentWidget(self.form_scroll)

    def show_values(self) -> None:
        v = self.runtime.as_dict()
        self.idle.setValue(int(v["idle_timeout_s"]))
        self.language.setCurrentIndex(max(0, self.language.findData(v["default_language"])))
        self.contrast.setChecked(bool(v["high_contrast"]))
        self.parking.setValue(int(v.get("desk_parking_alert_min") or 45))
        self._select_payment(v["payment_method_id"])

    def _select_payment(self, pm_id: str | None) -> None:
        idx = self.payment.findData(pm_id)
        if idx < 0 and pm_id:
            self.payment.addItem(pm_id, pm_id)
            idx = self.payment.findData(pm_id)
        self.payment.setCurrentIndex(max(0, idx))

    @asyncSlot()
    async def refresh(self) -> None:
        """Load the wallet's payment methods into the choice."""
        self.payment.clear()
        self.payment.addItem(_("As in the configuration file"), None)
        if self.wallet is not None:
            try:
                for e in await self.wallet.entries():
                    self.payment.addItem(f"{e.label} – {e.status_text}", e.id)
            except WalletError as exc:
                self.message.error(str(exc))
        self._select_payment(self.runtime.payment_method_id)

    @asyncSlot()
    async def on_save(self) -> None:
        changes = {
            "idle_timeout_s": self.idle.value(),
            "default_language": self.language.currentData(),
            "payment_method_id": self.payment.currentData(),
            "high_contrast": self.contrast.isChecked(),
            "desk_parking_alert_min": self.parking.value(),
        }
        try:
            changed = self.runtime.update(**changes)
        except RuntimeSettingError as exc:
            self.message.error(str(exc))
            return
        except OSError:
            self.message.error(_("The settings could not be saved (disk full or read-only?). Check the data folder."))
            return
        if not changed:
            self.message.info(_("Nothing changed."))
            return
        if self.audit is not None:
            detail = ", ".join(f"{k}={v}" for k, v in sorted(changed.items()))
            await _maybe_await(self.audit(actor=self.actor, action="settings.change", session_id=None, detail=detail))
        self.message.info(_("Saved. The new settings apply from now on."))

    @asyncSlot()
    async def on_revert(self) -> None:
        changed = self.runtime.reset()
        if changed and self.audit is not None:
            await _maybe_await(self.audit(actor=self.actor, action="settings.reset", session_id=None,
                                          detail=", ".join(sorted(changed))))
        self.message.info(_("The settings of the configuration file apply again."))


async def _maybe_await(v: Any) -> Any:
    import inspect

    if inspect.isawaitable(v):
        return await v
    return v
