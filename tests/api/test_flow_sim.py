"""The client against the simulator over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk.api import ChargeAssistClient, errors, models
from kiosk.api.wallet import find_payment_method
from kiosk.logsetup import setup_logging
from tests.api.flows import CARD, poll_until, wait_card_valid
from tests.plugins.api import fast_retry

FINAL = {"CDR_AVAILABLE"}


async def full_flow(client: ChargeAssistClient, qr_url: str, speed: float) -> dict:
    """register -> add card (PENDING then VALID) -> QR -> location -> tariff -> start ->
    status until CHARGING -> stop -> CDR_AVAILABLE. Returns what a test wants to check."""
    out: dict = {}
    out["tokens"] = await client.register_token()
    card = await client.add_charge_card(CARD)
    out["card_first"] = card
    out["card_later"] = await wait_card_valid(client, card.id)
    qr = await client.parse_qr(qr_url)
    out["qr"] = qr
    location = await client.location(qr.location_id)
    out["location"] = location
    evse = location.evse(qr.evse_uid)
    connector = qr.connector_id or evse.connectors[0].id
    out["tariffs"] = await client.tariffs(qr.location_id, qr.evse_uid, connector)
    started = await client.start_session(qr.location_id, qr.evse_uid, connector, card.id)
    out["started"] = started
    out["until_charging"] = await poll_until(client, started.charge_session_id, {"CHARGING"}, speed=speed)
    out["stopped"] = await client.stop_session(started.charge_session_id)
    out["until_final"] = await poll_until(client, started.charge_session_id, FINAL, speed=speed)
    out["history"] = await client.session_history(charge_session_id=started.charge_session_id)
    return out


def test_register_card_qr_tariff_start_charge_stop_receipt(sim, client):
    async def go():
        async with client:
            return await full_flow(client, sim.venue.qr_urls()[0], sim.speed)

    r = asyncio.run(go())
    assert r["tokens"][0].app_token == client.app_token
    assert r["card_first"].verification_status == models.VerificationStatus.PENDING
    assert r["card_later"].verification_status == models.VerificationStatus.VALID
    assert r["qr"].valid and r["qr"].location_id in sim.venue.location_ids
    assert r["location"].evse(r["qr"].evse_uid) is not None
    item = next(i for i in r["tariffs"] if i.payment_method.id == r["card_first"].id)
    assert item.validity == models.TariffValidity.VALID and item.tariff.currency == "EUR"
    assert r["started"].charge_session_id and r["started"].server_time is not None
    statuses = [s.status for s in r["until_charging"]]
    assert statuses[-1] == models.SessionStatus.CHARGING
    assert set(statuses) <= {"REQUESTED", "STARTING", "CHARGING"}
    assert r["stopped"].status in {"STOPPING", "COMPLETED", "CDR_AVAILABLE"}
    final = r["until_final"][-1]
    assert final.status == models.SessionStatus.CDR_AVAILABLE and final.is_final
    assert final.total_costs is not None and final.total_costs > 0
    assert final.receipt_number is None  # a charge card: no direct payment, no receipt number
    # session times carry the location's offset (Amsterdam), nextStatusCall +00:00
    assert final.start_time.utcoffset() == ZoneInfo("Europe/Amsterdam").utcoffset(final.start_time.replace(tzinfo=None))
    assert final.next_status_call.utcoffset() == timedelta(0)
    assert final.end_time is not None and final.end_time >= final.start_time
    costs_seen = [s.total_costs for s in r["until_final"] if s.status != models.SessionStatus.CDR_AVAILABLE]
    assert not any(costs_seen)  # costs only at CDR_AVAILABLE
    assert [h.charge_session_id for h in r["history"]] == [r["started"].charge_session_id]
    assert r["history"][0].status == models.SessionStatus.CDR_AVAILABLE


@pytest.fixture
def debug_logging():
    """The app's logging at DEBUG, plus a plain handler on the root logger that captures
    every formatted line; the root logger is restored afterwards."""
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, list(root.handlers)
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    capture = Capture(level=logging.DEBUG)
    capture.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root.addHandler(capture)
    setup_logging("DEBUG", console=False)  # installs the redacting filter on root's handlers
    try:
        yield lines
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


def test_full_flow_at_debug_logs_no_key_token_or_card_number(sim_factory, api_client_factory, debug_logging):
    key = "sk-live-7c1f9a3e5b2d4c6e"
    token = "grand-hotel-amstelkade-kiosk-7"
    srv = sim_factory(api_key=key)
    client = api_client_factory(base_url=srv.base_url, headers=srv.auth_headers(), app_token=token)

    async def go():
        async with client:
            flow = await full_flow(client, srv.venue.qr_urls()[1], srv.speed)
            with pytest.raises(errors.ValidationFailed):
                await client.add_charge_card("XX-BAD-CARD")
            await client.remove_payment_method(flow["card_first"].id)
            return flow

    flow = asyncio.run(go())
    log_text = "\n".join(debug_logging)
    api_lines = [line for line in debug_logging if line.startswith("kiosk.api")]
    assert len(api_lines) >= 12, "the flow should have logged each request"
    assert any("/payment/***/chargecard -> 200" in line for line in api_lines)
    assert flow["started"].charge_session_id  # the flow really ran
    for secret in (key, token, CARD, CARD.replace("-", ""), "C12345678"):
        assert secret not in log_text, f"{secret!r} leaked into the logs"


def test_lost_start_answer_may_have_taken_effect_and_history_shows_it(sim, client):
    evse = sim.venue.evses[0]

    async def go():
        async with client:
            await client.register_token()
            card = await client.add_charge_card(CARD)
            await wait_card_valid(client, card.id)
            sim.faults.set("POST /session/start", drop_after_action=True, times=1)
            with pytest.raises(errors.TransportError) as info:
                await client.start_session(evse.location_id, evse.evse_uid, evse.connectors[0].id, card.id)
            history = await client.session_history(statuses=["REQUESTED", "STARTING", "CHARGING"])
            return info.value, history

    err, history = asyncio.run(go())
    assert err.may_have_taken_effect is True
    assert [h.evse_uid for h in history] == [evse.evse_uid]  # the start did happen: look before retrying
    assert history[0].status in {"REQUESTED", "STARTING", "CHARGING"}


def test_reads_survive_server_errors_and_rate_limits_over_http(sim, api_client_factory):
    sleeps: list[float] = []

    async def record(seconds: float) -> None:
        sleeps.append(seconds)
        await asyncio.sleep(0)

    client = api_client_factory(retry=fast_retry(sleep=record, max_attempts=3))
    sim.faults.set("GET /locations/{id}", error_rate=1.0, error_status=503, times=2)
    sim.faults.set("POST /locations/availability", rate_limit=True, retry_after=2, times=1)

    async def go():
        async with client:
            loc = await client.location(sim.venue.location_ids[0])
            avail = await client.availability(sim.venue.location_ids)
            return loc, avail

    loc, avail = asyncio.run(go())
    assert loc.id == sim.venue.location_ids[0]
    assert {a.id for a in avail} == set(sim.venue.location_ids)
    assert len(sleeps) == 3 and sleeps[2] == 2.0  # two backoffs, then the server's Retry-After


def test_start_is_not_retried_on_a_server_error_over_http(sim, client):
    evse = sim.venue.evses[0]
    sim.faults.set("POST /session/start", error_rate=1.0, error_status=503, times=1)

    async def go():
        async with client:
            await client.register_token()
            card = await client.add_charge_card(CARD)
            with pytest.raises(errors.ServerError) as info:
                await client.start_session(evse.location_id, evse.evse_uid, None, card.id)
            history = await client.session_history()
            return info.value, history

    err, history = asyncio.run(go())
    assert err.status == 503
    assert history == []  # one attempt, which the server refused without acting


def test_malformed_json_and_errors_from_the_simulator(sim, client):
    sim.faults.set("GET /payment/{appToken}/wallet", malformed_json=True, times=1)

    async def go():
        async with client:
            await client.register_token()
            with pytest.raises(errors.MalformedResponse):
                await client.wallet()
            assert await client.wallet() == []
            with pytest.raises(errors.NotFound, match="Location not found"):
                await client.location("nl-gfx-does-not-exist")
            with pytest.raises(errors.ValidationFailed) as bad_card:
                await client.add_charge_card("not a card")
            return bad_card.value

    bad_card = asyncio.run(go())
    assert bad_card.status == 400
    assert any("not a valid charge card number" in m for m in bad_card.validation_messages)


@pytest.mark.parametrize("style", ["authorization", "ocp-apim"])
def test_both_auth_header_styles_and_a_wrong_key(sim, api_client_factory, style):
    good = api_client_factory(headers=sim.auth_headers(style))
    bad = api_client_factory(headers={"Authorization": "ApiKey wrong-key"})

    async def go():
        async with good, bad:
            tokens = await good.register_token()
            with pytest.raises(errors.Unauthorized):
                await bad.register_token()
            return tokens

    assert asyncio.run(go())[0].app_token == good.app_token


def test_paging_and_venue_lookups_over_http(sim, client):
    async def go():
        async with client:
            first = await client.locations_in_box(50.0, 3.0, 54.0, 8.0, page_size=2)
            every = await client.locations_in_box(50.0, 3.0, 54.0, 8.0, page_size=2, all_pages=True)
            nearby = await client.locations_nearby(sim.venue.evses[0].latitude, sim.venue.evses[0].longitude)
            by_evse = await client.location_by_evse(sim.venue.evses[0].evse_uid)
            return first, every, nearby, by_evse

    first, every, nearby, by_evse = asyncio.run(go())
    assert len(first) == 2
    ids = [s.id for s in every]
    assert len(ids) > 2 and len(set(ids)) == len(ids)
    assert set(sim.venue.location_ids) <= set(ids)
    assert sim.venue.evses[0].location_id in {s.id for s in nearby}
    assert by_evse.id == sim.venue.evses[0].location_id


def test_venue_card_is_found_in_the_wallet_by_its_hint(sim, client):
    async def go():
        async with client:
            await client.register_token()
            sim.scenario.external_payments = True
            await client.add_external_payment("ROOM-204")  # a second method the card must not be mistaken for
            card = await client.add_charge_card(CARD)
            return card, await client.wallet()

    card, wallet = asyncio.run(go())
    assert len(wallet) == 2
    assert find_payment_method(wallet, card_visual=CARD).id == card.id
    assert find_payment_method(wallet, external_ref="ROOM-204").type == models.PaymentMethodType.EXTERNAL
    assert find_payment_method(wallet, card_visual="NL-GFX-C87654321-Y") is None


def test_status_polling_follows_server_time(sim, client):
    """nextStatusCall is in server time; waits computed from the Date header stay sane
    even though the simulator's clock runs 50x faster than ours."""
    evse = sim.venue.evses[2]

    async def go():
        async with client:
            await client.register_token()
            card = await client.add_charge_card(CARD)
            await wait_card_valid(client, card.id)
            started = await client.start_session(evse.location_id, evse.evse_uid, evse.connectors[0].id, card.id)
            t0 = time.monotonic()
            seen = await poll_until(client, started.charge_session_id, {"CHARGING"}, speed=sim.speed)
            return started, seen, time.monotonic() - t0

    started, seen, elapsed = asyncio.run(go())
    hint = (started.next_status_call - started.server_time).total_seconds()
    assert 1.0 <= hint <= 10.0  # 3-5 s while starting, in server seconds
    assert seen[-1].status == "CHARGING" and elapsed < 15
