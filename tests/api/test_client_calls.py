"""Requests go out as the contract says: auth headers, paths, query, paging, batching."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime

import httpx
import pytest

from kiosk.api import ChargeAssistClient
from kiosk.api.client import make_timeout
from kiosk.config import load_settings
from tests.api.fakeapi import BASE, KEY, TOKEN, FakeApi, reply


def run(api: FakeApi, fn, **client_kwargs):
    async def go():
        async with api.client(**client_kwargs) as c:
            return await fn(c)

    return asyncio.run(go())


def summary(i: int) -> dict:
    return {"id": f"nl-gfx-{i:04d}", "name": f"Location {i}", "conAvail": 1, "conTot": 2}


@pytest.mark.parametrize(
    ("style", "header", "value"),
    [("authorization", "Authorization", f"ApiKey {KEY}"), ("ocp-apim", "Ocp-Apim-Subscription-Key", KEY)],
)
def test_auth_header_styles_from_settings(style, header, value):
    api = FakeApi().on("GET", "/servicestatus", reply(200))
    settings = load_settings(api_key=KEY, auth_header=style, app_token=TOKEN, base_url=BASE)

    async def go():
        async with ChargeAssistClient.from_settings(settings, transport=httpx.MockTransport(api.handler)) as c:
            return await c.service_status()

    assert asyncio.run(go()) is True
    sent = api.requests[0].headers
    assert sent[header] == value
    other = "Ocp-Apim-Subscription-Key" if header == "Authorization" else "Authorization"
    assert other not in sent


def test_explicit_timeouts_from_settings():
    settings = load_settings(api_key=KEY, app_token=TOKEN, request_timeout_s=7.5)
    client = ChargeAssistClient.from_settings(settings)
    try:
        assert client._http.timeout == make_timeout(7.5)
        assert (client._http.timeout.read, client._http.timeout.connect) == (7.5, 5.0)
    finally:
        asyncio.run(client.aclose())


def test_bounding_box_first_page_only_by_default():
    api = FakeApi().on("GET", "/locations/boundingbox", reply(200, {
        "data": [summary(1), summary(2)], "meta": {"count": 2, "hasMoreData": True, "continuationToken": "p2"}}))
    found = run(api, lambda c: c.locations_in_box(52.0, 4.0, 53.0, 5.0, page_size=2))
    assert [s.id for s in found] == ["nl-gfx-0001", "nl-gfx-0002"]
    assert len(api.requests) == 1
    q = api.requests[0].url.params
    assert (q["bottomLeftLat"], q["topRightLng"], q["pageSize"]) == ("52.0", "5.0", "2")
    assert "continuationToken" not in api.requests[0].headers


def test_bounding_box_follows_continuation_tokens_in_the_header():
    pages = {
        None: {"data": [summary(1), summary(2)], "meta": {"hasMoreData": True, "continuationToken": "tok-A"}},
        "tok-A": {"data": [summary(3), summary(4)], "meta": {"hasMoreData": True, "continuationToken": "tok-B"}},
        "tok-B": {"data": [summary(5)], "meta": {"hasMoreData": False, "continuationToken": None}},
    }
    api = FakeApi().on("GET", "/locations/boundingbox",
                       lambda r: reply(200, pages[r.headers.get("continuationToken")]))
    found = run(api, lambda c: c.locations_in_box(52.0, 4.0, 53.0, 5.0, page_size=2, all_pages=True))
    assert [s.id for s in found] == [f"nl-gfx-{i:04d}" for i in range(1, 6)]
    assert [r.headers.get("continuationToken") for r in api.requests] == [None, "tok-A", "tok-B"]


def test_bounding_box_stops_on_a_repeated_token():
    page = {"data": [summary(1)], "meta": {"hasMoreData": True, "continuationToken": "same"}}
    api = FakeApi().on("GET", "/locations/boundingbox", reply(200, page))
    found = run(api, lambda c: c.locations_in_box(52.0, 4.0, 53.0, 5.0, all_pages=True))
    assert len(api.requests) == 2 and len(found) == 2


def test_availability_is_asked_in_batches_of_twenty():
    def answer(request: httpx.Request) -> httpx.Response:
        ids = json.loads(request.content)["locationIds"]
        return reply(200, {"data": [{"id": i, "evses": [{"uid": f"{i}-E1", "status": "AVAILABLE"}]} for i in ids]})

    api = FakeApi().on("POST", "/locations/availability", answer)
    ids = [f"nl-gfx-{i:03d}" for i in range(45)]
    result = run(api, lambda c: c.availability(ids))
    sizes = [len(json.loads(r.content)["locationIds"]) for r in api.requests]
    assert sizes == [20, 20, 5]
    assert [a.id for a in result] == ids
    assert result[44].evses[0].status == "AVAILABLE"


def test_availability_of_nothing_sends_nothing():
    api = FakeApi()
    assert run(api, lambda c: c.availability([])) == []
    assert api.requests == []


def test_paths_and_queries_of_the_operations():
    api = FakeApi()
    api.on("GET", "/locations/nl-gfx-1", reply(200, {"id": "nl-gfx-1", "evses": [{"uid": "E/1"}]}))
    api.on("GET", "/locations/evse/E/1", reply(200, {"id": "nl-gfx-1"}))
    api.on("GET", f"/tariff/{TOKEN}/evse/nl-gfx-1/E/1", reply(200, {"data": [{"validity": "VALID"}]}))
    api.on("DELETE", f"/payment/{TOKEN}/pm-1", reply(204))
    api.on("GET", f"/token/{TOKEN}/sessions", reply(200, {"data": [{"chargeSessionId": "s-1", "status": "CHARGING"}]}))
    api.on("GET", "/locations/nearby", reply(200, {"data": [summary(1)]}))
    api.on("PUT", f"/payment/{TOKEN}/external", reply(200, {"id": "pm-x", "type": "EXTERNAL"}))

    async def go(c: ChargeAssistClient):
        loc = await c.location("nl-gfx-1", evse_uid="E/1")
        assert loc.evse("E/1") is not None and loc.evse("nope") is None
        await c.location_by_evse("E/1")
        items = await c.tariffs("nl-gfx-1", "E/1", connector_id="2")
        assert items[0].validity == "VALID"
        await c.remove_payment_method("pm-1")
        hist = await c.session_history(statuses=["CHARGING", "PARKING"], sort_desc=True,
                                       date_from=datetime(2024, 1, 1, tzinfo=UTC))
        assert hist[0].status == "CHARGING"
        await c.locations_nearby(52.1, 4.2, available=True, power_type="AC")
        pm = await c.add_external_payment("ROOM-101", display_name="Room 101")
        assert pm.type == "EXTERNAL"

    run(api, go)
    by_path = {r.url.path: r for r in api.requests}
    assert by_path["/locations/nl-gfx-1"].url.params["filter.evseUid"] == "E/1"
    assert by_path["/locations/nl-gfx-1"].url.params["filter.appToken"] == TOKEN
    tariff = by_path[f"/tariff/{TOKEN}/evse/nl-gfx-1/E/1"]
    assert tariff.url.params["connectorId"] == "2"
    assert tariff.url.raw_path.startswith(f"/tariff/{TOKEN}/evse/nl-gfx-1/E%2F1?".encode())  # ids stay one segment
    assert by_path["/locations/evse/E/1"].url.raw_path.startswith(b"/locations/evse/E%2F1")
    h = by_path[f"/token/{TOKEN}/sessions"].url.params
    assert h.get_list("filter.sessionStatus") == ["CHARGING", "PARKING"]
    assert h["sortDesc"] == "true" and h["filter.dateTimeFrom"] == "2024-01-01T00:00:00+00:00"
    n = by_path["/locations/nearby"].url.params
    assert (n["latitude"], n["longitude"], n["filter.isAvailable"], n["filter.powerType"]) == ("52.1", "4.2", "true", "AC")
    assert json.loads(by_path[f"/payment/{TOKEN}/external"].content) == {
        "externalPaymentMethodId": "ROOM-101", "displayName": "Room 101"}


def test_register_and_token_calls():
    api = FakeApi()
    api.on("PUT", f"/token/{TOKEN}", reply(200, {"data": [{"appToken": TOKEN, "authId": "NL-GFX-C00000001"}]}))
    api.on("POST", "/v2.1/token", reply(200, {"appToken": "other-token", "settings": {"defaultLanguageCode": "nl"}}))
    api.on("GET", f"/v2.1/token/{TOKEN}", reply(200, {"appToken": TOKEN}))

    async def go(c: ChargeAssistClient):
        tokens = await c.register_token()
        created = await c.create_token_v2("other-token", driver_id="d-1")
        mine = await c.get_token_v2()
        return tokens, created, mine

    tokens, created, mine = run(api, go)
    assert tokens[0].app_token == TOKEN and mine.app_token == TOKEN
    assert created.settings.default_language_code == "nl"
    assert json.loads(api.calls("POST", "/v2.1/token")[0].content) == {"appToken": "other-token", "driverId": "d-1"}


def test_each_request_is_one_redacted_debug_line(caplog):
    api = FakeApi()
    api.on("DELETE", f"/payment/{TOKEN}/pm-secret-1", reply(204))
    api.on("GET", "/session/status", reply(200, {"status": "CHARGING"}))
    with caplog.at_level(logging.DEBUG, logger="kiosk.api"):
        run(api, lambda c: c.remove_payment_method("pm-secret-1"))
        run(api, lambda c: c.session_status("s-1"))
    lines = [r.getMessage() for r in caplog.records if r.name == "kiosk.api.client"]
    assert len(lines) == 2
    assert lines[0].startswith("DELETE /payment/***/*** -> 204 in ")
    assert lines[0].endswith(" ms")
    assert lines[1].startswith("GET /session/status -> 200 in ")
    assert all(TOKEN not in line and "pm-secret-1" not in line for line in lines)


def test_httpx_loggers_are_tamed_by_the_client():
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    client = ChargeAssistClient(BASE, app_token=TOKEN)
    asyncio.run(client.aclose())
    assert logging.getLogger("httpx").level == logging.WARNING
    assert logging.getLogger("httpcore").level == logging.WARNING


def test_closed_client_reports_closed():
    client = ChargeAssistClient(BASE, app_token=TOKEN)
    assert not client.is_closed
    asyncio.run(client.aclose())
    assert client.is_closed
    with pytest.raises(RuntimeError, match="closed"):  # a programming error, not an API failure
        asyncio.run(client.wallet())
