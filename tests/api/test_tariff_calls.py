"""The two tariff operations a venue needs besides the wallet tariff, over real HTTP
against the simulator: the charger's public price and prices for the whole board."""

from __future__ import annotations

import asyncio

import pytest

from kiosk.api import errors
from tests.api.fakeapi import TOKEN, FakeApi, reply
from tests.api.flows import CARD, wait_card_valid


def test_default_tariff_is_the_public_price_or_none_where_the_default_token_pays_by_card(sim, client):
    v = sim.venue
    ev = v.venue_evses()[0]
    street = next(e for e in v.all_evses if v.locations[e.location_id].static.get("pms") == ["CHARGE_CARD"])

    async def go():
        async with client:
            public = await client.default_tariff(ev.location_id, ev.evse_uid, "1")
            card_only = await client.default_tariff(street.location_id, street.evse_uid)
            with pytest.raises(errors.NotFound):
                await client.default_tariff(ev.location_id, "NL-GFX-E0-1")
            return public, card_only

    public, card_only = asyncio.run(go())
    assert public.is_default_tariff and public.tariff.currency == "EUR" and public.tariff.elements
    assert card_only is None  # 204: "requested for a charge card payment method as this is unknown"


def test_bulk_tariffs_price_every_bay_of_the_board_in_one_call(sim, client):
    bays = [(e.location_id, e.evse_uid) for e in sim.venue.venue_evses()]

    async def go():
        async with client:
            await client.register_token()
            card = await client.add_charge_card(CARD)
            await wait_card_valid(client, card.id)
            return await client.bulk_tariffs(card.id, bays + bays[:2])  # repeats are asked once

    items = asyncio.run(go())
    assert sorted((i.location_id, i.evse_uid) for i in items) == sorted(bays)
    assert all(i.tariff is not None and i.tariff.currency == "EUR" for i in items)
    assert sim.stats[("POST /bulktariff/{appToken}/paymentmethod/{paymentMethodId}", 200)] == 1


def test_bulk_tariffs_are_asked_in_batches_of_fifty():
    api = FakeApi().on("POST", f"/bulktariff/{TOKEN}/paymentmethod/pm-1", reply(200, {"evseTariffs": []}))

    async def go():
        async with api.client() as c:
            return await c.bulk_tariffs("pm-1", [("nl-gfx-1", f"E{i}") for i in range(120)])

    asyncio.run(go())
    import json

    sizes = [len(json.loads(r.content)["locationEvses"]) for r in api.requests]
    assert sizes == [50, 50, 20]
