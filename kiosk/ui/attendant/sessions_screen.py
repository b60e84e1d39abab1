"""Sessions board: every session of this kiosk's appToken (journal + service) with bay,
state, kW, kWh, elapsed time, estimated cost, room/plate tag and why a start failed. The
attendant stops any session (with a reason, audited), re-shows a receipt, or issues a new
guest code for a guest who lost theirs (audited; the old code stops working)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget
from qasync import asyncSlot

from kiosk.core.session import state_title
from kiosk.i18n import Translator
from kiosk.services.attendant import DeskError, DeskRow, SessionsDesk
from kiosk.ui.texts import evse_title

from .common import (MessageLine, TouchButton, alive, combo, fill_row, kw, kwh, money, select_key, selected_key,
                     table)

_ = Translator("attendant")

def _reasons() -> list[str]:
    return [_("Guest asked at the desk"), _("Guest lost the code"), _("Car must be moved"), _("Charger fault"),
            _("Session left running")]


def elapsed_text(seconds: int) -> str:
    """The kiosk's one way of writing a duration (kiosk.core.format.duration)."""
    from kiosk.core.format import duration

    return duration(seconds)


class SessionsScreen(QWidget):
    loaded = Signal()

    def __init__(self, desk: SessionsDesk, *, refresh_ms: int = 5000, venue: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attendant-sessions")
        self.desk = desk
        self.venue = venue            # the guest side's venue: bays named as guests read them
        self.rows: list[DeskRow] = []
        self.title = QLabel()
        self.table = table("sessions-table", 9)
        self.refresh_btn = TouchButton(name="refresh")
        self.receipt_btn = TouchButton(name="receipt")
        self.code_btn = TouchButton(name="new-code")
        self.reason = combo("stop-reason")
        self.reason.setEditable(True)
        self.stop_btn = TouchButton(name="stop")
        self.stop_btn.setProperty("role", "danger")
        self.detail = QLabel()
        self.detail.setObjectName("detail")
        self.detail.setWordWrap(True)
        self.code = QLabel()
        self.code.setObjectName("code")
        self.message = MessageLine()
        actions = QGridLayout()
        actions.addWidget(self.refresh_btn, 0, 0)
        actions.addWidget(self.receipt_btn, 0, 1)
        actions.addWidget(self.code_btn, 0, 2)
        actions.addWidget(self.reason, 1, 0, 1, 2)
        actions.addWidget(self.stop_btn, 1, 2)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.table, 1)
        lay.addLayout(actions)
        lay.addWidget(self.detail)
        lay.addWidget(self.code)
        lay.addWidget(self.message)
        self.refresh_btn.clicked.connect(self.refresh)
        self.stop_btn.clicked.connect(self.on_stop)
        self.receipt_btn.clicked.connect(self.on_receipt)
        self.code_btn.clicked.connect(self.on_new_code)
        self.timer = QTimer(self, interval=refresh_ms)
        self.timer.timeout.connect(self.refresh)
        # a new code is on screen only briefly
        self.code_timer = QTimer(self, singleShot=True, interval=60_000)
        self.code_timer.timeout.connect(self._clear_code)
        self._busy = False
        self._again = False
        # what the detail and code lines show, written again in a language switched to
        self._receipt: tuple[DeskRow, Any] | None = None
        self._new_code: tuple[DeskRow, str] | None = None
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Sessions of this kiosk"))
        self.table.setHorizontalHeaderLabels([_("Bay"), _("State"), _("Power"), _("Energy"), _("Time"),
                                              _("Estimated cost"), _("Room/plate"), _("Problem"), _("Source")])
        self.refresh_btn.setText(_("Refresh"))
        self.receipt_btn.setText(_("Show receipt"))
        self.code_btn.setText(_("New guest code"))
        self.stop_btn.setText(_("Stop session"))
        keep = self.reason.currentText()
        known = self.reason.currentIndex() if keep == self.reason.itemText(self.reason.currentIndex()) else -1
        self.reason.clear()
        self.reason.addItems(_reasons())
        if known >= 0:
            self.reason.setCurrentIndex(known)      # a listed reason: in the new language
        elif keep:
            self.reason.setCurrentText(keep)
        self.reason.lineEdit().setPlaceholderText(_("Reason for stopping"))
        self.reason.setAccessibleName(_("Reason for stopping"))
        self.reason.lineEdit().setAccessibleName(_("Reason for stopping"))
        self.table.setAccessibleName(_("Sessions of this kiosk"))
        if self.rows:
            self._fill()
            if self.timer.isActive():   # a row's problem and "Owner unknown" come from the desk service
                if self._busy:
                    self._again = True  # rows asked for before the switch are on their way: ask again after
                else:
                    self.refresh()
        if self._receipt is not None:
            self.detail.setText(self._receipt_text(*self._receipt))
        if self._new_code is not None:
            self.code.setText(self._code_text(*self._new_code))

    # (no showEvent/hideEvent overrides: Qt calls them while a widget is being destroyed,
    # and a Python override running then can crash PySide; the area calls these instead)
    def activate(self) -> None:
        """The tab is shown: refresh now and every few seconds."""
        self.timer.start()
        self.refresh()

    def deactivate(self) -> None:
        """The tab is left (or the attendant logged out): stop refreshing, hide the code."""
        self.timer.stop()
        self.code_timer.stop()
        self._again = False           # (a language switch's second refresh is not needed off the tab)
        self._clear_code()
        self._receipt = None          # the next attendant does not find the last one's receipt
        self.detail.clear()

    def _clear_code(self) -> None:
        self._new_code = None
        self.code.clear()

    def bay(self, row: DeskRow) -> str:
        """The bay as guests read it ("Bay 1 · Hotel front car park"), not the EVSE id."""
        return evse_title(self.venue, row.evse_uid, row.bay, sep=" \u00b7 ")

    def selected(self) -> DeskRow | None:
        key = selected_key(self.table)
        return next((r for r in self.rows if r.id == key), None)

    @asyncSlot()
    async def refresh(self) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            self.rows = await self.desk.rows()
        except Exception as exc:  # noqa: BLE001 - keep the board usable
            if not alive(self):
                return
            self.message.error(_("The sessions could not be loaded ({error}). Try again.", error=type(exc).__name__))
            return
        finally:
            if alive(self):
                self._busy = False
        if not alive(self):
            return
        self._fill()
        if self.desk.api_error:
            self.message.error(self.desk.api_error)
        self.loaded.emit()
        if self._again:
            self._again = False
            self.refresh()

    def _fill(self) -> None:
        keep = selected_key(self.table)
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            est = money(r.estimate_incl_vat, r.currency) if r.estimate_incl_vat is not None else "–"
            if r.estimate_incl_vat is not None and not r.estimate_final:
                est = _("about {amount}", amount=est)
            bay = self.bay(r)
            fill_row(self.table, i, [
                bay, r.state_text, kw(r.power_kw), kwh(r.energy_kwh), elapsed_text(r.elapsed_s), est, r.tag,
                r.failure, r.origin or (_("this kiosk") if r.source == "kiosk" else _("service only")),
            ], key=r.id, tips={0: r.bay} if r.bay != bay else None)   # the EVSE id, for the operator
        if keep:
            select_key(self.table, keep)

    @asyncSlot()
    async def on_stop(self) -> None:
        row = self.selected()
        if row is None:
            self.message.error(_("Choose a session in the list first."))
            return
        if row.is_final:
            self.message.error(_("This session has already ended."))
            return
        reason = self.reason.currentText().strip()
        try:
            state = await self.desk.stop(row, reason)
        except DeskError as exc:
            self.message.error(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - SessionError subclasses carry a translated message
            self.message.error(str(exc) or type(exc).__name__)
            return
        self.message.info(_("Stop sent for {bay} ({state}). The guest can unplug once it has stopped.",
                            bay=self.bay(row), state=state_title(state)))
        self._busy = False
        await self._reload()

    async def _reload(self) -> None:
        try:
            self.rows = await self.desk.rows()
        except Exception:  # noqa: BLE001
            return
        if alive(self):
            self._fill()
        self.loaded.emit()

    def on_receipt(self) -> None:
        row = self.selected()
        if row is None:
            self.message.error(_("Choose a session in the list first."))
            return
        try:
            r = self.desk.receipt(row)
        except Exception as exc:  # noqa: BLE001
            self.message.error(str(exc) or type(exc).__name__)
            return
        self._receipt = (row, r)
        self.detail.setText(self._receipt_text(row, r))
        self.message.info("")

    def _receipt_text(self, row: DeskRow, r: Any) -> str:
        lines = [_("Receipt {number}", number=r.receipt_number or "–"), self.bay(row)]
        if r.started_at:
            lines.append(_("Started {time}", time=r.started_at.astimezone().strftime("%Y-%m-%d %H:%M")))
        if r.ended_at:
            lines.append(_("Ended {time}", time=r.ended_at.astimezone().strftime("%Y-%m-%d %H:%M")))
        lines.append(_("Energy {energy}", energy=kwh(r.energy_kwh)))
        if r.total_incl_vat is not None:
            lines.append(_("Total {total} incl. {vat} VAT", total=money(r.total_incl_vat, r.currency),
                           vat=money(r.total_vat, r.currency)))
        elif r.estimate_incl_vat is not None:
            lines.append(_("Estimated {total} (final costs not known yet)", total=money(r.estimate_incl_vat,
                                                                                       r.currency)))
        if not r.final:
            lines.append(_("Not final yet: show it again later for the final costs."))
        return "\n".join(lines)

    def on_new_code(self) -> None:
        row = self.selected()
        if row is None:
            self.message.error(_("Choose a session in the list first."))
            return
        try:
            code = self.desk.new_code(row)
        except Exception as exc:  # noqa: BLE001
            self.message.error(str(exc) or type(exc).__name__)
            return
        self._new_code = (row, code)
        self.code.setText(self._code_text(row, code))
        self.code_timer.start()
        self.message.info("")

    def _code_text(self, row: DeskRow, code: str) -> str:
        return _("New code for {bay}: {code} (tell the guest; the old code no longer works)", bay=self.bay(row),
                 code=code)
