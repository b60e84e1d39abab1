"""Camera sources, QR decoders and the scanning worker (no Qt, no network).

See ``kiosk/scan/README.md`` for the design and the benchmark.
"""

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
