"""The scanning worker: camera and decoding off the UI thread.

Two threads per worker:

* the **capture** thread reads the source at the camera's pace, keeps only the newest
  frame in a one-slot mailbox (older, undecoded frames are dropped and counted: the
  newest frame wins, so there is never a backlog), and hands a preview copy to
  ``on_preview`` at most ``preview_fps`` times a second;
* the **decode** thread takes the newest frame at most ``decode_hz`` times a second,
  decodes it and passes the texts through a :class:`Confirmer`: a code is accepted
  (``on_code``) after ``confirmations`` consecutive decodes of the same text.

Callbacks run on these threads; the UI re-emits them as Qt signals. ``stop()`` sets an
Event that both loops check at least every 100 ms and joins with a timeout.

Errors: a missing or unplugged camera puts the worker in ``NO_CAMERA`` and it retries
opening with a back-off (1 s, 2 s, ... up to 5 s) until it comes back (then ``RUNNING``).
Decoder exceptions are counted against an error budget (``max_errors`` within
``error_window_s``); exceeding it, or a source that cannot be created at all, is
``FAILED``.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from kiosk.scan.decoders import Decoder, make_decoder
from kiosk.scan.sources import EndOfStream, FrameSource, SourceUnavailable

log = logging.getLogger(__name__)


class ScannerState(enum.StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    NO_CAMERA = "no_camera"
    FAILED = "failed"
    STOPPED = "stopped"


class Confirmer:
    """Accept a text after it was decoded ``n`` times in a row.

    "In a row" means consecutive decodes that found codes: a frame that found a
    *different* code resets the count, a frame that found nothing does not (live video
    alternates between hits and misses on a hard code) unless the text has not been seen
    for ``forget_s`` seconds. An accepted text is not reported again until it has been
    out of sight for ``forget_s`` (the guest keeps holding the label up) or
    :meth:`reset` is called.
    """

    def __init__(self, n: int = 2, forget_s: float = 1.5, clock: Callable[[], float] = time.monotonic) -> None:
        self.n = max(1, int(n))
        self.forget_s = forget_s
        self.clock = clock
        self._counts: dict[str, int] = {}
        self._last_seen: dict[str, float] = {}
        self._accepted: set[str] = set()

    def reset(self) -> None:
        self._counts.clear()
        self._last_seen.clear()
        self._accepted.clear()

    def feed(self, texts: list[str]) -> list[str]:
        now = self.clock()
        for t, seen in list(self._last_seen.items()):
            if now - seen > self.forget_s:
                self._last_seen.pop(t, None)
                self._counts.pop(t, None)
                self._accepted.discard(t)
        if not texts:
            return []
        current = set(texts)
        for t in list(self._counts):
            if t not in current:
                self._counts.pop(t)
        accepted = []
        for t in dict.fromkeys(texts):
            self._last_seen[t] = now
            self._counts[t] = self._counts.get(t, 0) + 1
            if self._counts[t] >= self.n and t not in self._accepted:
                self._accepted.add(t)
                accepted.append(t)
        return accepted


@dataclass
class ScanStats:
    frames_captured: int = 0
    frames_dropped: int = 0  # replaced in the mailbox before being decoded
    frames_decoded: int = 0
    codes_seen: int = 0
    codes_accepted: int = 0
    decode_errors: int = 0
    reconnects: int = 0
    previews: int = 0
    decode_ms: list[float] = field(default_factory=list, repr=False)  # last 100 decode times
    # age of each decoded frame when its decode started (capture -> decode), last 100:
    # stays below one decode time plus one frame period when nothing queues up
    frame_age_ms: list[float] = field(default_factory=list, repr=False)
    max_frame_age_ms: float = 0.0

    def add_decode_ms(self, ms: float, age_ms: float) -> None:
        self.decode_ms.append(ms)
        self.frame_age_ms.append(age_ms)
        self.max_frame_age_ms = max(self.max_frame_age_ms, age_ms)
        if len(self.decode_ms) > 100:
            del self.decode_ms[:-100]
            del self.frame_age_ms[:-100]


def _noop(*_args: object) -> None:
    pass


class ScanWorker:
    """Runs a :class:`FrameSource` and a decoder on worker threads (see module docs)."""

    def __init__(
        self,
        source: FrameSource,
        decoder: Decoder | None = None,
        confirmations: int = 2,
        on_code: Callable[[str], None] | None = None,
        on_preview: Callable[[np.ndarray], None] | None = None,
        on_state: Callable[[ScannerState], None] | None = None,
        preview_fps: float = 10.0,
        decode_hz: float = 15.0,
        *,
        preview_rgb: bool = True,
        preview_max_width: int | None = 960,
        max_errors: int = 20,
        error_window_s: float = 10.0,
        reconnect_max_s: float = 5.0,
        forget_s: float = 1.5,
    ) -> None:
        self.source = source
        self.decoder = decoder if decoder is not None else make_decoder("zxing")
        self.confirmer = Confirmer(confirmations, forget_s)
        self.on_code = on_code or _noop
        self.on_preview = on_preview
        self.on_state = on_state or _noop
        self.preview_period = 1.0 / preview_fps if preview_fps and preview_fps > 0 else None
        self.decode_period = 1.0 / decode_hz if decode_hz and decode_hz > 0 else 0.0
        self.preview_rgb = preview_rgb
        self.preview_max_width = preview_max_width
        self.max_errors = max_errors
        self.error_window_s = error_window_s
        self.reconnect_max_s = reconnect_max_s
        self.stats = ScanStats()
        self._state = ScannerState.STOPPED
        self._state_lock = threading.Lock()
        self._stop = threading.Event()
        self._cond = threading.Condition()
        self._slot: np.ndarray | None = None  # newest frame not yet decoded
        self._slot_t = 0.0  # when it was captured
        self._finished = False  # the source ended (file without loop)
        self._threads: list[threading.Thread] = []
        self._error_times: list[float] = []
        self._reset_requested = False

    # ----------------------------------------------------------------------- public
    @property
    def state(self) -> ScannerState:
        return self._state

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._finished = False
        self._slot = None
        self._set_state(ScannerState.STARTING)
        self._threads = [
            threading.Thread(target=self._capture_loop, name="scan-capture", daemon=True),
            threading.Thread(target=self._decode_loop, name="scan-decode", daemon=True),
        ]
        for t in self._threads:
            t.start()

    def stop(self, timeout: float = 1.0) -> bool:
        """Stop both threads; returns True when they ended within ``timeout`` seconds."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        ok = not self.running
        if ok:
            self.source.close()
        else:
            log.warning("scan worker did not stop within %.1f s", timeout)
        self._set_state(ScannerState.STOPPED)
        return ok

    def reset(self) -> None:
        """Forget accepted codes (e.g. when the UI is back on the scan screen)."""
        self._reset_requested = True

    def backlog(self) -> int:
        """Frames waiting to be decoded: 0 or 1 by construction."""
        return 0 if self._slot is None else 1

    # ----------------------------------------------------------------------- internals
    def _set_state(self, state: ScannerState) -> None:
        with self._state_lock:
            if state == self._state:
                return
            if self._state == ScannerState.FAILED and state not in (ScannerState.STOPPED, ScannerState.STARTING):
                return
            self._state = state
        log.info("scanner %s", state.value)
        try:
            self.on_state(state)
        except Exception:  # noqa: BLE001 - a callback must not kill the worker
            log.exception("on_state callback failed")

    def _wait(self, seconds: float) -> bool:
        """Sleep unless stopped; True when stop was requested."""
        return self._stop.wait(seconds)

    def _capture_loop(self) -> None:
        backoff = 1.0
        last_preview = 0.0
        try:
            while not self._stop.is_set():
                if not self.source.is_open:
                    try:
                        self.source.open()
                    except SourceUnavailable as exc:
                        log.info("no camera: %s", exc)
                        self._set_state(ScannerState.NO_CAMERA)
                        if self._wait(backoff):
                            break
                        backoff = min(self.reconnect_max_s, backoff * 2)
                        continue
                    if self.stats.frames_captured:
                        self.stats.reconnects += 1
                    backoff = 1.0
                try:
                    frame = self.source.read()
                except SourceUnavailable as exc:
                    log.warning("camera lost: %s", exc)
                    self.source.close()
                    self._set_state(ScannerState.NO_CAMERA)
                    continue
                except EndOfStream:
                    self._finished = True
                    break
                if frame is None:
                    continue
                if self._state in (ScannerState.STARTING, ScannerState.NO_CAMERA):
                    self._set_state(ScannerState.RUNNING)
                self.stats.frames_captured += 1
                with self._cond:
                    if self._slot is not None:
                        self.stats.frames_dropped += 1
                    self._slot = frame
                    self._slot_t = time.monotonic()
                    self._cond.notify()
                if self.on_preview is not None and self.preview_period is not None:
                    now = time.monotonic()
                    if now - last_preview >= self.preview_period:
                        last_preview = now
                        self._emit_preview(frame)
        except Exception:  # noqa: BLE001
            log.exception("capture thread failed")
            self._set_state(ScannerState.FAILED)
        finally:
            with self._cond:
                self._cond.notify_all()

    def _emit_preview(self, frame: np.ndarray) -> None:
        img = frame
        h, w = img.shape[:2]
        if self.preview_max_width and w > self.preview_max_width:
            f = self.preview_max_width / w
            img = cv2.resize(img, (self.preview_max_width, max(1, round(h * f))), interpolation=cv2.INTER_AREA)
        if img.ndim == 2:
            img = cv2.cvtColor(img, cv2.COLOR_GRAY2RGB if self.preview_rgb else cv2.COLOR_GRAY2BGR)
        elif self.preview_rgb:
            img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)  # new array
        else:
            img = img.copy()
        if img is frame:  # never hand out the frame the decoder may still read
            img = img.copy()
        self.stats.previews += 1
        try:
            self.on_preview(np.ascontiguousarray(img))  # type: ignore[misc]
        except Exception:  # noqa: BLE001
            log.exception("on_preview callback failed")

    def _decode_loop(self) -> None:
        next_t = 0.0
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                if now < next_t:
                    if self._wait(next_t - now):
                        break
                with self._cond:
                    while self._slot is None and not self._stop.is_set():
                        if self._finished or not any(
                            t.is_alive() for t in self._threads if t.name == "scan-capture"
                        ):
                            break
                        self._cond.wait(0.1)
                    frame, self._slot = self._slot, None
                    captured_t = self._slot_t
                if frame is None:
                    if self._finished or self._stop.is_set():
                        break
                    if not self._threads[0].is_alive():
                        break
                    continue
                next_t = time.monotonic() + self.decode_period
                self._decode_one(frame, captured_t)
                if self._state == ScannerState.FAILED:
                    break
        except Exception:  # noqa: BLE001
            log.exception("decode thread failed")
            self._set_state(ScannerState.FAILED)
        if self._finished and self._state != ScannerState.FAILED:
            self._set_state(ScannerState.STOPPED)

    def _decode_one(self, frame: np.ndarray, captured_t: float) -> None:
        if self._reset_requested:
            self._reset_requested = False
            self.confirmer.reset()
        age_ms = (time.monotonic() - captured_t) * 1000
        t0 = time.perf_counter()
        try:
            results = self.decoder.decode(frame)
        except Exception as exc:  # noqa: BLE001 - counted against the error budget
            now = time.monotonic()
            self.stats.decode_errors += 1
            self._error_times = [t for t in self._error_times if now - t <= self.error_window_s] + [now]
            log.warning("decoder error (%d in %.0f s): %s", len(self._error_times), self.error_window_s, exc)
            if len(self._error_times) > self.max_errors:
                self._set_state(ScannerState.FAILED)
            return
        self.stats.add_decode_ms((time.perf_counter() - t0) * 1000, age_ms)
        self.stats.frames_decoded += 1
        texts = [r.text for r in results]
        self.stats.codes_seen += len(texts)
        for text in self.confirmer.feed(texts):
            self.stats.codes_accepted += 1
            try:
                self.on_code(text)
            except Exception:  # noqa: BLE001
                log.exception("on_code callback failed")
