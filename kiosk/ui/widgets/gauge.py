"""The live power gauge: an arc from 0 to the charger's maximum kW with a labelled scale,
painted with QPainter. The maximum is the charger's own (never a previous guest's); when it
is not known the scale ends at the next round number above the power."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from kiosk.ui.widgets.scale import label, nice_max, ticks

START_DEG, SPAN_DEG = 225.0, -270.0


class PowerGauge(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(200, 200)
        sp = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        sp.setHeightForWidth(True)
        self.setSizePolicy(sp)
        self.value = 0.0
        self.charger_max: float | None = None   # the charger's maximum (None: not known)
        self.maximum = 10.0                     # the scale's end
        self.unit = "kW"
        self.color = QColor("#0b7a53")
        self.track = QColor("#d5dbd8")
        self.text_color = QColor("#111816")
        self.text = "0"
        self.min_text_px = 12

    def heightForWidth(self, w: int) -> int:  # noqa: N802
        return w

    def set_value(self, value: float | None, maximum: float | None = None, text: str | None = None) -> None:
        """``maximum``: the charger's maximum kW (None: not known; the scale then follows the
        value). Nothing of an earlier call is kept."""
        self.value = max(0.0, float(value or 0.0))
        self.text = text if text is not None else f"{self.value:.1f}"
        self.charger_max = float(maximum) if maximum else None
        self.maximum = max(self.charger_max or nice_max(self.value or 1.0), self.value, 1.0)
        self.update()

    def scale_ticks(self) -> list[float]:
        return ticks(self.maximum, 5)

    def set_colors(self, primary: str, track: str, text: str) -> None:
        self.color, self.track, self.text_color = QColor(primary), QColor(track), QColor(text)
        self.update()

    def paintEvent(self, ev) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fpx = max(self.min_text_px, int(self.font().pixelSize() * 0.9) if self.font().pixelSize() > 0 else 14)
        avail = min(self.width(), self.height())
        margin = fpx * 1.6            # room for the scale's labels around the arc
        pen_w = max(8.0, avail * 0.07)
        side = avail - 2 * margin - pen_w
        if side <= 20:
            return
        rect = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        pen = QPen(self.track, pen_w, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap)
        p.setPen(pen)
        p.drawArc(rect, int(START_DEG * 16), int(SPAN_DEG * 16))
        frac = min(1.0, self.value / self.maximum) if self.maximum else 0.0
        if frac > 0:
            pen.setColor(self.color)
            p.setPen(pen)
            p.drawArc(rect, int(START_DEG * 16), int(SPAN_DEG * frac * 16))
        # the scale: a tick and a number at each step, the charger's maximum last
        c = rect.center()
        r_out = side / 2 + pen_w / 2
        f = QFont(self.font())
        f.setPixelSize(fpx)
        f.setBold(False)
        p.setFont(f)
        p.setPen(QPen(self.text_color, 2))
        for v in self.scale_ticks():
            a = math.radians(START_DEG + SPAN_DEG * (v / self.maximum))
            dx, dy = math.cos(a), -math.sin(a)
            p.drawLine(QPointF(c.x() + dx * (r_out - pen_w), c.y() + dy * (r_out - pen_w)),
                       QPointF(c.x() + dx * (r_out + 4), c.y() + dy * (r_out + 4)))
            tx, ty = c.x() + dx * (r_out + fpx * 0.9), c.y() + dy * (r_out + fpx * 0.9)
            p.drawText(QRectF(tx - fpx * 2, ty - fpx * 0.7, fpx * 4, fpx * 1.4), Qt.AlignmentFlag.AlignCenter,
                       label(v))
        f.setPixelSize(max(fpx, int(side * 0.2)))
        f.setBold(True)
        p.setFont(f)
        p.drawText(rect.adjusted(0, -side * 0.08, 0, -side * 0.08), Qt.AlignmentFlag.AlignCenter, self.text)
        f.setPixelSize(max(fpx, int(side * 0.09)))
        f.setBold(False)
        p.setFont(f)
        p.drawText(rect.adjusted(0, side * 0.2, 0, side * 0.2), Qt.AlignmentFlag.AlignCenter, self.unit)
