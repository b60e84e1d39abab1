"""Property-based run of the simulator from the operator's document (upstream/openapi.json)
with schemathesis (positive data only), for every operation the kiosk's client calls: no
server errors, and every answer conforms to what the document declares for its status and
content type, with only the named deviations of ``tests.sim.contract.TOLERATED``.

The suite runs a sample (``KIOSK_CONTRACT_EXAMPLES``, default 12 examples per operation);
the full run is the same test with more examples and a report (see kiosk/sim/README.md)::

    KIOSK_CONTRACT_EXAMPLES=200 .venv/bin/python -m tests.sim.contract_report

Generated ids rarely exist, so a share of the generated path/query/body ids is swapped
(deterministically, by a hash of the generated value) for ids that do exist: a registered
appToken, venue locations and EVSEs, a real QR URL, a session, a payment method. That way
the success paths are exercised as well as the 400/404 ones.
"""

from __future__ import annotations

import os
import zlib
from collections import Counter

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from kiosk.sim import SimServer
from tests.sim.contract import CLIENT_OPERATIONS, SPEC_PATH, check_body

MAX_EXAMPLES = int(os.environ.get("KIOSK_CONTRACT_EXAMPLES", "12"))
TOKEN = "prop-token"

schema = schemathesis.openapi.from_path(SPEC_PATH)
#: What the run saw: examples (requests), server errors, violations; per operation too.
RUN: Counter[str] = Counter()


@pytest.fixture(scope="module")
def prop_sim():
    srv = SimServer(port=0, seed=7, speed=50.0).start()
    h = srv.auth_headers()
    with httpx.Client(base_url=srv.base_url, headers=h) as c:
        c.put(f"/token/{TOKEN}").raise_for_status()
        card = c.put(f"/payment/{TOKEN}/chargecard", json={"visualNumber": "NL-GFX-C12345678-X"}).json()
        ext = c.put(f"/payment/{TOKEN}/external", json={"externalPaymentMethodId": "ROOM-101"}).json()
        srv.clock.advance(10)  # card verified
        ev = srv.venue.venue_evses()[0]
        st = c.post(
            "/session/start", params={"appToken": TOKEN},
            json={"locationId": ev.location_id, "evseUid": ev.evse_uid, "paymentMethodId": card["id"]},
        ).json()
    srv.known = {  # type: ignore[attr-defined]
        "appToken": TOKEN,
        "locationId": ev.location_id,
        "id": ev.location_id,
        "evseUid": ev.evse_uid,
        "chargeSessionId": st["chargeSessionId"],
        "paymentMethodId": ext["id"],
        "url": ev.qr_url,
        "connectorId": "1",
    }
    yield srv
    srv.stop()
    assert not srv.errors, "\n".join(srv.errors)


def _swap(container: dict | None, known: dict) -> None:
    if not isinstance(container, dict):
        return
    for key, value in list(container.items()):
        if key in known and zlib.crc32(repr(value).encode()) % 3 != 0:
            container[key] = known[key]
        elif key.startswith("filter.") and key[7:] in known and zlib.crc32(repr(value).encode()) % 2:
            container[key] = known[key[7:]]


def conforms_to_the_document(ctx, response, case) -> bool | None:
    """schemathesis check: the answer is what the document declares for this operation,
    status and content type (``tests.sim.contract.check_body``), named deviations aside."""
    ctype = (response.headers.get("content-type") or [""])[0]
    undocumented_ok = response.status_code in (401, 405, 429) or response.status_code >= 500
    try:
        check_body(case.method.upper(), case.operation.path, response.status_code, ctype, response.content,
                   undocumented_ok=undocumented_ok)
    except AssertionError:
        RUN["violations"] += 1
        raise
    return None


def counted_not_a_server_error(ctx, response, case) -> bool | None:
    RUN["examples"] += 1
    RUN[f"examples:{case.method.upper()} {case.operation.path}"] += 1
    if response.status_code >= 500:
        RUN["server_errors"] += 1
    return not_a_server_error(ctx, response, case)


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), CLIENT_OPERATIONS, ids=[f"{m} {p}" for m, p in CLIENT_OPERATIONS])
def test_simulator_conforms_to_the_upstream_document(prop_sim, method, path):
    # Our own parametrization (not schema.parametrize): its items share one node id, and
    # pytest-xdist then runs only one of them.
    operation = schema[path][method]

    @given(case=operation.as_strategy(GenerationMode.POSITIVE))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True, database=None)
    def run(case):
        check_case(prop_sim, case)

    before = sum(n for (ep, st), n in prop_sim.stats.items() if ep == f"{method} {path}")
    run()
    answered = {st: n for (ep, st), n in prop_sim.stats.items() if ep == f"{method} {path}"}
    assert sum(answered.values()) - before >= min(5, MAX_EXAMPLES), "hypothesis generated (almost) nothing"
    # the id swapping lets the run reach this operation's success path, not only 400/404
    assert any(st < 300 for st in answered), answered


def check_case(prop_sim, case) -> None:
    known = prop_sim.known
    _swap(case.path_parameters, known)
    if case.method == "DELETE" and case.path_parameters.get("appToken") == TOKEN:
        # give it a payment method of its own to remove (the swapped "id" is a location id)
        ref = f"ROOM-{zlib.crc32(repr(case.path_parameters).encode()) % 10000}"
        pm = httpx.put(f"{prop_sim.base_url}/payment/{TOKEN}/external", json={"externalPaymentMethodId": ref},
                       headers=prop_sim.auth_headers()).json()
        if zlib.crc32(ref.encode()) % 3:
            case.path_parameters["id"] = pm["id"]
    _swap(case.query, known)
    if isinstance(case.body, dict):
        _swap(case.body, known)
        if "locationIds" in case.body and isinstance(case.body["locationIds"], list):
            case.body["locationIds"] = case.body["locationIds"][:5] + [known["locationId"]]
        if "/bulktariff/" in case.operation.path and zlib.crc32(repr(case.body).encode()) % 3:
            pairs = case.body.get("locationEvses")
            case.body["locationEvses"] = (pairs if isinstance(pairs, list) else [])[:3] + [
                {"locationId": known["locationId"], "evseUid": known["evseUid"]}]
    case.call_and_validate(
        base_url=prop_sim.base_url,
        headers=prop_sim.auth_headers(),
        checks=[counted_not_a_server_error, conforms_to_the_document],
        timeout=10,
    )


def summary() -> dict[str, int]:
    """Counts of this process's schemathesis run (for tests.sim.contract_report)."""
    return {"operations": len({k for k in RUN if k.startswith("examples:")}), "examples": RUN["examples"],
            "server_errors": RUN["server_errors"], "violations": RUN["violations"]}
