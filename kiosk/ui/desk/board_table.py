"""The desk's live table: every charger of the venue with its session, problems first.
Sortable by any column (numbers sort as numbers); the rows keep their selection across
refreshes; rows with an alert are highlighted and say the problem in words (never by
colour alone)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from kiosk.core.format import duration, kw, kwh, money
from kiosk.i18n import N_, Translator
from kiosk.ui.texts import bay_name, location_name, status_text

_ = Translator("desk")

#: the state column comes first and says the problem above the state (problems sort first);
#: the guest column says the room or plate above who pays: the table fits a 1366 px desk
COLUMNS = ("state", "charger", "power", "energy", "time", "cost", "guest")
TITLES = {"charger": N_("Charger"), "state": N_("State"), "power": N_("Power"), "energy": N_("Energy"),
          "time": N_("Time"), "cost": N_("Cost"), "guest": N_("Room or plate")}
PROBLEMS = {"parking": N_("Parked too long"), "parked": N_("Parked"), "start_failed": N_("Start failed"),
            "owner_unknown": N_("Owner unknown"), "unreachable": N_("Not reachable"),
            "charger_down": N_("Charger down"), "": ""}
PAYERS = {"venue": N_("Paid by the venue"), "room": N_("Paid by the room"), "": ""}
#: problems that raise an alert: their rows are highlighted
ALERTING = {"parking", "start_failed", "owner_unknown", "unreachable"}
HIGHLIGHT_BG, HIGHLIGHT_FG = "#ffe08a", "#1b1b1b"     # 14:1 contrast; the word says it too

ROW_ID = Qt.ItemDataRole.UserRole
SORT = Qt.ItemDataRole.UserRole + 1


def _two_lines(title: str) -> str:
    """A long column title on two lines (at the space nearest its middle): a title must not
    make its column wider than its figures."""
    if len(title) <= 12 or " " not in title:
        return title
    mid = len(title) / 2
    cut = min((i for i, ch in enumerate(title) if ch == " "), key=lambda i: abs(i - mid))
    return title[:cut] + "\n" + title[cut + 1:]


class _Item(QTableWidgetItem):
    """Sorts by its sort key (numbers as numbers), then by its text."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        a, b = self.data(SORT), other.data(SORT)
        if a is not None and b is not None and a != b:
            return a < b
        return self.text() < other.text()


def state_text(row: Any) -> str:
    """The session's state, or the charger's status, in the current language."""
    if row.session is not None:
        from kiosk.core.session import state_title

        return state_title(row.state)
    return status_text(row.state)


def cost_text(s: Any) -> str:
    if s is None or s.estimate_incl_vat is None:
        return ""
    amount = money(s.estimate_incl_vat, s.currency or "EUR")
    return amount if s.estimate_final else _("about {amount}", amount=amount)


class BoardTable(QTableWidget):
    """The board; :meth:`show_rows` takes a :class:`kiosk.services.attendant.BoardSnapshot`'s rows."""

    #: the selection changed (argument: the row id, or "")
    chosen = Signal(str)

    def __init__(self, venue: Any, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.venue = venue
        self.rows: dict[str, Any] = {}
        self.setObjectName("desk-board")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setTabKeyNavigation(False)        # Tab leaves the table (arrows move in it)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head = self.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head.setStretchLastSection(True)
        self.setWordWrap(False)
        head.setSortIndicatorShown(True)
        self.setSortingEnabled(True)
        self.sortItems(0, Qt.SortOrder.DescendingOrder)
        self.itemSelectionChanged.connect(lambda: self.chosen.emit(self.selected_id() or ""))
        self.retranslate()

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels([_two_lines(_(TITLES[c])) for c in COLUMNS])
        self.setAccessibleName(_("Chargers and sessions"))
        self.setAccessibleDescription(_("Problems first. Arrow keys choose a row; click a column title to sort."))
        if self.rows:
            self.show_rows(list(self.rows.values()))

    def selected_id(self) -> str | None:
        sel = self.selectionModel().selectedRows() if self.selectionModel() else []
        if not sel:
            return None
        item = self.item(sel[0].row(), 0)
        return item.data(ROW_ID) if item is not None else None

    def selected(self) -> Any:
        rid = self.selected_id()
        return self.rows.get(rid) if rid else None

    def select_id(self, row_id: str) -> bool:
        for r in range(self.rowCount()):
            item = self.item(r, 0)
            if item is not None and item.data(ROW_ID) == row_id:
                self.selectRow(r)
                self.scrollToItem(item)
                return True
        return False

    def row_texts(self, row_id: str) -> dict[str, str]:
        """What the table shows for a row, by column (tests, the screen reader's view)."""
        for r in range(self.rowCount()):
            item = self.item(r, 0)
            if item is not None and item.data(ROW_ID) == row_id:
                return {c: self.item(r, i).text() for i, c in enumerate(COLUMNS)}
        return {}

    def is_highlighted(self, row_id: str) -> bool:
        for r in range(self.rowCount()):
            item = self.item(r, 0)
            if item is not None and item.data(ROW_ID) == row_id:
                return item.background().color() == QColor(HIGHLIGHT_BG)
        return False

    def show_rows(self, rows: list[Any]) -> None:
        keep = self.selected_id()
        sort_col = self.horizontalHeader().sortIndicatorSection()
        order = self.horizontalHeader().sortIndicatorOrder()
        self.setSortingEnabled(False)
        ordered = sorted(rows, key=lambda r: bay_name(r.bay_name).casefold())
        self.rows = {r.id: r for r in ordered}
        self.setRowCount(len(ordered))
        for i, r in enumerate(ordered):
            for col, (text, key) in enumerate(self._cells(r)):
                item = _Item(text)
                item.setData(SORT, key)
                if col == 0:
                    item.setData(ROW_ID, r.id)
                if r.problem in ALERTING:
                    item.setBackground(QBrush(QColor(HIGHLIGHT_BG)))
                    item.setForeground(QBrush(QColor(HIGHLIGHT_FG)))
                self.setItem(i, col, item)
        self.setSortingEnabled(True)
        self.sortItems(max(sort_col, 0), order)
        if keep:
            self.blockSignals(True)
            self.select_id(keep)
            self.blockSignals(False)

    def _cells(self, r: Any) -> list[tuple[str, Any]]:
        s = r.session
        where = location_name(self.venue, r.location_id)
        name = bay_name(r.bay_name)
        charger = f"{name}\n{where}" if where else name         # two lines: the table fits 1366 px
        state = state_text(r)
        if r.problem:
            state = ("\u26a0 " if r.problem in ALERTING else "") + _(PROBLEMS.get(r.problem, "")) + "\n" + state
        power = s.power_kw if s is not None else None
        energy = s.energy_kwh if s is not None else None
        elapsed = s.elapsed_s if s is not None else None
        cost = s.estimate_incl_vat if s is not None else None
        tag = (s.tag or "") if s is not None else ""
        guest = "\n".join(x for x in (tag, _(PAYERS.get(r.payer, "")) if r.payer else "") if x)
        # problems first, then this desk's sessions, then busy chargers, then free ones
        order = r.rank * 10 + (2 if s is not None else 0) + (0 if r.state == "AVAILABLE" else 1)
        return [(state, order), (charger, charger.casefold()),
                (kw(power) if power is not None else "", float(power or 0)),
                (kwh(energy) if energy is not None else "", float(energy or 0)),
                (duration(elapsed) if elapsed else "", float(elapsed or 0)),
                (cost_text(s), float(cost or 0)), (guest, guest.casefold())]
