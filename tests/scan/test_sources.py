"""The camera setting maps to the right source; file sources behave like a camera."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from kiosk.scan import (
    EndOfStream,
    ImageSequenceSource,
    NullSource,
    OpenCVCamera,
    Picamera2Source,
    SourceUnavailable,
    SyntheticSource,
    VideoFileSource,
    make_decoder,
    open_source,
)


def test_open_source_maps_every_camera_setting(tmp_path):
    img = tmp_path / "frame.png"
    cv2.imwrite(str(img), np.zeros((48, 64, 3), np.uint8))
    video = tmp_path / "clip.avi"
    video.write_bytes(b"")
    assert isinstance(open_source("0"), OpenCVCamera) and open_source("0").device == 0
    assert open_source("/dev/video2").device == "/dev/video2"
    assert isinstance(open_source("none"), NullSource)
    assert isinstance(open_source("synthetic", payloads=["NL*GFX*E1*1"]), SyntheticSource)
    assert isinstance(open_source("picamera2"), Picamera2Source)
    assert isinstance(open_source(str(tmp_path)), ImageSequenceSource)
    assert isinstance(open_source(str(tmp_path / "*.png")), ImageSequenceSource)
    assert isinstance(open_source(str(img)), ImageSequenceSource)
    assert isinstance(open_source(str(video)), VideoFileSource)
    with pytest.raises(ValueError, match="camera"):
        open_source("no-such-thing")


def test_absent_devices_say_so():
    with pytest.raises(SourceUnavailable, match="does not exist"):
        OpenCVCamera("/dev/video-missing").open()
    with pytest.raises(SourceUnavailable):
        NullSource().open()
    if not Picamera2Source.available():
        with pytest.raises(SourceUnavailable, match="picamera2"):
            Picamera2Source().open()


def test_image_folder_is_paced_like_a_camera_and_ends_unless_looping(tmp_path):
    for i in range(5):
        cv2.imwrite(str(tmp_path / f"{i:03d}.png"), np.full((48, 64, 3), i * 10, np.uint8))
    src = ImageSequenceSource(str(tmp_path), fps=20, loop=False)
    src.open()
    t = time.monotonic()
    frames = [src.read() for _ in range(5)]
    elapsed = time.monotonic() - t
    assert [int(f[0, 0, 0]) for f in frames] == [0, 10, 20, 30, 40]  # sorted by name
    assert elapsed >= 4 / 20 * 0.9  # 20 fps, not as fast as possible
    with pytest.raises(EndOfStream):
        src.read()
    frames[0][:] = 255  # consumers may write into a frame: the cache is not affected
    src2 = ImageSequenceSource(str(tmp_path), fps=20, loop=True, realtime=False)
    src2.open()
    assert [int(src2.read()[0, 0, 0]) for _ in range(7)] == [0, 10, 20, 30, 40, 0, 10]


def test_synthetic_source_shows_each_payload_in_turn():
    payloads = ["https://a.greenflux.app/qr/gsop/greenflux/abc", "NL*GFX*E12345*1", "nl-gfx-loc-1"]
    src = SyntheticSource(payloads, 640, 480, fps=15, hold_s=2.0, gap_s=1.0, realtime=False)
    dec = make_decoder("zxing-plain")
    seen = []
    for k in range(3):
        frame = src.render(k * 3.0 + 1.0)  # middle of each label's hold time
        assert frame.shape == (480, 640, 3) and frame.dtype == np.uint8
        seen += [d.text for d in dec.decode(frame)]
    assert seen == payloads
    assert dec.decode(src.render(2.5)) == []  # the gap between labels is empty
