#!/usr/bin/env python3
"""Crash resilience of the session service: SIGKILL a kiosk worker at random points.

    python bench/resilience.py [--kills 200] [--speed 100] [--seed 1] [--postgres]

Runs the harness of tests/services/resilience_worker.py against an in-process simulator
that drops the answers of starts and stops after acting in half of the cycles: each cycle
is start / charge / stop, each step a fresh worker process (forked from a preloaded
zygote) that opens the journal, recovers and runs the step, and is killed with SIGKILL
after a random delay. At the end the journal is reconciled with the simulator's sessions.

``--postgres``: the venue's shared journal on a throwaway PostgreSQL (kiosk.deploy.localpg)
and two kiosks, A and B, taking turns step by step (a session started at one is polled
and stopped at the other; a killed kiosk's poll leases, 2 s here, are taken over).

Prints JSON: kills per phase, intents, sessions, adoptions of orphans, problems (must be
empty: every simulator session belongs to exactly one intent and every intent is final).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.sim import SimServer  # noqa: E402
from tests.services.resilience_worker import run  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=200)
    ap.add_argument("--speed", type=float, default=100.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--postgres", action="store_true", help="PostgreSQL journal shared by two kiosks")
    args = ap.parse_args()
    pg = None
    venue: dict = {}
    if args.postgres:
        from kiosk.deploy.localpg import LocalPostgres

        pg = LocalPostgres().start()
        venue = {"journal_url": pg.url, "password": pg.password, "screens": ("A", "B"), "lease_s": 2.0}
    sim = SimServer(port=0, seed=args.seed, speed=args.speed).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            rep = run(sim, Path(tmp), min_kills=args.kills, seed=args.seed, **venue)
    finally:
        sim.stop()
        if pg is not None:
            pg.remove()
    out = rep.to_json()
    out["journal"] = "postgresql, kiosks A and B" if args.postgres else "sqlite, one kiosk"
    out["simulator_errors"] = sim.errors[:3]
    print(json.dumps(out, indent=1))
    return 0 if not rep.problems and not rep.worker_errors and rep.total_kills >= args.kills else 1


if __name__ == "__main__":
    sys.exit(main())
