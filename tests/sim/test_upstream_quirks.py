"""The simulator answers like the operator's document, quirks included, by default; with
``strict=True`` it keeps the tidy answers of the condensed contract (raw httpx, real HTTP)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.sim.helpers import CARD, Flow

AMS = ZoneInfo("Europe/Amsterdam")
OFFSET_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")  # 2021-07-04T08:27:15.000+02:00
PLUS00_7 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$")  # 2019-07-04T08:27:15.5560402+00:00
LOCAL_7 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}$")  # 2025-05-31T13:22:00.1960000
PLUS00_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")  # 2030-07-04T00:00:00.000+00:00
UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def flows(sim_factory):
    made = []

    def make(**kwargs) -> Flow:
        srv = sim_factory(**kwargs)
        srv.scenario.traffic = False
        f = Flow(srv)  # every answer is validated against the document on the way in
        made.append(f)
        return f

    yield make
    for f in made:
        f.close()


def run_session(flow: Flow, pm_id: str, evse=None) -> tuple[list[dict], dict]:
    """Start, charge 20 minutes, stop and follow to CDR_AVAILABLE; every status seen."""
    evse = evse or flow.sim.venue.venue_evses()[0]
    sid = flow.start(evse, pm_id)["chargeSessionId"]
    seen = [flow.status(sid)]
    seen.append(flow.wait_for(sid, {"CHARGING"}))
    flow.sim.clock.advance(1200)
    seen.append(flow.status(sid))
    seen.append(flow.stop(sid))
    flow.sim.clock.advance(4)
    seen.append(flow.status(sid))  # COMPLETED
    flow.sim.clock.advance(10)
    seen.append(flow.status(sid))  # CDR_AVAILABLE
    return seen, flow.history(**{"filter.chargeSessionId": sid})[0]


def test_session_answers_carry_the_documents_shapes(flows):
    flow = flows()
    card = flow.add_card()
    seen, hist = run_session(flow, card["id"])
    by = {s["status"]: s for s in seen}
    assert {"CHARGING", "STOPPING", "COMPLETED", "CDR_AVAILABLE"} <= set(by)
    charging, completed, done = by["CHARGING"], by["COMPLETED"], by["CDR_AVAILABLE"]
    # session times in the location's time zone, with its offset
    assert OFFSET_MS.match(charging["startTime"]) and OFFSET_MS.match(done["endTime"])
    start = datetime.fromisoformat(charging["startTime"])
    assert start.utcoffset() == start.astimezone(AMS).utcoffset()
    # nextStatusCall and data points: UTC written +00:00, seven fractional digits
    assert all(PLUS00_7.match(s["nextStatusCall"]) for s in seen)
    assert all(PLUS00_7.match(p["timestamp"]) for s in seen for p in s["usageSummary"]["dataPoints"])
    # the example values that break the schema: no error is "", not ended is ""
    assert (charging["error"], charging["errorMessage"], charging["endTime"]) == ("", "", "")
    assert charging["prioritySessionStatus"] == "false"
    # costs only at CDR_AVAILABLE; never a receipt number for a charge card
    for s in seen:
        if s["status"] != "CDR_AVAILABLE":
            assert s.get("totalCosts") is None and s.get("totalVat") is None and s.get("vatPercentage") is None
    assert completed["status"] == "COMPLETED" and completed.get("costBreakdown") is None
    assert done["totalCosts"] > 0 and done["totalVat"] > 0 and done["vatPercentage"] == 21
    assert all(s.get("receiptNumber") is None for s in seen)
    assert done["costBreakdown"]["retailSegments"]
    # transactionDetails, the location (with branding and a Windows zone name)
    assert done["transactionDetails"]["paymentStatus"] == "EmspInvoice"
    assert done["transactionDetails"]["paymentMethod"]["id"] == card["id"]
    assert charging["transactionDetails"]["paymentStatus"] == "Pending"
    assert done["location"]["timeZone"] == "W. Europe Standard Time"
    assert done["location"]["branding"]["displayName"] == "Grand Hotel Amstelkade"
    assert done["location"]["powerType"] == "AC_3_PHASE"
    # history: the same times and, at CDR_AVAILABLE, the same costs
    assert OFFSET_MS.match(hist["startTime"]) and hist["retailCostInclVat"] == done["totalCosts"]


def test_external_payment_gets_no_receipt_number_and_no_costs_before_cdr(flows):
    flow = flows()
    pm = flow.c.put(f"/payment/{flow.token}/external", json={"externalPaymentMethodId": "ROOM-12"}).json()
    assert PLUS00_MS.match(pm["createdDate"])  # payment method dates as the document shows them
    seen, hist = run_session(flow, pm["id"])
    assert all(s.get("receiptNumber") is None for s in seen)
    assert seen[-1]["transactionDetails"]["paymentStatus"] == "External"
    completed = next(s for s in seen if s["status"] == "COMPLETED")
    assert completed.get("totalCosts") is None


def test_locations_have_windows_zones_opening_hours_and_local_tariff_validity(flows):
    flow = flows()
    v = flow.sim.venue
    for loc_id in v.location_ids:
        loc = flow.c.get(f"/locations/{loc_id}").json()
        assert loc["timeZone"] == "W. Europe Standard Time"
        assert "twentyfourseven" in loc["openingHours"]
    court = flow.c.get(f"/locations/{v.hotel_location_ids[1]}").json()
    assert court["openingHours"]["twentyfourseven"] is False
    assert court["openingHours"]["regularHours"][0]["periods"][0] == {"periodBegin": "07:00", "periodEnd": "23:00"}
    box = flow.c.get("/locations/nearby", params={"latitude": 52.3512, "longitude": 4.9039}).json()["data"]
    assert {s["timeZone"] for s in box} == {"W. Europe Standard Time"}
    card = flow.add_card()
    hpc = next(e for e in v.venue_evses() if e.connectors[0].tariff_id == "PARKCENTRAAL-HPC")  # time of use
    item = flow.c.get(f"/tariff/{flow.token}/evse/{hpc.location_id}/{hpc.evse_uid}").json()["data"][0]
    assert item["paymentMethod"]["id"] == card["id"]
    valid_from, valid_to = item["tariff"]["validFrom"], item["tariff"]["validTo"]
    assert LOCAL_7.match(valid_from) and LOCAL_7.match(valid_to)
    # local Amsterdam time: the day tariff starts 07:00 or the night one 22:00
    assert valid_from[11:16] in ("07:00", "22:00") and valid_to[11:16] in ("07:00", "22:00")
    assert LOCAL_7.match(item["futureTariffs"][0]["validFrom"])


def test_error_bodies_come_in_every_documented_content_type_and_can_be_pinned(flows):
    flow = flows()
    got = []
    for _ in range(3):
        r = flow.c.get("/locations/nl-gfx-nope")
        got.append((r.headers["content-type"].split(";")[0], r.text))
    assert got == [("text/plain", "Location not found"), ("application/json", '"Location not found"'),
                   ("text/json", '"Location not found"')]
    r = flow.c.post("/locations/availability", json={"locationIds": []})
    assert r.status_code == 400 and r.json()["statusCode"] == 400 and "20" in r.json()["value"]  # BadRequestObjectResult
    flow.c.post("/_sim/scenario", json={"errorContentType": "text/json"}).raise_for_status()
    assert {flow.c.get("/locations/nl-gfx-nope").headers["content-type"] for _ in range(3)} == {
        "text/json; charset=utf-8"}


def test_numeric_card_numbers_of_the_guide_are_accepted(flows):
    flow = flows()
    for number in ("770674109963002836", "7706 7410 9963 0028 36"):
        r = flow.c.put(f"/payment/{flow.token}/chargecard", json={"visualNumber": number})
        assert r.status_code == 200, r.text
        assert r.json()["cardHint"] == "****2836" and r.json()["cardShortHint"] == "2836"
    assert len(flow.wallet()) == 1  # the same card twice
    for bad in ("12345", "7706741099630028361234", "77067410996300283X"):
        r = flow.c.put(f"/payment/{flow.token}/chargecard", json={"visualNumber": bad})
        assert r.status_code == 400 and bad not in r.text  # never echoed


def test_card_without_tariff_scenario(flows):
    flow = flows(card_without_tariff=True)
    card = flow.add_card()
    ext = flow.c.put(f"/payment/{flow.token}/external", json={"externalPaymentMethodId": "ROOM-1"}).json()
    ev = flow.sim.venue.venue_evses()[0]
    items = {i["paymentMethod"]["id"]: i for i in
             flow.c.get(f"/tariff/{flow.token}/evse/{ev.location_id}/{ev.evse_uid}").json()["data"]}
    assert items[card["id"]]["validity"] == "UNKNOWN" and "tariff" not in items[card["id"]]
    assert items[ext["id"]]["validity"] == "VALID" and items[ext["id"]]["tariff"]["elements"]
    # the public price is still there, and the card still charges (and is billed)
    default = flow.c.get(f"/tariff/evse/{ev.location_id}/{ev.evse_uid}")
    assert default.status_code == 200 and default.json()["isDefaultTariff"] is True
    seen, _ = run_session(flow, card["id"], ev)
    assert seen[-1]["status"] == "CDR_AVAILABLE" and seen[-1]["totalCosts"] > 0
    # switched off (and on) through the control API
    flow.c.post("/_sim/scenario", json={"cardWithoutTariff": False}).raise_for_status()
    items = flow.c.get(f"/tariff/{flow.token}/evse/{ev.location_id}/{ev.evse_uid}").json()["data"]
    assert all(i["validity"] == "VALID" for i in items)


def test_default_tariff_is_204_where_the_default_token_pays_by_card(flows):
    flow = flows()
    v = flow.sim.venue
    street = next(e for e in v.all_evses if v.locations[e.location_id].static.get("pms") == ["CHARGE_CARD"])
    assert flow.c.get(f"/tariff/evse/{street.location_id}/{street.evse_uid}").status_code == 204
    ev = v.venue_evses()[0]
    assert flow.c.get(f"/tariff/evse/{ev.location_id}/{ev.evse_uid}").status_code == 200
    flow.c.post("/_sim/scenario", json={"defaultTokenCard": True}).raise_for_status()
    r = flow.c.get(f"/tariff/evse/{ev.location_id}/{ev.evse_uid}")
    assert r.status_code == 204 and r.content == b""


def test_bulk_tariff_prices_the_whole_board_for_one_payment_method(flows):
    flow = flows()
    card = flow.add_card()
    v = flow.sim.venue
    pairs = [{"locationId": e.location_id, "evseUid": e.evse_uid} for e in v.venue_evses()]
    pairs.append({"locationId": v.location_ids[0], "evseUid": "NL-GFX-E0-1"})  # unknown: left out
    r = flow.c.post(f"/bulktariff/{flow.token}/paymentmethod/{card['id']}", json={"locationEvses": pairs})
    assert r.status_code == 200
    got = {(t["locationId"], t["evseUid"]): t for t in r.json()["evseTariffs"]}
    assert set(got) == {(e.location_id, e.evse_uid) for e in v.venue_evses()}
    assert all(t["tariff"]["currency"] == "EUR" for t in got.values())
    assert flow.c.post(f"/bulktariff/{flow.token}/paymentmethod/nope", json={"locationEvses": pairs}).status_code \
        == 404


def test_printed_codes_use_the_documents_form_and_a_second_operator_resolves(flows):
    flow = flows()
    v = flow.sim.venue
    assert all(u.startswith("https://greenflux.app/qr/gsop/greenflux/") for u in v.qr_urls())
    other = next(e for e in v.all_evses if e.qr_style == "other")
    assert other.qr_url.startswith("https://qr.laadnet.example/evse/")
    r = flow.c.post("/qr", json={"url": other.qr_url}).json()
    assert (r["valid"], r["evseUid"], r["datasource"], r["operator"]) == (True, other.evse_uid, "OCPI", "LaadNet")
    r = flow.c.post("/qr", json={"url": v.qr_urls()[0]}).json()
    assert (r["datasource"], r["operator"]) == ("gsop", "greenflux") and PLUS00_7.match(r["createdDate"])


def test_strict_keeps_the_tidy_answers(flows):
    flow = flows(strict=True)
    card = flow.add_card()
    seen, hist = run_session(flow, card["id"])
    by = {s["status"]: s for s in seen}
    assert UTC_Z.match(by["CHARGING"]["startTime"]) and UTC_Z.match(by["CHARGING"]["nextStatusCall"])
    assert "error" not in by["CHARGING"] and by["CHARGING"]["endTime"] is None
    assert by["CHARGING"]["prioritySessionStatus"] == "NOT_APPLICABLE"
    assert by["COMPLETED"]["totalCosts"] > 0  # costs from COMPLETED
    assert by["CDR_AVAILABLE"]["receiptNumber"].startswith("GFX-")
    assert "transactionDetails" not in by["CDR_AVAILABLE"] and "location" not in by["CDR_AVAILABLE"]
    loc = flow.c.get(f"/locations/{flow.sim.venue.location_ids[0]}").json()
    assert loc["timeZone"] == "Europe/Amsterdam" and "openingHours" not in loc
    assert flow.c.get("/_sim/state").json()["strict"] is True
    assert {flow.c.get("/locations/nl-gfx-nope").headers["content-type"] for _ in range(3)} == {
        "application/json; charset=utf-8"}


@pytest.mark.parametrize(("style", "accepted", "refused"), [
    ("authorization", "Authorization", "Ocp-Apim-Subscription-Key"),
    ("ocp-apim", "Ocp-Apim-Subscription-Key", "Authorization"),
])
def test_the_simulator_can_require_one_header_style(sim_factory, style, accepted, refused):
    srv = sim_factory(auth_style=style)
    url = srv.base_url + "/locations/nearby"
    params = {"latitude": 52.35, "longitude": 4.9}
    headers = {"Authorization": f"ApiKey {srv.api_key}", "Ocp-Apim-Subscription-Key": srv.api_key}
    assert httpx.get(url, params=params, headers={accepted: headers[accepted]}).status_code == 200
    r = httpx.get(url, params=params, headers={refused: headers[refused]})
    assert r.status_code == 401 and accepted.split("-")[0] in r.json()["detail"]


def test_cli_switches(tmp_path):
    out = subprocess.run([sys.executable, "-m", "kiosk", "sim", "--help"], capture_output=True, text=True, timeout=60)
    for flag in ("--strict", "--card-without-tariff", "--auth-style"):
        assert flag in out.stdout


def test_times_are_the_same_instants_in_both_modes(sim_factory):
    """The quirks change how times are written, never which instant they name."""
    start = datetime(2026, 7, 4, 6, 0, tzinfo=UTC)
    answers = []
    for strict in (False, True):
        srv = sim_factory(strict=strict, start_time=start, speed=1.0)
        srv.scenario.traffic = False
        f = Flow(srv)
        try:
            card = f.add_card(CARD)
            sid = f.start(srv.venue.venue_evses()[0], card["id"])["chargeSessionId"]
            srv.clock.advance(30)
            answers.append(f.status(sid))
        finally:
            f.close()
    quirky, strict_ = answers
    assert quirky["startTime"].endswith("+02:00")  # July in Amsterdam
    assert abs((datetime.fromisoformat(quirky["startTime"])
                - datetime.fromisoformat(strict_["startTime"].replace("Z", "+00:00"))).total_seconds()) < 2
