"""Property: any payload shaped like a schema of the operator's document (upstream), with
any field missing or null, unknown enum values, numbers for ids, unreadable dates and extra
fields, parses without error and survives a dump/parse round trip. (Numbers stay plausible
here: absurd ones are refused on purpose, see test_limits.py and the last test below.)"""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.api import models

CONTRACT = json.loads(
    (Path(__file__).resolve().parents[3] / "shared" / "charge-assist" / "upstream" / "openapi.json").read_text()
)
SCHEMAS = CONTRACT["components"]["schemas"]
RESPONSES = ["StatusResponse", "StartResponse", "LocationModel", "LocationSummaryGeoListResponse",
             "PaymentMethodModelListResponse", "WalletTariffItemListResponse", "SessionHistoryModelListResponse",
             "LocationAvailabilityResponse", "QrResponse", "TokenModelListResponse", "WalletTariffItem",
             "BulkTariffResponse"]

dates = st.one_of(
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat().replace("+00:00", "Z")),
    st.datetimes().map(lambda d: d.isoformat()),  # no zone, as .NET sometimes sends
    st.sampled_from(["", "not a date", "2024-13-45T99:00:00Z"]),
)
words = st.text(max_size=12)


def value(schema: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return obj(name, depth + 1) if depth < 2 else st.none()
    kind = schema.get("type")
    if "enum" in schema:
        base: st.SearchStrategy[Any] = st.one_of(st.sampled_from(schema["enum"]), words)
    elif kind == "string" and schema.get("format") == "date-time":
        base = dates
    elif kind == "string":
        base = st.one_of(words, st.integers(0, 10**6))  # ids sometimes come as numbers
    elif kind == "number":
        base = st.one_of(st.floats(0, 100, width=32), st.integers(0, 100))
    elif kind == "integer":
        base = st.integers(0, 2**31 - 1)
    elif kind == "boolean":
        base = st.booleans()
    elif kind == "array":
        base = st.lists(value(schema["items"], depth + 1), max_size=3)
    else:
        base = st.none()
    return st.one_of(st.none(), base)


def obj(name: str, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    props = SCHEMAS[name].get("properties", {})
    fields = st.fixed_dictionaries({}, optional={k: value(v, depth) for k, v in props.items()})
    extras = st.dictionaries(st.sampled_from(["x-extra", "futureField", "distance"]), words, max_size=2)
    return st.tuples(fields, extras).map(lambda t: {**t[1], **t[0]})


def roundtrip(name: str, payload: dict[str, Any]) -> None:
    cls = getattr(models, name)
    parsed = cls.model_validate(payload)
    dumped = parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
    again = cls.model_validate(dumped)
    assert again.model_dump(mode="json", by_alias=True, exclude_unset=True) == dumped
    for key in ("x-extra", "futureField", "distance"):
        if key in payload and key not in SCHEMAS[name].get("properties", {}):
            assert dumped[key] == payload[key]


@pytest.mark.parametrize("name", RESPONSES)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_tolerant_parsing_of_every_response_schema(name, data):
    roundtrip(name, data.draw(obj(name), label=name))


@settings(max_examples=60, deadline=None)
@given(payload=obj("StatusResponse"))
def test_status_fields_keep_their_meaning(payload):
    s = models.StatusResponse.model_validate(payload)
    status = payload.get("status")
    if status in SCHEMAS["StatusResponse"]["properties"]["status"]["enum"]:
        assert isinstance(s.status, models.SessionStatus) and s.status == status
    elif status is not None:
        assert s.status == status and not isinstance(s.status, models.SessionStatus)
    if isinstance(payload.get("energyInKwh"), (int, float)):
        assert s.energy_in_kwh == payload["energyInKwh"]
    for field in ("startTime", "endTime", "nextStatusCall"):
        parsed = getattr(s, {"startTime": "start_time", "endTime": "end_time",
                             "nextStatusCall": "next_status_call"}[field])
        assert parsed is None or parsed.tzinfo is not None


BOUNDED = {"totalCosts": 100_000, "totalVat": 100_000, "energyInKwh": 1_000_000, "currentPowerInKw": 10_000,
           "vatPercentage": 100, "stateOfCharge": 100}


@settings(max_examples=60, deadline=None)
@given(field=st.sampled_from(sorted(BOUNDED)),
       value=st.one_of(st.floats(max_value=-0.001), st.floats(min_value=100_000_000.1),
                       st.sampled_from([float("nan"), float("inf"), float("-inf")])))
def test_absurd_numbers_in_a_status_are_refused(field, value):
    from pydantic import ValidationError

    try:
        models.StatusResponse.model_validate({"status": "CDR_AVAILABLE", field: value})
    except ValidationError:
        return
    raise AssertionError(f"{field}={value!r} was accepted")
