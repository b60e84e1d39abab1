"""SIGKILL harness of hotel billing (used by tests/billing/test_kills.py and bench/billing.py).

A zygote (``python -m tests.billing.kill_worker``) imports the kiosk once and forks one
short-lived kiosk per command: it opens the journal, recovers (sessions resumed, billing's
catch-up, the outbox delivering what waits) and runs ONE step:

- ``start``: a room guest (room checked against the PMS file) starts a session;
- ``run``: the kiosk runs for a while (polling, final costs, receipt numbers, postings);
- ``stop``: the desk stops every running session, then the kiosk runs on a little.

The driver (:func:`run`, next to the simulator and a real local receiver that verifies
every signature) kills each worker with SIGKILL after a random delay and, between cycles,
makes the receiver misbehave: down (its port closed), answering 500, or slow (it accepts,
then answers after the kiosk gave up: the kiosk sends it again). At the end one kiosk runs
without kills until every session is final and every posting delivered, and everything is
accounted for.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.plugins.forkserver import Driver, serve

PIN = "8642"
APP_TOKEN = "kiosk-billing-kills"
ROOMS = [f"{n}" for n in range(101, 109)]


async def _kiosk(cmd: dict, body: Any) -> dict:
    from kiosk.api import ChargeAssistClient
    from kiosk.core.pricing import PricePolicy
    from kiosk.services.billing import BillingConfig, BillingService
    from kiosk.services.sessions import SessionService

    headers = {"Authorization": f"ApiKey {cmd['api_key']}"}
    async with ChargeAssistClient(cmd["base_url"], headers=headers, app_token=APP_TOKEN, timeout=3.0) as client:
        svc = SessionService(client, cmd["journal"], time_scale=cmd["speed"], attendant_pin=PIN, settle_s=30.0,
                             estimate_interval_s=0.5, recent_s=2.0)
        cfg = BillingConfig(series="K9", rooms_file=Path(cmd["rooms"]), posting_url=cmd["url"],
                            posting_secret=cmd["secret"], posting_timeout_s=0.5, retry_base_s=0.05,
                            retry_cap_s=0.4, check_s=0.2, sweep_s=0.5, give_up_s=3600)
        policy = PricePolicy(mode="margin_percent", margin="12.5")
        billing = BillingService(svc, cfg, policy=lambda: policy, client=lambda: client)
        out: dict[str, Any] = {"step": cmd["step"]}
        try:
            await svc.resume_all()
        except Exception as exc:  # noqa: BLE001
            out["resume_error"] = repr(exc)
        billing.start()
        Path(cmd["result"] + ".ready").touch()
        try:
            await body(svc, billing, out)
        finally:
            await billing.aclose()
            await svc.aclose()
        return out


async def _step(cmd: dict) -> dict:
    from kiosk.services.sessions import SessionError

    async def start(svc: Any, billing: Any, out: dict) -> None:
        e = cmd["evse"]
        try:
            pm = await billing.rooms.payment_method(cmd["room"])
            st = await svc.start(e["location_id"], e["evse_uid"], e["connector_id"], pm, tag=cmd["room"])
            out["started"] = st.session.key
        except SessionError as exc:
            out["refused"] = type(exc).__name__
        await asyncio.sleep(cmd.get("run_s", 0.2))

    async def run(svc: Any, billing: Any, out: dict) -> None:
        await asyncio.sleep(cmd.get("run_s", 0.3))

    async def stop(svc: Any, billing: Any, out: dict) -> None:
        att = svc.attendant_login(PIN, name="kills")
        for entry in svc.active():
            if entry.state in ("CHARGING", "PARKING", "REQUESTED", "STARTING", "UNKNOWN"):
                try:
                    await svc.attendant_stop(entry.key, att, "billing kill test")
                except SessionError:
                    pass
        await asyncio.sleep(cmd.get("run_s", 0.3))

    async def settle(svc: Any, billing: Any, out: dict) -> None:
        att = svc.attendant_login(PIN, name="settle")
        loop = asyncio.get_running_loop()
        end = loop.time() + cmd.get("settle_s", 90)
        while loop.time() < end:
            for entry in svc.active():
                if not entry.is_final and entry.state not in ("STOPPING", "COMPLETED"):
                    try:
                        await svc.attendant_stop(entry.key, att, "final settle")
                    except SessionError:
                        pass
            open_ = svc.journal.sessions(not_final=True)
            backlog = svc.journal.billing_backlog()
            waiting = svc.journal.posting_rows(status="waiting")
            if not open_ and not backlog and not waiting:
                break
            await asyncio.sleep(0.2)
        out["left"] = {"not_final": len(svc.journal.sessions(not_final=True)),
                       "backlog": len(svc.journal.billing_backlog()),
                       "waiting": len(svc.journal.posting_rows(status="waiting"))}

    return await _kiosk(cmd, {"start": start, "run": run, "stop": stop, "settle": settle}[cmd["step"]])


def zygote() -> None:
    import kiosk.api  # noqa: F401 - imported once here so that forks start fast
    import kiosk.api.webhooks  # noqa: F401
    import kiosk.core.tariff  # noqa: F401
    import kiosk.services.billing  # noqa: F401
    import kiosk.services.sessions  # noqa: F401

    serve(_step)


# ---------------------------------------------------------------------------------------
# driver side
# ---------------------------------------------------------------------------------------

@dataclass
class Report:
    cycles: int = 0
    kills: dict[str, int] = field(default_factory=lambda: {"start": 0, "run": 0, "stop": 0})
    receiver_modes: dict[str, int] = field(default_factory=lambda: {"ok": 0, "down": 0, "error": 0, "slow": 0})
    sessions: int = 0
    finished_sessions: int = 0
    room_sessions_finished: int = 0
    postings: int = 0
    postings_delivered: int = 0
    kiosk_attempts: int = 0
    receiver: dict[str, int] = field(default_factory=dict)
    duplicates_sent_by_kiosk: int = 0
    receipts: int = 0
    receipt_gaps: int = 0
    receipt_duplicates: int = 0
    worker_errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def total_kills(self) -> int:
        return sum(self.kills.values())

    def to_json(self) -> dict:
        return {"cycles": self.cycles, "kills": self.kills, "total_kills": self.total_kills,
                "receiver_modes": self.receiver_modes, "sessions": self.sessions,
                "finished_sessions": self.finished_sessions, "room_sessions_finished": self.room_sessions_finished,
                "postings": self.postings, "postings_delivered": self.postings_delivered,
                "kiosk_attempts": self.kiosk_attempts,
                "receiver": self.receiver, "duplicates_sent_by_kiosk": self.duplicates_sent_by_kiosk,
                "duplicates_deduplicated_by_receiver": self.receiver.get("duplicates", 0),
                "receipts": self.receipts, "receipt_gaps": self.receipt_gaps,
                "receipt_duplicates": self.receipt_duplicates, "worker_errors": self.worker_errors[:5],
                "problems": self.problems, "wall_s": round(self.wall_s, 1)}


def run(sim: Any, receiver: Any, secret: str, workdir: Path, *, min_kills: int = 100, max_cycles: int = 400,
        seed: int = 1, evse_count: int = 4) -> Report:
    from kiosk.api import ChargeAssistClient

    rng = random.Random(seed)
    rep = Report()
    t0 = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)
    journal = workdir / "journal.sqlite3"
    rooms = workdir / "rooms.csv"
    rooms.write_text("room,initial\n" + "".join(f"{r},\n" for r in ROOMS), encoding="utf-8")
    sim.scenario.traffic = False
    sim.scenario.external_payments = True

    async def setup() -> None:
        async with ChargeAssistClient(sim.base_url, headers={"Authorization": f"ApiKey {sim.api_key}"},
                                      app_token=APP_TOKEN) as c:
            await c.register_token()

    asyncio.run(setup())
    evses = [e for e in sim.venue.evses
             if e.base_status == "AVAILABLE" and e.location_id in sim.venue.location_ids][:evse_count]
    driver = Driver("tests.billing.kill_worker", rng, {"init": 0.5, "start": 0.8, "run": 0.6, "stop": 0.6,
                                                       "settle": 5.0}, run_to_end=0.15)
    driver.start()
    n = 0

    def step(name: str, kill: bool = True, **extra: Any) -> dict | None:
        nonlocal n
        n += 1
        result = workdir / f"r{n}.json"
        cmd = {"step": name, "base_url": sim.base_url, "api_key": sim.api_key, "journal": str(journal),
               "speed": sim.clock.speed, "result": str(result), "rooms": str(rooms), "url": receiver.url,
               "secret": secret, **extra}
        out = driver.step(name, cmd, kill=kill, deadline_s=200.0 if name == "settle" else 30.0)
        if out.killed:
            rep.kills[name] += 1
        if out.hung:
            rep.problems.append(f"worker {name} hung")
        if out.error is not None:
            rep.worker_errors.append(out.error)
        return out.result

    def receiver_mode() -> None:
        mode = rng.choice(["ok", "ok", "down", "error", "slow"])
        rep.receiver_modes[mode] += 1
        receiver.up()
        receiver.mode = "ok"
        if mode == "down":
            receiver.down()
        elif mode in ("error", "slow"):
            receiver.mode = mode
            receiver.slow_s = 0.8

    try:
        while rep.total_kills < min_kills and rep.cycles < max_cycles:
            rep.cycles += 1
            e = evses[rep.cycles % len(evses)]
            receiver_mode()
            step("start", evse={"location_id": e.location_id, "evse_uid": e.evse_uid,
                                "connector_id": e.connectors[0].id}, room=rng.choice(ROOMS),
                 run_s=rng.uniform(0.05, 0.3))
            receiver_mode()
            step("run", run_s=rng.uniform(0.1, 0.4))
            receiver_mode()
            step("stop", run_s=rng.uniform(0.1, 0.4))
        receiver.up()
        receiver.mode = "ok"
        out = step("settle", kill=False, settle_s=150)
        if out is None or any((out.get("left") or {}).values()):
            rep.problems.append(f"the final kiosk did not settle everything: {out and out.get('left')}")
    finally:
        driver.stop()
    _account(journal, receiver, rep)
    rep.wall_s = time.monotonic() - t0
    return rep


def _account(journal: Path, receiver: Any, rep: Report) -> None:
    db = sqlite3.connect(str(journal), timeout=30)
    db.row_factory = sqlite3.Row
    try:
        sessions = db.execute("SELECT key, state, tag, final_json FROM sessions").fetchall()
        receipts = db.execute("SELECT key, number, series, year, seq FROM receipts").fetchall()
        postings = db.execute("SELECT id, key, kind, status, attempts FROM postings").fetchall()
    finally:
        db.close()
    rep.sessions = len(sessions)
    finished = [s for s in sessions if s["state"] == "CDR_AVAILABLE" and s["final_json"]]
    rep.finished_sessions = len(finished)
    rep.room_sessions_finished = sum(1 for s in finished if s["tag"])
    rep.receipts = len(receipts)
    rep.postings = len(postings)
    rep.postings_delivered = sum(1 for p in postings if p["status"] == "delivered")
    rep.kiosk_attempts = sum(int(p["attempts"]) for p in postings)
    snap = receiver.snapshot()
    rep.receiver = snap
    rep.duplicates_sent_by_kiosk = snap["duplicates"]
    by_key = {r["key"]: r for r in receipts}
    charge_keys = {p["key"] for p in postings if p["kind"] == "charge"}
    for s in finished:
        if s["key"] not in by_key:
            rep.problems.append(f"finished session {s['key']} has no kiosk receipt number")
        if s["tag"] and s["key"] not in charge_keys:
            rep.problems.append(f"finished room session {s['key']} has no posting")
    # gapless and unique per series and year
    numbers = [r["number"] for r in receipts]
    rep.receipt_duplicates = len(numbers) - len(set(numbers))
    series: dict[tuple[str, int], list[int]] = {}
    for r in receipts:
        series.setdefault((r["series"], r["year"]), []).append(int(r["seq"]))
    for (name, year), seqs in series.items():
        seqs.sort()
        rep.receipt_gaps += sum(1 for i, s in enumerate(seqs, start=1) if s != i) if seqs != list(
            range(1, len(seqs) + 1)) else 0
        if seqs != list(range(1, len(seqs) + 1)):
            rep.problems.append(f"receipt numbers of {name}/{year} are not 1..{len(seqs)}")
    ids = {p["id"] for p in postings}
    accepted = set(receiver.accepted)
    if ids - accepted:
        rep.problems.append(f"{len(ids - accepted)} posting(s) never accepted by the receiver (lost)")
    if accepted - ids:
        rep.problems.append(f"{len(accepted - ids)} posting(s) accepted that the kiosk does not know")
    undelivered = [p["id"] for p in postings if p["status"] != "delivered"]
    if undelivered:
        rep.problems.append(f"{len(undelivered)} posting(s) not marked delivered")
    if snap["invalid"]:
        rep.problems.append(f"{snap['invalid']} delivery(ies) with a bad signature")
    for pid, body in receiver.accepted.items():
        if body.get("type") == "charge" and not body.get("receipt_number"):
            rep.problems.append(f"posting {pid} has no receipt number")


if __name__ == "__main__":
    zygote()
