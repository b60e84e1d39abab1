"""`kiosk sim` runs the simulator in the foreground and tells how to use it."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx

from kiosk.cli import build_parser


def test_sim_command_is_registered_with_its_options():
    args = build_parser().parse_args(["sim", "--port", "0", "--seed", "3", "--speed", "20", "--api-key", "k1"])
    assert (args.port, args.seed, args.speed, args.api_key) == (0, 3, 20.0, "k1")
    assert callable(args.func)
    defaults = build_parser().parse_args(["sim"])
    assert (defaults.port, defaults.api_key, defaults.host) == (8400, "demo-key", "127.0.0.1")


def test_kiosk_sim_prints_url_and_qr_codes_and_serves():
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "sim", "--port", "0", "--seed", "2", "--speed", "5", "--api-key", "k-cli"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl+C" in line:
                break
        out = "".join(lines)
        url = re.search(r"(http://127\.0\.0\.1:\d+)", out).group(1)
        qrs = re.findall(r"https://greenflux\.app/qr/gsop/greenflux/[0-9a-f-]{36}", out)
        assert len(qrs) >= 10
        assert "k-cli" not in out  # the key is not printed
        h = {"Authorization": "ApiKey k-cli"}
        r = httpx.post(url + "/qr", json={"url": qrs[-1]}, headers=h, timeout=5)
        assert r.status_code == 200 and r.json()["valid"]
        state = httpx.get(url + "/_sim/state", headers=h, timeout=5).json()
        assert state["seed"] == 2 and state["speed"] == 5
    finally:
        proc.terminate()
        code = proc.wait(timeout=10)
    assert code == 0


def test_kiosk_sim_reports_a_busy_port():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    port = s.getsockname()[1]
    try:
        r = subprocess.run([sys.executable, "-m", "kiosk", "sim", "--port", str(port)],
                           capture_output=True, text=True, timeout=20)
    finally:
        s.close()
    assert r.returncode == 1 and "cannot listen" in r.stdout


def test_qr_codes_written_for_printing_decode_to_the_printed_urls(tmp_path):
    import cv2
    import zxingcpp

    from kiosk.sim import build_venue
    from kiosk.sim.cli import write_qr_codes

    venue = build_venue(1)
    out = write_qr_codes(venue, str(tmp_path / "qr"))
    pngs = sorted(out.glob("*.png"))
    assert len(pngs) == len(venue.evses)
    index = (out / "index.html").read_text()
    for e in venue.evses:
        png = out / (e.evse_uid + ".png")
        decoded = zxingcpp.read_barcodes(cv2.imread(str(png), cv2.IMREAD_GRAYSCALE))
        assert [d.text for d in decoded] == [e.qr_url]
        assert e.display_name in index and png.name in index
