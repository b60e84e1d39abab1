"""Small building blocks shared by the attendant screens: touch-sized controls, a message
line, table helpers and money/number formatting in the current language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

import shiboken6

from kiosk.i18n import Translator, babel_locale, current_language
from kiosk.ui.base import fit_text_hint

_ = Translator("attendant")

TOUCH = 56  # minimum height of anything a finger must hit


class TouchButton(QPushButton):
    def __init__(self, text: str = "", parent: QWidget | None = None, *, name: str | None = None) -> None:
        super().__init__(text, parent)
        self.setMinimumHeight(TOUCH)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        if name:
            self.setObjectName(name)

    def sizeHint(self):  # noqa: N802 - Qt API
        return fit_text_hint(self, super().sizeHint())

    def minimumSizeHint(self):  # noqa: N802 - a layout never squeezes a button's text
        hint = self.sizeHint() if self.text() else super().minimumSizeHint()
        return hint.expandedTo(QSize(TOUCH, TOUCH))


def touch(widget: QWidget, name: str | None = None) -> QWidget:
    """Make an input touch-sized (line edits, combos, spin boxes)."""
    widget.setMinimumHeight(TOUCH)
    if name:
        widget.setObjectName(name)
    return widget


def line_edit(name: str, placeholder: str = "") -> QLineEdit:
    w = QLineEdit()
    w.setPlaceholderText(placeholder)
    touch(w, name)
    return w


def combo(name: str) -> QComboBox:
    w = QComboBox()
    touch(w, name)
    w.view().setMinimumWidth(200)
    return w


def spin(name: str, lo: int, hi: int) -> QSpinBox:
    w = QSpinBox()
    w.setRange(lo, hi)
    touch(w, name)
    return w


class MessageLine(QLabel):
    """One line that says what happened and what to do next (error in red)."""

    def __init__(self, name: str = "message") -> None:
        super().__init__("")
        self.setObjectName(name)
        self.setWordWrap(True)
        self.setMinimumHeight(32)
        self.is_error = False
        self._styled = False   # whether the error style sheet is set

    def info(self, text: str) -> None:
        self._look(False)
        self.setText(text)
        self.lang = current_language()

    def error(self, text: str) -> None:
        self._look(True)
        self.setText(text)
        self.lang = current_language()

    def _look(self, error: bool) -> None:
        # the theme's error colour (checked in both themes); re-polished only on a change
        # (the desk's messages are cleared for every new guest, on the UI loop)
        if error != self._styled:
            self.setProperty("role", "message-error" if error else "")
            self.style().unpolish(self)
            self.style().polish(self)
            self._styled = error
        self.is_error = error


def table(name: str, columns: int) -> QTableWidget:
    from kiosk.ui.base import kinetic

    t = QTableWidget(0, columns)
    kinetic(t)       # a finger drags the rows
    t.setObjectName(name)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.verticalHeader().setVisible(False)
    t.verticalHeader().setDefaultSectionSize(TOUCH)
    t.verticalHeader().setMinimumSectionSize(TOUCH)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def fill_row(t: QTableWidget, row: int, values: list[Any], key: Any = None,
             tips: dict[int, str] | None = None) -> None:
    for col, v in enumerate(values):
        item = QTableWidgetItem("" if v is None else str(v))
        if col == 0 and key is not None:
            item.setData(Qt.ItemDataRole.UserRole, key)
        if tips and tips.get(col):
            item.setToolTip(tips[col])
        t.setItem(row, col, item)


def selected_key(t: QTableWidget) -> Any:
    rows = t.selectionModel().selectedRows() if t.selectionModel() else []
    if not rows:
        return None
    item = t.item(rows[0].row(), 0)
    return item.data(Qt.ItemDataRole.UserRole) if item else None


def select_key(t: QTableWidget, key: Any) -> bool:
    for r in range(t.rowCount()):
        item = t.item(r, 0)
        if item is not None and item.data(Qt.ItemDataRole.UserRole) == key:
            t.selectRow(r)
            return True
    return False


def money(amount: Decimal | float | None, currency: str | None = "EUR") -> str:
    if amount is None:
        return "–"
    cur = currency if currency and len(currency) == 3 else "EUR"
    return format_currency(Decimal(str(amount)), cur, locale=babel_locale())


def kwh(value: Decimal | float | None) -> str:
    if value is None:
        return "–"
    return _("{value} kWh", value=format_decimal(Decimal(str(value)).quantize(Decimal("0.01")),
                                                  format="#,##0.00", locale=babel_locale()))


def kw(value: Decimal | float | None) -> str:
    if value is None:
        return "–"
    return _("{value} kW", value=format_decimal(Decimal(str(value)).quantize(Decimal("0.1")),
                                                format="#,##0.0", locale=babel_locale()))


def alive(widget: QWidget) -> bool:
    """False once Qt deleted the widget: an async slot checks this after each await."""
    return shiboken6.isValid(widget)
