"""A QR code painted from segno's matrix (crisp at any size, no image files)."""

from __future__ import annotations

import asyncio
import threading

import shiboken6

import segno
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget


#: Short texts (a guest code) encode in well under a millisecond; longer ones (a receipt)
#: take tens of ms in pure Python and are encoded on a worker thread.
SYNC_LIMIT = 40


def _matrix(data: str) -> list[list[bool]]:
    qr = segno.make(data, error="m")
    return [[bool(v) for v in row] for row in qr.matrix_iter(scale=1, border=2)]


class QrView(QWidget):
    def __init__(self, data: str = "", size: int = 240, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(size, size)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setFixedSize(size, size)
        self._matrix: list[list[bool]] = []
        self._data = ""
        self.set_data(data)

    def set_side(self, size: int) -> None:
        """The QR code's side in px (smaller in the compact layout)."""
        self.setMinimumSize(size, size)
        self.setFixedSize(size, size)

    def data(self) -> str:
        return self._data

    def set_data(self, data: str) -> None:
        if data == self._data:
            return   # encoding costs milliseconds: only when the content changed
        self._data = data
        self._matrix = []
        if data and len(data) <= SYNC_LIMIT:
            self._matrix = _matrix(data)
        elif data:
            # a short-lived worker per receipt (a few per guest): nothing to shut down later
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is None:
                self._matrix = _matrix(data)
            else:
                threading.Thread(target=self._encode, args=(data, loop), name="qr-encode", daemon=True).start()
        self.update()

    def ready(self) -> bool:
        return bool(self._matrix) or not self._data

    def _encode(self, data: str, loop: asyncio.AbstractEventLoop) -> None:
        """Worker thread. The result goes back through the event loop, never by touching
        the widget (which the UI thread may be deleting) from this thread."""
        matrix = _matrix(data)
        try:
            loop.call_soon_threadsafe(self._on_encoded_safe, data, matrix)
        except RuntimeError:   # the loop is closed: the app is gone
            pass

    def _on_encoded_safe(self, data: str, matrix: list[list[bool]]) -> None:
        if shiboken6.isValid(self):
            self._on_encoded(data, matrix)

    def _on_encoded(self, data: str, matrix: list[list[bool]]) -> None:
        if data == self._data:
            self._matrix = matrix
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
