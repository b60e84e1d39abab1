"""Connector standard icons painted with QPainter (Type 2, CCS, CHAdeMO, Type 1, domestic)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from kiosk.i18n import N_, Translator

_ = Translator("ui")

#: standard -> short display name: proper names stay as they are, the "Type" of Type 1 and
#: Type 2 is said in the guest's language (German drivers know the plug as "Typ 2")
STANDARD_NAMES = {
    "IEC_62196_T2": N_("Type 2"), "IEC_62196_T2_COMBO": "CCS", "CHADEMO": "CHAdeMO",
    "IEC_62196_T1": N_("Type 1"), "IEC_62196_T1_COMBO": "CCS 1", "DOMESTIC_F": "Schuko",
    "TESLA_S": "Tesla", "TESLA_R": "Tesla",
}
_TRANSLATED = {"IEC_62196_T2", "IEC_62196_T1"}


def standard_name(std: str | None) -> str:
    s = str(getattr(std, "value", std) or "")
    if s in _TRANSLATED:
        return _(STANDARD_NAMES[s])
    return STANDARD_NAMES.get(s, s.replace("_", " ").title() if s else "?")


class ConnectorIcon(QWidget):
    def __init__(self, standard: str | None, size: int = 56, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.standard = str(getattr(standard, "value", standard) or "")
        self.setFixedSize(size, size)
        self.color = QColor("#111816")

    def paintEvent(self, ev) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(self.color, 2.5))
        w = self.width()
        combo = self.standard.endswith("COMBO")
        top = QRectF(4, 4, w - 8, (w - 8) * (0.62 if combo else 0.92))
        p.drawEllipse(top)
        c = top.center()
        r = top.height() * 0.12
        p.setBrush(self.color)
        if self.standard == "CHADEMO":
            pins = [QPointF(c.x() - top.width() * 0.2, c.y()), QPointF(c.x() + top.width() * 0.2, c.y())]
            r *= 1.6
        elif "T1" in self.standard:
            pins = [QPointF(c.x() - top.width() * 0.18, c.y() - top.height() * 0.12),
                    QPointF(c.x() + top.width() * 0.18, c.y() - top.height() * 0.12),
                    QPointF(c.x(), c.y() + top.height() * 0.2)]
        else:
            pins = [QPointF(c.x() + dx * top.width() * 0.22, c.y() + dy * top.height() * 0.22)
                    for dx, dy in ((-1, -0.6), (0, -0.8), (1, -0.6), (-0.6, 0.5), (0.6, 0.5), (0, 0.05))]
        for pt in pins:
            p.drawEllipse(pt, r, r)
        if combo:
            y = top.bottom() + (w - top.bottom()) / 2
            rr = (w - top.bottom()) * 0.3
            p.drawEllipse(QPointF(c.x() - w * 0.18, y), rr, rr)
            p.drawEllipse(QPointF(c.x() + w * 0.18, y), rr, rr)
        p.setBrush(Qt.BrushStyle.NoBrush)
