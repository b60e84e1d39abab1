"""History: today's, this week's, this month's (or a date range's) sessions with filters by
status and payment method, totals of energy, cost and VAT, and a CSV export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QButtonGroup, QDateEdit, QHBoxLayout, QLabel, QVBoxLayout, QWidget
from qasync import asyncSlot

from kiosk.core.session import ACTIVE, API_STATES, FAILURES, state_title
from kiosk.i18n import Translator
from kiosk.services.history import (
    ALL_STATUSES,
    HistoryFilter,
    HistoryResult,
    HistoryService,
    Period,
    format_duration,
)
from kiosk.ui.texts import evse_title

from .common import TOUCH, MessageLine, TouchButton, combo, fill_row, kwh, money, table, touch

_ = Translator("attendant")


class HistoryScreen(QWidget):
    loaded = Signal()

    def __init__(self, history: HistoryService, export_dir: Path | str, audit=None, actor: str = "attendant",
                 venue=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attendant-history")
        self.history = history
        self.venue = venue            # the guest side's venue: bays named as guests read them
        self.export_dir = Path(export_dir)
        self.audit = audit
        self.actor = actor
        self.result: HistoryResult | None = None
        self.last_export: Path | None = None
        self.period = Period.TODAY
        self.title = QLabel()
        self.period_buttons: dict[Period, TouchButton] = {}
        group = QButtonGroup(self)
        periods = QHBoxLayout()
        for p in Period:
            b = TouchButton(name=f"period-{p.value}")
            b.setCheckable(True)
            group.addButton(b)
            b.clicked.connect(lambda _c=False, p=p: self.choose_period(p))
            self.period_buttons[p] = b
            periods.addWidget(b)
        self.period_buttons[Period.TODAY].setChecked(True)
        self.date_from = touch(QDateEdit(), "date-from")
        self.date_to = touch(QDateEdit(), "date-to")
        for d in (self.date_from, self.date_to):
            d.setCalendarPopup(True)
            d.setDate(QDate.currentDate())
            d.setDisplayFormat("yyyy-MM-dd")
        periods.addWidget(self.date_from)
        periods.addWidget(self.date_to)
        filters = QHBoxLayout()
        self.status = combo("status-filter")
        self.payment = combo("payment-filter")
        self.apply_btn = TouchButton(name="apply")
        self.export_btn = TouchButton(name="export-csv")
        filters.addWidget(self.status)
        filters.addWidget(self.payment)
        filters.addWidget(self.apply_btn)
        filters.addWidget(self.export_btn)
        self.table = table("history-table", 11)
        self.totals = QLabel()
        self.totals.setObjectName("totals")
        self.totals.setMinimumHeight(TOUCH)
        self.message = MessageLine()
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addLayout(periods)
        lay.addLayout(filters)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.totals)
        lay.addWidget(self.message)
        self.apply_btn.clicked.connect(self.refresh)
        self.export_btn.clicked.connect(self.on_export)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Session history"))
        names = {Period.TODAY: _("Today"), Period.WEEK: _("This week"), Period.MONTH: _("This month"),
                 Period.CUSTOM: _("Dates")}
        for p, b in self.period_buttons.items():
            b.setText(names[p])
        keep_status = self.status.currentData()
        self.status.clear()
        self.status.addItem(_("All states"), None)
        self.status.addItem(_("Finished with costs"), "CDR_AVAILABLE")
        self.status.addItem(_("Running"), "ACTIVE")
        self.status.addItem(_("Failed starts"), "FAILED")
        by_title: dict[str, list[str]] = {}       # two statuses may read alike ("Not started")
        for s in ALL_STATUSES:
            by_title.setdefault(state_title(s), []).append(s)
        for title, statuses in by_title.items():
            self.status.addItem(title, "|".join(statuses))
        self.status.setCurrentIndex(max(0, self.status.findData(keep_status)))
        if self.payment.count() == 0:
            self.payment.addItem(_("All payment methods"), None)
        else:
            self.payment.setItemText(0, _("All payment methods"))
        self.apply_btn.setText(_("Show"))
        self.export_btn.setText(_("Export CSV"))
        self.table.setAccessibleName(_("Session history"))
        self.date_from.setAccessibleName(_("From date"))
        self.date_to.setAccessibleName(_("To date"))
        self.status.setAccessibleName(_("State"))
        self.payment.setAccessibleName(_("All payment methods"))
        self.table.setHorizontalHeaderLabels([_("Date"), _("Bay"), _("Room/plate"), _("Energy"), _("Duration"),
                                              _("Total incl. VAT"), _("VAT"), _("Receipt"), _("State"),
                                              _("Guest pays"), _("Difference")])
        if self.result is not None:       # the rows' numbers and dates in the new language
            self._fill(self.result)
        self._show_totals()

    def choose_period(self, p: Period) -> None:
        self.period = p
        self.period_buttons[p].setChecked(True)
        self.refresh()

    def current_filter(self) -> HistoryFilter:
        s = self.status.currentData()
        groups = {"ACTIVE": {st.value for st in ACTIVE},
                  "FAILED": {st.value for st in FAILURES if st in API_STATES}}
        statuses = frozenset(groups.get(s, set(s.split("|")) if s else set()))
        return HistoryFilter(period=self.period, date_from=self.date_from.date().toPython(),
                             date_to=self.date_to.date().toPython(), statuses=statuses,
                             payment_method_id=self.payment.currentData())

    @asyncSlot()
    async def refresh(self) -> None:
        self.message.info(_("Loading…"))
        try:
            res = await self.history.fetch(self.current_filter())
        except Exception as exc:  # noqa: BLE001 - any failure is shown, the screen stays usable
            self.message.error(_error_text(exc))
            return
        self.result = res
        self._fill(res)
        self.message.info("")
        self.loaded.emit()

    def _fill(self, res: HistoryResult) -> None:
        tz = self.history.tz
        self.table.setRowCount(len(res.rows))
        for i, r in enumerate(res.rows):
            bay = evse_title(self.venue, r.evse_uid, r.bay, sep=" \u00b7 ")   # as guests read it
            fill_row(self.table, i, [
                r.start_time.astimezone(tz).strftime("%Y-%m-%d %H:%M") if r.start_time else "",
                bay, r.tag, kwh(r.energy_kwh), _duration(r.duration),
                money(r.total_incl_vat, r.currency), money(r.vat, r.currency),
                " ".join(x for x in (r.kiosk_receipt_number, r.receipt_number) if x), state_title(r.status),
                money(r.guest_incl_vat, r.currency) if r.guest_incl_vat is not None else "",
                money(r.difference, r.currency) if r.difference is not None else "",
            ], key=r.charge_session_id, tips={1: r.bay} if r.bay != bay else None)
        keep = self.payment.currentData()
        known = {self.payment.itemData(i) for i in range(1, self.payment.count())}
        for pm_id, label in sorted(res.payment_methods.items(), key=lambda kv: kv[1]):
            if pm_id not in known:
                self.payment.addItem(label or pm_id, pm_id)
        self.payment.setCurrentIndex(max(0, self.payment.findData(keep)))
        self._show_totals()

    def _show_totals(self) -> None:
        if self.result is None:
            self.totals.setText("")
            return
        t = self.result.totals
        cur = t.currency if t.currency != "mixed" else "EUR"
        self.totals.setText(_.n("{n} session: {energy}, {total} incl. {vat} VAT",
                                "{n} sessions: {energy}, {total} incl. {vat} VAT", t.sessions,
                                energy=kwh(t.energy_kwh), total=money(t.total_incl_vat, cur),
                                vat=money(t.vat, cur)))

    @asyncSlot()
    async def on_export(self) -> None:
        flt = self.current_filter()
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.export_dir / f"sessions-{flt.period.value}-{stamp}.csv"
        try:
            self.export_dir.mkdir(parents=True, exist_ok=True)
            res = await self.history.export_csv(flt, path)
        except OSError:
            self.message.error(_("The file could not be written. Check that the export folder is writable."))
            return
        except Exception as exc:  # noqa: BLE001
            self.message.error(_error_text(exc))
            return
        self.result = res
        self._fill(res)
        self.last_export = path
        if self.audit is not None:
            r = self.audit(actor=self.actor, action="history.export", session_id=None,
                           detail=f"{len(res.rows)} sessions to {path.name}")
            if hasattr(r, "__await__"):
                await r
        self.message.info(_.n("{n} session exported to {path}.", "{n} sessions exported to {path}.",
                              len(res.rows), path=str(path)))


def _duration(value) -> str:
    """The kiosk's one duration format (the CSV export keeps H:MM for spreadsheets)."""
    from kiosk.core.format import duration

    seconds = value.total_seconds() if hasattr(value, "total_seconds") else value
    return duration(seconds) if seconds is not None else format_duration(value)


def _error_text(exc: Exception) -> str:
    from kiosk.services.attendant import api_message

    try:
        return api_message(exc)
    except Exception:  # noqa: BLE001
        return _("The history could not be loaded. Try again in a minute.")
