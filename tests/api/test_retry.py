"""Retry rules: which requests are repeated, after how long, and which never are."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from kiosk.api import RetryPolicy, errors
from kiosk.api.retry import is_repeatable, parse_retry_after
from tests.api.fakeapi import TOKEN, FakeApi, reply

WALLET = ("GET", f"/payment/{TOKEN}/wallet")
WALLET_OK = reply(200, {"data": [{"id": "pm-1", "type": "CHARGE_CARD"}]})


def run(api: FakeApi, coro_fn, retry: RetryPolicy | None = None):
    async def go():
        async with api.client(retry=retry) as c:
            return await coro_fn(c)

    return asyncio.run(go())


def test_backoff_is_exponential_full_jitter_and_capped():
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0, random=lambda: 1.0)
    assert [policy.backoff(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    zero = RetryPolicy(base_delay=0.5, max_delay=4.0, random=lambda: 0.0)
    assert zero.backoff(3) == 0.0
    half = RetryPolicy(base_delay=0.5, max_delay=4.0, random=lambda: 0.5)
    assert half.backoff(3) == 1.0


def test_get_is_retried_on_5xx_with_backoff_then_succeeds():
    api = FakeApi().on(*WALLET, reply(503, "busy"), reply(502, "gateway"), WALLET_OK)
    methods = run(api, lambda c: c.wallet(), api.policy(max_attempts=3, base_delay=1.0, random=lambda: 0.5))
    assert [m.id for m in methods] == ["pm-1"]
    assert len(api.calls(*WALLET)) == 3
    assert api.sleeps == [0.5, 1.0]  # uniform(0, 1*2**0)=0.5, uniform(0, 1*2**1)=1.0 with random 0.5


def test_gives_up_after_max_attempts_with_the_last_error():
    api = FakeApi().on(*WALLET, reply(500, "boom"))
    with pytest.raises(errors.ServerError, match="boom"):
        run(api, lambda c: c.wallet(), api.policy(max_attempts=4))
    assert len(api.calls(*WALLET)) == 4
    assert len(api.sleeps) == 3


def test_transport_errors_on_reads_are_retried():
    api = FakeApi().on(*WALLET, httpx.ReadTimeout("slow"), httpx.ConnectError("refused"), WALLET_OK)
    assert run(api, lambda c: c.wallet())[0].id == "pm-1"
    assert len(api.calls(*WALLET)) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_not_retried(status):
    api = FakeApi().on(*WALLET, reply(status, "no"))
    with pytest.raises(errors.ApiError):
        run(api, lambda c: c.wallet())
    assert len(api.calls(*WALLET)) == 1
    assert api.sleeps == []


def test_retry_after_seconds_is_honoured():
    api = FakeApi().on(*WALLET, reply(429, "slow down", {"Retry-After": "3"}), WALLET_OK)
    run(api, lambda c: c.wallet())
    assert api.sleeps == [3.0]


def test_retry_after_http_date_is_honoured():
    when = datetime.now(UTC) + timedelta(seconds=20)
    api = FakeApi().on(*WALLET, reply(503, "maintenance", {"Retry-After": format_datetime(when, usegmt=True)}),
                       WALLET_OK)
    run(api, lambda c: c.wallet())
    assert len(api.sleeps) == 1
    assert 17.0 <= api.sleeps[0] <= 20.0


def test_retry_after_beyond_the_limit_gives_up_at_once():
    api = FakeApi().on(*WALLET, reply(429, "come back tomorrow", {"Retry-After": "3600"}), WALLET_OK)
    with pytest.raises(errors.RateLimited) as info:
        run(api, lambda c: c.wallet(), api.policy(max_retry_after=30))
    assert info.value.retry_after == 3600
    assert api.sleeps == []
    assert len(api.calls(*WALLET)) == 1


def test_parse_retry_after_forms():
    now = datetime(2026, 11, 23, 20, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Mon, 23 Nov 2026 20:00:30 GMT", now) == 30.0
    assert parse_retry_after("Mon, 23 Nov 2026 19:00:00 GMT", now) == 0.0  # in the past: now
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/session/status", True),
        ("PUT", "/token/{appToken}", True),
        ("DELETE", "/payment/{appToken}/{id}", True),
        ("POST", "/qr", True),
        ("POST", "/locations/availability", True),
        ("POST", "/session/start", False),
        ("POST", "/session/stop", False),
        ("POST", "/v2.1/token", False),
    ],
)
def test_repeatable_requests(method, path, expected):
    assert is_repeatable(method, path) is expected


@pytest.mark.parametrize("path", ["/session/start", "/session/stop"])
@pytest.mark.parametrize(
    "answer",
    [reply(503, "busy"), reply(429, "slow", {"Retry-After": "1"}), httpx.ReadTimeout("slow"),
     httpx.ConnectError("refused")],
)
def test_session_start_and_stop_are_never_retried(path, answer):
    ok = reply(200, {"chargeSessionId": "s-1", "status": "STOPPING"})
    api = FakeApi().on("POST", path, answer, ok)

    async def call(c):
        if path == "/session/start":
            return await c.start_session("loc", "evse", "1", "pm")
        return await c.stop_session("s-1")

    with pytest.raises(errors.ApiError):
        run(api, call, api.policy(max_attempts=5))
    assert len(api.calls("POST", path)) == 1
    assert api.sleeps == []


def test_read_only_posts_are_retried():
    qr_ok = reply(200, {"valid": True, "locationId": "nl-gfx-1", "evseUid": "E1"})
    api = FakeApi().on("POST", "/qr", reply(502, "gateway"), qr_ok)
    assert run(api, lambda c: c.parse_qr("https://a.greenflux.app/qr/gsop/gfx/abc")).evse_uid == "E1"
    assert len(api.calls("POST", "/qr")) == 2
    api.on("POST", "/locations/availability", httpx.ReadTimeout("slow"), reply(200, {"data": [{"id": "L1"}]}))
    assert [a.id for a in run(api, lambda c: c.availability(["L1"]))] == ["L1"]
    assert len(api.calls("POST", "/locations/availability")) == 2


def test_put_card_is_retried_and_its_lost_answer_may_have_taken_effect():
    path = f"/payment/{TOKEN}/chargecard"
    api = FakeApi().on("PUT", path, httpx.ReadTimeout("slow"))
    with pytest.raises(errors.RequestTimeout) as info:
        run(api, lambda c: c.add_charge_card("NL-GFX-C12345678-X"), api.policy(max_attempts=2))
    assert len(api.calls("PUT", path)) == 2
    assert info.value.may_have_taken_effect is True


def test_service_status_does_not_retry_and_reports_503_as_down():
    api = FakeApi().on("GET", "/servicestatus", reply(503, "maintenance"))
    assert run(api, lambda c: c.service_status()) is False
    assert len(api.calls("GET", "/servicestatus")) == 1
    api.on("GET", "/servicestatus", reply(200))
    assert run(api, lambda c: c.service_status()) is True
