"""VenueService.set_payment_method: staff's run-time choice of the venue payment method
replaces the wallet look-up cached for the previous choice (over real HTTP, simulator)."""

import asyncio

from kiosk.services.venue import VenueService
from tests.plugins.attendant import att_client, wallet_with_card


def test_set_payment_method_switches_and_forgets_the_cached_lookup(sim):
    async def scenario():
        async with att_client(sim) as client:
            card_id = await wallet_with_card(client, sim)
            venue = VenueService(client, location_ids=list(sim.venue.location_ids),
                                 payment_external_ref="VENUE-DESK-1")
            first = await venue.venue_payment_method()        # created in the wallet, then cached
            await client.remove_payment_method(first)
            stale = await venue.venue_payment_method()        # the cache does not notice the removal
            venue.set_payment_method(card_id)
            chosen = await venue.venue_payment_method()
            venue.set_payment_method(None)                    # back to the configured reference
            again = await venue.venue_payment_method()
            wallet = {pm.id: pm.external_payment_method_id for pm in await client.wallet()}
            return card_id, first, stale, chosen, again, wallet

    card_id, first, stale, chosen, again, wallet = asyncio.run(scenario())
    assert stale == first                 # why the cache must be cleared on a change
    assert chosen == card_id
    assert again != first and first not in wallet
    assert wallet[again] == "VENUE-DESK-1"  # looked up (re-created) afresh, not the removed one


def test_a_lookup_in_flight_during_a_change_is_not_cached(sim):
    async def scenario():
        async with att_client(sim) as client:
            card_id = await wallet_with_card(client, sim)
            venue = VenueService(client, location_ids=list(sim.venue.location_ids))   # the wallet's default
            sim.faults.set("GET /payment/{appToken}/wallet", latency_s=0.3, times=1)
            slow = asyncio.create_task(venue.venue_payment_method())
            await asyncio.sleep(0.1)                  # that look-up is waiting for the service
            venue.set_payment_method("pm-staff")      # staff choose a method, then go back to the default
            venue.set_payment_method(None)
            old_answer = await slow
            # the wallet changes: the next start must look again, not reuse the old answer
            await client.remove_payment_method(card_id)
            other = await wallet_with_card(client, sim, visual="NL-GFX-C87654321-Y")
            return card_id, old_answer, other, await venue.venue_payment_method()

    card_id, old_answer, other, now = asyncio.run(scenario())
    assert old_answer == card_id          # the caller that asked before the change gets the old choice
    assert now == other != card_id
