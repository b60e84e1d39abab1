"""Contract tests: every simulator answer, success and error, validates against
../shared/charge-assist/openapi.json, and every documented (operation, status) pair is
produced by at least one real request."""

from __future__ import annotations

import httpx
import pytest

from tests.sim.contract import ContractClient, all_operations, check_response, documented_statuses

CARD = "NL-GFX-C12345678-X"


@pytest.fixture
def cc(sim):
    client = ContractClient(sim.base_url, sim.auth_headers())
    yield client
    client.close()


def _example_path(template: str, sim) -> str:
    ev = sim.venue.venue_evses()[0]
    values = {"appToken": "walk", "id": ev.location_id, "evseUid": ev.evse_uid, "locationId": ev.location_id}
    for k, v in values.items():
        template = template.replace("{" + k + "}", v)
    return template


def test_walk_covers_every_documented_status(sim, cc):
    """One scripted walk through the API that hits every documented status of every path."""
    v = sim.venue
    ev = v.venue_evses()[0]
    dc = next(e for e in v.venue_evses() if len(e.connectors) > 1)
    tok = "walk"
    call = cc.call

    call("GET", "/servicestatus", expect=200)
    sim.faults.set("GET /servicestatus", error_rate=1.0, error_status=503, times=1)
    call("GET", "/servicestatus", expect=503)

    call("PUT", "/token/{appToken}", path={"appToken": tok}, expect=200)
    call("PUT", "/token/{appToken}", path={"appToken": "no spaces allowed"}, expect=400)
    call("POST", "/v2.1/token", json_body={"appToken": "walk-v2", "driverId": "D1"}, expect=200)
    call("POST", "/v2.1/token", json_body={"driverId": "D1"}, expect=400)
    call("POST", "/v2.1/token", json_body={"appToken": "x", "emspId": "ZZZ"}, expect=404)
    call("GET", "/v2.1/token/{appToken}", path={"appToken": "walk-v2"}, expect=200)
    call("GET", "/v2.1/token/{appToken}", path={"appToken": "bad token"}, expect=400)
    call("GET", "/v2.1/token/{appToken}", path={"appToken": "never-registered"}, expect=404)

    call("GET", "/payment/{appToken}/wallet", path={"appToken": tok}, expect=200)
    call("GET", "/payment/{appToken}/wallet", path={"appToken": "never-registered"}, expect=404)
    _, card = call("PUT", "/payment/{appToken}/chargecard", path={"appToken": tok},
                   json_body={"visualNumber": CARD}, expect=200)
    call("PUT", "/payment/{appToken}/chargecard", path={"appToken": tok},
         json_body={"visualNumber": "12"}, expect=400)
    call("PUT", "/payment/{appToken}/chargecard", path={"appToken": "never-registered"},
         json_body={"visualNumber": CARD}, expect=404)
    _, ext = call("PUT", "/payment/{appToken}/external", path={"appToken": tok},
                  json_body={"externalPaymentMethodId": "ROOM-214", "displayName": "Room 214"}, expect=200)
    call("PUT", "/payment/{appToken}/external", path={"appToken": tok},
         json_body={"externalPaymentMethodId": "x" * 65}, expect=400)
    call("PUT", "/payment/{appToken}/external", path={"appToken": "never-registered"},
         json_body={"externalPaymentMethodId": "ROOM-1"}, expect=404)
    call("GET", "/payment/{appToken}/wallet", path={"appToken": tok}, params={"locationId": ev.location_id},
         expect=200)

    call("GET", "/locations/nearby", params={"latitude": 52.3512, "longitude": 4.9039}, expect=200)
    call("GET", "/locations/nearby", params={"latitude": 52.3512, "longitude": 4.9039,
                                             "filter.isAvailable": "true", "filter.powerType": "DC"}, expect=200)
    call("GET", "/locations/boundingbox", params={"bottomLeftLat": 52.3, "bottomLeftLng": 4.8,
                                                  "topRightLat": 52.4, "topRightLng": 5.0, "pageSize": 3},
         expect=200)
    call("GET", "/locations/boundingbox", params={"bottomLeftLat": 52.4, "bottomLeftLng": 4.8,
                                                  "topRightLat": 52.3, "topRightLng": 5.0}, expect=400)
    call("GET", "/locations/{id}", path={"id": ev.location_id}, expect=200)
    call("GET", "/locations/{id}", path={"id": ev.location_id}, params={"filter.evseUid": ev.evse_uid}, expect=200)
    call("GET", "/locations/{id}", path={"id": "nl-gfx-nope"}, expect=404)
    call("GET", "/locations/{id}", path={"id": v.private_location_id}, expect=403)
    priv_evse = v.evses_at(v.private_location_id)[0]
    call("GET", "/locations/evse/{evseUid}", path={"evseUid": ev.evse_uid}, expect=200)
    call("GET", "/locations/evse/{evseUid}", path={"evseUid": ev.evse_id}, expect=200)
    call("GET", "/locations/evse/{evseUid}", path={"evseUid": "NL-GFX-E0-1"}, expect=404)
    call("GET", "/locations/evse/{evseUid}", path={"evseUid": priv_evse.evse_uid}, expect=403)
    call("POST", "/locations/availability", json_body={"locationIds": v.location_ids}, expect=200)
    call("POST", "/locations/availability", json_body={"locationIds": []}, expect=400)

    call("POST", "/qr", json_body={"url": ev.qr_url}, expect=200)
    call("POST", "/qr", json_body={"url": "https://other.example/qr/123"}, expect=200)
    call("POST", "/qr", json_body={"url": "not a url"}, expect=400)
    call("POST", "/qr", json_body={"url": ev.qr_url[:-12] + "000000000000"}, expect=404)
    call("POST", "/qr", json_body={"url": priv_evse.qr_url}, expect=403)

    call("GET", "/tariff/{appToken}/evse/{locationId}/{evseUid}",
         path={"appToken": tok, "locationId": ev.location_id, "evseUid": ev.evse_uid}, expect=200)
    call("GET", "/tariff/{appToken}/evse/{locationId}/{evseUid}",
         path={"appToken": tok, "locationId": dc.location_id, "evseUid": dc.evse_uid},
         params={"connectorId": "2"}, expect=200)
    call("GET", "/tariff/{appToken}/evse/{locationId}/{evseUid}",
         path={"appToken": tok, "locationId": ev.location_id, "evseUid": "NL-GFX-E0-1"}, expect=404)

    sim.clock.advance(10)  # the card is verified
    start_body = {"locationId": ev.location_id, "evseUid": ev.evse_uid, "paymentMethodId": card["id"]}
    _, started = call("POST", "/session/start", params={"appToken": tok}, json_body=start_body, expect=200)
    sid = started["chargeSessionId"]
    call("POST", "/session/start", params={"appToken": tok}, json_body={"locationId": ev.location_id}, expect=400)
    call("POST", "/session/start", params={"appToken": "never-registered"}, json_body=start_body, expect=403)
    call("POST", "/session/start", params={"appToken": tok},
         json_body={**start_body, "evseUid": "NL-GFX-E0-1"}, expect=404)
    sim.faults.set("POST /session/start", error_rate=1.0, error_status=502, times=1)
    call("POST", "/session/start", params={"appToken": tok}, json_body=start_body, expect=502)

    sim.clock.advance(10)  # the car is plugged in
    _, status = call("GET", "/session/status", params={"appToken": tok, "chargeSessionId": sid}, expect=200)
    assert status["status"] == "CHARGING"
    call("GET", "/session/status", params={"appToken": tok, "chargeSessionId": sid, "maxDataPoints": -1}, expect=400)
    call("GET", "/session/status", params={"appToken": "walk-v2", "chargeSessionId": sid}, expect=403)
    call("GET", "/session/status", params={"appToken": tok, "chargeSessionId": "nope"}, expect=404)

    call("DELETE", "/payment/{appToken}/{id}", path={"appToken": tok, "id": card["id"]}, expect=400)  # in use
    call("DELETE", "/payment/{appToken}/{id}", path={"appToken": tok, "id": "nope"}, expect=404)
    call("DELETE", "/payment/{appToken}/{id}", path={"appToken": tok, "id": ext["id"]}, expect=204)

    sim.faults.set("POST /session/stop", error_rate=1.0, error_status=502, times=1)
    call("POST", "/session/stop", params={"appToken": tok}, json_body={"chargeSessionId": sid}, expect=502)
    call("POST", "/session/stop", params={"appToken": tok}, json_body={}, expect=400)
    call("POST", "/session/stop", params={"appToken": "walk-v2"}, json_body={"chargeSessionId": sid}, expect=403)
    call("POST", "/session/stop", params={"appToken": tok}, json_body={"chargeSessionId": "nope"}, expect=404)
    call("POST", "/session/stop", params={"appToken": tok}, json_body={"chargeSessionId": sid}, expect=200)
    sim.clock.advance(30)
    _, final = call("GET", "/session/status", params={"appToken": tok, "chargeSessionId": sid}, expect=200)
    assert final["status"] == "CDR_AVAILABLE"

    call("GET", "/token/{appToken}/sessions", path={"appToken": tok}, expect=200)
    call("GET", "/token/{appToken}/sessions", path={"appToken": tok},
         params={"filter.sessionStatus": ["CDR_AVAILABLE", "CHARGING"], "sortDesc": "false",
                 "filter.chargeSessionId": sid}, expect=200)
    call("GET", "/token/{appToken}/sessions", path={"appToken": tok},
         params={"filter.dateTimeFrom": "yesterday"}, expect=400)
    call("GET", "/token/{appToken}/sessions", path={"appToken": "never-registered"}, expect=404)

    expected = {(m, p, s) for m, p in all_operations() for s in documented_statuses(m, p)}
    missing = expected - cc.seen
    assert not missing, f"documented statuses never produced: {sorted(missing)}"
    assert cc.count >= 60


@pytest.mark.parametrize(("method", "template"), all_operations())
def test_api_key_required_on_every_path(sim, method, template):
    """401 without a key and with a wrong one; both header styles accepted."""
    url = sim.base_url + _example_path(template, sim)
    body = {} if method in ("POST", "PUT") else None
    if template == "/servicestatus":
        assert httpx.get(url).status_code == 200  # the health check is open
        return
    for headers in ({}, {"Authorization": "ApiKey wrong"}, {"Ocp-Apim-Subscription-Key": "wrong"},
                    {"Authorization": f"Bearer {sim.api_key}"}):
        r = httpx.request(method, url, headers=headers, json=body)
        assert r.status_code == 401, (headers, r.status_code)
        check_response(method, template, r, undocumented_ok=True)  # ProblemDetails
    for headers in (sim.auth_headers(), sim.auth_headers("ocp-apim")):
        r = httpx.request(method, url, headers=headers, json=body)
        assert r.status_code != 401
        check_response(method, template, r)


def test_custom_api_key(sim_factory):
    srv = sim_factory(api_key="s3cret-key")
    ok = httpx.get(srv.base_url + "/locations/nearby", params={"latitude": 52.35, "longitude": 4.9},
                   headers={"Authorization": "ApiKey s3cret-key"})
    assert ok.status_code == 200 and ok.json()["data"]
    demo = httpx.get(srv.base_url + "/locations/nearby", params={"latitude": 52.35, "longitude": 4.9},
                     headers={"Authorization": "ApiKey demo-key"})
    assert demo.status_code == 401


@pytest.mark.parametrize(
    ("method", "template", "body"),
    [
        ("POST", "/v2.1/token", b"{not json"),
        ("PUT", "/payment/{appToken}/chargecard", b"[1, 2]"),
        ("PUT", "/payment/{appToken}/external", b"\xff\xfe"),
        ("POST", "/locations/availability", b'{"locationIds": "nl-gfx-1"}'),
        ("POST", "/qr", b'{"url": 5}'),
        ("POST", "/session/start", b'{"locationId": 1, "evseUid": null}'),
        ("POST", "/session/stop", b"null"),
    ],
)
def test_bad_bodies_get_documented_400(sim, cc, method, template, body):
    cc.call("PUT", "/token/{appToken}", path={"appToken": "walk"}, expect=200)
    params = {"appToken": "walk"} if template.startswith("/session/") else None
    r, payload = cc.call(method, template, path={"appToken": "walk"}, params=params, content=body, expect=400)
    text = payload if isinstance(payload, str) else (payload.get("message") or "")
    assert text  # says what is wrong


def test_validation_messages_name_the_missing_fields(sim, cc):
    cc.call("PUT", "/token/{appToken}", path={"appToken": "walk"}, expect=200)
    _, body = cc.call("POST", "/session/start", params={"appToken": "walk"}, json_body={}, expect=400)
    text = " ".join(m["message"] for m in body["validationMessages"])
    for field in ("locationId", "evseUid", "paymentMethodId"):
        assert field in text


def test_unknown_path_and_method(sim):
    h = sim.auth_headers()
    assert httpx.get(sim.base_url + "/no/such/path", headers=h).status_code == 404
    assert httpx.delete(sim.base_url + "/locations/nearby", headers=h).status_code == 405
