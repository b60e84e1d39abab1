"""One bay on the board of Home: connector icon, name, and its state as an icon and a word
(the state never by colour alone), with the power beside the name or on its own row.

The card paints its icons and texts itself (one widget): as a button holding two icons and
three labels, Home's 16 cards were ~100 widgets that every visit of Home showed, laid out and
painted through the style sheet, ~6 ms of each of its frames (``bench/ui.py`` stalls).
Its button panel (background, border, the "available" frame) still comes from the style
sheet; its fonts are the style sheet's body font and a subtitle of ``set_side``'s size."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter

from kiosk.i18n import Translator, current_language
from kiosk.ui import icons
from kiosk.ui.base import TouchButton, describe, restyle
from kiosk.ui.texts import bay_name, power_text, status_text

_ = Translator("ui")

_MARGIN_X, _MARGIN_Y, _GAP, _ROW_GAP, _ICON_GAP = 12, 8, 10, 2, 6


class BayButton(TouchButton):
    """One bay on the board: connector icon, name, and its state as an icon and a word."""

    def __init__(self, bay: Any) -> None:
        super().__init__("", "bay")
        self._text = ""
        self._drawn: tuple = ()
        self.bay = bay
        self.setObjectName(f"bay_{bay.evse_uid}")
        self.name_text = self.state_text = self.power_text = ""
        self.conn_icon, self.state_icon, self.state_ok = "ev-station", "lightning-bolt", False
        self._body, self._subtitle, self._mode = 20, 23, "normal"
        self._conn_px, self._state_px = 28, 22

    # -- what it shows -------------------------------------------------------------------
    def text(self) -> str:  # what the button shows, in reading order
        return self._text

    def lines(self) -> list[tuple[str, QFont]]:
        """Its texts and the font each is drawn in (the design checks measure these)."""
        sub, body = self._fonts()
        return [(t, f) for t, f in ((self.name_text, sub), (self.state_text, body), (self.power_text, body)) if t]

    def _fonts(self) -> tuple[QFont, QFont]:
        body = QFont(self.font())
        body.setPixelSize(self._body)
        sub = QFont(body)
        sub.setPixelSize(self._subtitle)
        sub.setBold(True)
        return sub, body

    def _portrait(self) -> bool:
        return self._mode == "portrait"

    def _content(self) -> QSize:
        sub, body = self._fonts()
        fs, fb = QFontMetrics(sub), QFontMetrics(body)
        name_w, state_w, power_w = (fs.horizontalAdvance(self.name_text), fb.horizontalAdvance(self.state_text),
                                    fb.horizontalAdvance(self.power_text))
        state_row = self._state_px + _ICON_GAP + state_w
        if self._portrait():
            top = name_w + (_GAP + power_w if self.power_text else 0)
            col_w = max(top, state_row)
            col_h = fs.height() + _ROW_GAP + max(self._state_px, fb.height())
        else:
            col_w = max(name_w, state_row, power_w)
            col_h = fs.height() + _ROW_GAP + max(self._state_px, fb.height())
            if self.power_text:
                col_h += _ROW_GAP + fb.height()
        return QSize(2 * _MARGIN_X + self._conn_px + _GAP + col_w,
                     2 * _MARGIN_Y + max(self._conn_px, col_h))

    def sizeHint(self):  # noqa: N802
        return self._content()

    def minimumSizeHint(self):  # noqa: N802 - a layout never squeezes its texts
        return self._content().expandedTo(super().minimumSizeHint())

    def cut_off(self) -> list[str]:
        """Its texts that do not fit the card as laid out now (empty: all fit)."""
        need = self._content()
        if need.width() > self.width() + 2 or need.height() > self.height() + 2:
            return [f"{self.objectName()}: {self._text!r} needs {need.width()}x{need.height()}px, "
                    f"has {self.width()}x{self.height()}"]
        return []

    def set_side(self, body: int, mode: str = "normal", subtitle: int | None = None) -> None:
        """Sizes from the window's type: body text ``body`` px, the name in ``subtitle`` px;
        the power beside the name (portrait: wide buttons), else on its own row (the state
        gets the whole row in every language)."""
        sizes = (body, subtitle or round(body * 1.15), mode)
        if sizes == (self._body, self._subtitle, self._mode):
            return
        self._body, self._subtitle, self._mode = sizes
        self._conn_px = round(body * (1.8 if mode == "portrait" else 1.4))
        self._state_px = round(body * 1.1)
        self.updateGeometry()
        self.update()

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
        self.name_text, self.state_text, self.power_text = name, state, power
        self._text = f"{name}\n{state} · {power}" if power else f"{name}\n{state}"
        std = (b.standards or [""])[0]
        self.conn_icon = icons.CONNECTOR_ICONS.get(str(std), "ev-station")
        ok = b.status == "AVAILABLE" and not b.in_use_here
        self.state_icon = icons.STATUS_ICONS.get(status, "lightning-bolt")
        self.state_ok = ok
        describe(self, f"{name}, {where}: {state}, {power}" if where else f"{name}: {state}, {power}",
                 _("Opens this charger: its price and Start charging."))
        restyle(self, "state", "available" if ok else "other")
        self.updateGeometry()
        self.update()

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, ev) -> None:  # noqa: N802
        super().paintEvent(ev)          # the style sheet's panel and border (its own text is empty)
        from kiosk.ui import theme_apply

        fg = self.palette().color(self.foregroundRole())
        pal = theme_apply.palette()
        ok = QColor(pal.ok) if pal is not None and self.isEnabled() else fg
        sub, body = self._fonts()
        fs, fb = QFontMetrics(sub), QFontMetrics(body)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = self.rect().adjusted(_MARGIN_X, _MARGIN_Y, -_MARGIN_X, -_MARGIN_Y)
        icons.paint(p, QRect(r.left(), r.top() + (r.height() - self._conn_px) // 2, self._conn_px, self._conn_px),
                    self.conn_icon, fg)
        x = r.left() + self._conn_px + _GAP
        w = r.right() - x + 1
        rows = fs.height() + _ROW_GAP + max(self._state_px, fb.height())
        if self.power_text and not self._portrait():
            rows += _ROW_GAP + fb.height()
        y = r.top() + max(0, (r.height() - rows) // 2)
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        p.setPen(fg)
        p.setFont(sub)
        if self._portrait() and self.power_text:
            pw = fb.horizontalAdvance(self.power_text)
            p.drawText(QRect(x, y, max(0, w - pw - _GAP), fs.height()), left, self.name_text)
            p.setFont(body)
            p.drawText(QRect(x + w - pw, y, pw, fs.height()), left, self.power_text)
        else:
            p.drawText(QRect(x, y, w, fs.height()), left, self.name_text)
        y += fs.height() + _ROW_GAP
        row_h = max(self._state_px, fb.height())
        icons.paint(p, QRect(x, y + (row_h - self._state_px) // 2, self._state_px, self._state_px),
                    self.state_icon, ok if self.state_ok else fg)
        p.setPen(fg)
        p.setFont(body)
        sx = x + self._state_px + _ICON_GAP
        p.drawText(QRect(sx, y, r.right() - sx + 1, row_h), left, self.state_text)
        if self.power_text and not self._portrait():
            y += row_h + _ROW_GAP
            p.drawText(QRect(x, y, w, fb.height()), left, self.power_text)
        p.end()
