"""``make demo-venue``: two kiosks and an attendant desk of one venue on one local
PostgreSQL and the simulator (``python -m kiosk.deploy.demo_venue``).

It starts a throwaway PostgreSQL cluster (:mod:`kiosk.deploy.localpg`; as ``nobody`` when
run as root), the simulator with the demo venue (real time: a charge takes as long as it
would), and three processes of the real program: the kiosks ``lobby`` and ``garage`` and
the desk ``reception`` (the kiosks ``kiosk run --windowed``, the desk the staff desktop
``kiosk desk``), each with its own data folder and its
own connection to the shared journal. Start a session at one kiosk, open or stop it at the
other with its code, watch the desk. Ctrl+C ends everything and removes the cluster.

Without a display (``$DISPLAY``/``$WAYLAND_DISPLAY``) the screens run ``offscreen`` for
``--seconds`` (default 20) and the demo prints what the shared journal saw: a smoke test.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCREENS = (("lobby", False), ("garage", False), ("reception", True))
APP_TOKEN = "venue-demo-token"
PIN = "2468"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=None, help="stop after this long (default: Ctrl+C, or 20 s "
                                                                  "without a display)")
    ap.add_argument("--sim-speed", type=float, default=1.0, help="simulator time compression (1: real time)")
    args = ap.parse_args(argv)

    from kiosk.deploy.localpg import LocalPostgres, Unavailable
    from kiosk.sim import SimServer

    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    seconds = args.seconds if args.seconds is not None else (20.0 if headless else None)
    root = Path(tempfile.mkdtemp(prefix="kiosk-venue-demo-"))
    try:
        pg = LocalPostgres().start()
    except Unavailable as exc:
        print(f"demo-venue: PostgreSQL cannot run here: {exc}", file=sys.stderr)
        return 2
    sim = SimServer(host="127.0.0.1", port=0, speed=args.sim_speed, api_key="demo-key").start()
    sim.scenario.external_payments = True
    procs: list[subprocess.Popen[bytes]] = []
    try:
        print(f"venue database: {pg.url} (password in {pg.password_file})")
        print(f"simulator: {sim.base_url}  speed {args.sim_speed}")
        for name, desk in SCREENS:
            data = root / name
            data.mkdir()
            env = dict(os.environ, KIOSK_BASE_URL=sim.base_url, KIOSK_API_KEY="demo-key", KIOSK_APP_TOKEN=APP_TOKEN,
                       KIOSK_PAYMENT_EXTERNAL_REF="venue-demo", KIOSK_ROOM_PAYMENT="true",
                       KIOSK_VENUE_LOCATION_IDS=",".join(sim.venue.location_ids), KIOSK_CAMERA="none",
                       KIOSK_DATA_DIR=str(data), KIOSK_LOG_DIR=str(data / "log"), KIOSK_ATTENDANT_PIN=PIN,
                       KIOSK_JOURNAL_URL=pg.url, KIOSK_JOURNAL_PASSWORD_FILE=str(pg.password_file),
                       KIOSK_SCREEN_ID=name, KIOSK_RECEIPT_PREFIX=name[:2].upper(),
                       KIOSK_VENUE_NAME=f"Demo hotel - {name}")
            if headless:
                env["QT_QPA_PLATFORM"] = "offscreen"
            # the kiosks are the guest program in a window; reception runs the staff desktop
            cmd = [sys.executable, "-m", "kiosk", "desk"] if desk else [sys.executable, "-m", "kiosk", "run",
                                                                       "--windowed"]
            procs.append(subprocess.Popen(cmd, env=env, stdout=open(data / "out.log", "wb"),  # noqa: SIM115
                                          stderr=subprocess.STDOUT))
            print(f"screen {name}{' (attendant desk, PIN ' + PIN + ')' if desk else ''}: pid {procs[-1].pid}, "
                  f"log {data / 'out.log'}")
        deadline = time.monotonic() + seconds if seconds else None
        while deadline is None or time.monotonic() < deadline:
            if all(p.poll() is not None for p in procs):
                break
            time.sleep(0.5)
        screens = pg.psql("SELECT string_agg(id, ', ' ORDER BY id) FROM screens").strip()
        version = pg.psql("SELECT max(version) FROM schema_version").strip()
        alive = [name for (name, _d), p in zip(SCREENS, procs, strict=True) if p.poll() is None]
        print(f"schema version {version}; screens seen by the venue database: {screens or 'none'}; "
              f"running: {', '.join(alive) or 'none'}")
        return 0 if len(alive) == len(procs) else 1
    except KeyboardInterrupt:
        return 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        sim.stop()
        pg.remove()


if __name__ == "__main__":
    sys.exit(main())
