"""A QR code widget (crisp at any size, no image files).

Encoding: zxing-cpp's writer (C++, already a dependency for scanning): a receipt's text
encodes in ~0.5 ms, so it is done at once on the UI thread. segno (pure Python) took
~15 ms for a receipt: on the UI thread a stall, on a worker thread it still held the GIL
for those 15 ms in slices, so the UI thread waited for it at every Qt call that releases
the GIL (the receipt screen's show cost 6-14 ms more while it ran, issue 5). segno
remains the fallback for a zxing-cpp without a writer (``create_barcode``); long texts
then go to one long-lived worker thread.

Painting: the code is one image with a pixel per module, scaled (nearest neighbour, sharp
module edges) in one ``drawImage``, not a rectangle per module in Python.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future
from typing import Any

import shiboken6

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget


log = logging.getLogger(__name__)

#: Light modules around the code, in modules.
BORDER = 2

#: With the segno fallback: short texts (a guest code) encode in well under a
#: millisecond on the UI thread; longer ones (a receipt) on the worker thread.
SYNC_LIMIT = 40

_zxing: Any = None


def _writer() -> Any:
    """zxingcpp if it can write QR codes, else None (imported on first use: ~3 ms)."""
    global _zxing
    if _zxing is None:
        try:
            import zxingcpp

            _zxing = zxingcpp if hasattr(zxingcpp, "create_barcode") else False
        except ImportError:
            _zxing = False
    return _zxing or None


def _encode(data: str) -> QImage:
    """The QR code of ``data`` (error correction M), one pixel per module (dark = 0),
    without its quiet zone. Runs on any thread (QImage is reentrant)."""
    zx = _writer()
    if zx is not None:
        img = zx.create_barcode(data, zx.BarcodeFormat.QRCode, ec_level="M").to_image(
            scale=1, add_quiet_zones=False)
        h, w = memoryview(img).shape
        return QImage(bytes(img), w, h, w, QImage.Format.Format_Grayscale8).copy()
    import segno

    rows = list(segno.make(data, error="m").matrix_iter(scale=1, border=0))
    n = len(rows)
    raw = bytes(0 if v else 255 for row in rows for v in row)
    return QImage(raw, n, n, n, QImage.Format.Format_Grayscale8).copy()


#: The segno fallback's encoding thread, started with the first long text. A thread per
#: receipt cost the UI loop its ``Thread.start()``, which waits until the new thread runs
#: (5+ ms under load). A daemon: nothing of it needs finishing at exit.
_jobs: queue.SimpleQueue = queue.SimpleQueue()
_worker: threading.Thread | None = None
_worker_lock = threading.Lock()


def _work() -> None:
    while True:
        data, fut = _jobs.get()
        if not fut.set_running_or_notify_cancel():
            continue
        try:
            fut.set_result(_encode(data))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting widget
            fut.set_exception(exc)


def _encode_later(data: str) -> Future:
    """Queue ``data`` for the encoding thread; the future's callbacks run on that thread."""
    global _worker
    with _worker_lock:
        if _worker is None or not _worker.is_alive():   # first use (or after a fork)
            _worker = threading.Thread(target=_work, name="qr-encode", daemon=True)
            _worker.start()
    fut: Future = Future()
    _jobs.put((data, fut))
    return fut


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
        if data and (len(data) <= SYNC_LIMIT or _writer() is not None):
            self._set_image(data)
        elif data:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is None:
                self._set_image(data)
            else:
                _encode_later(data).add_done_callback(lambda fut, data=data: self._deliver(loop, data, fut))
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

    def _deliver(self, loop: asyncio.AbstractEventLoop, data: str, fut: Future) -> None:
        """Encoding thread. The result goes back through the event loop, never by touching
        the widget (which the UI thread may be deleting) from this thread."""
        try:
            loop.call_soon_threadsafe(self._on_encoded_safe, data, fut)
        except RuntimeError:   # the loop is closed: the app is gone
            pass

    def _on_encoded_safe(self, data: str, fut: Future) -> None:
        """On the event loop: the widget may be gone by now."""
        if fut.exception() is not None:
            log.error("QR code not encoded", exc_info=fut.exception())
            return
        if shiboken6.isValid(self) and data == self._data:
            self._image = fut.result()
            self.update()

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
