#!/usr/bin/env python3
"""Screens of one venue on a shared PostgreSQL journal (issue 17): the figures.

    python bench/venue.py [--outage-s 60] [--lease-s 15] [--speed 50]

On a throwaway PostgreSQL (kiosk.deploy.localpg) and an in-process simulator:

- board: a change committed at screen A reaches screen B's board (LISTEN/NOTIFY on a
  dedicated connection), milliseconds, over a session's life;
- races: 30 rounds of A and B starting one charger at the same instant, POST
  /session/start counted at the simulator;
- polling: GET /session/status per session and minute with one screen and with three;
- take-over: screen D is a separate process that started a session and polls it; after
  its SIGKILL, seconds until another screen polls the session (the simulator sees B's requests);
- outage: the database stopped for ``--outage-s`` while A polls a session: the stop asked
  at A reaches the service, starts are refused, and once the database is back seconds
  until B's board shows the end.

Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

APP_TOKEN = "bench-venue"

CHILD = r"""
import asyncio, sys
from kiosk.api import ChargeAssistClient
from kiosk.services.sessions import SessionService
base, key, pm, url, pw, speed, lease, loc, evse, conn = sys.argv[1:]
async def main():
    async with ChargeAssistClient(base, headers={"Authorization": f"ApiKey {key}"}, app_token=%r) as c:
        svc = SessionService(c, url, journal_password=pw, screen="D", time_scale=float(speed), lease_s=float(lease))
        await svc.resume_all()
        st = await svc.start(loc, evse, conn, pm)
        print(st.session.key, flush=True)
        await asyncio.sleep(3600)
asyncio.run(main())
""" % APP_TOKEN


def status_count(sim) -> int:
    return sum(n for (ep, _s), n in sim.stats.items() if ep == "GET /session/status")


def start_count(sim) -> int:
    return sum(n for (ep, _s), n in sim.stats.items() if ep == "POST /session/start")


async def wait_for(pred, timeout: float, step: float = 0.02) -> float:
    t0 = time.monotonic()
    while not pred():
        if time.monotonic() - t0 > timeout:
            raise TimeoutError
        await asyncio.sleep(step)
    return time.monotonic() - t0


async def bench(sim, pg, args) -> dict:
    from kiosk.api import ChargeAssistClient
    from kiosk.services.sessions import SessionService, StartFailed, StartPending

    headers = {"Authorization": f"ApiKey {sim.api_key}"}
    async with ChargeAssistClient(sim.base_url, headers=headers, app_token=APP_TOKEN) as c:
        await c.register_token()
        pm = (await c.add_external_payment("ROOM-BENCH")).id
    evses = [e for e in sim.venue.evses if e.base_status == "AVAILABLE"]
    clients, screens = [], {}

    async def screen(name: str) -> SessionService:
        c = ChargeAssistClient(sim.base_url, headers=headers, app_token=APP_TOKEN)
        await c.__aenter__()
        clients.append(c)
        svc = SessionService(c, pg.url, journal_password=pg.password, screen=name, time_scale=sim.clock.speed,
                             attendant_pin="2468", lease_s=args.lease_s)
        await svc.resume_all()
        screens[name] = svc
        return svc

    def polls(svc, key) -> bool:
        lv = svc.registry.maybe(key)
        return lv is not None and lv.task is not None and not lv.task.done()

    out: dict = {"lease_s": args.lease_s, "sim_speed": sim.clock.speed}
    a, b = await screen("A"), await screen("B")

    # board + races
    e = evses[0]
    rounds, one_post = 30, 0
    for i in range(rounds):
        ev = evses[i % len(evses)]
        row = a.journal.open_on_evse(ev.evse_uid)
        if row is not None:
            owner = a if polls(a, row.key) else b
            await owner.attendant_stop(row.key, owner.attendant_login("2468"), "bench")
            await wait_for(lambda ev=ev: a.journal.open_on_evse(ev.evse_uid) is None, 60)
        n0 = start_count(sim)
        res = await asyncio.gather(a.start(ev.location_id, ev.evse_uid, ev.connectors[0].id, pm),
                                   b.start(ev.location_id, ev.evse_uid, ev.connectors[0].id, pm),
                                   return_exceptions=True)
        ok = sum(1 for r in res if not isinstance(r, BaseException))
        busy = sum(1 for r in res if isinstance(r, StartPending))
        one_post += int(start_count(sim) - n0 == 1 and ok == 1 and busy == 1)
    out["races"] = {"rounds": rounds, "rounds_with_exactly_one_start": one_post}
    lags = sorted(a.venue.follow_latency + b.venue.follow_latency)
    out["board_ms"] = {"changes": len(lags), "median": round(median(lags) * 1000, 1),
                       "p95": round(lags[int(len(lags) * 0.95)] * 1000, 1), "max": round(lags[-1] * 1000, 1)}
    for svc in (a, b):   # stop everything: a quiet venue for the polling figures
        for entry in svc.active():
            if not entry.is_final and polls(svc, entry.key):
                try:
                    await svc.attendant_stop(entry.key, svc.attendant_login("2468"), "bench")
                except Exception:  # noqa: BLE001
                    pass
    await wait_for(lambda: not a.journal.sessions(open_only=True), 120)

    # polling load: one session, one screen polling; then three screens
    st = await a.start(e.location_id, e.evse_uid, e.connectors[0].id, pm)
    await wait_for(lambda: a.registry.maybe(st.session.key).lifecycle.state.value == "CHARGING", 60)
    window = 20.0
    n0 = status_count(sim)
    await asyncio.sleep(window)
    one = status_count(sim) - n0
    cc = await screen("C")
    n0 = status_count(sim)
    await asyncio.sleep(window)
    three = status_count(sim) - n0
    out["status_per_session_per_min"] = {"one_screen": round(one * 60 / window, 1),
                                         "three_screens": round(three * 60 / window, 1),
                                         "pollers": [n for n, s in screens.items() if polls(s, st.session.key)]}

    # outage: the database stops while A polls this session
    await asyncio.to_thread(pg.stop)
    t_down = time.monotonic()
    refused = 0
    for svc in (a, b, cc):
        try:
            await svc.start(evses[1].location_id, evses[1].evse_uid, evses[1].connectors[0].id, pm)
        except StartFailed:
            refused += 1
    stops0 = sum(n for (ep, _s), n in sim.stats.items() if ep == "POST /session/stop")
    await a.stop(st.code)
    stop_reached = sum(n for (ep, _s), n in sim.stats.items() if ep == "POST /session/stop") - stops0
    await asyncio.sleep(max(0.0, args.outage_s - (time.monotonic() - t_down)))
    await asyncio.to_thread(pg.restart)
    t_up = time.monotonic()
    key = st.session.key
    try:
        resync = await wait_for(lambda: b.registry.maybe(key) is not None and b.registry.maybe(key).lifecycle.is_final,
                                120)
    except TimeoutError:
        resync = None
    out["outage"] = {"seconds": round(t_up - t_down, 1), "starts_refused": f"{refused}/3",
                     "stop_requests_reaching_service": stop_reached,
                     "board_final_at_B_s_after_return": None if resync is None else round(resync, 2)}

    # take-over after SIGKILL of the polling screen (a separate process)
    ev = evses[2]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", CHILD, sim.base_url, sim.api_key, pm, pg.url, pg.password,
                              str(sim.clock.speed), str(args.lease_s), ev.location_id, ev.evse_uid,
                              ev.connectors[0].id], stdout=subprocess.PIPE, text=True, env=env)
    key = child.stdout.readline().strip()
    await asyncio.sleep(args.lease_s / 2)
    assert not any(polls(s, key) for s in screens.values())
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    t_kill = time.monotonic()
    took = await wait_for(lambda: any(polls(s, key) for s in screens.values()), 60)
    n0 = status_count(sim)
    polled = await wait_for(lambda: status_count(sim) > n0, 60)
    out["takeover_after_sigkill_s"] = {"poller_running": round(took, 2),
                                       "first_status_request": round(time.monotonic() - t_kill, 2),
                                       "by": [n for n, s in screens.items() if polls(s, key)], "bound": args.lease_s * 4 / 3,
                                       "poll_after_takeover_s": round(polled, 2)}
    for svc in screens.values():
        await svc.aclose()
    for c in clients:
        await c.__aexit__(None, None, None)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--outage-s", type=float, default=60.0)
    ap.add_argument("--lease-s", type=float, default=15.0)
    ap.add_argument("--speed", type=float, default=50.0)
    args = ap.parse_args()
    from kiosk.deploy.localpg import LocalPostgres
    from kiosk.sim import SimServer

    with tempfile.TemporaryDirectory():
        pg = LocalPostgres().start()
        sim = SimServer(port=0, seed=1, speed=args.speed).start()
        sim.scenario.traffic = False
        try:
            out = asyncio.run(bench(sim, pg, args))
        finally:
            sim.stop()
            pg.remove()
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
