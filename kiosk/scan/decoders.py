"""QR decoders behind one interface.

``make_decoder(name)`` returns an object with ``decode(frame) -> list[Decoded]`` where
``frame`` is a BGR (H, W, 3) or grayscale (H, W) uint8 numpy array. Decoders only return
codes whose error correction succeeded (zxing-cpp ``valid``, zbar's Reed-Solomon check)
and whose text is printable; they never raise on a bad frame (only on misuse).

Names:

* ``"zxing"`` (default): zxing-cpp with the escalating fallbacks of
  :mod:`kiosk.scan.pipeline` on a miss (upscaling, sharpening, contrast normalisation,
  other binarisers), and pyzbar as a second opinion on high-glare candidates when libzbar
  is present.
* ``"zxing-plain"``: one zxing-cpp call, QR only (the baseline of the benchmark).
* ``"pyzbar"``: zbar through pyzbar, QR only. When libzbar is missing,
  :func:`make_decoder` raises :class:`DecoderUnavailable` with a message that says what to
  install; importing this module never fails because of it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import cv2
import numpy as np
import zxingcpp

log = logging.getLogger(__name__)

Quad = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]


class DecoderUnavailable(RuntimeError):
    """The decoder's native library is missing; the message says how to fix it."""


@dataclass(frozen=True)
class Decoded:
    text: str
    quad: Quad | None = None  # corners in frame pixels (top-left, top-right, bottom-right, bottom-left)
    stage: str = "fast"  # which pipeline stage found it (for statistics)


class Decoder(Protocol):
    name: str

    def decode(self, frame: np.ndarray) -> list[Decoded]: ...


def to_gray(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 2:
        return frame if frame.flags.c_contiguous else np.ascontiguousarray(frame)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def plausible_text(text: str) -> bool:
    """Decoded text must be non-empty text: no control characters (a QR with binary or
    garbage content is never a charger label; the payload rules decide the rest)."""
    if not text or len(text) > 4096:
        return False
    return all(ch.isprintable() or ch in "\t\r\n" for ch in text)


def _quad_from_zxing(pos: Any, scale: float = 1.0, offset: tuple[float, float] = (0.0, 0.0)) -> Quad:
    ox, oy = offset
    pts = (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
    return tuple((p.x / scale + ox, p.y / scale + oy) for p in pts)  # type: ignore[return-value]


class ZxingPlainDecoder:
    """One zxing-cpp ``read_barcodes`` call restricted to QR codes."""

    name = "zxing-plain"

    def __init__(self, **options: Any) -> None:
        self.options = {"formats": zxingcpp.BarcodeFormat.QRCode, **options}

    def decode(self, frame: np.ndarray) -> list[Decoded]:
        gray = to_gray(frame)
        out: list[Decoded] = []
        for b in zxingcpp.read_barcodes(gray, **self.options):
            if b.valid and plausible_text(b.text):
                out.append(Decoded(b.text, _quad_from_zxing(b.position), "fast"))
        return out


_zbar_lock = threading.Lock()
_zbar_module: Any = None
_zbar_error: str | None = None


def _load_zbar() -> Any:
    """Import pyzbar lazily; remember why it failed so the message can say so."""
    global _zbar_module, _zbar_error
    with _zbar_lock:
        if _zbar_module is None and _zbar_error is None:
            try:
                from pyzbar import pyzbar  # noqa: PLC0415 - optional native dependency

                _zbar_module = pyzbar
            except (ImportError, OSError) as exc:  # pyzbar raises ImportError when libzbar is missing
                _zbar_error = (
                    f"the pyzbar decoder needs the zbar library, which could not be loaded ({exc}). "
                    "Install it with 'sudo apt-get install libzbar0' (Debian/Raspberry Pi OS) "
                    "or choose decoder = \"zxing\"."
                )
        if _zbar_module is None:
            raise DecoderUnavailable(_zbar_error or "pyzbar is unavailable")
        return _zbar_module


def zbar_available() -> bool:
    try:
        _load_zbar()
    except DecoderUnavailable:
        return False
    return True


class PyzbarDecoder:
    """zbar through pyzbar, QR codes only."""

    name = "pyzbar"

    def __init__(self) -> None:
        self._pyzbar = _load_zbar()
        self._symbols = [self._pyzbar.ZBarSymbol.QRCODE]

    def decode(self, frame: np.ndarray) -> list[Decoded]:
        gray = to_gray(frame)
        out: list[Decoded] = []
        try:
            results = self._pyzbar.decode(gray, symbols=self._symbols)
        except Exception as exc:  # noqa: BLE001 - zbar can choke on odd input
            log.debug("pyzbar failed: %s", exc)
            return out
        for r in results:
            try:
                text = r.data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if not plausible_text(text):
                continue
            pts = [(float(p.x), float(p.y)) for p in (r.polygon or [])]
            quad = tuple(pts[:4]) if len(pts) == 4 else None
            out.append(Decoded(text, quad, "zbar"))  # type: ignore[arg-type]
        return out


DECODER_NAMES = ("zxing", "zxing-plain", "pyzbar")


#: Work per frame of the "zxing" pipeline in live use: the fast path always runs, and
#: fallback stages continue on the next frame once this is spent (see kiosk.scan.pipeline).
LIVE_BUDGET_MS = 30.0


def make_decoder(name: str = "zxing", **options: Any) -> Decoder:
    """Create a decoder by name (see the module docstring).

    ``"zxing"`` defaults to the live budget (:data:`LIVE_BUDGET_MS`); pass
    ``budget_ms=None`` to run every fallback on each frame (benchmark, image files)."""
    if name == "zxing":
        from kiosk.scan.pipeline import PipelineDecoder  # noqa: PLC0415

        options.setdefault("budget_ms", LIVE_BUDGET_MS)
        return PipelineDecoder(**options)
    if name == "zxing-plain":
        return ZxingPlainDecoder(**options)
    if name == "pyzbar":
        return PyzbarDecoder()
    raise ValueError(f"unknown decoder {name!r}; choose one of {', '.join(DECODER_NAMES)}")
