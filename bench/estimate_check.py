#!/usr/bin/env python3
"""Live cost estimate vs the simulator's bill, over many simulated sessions.

    python bench/estimate_check.py [--sessions 60] [--speed 600] [--seed 7] [--parallel 12]

Runs ``--sessions`` charging sessions through :class:`kiosk.services.sessions.SessionService`
over real HTTP against an in-process :class:`kiosk.sim.SimServer`, on every tariff of the
demo venue (flat fee, energy, charging time after a duration, parking time, step sizes,
VAT included or not, a power restriction and a time-of-use day/night switch), with cars
that stop while charging or after they are full (parking), for 5 minutes to 4 hours of
virtual time.

For each session, just before the stop, the kiosk polls once more and records its live
estimate; then it stops and waits for the final ``totalCosts``. While that last poll and
the stop are sent, the simulator's clock is slowed to real time (speed 1) so the few
milliseconds between them are a few milliseconds of charging, not seconds: what is
measured is the estimator, not the polling lag (that lag is inherent and is reported
separately as the journal's ``difference`` at the end, which uses the stop answer).

Prints JSON: counts, the largest absolute difference (in the currency's units) between
the last live estimate and totalCosts, its median, per tariff maxima, and the worst cases.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.api import ChargeAssistClient  # noqa: E402
from kiosk.services.sessions import SessionService  # noqa: E402
from kiosk.sim import SimServer  # noqa: E402


async def one_session(i: int, evse, svc: SessionService, sim: SimServer, pm_id: str, rng: random.Random,
                      stop_lock: asyncio.Lock, speed: float) -> dict:
    duration_s = rng.choice([300, 600, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 14400]) + rng.randint(0, 240)
    soc = rng.choice([0.1, 0.3, 0.5, 0.7, 0.85, 0.95])
    sim.scenario.car(evse.evse_uid, battery_kwh=rng.choice([40.0, 60.0, 82.0]), soc=soc,
                     ac_max_kw=rng.choice([7.4, 11.0, 22.0]), dc_max_kw=rng.choice([50.0, 100.0, 175.0]))
    started = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, pm_id)
    key, code = started.session.key, started.code

    def entry():  # the board entry: no code hashing in these wait loops
        return next(e for e in svc.active() if e.key == key)

    t0 = time.monotonic()
    while entry().state not in ("CHARGING", "PARKING"):
        if entry().is_final or time.monotonic() - t0 > 60:
            return {"i": i, "skipped": entry().state}
        await asyncio.sleep(0.02)
    while True:
        started_at = svc.registry.sessions[key].started_at
        if started_at is not None and (sim.clock.now() - started_at).total_seconds() >= duration_s:
            break
        await asyncio.sleep(0.02)
    async with stop_lock:
        sim.clock.set_speed(1.0)
        try:
            await svc.refresh(key)
            est = svc.attach_known(code).estimate
            live = svc.registry.sessions[key]
            est_lines = [(ln.dimension, str(ln.quantity), str(round(ln.incl_vat, 4)))
                         for ln in (live.estimate.lines if hasattr(live.estimate, "lines") else [])]
            await svc.stop(code)
        finally:
            sim.clock.set_speed(speed)
    t1 = time.monotonic()
    while entry().state != "CDR_AVAILABLE":
        if time.monotonic() - t1 > 60:
            return {"i": i, "skipped": "no CDR"}
        await asyncio.sleep(0.02)
    rec = svc.receipt(key, code=code)
    total = rec.total_incl_vat
    diff = (total - est.incl_vat) if (est is not None and total is not None) else None
    row = svc.journal.get(key)
    bill = sim.state.sessions[row.charge_session_id].bill
    sim_lines = [(ln.dimension, str(ln.billed_units()), str(round(ln.amounts()[1], 4))) for ln in bill.lines]
    return {
        "i": i, "evse": evse.evse_uid, "tariff": evse.connectors[0].tariff_id, "duration_s": duration_s,
        "start_soc": soc, "energy_kwh": str(rec.energy_kwh), "parked": "PARKING" in (row.observations_json or ""),
        "estimate": str(est.incl_vat) if est else None, "total": str(total),
        "diff": str(diff) if diff is not None else None,
        "diff_at_stop_answer": str(rec.difference) if rec.difference is not None else None,
        "estimate_lines": est_lines, "sim_lines": sim_lines,
        # charging TIME with a step followed by parking: OCPI 2.2.1 rounds only the parking
        # total; these sessions are where a wrong step rule would show (reported separately)
        "time_step_then_parking": {"TIME", "PARKING_TIME"} <= {ln.dimension for ln in bill.lines}
        and any(ln.dimension == "TIME" and int(ln.component.get("stepSize") or 1) > 1 for ln in bill.lines),
    }


async def main_async(args) -> dict:
    rng = random.Random(args.seed)
    sim = SimServer(port=0, seed=args.seed, speed=args.speed).start()
    sim.scenario.traffic = False
    try:
        with tempfile.TemporaryDirectory() as tmp:
            headers = {"Authorization": f"ApiKey {sim.api_key}"}
            async with ChargeAssistClient(sim.base_url, headers=headers, app_token="estimate-check",
                                          timeout=10.0) as client:
                await client.register_token()
                pm = await client.add_external_payment("ROOM-BENCH", display_name="bench")
                svc = SessionService(client, Path(tmp) / "journal.sqlite3", time_scale=args.speed)
                # the venue's own chargers (its payment method is not accepted on public ones)
                evses = [e for e in sim.venue.evses
                         if e.base_status == "AVAILABLE" and e.location_id in sim.venue.location_ids]
                # one of each tariff first, then the rest
                by_tariff: dict[str, list] = {}
                for e in evses:
                    by_tariff.setdefault(e.connectors[0].tariff_id, []).append(e)
                pool = [lst[k] for k in range(max(map(len, by_tariff.values())))
                        for lst in by_tariff.values() if k < len(lst)][: args.parallel]
                free: asyncio.Queue = asyncio.Queue()
                for e in pool:
                    free.put_nowait(e)
                stop_lock = asyncio.Lock()
                results: list[dict] = []

                async def worker(i: int) -> None:
                    evse = await free.get()
                    try:
                        results.append(await one_session(i, evse, svc, sim, pm.id, random.Random(rng.random()),
                                                         stop_lock, args.speed))
                    except Exception as exc:  # noqa: BLE001 - reported, not hidden
                        results.append({"i": i, "error": f"{type(exc).__name__}: {exc}"})
                    finally:
                        free.put_nowait(evse)

                t0 = time.monotonic()
                await asyncio.gather(*(worker(i) for i in range(args.sessions)))
                wall = time.monotonic() - t0
                await svc.aclose()
    finally:
        sim.stop()
    done = [r for r in results if r.get("diff") is not None]
    diffs = [abs(Decimal(r["diff"])) for r in done]
    at_stop = [abs(Decimal(r["diff_at_stop_answer"])) for r in done if r.get("diff_at_stop_answer") is not None]
    per_tariff: dict[str, dict] = {}
    for r in done:
        t = per_tariff.setdefault(r["tariff"], {"sessions": 0, "max_abs_diff": "0"})
        t["sessions"] += 1
        t["max_abs_diff"] = str(max(Decimal(t["max_abs_diff"]), abs(Decimal(r["diff"]))))
    worst = sorted(done, key=lambda r: abs(Decimal(r["diff"])), reverse=True)[:5]
    worst += sorted((r for r in done if r["time_step_then_parking"] and r not in worst),
                    key=lambda r: abs(Decimal(r["diff"])), reverse=True)[:2]
    for r in done:
        if r not in worst:
            r.pop("estimate_lines", None)
            r.pop("sim_lines", None)
    return {
        "sessions_requested": args.sessions,
        "sessions_compared": len(done),
        "sessions_parked": sum(1 for r in done if r["parked"]),
        "skipped_or_failed": [r for r in results if r.get("diff") is None],
        "speed": args.speed,
        "max_abs_diff": str(max(diffs)) if diffs else None,
        "median_abs_diff": str(statistics.median(diffs)) if diffs else None,
        "within_one_cent": sum(1 for d in diffs if d <= Decimal("0.01")),
        "sessions_time_step_then_parking": sum(1 for r in done if r["time_step_then_parking"]),
        "max_abs_diff_time_step_then_parking": str(max(
            [abs(Decimal(r["diff"])) for r in done if r["time_step_then_parking"]], default=Decimal(0))),
        "max_abs_diff_using_stop_answer": str(max(at_stop)) if at_stop else None,
        "per_tariff": per_tariff,
        "worst": worst,
        "wall_s": round(wall, 1),
        "rounding": "totalCosts and the estimate are each rounded half-up to cents once, from exact sums; "
                    "a difference of 0.01 can come from rounding alone",
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=60)
    ap.add_argument("--speed", type=float, default=300.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--parallel", type=int, default=10)
    args = ap.parse_args()
    out = asyncio.run(main_async(args))
    print(json.dumps(out, indent=1))
    ok = out["sessions_compared"] >= min(50, args.sessions) \
        and out["max_abs_diff"] is not None and Decimal(out["max_abs_diff"]) <= Decimal("0.01")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
