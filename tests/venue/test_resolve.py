"""VenueService.resolve: codes go to the service that knows them (POST /qr decides with
``valid``), over real HTTP against the simulator; what cannot be a charger code, and the
kiosk's own codes, never leave the kiosk."""

from __future__ import annotations

import asyncio

import pytest

from kiosk.core import owncodes
from kiosk.services.venue import ResolveError, VenueService
from tests.core.test_payload import HOSTILE

QR = "POST /qr"
DOC_URL = "https://greenflux.app/qr/gsop/greenflux/0bd5b755-5791-460b-bc77-3d3de374b13c"  # the document's example
GUIDE_URL = "https://a.greenflux.app/qr/gsop/greenflux/3f2a1b2c-4d5e-4f60-8a7b-9c0d1e2f3a4b"  # the guide's form


def qr_requests(sim) -> int:
    return sum(n for (ep, _st), n in sim.stats.items() if ep == QR)


def resolve(client, sim, text, **kw):
    async def go():
        async with client:
            venue = VenueService(client, location_ids=list(sim.venue.location_ids), **kw)
            try:
                return await venue.resolve(text)
            except ResolveError as exc:
                return exc

    return asyncio.run(go())


@pytest.mark.parametrize("url", [DOC_URL, GUIDE_URL, GUIDE_URL.replace("a.greenflux.app", "qr.greenflux.com"),
                                 "https://charge.eu.greenflux.com/qr/gsop/pitpoint/0bd5b755-5791-460b-bc77-3d3de374b13c"])
def test_the_documents_and_the_guides_examples_are_sent_to_the_service(sim, client, url):
    got = resolve(client, sim, url)
    assert qr_requests(sim) == 1  # asked, whatever the answer
    assert isinstance(got, ResolveError) and got.reason == "unknown"  # the service does not know these uuids


def test_a_printed_code_resolves_to_its_charger(sim, client):
    ev = sim.venue.venue_evses()[2]
    assert resolve(client, sim, ev.qr_url) == (ev.location_id, ev.evse_uid, "1")


def test_a_second_operators_code_goes_to_the_service_when_the_venue_adds_its_host(sim, api_client_factory):
    other = next(e for e in sim.venue.all_evses if e.qr_style == "other")
    refused = resolve(api_client_factory(), sim, other.qr_url)
    assert isinstance(refused, ResolveError) and refused.reason == "invalid" and qr_requests(sim) == 0
    got = resolve(api_client_factory(), sim, other.qr_url, qr_hosts=["qr.laadnet.example"])
    assert got == (other.location_id, other.evse_uid, "1") and qr_requests(sim) == 1
    got = resolve(api_client_factory(), sim, other.qr_url, qr_other_hosts=True)
    assert got == (other.location_id, other.evse_uid, "1") and qr_requests(sim) == 2


def test_the_services_valid_false_decides(sim, client):
    got = resolve(client, sim, "https://greenflux.app/some/other/page", qr_other_hosts=True)
    assert isinstance(got, ResolveError) and got.reason == "unknown" and qr_requests(sim) == 1


@pytest.mark.parametrize(("text", "reason"), [h for h in HOSTILE if isinstance(h[0], str) and h[0].strip()])
def test_the_hostile_set_is_refused_without_asking_the_service(sim, api_client_factory, text, reason):
    got = resolve(api_client_factory(), sim, text, qr_other_hosts=True)
    assert isinstance(got, ResolveError) and got.reason == "invalid" and got.payload.reason == reason
    assert sim.requests == 0 and qr_requests(sim) == 0


@pytest.mark.parametrize(("text", "reason", "value"), [
    (owncodes.guest_code_qr("123456", "NL-GFX-E61899-1"), "guest_code", "NL-GFX-E61899-1:123456"),
    ("123456", "guest_code", "123456"),
    (owncodes.receipt_qr([("Total", "€ 1,00")], ref="R-1"), "receipt", "R-1"),
])
def test_the_kiosks_own_codes_are_their_own_kind_and_never_sent(sim, api_client_factory, text, reason, value):
    got = resolve(api_client_factory(), sim, text)
    assert isinstance(got, ResolveError) and got.reason == reason and got.payload.value == value
    assert sim.requests == 0


def test_an_evse_id_is_looked_up(sim, client):
    ev = sim.venue.all_evses[-3]  # a street charger: not in the venue's locations, so asked
    assert resolve(client, sim, ev.evse_id) == (ev.location_id, ev.evse_uid, None)
    assert sim.stats[("GET /locations/evse/{evseUid}", 200)] == 1
