"""A QR code painted from segno's matrix (crisp at any size, no image files)."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future

import shiboken6

import segno
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget


log = logging.getLogger(__name__)

#: Short texts (a guest code) encode in well under a millisecond; longer ones (a receipt)
#: take tens of ms in pure Python and are encoded on a worker thread.
SYNC_LIMIT = 40

#: One long-lived encoding thread for every QrView, started with the first long text. A
#: thread per receipt cost the UI loop its ``Thread.start()``, which waits until the new
#: thread runs: 5+ ms under load (the GIL hand-off), a stall per receipt. A daemon, like
#: the threads before it: nothing of it needs finishing at exit.
_jobs: queue.SimpleQueue = queue.SimpleQueue()
_worker: threading.Thread | None = None
_worker_lock = threading.Lock()


def _work() -> None:
    while True:
        data, fut = _jobs.get()
        if not fut.set_running_or_notify_cancel():
            continue
        try:
            fut.set_result(_matrix(data))
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
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is None:
                self._matrix = _matrix(data)
            else:
                _encode_later(data).add_done_callback(lambda fut, data=data: self._deliver(loop, data, fut))
        self.update()

    def ready(self) -> bool:
        return bool(self._matrix) or not self._data

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
        if shiboken6.isValid(self):
            self._on_encoded(data, fut.result())

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
