"""Fixtures of the attendant desk tests.

``att_loop``: a qasync event loop over pytest-qt's QApplication, set as the current
asyncio loop, so ``@asyncSlot`` handlers run as they do in the app. A test writes its
scenario as a coroutine and runs it with ``att_loop.run_until_complete(...)``, awaiting
:func:`wait_until` between clicks (no sleeps as assertions).
(The UI engineer's tests/plugins/ui.py may provide the same; this one has its own name so
the two never shadow each other.)
"""

from __future__ import annotations

import asyncio
import time

import pytest


async def wait_until(pred, timeout: float = 10.0, interval: float = 0.01, what: str = "condition"):
    """Poll ``pred()`` on the running loop until true; fail the test after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


@pytest.fixture
def att_loop(qapp):
    import qasync

    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for t in pending:
            t.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        asyncio.set_event_loop(None)
        loop.close()


# --- simulator helpers for the attendant tests ----------------------------------------

APP_TOKEN = "kiosk-attendant-test"
CARD = "NL-GFX-C12345678-X"


def att_client(sim, app_token: str = APP_TOKEN):
    """A real ChargeAssistClient on the simulator (create it inside the running loop)."""
    from kiosk.api import ChargeAssistClient

    return ChargeAssistClient(sim.base_url, headers=sim.auth_headers(), app_token=app_token, timeout=5.0)


def venue_evses(sim, n: int):
    evses = [e for e in sim.venue.venue_evses() if e.base_status == "AVAILABLE" and e.power_type == "AC"]
    assert len(evses) >= n
    return evses[:n]


async def wallet_with_card(client, sim, visual: str = CARD) -> str:
    """Register the token, add a charge card and let it verify; returns its id."""
    await client.register_token()
    pm = await client.add_charge_card(visual)
    sim.clock.advance(10)          # verification takes 5 virtual seconds
    return pm.id


async def finished_session(client, sim, evse, pm_id: str, minutes: float = 30) -> str:
    """Start, charge ``minutes`` virtual minutes, stop and wait until CDR_AVAILABLE."""
    started = await client.start_session(evse.location_id, evse.evse_uid, evse.connector_ids[0], pm_id)
    sid = started.charge_session_id
    sim.clock.advance(10)
    st = await client.session_status(sid)
    assert str(st.status) == "CHARGING", st.status
    sim.clock.advance(minutes * 60)
    await client.session_status(sid)
    await client.stop_session(sid)
    sim.clock.advance(20)
    st = await client.session_status(sid)
    assert str(st.status) == "CDR_AVAILABLE", st.status
    return sid
