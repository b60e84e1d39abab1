"""The live power gauge: an arc from 0 to the charger's maximum kW, painted with QPainter."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget


class PowerGauge(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(280, 240)
        self.value = 0.0
        self.maximum = 22.0
        self.unit = "kW"
        self.color = QColor("#0b7a53")
        self.track = QColor("#c5cdc9")
        self.text_color = QColor("#111816")
        self.text = "0"

    def set_value(self, value: float | None, maximum: float | None = None, text: str | None = None) -> None:
        self.value = max(0.0, float(value or 0.0))
        self.text = text if text is not None else f"{self.value:.1f}"
        if maximum:
            self.maximum = float(maximum)
        self.maximum = max(self.maximum, self.value, 1.0)
        self.update()

    def set_colors(self, primary: str, track: str, text: str) -> None:
        self.color, self.track, self.text_color = QColor(primary), QColor(track), QColor(text)
        self.update()

    def paintEvent(self, ev) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        # the arc's pen is drawn centred on the rect: inset by half its width (plus a margin)
        # or the ring is cut off at the widget's edges
        avail = min(self.width(), self.height())
        pen_w = avail * 0.08
        side = avail - pen_w - 4
        rect = QRectF((self.width() - side) / 2, pen_w / 2 + 2, side, side)
        pen = QPen(self.track, pen_w, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        start, span = 225 * 16, -270 * 16
        p.drawArc(rect, start, span)
        frac = min(1.0, self.value / self.maximum) if self.maximum else 0.0
        pen.setColor(self.color)
        p.setPen(pen)
        if frac > 0:
            p.drawArc(rect, start, int(span * frac))
        p.setPen(self.text_color)
        f = QFont(self.font())
        f.setPixelSize(int(side * 0.2))
        f.setBold(True)
        p.setFont(f)
        p.drawText(rect.adjusted(0, -side * 0.08, 0, -side * 0.08), Qt.AlignmentFlag.AlignCenter,
                   self.text)
        f.setPixelSize(int(side * 0.09))
        f.setBold(False)
        p.setFont(f)
        p.drawText(rect.adjusted(0, side * 0.22, 0, side * 0.22), Qt.AlignmentFlag.AlignCenter, self.unit)
