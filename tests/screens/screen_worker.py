"""A kiosk screen in its own process for the venue tests and bench/venue.py (its own API
client, journal connection, poller and LISTEN thread, as a kiosk process has).

Started with a charger, it starts a session there, prints the session's key, and polls it
until it is killed:

    python -m tests.screens.screen_worker BASE_URL API_KEY APP_TOKEN PM_ID JOURNAL_URL SCREEN SPEED LEASE_S \
        LOCATION EVSE CONNECTOR   (the journal's password on stdin)

Started without one, it takes commands, one JSON object a line on stdin (after the
password line), and answers each with one JSON line on stdout:

    {"op": "start", "loc": ..., "evse": ..., "conn": ..., "tag": ...}  -> {"ok": true, "key": ..., "code": ...}
    {"op": "attach", "code": ..., "evse": ...}                        -> {"ok": true, "key": ..., "tag": ...}
    {"op": "stop", "code": ...}                                       -> {"ok": true}
    {"op": "active"}                                                  -> {"ok": true, "evses": [...]}
    {"op": "quit"}
A refusal answers {"ok": false, "error": <its class>, "text": ...}.
"""

from __future__ import annotations

import asyncio
import json
import sys


async def _commands(svc, pm: str) -> None:
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            return
        cmd = json.loads(line)
        op = cmd.get("op")
        try:
            if op == "quit":
                return
            if op == "start":
                st = await svc.start(cmd["loc"], cmd["evse"], cmd["conn"], pm, tag=cmd.get("tag"))
                out = {"ok": True, "key": st.session.key, "code": st.code}
            elif op == "attach":
                view = await svc.attach(cmd["code"], cmd["evse"])
                out = {"ok": True, "key": view.key, "tag": view.tag}
            elif op == "stop":
                await svc.stop(cmd["code"])
                out = {"ok": True}
            elif op == "active":
                out = {"ok": True, "evses": sorted({e.evse_uid for e in svc.active() if not e.is_final})}
            else:
                out = {"ok": False, "error": "unknown", "text": str(op)}
        except Exception as exc:  # noqa: BLE001 - the test reads what was refused
            out = {"ok": False, "error": type(exc).__name__, "text": str(exc)}
        print(json.dumps(out), flush=True)


async def main(argv: list[str]) -> None:
    from kiosk.api import ChargeAssistClient
    from kiosk.services.sessions import SessionService

    base, key, token, pm, url, screen, speed, lease, *charger = argv
    password = sys.stdin.readline().strip() or None
    async with ChargeAssistClient(base, headers={"Authorization": f"ApiKey {key}"}, app_token=token) as c:
        svc = SessionService(c, url, journal_password=password, screen=screen, time_scale=float(speed),
                             lease_s=float(lease))
        await svc.resume_all()
        if charger:
            loc, evse, conn = charger
            st = await svc.start(loc, evse, conn, pm)
            print(st.session.key, flush=True)
            await asyncio.sleep(3600)
            return
        print(json.dumps({"ok": True, "ready": screen}), flush=True)
        try:
            await _commands(svc, pm)
        finally:
            await svc.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
