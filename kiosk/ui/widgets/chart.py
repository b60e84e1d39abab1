"""Power over time from usageSummary.dataPoints, painted with QPainter (PySide6-Essentials
has no QtCharts): both axes with their unit and ticks; the power axis ends at the charger's
maximum (as the gauge), the time axis is labelled with the kiosk's one duration format."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from kiosk.ui.widgets.scale import label, nice_max, nice_step, ticks

#: time steps (s) the x axis may use: 1, 2, 5, 10, 15, 30 min, 1, 2, 3, 6, 12 h
TIME_STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200)


class PowerChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(240, 140)
        self.points: list[tuple[float, float]] = []   # (seconds since first point, kW)
        self.color = QColor("#0b7a53")
        self.axis = QColor("#4a5550")
        self.grid = QColor("#d5dbd8")
        self.empty_text = ""
        self.unit = "kW"
        self.charger_max: float | None = None
        self.min_text_px = 12
        self.duration: Callable[[float], str] = lambda s: f"{int(s // 60)} min"

    def set_colors(self, primary: str, axis: str, grid: str | None = None) -> None:
        self.color, self.axis = QColor(primary), QColor(axis)
        if grid:
            self.grid = QColor(grid)
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

    def y_max(self) -> float:
        top = max((kw for _t, kw in self.points), default=0.0)
        return max(self.charger_max or nice_max(top * 1.1 or 1.0), top, 1.0)

    def x_ticks(self, width_px: float, label_px: float) -> list[float]:
        tmax = max(self.points[-1][0], 60.0) if self.points else 60.0
        fit = max(1, int(width_px // (label_px * 1.4)))
        step = next((s for s in TIME_STEPS if tmax / s <= fit), TIME_STEPS[-1])
        return [i * step for i in range(int(tmax // step) + 1)]

    def paintEvent(self, ev) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fpx = max(self.min_text_px, int(self.font().pixelSize() * 0.85) if self.font().pixelSize() > 0 else 14)
        f = QFont(self.font())
        f.setPixelSize(fpx)
        p.setFont(f)
        fm = QFontMetrics(f)
        ymax = self.y_max()
        yt = ticks(ymax, 4)
        left = max(fm.horizontalAdvance(label(v)) for v in yt) + 12
        top = fm.height() + 6                      # the unit above the power axis
        area = QRectF(left, top, self.width() - left - fm.horizontalAdvance(self.duration(0)) / 2 - 4,
                      self.height() - top - fm.height() - 10)
        if area.width() < 40 or area.height() < 30:
            return
        p.setPen(QPen(self.axis, 1))
        p.drawText(QRectF(0, 0, left + 80, fm.height()), Qt.AlignmentFlag.AlignLeft, self.unit)
        for v in yt:                                # y ticks and grid lines
            y = area.bottom() - area.height() * v / ymax
            p.setPen(QPen(self.grid, 1))
            p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            p.setPen(QPen(self.axis, 2))
            p.drawLine(QPointF(area.left() - 5, y), QPointF(area.left(), y))
            p.drawText(QRectF(0, y - fm.height() / 2, left - 8, fm.height()),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label(v))
        p.setPen(QPen(self.axis, 2))
        p.drawLine(area.bottomLeft(), area.bottomRight())
        p.drawLine(area.bottomLeft(), area.topLeft())
        if len(self.points) < 2:
            if self.empty_text:
                p.drawText(area.adjusted(8, 8, -8, -8), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                           self.empty_text)
            return
        tmax = max(self.points[-1][0], 60.0)
        widest = fm.horizontalAdvance(self.duration(tmax))
        xt = self.x_ticks(area.width(), widest)
        for t in xt:                                # x ticks, each a duration
            x = area.left() + area.width() * t / tmax
            p.drawLine(QPointF(x, area.bottom()), QPointF(x, area.bottom() + 5))
            text = self.duration(t)
            w = fm.horizontalAdvance(text) + 4
            x0 = min(max(x - w / 2, area.left() - left / 2), self.width() - w)
            p.drawText(QRectF(x0, area.bottom() + 6, w, fm.height()), Qt.AlignmentFlag.AlignCenter, text)
        path = QPainterPath()
        for i, (t, kw) in enumerate(self.points):
            pt = QPointF(area.left() + area.width() * t / tmax, area.bottom() - area.height() * min(kw, ymax) / ymax)
            if i == 0:
                path.moveTo(pt)
            else:
                path.lineTo(pt)
        p.setPen(QPen(self.color, 3))
        p.drawPath(path)


__all__ = ["PowerChart", "nice_step"]
