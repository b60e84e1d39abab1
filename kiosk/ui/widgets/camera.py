"""Camera preview with a scan frame, and the bridge that re-emits the scan worker's
callbacks (which run on the worker's threads) as Qt signals (queued to the UI thread)."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)


def to_qimage(frame: Any) -> QImage:
    """RGB (or grey) uint8 array -> an independent QImage (copied: safe across threads)."""
    import numpy as np   # imported with the scan worker, not at start-up

    if frame.ndim == 2:
        h, w = frame.shape
        return QImage(np.ascontiguousarray(frame).data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    h, w, _c = frame.shape
    arr = np.ascontiguousarray(frame[:, :, :3])
    return QImage(arr.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class ScanBridge(QObject):
    """Owns a :class:`kiosk.scan.ScanWorker`; its callbacks become signals.

    ``code(str)``, ``frame(QImage)`` and ``state(str)`` are emitted from the worker's
    threads; Qt queues them to the receivers' (UI) thread. Frames are converted to QImage
    on the worker thread, so the UI thread only paints."""

    code = Signal(str)
    frame = Signal(QImage)
    state = Signal(str)

    def __init__(self, source: Any = None, *, decoder: str = "zxing", confirmations: int = 2,
                 preview_fps: float = 10.0, decode_hz: float = 15.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.decoder = decoder
        self.confirmations = confirmations
        self.preview_fps = preview_fps
        self.decode_hz = decode_hz
        self.worker: Any = None
        self.paused = False

    def start(self) -> None:
        if self.source is None or self.worker is not None:
            return
        from kiosk.scan import ScanWorker, make_decoder

        self.worker = ScanWorker(self.source, decoder=make_decoder(self.decoder), confirmations=self.confirmations,
                                 on_code=self._on_code, on_preview=self._on_preview, on_state=self._on_state,
                                 preview_fps=self.preview_fps, decode_hz=self.decode_hz)
        self.worker.start()

    def stop(self) -> None:
        w, self.worker = self.worker, None
        if w is not None:
            w.stop(timeout=2.0)

    # worker threads ------------------------------------------------------------------
    def _on_code(self, text: str) -> None:
        if not self.paused:
            self.code.emit(text)

    def _on_preview(self, frame: Any) -> None:
        try:
            self.frame.emit(to_qimage(frame))
        except Exception:  # noqa: BLE001 - a bad frame must not kill the worker
            log.exception("preview frame dropped")

    def _on_state(self, state: Any) -> None:
        self.state.emit(str(getattr(state, "value", state)))


class CameraView(QWidget):
    """Shows the newest preview frame at the camera's aspect ratio (fitted, never stretched
    or cropped into a strip), centred, with a scan frame on top."""

    def __init__(self, parent: QWidget | None = None, aspect: float = 16 / 9) -> None:
        super().__init__(parent)
        self.setMinimumSize(200, 120)
        self.aspect = aspect          # width / height: the camera's, or that of its frames
        self.image: QImage | None = None
        self.frame_color = QColor("#0b7a53")
        self.message = ""
        self.frames_shown = 0

    def set_aspect(self, aspect: float) -> None:
        if aspect > 0 and abs(aspect - self.aspect) > 1e-3:
            self.aspect = aspect
            self.updateGeometry()
            self.update()

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, w: int) -> int:  # noqa: N802
        return round(w / self.aspect)

    def preview_rect(self) -> QRectF:
        """Where the preview is painted: the largest rectangle of the camera's aspect ratio."""
        w, h = self.width(), self.height()
        if w / max(h, 1) > self.aspect:
            pw, ph = h * self.aspect, float(h)
        else:
            pw, ph = float(w), w / self.aspect
        return QRectF((w - pw) / 2, (h - ph) / 2, pw, ph)

    def set_frame(self, img: QImage) -> None:
        self.image = img
        self.frames_shown += 1
        if not img.isNull() and img.height():
            self.set_aspect(img.width() / img.height())
        self.update()

    def clear(self) -> None:
        self.image = None
        self.update()

    def paintEvent(self, ev) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = self.preview_rect()
        p.fillRect(area, QColor("#1b1f1d"))
        img = self.image
        if img is not None and not img.isNull():
            # scaled by the paint engine straight into the window: no scaled copy of every
            # frame (10 a second) on the UI thread
            p.drawImage(area, img, QRectF(img.rect()))
        side = min(area.width(), area.height()) * 0.62
        r = QRectF(area.center().x() - side / 2, area.center().y() - side / 2, side, side)
        pen = QPen(self.frame_color, 6)
        p.setPen(pen)
        k = side * 0.22
        for cx, cy, dx, dy in ((r.left(), r.top(), 1, 1), (r.right(), r.top(), -1, 1),
                               (r.left(), r.bottom(), 1, -1), (r.right(), r.bottom(), -1, -1)):
            p.drawLine(int(cx), int(cy), int(cx + dx * k), int(cy))
            p.drawLine(int(cx), int(cy), int(cx), int(cy + dy * k))
        if self.message:
            p.setPen(QColor("#ffffff"))
            p.drawText(area.adjusted(10, 10, -10, -10),
                       Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap,
                       self.message)
