"""Contract tests against the operator's published document (upstream/openapi.json): every
simulator answer, success and error, validates against what the document declares for its
operation, status and content type (with only the named deviations in ``TOLERATED``), and
every documented (operation, status) pair of every operation the client calls is produced
by at least one real request, each error in every documented content type."""

from __future__ import annotations

import json

import httpx
import pytest
from openapi_schema_validator import OAS30Validator

from kiosk.sim.server import ERROR_TYPES, ERROR_TYPES_ONLY
from tests.sim.contract import (
    CLIENT_OPERATIONS,
    STATS,
    TOLERATED,
    ContractClient,
    all_pairs,
    check_response,
    documented,
    spec,
)

CARD = "NL-GFX-C12345678-X"


def all_operations():
    return list(CLIENT_OPERATIONS)


@pytest.fixture
def cc(sim):
    client = ContractClient(sim.base_url, sim.auth_headers())
    yield client
    client.close()


def _example_path(template: str, sim) -> str:
    ev = sim.venue.venue_evses()[0]
    values = {"appToken": "walk", "id": ev.location_id, "evseUid": ev.evse_uid, "locationId": ev.location_id,
              "paymentMethodId": "pm-1"}
    for k, v in values.items():
        template = template.replace("{" + k + "}", v)
    return template


def test_walk_covers_every_documented_status(sim, cc, capsys):
    """One scripted walk through the API that hits every documented status of every
    operation the client calls, each error answer in every content type the document lists
    for it (the simulator cycles through them)."""
    v = sim.venue
    ev = v.venue_evses()[0]
    dc = next(e for e in v.venue_evses() if len(e.connectors) > 1)
    street = next(e for e in v.all_evses if v.locations[e.location_id].static.get("pms") == ["CHARGE_CARD"])
    tok = "walk"
    call = cc.call

    def err(method, template, expect, fault=None, **kw):
        """The same failing request once per documented content type of that answer."""
        for _ in ERROR_TYPES_ONLY.get((template, expect), ERROR_TYPES):
            if fault:
                sim.faults.set(f"{method} {template}", error_rate=1.0, error_status=expect, times=1)
            call(method, template, expect=expect, **kw)

    call("GET", "/servicestatus", expect=200)
    err("GET", "/servicestatus", 503, fault=True)

    call("PUT", "/token/{appToken}", path={"appToken": tok}, expect=200)
    err("PUT", "/token/{appToken}", 400, path={"appToken": "no spaces allowed"})
    call("POST", "/v2.1/token", json_body={"appToken": "walk-v2", "driverId": "D1"}, expect=200)
    err("POST", "/v2.1/token", 400, json_body={"driverId": "D1"})
    err("POST", "/v2.1/token", 404, json_body={"appToken": "x", "emspId": "ZZZ"})
    call("GET", "/v2.1/token/{appToken}", path={"appToken": "walk-v2"}, expect=200)
    err("GET", "/v2.1/token/{appToken}", 400, path={"appToken": "bad token"})
    err("GET", "/v2.1/token/{appToken}", 404, path={"appToken": "never-registered"})

    call("GET", "/payment/{appToken}/wallet", path={"appToken": tok}, expect=200)
    err("GET", "/payment/{appToken}/wallet", 404, path={"appToken": "never-registered"})
    _, card = call("PUT", "/payment/{appToken}/chargecard", path={"appToken": tok},
                   json_body={"visualNumber": CARD}, expect=200)
    err("PUT", "/payment/{appToken}/chargecard", 400, path={"appToken": tok}, json_body={"visualNumber": "12"})
    err("PUT", "/payment/{appToken}/chargecard", 404, path={"appToken": "never-registered"},
        json_body={"visualNumber": CARD})
    _, ext = call("PUT", "/payment/{appToken}/external", path={"appToken": tok},
                  json_body={"externalPaymentMethodId": "ROOM-214", "displayName": "Room 214"}, expect=200)
    err("PUT", "/payment/{appToken}/external", 400, path={"appToken": tok},
        json_body={"externalPaymentMethodId": "x" * 65})
    err("PUT", "/payment/{appToken}/external", 404, path={"appToken": "never-registered"},
        json_body={"externalPaymentMethodId": "ROOM-1"})
    call("GET", "/payment/{appToken}/wallet", path={"appToken": tok}, params={"locationId": ev.location_id},
         expect=200)

    call("GET", "/locations/nearby", params={"latitude": 52.3512, "longitude": 4.9039}, expect=200)
    call("GET", "/locations/nearby", params={"latitude": 52.3512, "longitude": 4.9039,
                                             "filter.isAvailable": "true", "filter.powerType": "DC"}, expect=200)
    call("GET", "/locations/boundingbox", params={"bottomLeftLat": 52.3, "bottomLeftLng": 4.8,
                                                  "topRightLat": 52.4, "topRightLng": 5.0, "pageSize": 3},
         expect=200)
    err("GET", "/locations/boundingbox", 400, params={"bottomLeftLat": 52.4, "bottomLeftLng": 4.8,
                                                      "topRightLat": 52.3, "topRightLng": 5.0})
    call("GET", "/locations/{id}", path={"id": ev.location_id}, expect=200)
    call("GET", "/locations/{id}", path={"id": ev.location_id}, params={"filter.evseUid": ev.evse_uid}, expect=200)
    err("GET", "/locations/{id}", 404, path={"id": "nl-gfx-nope"})
    err("GET", "/locations/{id}", 403, path={"id": v.private_location_id})
    priv_evse = v.evses_at(v.private_location_id)[0]
    call("GET", "/locations/evse/{evseUid}", path={"evseUid": ev.evse_uid}, expect=200)
    call("GET", "/locations/evse/{evseUid}", path={"evseUid": ev.evse_id}, expect=200)
    err("GET", "/locations/evse/{evseUid}", 404, path={"evseUid": "NL-GFX-E0-1"})
    err("GET", "/locations/evse/{evseUid}", 403, path={"evseUid": priv_evse.evse_uid})
    call("POST", "/locations/availability", json_body={"locationIds": v.location_ids}, expect=200)
    err("POST", "/locations/availability", 400, json_body={"locationIds": []})

    call("POST", "/qr", json_body={"url": ev.qr_url}, expect=200)
    call("POST", "/qr", json_body={"url": street.qr_url}, expect=200)  # the second operator's format
    call("POST", "/qr", json_body={"url": "https://other.example/qr/123"}, expect=200)
    err("POST", "/qr", 400, json_body={"url": "not a url"})
    err("POST", "/qr", 404, json_body={"url": ev.qr_url[:-12] + "000000000000"})
    err("POST", "/qr", 403, json_body={"url": priv_evse.qr_url})

    tariff = "/tariff/{appToken}/evse/{locationId}/{evseUid}"
    call("GET", tariff, path={"appToken": tok, "locationId": ev.location_id, "evseUid": ev.evse_uid}, expect=200)
    call("GET", tariff, path={"appToken": tok, "locationId": dc.location_id, "evseUid": dc.evse_uid},
         params={"connectorId": "2"}, expect=200)
    err("GET", tariff, 404, path={"appToken": tok, "locationId": ev.location_id, "evseUid": "NL-GFX-E0-1"})
    default = "/tariff/evse/{locationId}/{evseUid}"
    call("GET", default, path={"locationId": ev.location_id, "evseUid": ev.evse_uid}, expect=200)
    call("GET", default, path={"locationId": street.location_id, "evseUid": street.evse_uid}, expect=204)
    err("GET", default, 400, path={"locationId": ev.location_id, "evseUid": ev.evse_uid},
        params={"connectorId": ""})
    err("GET", default, 404, path={"locationId": ev.location_id, "evseUid": "NL-GFX-E0-1"})
    bulk = "/bulktariff/{appToken}/paymentmethod/{paymentMethodId}"
    pairs = [{"locationId": e.location_id, "evseUid": e.evse_uid} for e in v.venue_evses()]
    call("POST", bulk, path={"appToken": tok, "paymentMethodId": card["id"]}, json_body={"locationEvses": pairs},
         expect=200)
    err("POST", bulk, 400, path={"appToken": tok, "paymentMethodId": card["id"]}, json_body={"locationEvses": []})
    err("POST", bulk, 404, path={"appToken": tok, "paymentMethodId": "nope"}, json_body={"locationEvses": pairs})

    sim.clock.advance(10)  # the card is verified
    start_body = {"locationId": ev.location_id, "evseUid": ev.evse_uid, "paymentMethodId": card["id"]}
    _, started = call("POST", "/session/start", params={"appToken": tok}, json_body=start_body, expect=200)
    sid = started["chargeSessionId"]
    err("POST", "/session/start", 400, params={"appToken": tok}, json_body={"locationId": ev.location_id})
    err("POST", "/session/start", 403, params={"appToken": "never-registered"}, json_body=start_body)
    err("POST", "/session/start", 404, params={"appToken": tok}, json_body={**start_body, "evseUid": "NL-GFX-E0-1"})
    err("POST", "/session/start", 502, fault=True, params={"appToken": tok}, json_body=start_body)

    sim.clock.advance(10)  # the car is plugged in
    _, status = call("GET", "/session/status", params={"appToken": tok, "chargeSessionId": sid}, expect=200)
    assert status["status"] == "CHARGING"
    err("GET", "/session/status", 400, params={"appToken": tok, "chargeSessionId": sid, "maxDataPoints": -1})
    err("GET", "/session/status", 403, params={"appToken": "walk-v2", "chargeSessionId": sid})
    err("GET", "/session/status", 404, params={"appToken": tok, "chargeSessionId": "nope"})

    err("DELETE", "/payment/{appToken}/{id}", 400, path={"appToken": tok, "id": card["id"]})  # in use
    err("DELETE", "/payment/{appToken}/{id}", 404, path={"appToken": tok, "id": "nope"})
    call("DELETE", "/payment/{appToken}/{id}", path={"appToken": tok, "id": ext["id"]}, expect=204)

    err("POST", "/session/stop", 502, fault=True, params={"appToken": tok}, json_body={"chargeSessionId": sid})
    err("POST", "/session/stop", 400, params={"appToken": tok}, json_body={})
    err("POST", "/session/stop", 403, params={"appToken": "walk-v2"}, json_body={"chargeSessionId": sid})
    err("POST", "/session/stop", 404, params={"appToken": tok}, json_body={"chargeSessionId": "nope"})
    call("POST", "/session/stop", params={"appToken": tok}, json_body={"chargeSessionId": sid}, expect=200)
    sim.clock.advance(30)
    _, final = call("GET", "/session/status", params={"appToken": tok, "chargeSessionId": sid}, expect=200)
    assert final["status"] == "CDR_AVAILABLE"

    call("GET", "/token/{appToken}/sessions", path={"appToken": tok}, expect=200)
    call("GET", "/token/{appToken}/sessions", path={"appToken": tok},
         params={"filter.sessionStatus": ["CDR_AVAILABLE", "CHARGING"], "sortDesc": "false",
                 "filter.chargeSessionId": sid}, expect=200)
    err("GET", "/token/{appToken}/sessions", 400, path={"appToken": tok}, params={"filter.dateTimeFrom": "yesterday"})
    err("GET", "/token/{appToken}/sessions", 404, path={"appToken": "never-registered"})

    expected = all_pairs()
    missing = expected - cc.seen
    assert not missing, f"documented statuses never produced: {sorted(missing)}"
    # every error answer in every content type the document lists for it
    typed = {(m, p, s, t) for m, p, s in expected if s >= 400 for t in documented(m, p, s)}
    missing_types = typed - cc.seen_types
    assert not missing_types, f"documented error content types never produced: {sorted(missing_types)}"
    with capsys.disabled():
        print(f"\ncontract walk: {len(CLIENT_OPERATIONS)} operations, {len(expected)} (operation, status) pairs, "
              f"{len(typed)} (operation, error status, content type) triples, {cc.count} requests")


def test_the_tolerated_deviations_are_exactly_the_documents_own_broken_examples():
    """The named list is honest: validating every ``example`` of the document against the
    schema it annotates finds exactly these, no more and no fewer."""
    schemas = spec()["components"]["schemas"]
    broken = set()
    for name, schema in schemas.items():
        for prop, sub in (schema.get("properties") or {}).items():
            if "example" not in sub:
                continue
            check = {k: val for k, val in sub.items() if k != "example"}
            validator = OAS30Validator({"components": spec()["components"], **check},
                                       format_checker=OAS30Validator.FORMAT_CHECKER)
            if not validator.is_valid(sub["example"]):
                broken.add((name, prop, json.dumps(sub["example"])))
    assert broken == {(d.schema, d.prop, json.dumps(d.value)) for d in TOLERATED}


def test_default_answers_use_the_named_deviations_and_strict_ones_none(sim_factory):
    """A charging session's status answers: by default they carry the document's broken
    example values (forgiven by name, counted), strict ones validate without any."""
    from tests.sim.helpers import Flow

    seen = {}
    for strict in (False, True):
        srv = sim_factory(strict=strict)
        flow = Flow(srv)  # validates every answer against the document on the way in
        try:
            card = flow.add_card()
            before = {d.name: STATS[f"tolerated:{d.name}"] for d in TOLERATED}
            started = flow.start(srv.venue.venue_evses()[0], card["id"])
            flow.wait_for(started["chargeSessionId"], {"CHARGING"})
            seen[strict] = {d.name: STATS[f"tolerated:{d.name}"] - before[d.name] for d in TOLERATED}
        finally:
            flow.close()
    assert all(n > 0 for n in seen[False].values()), seen[False]
    assert not any(seen[True].values()), seen[True]


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
        ("POST", "/bulktariff/{appToken}/paymentmethod/{paymentMethodId}", b'{"locationEvses": [5]}'),
    ],
)
def test_bad_bodies_get_documented_400(sim, cc, method, template, body):
    cc.call("PUT", "/token/{appToken}", path={"appToken": "walk"}, expect=200)
    _, card = cc.call("PUT", "/payment/{appToken}/chargecard", path={"appToken": "walk"},
                      json_body={"visualNumber": CARD}, expect=200)
    params = {"appToken": "walk"} if template.startswith("/session/") else None
    r, payload = cc.call(method, template, path={"appToken": "walk", "paymentMethodId": card["id"]}, params=params,
                         content=body, expect=400)
    # whichever documented shape: a string, ValidationResponse(V2), ProblemDetails, BadRequestObjectResult
    text = payload if isinstance(payload, str) else (payload.get("message") or payload.get("detail")
                                                     or payload.get("value") or "")
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
