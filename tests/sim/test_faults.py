"""Fault injection and the /_sim control API."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.sim.helpers import Flow


@pytest.fixture
def flow(sim):
    sim.scenario.traffic = False
    f = Flow(sim)
    yield f
    f.close()


def test_latency_only_on_the_chosen_endpoint(sim, flow):
    sim.faults.set("GET /locations/{id}", latency_s=0.5)
    loc = sim.venue.location_ids[0]
    t = time.monotonic()
    assert flow.c.get(f"/locations/{loc}").status_code == 200
    slow = time.monotonic() - t
    assert slow >= 0.5
    t = time.monotonic()
    assert flow.c.post("/locations/availability", json={"locationIds": [loc]}).status_code == 200
    assert time.monotonic() - t < slow - 0.25


def test_error_rate_503_fails_a_share_without_acting(sim, flow):
    sim.faults.set("PUT /payment/{appToken}/chargecard", error_rate=0.5, error_status=503)
    codes = []
    for i in range(40):
        r = flow.c.put(f"/payment/{flow.token}/chargecard", json={"visualNumber": f"NL-GFX-C{i:08d}-1"})
        codes.append(r.status_code)
        if r.status_code == 503:
            assert r.json()["status"] == 503  # problem+json
    assert set(codes) == {200, 503}
    assert 8 <= codes.count(503) <= 32
    sim.faults.clear()
    assert len(flow.wallet()) == codes.count(200)  # failed requests did not add cards


@pytest.mark.parametrize("status", [500, 502, 503])
def test_error_statuses(sim, flow, status):
    sim.faults.set("GET /payment/{appToken}/wallet", error_rate=1.0, error_status=status, times=2)
    assert [flow.c.get(f"/payment/{flow.token}/wallet").status_code for _ in range(3)] == [status, status, 200]


def test_rate_limit_with_retry_after(sim, flow):
    sim.faults.set("GET /session/status", rate_limit=True, retry_after=2, times=1)
    card = flow.add_card()
    sid = flow.start(sim.venue.venue_evses()[0], card["id"])["chargeSessionId"]
    r = flow.c.get("/session/status", params={"appToken": flow.token, "chargeSessionId": sid})
    assert r.status_code == 429 and r.headers["Retry-After"] == "2"
    assert flow.c.get("/session/status", params={"appToken": flow.token,
                                                 "chargeSessionId": sid}).status_code == 200


def test_dropped_connection_after_the_session_started(sim, flow):
    card = flow.add_card()
    ev = sim.venue.venue_evses()[0]
    sim.faults.set("POST /session/start", drop_after_action=True, times=1)
    with pytest.raises(httpx.TransportError):
        flow.c.post("/session/start", params={"appToken": flow.token},
                    json={"locationId": ev.location_id, "evseUid": ev.evse_uid, "paymentMethodId": card["id"]})
    # the answer was lost, but the session exists and charges: look before starting again
    sim.clock.advance(10)
    active = flow.history(**{"filter.sessionStatus": ["REQUESTED", "STARTING", "CHARGING"]})
    assert len(active) == 1 and active[0]["evseUid"] == ev.evse_uid and active[0]["status"] == "CHARGING"


def test_malformed_json_after_acting(sim, flow):
    sim.faults.set("PUT /payment/{appToken}/external", malformed_json=True, times=1)
    r = httpx.put(f"{sim.base_url}/payment/{flow.token}/external", json={"externalPaymentMethodId": "ROOM-301"},
                  headers=sim.auth_headers())  # not flow.c: its contract hook would reject the body
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):
        r.json()
    assert [pm["externalPaymentMethodId"] for pm in flow.wallet()] == ["ROOM-301"]


def test_wildcard_and_clear(sim, flow):
    sim.faults.set("*", error_rate=1.0, error_status=500)
    assert flow.c.get(f"/payment/{flow.token}/wallet").status_code == 500
    assert flow.c.get("/_sim/state").status_code == 200  # the control API is never faulted
    sim.faults.clear()
    assert flow.c.get(f"/payment/{flow.token}/wallet").status_code == 200


def test_invalid_fault_settings_are_refused(sim):
    with pytest.raises(ValueError):
        sim.faults.set("GET /servicestatus", error_rate=2)
    with pytest.raises(ValueError):
        sim.faults.set("GET /servicestatus", error_status=418)


def test_control_api_over_http(sim, flow):
    c = flow.c
    assert httpx.get(sim.base_url + "/_sim/state").status_code == 401  # needs the key
    r = c.post("/_sim/faults", json={"endpoint": "GET /locations/{id}", "error_rate": 1.0, "error_status": 503})
    assert r.status_code == 200
    assert c.get(f"/locations/{sim.venue.location_ids[0]}").status_code == 503
    assert "GET /locations/{id}" in c.get("/_sim/faults").json()
    assert c.delete("/_sim/faults").json() == {}
    assert c.get(f"/locations/{sim.venue.location_ids[0]}").status_code == 200
    assert c.post("/_sim/faults", json={"endpoint": "*", "colour": "red"}).status_code == 400

    venue = c.get("/_sim/venue").json()
    assert venue["locationIds"] == sim.venue.location_ids
    ev = venue["locations"][0]["evses"][1]
    assert c.post("/_sim/scenario/block", json={"evseUid": ev["evseUid"]}).status_code == 200
    loc = c.get(f"/locations/{ev['locationId']}").json()
    assert next(e for e in loc["evses"] if e["uid"] == ev["evseUid"])["status"] == "BLOCKED"
    c.post("/_sim/scenario/block", json={"evseUid": ev["evseUid"], "blocked": False})
    assert c.post("/_sim/scenario/no-car", json={"evseUid": ev["evseId"]}).status_code == 200
    assert c.post("/_sim/scenario/no-car", json={"evseUid": "nope"}).status_code == 404
    card = flow.add_card()
    sid = c.post("/session/start", params={"appToken": flow.token},
                 json={"locationId": ev["locationId"], "evseUid": ev["evseUid"],
                       "paymentMethodId": card["id"]}).json()["chargeSessionId"]
    before = c.get("/_sim/state").json()["now"]
    after = c.post("/_sim/clock", json={"advance": 40}).json()["now"]
    assert after > before
    assert flow.status(sid)["status"] == "TIMEOUT"
    assert c.post("/_sim/scenario", json={"externalPayments": False}).json()["externalPayments"] is False
    assert c.put(f"/payment/{flow.token}/external", json={"externalPaymentMethodId": "R1"}).status_code == 400
    assert c.post("/_sim/scenario/car", json={"evseUid": ev["evseUid"], "soc": 1.5}).status_code == 400
    assert c.post("/_sim/clock", json={"speed": 10}).json()["speed"] == 10
