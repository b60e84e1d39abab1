"""The demo venue: layout, determinism, QR codes, statuses over time, searches."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from kiosk.sim import SimServer, build_venue

LANGS = {"en", "nl", "de", "fr"}


def get(sim, path, **params):
    r = httpx.get(sim.base_url + path, params=params, headers=sim.auth_headers())
    assert r.status_code == 200, r.text
    return r.json()


def test_same_seed_same_ids_other_seed_other_ids():
    assert build_venue(3).describe() == build_venue(3).describe()
    a, b = build_venue(3), build_venue(4)
    assert set(a.location_ids).isdisjoint(b.location_ids)
    assert {e.qr_url for e in a.all_evses}.isdisjoint({e.qr_url for e in b.all_evses})
    assert len({e.evse_uid for e in a.all_evses}) == len(a.all_evses)
    assert len({e.evse_id for e in a.all_evses}) == len(a.all_evses)
    assert a.evses == a.venue_evses() and {e.location_id for e in a.evses} == set(a.location_ids)


def test_hotel_and_garage_layout(sim):
    v = sim.venue
    hotel_ac = [e for e in v.venue_evses() if e.location_id in v.hotel_location_ids and e.power_type == "AC"]
    assert len(v.hotel_location_ids) == 2 and len(hotel_ac) >= 8
    assert {e.location_id for e in hotel_ac} == set(v.hotel_location_ids)
    garage = get(sim, f"/locations/{v.garage_location_id}")
    assert garage["type"] in ("PARKING_GARAGE", "UNDERGROUND_GARAGE")
    assert any(c["powerType"] == "DC" for e in garage["evses"] for c in e["connectors"])
    for loc_id in v.location_ids:
        loc = get(sim, f"/locations/{loc_id}")
        b = loc["branding"]
        assert all(b[k] for k in ("displayName", "primaryColorHex", "logoUrl", "supportPhone", "supportEmail",
                                  "supportWebsite"))
        assert {d["language"] for d in loc["directions"]} == LANGS
        for e in loc["evses"]:
            assert e["floorLevel"] is not None and {d["language"] for d in e["directions"]} == LANGS
            for c in e["connectors"]:
                assert c["standard"] and c["format"] and c["powerType"] and c["kw"] and c["tariffId"]
                assert c["voltage"] > 0 and c["amperage"] > 0


def test_every_printed_qr_resolves_to_its_evse(sim):
    h = sim.auth_headers()
    assert len(sim.venue.qr_urls()) == len(sim.venue.venue_evses())
    for ev in sim.venue.venue_evses():
        assert ev.qr_url.startswith("https://greenflux.app/qr/gsop/greenflux/")  # the document's form
        r = httpx.post(sim.base_url + "/qr", json={"url": ev.qr_url}, headers=h).json()
        assert (r["valid"], r["locationId"], r["evseUid"]) == (True, ev.location_id, ev.evse_uid)
        assert r["connectorId"] == (ev.connectors[0].id if len(ev.connectors) == 1 else None)
    ev = sim.venue.venue_evses()[0]
    for host in ("a.greenflux.app", "qr.greenflux.com"):  # the guide's acceptance host, the older QR host
        variant = ev.qr_url.replace("greenflux.app", host, 1).upper().replace(
            f"HTTPS://{host.upper()}/QR/GSOP/GREENFLUX", f"https://{host}/qr/gsop/greenflux")
        r = httpx.post(sim.base_url + "/qr", json={"url": variant + "/"}, headers=h).json()
        assert r["valid"] and r["evseUid"] == ev.evse_uid


def test_evse_lookup_by_uid_or_evse_id(sim):
    ev = sim.venue.venue_evses()[3]
    for key in (ev.evse_uid, ev.evse_id):
        loc = get(sim, f"/locations/evse/{httpx.URL('/' + key).raw_path.decode()[1:]}")
        assert loc["id"] == ev.location_id
    one = get(sim, f"/locations/{ev.location_id}", **{"filter.evseUid": ev.evse_uid})
    assert [e["uid"] for e in one["evses"]] == [ev.evse_uid]


def test_statuses_change_over_time_deterministically(sim_factory):
    t0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    a = sim_factory(seed=5, start_time=t0, speed=1)
    b = sim_factory(seed=5, start_time=t0, speed=1)
    ids = a.venue.location_ids
    seen_a, seen_b = [], []
    for _ in range(12):
        for srv, seen in ((a, seen_a), (b, seen_b)):
            data = httpx.post(srv.base_url + "/locations/availability", json={"locationIds": ids},
                              headers=srv.auth_headers()).json()["data"]
            seen.append({e["uid"]: e["status"] for loc in data for e in loc["evses"]})
            srv.clock.advance(1200)
    assert seen_a == seen_b  # same seed, same virtual times: same statuses
    quiet = {e.evse_uid for e in a.venue.venue_evses() if not e.traffic}
    changing = {uid for uid in seen_a[0] if len({s[uid] for s in seen_a}) > 1}
    assert len(changing) >= 3 and not (changing & quiet)
    broken = [e.evse_uid for e in a.venue.venue_evses() if e.base_status == "OUTOFORDER"]
    assert broken and all(s[broken[0]] == "OUTOFORDER" for s in seen_a)


def test_traffic_can_be_switched_off(sim):
    sim.scenario.traffic = False
    for _ in range(6):
        data = httpx.post(sim.base_url + "/locations/availability", json={"locationIds": sim.venue.location_ids},
                          headers=sim.auth_headers()).json()["data"]
        assert {e["status"] for loc in data for e in loc["evses"]} <= {"AVAILABLE", "OUTOFORDER"}
        sim.clock.advance(1200)


def test_nearby_nearest_first_within_50_km(sim):
    hotel = sim.venue.locations[sim.venue.location_ids[0]].static["coordinates"]
    data = get(sim, "/locations/nearby", latitude=hotel["latitude"], longitude=hotel["longitude"])["data"]
    assert 1 <= len(data) <= 25
    assert data[0]["id"] == sim.venue.location_ids[0]
    cities = {d["city"] for d in data}
    assert "Utrecht" in cities and "Rotterdam" not in cities
    assert all("brandingId" in d for d in data)
    dc = get(sim, "/locations/nearby", latitude=hotel["latitude"], longitude=hotel["longitude"],
             **{"filter.powerType": "DC"})["data"]
    assert [d["id"] for d in dc] == [sim.venue.garage_location_id]
    assert get(sim, "/locations/nearby", latitude=0, longitude=0)["data"] == []


def test_bounding_box_pages_with_continuation_tokens(sim):
    box = {"bottomLeftLat": 51.0, "bottomLeftLng": 4.0, "topRightLat": 53.0, "topRightLng": 6.0, "pageSize": 4}
    h = sim.auth_headers()
    ids, token, pages = [], None, 0
    while True:
        headers = {**h, **({"continuationToken": token} if token else {})}
        r = httpx.get(sim.base_url + "/locations/boundingbox", params=box, headers=headers).json()
        pages += 1
        ids += [d["id"] for d in r["data"]]
        assert r["meta"]["count"] == len(r["data"]) <= 4
        if not r["meta"]["hasMoreData"]:
            break
        token = r["meta"]["continuationToken"]
    assert len(ids) == len(set(ids)) == len(sim.venue.locations) and pages == -(-len(ids) // 4)
    assert token  # several pages
    other_box = httpx.get(sim.base_url + "/locations/boundingbox", params={**box, "bottomLeftLat": 50.0},
                          headers={**h, "continuationToken": token})
    assert other_box.status_code == 400
    garbage = httpx.get(sim.base_url + "/locations/boundingbox", params=box, headers={**h, "continuationToken": "x"})
    assert garbage.status_code == 400 and garbage.json()["validationMessages"]
    assert httpx.get(sim.base_url + "/locations/boundingbox", params={**box, "pageSize": 51},
                     headers=h).status_code == 400


def test_future_time_of_use_tariff_on_one_evse(sim):
    httpx.put(sim.base_url + "/token/t", headers=sim.auth_headers())
    httpx.put(sim.base_url + "/payment/t/chargecard", json={"visualNumber": "NL-GFX-C12345678-X"},
              headers=sim.auth_headers())
    with_future = []
    for ev in sim.venue.venue_evses():
        items = get(sim, f"/tariff/t/evse/{ev.location_id}/{ev.evse_uid}")["data"]
        assert len(items) == 1
        if items[0]["futureTariffs"]:
            with_future.append(ev)
            fut = items[0]["futureTariffs"][0]
            assert fut["validFrom"] and fut["validTo"] and fut["validFrom"] == items[0]["tariff"]["validTo"]
        comps = {c["type"] for el in items[0]["tariff"]["elements"] for c in el["priceComponents"]}
        assert "ENERGY" in comps
    assert [e.display_name for e in with_future] == ["Fast charger 3", "Fast charger 4"]


@pytest.mark.parametrize("seed", [1, 2])
def test_sim_server_context_manager(seed):
    with SimServer(seed=seed) as srv:
        assert httpx.get(srv.base_url + "/servicestatus").status_code == 200
    with pytest.raises(httpx.TransportError):
        httpx.get(srv.base_url + "/servicestatus", timeout=1)


def test_ipv6_loopback(sim_factory):
    import socket

    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        srv = sim_factory(host="::1")
    except OSError:
        pytest.skip("IPv6 loopback not configured")
    assert srv.base_url.startswith("http://[::1]:")
    assert httpx.get(srv.base_url + "/servicestatus").status_code == 200
