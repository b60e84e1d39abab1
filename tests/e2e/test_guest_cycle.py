"""End to end: a guest's full cycle through the real widgets, the real scan worker (synthetic
camera) and the real services, against the simulator over HTTP; and the CLI's autopilot."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.plugins.ui import open_my_session, click, poll_until


def test_full_guest_cycle_scan_start_come_back_stop_receipt(kiosk_factory, sim, ui_loop):
    from kiosk.scan import SyntheticSource

    async def scenario():
        urls = [e.qr_url for e in sim.venue.venue_evses()]
        cam = SyntheticSource(urls, width=480, height=360, fps=15, hold_s=2.5, gap_s=0.3)
        app = kiosk_factory(sim, camera=cam)
        ctx = await app.start()
        sh = ctx.shell
        home, ch = sh.screen("home"), sh.screen("charger")
        # 1. the guest holds the phone... no: scans the label on a free charger
        while True:
            await poll_until(lambda: sh.current_name() == "charger", 60, what="a scanned charger")
            await poll_until(lambda: ch.details is not None or ch.board.isVisible(), what="details")
            if ch.details is not None and ch.details.unusable is None:
                break
            click(ch.board)                       # that one is taken: back to the camera
        assert "kWh" in ch.price_text()
        # 2. start, plug in, get the code
        click(ch.start)
        await poll_until(lambda: sh.current_name() == "started", 60, what="session started")
        code = sh.screen("started").code_label.text()
        assert len(code) == 6
        evse_uid = ch.details.evse.uid
        click(sh.screen("started").done)
        # 3. come back later and look at it: name the charger, type the code
        live = await open_my_session(ctx, code, evse_uid)
        await poll_until(lambda: (live.view.energy_kwh or 0) > 0, 60, what="energy")
        # 4. stop and take the receipt
        click(live.stop)
        click(sh.screen("stop_confirm").yes)
        rc = sh.screen("receipt")
        await poll_until(lambda: rc.receipt is not None and rc.receipt.final and rc.receipt.kiosk_receipt_number,
                         90, what="final receipt with the kiosk's number")
        assert rc.rows["total"][1].text().startswith("€")
        # the service gives no number for the venue's payment; the kiosk's own number shows (hotel billing)
        assert rc.receipt.receipt_number is None
        assert rc.rows["number"][1].text() == rc.receipt.kiosk_receipt_number
        click(rc.done)
        assert sh.current_name() == "home"
        # nothing of the guest is left on any screen
        from PySide6.QtWidgets import QLabel, QPushButton

        for w in sh.screens().values():
            for lab in w.findChildren(QLabel) + w.findChildren(QPushButton):
                assert code not in lab.text()

    ui_loop.run_until_complete(scenario())


@pytest.mark.slow
def test_cli_autopilot_writes_report(tmp_path):
    report = tmp_path / "report.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", KIOSK_DATA_DIR=str(tmp_path / "data"),
               KIOSK_LOG_DIR=str(tmp_path / "logs"))
    proc = subprocess.run([sys.executable, "-m", "kiosk", "run", "--demo", "--autopilot", "2", "--report",
                           str(report), "--scan", "inject", "--sim-speed", "60"],
                          capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    rep = json.loads(report.read_text())
    assert rep["cycles_passed"] == 2 and rep["cycles_failed"] == 0
    assert set(rep["step_latency_ms"]) >= {"scan_to_charger", "start_to_charging", "stop_to_receipt"}
    assert rep["event_loop_stall_ms"]["samples"] > 0
    assert rep["rss_mb"]["start"] > 0 and rep["rss_mb"]["end"] > 0
    # a clean exit: no traceback at shutdown (e.g. a board refresh on the closed client)
    logs = "".join(p.read_text(errors="replace") for p in (tmp_path / "logs").glob("*.log*"))
    assert logs, "the kiosk wrote no log"
    assert "Traceback" not in logs and "Traceback" not in proc.stderr, (logs + proc.stderr)[-4000:]
