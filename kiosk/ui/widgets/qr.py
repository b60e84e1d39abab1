"""A QR code painted from segno's matrix (crisp at any size, no image files)."""

from __future__ import annotations

import segno
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget


class QrView(QWidget):
    def __init__(self, data: str = "", size: int = 240, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(size, size)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setFixedSize(size, size)
        self._matrix: list[list[bool]] = []
        self._data = ""
        self.set_data(data)

    def data(self) -> str:
        return self._data

    def set_data(self, data: str) -> None:
        if data == self._data and (self._matrix or not data):
            return   # encoding costs milliseconds: only when the content changed
        self._data = data
        if data:
            qr = segno.make(data, error="m")
            self._matrix = [[bool(v) for v in row] for row in qr.matrix_iter(scale=1, border=2)]
        else:
            self._matrix = []
        self.update()

    def paintEvent(self, ev) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#ffffff"))
        if not self._matrix:
            return
        n = len(self._matrix)
        cell = min(self.width(), self.height()) / n
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#000000"))
        for y, row in enumerate(self._matrix):
            for x, v in enumerate(row):
                if v:
                    p.drawRect(QRectF(x * cell, y * cell, cell + 0.5, cell + 0.5))
