#!/usr/bin/env python3
"""Hotel billing through faults: SIGKILL a kiosk at random points while a real local
receiver of postings (it verifies every Standard Webhooks signature) is down, answers 500
or is slow.

    python bench/billing.py [--kills 120] [--speed 100] [--seed 1]

The harness is tests/billing/kill_worker.py (the test suite runs it with 15 kills): each
cycle a room guest starts a session, the kiosk runs, the desk stops it; every step is a
fresh kiosk process (forked from a preloaded zygote) that recovers and is killed with
SIGKILL after a random delay; between steps the receiver changes its behaviour. At the end
one kiosk runs without kills until every session is final and every posting delivered.

Prints JSON: kills per step, receiver modes, sessions, finished sessions, postings made and
delivered, the kiosk's delivery attempts, what the receiver saw (accepted ids, deliveries,
duplicates it deduplicated: the duplicate deliveries the kiosk sent, 500s, bad signatures),
receipt numbers with their gaps and duplicates, problems (must be empty).
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
from tests.billing.conftest import SECRET  # noqa: E402
from tests.billing.kill_worker import run  # noqa: E402
from tests.billing.receiver import Receiver  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=120)
    ap.add_argument("--speed", type=float, default=100.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    sim = SimServer(port=0, seed=args.seed, speed=args.speed).start()
    receiver = Receiver(SECRET)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            rep = run(sim, receiver, SECRET, Path(tmp), min_kills=args.kills, seed=args.seed,
                      max_cycles=max(400, args.kills * 2))
    finally:
        receiver.stop()
        sim.stop()
    out = rep.to_json()
    out["simulator_errors"] = sim.errors[:3]
    print(json.dumps(out, indent=1))
    ok = not rep.problems and not rep.worker_errors and rep.total_kills >= args.kills
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
