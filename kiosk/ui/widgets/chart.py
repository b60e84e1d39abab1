"""Power over time from usageSummary.dataPoints, painted with QPainter (PySide6-Essentials
has no QtCharts)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget


class PowerChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 160)
        self.points: list[tuple[float, float]] = []   # (seconds since first point, kW)
        self.color = QColor("#0b7a53")
        self.axis = QColor("#4a5550")
        self.empty_text = ""

    def set_colors(self, primary: str, axis: str) -> None:
        self.color, self.axis = QColor(primary), QColor(axis)
        self.update()

    def set_points(self, points: list[tuple[datetime, float | None]]) -> None:
        pts = [(t, float(kw)) for t, kw in points if t is not None and kw is not None]
        pts.sort(key=lambda x: x[0])
        if pts:
            t0 = pts[0][0]
            self.points = [((t - t0).total_seconds(), kw) for t, kw in pts]
        else:
            self.points = []
        self.update()

    def paintEvent(self, ev) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        m = 44
        area = QRectF(m, 10, self.width() - m - 10, self.height() - 40)
        p.setPen(QPen(self.axis, 2))
        p.drawLine(area.bottomLeft(), area.bottomRight())
        p.drawLine(area.bottomLeft(), area.topLeft())
        f = QFont(self.font())
        f.setPixelSize(14)
        p.setFont(f)
        if len(self.points) < 2:
            if self.empty_text:
                p.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty_text)
            return
        tmax = max(self.points[-1][0], 1.0)
        kmax = max(max(kw for _, kw in self.points), 1.0) * 1.1
        p.drawText(QRectF(0, area.top() - 8, m - 4, 20), Qt.AlignmentFlag.AlignRight, f"{kmax:.0f}")
        p.drawText(QRectF(0, area.bottom() - 10, m - 4, 20), Qt.AlignmentFlag.AlignRight, "0")
        mins = tmax / 60
        p.drawText(QRectF(area.right() - 120, area.bottom() + 4, 120, 22), Qt.AlignmentFlag.AlignRight,
                   f"{mins:.0f} min")
        path = QPainterPath()
        for i, (t, kw) in enumerate(self.points):
            pt = QPointF(area.left() + area.width() * t / tmax, area.bottom() - area.height() * kw / kmax)
            if i == 0:
                path.moveTo(pt)
            else:
                path.lineTo(pt)
        p.setPen(QPen(self.color, 3))
        p.drawPath(path)
