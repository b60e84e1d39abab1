"""A kiosk screen in its own process for the venue tests and bench/venue.py: it starts a
session on one charger over the shared journal, prints the session's key, and polls it
until it is killed.

    python -m tests.screens.screen_worker BASE_URL API_KEY APP_TOKEN PM_ID JOURNAL_URL SCREEN SPEED LEASE_S \
        LOCATION EVSE CONNECTOR   (the journal's password on stdin)
"""

from __future__ import annotations

import asyncio
import sys


async def main(argv: list[str]) -> None:
    from kiosk.api import ChargeAssistClient
    from kiosk.services.sessions import SessionService

    base, key, token, pm, url, screen, speed, lease, loc, evse, conn = argv
    password = sys.stdin.readline().strip() or None
    async with ChargeAssistClient(base, headers={"Authorization": f"ApiKey {key}"}, app_token=token) as c:
        svc = SessionService(c, url, journal_password=password, screen=screen, time_scale=float(speed),
                             lease_s=float(lease))
        await svc.resume_all()
        st = await svc.start(loc, evse, conn, pm)
        print(st.session.key, flush=True)
        await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
