"""Session lifecycle over real HTTP against the simulator (raw httpx)."""

from __future__ import annotations

import math
import time
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.sim.helpers import Flow, parse_ts


@pytest.fixture
def flow(sim):
    sim.scenario.traffic = False
    f = Flow(sim)
    yield f
    f.close()


def cents(x) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_full_flow_register_card_qr_tariff_start_charge_stop_receipt(sim, flow):
    card = flow.add_card(verified=False)
    assert card["verificationStatus"] == "PENDING" and card["isValid"] is False
    assert card["cardHint"] == "****678X" and card["cardShortHint"] == "678X"  # only the last four
    ev = sim.venue.venue_evses()[0]
    qr = flow.c.post("/qr", json={"url": ev.qr_url}).json()
    assert qr["valid"] and qr["locationId"] == ev.location_id and qr["evseUid"] == ev.evse_uid
    loc = flow.c.get(f"/locations/{qr['locationId']}").json()
    assert loc["branding"]["displayName"] == "Grand Hotel Amstelkade"
    evse = next(e for e in loc["evses"] if e["uid"] == ev.evse_uid)
    assert evse["status"] == "AVAILABLE" and evse["connectors"][0]["tariffId"] == "AMSTELKADE-AC"
    time.sleep(6 / sim.speed + 0.05)  # the card verification takes ~5 virtual seconds
    assert flow.wallet()[0]["verificationStatus"] == "VALID"
    tariffs = flow.c.get(f"/tariff/{flow.token}/evse/{ev.location_id}/{ev.evse_uid}").json()["data"]
    assert len(tariffs) == 1 and tariffs[0]["validity"] == "VALID"
    assert tariffs[0]["paymentMethod"]["id"] == card["id"]
    started = flow.start(ev, card["id"])
    sid = started["chargeSessionId"]
    first = flow.status(sid)
    assert first["status"] in ("REQUESTED", "STARTING")
    charging = flow.wait_for(sid, {"CHARGING"})
    assert charging["startTime"] and charging["currentPowerInKw"] > 0
    loc = flow.c.get(f"/locations/{ev.location_id}").json()
    assert next(e for e in loc["evses"] if e["uid"] == ev.evse_uid)["status"] == "CHARGING"
    sim.clock.advance(1800)  # half an hour of charging
    mid = flow.status(sid)
    assert mid["energyInKwh"] == pytest.approx(11 * 0.5, rel=0.05)  # 11 kW car on an 11 kW socket, or less
    stopping = flow.stop(sid)
    assert stopping["status"] == "STOPPING" and stopping["endTime"]
    done = flow.wait_for(sid, {"CDR_AVAILABLE"})
    energy = Decimal(str(done["energyInKwh"]))
    # AMSTELKADE-AC: EUR 0.50 per session + EUR 0.32 per kWh, plus 21 % VAT (hand computation)
    expected = cents((Decimal("0.50") + energy * Decimal("0.32")) * Decimal("1.21"))
    assert abs(Decimal(str(done["totalCosts"])) - expected) <= Decimal("0.01")
    assert done["currency"] == "EUR" and done["vatPercentage"] == 21.0
    excl = cents(Decimal("0.50") + energy * Decimal("0.32"))
    assert abs(Decimal(str(done["totalVat"])) - (expected - excl)) <= Decimal("0.01")
    # receiptNumber only "after ... direct payment is successful": never for a charge card
    assert done["receiptNumber"] is None
    items = done["costBreakdown"]["retailSegments"][0]["items"]
    assert {i["dimension"] for i in items} == {"FLAT", "ENERGY"}
    energy_line = next(i for i in items if i["dimension"] == "ENERGY")
    assert energy_line["quantity"] == pytest.approx(float(energy), abs=0.002)
    hist = flow.history()
    assert hist[0]["chargeSessionId"] == sid and hist[0]["retailCostInclVat"] == done["totalCosts"]
    assert hist[0]["status"] == "CDR_AVAILABLE" and hist[0]["energyInKwh"] == done["energyInKwh"]
    assert next(e for e in flow.c.get(f"/locations/{ev.location_id}").json()["evses"]
                if e["uid"] == ev.evse_uid)["status"] == "AVAILABLE"


def test_states_pass_in_order_with_polling_hints(sim, flow):
    card = flow.add_card()
    ev = sim.venue.venue_evses()[1]
    started = flow.start(ev, card["id"])
    sid = started["chargeSessionId"]
    seen = []
    st, date = flow.status_with_date(sid)
    wait = (parse_ts(st["nextStatusCall"]) - date).total_seconds()
    assert 3 <= wait <= 5.5, "poll every 3-5 s while starting"
    st = flow.wait_for(sid, {"CHARGING"})
    st, date = flow.status_with_date(sid)
    wait = (parse_ts(st["nextStatusCall"]) - date).total_seconds()
    assert 29 <= wait <= 61, "longer polls while charging"
    flow.stop(sid)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        s = flow.status(sid)["status"]
        if not seen or seen[-1] != s:
            seen.append(s)
        if s == "CDR_AVAILABLE":
            break
        time.sleep(0.01)
    assert seen[-1] == "CDR_AVAILABLE"
    order = ["STOPPING", "COMPLETED", "CDR_AVAILABLE"]
    assert [s for s in seen if s in order] == [s for s in order if s in seen]
    points = flow.status(sid, maxDataPoints=100)["usageSummary"]["dataPoints"]
    statuses = [p["status"] for p in points]
    for a, b in (("REQUESTED", "STARTING"), ("STARTING", "CHARGING"), ("CHARGING", "STOPPING"),
                 ("STOPPING", "COMPLETED"), ("COMPLETED", "CDR_AVAILABLE")):
        assert statuses.index(a) < statuses.index(b)


def test_timeout_when_no_car_is_plugged_in(sim, flow):
    card = flow.add_card()
    ev = sim.venue.venue_evses()[2]
    sim.scenario.no_car(ev.evse_uid)
    sid = flow.start(ev, card["id"])["chargeSessionId"]
    st = flow.wait_for(sid, {"STARTING"})
    assert st["status"] == "STARTING"
    st = flow.wait_for(sid, {"TIMEOUT", "CHARGING"}, timeout=5)
    assert st["status"] == "TIMEOUT" and st["error"] == "SOFT_TIME_OUT" and "plugged" in st["errorMessage"]
    assert st["energyInKwh"] == 0 and st.get("totalCosts") is None
    span = (parse_ts(st["endTime"]) - parse_ts(flow.history()[0]["startTime"])).total_seconds()
    assert 29 <= span <= 31
    # the scenario is used up: the next start on that EVSE charges
    sid2 = flow.start(ev, card["id"])["chargeSessionId"]
    assert flow.wait_for(sid2, {"CHARGING", "TIMEOUT"})["status"] == "CHARGING"


def test_blocked_evse_rejects_and_reads_blocked(sim, flow):
    card = flow.add_card()
    ev = sim.venue.venue_evses()[3]
    sim.scenario.block(ev.evse_uid)
    avail = flow.c.post("/locations/availability", json={"locationIds": [ev.location_id]}).json()["data"][0]
    assert next(e for e in avail["evses"] if e["uid"] == ev.evse_uid)["status"] == "BLOCKED"
    sid = flow.start(ev, card["id"])["chargeSessionId"]
    st = flow.wait_for(sid, {"REJECTED", "CHARGING"})
    assert st["status"] == "REJECTED" and st["error"] == "EVSE_NOT_AVAILABLE" and st["errorMessage"]
    sim.scenario.unblock(ev.evse_uid)
    sid = flow.start(ev, card["id"])["chargeSessionId"]
    assert flow.wait_for(sid, {"REJECTED", "CHARGING"})["status"] == "CHARGING"


def test_out_of_order_and_busy_evses_reject(sim, flow):
    card = flow.add_card()
    broken = next(e for e in sim.venue.venue_evses() if e.base_status == "OUTOFORDER")
    sid = flow.start(broken, card["id"])["chargeSessionId"]
    assert flow.wait_for(sid, {"REJECTED", "CHARGING"})["error"] == "EVSE_NOT_AVAILABLE"
    ev = sim.venue.venue_evses()[4]
    first = flow.start(ev, card["id"])["chargeSessionId"]
    second = flow.start(ev, card["id"])["chargeSessionId"]
    assert flow.wait_for(second, {"REJECTED", "CHARGING"})["status"] == "REJECTED"
    assert flow.wait_for(first, {"CHARGING"})["status"] == "CHARGING"


@pytest.mark.parametrize("case", ["unknown", "invalid-card", "pending-card"])
def test_invalid_payment_methods_reject(sim, flow, case):
    ev = sim.venue.venue_evses()[5]
    if case == "unknown":
        pm_id = "00000000-0000-4000-8000-000000000000"
    elif case == "invalid-card":
        pm = flow.add_card("NL-GFX-C99900001-0")
        wallet = flow.wallet()
        assert wallet[0]["verificationStatus"] == "INVALID" and wallet[0]["isValid"] is False
        items = flow.c.get(f"/tariff/{flow.token}/evse/{ev.location_id}/{ev.evse_uid}").json()["data"]
        assert items[0]["validity"] == "NOT_COMPATIBLE"
        pm_id = pm["id"]
    else:
        pm_id = flow.add_card(verified=False)["id"]
    sid = flow.start(ev, pm_id)["chargeSessionId"]
    st = flow.wait_for(sid, {"REJECTED", "CHARGING"})
    assert st["status"] == "REJECTED" and st["error"] == "INVALID_TOKEN" and st["errorMessage"]


def test_card_numbers_are_validated(sim, flow):
    for bad in ("1234", "NL-GFX-12345678", "hello world", "NL-GFX-C1234-X"):
        r = flow.c.put(f"/payment/{flow.token}/chargecard", json={"visualNumber": bad})
        assert r.status_code == 400
        body = r.json()
        assert body["validationMessages"][0]["code"] == "INVALID_VISUAL_NUMBER"
        assert bad not in r.text  # the number is not echoed
    # same card twice: one wallet entry
    a = flow.add_card("nl-gfx-c12345678-x", verified=False)
    b = flow.add_card("NLGFXC12345678X", verified=False)
    assert a["id"] == b["id"] and len(flow.wallet()) == 1


def test_external_payments_room_numbers(sim, flow):
    r = flow.c.put(f"/payment/{flow.token}/external", json={"externalPaymentMethodId": "ROOM-214",
                                                              "displayName": "Room 214"})
    assert r.status_code == 200
    pm = r.json()
    assert pm["type"] == "EXTERNAL" and pm["verificationStatus"] == "VALID" and pm["displayName"] == "Room 214"
    ev = sim.venue.venue_evses()[0]
    sid = flow.start(ev, pm["id"])["chargeSessionId"]
    assert flow.wait_for(sid, {"CHARGING", "REJECTED"})["paymentMethod"]["type"] == "EXTERNAL"
    # not usable on a public street charger that takes cards only
    street = next(e for e in sim.venue.all_evses if e.location_id not in sim.venue.location_ids
                  and not sim.venue.locations[e.location_id].static.get("isPrivateLocation"))
    sid = flow.start(street, pm["id"])["chargeSessionId"]
    assert flow.wait_for(sid, {"CHARGING", "REJECTED"})["status"] == "REJECTED"
    sim.scenario.external_payments = False
    r = flow.c.put(f"/payment/{flow.token}/external", json={"externalPaymentMethodId": "ROOM-215"})
    assert r.status_code == 400 and "not enabled" in r.text  # a string, in whichever content type


def test_full_battery_goes_parking_and_bills_parking_time(sim, flow):
    card = flow.add_card()
    ev = sim.venue.venue_evses()[0]  # AMSTELKADE-AC: parking EUR 1.20/h, step 300 s
    sim.scenario.car(ev.evse_uid, battery_kwh=40, soc=0.95, ac_max_kw=11)
    sid = flow.start(ev, card["id"])["chargeSessionId"]
    st = flow.wait_for(sid, {"CHARGING"})
    assert st["currentPowerInKw"] < 11  # tapering above 90 %
    sim.clock.advance(3 * 3600)
    st = flow.status(sid)
    assert st["status"] == "PARKING" and st["currentPowerInKw"] == 0
    assert st["energyInKwh"] == pytest.approx(40 * 0.05 / 0.9, rel=0.01)
    flow.stop(sid)
    sim.clock.advance(20)
    done = flow.status(sid)
    items = {i["dimension"]: i for i in done["costBreakdown"]["retailSegments"][0]["items"]}
    assert set(items) == {"FLAT", "ENERGY", "PARKING_TIME"}
    points = flow.status(sid, maxDataPoints=1000)["usageSummary"]["dataPoints"]
    parking_from = parse_ts(next(p["timestamp"] for p in points if p["status"] == "PARKING"))
    parked_s = (parse_ts(done["endTime"]) - parking_from).total_seconds()
    expected_min = math.ceil(parked_s / 300) * 5  # rounded up to whole 5-minute steps
    assert items["PARKING_TIME"]["quantity"] == pytest.approx(expected_min, abs=0.01)
    assert items["PARKING_TIME"]["roundedCost"] == float(cents(Decimal(expected_min) / 60 * Decimal("1.20")
                                                               * Decimal("1.21")))


def test_power_tapers_with_state_of_charge_on_dc(sim, flow):
    card = flow.add_card()
    ev = next(e for e in sim.venue.venue_evses() if e.power_type == "DC" and e.max_kw == 150
              and e.base_status == "AVAILABLE")
    sim.scenario.car(ev.evse_uid, battery_kwh=77, soc=0.2, dc_max_kw=175)
    sid = flow.start(ev, card["id"])["chargeSessionId"]
    st = flow.wait_for(sid, {"CHARGING"})
    powers, socs = [st["currentPowerInKw"]], [st["stateOfCharge"]]
    assert powers[0] == pytest.approx(150, rel=0.01)
    for _ in range(8):
        sim.clock.advance(300)
        st = flow.status(sid)
        powers.append(st["currentPowerInKw"])
        socs.append(st["stateOfCharge"])
    assert socs == sorted(socs) and socs[-1] > 80
    assert powers == sorted(powers, reverse=True) and powers[-1] < 0.5 * powers[0]
    ac = sim.venue.venue_evses()[1]
    sid_ac = flow.start(ac, card["id"])["chargeSessionId"]
    assert flow.wait_for(sid_ac, {"CHARGING"})["stateOfCharge"] is None  # AC cars do not tell


def test_data_points_respect_max_and_grow(sim, flow):
    card = flow.add_card()
    ev = sim.venue.venue_evses()[1]
    sid = flow.start(ev, card["id"])["chargeSessionId"]
    flow.wait_for(sid, {"CHARGING"})
    sim.clock.advance(3600)
    st = flow.status(sid, maxDataPoints=10)
    pts = st["usageSummary"]["dataPoints"]
    assert 2 <= len(pts) <= 10
    times = [parse_ts(p["timestamp"]) for p in pts]
    assert times == sorted(times)
    energies = [p["energyInKwh"] for p in pts]
    assert energies == sorted(energies)
    assert len(flow.status(sid)["usageSummary"]["dataPoints"]) == 15  # the default
    assert len(flow.status(sid, maxDataPoints=500)["usageSummary"]["dataPoints"]) > 60
    assert st["usageSummary"]["maxEnergyInKwh"] <= st["energyInKwh"] + 1e-9


def test_history_filters_and_order(sim, flow):
    card = flow.add_card()
    evs = sim.venue.venue_evses()
    ids = [flow.start(evs[i], card["id"])["chargeSessionId"] for i in (0, 1, 2)]
    for sid in ids:
        flow.wait_for(sid, {"CHARGING"})
    flow.stop(ids[0])
    sim.clock.advance(30)
    hist = flow.history()
    assert [h["chargeSessionId"] for h in hist] == ids[::-1]  # newest first
    assert [h["chargeSessionId"] for h in flow.history(sortDesc="false")] == ids
    charging = flow.history(**{"filter.sessionStatus": "CHARGING"})
    assert {h["chargeSessionId"] for h in charging} == set(ids[1:])
    one = flow.history(**{"filter.chargeSessionId": ids[0]})
    assert len(one) == 1 and one[0]["status"] == "CDR_AVAILABLE"
    assert one[0]["retailCostInclVat"] == flow.status(ids[0])["totalCosts"]
    sim.clock.advance(40 * 24 * 3600)  # next month: the default window is the current month
    assert flow.history() == []
    assert len(flow.history(**{"filter.dateTimeFrom": "2000-01-01T00:00:00Z"})) == 3


def test_sessions_of_another_token_are_forbidden(sim, flow):
    card = flow.add_card()
    sid = flow.start(sim.venue.venue_evses()[0], card["id"])["chargeSessionId"]
    other = Flow(sim, "someone-else")
    try:
        r = other.c.get("/session/status", params={"appToken": "someone-else", "chargeSessionId": sid})
        assert r.status_code == 403
        assert other.history() == []
    finally:
        other.close()


def test_one_card_serves_several_sessions_at_once(sim, flow):
    card = flow.add_card()
    evs = sim.venue.venue_evses()[:3]
    sids = [flow.start(e, card["id"])["chargeSessionId"] for e in evs]
    assert len(set(sids)) == 3
    assert {flow.wait_for(s, {"CHARGING"})["status"] for s in sids} == {"CHARGING"}


def test_stop_before_charging_cancels(sim, flow):
    card = flow.add_card()
    sid = flow.start(sim.venue.venue_evses()[0], card["id"])["chargeSessionId"]
    flow.stop(sid)
    st = flow.wait_for(sid, {"CANCELLED", "CDR_AVAILABLE"})
    assert st["status"] == "CANCELLED" and st["energyInKwh"] == 0
    r = flow.c.post("/session/stop", params={"appToken": flow.token}, json={"chargeSessionId": sid})
    assert r.status_code == 400  # nothing left to stop


def test_stop_is_idempotent_while_stopping(sim, flow):
    card = flow.add_card()
    sid = flow.start(sim.venue.venue_evses()[0], card["id"])["chargeSessionId"]
    flow.wait_for(sid, {"CHARGING"})
    a = flow.stop(sid)
    b = flow.stop(sid)
    assert a["endTime"] == b["endTime"] and b["status"] in ("STOPPING", "COMPLETED")


def test_speed_compresses_time(sim_factory):
    fast = sim_factory(speed=100)
    slow = sim_factory(speed=1)
    r0 = time.monotonic()
    t0f, t0s = fast.now(), slow.now()
    time.sleep(0.2)
    vf, vs = (fast.now() - t0f).total_seconds(), (slow.now() - t0s).total_seconds()
    real = time.monotonic() - r0
    assert 0.9 * 100 * 0.2 <= vf <= 100 * real * 1.05
    assert 0.9 * 0.2 <= vs <= real * 1.05
    f = Flow(fast)
    try:
        card = f.add_card()
        t = time.monotonic()
        sid = f.start(fast.venue.venue_evses()[0], card["id"])["chargeSessionId"]
        f.wait_for(sid, {"CHARGING"})
        assert time.monotonic() - t < 3.0  # ~5-8 virtual seconds (5-8 s at speed 1)
    finally:
        f.close()


def test_cable_pulled_ends_the_session_without_a_stop(sim, flow):
    card = flow.add_card()
    ev = sim.venue.evses[0]
    sid = flow.start(ev, card["id"])["chargeSessionId"]
    flow.wait_for(sid, {"CHARGING"})
    sim.clock.advance(600)
    r = flow.c.post("/_sim/scenario/unplug", json={"evseUid": ev.evse_uid})
    assert r.json() == {"unplugged": True}
    st = flow.status(sid)
    assert st["status"] == "STOPPING" and st["endTime"]
    done = flow.wait_for(sid, {"CDR_AVAILABLE"})
    assert done["totalCosts"] > 0 and done["receiptNumber"] is None  # a card session: no receipt number
    assert sim.scenario.unplug(ev.evse_uid) is False  # nothing left to unplug


def test_station_fault_ends_in_error(sim, flow):
    card = flow.add_card()
    ev = sim.venue.evses[1]
    sid = flow.start(ev, card["id"])["chargeSessionId"]
    flow.wait_for(sid, {"CHARGING"})
    assert sim.scenario.fault(ev.evse_uid) is True
    st = flow.status(sid)
    assert st["status"] == "ERROR" and st["error"] == "UNKNOWN" and st["errorMessage"]
    assert st["currentPowerInKw"] == 0 and st.get("receiptNumber") is None
    loc = flow.c.get(f"/locations/{ev.location_id}").json()
    assert next(e for e in loc["evses"] if e["uid"] == ev.evse_uid)["status"] == "AVAILABLE"


@pytest.mark.parametrize("point_interval_s", [60.0, 65.0])  # 65: points fall inside integration slices
def test_each_data_point_carries_the_energy_at_its_own_timestamp(sim, flow, monkeypatch, point_interval_s):
    """A chart of energy over time must not run ahead of the clock: at a constant 11 kW a
    point's energy is 11 kW x (its timestamp - startTime), whatever the integration step."""
    from kiosk.sim import state as sim_state

    monkeypatch.setattr(sim_state, "DATAPOINT_S", point_interval_s)
    card = flow.add_card()
    ev = next(e for e in sim.venue.venue_evses() if e.power_type == "AC" and e.max_kw >= 11
              and e.base_status == "AVAILABLE" and len(e.connectors) == 1)
    sim.scenario.car(ev.evse_uid, battery_kwh=100, soc=0.1, ac_max_kw=11)  # far below the taper
    sid = flow.start(ev, card["id"])["chargeSessionId"]
    st = flow.wait_for(sid, {"CHARGING"})
    for advance in (7.3, 64.1, 3.9, 131.7, 45.5, 300.2):  # uneven polls cut slices anywhere
        sim.clock.advance(advance)
        flow.status(sid)
    st = flow.status(sid, maxDataPoints=1000)
    start = parse_ts(st["startTime"])
    charging = [p for p in st["usageSummary"]["dataPoints"] if p["status"] == "CHARGING"
                and parse_ts(p["timestamp"]) > start]
    assert len(charging) >= 8
    for p in charging:
        expected = 11.0 * (parse_ts(p["timestamp"]) - start).total_seconds() / 3600
        assert p["energyInKwh"] == pytest.approx(expected, abs=0.0011), p  # 10 s at 11 kW = 0.031 kWh
