"""Every failure ends as the right typed error, with the API's messages and the
may-have-taken-effect flag a caller needs to decide what to tell the guest."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from kiosk.api import RetryPolicy, errors
from tests.api.fakeapi import FakeApi, reply

START = ("POST", "/session/start")


def call_start(api: FakeApi, retry: RetryPolicy | None = None):
    async def go():
        async with api.client(retry=retry or RetryPolicy.none()) as c:
            return await c.start_session("nl-gfx-1", "NL-GFX-E1-1", "1", "pm-1")

    return asyncio.run(go())


def call_wallet(api: FakeApi, retry: RetryPolicy | None = None):
    async def go():
        async with api.client(retry=retry or RetryPolicy.none()) as c:
            return await c.wallet()

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.ValidationFailed),
        (401, errors.Unauthorized),
        (403, errors.Forbidden),
        (404, errors.NotFound),
        (429, errors.RateLimited),
        (500, errors.ServerError),
        (502, errors.ServerError),
        (503, errors.ServerError),
        (418, errors.ApiError),
    ],
)
def test_http_status_maps_to_error_class(status, cls):
    api = FakeApi().on("GET", "/payment/venue-token-5a7b9c/wallet", reply(status, "nope"))
    with pytest.raises(cls) as info:
        call_wallet(api)
    assert type(info.value) is cls
    assert info.value.status == status
    assert info.value.message == "nope"
    assert isinstance(info.value, errors.ApiError)


def test_validation_response_messages_are_kept():
    body = {
        "message": "The request is invalid",
        "validationMessages": [
            {"code": "VisualNumberInvalid", "message": "The visual number is not a valid charge card number"},
            {"code": "Other", "message": None},
        ],
    }
    api = FakeApi().on("PUT", "/payment/venue-token-5a7b9c/chargecard", reply(400, body))

    async def go():
        async with api.client() as c:
            await c.add_charge_card("bogus")

    with pytest.raises(errors.ValidationFailed) as info:
        asyncio.run(go())
    assert info.value.message == "The request is invalid"
    assert info.value.validation_messages == ["The visual number is not a valid charge card number", "Other"]
    assert "not a valid charge card number" in str(info.value)


def test_validation_v2_problem_details_and_plain_text_bodies():
    api = FakeApi().on(
        "GET", "/v2.1/token/venue-token-5a7b9c",
        reply(404, {"message": "AppToken not found", "code": "NotFound", "validationStatus": "Error"}),
    )

    async def token():
        async with api.client() as c:
            await c.get_token_v2()

    with pytest.raises(errors.NotFound, match="AppToken not found"):
        asyncio.run(token())

    api.on("GET", "/payment/venue-token-5a7b9c/wallet",
           reply(400, {"title": "One or more validation errors occurred.",
                       "errors": {"locationId": ["The locationId field is invalid."]}}))
    with pytest.raises(errors.ValidationFailed) as info:
        call_wallet(api)
    assert info.value.message == "One or more validation errors occurred."
    assert info.value.validation_messages == ["The locationId field is invalid."]

    api.on("GET", "/payment/venue-token-5a7b9c/wallet",
           httpx.Response(502, content=b"<html>Bad gateway</html>", headers={"Content-Type": "text/html"}))
    with pytest.raises(errors.ServerError, match="Bad gateway"):
        call_wallet(api)


def test_rate_limited_carries_retry_after():
    api = FakeApi().on("GET", "/payment/venue-token-5a7b9c/wallet", reply(429, "slow down", {"Retry-After": "7"}))
    with pytest.raises(errors.RateLimited) as info:
        call_wallet(api)
    assert info.value.retry_after == 7.0


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (httpx.ReadTimeout("read timed out"), errors.RequestTimeout),
        (httpx.WriteTimeout("write timed out"), errors.RequestTimeout),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), errors.ConnectionFailed),
        (httpx.ReadError("connection reset"), errors.ConnectionFailed),
    ],
)
def test_lost_answer_to_post_may_have_taken_effect(exc, cls):
    api = FakeApi().on(*START, exc)
    with pytest.raises(cls) as info:
        call_start(api)
    assert isinstance(info.value, errors.TransportError)
    assert info.value.may_have_taken_effect is True
    assert "may have taken effect" in str(info.value)


@pytest.mark.parametrize(
    ("exc", "cls"),
    [(httpx.ConnectError("refused"), errors.ConnectionFailed), (httpx.ConnectTimeout("slow"), errors.RequestTimeout)],
)
def test_post_that_never_left_did_not_take_effect(exc, cls):
    api = FakeApi().on(*START, exc)
    with pytest.raises(cls) as info:
        call_start(api)
    assert info.value.may_have_taken_effect is False


def test_lost_answer_to_a_read_did_not_take_effect():
    api = FakeApi().on("GET", "/payment/venue-token-5a7b9c/wallet", httpx.ReadTimeout("slow"))
    with pytest.raises(errors.RequestTimeout) as info:
        call_wallet(api)
    assert info.value.may_have_taken_effect is False


def test_server_error_on_start_may_have_taken_effect_but_a_rejection_did_not():
    api = FakeApi().on(*START, reply(502, {"message": "Charge station did not respond"}))
    with pytest.raises(errors.ServerError) as info:
        call_start(api)
    assert info.value.may_have_taken_effect is True
    assert info.value.message == "Charge station did not respond"

    api.on(*START, reply(400, {"message": "EVSE not available", "validationMessages": []}))
    with pytest.raises(errors.ValidationFailed) as info2:
        call_start(api)
    assert info2.value.may_have_taken_effect is False


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2", b""])
def test_invalid_json_is_malformed_response(content):
    api = FakeApi().on("GET", "/payment/venue-token-5a7b9c/wallet",
                       httpx.Response(200, content=content, headers={"Content-Type": "application/json"}))
    with pytest.raises(errors.MalformedResponse):
        call_wallet(api)


def test_wrong_shape_is_malformed_response_and_start_may_have_taken_effect():
    api = FakeApi().on(*START, reply(200, {"chargeSessionId": {"nested": "object"}}))
    with pytest.raises(errors.MalformedResponse) as info:
        call_start(api)
    assert info.value.may_have_taken_effect is True
    api.on("GET", "/payment/venue-token-5a7b9c/wallet", reply(200, {"data": "not a list"}))
    with pytest.raises(errors.MalformedResponse) as info2:
        call_wallet(api)
    assert info2.value.may_have_taken_effect is False


def test_missing_app_token_fails_before_sending():
    api = FakeApi()

    async def go():
        async with api.client(app_token=None) as c:
            await c.wallet()

    with pytest.raises(errors.NotConfigured, match="appToken"):
        asyncio.run(go())
    assert api.requests == []


def test_error_text_never_shows_secrets():
    from tests.api.fakeapi import KEY, TOKEN

    api = FakeApi().on("GET", f"/payment/{TOKEN}/wallet",
                       reply(400, {"message": f"token {TOKEN} with key {KEY} and card NL-GFX-C12345678-X refused"}))
    with pytest.raises(errors.ValidationFailed) as info:
        call_wallet(api)
    text = str(info.value)
    assert TOKEN not in text and KEY not in text and "C12345678" not in text
    assert "refused" in text


def test_a_redirect_is_not_followed_and_says_why():
    portal = reply(302, None, {"Location": "http://login.hotel-wifi.example/portal"})
    api = FakeApi().on("GET", "/payment/venue-token-5a7b9c/wallet", portal)
    with pytest.raises(errors.ApiError) as info:
        call_wallet(api)
    assert info.value.status == 302
    assert "captive portal" in info.value.message and "login.hotel-wifi.example" in info.value.message
    assert len(api.requests) == 1


@pytest.mark.parametrize("ctype", ["text/plain", "application/json", "text/json"])
def test_every_documented_error_shape_reads_the_same_in_every_content_type(sim, api_client_factory, ctype):
    """Against the simulator (which answers the document's shapes: a bare string in
    text/plain, a JSON string, ValidationResponse, ProblemDetails): the same error class and
    message, whatever the content type."""
    sim.scenario.error_content_type = ctype

    async def go():
        async with api_client_factory() as c:
            await c.register_token()
            got = {}
            for name, fn in (
                ("string", lambda: c.location("nl-gfx-nope")),
                ("validation", lambda: c.add_charge_card("12")),
                ("problem", lambda: c.default_tariff(sim.venue.location_ids[0], "NL-GFX-E0-1")),
                ("problem-bulk", lambda: c.bulk_tariffs("nope", [(sim.venue.location_ids[0], "E")])),
            ):
                try:
                    await fn()
                except errors.ApiError as exc:
                    got[name] = (type(exc), exc.message, exc.validation_messages)
            return got

    got = asyncio.run(go())
    assert got["string"] == (errors.NotFound, "Location not found", [])
    assert got["validation"][0] is errors.ValidationFailed and "not a valid charge card number" in got["validation"][1]
    assert got["problem"][0] is errors.NotFound and "location or EVSE is not known" in got["problem"][1]
    assert got["problem-bulk"] == (errors.NotFound, "Payment method not found", [])


def test_a_serialised_bad_request_object_result_gives_its_value():
    body = {"value": "Provide at least 1 and at most 20 location IDs.", "formatters": [], "contentTypes": [],
            "declaredType": None, "statusCode": 400}
    api = FakeApi().on("POST", "/locations/availability",
                       httpx.Response(400, content=json.dumps(body).encode(), headers={"Content-Type": "text/json"}))

    async def go():
        async with api.client(retry=RetryPolicy.none()) as c:
            await c.availability(["nl-gfx-1"])

    with pytest.raises(errors.ValidationFailed) as info:
        asyncio.run(go())
    assert info.value.message == "Provide at least 1 and at most 20 location IDs."
