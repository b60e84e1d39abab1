"""VenueService.charger: an honest price, over real HTTP against the simulator. The venue's
payment method's own tariff when the service has one; else the charger's public price (the
default tariff) marked as such; else no price at all, said so."""

from __future__ import annotations

import asyncio

from kiosk.services.venue import ChargerDetails, VenueService

CARD = "NL-GFX-C12345678-X"


def details(sim, client, evse=None, **kw) -> ChargerDetails:
    evse = evse or sim.venue.venue_evses()[0]
    kw.setdefault("payment_card", CARD)

    async def go():
        async with client:
            await client.register_token()
            venue = VenueService(client, location_ids=list(sim.venue.location_ids), **kw)
            await venue.load()
            return await venue.charger(evse.location_id, evse.evse_uid)

    return asyncio.run(go())


def test_the_venue_cards_own_tariff(sim, client):
    d = details(sim, client)
    assert d.price_source == "payment_method" and d.unusable is None
    assert d.tariff_json["tariff"]["currency"] == "EUR" and d.tariff_text and d.example_text
    assert sim.stats.get(("GET /tariff/evse/{locationId}/{evseUid}", 200), 0) == 0  # not needed


def test_a_card_without_tariff_shows_the_chargers_public_price_labelled_public(sim_factory, api_client_factory):
    sim = sim_factory(card_without_tariff=True)
    d = details(sim, api_client_factory(base_url=sim.base_url, headers=sim.auth_headers()))
    assert d.tariff_validity == "UNKNOWN"
    assert d.price_source == "public" and d.tariff_json["isDefaultTariff"] is True
    assert d.tariff_text and d.unusable is None  # the card still charges
    assert sim.stats[("GET /tariff/evse/{locationId}/{evseUid}", 200)] == 1


def test_no_price_known_at_all_is_said_plainly(sim_factory, api_client_factory):
    sim = sim_factory(card_without_tariff=True)
    sim.scenario.default_token_card = True  # the public price is unknown too (204)
    d = details(sim, api_client_factory(base_url=sim.base_url, headers=sim.auth_headers()))
    assert (d.tariff_json, d.price_source, d.tariff_text, d.example_text) == (None, None, "", "")
    assert d.unusable is None and d.tariff_validity == "UNKNOWN"
    assert sim.stats[("GET /tariff/evse/{locationId}/{evseUid}", 204)] == 1


def test_a_payment_method_that_cannot_be_used_here_is_not_priced_publicly(sim, client):
    sim.scenario.traffic = False     # a free bay: its refusal is the payment's, not "in use" by another driver
    street = next(e for e in sim.venue.all_evses
                  if sim.venue.locations[e.location_id].static.get("pms") == ["CHARGE_CARD"]
                  and e.base_status == "AVAILABLE")
    d = details(sim, client, evse=street, payment_card=None, payment_external_ref="HOTEL-ROOMS")
    assert d.tariff_validity == "NOT_COMPATIBLE" and d.unusable == "NO_TARIFF"
    assert d.price_source is None and d.tariff_json is None
