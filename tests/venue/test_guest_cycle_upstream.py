"""A guest's cycle over real HTTP with the simulator's default, document-like answers, at the
level of the venue service and the client: the printed code (the document's form) is
resolved by the service, the venue card has no tariff so the charger's public price is
shown as public, the session starts, charges, stops, and its costs arrive only at
CDR_AVAILABLE, without a receipt number, with session times in the location's offset."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

from kiosk.api import models
from kiosk.services.venue import VenueService
from tests.api.flows import poll_until, wait_card_valid

CARD = "770674109963002836"  # the guide's own example: a numeric card number


def test_guest_cycle_with_the_documents_answers(sim_factory, api_client_factory):
    sim = sim_factory(card_without_tariff=True)
    sim.scenario.traffic = False
    client = api_client_factory(base_url=sim.base_url, headers=sim.auth_headers())
    bay = sim.venue.venue_evses()[0]

    async def go():
        async with client:
            await client.register_token()
            venue = VenueService(client, location_ids=list(sim.venue.location_ids), payment_card=CARD)
            await venue.board()
            loc_id, evse_uid, connector = await venue.resolve(bay.qr_url)
            pm_id = await venue.venue_payment_method()
            await wait_card_valid(client, pm_id)
            details = await venue.charger(loc_id, evse_uid, connector)
            started = await client.start_session(loc_id, evse_uid, details.connector_id, pm_id)
            charging = await poll_until(client, started.charge_session_id, {"CHARGING"}, speed=sim.speed)
            sim.clock.advance(1800)
            stopped = await client.stop_session(started.charge_session_id)
            until_end = await poll_until(client, started.charge_session_id, {"CDR_AVAILABLE"}, speed=sim.speed)
            return bay.qr_url, details, charging, stopped, until_end

    url, details, charging, stopped, until_end = asyncio.run(go())
    assert url.startswith("https://greenflux.app/qr/gsop/greenflux/")
    # the venue card: validity UNKNOWN, no tariff; the charger's public price, marked as such
    assert details.tariff_validity == "UNKNOWN" and details.price_source == "public" and details.unusable is None
    assert details.tariff_json["tariff"]["currency"] == "EUR"
    # costs only at CDR_AVAILABLE (COMPLETED has none), no receipt number for a card
    before = [s for s in charging + until_end if s.status != models.SessionStatus.CDR_AVAILABLE]
    assert all(s.total_costs is None and s.total_vat is None for s in before)
    final = until_end[-1]
    assert final.total_costs > 0 and final.vat_percentage == 21 and final.receipt_number is None
    assert final.transaction_details.payment_status == "EmspInvoice"
    # the location's offset on session times; UTC (+00:00) on nextStatusCall; the same instants
    zone = ZoneInfo("Europe/Amsterdam")
    assert final.start_time.utcoffset() == zone.utcoffset(final.start_time.astimezone(zone).replace(tzinfo=None))
    assert final.next_status_call.utcoffset() == timedelta(0)
    assert final.end_time - final.start_time >= timedelta(minutes=29)
    assert final.location.time_zone == "W. Europe Standard Time"
