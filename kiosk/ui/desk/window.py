"""The attendant-operated desktop (``kiosk desk``): one resizable window for mouse and
keyboard. A live, sortable table of the venue's chargers and sessions (problems first)
beside the panel that starts charging for a guest; the staff features of the kiosk's desk
(history, wallet, diagnostics, audit, settings, billing) as tabs of the same window; every
action a QAction in the menus with a shortcut; alerts highlighted, in a banner and rung on
the system bell. Each staff member logs in with their own PIN: the audit says who acted."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import Translator
from kiosk.services.attendant import (
    ChargerChoice,
    DeskAlerts,
    DeskBoard,
    GuestStarts,
    SessionsDesk,
    server_time,
)
from kiosk.ui.texts import evse_title

from .board_table import BoardTable
from .pages import AlertBanner, ConfirmBar, LoginPage
from .start_panel import StartPanel

log = logging.getLogger(__name__)
_ = Translator("desk")

#: (name, text, shortcut): every action of the desk, in menu order
ACTIONS = (
    ("start", "Start charging for a guest", "Ctrl+N"),
    ("find", "Find or scan a charger", "Ctrl+F"),
    ("stop", "Stop charging", "Ctrl+E"),
    ("receipt", "Show receipt", "Ctrl+R"),
    ("print_receipt", "Print receipt", "Ctrl+P"),
    ("receipt_pdf", "Save receipt as PDF", "Ctrl+Shift+E"),
    ("print_code", "Print guest code", "Ctrl+Shift+P"),
    ("ack", "Acknowledge alert", "Ctrl+Shift+A"),
    ("board", "Chargers and sessions", "Ctrl+1"),
    ("history", "History", "Ctrl+2"),
    ("wallet", "Wallet", "Ctrl+3"),
    ("diagnostics", "Diagnostics", "Ctrl+4"),
    ("audit", "Audit log", "Ctrl+5"),
    ("settings", "Settings", "Ctrl+6"),
    ("billing", "Billing", "Ctrl+7"),
    ("refresh", "Refresh", "F5"),
    ("logout", "Log out", "Ctrl+L"),
    ("quit", "Quit", "Ctrl+Q"),
)
MENUS = (("&Session", ("start", "find", "stop", "receipt", "print_receipt", "receipt_pdf", "print_code", "ack")),
         ("&View", ("board", "history", "wallet", "diagnostics", "audit", "settings", "billing", "refresh")),
         ("S&taff", ("logout", "quit")))
REFRESH_MS = 3000


@dataclass
class DeskOptions:
    printer: str | None = None
    paper_width_mm: int = 0
    sound: bool = True
    venue_name: str = ""


class DeskWindow(QMainWindow):
    #: the window closed (staff quit it)
    closed = Signal()

    def __init__(self, services: Any, venue: Any, *, client: Any, time_scale: float = 1.0,
                 options: DeskOptions | None = None, spawn: Any = None) -> None:
        super().__init__()
        from kiosk.ui.attendant import AttendantArea

        self.setObjectName("desk-window")
        self.services, self.venue, self.client = services, venue, client
        self.options = options or DeskOptions()
        self.spawn = spawn or (lambda coro: asyncio.ensure_future(coro))
        self.attendant: Any = None
        self.rt = services.runtime
        self.desk = SessionsDesk(services.sessions, client, None)
        self.alerts = DeskAlerts(parking_after_s=lambda: float(self.rt.get("desk_parking_alert_min")) * 60,
                                 now=lambda: server_time(client, time_scale))
        self.board = DeskBoard(self.desk, venue, self.alerts)
        self.starts = GuestStarts(services.sessions, venue)
        self.snapshot: Any = None
        self.rung = 0                       # bells rung for new alerts
        # the staff features: the kiosk desk's own screens, as tabs of this window
        self.area = AttendantArea(services)
        self.area.hide()
        self.table = BoardTable(venue)
        self.start_panel = StartPanel(self.starts, venue, lambda: self.attendant)
        lang_box = self.start_panel.language        # the guest's language: the venue's default first
        lang_box.setCurrentIndex(max(0, lang_box.findData(self.rt.get("default_language"))))
        self.detail = QLabel(objectName="desk-detail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.scope = QLabel(objectName="desk-scope")
        self.scope.setWordWrap(True)
        self.start_panel.setMaximumWidth(240)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.table, 1)
        ll.addWidget(self.detail)
        ll.addWidget(self.scope)
        split = QSplitter()
        split.addWidget(left)
        side = QScrollArea(objectName="desk-start-scroll")     # the code and its note may need more height
        side.setWidgetResizable(True)
        side.setFrameShape(QScrollArea.Shape.NoFrame)
        side.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side.setWidget(self.start_panel)
        side.setMaximumWidth(self.start_panel.maximumWidth() + 16)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.tabs = QTabWidget(objectName="desk-tabs")
        self.tabs.addTab(split, "")
        for w in self._staff_screens():
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setWidget(w)
            self.tabs.addTab(scroll, "")
        self.banner = AlertBanner(venue=venue)
        self.confirm = ConfirmBar()
        self.message = QLabel(objectName="desk-message")
        self.message.setWordWrap(True)
        work = QWidget()
        wl = QVBoxLayout(work)
        wl.addWidget(self.banner)
        wl.addWidget(self.confirm)
        wl.addWidget(self.tabs, 1)
        wl.addWidget(self.message)
        self.login_page = LoginPage()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.login_page)
        self.pages.addWidget(work)
        self.setCentralWidget(self.pages)
        self.status = QLabel(objectName="desk-status")
        self.statusBar().addPermanentWidget(self.status, 1)
        self.actions_: dict[str, QAction] = {}
        self._build_actions()
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.request_refresh)
        self._refreshing = False
        self._closing_ok = False
        self.login_page.submitted.connect(lambda name, pin: self.spawn(self.login(pin, name)))
        self.table.chosen.connect(self._row_chosen)
        self.start_panel.started.connect(lambda _r: self.request_refresh())
        self.banner.show_requested.connect(self.show_row)
        self.banner.acknowledged.connect(self.acknowledge)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.resize(1366, 768)
        self.retranslate()
        self._logged_out()

    def _staff_screens(self) -> list[QWidget]:
        a = self.area
        return [a.history_screen, a.wallet_screen, a.diagnostics_screen, a.audit_screen, a.settings_screen,
                a.billing_screen]

    # -- actions -----------------------------------------------------------------------
    def _build_actions(self) -> None:
        handlers = {"start": self.focus_start, "find": self.focus_start, "stop": self.ask_stop,
                    "receipt": self.show_receipt, "print_receipt": lambda: self.print_receipt(),
                    "receipt_pdf": lambda: self.print_receipt(to_pdf=True), "print_code": lambda: self.print_code(),
                    "ack": self.acknowledge, "board": lambda: self.tabs.setCurrentIndex(0),
                    "refresh": self.request_refresh, "logout": self.logout, "quit": self.ask_quit}
        for i, name in enumerate(("history", "wallet", "diagnostics", "audit", "settings", "billing"), start=1):
            handlers[name] = lambda i=i: self.tabs.setCurrentIndex(i)
        for name, _text, keys in ACTIONS:
            act = QAction(self)
            act.setObjectName(f"action-{name}")
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(lambda _checked=False, h=handlers[name]: h())
            self.addAction(act)
            self.actions_[name] = act
        self.menus = []
        for _title, names in MENUS:
            menu = self.menuBar().addMenu("")
            for n in names:
                menu.addAction(self.actions_[n])
            self.menus.append(menu)

    def retranslate(self) -> None:
        texts = {"Start charging for a guest": _("Start charging for a guest"),
                 "Find or scan a charger": _("Find or scan a charger"), "Stop charging": _("Stop charging"),
                 "Show receipt": _("Show receipt"), "Print receipt": _("Print receipt"),
                 "Save receipt as PDF": _("Save receipt as PDF"), "Print guest code": _("Print guest code"),
                 "Acknowledge alert": _("Acknowledge alert"), "Chargers and sessions": _("Chargers and sessions"),
                 "History": _("History"), "Wallet": _("Wallet"), "Diagnostics": _("Diagnostics"),
                 "Audit log": _("Audit log"), "Settings": _("Settings"), "Billing": _("Billing"),
                 "Refresh": _("Refresh"), "Log out": _("Log out"), "Quit": _("Quit")}
        for name, text, _keys in ACTIONS:
            self.actions_[name].setText(texts[text])
            self.actions_[name].setToolTip(f"{texts[text]} ({self.actions_[name].shortcut().toString()})")
        for menu, title in zip(self.menus, (_("&Session"), _("&View"), _("S&taff")), strict=True):
            menu.setTitle(title)
        for i, name in enumerate(("board", "history", "wallet", "diagnostics", "audit", "settings", "billing")):
            self.tabs.setTabText(i, self.actions_[name].text())
        self.area.retranslate()
        self.table.retranslate()
        self.start_panel.retranslate()
        self.login_page.retranslate()
        self.banner.retranslate()
        self.setWindowTitle(_("Attendant desk – {venue}", venue=self.options.venue_name) if self.options.venue_name
                            else _("Attendant desk"))
        self.scope.setText(_("This desk shows the sessions started here and those the service reports for this "
                             "venue's token."))
        self._show_status()

    # -- login -------------------------------------------------------------------------
    async def login(self, pin: str, name: str | None = None) -> bool:
        from kiosk.services.sessions import SessionError

        try:
            who = await asyncio.to_thread(self.services.sessions.attendant_login, pin, name=name)
        except SessionError as exc:
            self.login_page.show_error(str(exc))
            return False
        self.attendant = who
        self.desk.attendant = who
        self.area._logged_in(who)           # the staff tabs act as this member (audit)
        self.login_page.show_error("")
        self.pages.setCurrentIndex(1)
        for a in self.actions_.values():
            a.setEnabled(True)
        self.tabs.setCurrentIndex(0)
        self.table.setFocus()
        self.timer.start()
        self._show_status()
        await self.refresh()
        return True

    def logout(self) -> None:
        if self.attendant is not None:
            self.area.logout()
        self.attendant = None
        self.desk.attendant = None
        self.start_panel.clear()
        self.detail.setText("")
        self._logged_out()

    def _logged_out(self) -> None:
        self.timer.stop()
        self.confirm.cancel()
        for name, act in self.actions_.items():
            act.setEnabled(name == "quit")
        try:
            self.login_page.set_names(self.services.sessions.staff_names())
        except Exception:  # noqa: BLE001 - the PIN alone still works
            self.login_page.set_names([])
        self.pages.setCurrentIndex(0)
        self.login_page.pin.setFocus()
        self._show_status()

    # -- the board ---------------------------------------------------------------------
    def request_refresh(self) -> None:
        if self.attendant is not None and not self._refreshing:
            self.spawn(self.refresh())

    async def refresh(self) -> Any:
        if self.attendant is None:
            return None
        self._refreshing = True
        try:
            snap = await self.board.refresh()
        finally:
            self._refreshing = False
        if self.attendant is None:
            return None
        self.snapshot = snap
        self.table.show_rows(snap.rows)
        self.banner.set_alerts(self.alerts.open_alerts())
        if snap.new_alerts and self.options.sound:
            self.rung += 1
            QApplication.beep()
        self._show_status()
        return snap

    def _row_chosen(self, row_id: str) -> None:
        row = self.table.rows.get(row_id)
        if row is None:
            return
        if row.session is None and row.bay is not None and row.state == "AVAILABLE":
            self.start_panel.choose(ChargerChoice(row.location_id, row.evse_uid))

    def show_row(self, row_id: str) -> None:
        self.tabs.setCurrentIndex(0)
        self.table.select_id(row_id)
        self.table.setFocus()

    def acknowledge(self, alert_id: str | None = None) -> None:
        if alert_id is None:
            alert_id = self.banner.alert.id if self.banner.alert is not None else None
        if alert_id is None:
            return
        a = self.alerts.acknowledge(alert_id)
        if a is not None and self.attendant is not None:
            self.services.sessions.audit(self.attendant.name, "alert.acknowledged", a.key, f"alert: {a.kind}")
        self.banner.set_alerts(self.alerts.open_alerts())

    def _show_status(self) -> None:
        a = self.attendant
        # the venue's shared PIN logs in as the audit actor "attendant": no one's name to show
        parts = [(_("Logged in: {name}", name=a.person) if a.person else _("Logged in with the staff PIN"))
                 if a is not None else _("Not logged in")]
        snap = self.snapshot
        if a is not None and snap is not None:
            parts.append(_("Charging service: reachable") if snap.service_ok else
                         _("Charging service: not reachable"))
        self.status.setText("  \u00b7  ".join(parts))

    # -- session actions ---------------------------------------------------------------
    def focus_start(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.start_panel.charger.setFocus()
        self.start_panel.charger.selectAll()

    def _session_row(self) -> Any:
        row = self.table.selected()
        if row is None or row.session is None:
            self.message.setText(_("Choose a session in the list first."))
            return None
        return row

    def ask_stop(self) -> None:
        row = self._session_row()
        if row is None:
            return
        if not row.session.can_stop:
            self.message.setText(_("This session cannot be stopped now (it is not charging or a stop was sent)."))
            return
        bay = evse_title(self.venue, row.evse_uid, row.bay_name, sep=" \u00b7 ")
        self.confirm.ask(_("Stop charging at {bay}?", bay=bay), _("Stop charging"),
                         lambda: self.spawn(self.stop(row)))

    async def stop(self, row: Any) -> bool:
        from kiosk.services.attendant import DeskError

        try:
            await self.desk.stop(row.session, "stopped at the attendant desk")
        except DeskError as exc:
            self.message.setText(str(exc))
            return False
        self.message.setText(_("Stop sent to {bay}.", bay=evse_title(self.venue, row.evse_uid, row.bay_name,
                                                                      sep=" \u00b7 ")))
        await self.refresh()
        return True

    def _receipt(self) -> tuple[Any, Any] | None:
        row = self._session_row()
        if row is None:
            return None
        try:
            return row, self.desk.receipt(row.session)
        except Exception as exc:  # noqa: BLE001 - DeskError, or not this kiosk's session
            self.message.setText(str(exc) or type(exc).__name__)
            return None

    def show_receipt(self) -> None:
        from . import printing

        got = self._receipt()
        if got is None:
            return
        row, r = got
        rows = printing.receipt_rows(r, charger=evse_title(self.venue, r.evse_uid, row.bay_name, sep=" \u00b7 "),
                                     tz=self._tz(), lang=_lang())
        self.detail.setText("\n".join(f"{c}: {v}" for c, v in rows))
        self.message.setText("" if r.final else _("Not final yet: show it again later for the final costs."))

    def print_receipt(self, *, to_pdf: bool = False, pdf: Path | None = None) -> Path | None:
        """Print the chosen session's receipt in the guest's language; to a PDF in the
        export folder when asked, or when no printer is set up. Returns the PDF's path."""
        from . import printing

        got = self._receipt()
        if got is None:
            return None
        row, r = got
        lang = self.starts.language_of(row.key) or _lang()
        doc = printing.receipt_html(r, venue=self._venue_name(), tz=self._tz(), lang=lang,
                                    charger=evse_title(self.venue, r.evse_uid, row.bay_name, sep=", "))
        number = getattr(r, "kiosk_receipt_number", None) or r.receipt_number or (r.charge_session_id or "")[:12]
        return self._print(doc, to_pdf=to_pdf, pdf=pdf, name=f"receipt-{number or 'session'}.pdf",
                           what="receipt", key=row.key)

    def print_code(self, *, pdf: Path | None = None) -> Path | None:
        """Print the code of the guest just started (the code is never written to a file
        unless a PDF path is given explicitly)."""
        from . import printing

        res = self.start_panel.last
        if res is None:
            self.message.setText(_("Start charging for a guest first: the code is printed right after."))
            return None
        doc = printing.code_html(venue=self._venue_name(), code=res.code, tag=res.tag, lang=res.language,
                                 charger=evse_title(self.venue, res.evse_uid, res.evse_uid, sep=", "))
        return self._print(doc, to_pdf=pdf is not None, pdf=pdf, name="", what="code", key=res.key)

    def _print(self, doc: str, *, to_pdf: bool, pdf: Path | None, name: str, what: str, key: Any) -> Path | None:
        from . import printing

        try:
            if to_pdf or pdf is not None:
                path = pdf or self._export_dir() / name
                path.parent.mkdir(parents=True, exist_ok=True)
                printer = printing.make_printer(pdf=path)
            else:
                path = None
                printer = printing.make_printer(printer_name=self.options.printer)
            printing.print_html(doc, printer, paper_width_mm=0 if path else self.options.paper_width_mm)
        except (printing.PrintError, OSError) as exc:
            self.message.setText(str(exc))
            return None
        if self.attendant is not None:
            self.services.sessions.audit(self.attendant.name, f"print.{what}", key, "pdf" if path else "printer")
        self.message.setText(_("Saved as {path}.", path=str(path)) if path else _("Sent to the printer."))
        return path

    def _export_dir(self) -> Path:
        return Path(self.services.export_dir or Path(self.services.data_dir) / "exports")

    def _venue_name(self) -> str:
        return self.options.venue_name or (self.venue.display_name() if self.venue is not None else "")

    def _tz(self) -> Any:
        from zoneinfo import ZoneInfo

        return ZoneInfo(getattr(self.services.sessions, "tz", None) or "Europe/Amsterdam")

    def _tab_changed(self, index: int) -> None:
        if index > 0 and self.attendant is not None:
            w = self.tabs.widget(index).widget()
            if hasattr(w, "refresh"):
                w.refresh()

    # -- quitting ----------------------------------------------------------------------
    def ask_quit(self) -> None:
        self.confirm.ask(_("Quit the attendant desk? Charging sessions keep running."), _("Quit"), self.quit_now)

    def quit_now(self) -> None:
        if self.attendant is not None:
            self.services.sessions.audit(self.attendant.name, "desk.quit", None, "")
        self.logout()
        self._closing_ok = True
        self.close()

    def allow_close(self) -> None:
        self._closing_ok = True

    def closeEvent(self, event: Any) -> None:
        if self._closing_ok or self.attendant is None:
            self.timer.stop()
            event.accept()
            self.closed.emit()
            return
        event.ignore()
        self.ask_quit()


def _lang() -> str:
    from kiosk.i18n import current_language

    return current_language()
