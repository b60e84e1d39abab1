"""What the client sends is declared in the operator's document (upstream/openapi.json): a
known path and method, only declared query parameters (required ones present), declared
headers, request bodies valid against their schema. Every operation the client has is
called, and together they are exactly the operations the contract tests cover."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from openapi_schema_validator import OAS30Validator

from kiosk.api import ChargeAssistClient
from tests.api.fakeapi import FakeApi, reply
from tests.sim.contract import CLIENT_OPERATIONS

CONTRACT = json.loads(
    (Path(__file__).resolve().parents[3] / "shared" / "charge-assist" / "upstream" / "openapi.json").read_text()
)


def inline(node: Any) -> Any:
    """Replace local $refs by the schemas they name (request schemas have no cycles)."""
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return inline(CONTRACT["components"]["schemas"][name])
        return {k: inline(v) for k, v in node.items()}
    if isinstance(node, list):
        return [inline(v) for v in node]
    return node


def operation(method: str, path: str) -> tuple[str, dict]:
    """The operation a concrete path belongs to; literal routes (/locations/nearby) win
    over templated ones (/locations/{id})."""
    matches = [
        t for t, ops in CONTRACT["paths"].items()
        if method.lower() in ops and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", t), path)
    ]
    assert matches, f"{method} {path} is not in the upstream document"
    template = min(matches, key=lambda t: t.count("{"))
    return template, CONTRACT["paths"][template][method.lower()]


def check(request: httpx.Request) -> str:
    template, op = operation(request.method, request.url.path)
    declared = {p["name"]: p for p in op.get("parameters", [])}
    for name in request.url.params:
        assert name in declared and declared[name]["in"] == "query", f"{template}: undeclared query {name}"
    for p in declared.values():
        if p.get("required") and p["in"] == "query":
            assert p["name"] in request.url.params, f"{template}: missing {p['name']}"
        if p["in"] == "header" and p["name"] in request.headers:
            assert request.headers[p["name"]]
    standard = {"host", "accept", "accept-encoding", "connection", "user-agent", "content-length", "content-type",
                "authorization"}  # the document's security scheme is the Authorization header
    declared_headers = {p["name"].lower() for p in declared.values() if p["in"] == "header"}
    extra = {h for h in request.headers if h.lower() not in standard | declared_headers}
    assert not extra, f"{template}: undeclared headers {extra}"
    if "requestBody" in op:
        schema = inline(op["requestBody"]["content"]["application/json"]["schema"])
        OAS30Validator(schema).validate(json.loads(request.content))
    else:
        assert not request.content, f"{template} takes no body"
    return f"{request.method} {template}"


def test_every_operation_sends_what_the_contract_declares():
    ok_list = reply(200, {"data": [], "meta": {"hasMoreData": False}})

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return reply(204)
        if request.url.path.startswith("/session/") or request.url.path.startswith("/v2.1/"):
            return reply(200, {"chargeSessionId": "s-1"})
        return ok_list

    api = FakeApi(fallback=answer)

    async def go(c: ChargeAssistClient) -> None:
        # the operations below, by client method name (the last assertion checks none is missing)
        await c.service_status()
        await c.register_token()
        await c.create_token_v2("other-token", driver_id="d", emsp_id="e")
        await c.get_token_v2()
        await c.wallet(location_id="nl-gfx-1")
        await c.add_charge_card("NL-GFX-C12345678-X")
        await c.add_external_payment("ROOM-1", display_name="Room 1")
        await c.remove_payment_method("pm-1")
        await c.locations_nearby(52.1, 4.3, available=True, power_type="DC")
        await c.locations_in_box(52.0, 4.0, 53.0, 5.0, page_size=10, all_pages=True)
        await c.location("nl-gfx-1", evse_uid="E1")
        await c.location_by_evse("E1")
        await c.availability(["nl-gfx-1", "nl-gfx-2"])
        await c.parse_qr("https://a.greenflux.app/qr/gsop/gfx/abc")
        await c.tariffs("nl-gfx-1", "E1", connector_id="1")
        await c.default_tariff("nl-gfx-1", "E1", connector_id="1")
        await c.bulk_tariffs("pm-1", [("nl-gfx-1", "E1"), ("nl-gfx-1", "E2")])
        await c.start_session("nl-gfx-1", "E1", "1", "pm-1")
        await c.session_status("s-1", max_data_points=3)
        await c.stop_session("s-1")
        await c.session_history(date_from=datetime(2024, 1, 1, tzinfo=UTC), date_to=datetime(2024, 2, 1, tzinfo=UTC),
                                statuses=["CHARGING"], charge_session_id="s-1", sort_desc=False)

    async def run() -> None:
        async with api.client() as c:
            await go(c)

    asyncio.run(run())
    covered = {check(r) for r in api.requests}
    assert covered == {f"{m} {p}" for m, p in CLIENT_OPERATIONS}
    public = {name for name in dir(ChargeAssistClient) if not name.startswith("_")
              and inspect.iscoroutinefunction(getattr(ChargeAssistClient, name))}
    assert public - {"aclose", "__aenter__", "__aexit__", "check_key"} <= CALLED, "an operation without a contract check"


CALLED = {"service_status", "register_token", "create_token_v2", "get_token_v2", "wallet", "add_charge_card",
          "add_external_payment", "remove_payment_method", "locations_nearby", "locations_in_box", "location",
          "location_by_evse", "availability", "parse_qr", "tariffs", "default_tariff", "bulk_tariffs",
          "start_session", "session_status", "stop_session", "session_history"}
