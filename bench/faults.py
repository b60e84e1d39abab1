#!/usr/bin/env python3
"""Issue 11's faults, each tried on purpose as a hostile guest, a failing SD card or a power
cut would, against the simulator over HTTP; prints one JSON object with what was tried and
the figure for each scenario.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/faults.py [--adoptions 50]
        [--memory-cycles 1000] [--skip-memory]

- ``guessing``: a guesser who waits out every delay for a day at one charger (a guess
  every 15 minutes, restarts in between): guesses that were checked against the session,
  and guests of the other chargers refused meanwhile (goal 0).
- ``full_disk``: the journal on a full 4 MB tmpfs (root only): stop requests that reached
  the service, an attendant login, and whether a new start is refused with a message.
- ``clock_behind``: the kiosk's clock an hour behind its journal after a power cut during a
  start: seconds from the app's start to a filled board (the real KioskApp, offscreen).
- ``adoption``: N starts answered by a 502 that did nothing, right after launch, on a
  charger with an earlier unowned session: wrong adoptions (goal 0).
- ``bad_rows``: an unknown state, bad JSON, a bad date, a bad lockout: rows survived.
- ``memory``: resident memory over N autopilot cycles after 20 warm-up cycles (goal < 5 MB),
  through ``bench/ui.py --child memory``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.sim import SimServer  # noqa: E402

PIN = "2468"


def _client(sim, token="bench-faults"):
    from kiosk.api import ChargeAssistClient

    return ChargeAssistClient(sim.base_url, headers={"Authorization": f"ApiKey {sim.api_key}"}, app_token=token)


def _service(client, path, **kw):
    from kiosk.services.sessions import SessionService

    kw.setdefault("time_scale", 100.0)
    return SessionService(client, path, attendant_pin=PIN, **kw)


async def _setup(client):
    await client.register_token()
    pm = await client.add_external_payment("ROOM-BENCH", display_name="Bench")
    return pm.id


def _sim(**kw):
    sim = SimServer(port=0, seed=kw.pop("seed", 1), speed=kw.pop("speed", 100.0)).start()
    sim.scenario.traffic = False
    return sim


def _evses(sim):
    return [e for e in sim.venue.evses if e.base_status == "AVAILABLE"]


class _Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


# -- guessing --------------------------------------------------------------------------------------

async def guessing(tmp: Path) -> dict:
    import kiosk.services.sessions.codes as codes_mod
    from kiosk.services.sessions import WrongCode

    sim = _sim()
    hashed = []
    real = codes_mod.verify_code
    codes_mod.verify_code = lambda c, h: hashed.append(c) or real(c, h)
    try:
        async with _client(sim) as client:
            pm = await _setup(client)
            clock = _Clock(datetime.now(UTC))
            svc = _service(client, tmp / "g.sqlite3", clock=clock)
            evses = _evses(sim)[:4]
            started = [await svc.start(e.location_id, e.evse_uid, e.connectors[0].id, pm) for e in evses]
            target, others = started[0], started[1:]
            refused_others = 0
            guesses = (f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" != target.code)
            tried: set[str] = set()
            for i in range(96):                    # a guess every 15 minutes for 24 hours
                guess = next(guesses)
                tried.add(guess)
                try:
                    await svc.attach(guess, evses[0].evse_uid)
                except WrongCode:
                    pass
                for g, e in zip(others, evses[1:], strict=True):   # other guests come back meanwhile
                    try:
                        await svc.attach(g.code, e.evse_uid)
                    except WrongCode:
                        refused_others += 1
                if i % 10 == 9:
                    await svc.aclose()
                    svc = _service(client, tmp / "g.sqlite3", clock=clock)
                clock.now += timedelta(minutes=15)
            await svc.aclose()
    finally:
        codes_mod.verify_code = real
        sim.stop()
    target_checks = [c for c in hashed if c in tried]    # the guesser's codes that were checked
    return {"tried": "96 wrong codes at one charger over 24 h (one every 15 min, a restart every 10), "
                     "3 guests of other chargers opening their sessions after each guess",
            "guesses_checked_against_the_session_per_day": len(target_checks),
            "guests_of_other_chargers_refused": refused_others}


# -- full disk -------------------------------------------------------------------------------------

async def full_disk(tmp: Path) -> dict:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return {"skipped": "needs root to mount a small tmpfs"}
    mnt = tmp / "disk"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)]).returncode != 0:
        return {"skipped": "cannot mount a tmpfs"}
    sim = _sim()
    stops: dict[str, int] = {}
    real_stop = sim.state.stop

    def counting(s, now):
        stops[s.id] = stops.get(s.id, 0) + 1
        real_stop(s, now)
    sim.state.stop = counting
    out: dict = {"tried": "3 sessions charging; the data disk fills up; each guest stops, staff log in, "
                          "a fourth guest starts"}
    try:
        async with _client(sim) as client:
            pm = await _setup(client)
            svc = _service(client, mnt / "journal.sqlite3")
            evses = _evses(sim)[:4]
            started = [await svc.start(e.location_id, e.evse_uid, e.connectors[0].id, pm) for e in evses[:3]]
            for _ in range(200):
                if all(svc.attach_known(s.code).state == "CHARGING" for s in started):
                    break
                await asyncio.sleep(0.05)
            fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT)
            try:
                while True:
                    os.write(fd, b"\0" * 4096)
            except OSError:
                pass
            finally:
                os.close(fd)
            for s in started:
                try:
                    await svc.stop(s.code)
                except Exception as exc:  # noqa: BLE001
                    out.setdefault("stop_errors", []).append(type(exc).__name__)
            out["stop_requests_reaching_the_service"] = sum(stops.values())
            try:
                await asyncio.to_thread(svc.attendant_login, PIN)
                out["attendant_login"] = "ok"
            except Exception as exc:  # noqa: BLE001
                out["attendant_login"] = type(exc).__name__
            try:
                await svc.start(evses[3].location_id, evses[3].evse_uid, evses[3].connectors[0].id, pm)
                out["new_start"] = "started (not journaled)"
            except Exception as exc:  # noqa: BLE001
                out["new_start"] = f"refused: {exc}"
            await svc.aclose()
    finally:
        sim.stop()
        subprocess.run(["umount", "-l", str(mnt)])
    return out


# -- a clock an hour behind --------------------------------------------------------------------

def clock_behind(tmp: Path) -> dict:
    """The real app, in a child: time from start() to a filled board."""
    code = r'''
import asyncio, json, sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
import qasync
from PySide6.QtWidgets import QApplication
import kiosk.services.sessions.live as live_mod
from kiosk.app import AppOptions, KioskApp, demo_settings
from kiosk.config import load_settings
from kiosk.core.journal import Journal
from kiosk.sim import SimServer

sim = SimServer(port=0, seed=1, speed=10.0).start()
data = Path(sys.argv[1])
data.mkdir(parents=True, exist_ok=True)
settings = demo_settings(load_settings(data_dir=data, log_dir=data, camera="none", log_level="WARNING"), sim)
j = Journal(settings.journal_path())      # a start sent just before the power cut, answer never recorded
e = [e for e in sim.venue.evses if e.base_status == "AVAILABLE"][0]
row = j.create_intent(location_id=e.location_id, evse_uid=e.evse_uid, connector_id=e.connectors[0].id,
                      payment_method_id="pm-lost")
j.mark_ambiguous(row.key, "power cut")
j.close()
live_mod.utcnow = lambda: datetime.now(UTC) - timedelta(hours=1)   # the clock came back an hour behind
app = QApplication([])
loop = qasync.QEventLoop(app)
asyncio.set_event_loop(loop)
kiosk = KioskApp(settings, sim=sim, options=AppOptions(start_camera=False))
async def main():
    t0 = time.monotonic()
    ctx = await kiosk.start()
    home = ctx.shell.screen("home")
    while not home.bay_buttons:
        await asyncio.sleep(0.01)
        if time.monotonic() - t0 > 120:
            break
    filled = time.monotonic() - t0
    await kiosk.aclose()
    return filled
with loop:
    filled = loop.run_until_complete(main())
sim.stop()
print(json.dumps({"seconds_to_filled_board": round(filled, 2)}))
'''
    r = subprocess.run([sys.executable, "-c", code, str(tmp / "clock")], capture_output=True, text=True, cwd=ROOT,
                       env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), timeout=300)
    try:
        fig = json.loads(r.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"error": r.stderr[-1500:]}
    return {"tried": "a start's answer lost at a power cut; the kiosk's clock an hour behind its journal "
                     "at the next boot", **fig}


# -- adoption --------------------------------------------------------------------------------------

async def adoption(tmp: Path, n: int) -> dict:
    from kiosk.services.sessions import StartFailed

    sim = _sim(speed=50.0)
    wrong = 0
    refused = 0
    try:
        async with _client(sim) as client:
            pm = await _setup(client)
            evses = _evses(sim)
            for i in range(n):
                e = evses[i % len(evses)]
                # an earlier session on that charger, not in this kiosk's journal
                s = await client.start_session(e.location_id, e.evse_uid, e.connectors[0].id, pm)
                sim.clock.advance(120)
                await client.stop_session(s.charge_session_id)
                sim.clock.advance(600)
                async with _client(sim) as fresh:           # right after launch: no server time known
                    svc = _service(fresh, tmp / f"a{i}.sqlite3", time_scale=50.0)
                    sim.faults.set("POST /session/start", error_rate=1.0, error_status=502, times=1)
                    try:
                        st = await svc.start(e.location_id, e.evse_uid, e.connectors[0].id, pm)
                        if st.session.charge_session_id == s.charge_session_id:
                            wrong += 1
                    except StartFailed:
                        refused += 1
                    await svc.aclose()
    finally:
        sim.stop()
    return {"tried": f"{n} starts answered by a 502 that did nothing, right after launch, each on a charger "
                     "with an earlier session the journal does not own",
            "failed_starts": n, "wrong_adoptions": wrong, "told_it_did_not_start": refused}


# -- bad rows --------------------------------------------------------------------------------------

async def bad_rows(tmp: Path) -> dict:
    sim = _sim()
    cases = {
        "unknown state": "UPDATE sessions SET state='WARP_SPEED' WHERE key=?",
        "bad JSON": "UPDATE sessions SET observations_json='{not json' WHERE key=?",
        "bad date": "UPDATE sessions SET started_at='tomorrowish' WHERE key=?",
        "bad lockout date": "INSERT OR REPLACE INTO kv (name, value) VALUES ('attendant_lockout', "
                            "'{\"failures\": 1, \"locked_until\": \"soon\"}') -- ?",
        "damaged file": None,
    }
    survived = {}
    try:
        async with _client(sim) as client:
            pm = await _setup(client)
            for i, (name, sql) in enumerate(cases.items()):
                path = tmp / f"bad{i}.sqlite3"
                svc = _service(client, path)
                e = _evses(sim)[i]
                st = await svc.start(e.location_id, e.evse_uid, e.connectors[0].id, pm)
                await svc.aclose()
                if sql is None:
                    path.write_bytes(b"not a database " * 200)
                else:
                    db = sqlite3.connect(path)
                    db.execute(sql.replace(" -- ?", ""), () if "--" in sql else (st.session.key,))
                    db.commit()
                    db.close()
                try:
                    svc2 = _service(client, path)
                    await svc2.resume_all()
                    await asyncio.to_thread(svc2.attendant_login, PIN)
                    on_evse = [r for r in svc2.journal.sessions() if r.evse_uid == e.evse_uid and r.open]
                    survived[name] = "kiosk ran on; the session on its charger is " + (
                        "known" if on_evse else "not known")
                    await svc2.aclose()
                except Exception as exc:  # noqa: BLE001
                    survived[name] = f"FAILED: {type(exc).__name__}: {exc}"
                sim.scenario.reset()
    finally:
        sim.stop()
    ok = sum(v.startswith("kiosk ran on") for v in survived.values())
    return {"tried": list(cases), "survived": ok, "of": len(cases), "detail": survived}


# -- memory ----------------------------------------------------------------------------------------

def memory(cycles: int) -> dict:
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "ui.py"), "--child", "autopilot", "--cycles",
                        str(cycles), "--warmup", "20", "--speed", "200", "--sim-process", "--marks-every",
                        str(max(1, cycles // 10))], capture_output=True, text=True, cwd=ROOT,
                       env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), timeout=6 * 3600)
    line = next((x for x in r.stdout.splitlines() if x.startswith("REPORT ")), None)
    if line is None:
        return {"error": r.stderr[-1500:]}
    rep = json.loads(line[len("REPORT "):])
    start, end = rep["rss_mb"]["start"], rep["rss_mb"]["end"]
    return {"tried": f"{cycles} autopilot guest cycles through the real widgets after 20 warm-up cycles "
                     "(the simulator in its own process: its growing history is not the kiosk's)",
            "cycles_passed": rep["cycles_passed"], "rss_after_warmup_mb": start, "rss_end_mb": end,
            "rss_every_tenth_mb": rep.get("rss_marks_mb"),
            "growth_mb": round(end - start, 1), "goal_growth_mb": 5, "ok": end - start < 5}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--adoptions", type=int, default=50)
    ap.add_argument("--memory-cycles", type=int, default=1000)
    ap.add_argument("--skip-memory", action="store_true")
    a = ap.parse_args()
    t0 = time.monotonic()
    out: dict = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        out["guessing"] = asyncio.run(guessing(tmp))
        out["full_disk"] = asyncio.run(full_disk(tmp))
        out["clock_behind"] = clock_behind(tmp)
        out["adoption"] = asyncio.run(adoption(tmp, a.adoptions))
        out["bad_rows"] = asyncio.run(bad_rows(tmp))
        if not a.skip_memory:
            out["memory"] = memory(a.memory_cycles)
    out["wall_s"] = round(time.monotonic() - t0, 1)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
