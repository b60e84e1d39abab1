"""Camera sources behind one interface.

A :class:`FrameSource` is opened, read and closed by the scanning worker (one thread):

* ``open()`` raises :class:`SourceUnavailable` when there is no camera (yet);
* ``read()`` returns the next BGR frame (H, W, 3) uint8, ``None`` when no frame came
  within a short time (the worker just asks again), raises :class:`SourceUnavailable`
  when the device went away (the worker closes, waits and reopens: unplug/replug) and
  :class:`EndOfStream` at the end of a file or folder that does not loop;
* ``close()`` is idempotent.

File and folder sources pace frames at their frame rate by default, like a camera;
``realtime=False`` delivers them as fast as they are read (benchmarks, tests).
"""

from __future__ import annotations

import glob
import importlib.util
import logging
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mkv", ".mov", ".webm", ".mjpg", ".mjpeg", ".m4v", ".h264")


class SourceUnavailable(RuntimeError):
    """The camera is missing or was disconnected (may come back)."""


class EndOfStream(Exception):
    """A finite source (file, folder) has no more frames."""


class FrameSource:
    """Base class. Subclasses implement ``_open``, ``_read`` and ``_close``."""

    live = False  # a real camera (reconnects) rather than a file/folder/synthetic source
    name = "source"

    def __init__(self, width: int = 640, height: int = 480, fps: float = 15.0) -> None:
        self.width = int(width)
        self.height = int(height)
        self.fps = float(fps) if fps and fps > 0 else 15.0
        self.is_open = False

    def open(self) -> None:
        if not self.is_open:
            self._open()
            self.is_open = True

    def read(self) -> np.ndarray | None:
        if not self.is_open:
            raise SourceUnavailable(f"{self.name} is not open")
        return self._read()

    def close(self) -> None:
        if self.is_open:
            self.is_open = False
            try:
                self._close()
            except Exception:  # noqa: BLE001 - closing must not fail
                log.debug("closing %s failed", self.name, exc_info=True)

    def __enter__(self) -> FrameSource:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.width}x{self.height}@{self.fps:g}>"

    # subclass hooks
    def _open(self) -> None:
        pass

    def _read(self) -> np.ndarray | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _close(self) -> None:
        pass


class _Pacer:
    """Sleeps so that frames come out at ``fps`` x ``speed`` (like a camera), without drift."""

    def __init__(self, fps: float, realtime: bool, speed: float = 1.0) -> None:
        self.period = 1.0 / (fps * max(speed, 1e-6))
        self.realtime = realtime
        self.next_t: float | None = None

    def wait(self) -> None:
        if not self.realtime:
            return
        now = time.monotonic()
        if self.next_t is None or now - self.next_t > 1.0:  # first frame, or we fell far behind
            self.next_t = now
        delay = self.next_t - now
        if delay > 0:
            time.sleep(delay)
        self.next_t += self.period


class NullSource(FrameSource):
    """``camera = "none"``: scanning switched off; opening always says there is no camera."""

    name = "none"

    def _open(self) -> None:
        raise SourceUnavailable("no camera configured (camera = \"none\")")


class OpenCVCamera(FrameSource):
    """A USB/V4L2 camera through OpenCV, by index (``0``) or device path (``/dev/video0``).

    Asks for MJPG at the given size and rate (what most USB cameras deliver fastest); a
    frame that does not arrive or a failed grab marks the device as gone, the worker then
    reopens it with a back-off, which covers unplugging and plugging back.
    """

    live = True

    def __init__(self, device: int | str = 0, width: int = 1280, height: int = 720, fps: float = 15.0,
                 *, fourcc: str | None = "MJPG", api: int | None = None, max_failures: int = 10) -> None:
        super().__init__(width, height, fps)
        self.device = device
        self.name = f"camera {device}"
        self.fourcc = fourcc
        self.api = api if api is not None else (cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY)
        self.max_failures = max_failures
        self._cap: cv2.VideoCapture | None = None
        self._failures = 0

    def _open(self) -> None:
        if isinstance(self.device, str) and self.device.startswith("/dev/") and not os.path.exists(self.device):
            raise SourceUnavailable(f"{self.device} does not exist (camera unplugged?)")
        cap = cv2.VideoCapture(self.device, self.api)
        if not cap.isOpened():
            cap.release()
            raise SourceUnavailable(f"cannot open {self.name}")
        if self.fourcc:
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*self.fourcc))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        cap.set(cv2.CAP_PROP_FPS, self.fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # newest frame wins, also inside the driver
        self._cap = cap
        self._failures = 0
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if w and h and (w, h) != (self.width, self.height):
            log.info("%s delivers %dx%d instead of %dx%d", self.name, w, h, self.width, self.height)

    def _read(self) -> np.ndarray | None:
        assert self._cap is not None
        ok, frame = self._cap.read()
        if not ok or frame is None:
            self._failures += 1
            if self._failures >= self.max_failures or (
                isinstance(self.device, str) and self.device.startswith("/dev/") and not os.path.exists(self.device)
            ):
                raise SourceUnavailable(f"{self.name} stopped delivering frames")
            time.sleep(0.02)
            return None
        self._failures = 0
        return frame

    def _close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class VideoFileSource(FrameSource):
    """A video file, paced at its own frame rate (or ``fps``), optionally looping."""

    def __init__(self, path: str | os.PathLike[str], fps: float | None = None, *, loop: bool = True,
                 realtime: bool = True, speed: float = 1.0) -> None:
        super().__init__(0, 0, fps or 15.0)
        self.speed = speed
        self.path = str(path)
        self.name = Path(self.path).name
        self._fps_override = fps
        self.loop = loop
        self.realtime = realtime
        self._cap: cv2.VideoCapture | None = None
        self._pacer = _Pacer(self.fps, realtime)

    def _open(self) -> None:
        if not os.path.isfile(self.path):
            raise SourceUnavailable(f"video file {self.path} not found")
        cap = cv2.VideoCapture(self.path)
        if not cap.isOpened():
            raise SourceUnavailable(f"cannot read video file {self.path}")
        file_fps = cap.get(cv2.CAP_PROP_FPS)
        if not self._fps_override and file_fps and 0 < file_fps <= 240:
            self.fps = float(file_fps)
        self.width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self._pacer = _Pacer(self.fps, self.realtime, self.speed)
        self._cap = cap

    def _read(self) -> np.ndarray | None:
        assert self._cap is not None
        self._pacer.wait()
        ok, frame = self._cap.read()
        if not ok:
            if not self.loop:
                raise EndOfStream(self.path)
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._cap.read()
            if not ok:
                raise EndOfStream(self.path)
        return frame

    def _close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class ImageSequenceSource(FrameSource):
    """Images of a folder (sorted by name), a glob pattern or an explicit list of files."""

    def __init__(self, files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], fps: float = 15.0, *,
                 loop: bool = True, realtime: bool = True, cache: bool = True, speed: float = 1.0,
                 preload: bool = False) -> None:
        super().__init__(0, 0, fps)
        self.speed = speed
        self.preload = preload and cache
        if isinstance(files, (str, os.PathLike)):
            spec = str(files)
            if os.path.isdir(spec):
                paths = sorted(str(p) for p in Path(spec).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            else:
                paths = sorted(glob.glob(spec))
            self.name = spec
        else:
            paths = [str(p) for p in files]
            self.name = f"{len(paths)} images"
        self.paths = paths
        self.loop = loop
        self.realtime = realtime
        self.cache = cache
        self._frames: dict[int, np.ndarray] = {}
        self._i = 0
        self._pacer = _Pacer(self.fps, realtime, speed)

    def _open(self) -> None:
        if not self.paths:
            raise SourceUnavailable(f"no images in {self.name}")
        first = self._load(0)
        self.height, self.width = first.shape[:2]
        if self.preload:  # read every file now, so frames come at camera pace from the start
            for i in range(1, len(self.paths)):
                self._load(i)
        self._i = 0
        self._pacer = _Pacer(self.fps, self.realtime, self.speed)

    def _load(self, i: int) -> np.ndarray:
        frame = self._frames.get(i)
        if frame is None:
            frame = cv2.imread(self.paths[i], cv2.IMREAD_COLOR)
            if frame is None:
                raise SourceUnavailable(f"cannot read image {self.paths[i]}")
            if self.cache:
                self._frames[i] = frame
        return frame

    def _read(self) -> np.ndarray | None:
        if self._i >= len(self.paths):
            if not self.loop:
                raise EndOfStream(self.name)
            self._i = 0
        self._pacer.wait()
        frame = self._load(self._i)
        self._i += 1
        # a camera hands out a new buffer per frame: so do we (consumers may keep it)
        return frame.copy() if self.cache else frame


class Picamera2Source(FrameSource):
    """A Raspberry Pi CSI camera through Picamera2 (only when that package is installed)."""

    live = True
    name = "picamera2"

    def __init__(self, width: int = 1280, height: int = 720, fps: float = 15.0) -> None:
        super().__init__(width, height, fps)
        self._cam = None

    @staticmethod
    def available() -> bool:
        return importlib.util.find_spec("picamera2") is not None

    def _open(self) -> None:
        if not self.available():
            raise SourceUnavailable("the picamera2 package is not installed (sudo apt-get install python3-picamera2)")
        try:
            from picamera2 import Picamera2  # noqa: PLC0415 - optional, Raspberry Pi only

            cam = Picamera2()
            cfg = cam.create_video_configuration(
                # libcamera names formats by word order: "RGB888" is B,G,R in memory,
                # the order OpenCV expects (see raspberrypi/picamera2 issue #1325)
                main={"size": (self.width, self.height), "format": "RGB888"},
                controls={"FrameRate": float(self.fps)},
                buffer_count=2,
            )
            cam.configure(cfg)
            cam.start()
        except Exception as exc:  # noqa: BLE001 - libcamera reports many kinds of errors
            raise SourceUnavailable(f"cannot open the CSI camera: {exc}") from exc
        self._cam = cam

    def _read(self) -> np.ndarray | None:
        try:
            arr = self._cam.capture_array("main")  # type: ignore[union-attr]  # H x W x 3 (or 4), BGR
        except Exception as exc:  # noqa: BLE001
            raise SourceUnavailable(f"CSI camera failed: {exc}") from exc
        if arr is None:
            return None
        if arr.ndim == 3 and arr.shape[2] == 4:
            arr = arr[:, :, :3]
        return np.ascontiguousarray(arr)

    def _close(self) -> None:
        if self._cam is not None:
            try:
                self._cam.stop()
                self._cam.close()
            finally:
                self._cam = None


class SyntheticSource(FrameSource):
    """Camera-like frames showing QR labels for the demo: each payload in turn is held in
    front of a charger housing for ``hold_s`` seconds, moving, tilting and breathing in
    scale, with lens blur, sensor noise and an empty gap between labels.

    ``payloads``: the texts to show (the demo venue's QR URLs, passed in by the app).
    Deterministic for a given ``seed``; ``realtime=False`` for tests (or ``speed``).
    Rendering works in uint8 and reuses a small bank of noise frames: about 3-6 ms a frame
    at 1280x720, so it keeps up with 15 fps on a Raspberry Pi.
    """

    name = "synthetic"

    def __init__(self, payloads: Sequence[str], width: int = 640, height: int = 480, fps: float = 15.0, *,
                 hold_s: float = 4.0, gap_s: float = 1.5, seed: int = 0, realtime: bool = True,
                 noise: float = 3.0, speed: float = 1.0) -> None:
        super().__init__(width, height, fps)
        self.payloads = [p for p in payloads if p]
        self.hold_s = hold_s
        self.gap_s = gap_s
        self.realtime = realtime
        self._pacer = _Pacer(self.fps, realtime, speed)
        self._labels: dict[int, np.ndarray] = {}
        self._background = self._make_background()
        rng = np.random.default_rng(seed)
        self._noise = [np.clip(rng.normal(0, noise, (height, width, 1)), -127, 127).astype(np.int16) for _ in range(4)]
        self.frame_index = 0

    def _make_background(self) -> np.ndarray:
        h, w = self.height, self.width
        y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
        x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
        base = 70 + 40 * y + 15 * x
        bg = np.clip(np.dstack([base * 0.95, base, base * 1.05]), 0, 255).astype(np.uint8)
        # a display and a socket on the charger housing
        cv2.rectangle(bg, (int(w * 0.06), int(h * 0.08)), (int(w * 0.30), int(h * 0.30)), (25, 30, 28), -1)
        cv2.circle(bg, (int(w * 0.85), int(h * 0.78)), int(min(w, h) * 0.08), (30, 30, 30), -1)
        cv2.putText(bg, "CHARGING STATION", (int(w * 0.05), int(h * 0.95)), cv2.FONT_HERSHEY_SIMPLEX,
                    w / 900, (200, 200, 200), max(1, w // 400), cv2.LINE_AA)
        return bg

    def _label(self, i: int) -> np.ndarray:
        lab = self._labels.get(i)
        if lab is None:
            import segno  # noqa: PLC0415 - only the demo source needs it

            qr = segno.make_qr(self.payloads[i], error="m")
            matrix = np.array([[bool(v) for v in row] for row in qr.matrix_iter(scale=1, border=4)], dtype=bool)
            ppm = 6
            img = np.where(matrix, 25, 235).astype(np.uint8)
            img = np.kron(img, np.ones((ppm, ppm), np.uint8))
            img = cv2.copyMakeBorder(img, 0, ppm * 4, 0, 0, cv2.BORDER_CONSTANT, value=235)
            lab = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
            self._labels[i] = lab
        return lab

    def render(self, t: float) -> np.ndarray:
        """The frame at time ``t`` seconds."""
        h, w = self.height, self.width
        frame = self._background.copy()
        if self.payloads:
            cycle = self.hold_s + self.gap_s
            k = int(t // cycle)
            if t - k * cycle < self.hold_s:
                lab = self._label(k % len(self.payloads))
                lh, lw = lab.shape[:2]
                side = min(w, h) * (0.42 + 0.06 * math.sin(t * 1.3))
                scale = side / lw
                ang = math.radians(8 * math.sin(t * 0.9))
                cx = w / 2 + w * 0.12 * math.sin(t * 0.7)
                cy = h / 2 + h * 0.08 * math.cos(t * 0.5)
                tilt = 0.08 * math.sin(t * 0.6)
                src = np.float32([[0, 0], [lw, 0], [lw, lh], [0, lh]])
                pts = []
                for sx, sy in src:
                    x = (sx - lw / 2) * scale * (1 + tilt * (sy / lh - 0.5))
                    y = (sy - lh / 2) * scale
                    pts.append((cx + x * math.cos(ang) - y * math.sin(ang), cy + x * math.sin(ang) + y * math.cos(ang)))
                M = cv2.getPerspectiveTransform(src, np.float32(pts))
                cv2.warpPerspective(lab, M, (w, h), dst=frame, flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_TRANSPARENT)
        # lens softness that changes with movement, and sensor noise
        frame = cv2.GaussianBlur(frame, (0, 0), 0.7 + 0.4 * abs(math.sin(t * 2.1)))
        noisy = frame.astype(np.int16)
        noisy += self._noise[self.frame_index % len(self._noise)]
        return np.clip(noisy, 0, 255).astype(np.uint8)

    def _read(self) -> np.ndarray | None:
        self._pacer.wait()
        t = self.frame_index / self.fps
        frame = self.render(t)
        self.frame_index += 1
        return frame


def open_source(spec: str | int, width: int = 1280, height: int = 720, fps: float = 15.0, *,
                payloads: Sequence[str] = (), realtime: bool = True) -> FrameSource:
    """A source from the ``camera`` setting: an index (``"0"``), a device path, a video
    file, an image folder or glob, ``"synthetic"`` (needs ``payloads``), ``"picamera2"``
    or ``"none"``. Nothing is opened yet (the worker opens it and handles absence)."""
    s = str(spec).strip()
    if s.lower() in ("", "none", "off"):
        return NullSource(width, height, fps)
    if s.lower() == "synthetic":
        return SyntheticSource(list(payloads), width, height, fps, realtime=realtime)
    if s.lower() in ("picamera2", "csi"):
        return Picamera2Source(width, height, fps)
    if s.isdigit():
        return OpenCVCamera(int(s), width, height, fps)
    if s.startswith("/dev/"):
        return OpenCVCamera(s, width, height, fps)
    if os.path.isdir(s) or any(c in s for c in "*?["):
        return ImageSequenceSource(s, fps, realtime=realtime)
    suffix = Path(s).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return ImageSequenceSource([s], fps, realtime=realtime)
    if suffix in VIDEO_SUFFIXES or os.path.isfile(s):
        return VideoFileSource(s, None, realtime=realtime)
    raise ValueError(f"camera {s!r}: not an index, device, file, folder, 'synthetic', 'picamera2' or 'none'")
