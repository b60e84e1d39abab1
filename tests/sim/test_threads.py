"""One lock around the state: concurrent clients see a consistent simulator."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from tests.sim.helpers import Flow


def test_concurrent_starts_on_one_evse_give_one_session(sim):
    sim.scenario.traffic = False
    flow = Flow(sim)
    try:
        card = flow.add_card()
        ev = sim.venue.venue_evses()[0]
        body = {"locationId": ev.location_id, "evseUid": ev.evse_uid, "paymentMethodId": card["id"]}

        def start(_):
            with httpx.Client(base_url=sim.base_url, headers=sim.auth_headers()) as c:
                r = c.post("/session/start", params={"appToken": flow.token}, json=body)
                assert r.status_code == 200
                return r.json()["chargeSessionId"]

        with ThreadPoolExecutor(8) as pool:
            sids = list(pool.map(start, range(16)))
        assert len(set(sids)) == 16
        sim.clock.advance(10)
        statuses = [flow.status(s)["status"] for s in sids]
        assert statuses.count("CHARGING") == 1 and statuses.count("REJECTED") == 15
        assert sim.stats[("POST /session/start", 200)] == 16
    finally:
        flow.close()


def test_polling_while_the_clock_jumps(sim):
    flow = Flow(sim)
    try:
        card = flow.add_card()
        sid = flow.start(sim.venue.venue_evses()[0], card["id"])["chargeSessionId"]

        def poll(_):
            with httpx.Client(base_url=sim.base_url, headers=sim.auth_headers()) as c:
                out = []
                for _ in range(15):
                    r = c.get("/session/status", params={"appToken": flow.token, "chargeSessionId": sid})
                    out.append(r.json()["energyInKwh"])
                return out

        with ThreadPoolExecutor(4) as pool:
            fut = [pool.submit(poll, i) for i in range(4)]
            for _ in range(10):
                sim.clock.advance(60)
            series = [f.result() for f in fut]
        for s in series:
            assert s == sorted(s)  # energy never goes backwards for any client
        assert not sim.errors
    finally:
        flow.close()


def test_date_header_is_virtual_time(sim_factory):
    start = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
    srv = sim_factory(start_time=start, speed=50)
    r = httpx.get(srv.base_url + "/servicestatus")
    date = parsedate_to_datetime(r.headers["Date"])
    assert abs((date - start).total_seconds()) < 60
    srv.clock.advance(7200)
    date2 = parsedate_to_datetime(httpx.get(srv.base_url + "/servicestatus").headers["Date"])
    assert 7190 < (date2 - date).total_seconds() < 7300
