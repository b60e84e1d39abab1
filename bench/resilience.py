#!/usr/bin/env python3
"""Crash resilience of the session service: SIGKILL a kiosk worker at random points.

    python bench/resilience.py [--kills 200] [--speed 100] [--seed 1]

Runs the harness of tests/services/resilience_worker.py against an in-process simulator
that drops the answers of starts and stops after acting in half of the cycles: each cycle
is start / charge / stop, each step a fresh worker process (forked from a preloaded
zygote) that opens the journal, recovers and runs the step, and is killed with SIGKILL
after a random delay. At the end the journal is reconciled with the simulator's sessions.

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
    args = ap.parse_args()
    sim = SimServer(port=0, seed=args.seed, speed=args.speed).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            rep = run(sim, Path(tmp), min_kills=args.kills, seed=args.seed)
    finally:
        sim.stop()
    out = rep.to_json()
    out["simulator_errors"] = sim.errors[:3]
    print(json.dumps(out, indent=1))
    return 0 if not rep.problems and not rep.worker_errors and rep.total_kills >= args.kills else 1


if __name__ == "__main__":
    sys.exit(main())
