"""Decoding on camera-like frames: the pipeline reads more than zxing-cpp alone, never
misreads, never sees a code in a frame without one; pyzbar's absence is explained."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import segno

import kiosk.scan.decoders as decoders
from kiosk.scan import DecoderUnavailable, make_decoder, zbar_available


def _expected(frame):
    e = frame["expected"]
    return set() if e is None else ({e} if isinstance(e, str) else set(e))


def _score(decoder, corpus, frames):
    codes = decoded = misreads = detections = 0
    for f in frames:
        img = cv2.imread(str(corpus / f["file"]), cv2.IMREAD_COLOR)
        texts = {d.text for d in decoder.decode(img)}
        exp = _expected(f)
        codes += len(exp)
        decoded += len(texts & exp)
        misreads += len(texts - exp) if exp else 0
        detections += len(texts) if not exp else 0
    return codes, decoded, misreads, detections


@pytest.mark.parametrize("size", ["640x480", "1280x720"])
def test_pipeline_reads_the_corpus_better_than_zxing_alone(qr_corpus, size):
    corpus, manifest = qr_corpus
    frames = [f for f in manifest["frames"] if f["size"] == size]
    positives = [f for f in frames if f["expected"] is not None]
    negatives = [f for f in frames if f["expected"] is None]
    codes, got, misreads, _ = _score(make_decoder("zxing", budget_ms=None), corpus, positives)
    _, plain, _, _ = _score(make_decoder("zxing-plain"), corpus, positives)
    assert codes == 24  # 11 one-code categories + two_codes, 2 frames each
    assert misreads == 0
    # 96 % is the goal on the 960-frame benchmark; on 24 codes allow two misses
    assert got / codes >= 0.9, f"{got}/{codes}"
    assert got >= plain
    _, _, _, detections = _score(make_decoder("zxing", budget_ms=None), corpus, negatives)
    assert detections == 0


def _qr_frame(text, ppm=6, size=(640, 480)):
    qr = segno.make_qr(text, error="m")
    m = np.array([[bool(v) for v in row] for row in qr.matrix_iter(scale=1, border=4)])
    img = np.kron(np.where(m, 30, 225).astype(np.uint8), np.ones((ppm, ppm), np.uint8))
    frame = np.full(size[::-1], 120, np.uint8)
    y, x = (size[1] - img.shape[0]) // 2, (size[0] - img.shape[1]) // 2
    frame[y:y + img.shape[0], x:x + img.shape[1]] = img
    return frame


def _motion_blur(img, length, angle):
    k = int(math.ceil(length)) | 1
    ker = np.zeros((k + 2, k + 2), np.float32)
    c = (k + 2) / 2 - 0.5
    dx, dy = math.cos(math.radians(angle)) * length / 2, math.sin(math.radians(angle)) * length / 2
    cv2.line(ker, (round((c - dx) * 16), round((c - dy) * 16)), (round((c + dx) * 16), round((c + dy) * 16)),
             1.0, 1, cv2.LINE_AA, shift=4)
    ker /= ker.sum()
    out = cv2.filter2D(img.astype(np.float32), -1, ker)
    rng = np.random.default_rng(0)
    return np.clip(out + rng.normal(0, 1.0, out.shape), 0, 255).astype(np.uint8)


TEXT = "https://a.greenflux.app/qr/gsop/greenflux/3f2a1b2c-4d5e-4f60-8a7b-9c0d1e2f3a4b"


def test_a_shaken_camera_frame_is_recovered_by_deconvolution():
    frame = _motion_blur(_qr_frame(TEXT, ppm=5), 11, 30)
    assert make_decoder("zxing-plain").decode(frame) == []
    found = make_decoder("zxing", budget_ms=None).decode(frame)
    assert [d.text for d in found] == [TEXT]
    assert found[0].stage == "motion"


def test_live_budget_spreads_the_fallbacks_over_successive_frames():
    frame = _motion_blur(_qr_frame(TEXT, ppm=5), 11, 30)
    live = make_decoder("zxing", budget_ms=0.0)  # one step of one fallback stage per frame
    results = [live.decode(frame) for _ in range(16)]
    first = next(i for i, r in enumerate(results) if r)
    assert first >= 1, "one frame must not run every stage"
    assert [d.text for d in results[first]] == [TEXT]


def test_plain_and_pipeline_agree_on_clean_codes_and_report_corners():
    frame = _qr_frame("NL*GFX*E12345*1", ppm=6)
    for name in ("zxing", "zxing-plain"):
        (d,) = make_decoder(name).decode(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
        assert d.text == "NL*GFX*E12345*1"
        xs = [p[0] for p in d.quad]
        assert 640 / 2 - 120 < min(xs) < max(xs) < 640 / 2 + 120


def test_empty_and_odd_frames_decode_to_nothing():
    dec = make_decoder("zxing", budget_ms=None)
    assert dec.decode(np.zeros((480, 640, 3), np.uint8)) == []
    assert dec.decode(np.full((480, 640), 255, np.uint8)) == []
    rng = np.random.default_rng(1)
    assert dec.decode(rng.integers(0, 256, (480, 640), dtype=np.uint8)) == []


@pytest.mark.skipif(not zbar_available(), reason="libzbar not installed")
def test_pyzbar_is_selectable():
    (d,) = make_decoder("pyzbar").decode(_qr_frame("NL-GFX-E12345-1"))
    assert d.text == "NL-GFX-E12345-1"


def test_missing_libzbar_is_explained_not_a_crash(monkeypatch):
    monkeypatch.setattr(decoders, "_zbar_module", None)
    monkeypatch.setattr(decoders, "_zbar_error", None)

    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("pyzbar"):
            raise ImportError("Unable to find zbar shared library")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(DecoderUnavailable, match="libzbar0"):
        make_decoder("pyzbar")
    assert not zbar_available()
    # the default pipeline still works, without the second opinion
    (d,) = make_decoder("zxing").decode(_qr_frame("NL*GFX*E1*1"))
    assert d.text == "NL*GFX*E1*1"


def test_unknown_decoder_name():
    with pytest.raises(ValueError, match="zxing"):
        make_decoder("opencv")
