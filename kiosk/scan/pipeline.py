"""zxing-cpp with escalating image work on a miss.

Why: plain zxing-cpp reads about 92-94 % of the camera-like corpus; what it misses is
blur (motion and focus), codes under ~1.5 px per module, glare and very low contrast.
Each fallback below targets one of these and runs only when the frame shows evidence of
that problem, so an empty frame (what a live camera mostly sees) costs little more than
the fast path:

====================  ==========================================  =========================
stage                 gate (cheap evidence)                       image work
====================  ==========================================  =========================
fast                  always                                      zxing-cpp on the frame
roi                   zxing saw a QR symbol but could not decode  crop, 2x cubic upscale,
                      it (``return_errors``: position known)      plain / CLAHE / sharpened
contrast              2-98 % luminance range < 70 levels          CLAHE
glare                 a compact saturated blob (0.05-8 % of the   CLAHE, division by the
                      frame >= 250) or a symbol seen
                                                                  smoothed background, zbar
motion                gradient energy anisotropic (structure      Wiener deconvolution with
                      tensor) the same way in >= 30 % of tiles:   a line PSF along that
                      a smear of the whole frame                  direction (+-12 deg),
                                                                  3 lengths
focus                 a symbol seen (roi gate)                    Wiener with Gaussian PSFs
====================  ==========================================  =========================

Misreads: every result passed zxing-cpp's Reed-Solomon error correction (``valid``) and
``plausible_text``; image work changes pixels, not the decoding rules.

Live use: ``budget_ms`` bounds the work per frame. When a frame exceeds it, the next
frame continues with the next fallback stage (round robin), and the motion stage with its
next smear hypothesis, so in live video all stages get their turn across a few frames
while each frame stays cheap (a single step can still overrun the budget by one
deconvolution or one zbar call). A live frame in which zxing located no symbol at all
gets fallbacks only every ``weak_every``-th time (default 2). ``budget_ms=None``
(benchmark, ``kiosk qr decode``) runs every gated stage on the one frame.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import zxingcpp

from kiosk.scan.decoders import Decoded, _quad_from_zxing, plausible_text, to_gray

QR = zxingcpp.BarcodeFormat.QRCode
Binarizer = zxingcpp.Binarizer


def _read(img: np.ndarray, stage: str, scale: float = 1.0, offset: tuple[float, float] = (0.0, 0.0),
          **opts: Any) -> list[Decoded]:
    out = []
    for b in zxingcpp.read_barcodes(img, formats=QR, **opts):
        if b.valid and plausible_text(b.text):
            out.append(Decoded(b.text, _quad_from_zxing(b.position, scale, offset), stage))
    return out


def _unsharp(g: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    b = cv2.GaussianBlur(g, (0, 0), sigma)
    return cv2.addWeighted(g, 1 + amount, b, -amount, 0)


def _motion_psf(length: float, angle_deg: float) -> np.ndarray:
    k = int(math.ceil(length)) | 1
    ker = np.zeros((k + 2, k + 2), np.float32)
    c = (k + 2) / 2 - 0.5
    dx = math.cos(math.radians(angle_deg)) * length / 2
    dy = math.sin(math.radians(angle_deg)) * length / 2
    cv2.line(ker, (round((c - dx) * 16), round((c - dy) * 16)), (round((c + dx) * 16), round((c + dy) * 16)),
             1.0, 1, cv2.LINE_AA, shift=4)
    return ker / max(float(ker.sum()), 1e-6)


def _gauss_psf(sigma: float) -> np.ndarray:
    k = int(sigma * 3) * 2 + 1
    g = cv2.getGaussianKernel(k, sigma)
    return (g @ g.T).astype(np.float32)


def blur_direction(gray: np.ndarray, tiles: int = 3) -> tuple[float, float, float]:
    """(direction of a motion smear in degrees, anisotropy 0..1, agreement 0..1).

    The structure tensor of the frame: a smear removes gradient energy along its
    direction. A camera shake smears the whole frame the same way, while stripes or a 1D
    barcode are anisotropic only where they are: ``agreement`` is the share of textured
    tiles (3x3) whose own anisotropy points the same way."""
    small = gray[::2, ::2]
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    xx, yy, xy = gx * gx, gy * gy, gx * gy
    jxx, jyy, jxy = (float(cv2.sumElems(a)[0]) for a in (xx, yy, xy))
    theta = 0.5 * math.degrees(math.atan2(2 * jxy, jxx - jyy))
    aniso = math.hypot(jxx - jyy, 2 * jxy) / (jxx + jyy + 1e-6)
    H, W = small.shape
    textured = agree = 0
    for i in range(tiles):
        for j in range(tiles):
            sl = (slice(i * H // tiles, (i + 1) * H // tiles), slice(j * W // tiles, (j + 1) * W // tiles))
            a, b, c = (float(cv2.sumElems(m[sl])[0]) for m in (xx, yy, xy))
            area = (sl[0].stop - sl[0].start) * (sl[1].stop - sl[1].start)
            if (a + b) / max(area, 1) < 50:  # flat tile: says nothing
                continue
            textured += 1
            th = 0.5 * math.degrees(math.atan2(2 * c, a - b))
            an = math.hypot(a - b, 2 * c) / (a + b + 1e-6)
            if an > 0.25 and abs((th - theta + 90) % 180 - 90) < 20:
                agree += 1
    return (theta + 90.0) % 180.0, aniso, agree / max(textured, 1)


def glare_blob(gray: np.ndarray) -> bool:
    """A specular highlight: a compact saturated blob covering 0.05-8 % of the frame
    (bright paper or highlights scattered over a texture do not count)."""
    sub = gray[::4, ::4]
    mask = cv2.compare(sub, 250, cv2.CMP_GE)
    n = int(cv2.countNonZero(mask))
    if n < max(4, 0.0005 * mask.size) or n > 0.08 * mask.size:
        return False
    count, _labels, stats, _c = cv2.connectedComponentsWithStats(mask, connectivity=8)
    largest = int(stats[1:, cv2.CC_STAT_AREA].max()) if count > 1 else 0
    return largest >= 0.4 * n


class _Wiener:
    """Wiener deconvolution of one image with several PSFs (image spectrum computed once)."""

    def __init__(self, gray: np.ndarray, pad: int = 24) -> None:
        self.H, self.W = gray.shape
        self.pad = pad
        self.h = cv2.getOptimalDFTSize(self.H + 2 * pad)
        self.w = cv2.getOptimalDFTSize(self.W + 2 * pad)
        f = cv2.copyMakeBorder(gray.astype(np.float32), pad, self.h - self.H - pad, pad, self.w - self.W - pad,
                               cv2.BORDER_REFLECT)
        self.F = cv2.dft(f, flags=cv2.DFT_COMPLEX_OUTPUT)

    def apply(self, psf: np.ndarray, nsr: float = 0.01) -> np.ndarray:
        K = np.zeros((self.h, self.w), np.float32)
        kh, kw = psf.shape
        K[:kh, :kw] = psf
        K = np.roll(K, (-(kh // 2), -(kw // 2)), (0, 1))
        FK = cv2.dft(K, flags=cv2.DFT_COMPLEX_OUTPUT)
        re, im = FK[..., 0], FK[..., 1]
        den = re * re + im * im + nsr
        G = cv2.merge([re / den, -im / den])
        R = cv2.mulSpectrums(self.F, G, 0)
        r = cv2.idft(R, flags=cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
        p = self.pad
        return np.clip(r[p:p + self.H, p:p + self.W], 0, 255).astype(np.uint8)


class _Frame:
    """Per-frame facts shared by the stages (computed lazily)."""

    def __init__(self, gray: np.ndarray, symbols: list[Any]) -> None:
        self.gray = gray
        self.symbols = symbols  # zxing detections that failed to decode (positions)
        self._stats: tuple[float, float, float] | None = None
        self._blur: tuple[float, float, float] | None = None

    @property
    def scale(self) -> float:
        return self.gray.shape[1] / 640.0

    def stats(self) -> tuple[float, float, float]:
        """(2nd percentile, 98th percentile, fraction of saturated pixels) on a subsample."""
        if self._stats is None:
            sub = self.gray[::4, ::4]
            hist = cv2.calcHist([sub], [0], None, [256], [0, 256]).ravel()
            cdf = np.cumsum(hist) / max(hist.sum(), 1)
            lo = float(np.searchsorted(cdf, 0.02))
            hi = float(np.searchsorted(cdf, 0.98))
            sat = float(hist[250:].sum() / max(hist.sum(), 1))
            self._stats = (lo, hi, sat)
        return self._stats

    def blur(self) -> tuple[float, float, float]:
        if self._blur is None:
            self._blur = blur_direction(self.gray)
        return self._blur

    def rois(self, margin: float = 0.35) -> list[tuple[int, int, int, int]]:
        H, W = self.gray.shape
        out = []
        for b in self.symbols:
            p = b.position
            xs = [p.top_left.x, p.top_right.x, p.bottom_right.x, p.bottom_left.x]
            ys = [p.top_left.y, p.top_right.y, p.bottom_right.y, p.bottom_left.y]
            w, h = max(xs) - min(xs), max(ys) - min(ys)
            m = margin * max(w, h, 20)
            x0, y0 = max(0, int(min(xs) - m)), max(0, int(min(ys) - m))
            x1, y1 = min(W, int(max(xs) + m)), min(H, int(max(ys) + m))
            if x1 - x0 >= 16 and y1 - y0 >= 16:
                out.append((x0, y0, x1, y1))
        return out


Stage = Callable[[_Frame], list[Decoded] | None]  # None: the stage's gate is closed


class PipelineDecoder:
    """zxing-cpp fast path plus gated fallbacks (see the module docstring)."""

    name = "zxing"

    def __init__(self, budget_ms: float | None = None, second_opinion: bool = True,
                 stages: tuple[str, ...] | None = None, weak_every: int = 2) -> None:
        self.budget_ms = budget_ms
        # live: a frame in which zxing located no symbol at all gets the fallbacks only
        # every ``weak_every``-th time (an empty view is what the camera mostly sees)
        self.weak_every = max(1, int(weak_every))
        self._weak = 0
        self._zbar = None
        if second_opinion:
            from kiosk.scan.decoders import DecoderUnavailable, PyzbarDecoder  # noqa: PLC0415

            try:
                self._zbar = PyzbarDecoder()
            except DecoderUnavailable:
                self._zbar = None  # glare stage then uses zxing-cpp only
        all_stages: dict[str, Stage] = {
            "roi": self._stage_roi,
            "contrast": self._stage_contrast,
            "glare": self._stage_glare,
            "motion": self._stage_motion,
            "focus": self._stage_focus,
        }
        names = stages if stages is not None else tuple(all_stages)
        self._stages = [(n, all_stages[n]) for n in names]
        self._next = 0  # round-robin start for budgeted (live) use
        self._deadline: float | None = None  # perf_counter() deadline of the current frame
        self._motion_cursor = 0  # next smear hypothesis to try in live use
        self.stage_hits: dict[str, int] = {"fast": 0, **{n: 0 for n in names}}

    # ------------------------------------------------------------------ public
    def decode(self, frame: np.ndarray) -> list[Decoded]:
        t0 = time.perf_counter()
        gray = to_gray(frame)
        found: list[Decoded] = []
        symbols = []
        for b in zxingcpp.read_barcodes(gray, formats=QR, return_errors=True):
            if b.valid:
                if plausible_text(b.text):
                    found.append(Decoded(b.text, _quad_from_zxing(b.position), "fast"))
            else:  # located but not decodable (any QR variant zxing reports): a candidate
                symbols.append(b)
        if found and not symbols:
            self.stage_hits["fast"] += 1
            return found
        if self.budget_ms is not None and not symbols and not found:
            self._weak += 1
            if self._weak % self.weak_every:
                return found
        fr = _Frame(gray, symbols)
        self._deadline = t0 + self.budget_ms / 1000 if self.budget_ms is not None else None
        n = len(self._stages)
        start = self._next if self.budget_ms is not None else 0
        worked = False
        for i in range(n):
            idx = (start + i) % n
            name, stage = self._stages[idx]
            if self.budget_ms is not None and worked and (time.perf_counter() - t0) * 1000 > self.budget_ms:
                self._next = idx  # continue here on the next frame
                break
            more = stage(fr)
            if more is None:  # gate closed: no evidence for this stage's problem
                continue
            worked = True
            new = [d for d in more if d.text not in {f.text for f in found}]
            if new:
                self.stage_hits[name] += 1
                found += new
                if len(found) > len(symbols) or not symbols:
                    break
        else:
            self._next = 0
        if found and not any(d.stage != "fast" for d in found):
            self.stage_hits["fast"] += 1
        return found

    # ------------------------------------------------------------------ stages
    def _stage_roi(self, fr: _Frame) -> list[Decoded] | None:
        """A symbol was located but not decoded: work on its neighbourhood at 2x."""
        if not fr.symbols:
            return None
        out: list[Decoded] = []
        for x0, y0, x1, y1 in fr.rois():
            crop = fr.gray[y0:y1, x0:x1]
            up = cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
            for name, img in (
                ("roi-up2", up),
                ("roi-sharp", _unsharp(up, 3.0, 1.0)),
                ("roi-clahe", cv2.createCLAHE(3.0, (4, 4)).apply(up)),
                ("roi-gh", None),
            ):
                if img is None:
                    res = _read(up, name, 2.0, (x0, y0), try_downscale=False, binarizer=Binarizer.GlobalHistogram)
                else:
                    res = _read(img, name, 2.0, (x0, y0), try_downscale=False)
                if res:
                    out += res
                    break
        if not out and fr.gray.shape[1] <= 800 and any(x1 - x0 < 120 for x0, _y0, x1, _y1 in fr.rois(0.0)):
            # a small symbol whose crop did not decode: the whole frame at 2x keeps the
            # context zxing's detector uses (costs ~10 ms on 640x480, never on bigger frames)
            up = cv2.resize(fr.gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
            out = _read(up, "roi-frame-up2", 2.0, try_downscale=False)
        return out

    def _stage_contrast(self, fr: _Frame) -> list[Decoded] | None:
        lo, hi, _sat = fr.stats()
        if hi - lo >= 70:
            return None
        return _read(cv2.createCLAHE(4.0, (8, 8)).apply(fr.gray), "contrast")

    def _stage_glare(self, fr: _Frame) -> list[Decoded] | None:
        if not (fr.symbols or glare_blob(fr.gray)):
            return None
        res = _read(cv2.createCLAHE(4.0, (8, 8)).apply(fr.gray), "glare-clahe")
        if res:
            return res
        bg = cv2.GaussianBlur(fr.gray, (0, 0), 15 * fr.scale)
        norm = cv2.divide(fr.gray, bg, scale=128)
        res = _read(norm, "glare-norm")
        if res or self._zbar is None:
            return res
        return self._zbar_read(fr, "glare-zbar")

    def _zbar_read(self, fr: _Frame, stage: str) -> list[Decoded]:
        """zbar as a second opinion (it copes better with glare), at <= 800 px width:
        4x cheaper on 1280x720 and codes there have >= 4 px per module anyway."""
        assert self._zbar is not None
        img, f = self._work_image(fr)
        out = []
        for d in self._zbar.decode(img):
            quad = tuple((x / f, y / f) for x, y in d.quad) if d.quad else None
            out.append(Decoded(d.text, quad, stage))  # type: ignore[arg-type]
        return out

    def _work_image(self, fr: _Frame) -> tuple[np.ndarray, float]:
        """Deconvolution runs at <= 800 px width (a 2x smaller smear on big frames)."""
        g = fr.gray
        if g.shape[1] > 800:
            return cv2.resize(g, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA), 0.5
        return g, 1.0

    def _deconv_read(self, img: np.ndarray, f: float, stage: str) -> tuple[list[Decoded], bool]:
        """(decoded codes, whether a QR symbol was located at all). Keeps zxing's own
        downscaling: it also averages away deconvolution ringing."""
        out, located = [], False
        for b in zxingcpp.read_barcodes(img, formats=QR, return_errors=True):
            located = True
            if b.valid and plausible_text(b.text):
                out.append(Decoded(b.text, _quad_from_zxing(b.position, f), stage))
        return out, located

    def _stage_motion(self, fr: _Frame) -> list[Decoded] | None:
        angle, aniso, agreement = fr.blur()
        if aniso < 0.22 or agreement < 0.3:
            return None
        img, f = self._work_image(fr)
        s = img.shape[1] / 640.0
        w = _Wiener(img)
        # the estimated direction first; +-12 degrees (the estimate is biased by the code's
        # own edges when the smear is short) only when a deconvolved image showed a symbol,
        # so frames without a code (stripes, barcodes) stop after 3 tries
        seen_symbol = bool(fr.symbols)
        hypotheses = [(da, length) for da in (0.0, 12.0, -12.0) for length in (6.0, 10.0, 14.0)]
        if self._deadline is not None:
            # live: as many hypotheses as the frame's budget allows (at least one), the
            # next frame continues with the following ones
            start = self._motion_cursor % len(hypotheses)
            order = hypotheses[start:] + hypotheses[:start]
        else:
            order = hypotheses
        for k, (da, length) in enumerate(order):
            if da and not seen_symbol:
                if self._deadline is None:
                    break
                continue
            if self._deadline is not None and k > 0 and time.perf_counter() > self._deadline:
                self._motion_cursor = (self._motion_cursor + k) % len(hypotheses)
                return []
            res, located = self._deconv_read(w.apply(_motion_psf(length * s, angle + da)), f, "motion")
            if res:
                return res
            seen_symbol = seen_symbol or located
        self._motion_cursor = 0
        return []

    def _stage_focus(self, fr: _Frame) -> list[Decoded] | None:
        if not fr.symbols:
            return None
        img, f = self._work_image(fr)
        s = img.shape[1] / 640.0
        w = _Wiener(img)
        for sigma in (1.5, 2.5):
            res, _located = self._deconv_read(w.apply(_gauss_psf(sigma * s)), f, "focus")
            if res:
                return res
        if self._zbar is not None:
            return self._zbar_read(fr, "focus-zbar")
        return []
