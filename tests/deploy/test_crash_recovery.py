"""SIGKILL during a charging session: the restarted kiosk shows the same session within 10 s.

Two real kiosk processes (tests/deploy/crash_child.py: the app's composition root in kiosk
mode, offscreen) share a journal directory and a simulator in this process, the way the
service restarts the app on a device: the first one starts a session through the board and
the Start button and is killed with SIGKILL while charging; the second one must show that
session on its board ("In use (started here)") within 10 s of its launch.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class Child:
    def __init__(self, mode: str, sim, data_dir: Path) -> None:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
        env.pop("NOTIFY_SOCKET", None)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.deploy.crash_child", mode, "--base-url", sim.base_url,
             "--data-dir", str(data_dir), "--location-ids", ",".join(sim.venue.location_ids),
             "--speed", str(sim.speed if hasattr(sim, "speed") else 50)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.events: list[dict] = []
        self.err: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self.err.extend(self.proc.stderr), daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                self.events.append({**json.loads(line), "at": time.monotonic()})
            except json.JSONDecodeError:
                pass

    def wait_event(self, name: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.events:
                if e["event"] == name:
                    return e
                if e["event"] == "timeout":
                    pytest.fail(f"kiosk timed out waiting for {e['what']}\n{''.join(self.err)[-3000:]}")
            if self.proc.poll() is not None:
                time.sleep(0.2)
                pytest.fail(f"kiosk exited {self.proc.returncode}\n{''.join(self.err)[-3000:]}")
            time.sleep(0.02)
        pytest.fail(f"no {name} within {timeout} s: {self.events}\n{''.join(self.err)[-3000:]}")

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.wait(10)


@pytest.mark.timeout(180)
def test_sigkill_while_charging_then_restart_shows_the_same_session(sim_factory, tmp_path):
    sim = sim_factory(speed=20.0)
    sim.scenario.external_payments = True
    data = tmp_path / "journal"
    data.mkdir()
    first = Child("start", sim, data)
    try:
        charging = first.wait_event("charging", timeout=90)
        first.kill(signal.SIGKILL)
        assert first.proc.returncode == -signal.SIGKILL
    finally:
        first.kill()
    second = Child("show", sim, data)
    try:
        shown = second.wait_event("shown", timeout=30)
        after = shown["at"] - second.started
        assert shown["key"] == charging["key"] and shown["evse_uid"] == charging["evse_uid"]
        assert shown["state"] not in ("UNKNOWN", "NOT_STARTED", "STOPPED", "COMPLETED")
        assert after <= 10.0, f"the session showed only after {after:.1f} s"
        print(f"session {charging['label']} shown {after:.1f} s after the restart: {shown['button']!r}")
    finally:
        second.kill()
