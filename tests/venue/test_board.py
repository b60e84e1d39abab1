"""VenueService.board honours Retry-After: while the service asked to wait, the last board
is kept, the kiosk says offline, and the service is not asked again (real HTTP, simulator)."""

from __future__ import annotations

import asyncio

import pytest

from kiosk.services.venue import VenueService

AVAILABILITY = "POST /locations/availability"


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def asked(sim) -> int:
    return sim.stats[(AVAILABILITY, 200)] + sim.faults.injected


@pytest.mark.parametrize(("status", "kind"), [(429, "RateLimited"), (503, "ServerError")])
def test_board_waits_out_retry_after_120(sim, client, status, kind):
    clock = Clock()

    async def go():
        async with client:
            venue = VenueService(client, location_ids=list(sim.venue.location_ids), monotonic=clock)
            first = [b.status for b in await venue.board()]
            if status == 429:
                sim.faults.set(AVAILABILITY, rate_limit=True, retry_after=120, times=1)
            else:
                sim.faults.set(AVAILABILITY, error_rate=1.0, error_status=503, retry_after=120, times=1)
            before = asked(sim)
            limited = [b.status for b in await venue.board()]
            out = {"first": first, "limited": limited, "online": venue.online, "error": venue.last_error,
                   "busy_until": venue.busy_until, "asked_once": asked(sim) - before}
            for seconds in (1, 15, 60, 119):  # the board refreshes every 15 s: none of these asks
                clock.t += seconds - (clock.t - 1000.0)
                await venue.board()
            out["asked_while_waiting"] = asked(sim) - before - out["asked_once"]
            out["still_offline"] = not venue.online
            clock.t = 1000.0 + 121
            out["after"] = [b.status for b in await venue.board()]
            out["online_after"], out["busy_after"] = venue.online, venue.busy_until
            return out

    out = asyncio.run(go())
    assert out["asked_once"] == 1 and out["limited"] == out["first"]   # the last board is kept
    assert out["online"] is False and out["error"] == kind and out["busy_until"] is not None
    assert out["asked_while_waiting"] == 0 and out["still_offline"]
    assert out["online_after"] is True and out["busy_after"] is None and len(out["after"]) == len(out["first"])
