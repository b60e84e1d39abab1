"""``make demo-venue`` as a new user runs it on a machine without a display: two kiosks and
the staff desk of one venue start on a throwaway PostgreSQL and the simulator, each registers
as a screen of the venue database, and all three are still running when it ends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_venue_starts_two_kiosks_and_the_desk_on_one_database(pg_server):   # pg_server: skips without PostgreSQL
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.run([sys.executable, "-m", "kiosk.deploy.demo_venue", "--seconds", "15", "--sim-speed", "60"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr[-2000:]
    assert "screens seen by the venue database: garage, lobby, reception" in out, out
    assert "running: lobby, garage, reception" in out, out
    assert "attendant desk" in out
