"""The contract: the operator's published document, ``../shared/charge-assist/upstream/openapi.json``.

Every answer of the simulator (success or error, in whichever documented content type)
is checked against what that document declares for the operation and status; undocumented
statuses must be asked for (``undocumented_ok``) and then carry RFC 7807 problem details.
The older condensed ``../shared/charge-assist/openapi.json`` is no longer a contract (it
stays beside it as notes).

Where the document's own examples break its own schema, the real service may send exactly
that; those values are the **tolerated deviations** (``TOLERATED``), named one by one. A
schema error is forgiven only when it is one of them (same property, same value); every
forgiven one is counted in ``STATS``.

``CLIENT_OPERATIONS`` are the operations the kiosk's client calls (and the simulator
implements); ``ContractClient.seen`` records which (operation, status, content type) were
exercised.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from openapi_schema_validator import OAS30ReadValidator

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "charge-assist"
SPEC_PATH = SHARED / "upstream" / "openapi.json"
#: The older condensed reading: notes only, never validated against.
CONDENSED_NOTES_PATH = SHARED / "openapi.json"

#: Every operation the kiosk's client calls (``kiosk.api.client``), as (METHOD, template).
CLIENT_OPERATIONS: list[tuple[str, str]] = [
    ("GET", "/servicestatus"),
    ("PUT", "/token/{appToken}"),
    ("POST", "/v2.1/token"),
    ("GET", "/v2.1/token/{appToken}"),
    ("GET", "/token/{appToken}/sessions"),
    ("GET", "/payment/{appToken}/wallet"),
    ("PUT", "/payment/{appToken}/chargecard"),
    ("PUT", "/payment/{appToken}/external"),
    ("DELETE", "/payment/{appToken}/{id}"),
    ("GET", "/locations/nearby"),
    ("GET", "/locations/boundingbox"),
    ("GET", "/locations/{id}"),
    ("GET", "/locations/evse/{evseUid}"),
    ("POST", "/locations/availability"),
    ("POST", "/qr"),
    ("GET", "/tariff/{appToken}/evse/{locationId}/{evseUid}"),
    ("GET", "/tariff/evse/{locationId}/{evseUid}"),
    ("POST", "/bulktariff/{appToken}/paymentmethod/{paymentMethodId}"),
    ("POST", "/session/start"),
    ("GET", "/session/status"),
    ("POST", "/session/stop"),
]


@dataclass(frozen=True)
class Deviation:
    """A value the document's own example gives for a property although its schema forbids it."""

    name: str
    schema: str  # component schema name
    prop: str  # property name
    value: Any  # the example value
    why: str


#: The document's examples that break its own schema (found by validating every
#: ``example`` in the document against the schema it annotates: these three, no more).
TOLERATED: tuple[Deviation, ...] = (
    Deviation("status-error-empty", "StatusResponse", "error", "",
              "example of 'error' is \"\", not in its enum: the service's way of saying 'no error'"),
    Deviation("status-endtime-empty", "StatusResponse", "endTime", "",
              "example of 'endTime' is \"\", not a date-time: a session that has not ended"),
    Deviation("status-priority-false", "StatusResponse", "prioritySessionStatus", "false",
              "example of 'prioritySessionStatus' is \"false\", not in NOT_APPLICABLE/OFF/ON"),
)

#: What the checks saw: "checked" answers, "tolerated:<name>" forgiven deviations.
STATS: Counter[str] = Counter()


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())


def _deref(node: Any, components: dict[str, Any], depth: int = 0) -> Any:
    if depth > 50:
        raise RecursionError("circular $ref in the document")
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return _deref(components[name], components, depth + 1)
        return {k: _deref(v, components, depth) for k, v in node.items()}
    if isinstance(node, list):
        return [_deref(v, components, depth) for v in node]
    return node


def deref(node: Any) -> Any:
    """``node`` with every local ``$ref`` replaced by the schema it names."""
    return _deref(node, spec()["components"]["schemas"])


def operation(method: str, template: str) -> dict[str, Any]:
    return spec()["paths"][template][method.lower()]


def documented_statuses(method: str, template: str) -> set[int]:
    return {int(s) for s in operation(method, template)["responses"]}


@cache
def documented(method: str, template: str, status: int) -> dict[str, dict | None] | None:
    """{content type: JSON schema} the document declares for this answer ({} when it has no
    body), or None when the status is not documented."""
    responses = operation(method, template)["responses"]
    if str(status) not in responses:
        return None
    content = responses[str(status)].get("content") or {}
    if status == 204:
        return {}  # a 204 carries no body whatever the document lists (IActionResult)
    return {ctype: deref(c.get("schema") or {}) for ctype, c in content.items()}


def all_pairs(operations: list[tuple[str, str]] | None = None) -> set[tuple[str, str, int]]:
    return {(m, p, s) for m, p in (operations or CLIENT_OPERATIONS) for s in documented_statuses(m, p)}


def validate(schema: dict, instance: Any) -> list[Any]:
    v = OAS30ReadValidator(schema, format_checker=OAS30ReadValidator.FORMAT_CHECKER)
    return list(v.iter_errors(instance))


def tolerated(error: Any) -> Deviation | None:
    """The named deviation this schema error is, if any."""
    path = list(error.absolute_path)
    if not path:
        return None
    return next((d for d in TOLERATED if path[-1] == d.prop and error.instance == d.value), None)


class ContractViolation(AssertionError):
    pass


def decode(ctype: str, schema: dict | None, text: str) -> Any:
    """The body as the document means it: a string schema in ``text/plain`` is the bare text;
    everything else is JSON."""
    if ctype == "text/plain" and (schema or {}).get("type") == "string":
        return text
    return json.loads(text)


def check_body(method: str, template: str, status: int, content_type: str, content: bytes,
               undocumented_ok: bool = False) -> Any:
    """Check one answer; return its decoded body. Raise :class:`ContractViolation`."""
    label = f"{method} {template} {status}"
    declared = documented(method, template, status)
    if declared is None:
        if not undocumented_ok:
            raise ContractViolation(f"{label}: undocumented status: {content[:300]!r}")
        declared = {"application/problem+json": deref(spec()["components"]["schemas"]["ProblemDetails"])}
    STATS["checked"] += 1
    if not declared:
        if content:
            raise ContractViolation(f"{label}: expected no body, got {content[:200]!r}")
        return None
    ctype = content_type.split(";")[0].strip().lower()
    if ctype not in declared:
        raise ContractViolation(f"{label}: content type {ctype!r} is not one of {sorted(declared)}")
    schema = declared[ctype]
    try:
        body = decode(ctype, schema, content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ContractViolation(f"{label} ({ctype}): not what the document declares: {exc}") from exc
    errors = []
    for e in validate(schema or {}, body):
        dev = tolerated(e)
        if dev is not None:
            STATS[f"tolerated:{dev.name}"] += 1
        else:
            errors.append(f"{'/'.join(map(str, e.absolute_path))}: {e.message}")
    if errors:
        STATS["violations"] += 1
        raise ContractViolation(f"{label} ({ctype}): " + "; ".join(errors[:10]))
    return body


def check_response(method: str, template: str, resp: httpx.Response, undocumented_ok: bool = False) -> Any:
    return check_body(method, template, resp.status_code, resp.headers.get("content-type", ""), resp.content,
                      undocumented_ok)


class ContractClient:
    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        self.http = httpx.Client(base_url=base_url, headers=headers or {}, timeout=10.0)
        self.seen: set[tuple[str, str, int]] = set()
        self.seen_types: set[tuple[str, str, int, str]] = set()
        self.count = 0

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, template: str, *, path: dict[str, str] | None = None, params=None,
             json_body: Any = None, content: bytes | None = None, headers: dict[str, str] | None = None,
             expect: int | None = None, undocumented_ok: bool = False) -> tuple[httpx.Response, Any]:
        url = template
        for k, v in (path or {}).items():
            url = url.replace("{" + k + "}", quote(v, safe=""))
        kwargs: dict[str, Any] = {"params": params, "headers": headers}
        if content is not None:
            kwargs["content"] = content
            kwargs["headers"] = {"Content-Type": "application/json", **(headers or {})}
        elif json_body is not None:
            kwargs["json"] = json_body
        resp = self.http.request(method, url, **kwargs)
        if expect is not None:
            assert resp.status_code == expect, f"{method} {url}: {resp.status_code} {resp.text[:300]}"
        body = check_response(method, template, resp, undocumented_ok)
        self.seen.add((method, template, resp.status_code))
        self.seen_types.add((method, template, resp.status_code, resp.headers.get("content-type", "").split(";")[0]))
        self.count += 1
        return resp, body


@cache
def _template_patterns() -> list[tuple[re.Pattern[str], str, set[str]]]:
    out = []
    for template, ops in spec()["paths"].items():
        rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        out.append((re.compile(rx), template, {m.upper() for m in ops}))
    # literal paths first (/locations/nearby before /locations/{id})
    out.sort(key=lambda x: x[1].count("{"))
    return out


def template_for(method: str, path: str) -> str | None:
    for rx, template, methods in _template_patterns():
        if method in methods and rx.match(path):
            return template
    return None


def validating_hook(response: httpx.Response) -> None:
    """httpx response hook: check every answer of a documented path against the document."""
    req = response.request
    template = template_for(req.method, req.url.path)
    if template is None:
        return
    response.read()
    undocumented_ok = response.status_code in (401, 405, 429) or response.status_code >= 500
    check_response(req.method, template, response, undocumented_ok=undocumented_ok)


def tolerant_spec() -> dict[str, Any]:
    """The document with the named deviations allowed (for tools that validate on their own)."""
    doc = copy.deepcopy(spec())
    schemas = doc["components"]["schemas"]
    for d in TOLERATED:
        prop = schemas[d.schema]["properties"][d.prop]
        if "enum" in prop:
            prop["enum"] = [*prop["enum"], d.value]
        else:
            schemas[d.schema]["properties"][d.prop] = {"anyOf": [prop, {"type": "string", "enum": [d.value]}],
                                                       "nullable": bool(prop.get("nullable"))}
    return doc
