"""zxing-cpp with escalating image work on a miss (first version; tuned later)."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import zxingcpp

from kiosk.scan.decoders import Decoded, _quad_from_zxing, plausible_text, to_gray

QR = zxingcpp.BarcodeFormat.QRCode


def _read(img: np.ndarray, scale: float = 1.0, stage: str = "fast", **opts: Any) -> list[Decoded]:
    out = []
    for b in zxingcpp.read_barcodes(img, formats=QR, **opts):
        if b.valid and plausible_text(b.text):
            out.append(Decoded(b.text, _quad_from_zxing(b.position, scale), stage))
    return out


class PipelineDecoder:
    name = "zxing"

    def __init__(self, **options: Any) -> None:
        self.options = options

    def decode(self, frame: np.ndarray) -> list[Decoded]:
        gray = to_gray(frame)
        found = _read(gray)
        if found:
            return found
        up = cv2.resize(gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
        return _read(up, 2.0, "up2", try_downscale=False)
