"""A QR code widget (crisp at any size, no image files).

Encoding: zxing-cpp's writer (C++, already the scanner's decoder; ``create_barcode`` since
3.0, the version pyproject requires): a receipt's text encodes in ~0.5 ms, so it is done at
once on the UI thread. segno (pure Python) took ~15 ms for a receipt: on the UI thread a
stall, on a worker thread it still held the GIL for those 15 ms in slices, so the UI thread
waited for it at every Qt call that releases the GIL (the receipt screen's show cost
6-14 ms more while it ran, issue 5).

Painting: the code is one image with a pixel per module, scaled (nearest neighbour, sharp
module edges) in one ``drawImage``, not a rectangle per module in Python.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

log = logging.getLogger(__name__)

#: Light modules around the code, in modules.
BORDER = 2


def _encode(data: str) -> QImage:
    """The QR code of ``data`` (error correction M), one pixel per module (dark = 0),
    without its quiet zone."""
    import zxingcpp   # on first use (~3 ms): not before the kiosk's first frame

    img = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(
        scale=1, add_quiet_zones=False)
    h, w = memoryview(img).shape
    return QImage(bytes(img), w, h, w, QImage.Format.Format_Grayscale8).copy()


class QrView(QWidget):
    def __init__(self, data: str = "", size: int = 240, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(size, size)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setFixedSize(size, size)
        self._image: QImage | None = None
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
            return   # only when the content changed
        self._data = data
        self._image = None
        if data:
            self._set_image(data)
        self.update()

    def _set_image(self, data: str) -> None:
        try:
            self._image = _encode(data)
        except Exception:  # noqa: BLE001 - e.g. too long for a QR code: an empty square
            log.exception("QR code not encoded")

    def ready(self) -> bool:
        return self._image is not None or not self._data

    def modules(self) -> int:
        """Modules per side (0 before the code is encoded), without the quiet zone."""
        return self._image.width() if self._image is not None else 0

    def paintEvent(self, ev) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#ffffff"))
        img = self._image
        if img is None:
            return
        side = min(self.width(), self.height())
        size = round(side * img.width() / (img.width() + 2 * BORDER))
        x = (self.width() - size) // 2
        y = (self.height() - size) // 2
        p.drawImage(QRect(x, y, size, size), img)   # no smooth transform: sharp module edges
