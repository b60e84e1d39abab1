"""One bay on the board of Home: connector icon, name, and its state as an icon and a word
(the state never by colour alone), with the power beside the name or on its own row."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from kiosk.i18n import Translator, current_language
from kiosk.ui import icons
from kiosk.ui.base import TouchButton, describe, label, restyle
from kiosk.ui.icons import Icon
from kiosk.ui.texts import bay_name, power_text, status_text

_ = Translator("ui")


class BayButton(TouchButton):
    """One bay on the board: connector icon, name, and its state as an icon and a word."""

    def __init__(self, bay: Any) -> None:
        super().__init__("", "bay")
        self._text = ""
        self._drawn: tuple = ()
        self.bay = bay
        self.setObjectName(f"bay_{bay.evse_uid}")
        self.conn = Icon("", 40)
        self.name = label("", "subtitle", wrap=False)
        self.state_icon = Icon("", 28)
        self.state = label("", "body", wrap=False)
        self.power = label("", "body", wrap=False)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 8)
        lay.setSpacing(10)
        lay.addWidget(self.conn)
        col = QVBoxLayout()
        col.setSpacing(2)
        self.top_row = QHBoxLayout()
        self.top_row.addWidget(self.name, 1)
        self.top_row.addWidget(self.power)
        col.addLayout(self.top_row)
        self.state_row = QHBoxLayout()
        self.state_row.setSpacing(6)
        self.state_row.addWidget(self.state_icon)
        self.state_row.addWidget(self.state, 1)
        col.addLayout(self.state_row)
        self.col = col
        lay.addLayout(col, 1)
        for w in (self.name, self.state, self.power):
            w.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)

    def text(self) -> str:  # what the button shows, in reading order (its labels carry it)
        return self._text

    def sizeHint(self):  # noqa: N802 - the content's size (a QPushButton measures its own text only)
        return self.layout().sizeHint()

    def minimumSizeHint(self):  # noqa: N802
        return self.layout().minimumSize()

    def set_side(self, body: int, mode: str = "normal") -> None:
        """Where the power goes: beside the name (portrait: wide buttons), else on its own
        row (the state gets the whole row in every language)."""
        for lay in (self.top_row, self.state_row, self.col):
            lay.removeWidget(self.power)
        if mode == "portrait":
            self.top_row.addWidget(self.power)
        else:
            self.col.addWidget(self.power)
        self.conn.set_side(round(body * (1.8 if mode == "portrait" else 1.4)))
        self.state_icon.set_side(round(body * 1.1))

    def retranslate(self, where: str = "") -> None:
        """The card's texts, icons and look; nothing is redone when neither the bay nor the
        language changed (Home redraws its 16 cards at every visit and refresh: ~4 ms)."""
        b = self.bay
        key = (b.name, b.status, b.in_use_here, b.max_kw, b.power_type, tuple(b.standards or ()), where,
               current_language())
        if key == self._drawn:
            return
        self._drawn = key
        status = "IN_USE_HERE" if b.in_use_here else (b.status or "UNKNOWN")
        state = _("In use (started here)") if b.in_use_here else status_text(b.status)
        power = power_text(b.max_kw, b.power_type)
        name = bay_name(b.name)
        self.name.setText(name)
        self.state.setText(state)
        self.power.setText(power)
        self._text = f"{name}\n{state} · {power}" if power else f"{name}\n{state}"
        std = (b.standards or [""])[0]
        self.conn.set_icon(icons.CONNECTOR_ICONS.get(str(std), "ev-station"))
        self.conn.setAccessibleName(_("Connector"))
        ok = b.status == "AVAILABLE" and not b.in_use_here
        self.state_icon.set_icon(icons.STATUS_ICONS.get(status, "lightning-bolt"), "ok" if ok else "text")
        self.state_icon.setAccessibleName(state)
        describe(self, f"{name}, {where}: {state}, {power}" if where else f"{name}: {state}, {power}",
                 _("Opens this charger: its price and Start."))
        restyle(self, "state", "available" if ok else "other")
