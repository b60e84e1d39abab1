"""Crash-resilience harness for the session service (used by test_resilience.py and
bench/resilience.py).

A *zygote* process (``python -m tests.services.resilience_worker``) imports the kiosk once
and then forks one short-lived worker per command read from stdin. A worker is a kiosk
that opens the journal, recovers (``resume_all``) and runs ONE step of a session's life:

- ``start``: start a session on an EVSE (intent journaled, POST, id recorded);
- ``charge``: poll the running sessions for a while;
- ``stop``: stop every running session as attendant.

The driver (:func:`run`, in the test process next to the simulator) sends the commands,
kills each worker with SIGKILL after a random delay, and meanwhile makes the simulator
drop the answer of starts and stops after acting (``drop_after_action``) in random
cycles. At the end it recovers once more without killing, stops and settles everything,
then accounts for every intent and every simulator session.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.plugins.forkserver import Driver, serve

PIN = "8642"
_SSL_CONTEXT: Any = None
APP_TOKEN = "kiosk-resilience"


# ---------------------------------------------------------------------------------------
# worker side (in the forked child)
# ---------------------------------------------------------------------------------------

async def _step(cmd: dict) -> dict:
    import httpx  # the harness only: the TLS context is built once in the zygote (loopback is plain HTTP)

    from kiosk.api import ChargeAssistClient
    from kiosk.services.sessions import SessionError, SessionService

    headers = {"Authorization": f"ApiKey {cmd['api_key']}"}
    transport = httpx.AsyncHTTPTransport(verify=_SSL_CONTEXT) if _SSL_CONTEXT is not None else None
    async with ChargeAssistClient(cmd["base_url"], headers=headers, app_token=APP_TOKEN, timeout=3.0,
                                  transport=transport) as client:
        venue = {"journal_password": cmd.get("password"), "screen": cmd.get("screen"),
                 "lease_s": cmd.get("lease_s", 15.0)}
        svc = SessionService(client, cmd["journal"], time_scale=cmd["speed"], attendant_pin=PIN,
                             settle_s=cmd.get("settle_s", 30.0), poll=cmd["step"] == "charge",
                             estimate_interval_s=0.5, recent_s=2.0, **venue)
        out: dict[str, Any] = {"step": cmd["step"]}
        try:
            await svc.resume_all()
        except Exception as exc:  # noqa: BLE001 - recovery problems are reported, the step goes on
            out["resume_error"] = repr(exc)
        Path(cmd["result"] + ".ready").touch()
        if cmd["step"] == "start":
            e = cmd["evse"]
            try:
                st = await svc.start(e["location_id"], e["evse_uid"], e["connector_id"], cmd["pm_id"])
                out["started"] = st.session.key
                # the guest keeps the ticket (if the kiosk dies before showing it, the desk stops it)
                with open(cmd["codes"], "a", encoding="utf-8") as fh:
                    fh.write(f"{e['evse_uid']} {st.code}\n")
            except SessionError as exc:
                out["refused"] = type(exc).__name__
        elif cmd["step"] == "charge":
            await asyncio.sleep(cmd.get("charge_s", 0.2))
        elif cmd["step"] == "stop":
            running = ("CHARGING", "PARKING", "REQUESTED", "STARTING", "UNKNOWN")
            codes = (Path(cmd["codes"]).read_text().splitlines() if Path(cmd["codes"]).exists() else [])
            stopped = set()
            for line in codes[-1:]:
                evse_uid, code = line.split()
                try:
                    view = await svc.attach(code, evse_uid)
                    if view.state in running:
                        await svc.stop(code)
                    stopped.add(view.key)
                except SessionError:
                    pass
            left = [e for e in svc.active() if e.state in running and e.key not in stopped]
            if left:  # the guest never saw a code: the desk stops it
                att = svc.attendant_login(PIN, name="resilience")
                for entry in left:
                    try:
                        await svc.attendant_stop(entry.key, att, "resilience test")
                    except SessionError as exc:
                        out.setdefault("stop_refused", []).append(type(exc).__name__)
        await svc.aclose()
        return out


def zygote() -> None:
    """Read one JSON command per line; fork a worker for each; print its pid."""
    import kiosk.api  # noqa: F401 - imported once here so that forks start fast
    import kiosk.core.tariff  # noqa: F401
    import kiosk.services.sessions  # noqa: F401

    global _SSL_CONTEXT
    import ssl

    _SSL_CONTEXT = ssl.create_default_context()
    serve(_step)


# ---------------------------------------------------------------------------------------
# driver side (in the test process, next to the simulator)
# ---------------------------------------------------------------------------------------

@dataclass
class Report:
    cycles: int = 0
    kills: dict[str, int] = field(default_factory=lambda: {"start": 0, "charge": 0, "stop": 0})
    completed_steps: int = 0
    dropped_answers: int = 0
    intents: int = 0
    sessions_in_sim: int = 0
    adopted: int = 0
    not_started: int = 0
    ambiguous: int = 0
    worker_errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def total_kills(self) -> int:
        return sum(self.kills.values())

    def to_json(self) -> dict:
        return {"cycles": self.cycles, "kills": self.kills, "total_kills": self.total_kills,
                "completed_steps": self.completed_steps, "dropped_answers": self.dropped_answers,
                "intents": self.intents, "sessions_in_sim": self.sessions_in_sim, "adopted": self.adopted,
                "not_started": self.not_started, "ambiguous": self.ambiguous,
                "worker_errors": self.worker_errors[:5], "problems": self.problems, "wall_s": round(self.wall_s, 1)}


def run(sim: Any, workdir: Path, *, min_kills: int = 200, max_cycles: int = 1000, seed: int = 1,
        evse_count: int = 4, min_recoveries: int = 0, journal_url: str | None = None, password: str | None = None,
        screens: tuple[str, ...] = (), lease_s: float = 2.0) -> Report:
    """Drive start/charge/stop cycles with random SIGKILLs until ``min_kills`` kills and at
    least ``min_recoveries`` starts whose answer was lost or not recorded (then resolved).

    ``journal_url`` (with ``password``): a venue's PostgreSQL journal instead of a SQLite
    file; ``screens``: the kiosks taking turns step by step (each step runs at the next
    one: a session started at one is polled and stopped at another), ``lease_s`` their
    poll leases."""
    from kiosk.api import ChargeAssistClient

    rng = random.Random(seed)
    rep = Report()
    t_begin = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)
    journal: Any = journal_url or workdir / "journal.sqlite3"
    speed = sim.clock.speed
    sim.scenario.traffic = False
    headers = {"Authorization": f"ApiKey {sim.api_key}"}

    async def setup() -> str:
        async with ChargeAssistClient(sim.base_url, headers=headers, app_token=APP_TOKEN) as c:
            await c.register_token()
            pm = await c.add_external_payment("ROOM-RESILIENCE")
            return pm.id

    pm_id = asyncio.run(setup())
    evses = [e for e in sim.venue.evses
             if e.base_status == "AVAILABLE" and e.location_id in sim.venue.location_ids][:evse_count]
    # real seconds a step takes when it is not killed (learnt as the run goes: the
    # machine is shared); kill times are drawn from 0 .. 1.3 x that
    driver = Driver("tests.services.resilience_worker", rng, {"init": 0.5, "start": 1.0, "charge": 0.6, "stop": 0.6})
    driver.start()
    n = 0

    def step(name: str, **extra: Any) -> None:
        nonlocal n
        n += 1
        result = workdir / f"r{n}.json"
        cmd = {"step": name, "base_url": sim.base_url, "api_key": sim.api_key, "journal": str(journal),
               "speed": speed, "pm_id": pm_id, "result": str(result), "settle_s": 30.0,
               "codes": str(workdir / "codes.txt"), "password": password, "lease_s": lease_s,
               "screen": screens[n % len(screens)] if screens else None, **extra}
        out = driver.step(name, cmd)
        if out.killed:
            rep.kills[name] += 1
        if out.hung:
            rep.problems.append(f"worker {name} hung")
        if out.result is not None:
            rep.completed_steps += 1
        if out.error is not None:
            rep.worker_errors.append(out.error)

    try:
        def recoveries() -> int:
            if not min_recoveries:
                return 0
            from kiosk.core.journal import open_journal

            if not journal_url and not Path(journal).exists():
                return 0
            try:
                j = open_journal(journal, password=password)
            except Exception:  # noqa: BLE001
                return 0
            try:
                return sum(1 for r in j.sessions() if r.start_phase != "confirmed" or r.adopted)
            finally:
                j.close()

        while (rep.total_kills < min_kills or recoveries() < min_recoveries) and rep.cycles < max_cycles:
            rep.cycles += 1
            e = evses[rep.cycles % len(evses)]
            drop = rng.random() < 0.5
            if drop:
                sim.faults.set("POST /session/start", drop_after_action=True)
                sim.faults.set("POST /session/stop", drop_after_action=True)
            else:
                sim.faults.clear()
            step("start", evse={"location_id": e.location_id, "evse_uid": e.evse_uid,
                                "connector_id": e.connectors[0].id})
            step("charge", charge_s=rng.uniform(0.05, 0.3))
            step("stop")
        rep.dropped_answers = sim.faults.injected
        sim.faults.clear()
    finally:
        driver.stop()
    _settle_and_account(sim, journal, rep, password=password, screen=screens[0] if screens else None,
                        lease_s=lease_s)
    rep.wall_s = time.monotonic() - t_begin
    return rep


def _settle_and_account(sim: Any, journal: Any, rep: Report, *, password: str | None = None,
                        screen: str | None = None, lease_s: float = 2.0) -> None:
    from kiosk.api import ChargeAssistClient
    from kiosk.core.journal import open_journal
    from kiosk.core.session import FINAL
    from kiosk.services.sessions import SessionService

    headers = {"Authorization": f"ApiKey {sim.api_key}"}

    async def settle() -> None:
        async with ChargeAssistClient(sim.base_url, headers=headers, app_token=APP_TOKEN) as client:
            svc = SessionService(client, journal, time_scale=sim.clock.speed, attendant_pin=PIN, settle_s=30.0,
                                 journal_password=password, screen=screen, lease_s=lease_s)
            await svc.resume_all()
            if svc.venue.shared:   # the other screens' leases run out: this one takes their sessions over
                await asyncio.sleep(lease_s * 1.5)
                await svc.venue.tick()
            att = svc.attendant_login(PIN, name="final")
            for entry in svc.active():
                if not entry.is_final and entry.state not in ("STOPPING", "COMPLETED"):
                    try:
                        await svc.attendant_stop(entry.key, att, "final settle")
                    except Exception:  # noqa: BLE001 - polling finishes it
                        pass
            loop = asyncio.get_running_loop()
            end = loop.time() + 60
            while svc.journal.sessions(not_final=True) and loop.time() < end:
                await asyncio.sleep(0.05)
            await svc.aclose()

    asyncio.run(settle())
    j = open_journal(journal, password=password)
    rows = j.sessions()
    rep.intents = len(rows)
    events = j.events()
    rep.adopted = sum(1 for r in rows if r.adopted)
    rep.not_started = sum(1 for r in rows if r.start_phase == "not_started")
    rep.ambiguous = sum(1 for e in events if e[2] == "ambiguous")
    sim_ids = {s.id for s in sim.state.sessions.values() if s.app_token == APP_TOKEN}
    rep.sessions_in_sim = len(sim_ids)
    journal_ids = [r.charge_session_id for r in rows if r.charge_session_id]
    if len(journal_ids) != len(set(journal_ids)):
        rep.problems.append("two intents share one session")
    missing = sim_ids - set(journal_ids)
    if missing:
        rep.problems.append(f"{len(missing)} simulator session(s) not accounted for in the journal "
                            "(an intent produced a second session, or an orphan was lost)")
    unknown = set(journal_ids) - sim_ids
    if unknown:
        rep.problems.append(f"{len(unknown)} journal session id(s) unknown to the simulator")
    open_rows = [r for r in rows if r.state not in FINAL]
    if open_rows:
        rep.problems.append(f"{len(open_rows)} session(s) not final after recovery: "
                            + ", ".join(sorted({r.state.value for r in open_rows})))
    for r in rows:
        if r.charge_session_id is None and r.start_phase != "not_started":
            rep.problems.append(f"intent {r.key} neither started nor closed")
    # every intent produced at most one session: per EVSE, sessions in the simulator equal
    # the journal's sessions on it
    for uid in {r.evse_uid for r in rows}:
        n_sim = sum(1 for s in sim.state.sessions.values() if s.app_token == APP_TOKEN and s.evse.evse_uid == uid)
        n_j = sum(1 for r in rows if r.evse_uid == uid and r.charge_session_id)
        if n_sim != n_j:
            rep.problems.append(f"EVSE {uid}: {n_sim} sessions in the simulator, {n_j} in the journal")
    j.close()


if __name__ == "__main__":
    zygote()
