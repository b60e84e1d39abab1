"""Camera sources, QR decoders and the scanning worker (no Qt, no network).

See ``kiosk/scan/README.md`` for the design and the benchmark.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk._lazy import lazy_exports

__all__ = [
    "DECODER_NAMES",
    "Confirmer",
    "Decoded",
    "Decoder",
    "DecoderUnavailable",
    "EndOfStream",
    "FrameSource",
    "ImageSequenceSource",
    "NullSource",
    "OpenCVCamera",
    "Picamera2Source",
    "PyzbarDecoder",
    "ScanStats",
    "ScanWorker",
    "ScannerState",
    "SourceUnavailable",
    "SyntheticSource",
    "VideoFileSource",
    "ZxingPlainDecoder",
    "make_decoder",
    "open_source",
    "zbar_available",
]

# loaded on first use: OpenCV, numpy and zxing-cpp only when scanning starts
__getattr__ = lazy_exports(__name__, {
    "Confirmer": "worker", "DECODER_NAMES": "decoders", "Decoded": "decoders", "Decoder": "decoders",
    "DecoderUnavailable": "decoders", "EndOfStream": "sources", "FrameSource": "sources",
    "ImageSequenceSource": "sources", "NullSource": "sources", "OpenCVCamera": "sources",
    "Picamera2Source": "sources", "PyzbarDecoder": "decoders", "ScanStats": "worker", "ScanWorker": "worker",
    "ScannerState": "worker", "SourceUnavailable": "sources", "SyntheticSource": "sources",
    "VideoFileSource": "sources", "ZxingPlainDecoder": "decoders", "make_decoder": "decoders",
    "open_source": "sources", "zbar_available": "decoders",
})

if TYPE_CHECKING:
    from kiosk.scan.decoders import (
        DECODER_NAMES,
        Decoded,
        Decoder,
        DecoderUnavailable,
        PyzbarDecoder,
        ZxingPlainDecoder,
        make_decoder,
        zbar_available,
    )
    from kiosk.scan.sources import (
        EndOfStream,
        FrameSource,
        ImageSequenceSource,
        NullSource,
        OpenCVCamera,
        Picamera2Source,
        SourceUnavailable,
        SyntheticSource,
        VideoFileSource,
        open_source,
    )
    from kiosk.scan.worker import Confirmer, ScannerState, ScanStats, ScanWorker
