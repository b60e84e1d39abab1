"""`kiosk qr decode` and `kiosk qr watch` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys

import cv2
import numpy as np
import segno

from kiosk.cli import main


def _write_qr(path, text):
    qr = segno.make_qr(text, error="m")
    m = np.array([[bool(v) for v in row] for row in qr.matrix_iter(scale=1, border=4)])
    img = np.kron(np.where(m, 0, 255).astype(np.uint8), np.ones((6, 6), np.uint8))
    cv2.imwrite(str(path), img)


def test_decode_json_reports_text_and_payload_kind(tmp_path, capsys):
    good = tmp_path / "label.png"
    evil = tmp_path / "evil.png"
    _write_qr(good, "NL-GFX-E12345-1")
    _write_qr(evil, "https://a.greenflux.app@evil.com/qr/1")
    rc = main(["qr", "decode", "--json", str(good), str(evil)])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rc == 0
    assert lines[0]["codes"][0]["text"] == "NL-GFX-E12345-1"
    assert lines[0]["codes"][0]["payload"] == {"kind": "evse_id", "value": "NL*GFX*E12345*1"}
    assert lines[1]["codes"][0]["payload"]["kind"] == "invalid"
    assert "charger" in lines[1]["codes"][0]["payload"]["message"]


def test_decode_exit_codes_for_nothing_found_and_unreadable(tmp_path, capsys):
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((100, 100), 255, np.uint8))
    assert main(["qr", "decode", str(blank)]) == 1
    assert "no QR code found" in capsys.readouterr().out
    assert main(["qr", "decode", str(tmp_path / "missing.png")]) == 2


def test_watch_prints_what_the_synthetic_camera_sees(tmp_path):
    env = {"KIOSK_CAMERA": "synthetic", "KIOSK_CAMERA_WIDTH": "640", "KIOSK_CAMERA_HEIGHT": "480",
           "KIOSK_CONFIG": str(Path(__file__).parents[1] / "data" / "empty-config.toml"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "kiosk", "qr", "watch", "--json", "--seconds", "3"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    events = [json.loads(line) for line in out.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "state" and events[1]["state"] == "running"
    codes = [e for e in events if e["event"] == "code"]
    assert codes and codes[0]["kind"] == "qr_url"
    assert events[-1]["event"] == "stats" and events[-1]["accepted"] >= 1


def test_watch_without_camera_says_so(tmp_path):
    env = {"KIOSK_CAMERA": "/dev/video-nope", "KIOSK_CONFIG": str(Path(__file__).parents[1] / "data" / "empty-config.toml"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "kiosk", "qr", "watch", "--json", "--seconds", "1.5"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0
    states = [json.loads(line)["state"] for line in out.stdout.splitlines() if '"state"' in line]
    assert "no_camera" in states
