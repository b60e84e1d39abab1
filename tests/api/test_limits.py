"""The client's limits, against a hostile server on loopback (tests/api/hostile.py): an
overall deadline per request, a maximum body size, a JSON nesting limit, no non-finite or
absurd numbers, and Retry-After read into the error so callers can honour it."""

from __future__ import annotations

import asyncio
import json
import time
import tracemalloc
from email.utils import format_datetime
from datetime import UTC, datetime, timedelta

import pytest

from kiosk.api import ChargeAssistClient, RetryPolicy, errors
from tests.api.hostile import Answer, HostileServer

TOKEN = "limits-token"
WALLET = f"/payment/{TOKEN}/wallet"


def client_for(srv: HostileServer, **kw) -> ChargeAssistClient:
    kw.setdefault("timeout", 2.0)
    kw.setdefault("retry", RetryPolicy.none())
    return ChargeAssistClient(srv.base_url, headers={"Authorization": "ApiKey k-limits"}, app_token=TOKEN, **kw)


def call(srv: HostileServer, fn, **kw):
    async def go():
        async with client_for(srv, **kw) as c:
            return await fn(c)

    return asyncio.run(go())


def drip(body: bytes, every: float = 1.0):
    def chunks():
        for i in range(len(body)):
            yield body[i:i + 1], every
    return chunks


# --- deadline ---------------------------------------------------------------------------

def test_a_one_byte_per_second_drip_does_not_hold_a_read_beyond_the_deadline():
    body = json.dumps({"data": [], "meta": {"count": 0}}).encode()  # ~30 bytes: 30 s at 1 byte/s
    with HostileServer(lambda m, p: Answer(200, chunks=drip(body), content_length=len(body))) as srv:
        t0 = time.monotonic()
        with pytest.raises(errors.RequestTimeout) as info:
            call(srv, lambda c: c.wallet(), timeout=2.0)
        took = time.monotonic() - t0
    assert took < 3.5, f"held for {took:.1f} s with a 2 s deadline"
    assert not info.value.may_have_taken_effect  # a read


def test_a_drip_on_start_ends_at_the_deadline_and_may_have_taken_effect():
    body = json.dumps({"chargeSessionId": "s-1", "nextStatusCall": "2026-01-01T00:00:00Z"}).encode()
    with HostileServer(lambda m, p: Answer(200, chunks=drip(body), content_length=len(body))) as srv:
        t0 = time.monotonic()
        with pytest.raises(errors.RequestTimeout) as info:
            call(srv, lambda c: c.start_session("nl-gfx-1", "E-1", "1", "pm-1"), timeout=2.0,
                 retry=RetryPolicy())  # start is never retried, whatever the policy
        took = time.monotonic() - t0
        assert len(srv.requests) == 1
    assert took < 3.5
    assert info.value.may_have_taken_effect  # the server may have started it: look before starting again


def test_retries_of_a_read_each_end_at_the_deadline():
    body = b'{"data": []}'
    with HostileServer(lambda m, p: Answer(200, chunks=drip(body), content_length=len(body))) as srv:
        t0 = time.monotonic()
        with pytest.raises(errors.RequestTimeout):
            call(srv, lambda c: c.wallet(), timeout=1.0,
                 retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.01))
        took = time.monotonic() - t0
        assert len(srv.requests) == 2
    assert took < 2 * 1.0 + 1.0


# --- body size --------------------------------------------------------------------------

def fifty_mb(announce: bool) -> Answer:
    """A valid JSON answer of 50 MB (a wallet with a 50 MB padding field), sent fast."""
    head, tail, block = b'{"data": [], "padding": "', b'"}', b"x" * 65536
    blocks = 50 * 1024 * 1024 // len(block)

    def chunks():
        yield head, 0
        for _ in range(blocks):
            yield block, 0
        yield tail, 0

    return Answer(200, chunks=chunks, content_length=len(head) + blocks * len(block) + len(tail),
                  announce_length=announce)


@pytest.mark.parametrize("announce", [True, False], ids=["content-length", "close-delimited"])
def test_a_50_mb_answer_is_refused_without_holding_it_in_memory(announce):
    with HostileServer(lambda m, p: fifty_mb(announce)) as srv:
        tracemalloc.start()
        try:
            with pytest.raises(errors.MalformedResponse) as info:
                call(srv, lambda c: c.wallet(), timeout=20.0)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 24 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB for a refused answer"
    assert "too large" in str(info.value)


def test_an_answer_under_the_limit_is_read_whole():
    body = json.dumps({"data": [{"id": f"pm-{i}", "displayName": "x" * 200} for i in range(2000)]}).encode()
    with HostileServer(lambda m, p: Answer(200, body=body)) as srv:
        wallet = call(srv, lambda c: c.wallet())
    assert len(wallet) == 2000  # ~0.5 MB: well inside the default limit


# --- nesting ----------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [200, 100_000])
def test_deeply_nested_json_is_malformed_not_a_recursion_error(depth):
    body = b'{"data": [], "x": ' + b"[" * depth + b"]" * depth + b"}"
    with HostileServer(lambda m, p: Answer(200, body=body)) as srv:
        with pytest.raises(errors.MalformedResponse) as info:
            call(srv, lambda c: c.wallet())
    assert "nested" in str(info.value)


def test_deeply_nested_error_body_still_gives_the_right_error():
    body = b'{"message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with HostileServer(lambda m, p: Answer(400, body=body)) as srv:
        with pytest.raises(errors.ValidationFailed):
            call(srv, lambda c: c.wallet())


def test_a_start_answered_with_deep_nesting_may_have_taken_effect():
    body = b'{"chargeSessionId": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with HostileServer(lambda m, p: Answer(200, body=body)) as srv:
        with pytest.raises(errors.MalformedResponse) as info:
            call(srv, lambda c: c.start_session("nl-gfx-1", "E-1", "1", "pm-1"))
    assert info.value.may_have_taken_effect  # resolved like any ambiguous start


# --- numbers ----------------------------------------------------------------------------

STATUS = '{{"status": "CDR_AVAILABLE", "energyInKwh": {energy}, "totalCosts": {cost}, "totalVat": 1.0}}'


@pytest.mark.parametrize(("energy", "cost"), [
    ("12.5", "NaN"), ("12.5", "Infinity"), ("12.5", "-Infinity"), ("12.5", "1e308"), ("12.5", "1e400"),
    ("-3.2", "5.10"), ("NaN", "5.10"), ("12.5", "-7.00"),
])
def test_non_finite_or_absurd_numbers_are_malformed(energy, cost):
    body = STATUS.format(energy=energy, cost=cost).encode()
    with HostileServer(lambda m, p: Answer(200, body=body)) as srv:
        with pytest.raises(errors.MalformedResponse):
            call(srv, lambda c: c.session_status("s-1"))


def test_sane_numbers_pass():
    body = STATUS.format(energy="12.5", cost="5.10").encode()
    with HostileServer(lambda m, p: Answer(200, body=body)) as srv:
        st = call(srv, lambda c: c.session_status("s-1"))
    assert (st.energy_in_kwh, st.total_costs) == (12.5, 5.10)


def test_a_nan_price_in_a_tariff_is_malformed():
    body = b'{"data": [{"validity": "VALID", "tariff": {"currency": "EUR", "elements": [{"priceComponents": ' \
           b'[{"type": "ENERGY", "price": NaN, "stepSize": 1}]}]}}]}'
    with HostileServer(lambda m, p: Answer(200, body=body)) as srv:
        with pytest.raises(errors.MalformedResponse):
            call(srv, lambda c: c.tariffs("nl-gfx-1", "E-1"))


# --- Retry-After ------------------------------------------------------------------------

def rate_limited(value: str) -> Answer:
    return Answer(429, headers={"Retry-After": value}, body=b'"Too many requests"')


@pytest.mark.parametrize(("value", "expected"), [
    ("120", 120.0),
    ("0", 0.0),
    (None, 90.0),  # an HTTP date 90 s ahead
    ("nan", None), ("inf", None), ("-5", 0.0), ("soon", None),
    ("1e12", 3600.0),  # absurd: held to an hour
])
def test_retry_after_is_read_into_the_rate_limited_error(value, expected):
    if value is None:
        value = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    with HostileServer(lambda m, p: rate_limited(value)) as srv:
        t0 = time.monotonic()
        with pytest.raises(errors.RateLimited) as info:
            call(srv, lambda c: c.wallet(), retry=RetryPolicy(sleep=_no_sleep))
        assert time.monotonic() - t0 < 2.0
    got = info.value.retry_after
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, abs=2.0)


async def _no_sleep(_seconds: float) -> None:
    return None


def test_retry_after_120_is_not_waited_out_inside_the_call():
    with HostileServer(lambda m, p: rate_limited("120")) as srv:
        t0 = time.monotonic()
        with pytest.raises(errors.RateLimited) as info:
            call(srv, lambda c: c.wallet(), retry=RetryPolicy())
        assert len(srv.requests) == 1  # raised at once: the caller decides when to ask again
    assert info.value.retry_after == 120.0 and time.monotonic() - t0 < 2.0
