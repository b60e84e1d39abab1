"""The models accept what the real service sends (payloads shaped like the examples of
the Charge Assist guide and of the operator's document, upstream/openapi.json, quirks
included), not only what the document's schemas promise."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.api import models
from tests.api.fakeapi import TOKEN, FakeApi, reply

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "charge-assist" / "upstream" / "openapi.json"
#: Schemas the client's operations can carry that have no model class: app settings of the
#: operator's own apps inside TokenModel (kept as raw ``model_extra`` data; the kiosk reads none).
UNMODELLED = {"ApiSubscriptionSettingsModel", "AppTypeModel", "AppVersionSettingsModel", "AutoChargeSettingModel",
              "LocationAlertModel", "PersonalChargerSettingsModel", "QrSettingModel",
              "RetryFailedPaymentsSettingModel", "SubscriptionCultureSettingValuesModel",
              "SubscriptionCultureSettingsModel", "TariffMinSettingModel", "VersionModel", "VidMappingModel",
              "IOutputFormatter"}

# Shaped like the guide's example: no sessionId / appToken / paymentMethodId although the
# contract marks them required, endTime null, costs not known yet, one unknown field.
GUIDE_STATUS_CHARGING = {
    "locationId": "nl-gfx-8e1c2c6a-52d2-4d4d-a4f1-6a0c54e3a1b2",
    "evseUid": "NL-GFX-E12345-1",
    "connectorId": "1",
    "status": "CHARGING",
    "energyInKwh": 3.456,
    "currentPowerInKw": 10.8,
    "stateOfCharge": None,
    "totalCosts": None,
    "totalVat": None,
    "currency": None,
    "startTime": "2024-03-05T09:14:02.1234567Z",
    "endTime": None,
    "nextStatusCall": "2024-03-05T09:29:02Z",
    "usageSummary": {
        "dataPoints": [
            {"timestamp": "2024-03-05T09:14:02Z", "energyInKwh": 0, "powerInKw": 0, "status": "STARTING"},
            {"timestamp": "2024-03-05T09:24:02Z", "energyInKwh": 1.8, "powerInKw": 10.9, "status": "CHARGING"},
        ]
    },
    "chargeStationName": "Hotel front car park",
}

GUIDE_STATUS_FINISHED = {
    "status": "CDR_AVAILABLE",
    "energyInKwh": 21.3,
    "currentPowerInKw": 0,
    "totalCosts": 9.87,
    "totalVat": 1.71,
    "vatPercentage": 21,
    "currency": "EUR",
    "receiptNumber": "GFX-2024-000123",
    "startTime": "2024-03-05T09:14:02Z",
    "endTime": "2024-03-05T11:02:40Z",
    "costBreakdown": {"retailSegments": [{"segmentId": 1, "fromUtc": "2024-03-05T09:14:02Z", "items": [
        {"dimension": "ENERGY", "price": 0.35, "quantity": 21.3, "roundedCost": 7.46, "unit": "KWH"},
        {"dimension": "IDLE_TIME", "price": 0.1, "quantity": 5, "roundedCost": 0.5, "unit": "MIN"},
    ]}]},
}

# A nearby/boundingbox summary as the guide shows it: brandingId instead of branding.
GUIDE_SUMMARY = {
    "id": "nl-gfx-8e1c2c6a",
    "type": "PARKING_GARAGE",
    "name": "P1 Hotel garage",
    "add": "Amstelkade 12",
    "city": "Amsterdam",
    "country": "NLD",
    "lat": 52.35,
    "lng": 4.9,
    "conAvail": 3,
    "conTot": 8,
    "dp": True,
    "rfid": True,
    "brandingId": "brand-42",
    "evses": [{"uid": "NL-GFX-E1-1", "status": "AVAILABLE", "connectors": [{"id": 1, "kw": 11, "powerType": "AC_3_PHASE"}]}],
    "distance": 0.42,
}


def test_guide_status_without_required_fields_parses():
    s = models.StatusResponse.model_validate(GUIDE_STATUS_CHARGING)
    assert s.session_id is None and s.app_token is None and s.payment_method_id is None
    assert s.status == models.SessionStatus.CHARGING and s.status == "CHARGING"
    assert s.end_time is None
    assert s.energy_in_kwh == pytest.approx(3.456)
    assert s.current_power_in_kw == pytest.approx(10.8)
    assert s.start_time == datetime(2024, 3, 5, 9, 14, 2, 123456, tzinfo=UTC)
    assert [p.status for p in s.usage_summary.data_points] == ["STARTING", "CHARGING"]
    assert s.model_extra == {"chargeStationName": "Hotel front car park"}
    assert not s.is_final


def test_guide_final_status_with_costs_and_unknown_cdr_dimension():
    s = models.StatusResponse.model_validate(GUIDE_STATUS_FINISHED)
    assert s.is_final
    assert (s.total_costs, s.total_vat, s.receipt_number) == (9.87, 1.71, "GFX-2024-000123")
    items = s.cost_breakdown.retail_segments[0].items
    assert items[0].dimension is models.CdrDimension.ENERGY
    assert items[1].dimension == "IDLE_TIME" and not isinstance(items[1].dimension, models.CdrDimension)


def test_summary_with_branding_id_and_numeric_connector_id():
    loc = models.LocationSummary.model_validate(GUIDE_SUMMARY)
    assert loc.branding is None and loc.branding_id == "brand-42"
    assert (loc.con_avail, loc.con_tot) == (3, 8)
    assert loc.evses[0].connectors[0].id == "1"  # a number where the contract says string
    assert loc.model_extra == {"distance": 0.42}


def test_unknown_enum_values_are_kept_as_plain_strings():
    s = models.StatusResponse.model_validate(
        {"status": "SUSPENDED_EV", "error": "CABLE_LOCKED", "startMethod": "APP", "priorityStatus": "X"}
    )
    assert s.status == "SUSPENDED_EV" and type(s.status) is str
    assert s.error == "CABLE_LOCKED"
    assert s.start_method is models.StartMethod.APP
    evse = models.EvseModel.model_validate({"status": "OCCUPIED", "capabilities": ["RFID_READER", "TELEPATHY"]})
    assert evse.status == "OCCUPIED"
    assert evse.capabilities == [models.Capability.RFID_READER, "TELEPATHY"]


def test_nulls_everywhere():
    payload = {k: None for k in GUIDE_STATUS_CHARGING}
    payload["usageSummary"] = {"dataPoints": None, "maxPowerInKw": None}
    s = models.StatusResponse.model_validate(payload)
    assert s.status is None and s.usage_summary.data_points is None
    loc = models.LocationModel.model_validate({"name": None, "evses": [{"uid": None, "connectors": None}],
                                               "branding": None, "coordinates": None, "operator": None})
    assert loc.evses[0].connectors is None


def _reachable() -> set[str]:
    """Every schema the operations the client calls can carry (requests and answers)."""
    from tests.sim.contract import CLIENT_OPERATIONS, operation

    schemas = json.loads(CONTRACT.read_text())["components"]["schemas"]
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref and ref.rsplit("/", 1)[-1] not in found:
                found.add(ref.rsplit("/", 1)[-1])
                walk(schemas[ref.rsplit("/", 1)[-1]])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for method, template in CLIENT_OPERATIONS:
        walk(operation(method, template))
    return found


def test_every_schema_the_client_meets_has_a_model_that_parses_an_empty_object():
    reachable = _reachable()
    assert len(reachable) > 60
    for name in sorted(reachable - UNMODELLED):
        assert hasattr(models, name), f"no model for {name}"
        getattr(models, name).model_validate({})


def test_the_documents_status_example_values_parse():
    """The document's own examples for a status, including the three that break its schema."""
    s = models.StatusResponse.model_validate({
        "status": "CHARGING", "error": "", "errorMessage": "", "endTime": "", "prioritySessionStatus": "false",
        "startTime": "2021-07-04T08:27:15.000+02:00", "nextStatusCall": "2019-07-04T08:27:15.5560402+00:00",
        "transactionDetails": {"paymentStatus": "EmspInvoice", "paymentMethod": {"id": "pm-1"}},
        "location": {"name": "KIT", "timeZone": "W. Europe Standard Time", "powerType": "AC_3_PHASE",
                     "branding": {"displayName": "Hotel"}},
    })
    assert s.error is None and s.end_time is None and s.priority_session_status == "false"
    assert s.start_time == datetime(2021, 7, 4, 6, 27, 15, tzinfo=UTC)
    assert s.next_status_call == datetime(2019, 7, 4, 8, 27, 15, 556040, tzinfo=UTC)
    assert s.transaction_details.payment_status == "EmspInvoice"
    assert s.location.time_zone == "W. Europe Standard Time" and s.location.branding.display_name == "Hotel"


def test_dates_without_zone_are_utc_and_unreadable_dates_are_dropped(caplog):
    s = models.StatusResponse.model_validate({"startTime": "2024-03-05T09:14:02", "endTime": "yesterday-ish"})
    assert s.start_time == datetime(2024, 3, 5, 9, 14, 2, tzinfo=UTC)
    assert s.end_time is None
    assert "unreadable date-time" in caplog.text


def test_dump_by_alias_gives_camel_case_json_and_keeps_extras():
    s = models.StatusResponse.model_validate(GUIDE_STATUS_CHARGING)
    s.server_time = datetime(2024, 3, 5, 9, 20, tzinfo=UTC)
    dumped = s.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert dumped["energyInKwh"] == 3.456 and dumped["currentPowerInKw"] == 10.8
    assert dumped["chargeStationName"] == "Hotel front car park"
    assert "serverTime" not in dumped and "server_time" not in dumped
    assert models.StatusResponse.model_validate(dumped).status == "CHARGING"
    restriction = models.TariffTypeRestrictionModel.model_validate({"min_kwh": 5, "max_power": 11})
    assert restriction.model_dump(by_alias=True, exclude_none=True) == {"min_kwh": 5, "max_power": 11}
    biz = models.BusinessDetailModel.model_validate({"phone_number": "+31 20 555 0100"})
    assert biz.phone_number == "+31 20 555 0100"


def test_status_from_the_wire_carries_server_time_from_date_header():
    api = FakeApi().on("GET", "/session/status",
                       reply(200, GUIDE_STATUS_CHARGING, {"Date": "Tue, 05 Mar 2024 09:20:00 GMT"}))

    async def go():
        async with api.client() as c:
            return await c.session_status("s-1", max_data_points=5)

    s = asyncio.run(go())
    assert s.server_time == datetime(2024, 3, 5, 9, 20, tzinfo=UTC)
    assert (s.next_status_call - s.server_time).total_seconds() == 542.0
    q = api.requests[0].url.params
    assert (q["appToken"], q["chargeSessionId"], q["maxDataPoints"]) == (TOKEN, "s-1", "5")


def test_start_response_carries_server_time_and_sends_the_contract_body():
    api = FakeApi().on("POST", "/session/start", reply(
        200, {"chargeSessionId": "s-9", "nextStatusCall": "2024-03-05T09:20:04Z"},
        {"Date": "Tue, 05 Mar 2024 09:20:00 GMT"}))

    async def go():
        async with api.client() as c:
            return await c.start_session("nl-gfx-1", "NL-GFX-E1-1", None, "pm-7")

    started = asyncio.run(go())
    assert started.charge_session_id == "s-9"
    assert (started.next_status_call - started.server_time).total_seconds() == 4.0
    assert json.loads(api.requests[0].content) == {
        "locationId": "nl-gfx-1", "evseUid": "NL-GFX-E1-1", "paymentMethodId": "pm-7"}
    assert api.requests[0].url.params["appToken"] == TOKEN


def test_a_bare_list_where_a_list_response_was_expected_is_accepted():
    api = FakeApi().on("GET", f"/payment/{TOKEN}/wallet", reply(200, [{"id": "pm-1", "type": "WEIRD"}]))

    async def go():
        async with api.client() as c:
            return await c.wallet()

    wallet = asyncio.run(go())
    assert wallet[0].id == "pm-1" and wallet[0].type == "WEIRD"


def test_null_items_inside_arrays_are_dropped_but_extras_are_untouched():
    loc = models.LocationModel.model_validate(
        {"evses": [None, {"uid": "E1", "capabilities": [None, "RFID_READER"]}], "issuers": [None, "GFX"],
         "vendorList": [None, 1]}
    )
    assert [e.uid for e in loc.evses] == ["E1"]
    assert loc.evses[0].capabilities == [models.Capability.RFID_READER]
    assert loc.issuers == ["GFX"]
    assert loc.model_extra == {"vendorList": [None, 1]}


def test_models_build_on_first_use_and_build_schemas_leaves_none_deferred():
    """The models are built on first use (defer_build: start-up time) or by build_schemas,
    which the kiosk runs on a worker thread; after it no model is left to build."""
    import subprocess
    import sys

    code = (
        "import sys, pydantic, kiosk.api.models as m, kiosk.api.client\n"
        "assert 'kiosk.api.models_late' not in sys.modules, 'the late models loaded with the board\\'s'\n"
        "ms = list(m.all_models().values())\n"
        "assert len(ms) >= 70 and m.LATE_MODELS <= set(m.all_models()), len(ms)\n"
        "assert not any(c.__pydantic_complete__ for c in ms), 'built at import'\n"
        "loc = m.LocationModel.model_validate({'id': 'L1', 'evses': [None, {'uid': 'E1', 'status': 'AVAILABLE'}]})\n"
        "assert loc.evses[0].uid == 'E1' and m.LocationModel.__pydantic_complete__\n"
        "built = m.build_schemas(m.BOARD_MODELS)\n"
        "rest = m.build_schemas()\n"
        "assert built >= 1 and rest >= 40, (built, rest)\n"
        "assert all(c.__pydantic_complete__ for c in ms)\n"
        "assert m.build_schemas() == 0\n"
        "import os; assert os.environ['PYDANTIC_DISABLE_PLUGINS'] == '__all__'\n"
    )
    env = {"PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
