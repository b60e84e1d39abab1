"""Validate simulator answers against ../shared/charge-assist/openapi.json (OAS 3.0).

``ContractClient`` is a thin httpx client: every call names the path template, and every
answer is checked against the contract for that operation and status; undocumented
statuses must be asked for (``undocumented_ok``) and then carry ProblemDetails.
``seen`` records which (operation, status) pairs were exercised.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from openapi_schema_validator import OAS30ReadValidator

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT.parent / "shared" / "charge-assist" / "openapi.json"


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())


def _deref(node: Any, components: dict[str, Any], depth: int = 0) -> Any:
    if depth > 50:
        raise RecursionError("circular $ref in openapi.json")
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return _deref(components[name], components, depth + 1)
        return {k: _deref(v, components, depth) for k, v in node.items()}
    if isinstance(node, list):
        return [_deref(v, components, depth) for v in node]
    return node


@cache
def schema_for(method: str, template: str, status: int) -> tuple[bool, dict | None]:
    """(documented, JSON schema of the body or None when the answer has no body)."""
    comps = spec()["components"]["schemas"]
    if status not in documented_statuses(method, template):
        return False, _deref(comps["ProblemDetails"], comps)
    resp = spec()["paths"][template][method.lower()]["responses"][str(status)]
    content = resp.get("content") or {}
    if "application/json" not in content:
        return True, None
    return True, _deref(content["application/json"]["schema"], comps)


def documented_statuses(method: str, template: str) -> set[int]:
    return {int(s) for s in spec()["paths"][template][method.lower()]["responses"]}


def all_operations() -> list[tuple[str, str]]:
    return [(m.upper(), p) for p, ops in spec()["paths"].items() for m in ops]


def validate(schema: dict, instance: Any) -> list[str]:
    v = OAS30ReadValidator(schema, format_checker=OAS30ReadValidator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(instance)]


class ContractViolation(AssertionError):
    pass


def check_response(method: str, template: str, resp: httpx.Response, undocumented_ok: bool = False) -> Any:
    documented, schema = schema_for(method, template, resp.status_code)
    if not documented and not undocumented_ok:
        raise ContractViolation(f"{method} {template}: undocumented status {resp.status_code}: {resp.text[:300]}")
    if schema is None:
        if resp.content:
            raise ContractViolation(f"{method} {template} {resp.status_code}: expected no body, got {resp.text[:200]}")
        return None
    ctype = resp.headers.get("content-type", "")
    if "json" not in ctype:
        raise ContractViolation(f"{method} {template} {resp.status_code}: content-type {ctype!r}")
    try:
        body = resp.json()
    except ValueError as exc:
        raise ContractViolation(f"{method} {template} {resp.status_code}: invalid JSON: {exc}") from exc
    errors = validate(schema, body)
    if errors:
        raise ContractViolation(f"{method} {template} {resp.status_code}: " + "; ".join(errors[:10]))
    return body


class ContractClient:
    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        self.http = httpx.Client(base_url=base_url, headers=headers or {}, timeout=10.0)
        self.seen: set[tuple[str, str, int]] = set()
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
        body = check_response(method, template, resp, undocumented_ok)
        self.seen.add((method, template, resp.status_code))
        self.count += 1
        if expect is not None:
            assert resp.status_code == expect, f"{method} {url}: {resp.status_code} {resp.text[:300]}"
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
    """httpx response hook: check every answer of a contract path against openapi.json."""
    req = response.request
    template = template_for(req.method, req.url.path)
    if template is None:
        return
    response.read()
    undocumented_ok = response.status_code in (401, 405, 429) or response.status_code >= 500
    check_response(req.method, template, response, undocumented_ok=undocumented_ok)
