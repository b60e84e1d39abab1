"""The venue's mark: its logo file (setting ``venue_logo``), else a round badge with its
initials in its colour (the location's branding names no file the kiosk can load offline)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget


def initials(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    skip = {"hotel", "the", "de", "het", "der", "die", "le", "la"}
    main = [w for w in words if w.lower() not in skip] or words
    return "".join(w[0] for w in main[:2]).upper() or "EV"


class BrandMark(QWidget):
    def __init__(self, side: int = 64, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pixmap: QPixmap | None = None
        self.name = ""
        self.color = QColor("#0b7a53")
        self.on_color = QColor("#ffffff")
        self.ring = QColor("#ffffff")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.set_side(side)

    def set_side(self, side: int) -> None:
        w = side if self.pixmap is None else round(side * self.pixmap.width() / max(1, self.pixmap.height()))
        self.setFixedSize(min(w, side * 4), side)

    def set_logo(self, path: str | None) -> None:
        pm = QPixmap(str(path)) if path else QPixmap()
        self.pixmap = None if pm.isNull() else pm
        self.set_side(self.height())
        self.update()

    def set_brand(self, name: str, color: str, on_color: str, ring: str) -> None:
        self.name, self.color, self.on_color, self.ring = name, QColor(color), QColor(on_color), QColor(ring)
        self.update()

    def paintEvent(self, ev) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if self.pixmap is not None:
            pm = self.pixmap.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                    Qt.TransformationMode.SmoothTransformation)
            p.drawPixmap((self.width() - pm.width()) // 2, (self.height() - pm.height()) // 2, pm)
            return
        side = min(self.width(), self.height()) - 4
        r = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        p.setPen(self.ring)
        p.setBrush(self.color)
        p.drawEllipse(r)
        f = QFont(self.font())
        f.setPixelSize(max(8, int(side * 0.4)))
        f.setBold(True)
        p.setFont(f)
        p.setPen(self.on_color)
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, initials(self.name))
