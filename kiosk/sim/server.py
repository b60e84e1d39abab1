"""The HTTP face of the simulator: a ``ThreadingHTTPServer`` in a background thread.

Routing follows the operator's published document (``upstream/openapi.json``) for every
operation the kiosk uses; every error is answered in the shape that document gives for
that operation and status (a plain string, a ``ValidationResponse``, a
``ValidationResponseV2``, ``ProblemDetails`` or a ``BadRequestObjectResult``) and, unless
``strict``, in each of its documented content types in turn (``text/plain``,
``application/json``, ``text/json``). Undocumented ones (401, 405, 429, 5xx from faults)
are ``application/problem+json``. ``/_sim/...`` steers the simulator from another process.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import re
import socket
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from kiosk.sim.clock import VirtualClock, iso, parse_iso
from kiosk.sim.faults import Faults
from kiosk.sim.state import (
    APP_TOKEN_RE,
    SESSION_STATUSES,
    ApiError,
    SimState,
    bad,
    month_start,
)
from kiosk.sim.venue import OTHER_QR_HOST, OTHER_QR_OPERATOR, QR_HOSTS, Venue, build_venue

log = logging.getLogger("kiosk.sim")

DEMO_API_KEY = "demo-key"

# Error body shapes: "s" a string, "vr" ValidationResponse, "v2" ValidationResponseV2,
# "pd" ProblemDetails, "bro" BadRequestObjectResult (ASP.NET's result object, serialised).
Handler = Callable[["Request"], tuple[int, Any]]
#: The content types the document lists for (almost) every error answer, in its order.
ERROR_TYPES = ("text/plain", "application/json", "text/json")
#: Exceptions: (template, status) -> the only documented content types.
ERROR_TYPES_ONLY = {("/payment/{appToken}/wallet", 404): ("application/json",)}
AUTH_STYLES = ("any", "authorization", "ocp-apim")


@dataclass
class Route:
    method: str
    template: str
    func: str
    errors: dict[int, str]
    parts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.parts = tuple(self.template.strip("/").split("/"))

    def match(self, segments: list[str]) -> dict[str, str] | None:
        if len(segments) != len(self.parts):
            return None
        params = {}
        for pat, seg in zip(self.parts, segments, strict=True):
            if pat.startswith("{"):
                if seg == "":
                    return None
                params[pat[1:-1]] = seg
            elif pat != seg:
                return None
        return params

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.template}"


S, VR, V2, PD, BRO = "s", "vr", "v2", "pd", "bro"
ROUTES = [
    Route("GET", "/servicestatus", "servicestatus", {503: S}),
    Route("PUT", "/token/{appToken}", "put_token", {400: S}),
    Route("POST", "/v2.1/token", "create_token", {400: V2, 404: V2}),
    Route("GET", "/v2.1/token/{appToken}", "get_token", {400: V2, 404: V2}),
    Route("GET", "/token/{appToken}/sessions", "history", {400: S, 404: S}),
    Route("GET", "/payment/{appToken}/wallet", "wallet", {404: S}),
    Route("PUT", "/payment/{appToken}/chargecard", "chargecard", {400: VR, 404: S}),
    Route("PUT", "/payment/{appToken}/external", "external", {400: S, 404: S}),
    Route("DELETE", "/payment/{appToken}/{id}", "delete_pm", {400: VR, 404: S}),
    Route("GET", "/locations/nearby", "nearby", {}),
    Route("GET", "/locations/boundingbox", "bbox", {400: VR}),
    Route("POST", "/locations/availability", "availability", {400: BRO}),
    Route("GET", "/locations/evse/{evseUid}", "location_by_evse", {403: S, 404: S}),
    Route("GET", "/locations/{id}", "location", {403: S, 404: S}),
    Route("POST", "/qr", "qr", {400: VR, 403: VR, 404: VR}),
    Route("GET", "/tariff/{appToken}/evse/{locationId}/{evseUid}", "tariff", {404: S}),
    Route("GET", "/tariff/evse/{locationId}/{evseUid}", "default_tariff", {400: PD, 404: PD}),
    Route("POST", "/bulktariff/{appToken}/paymentmethod/{paymentMethodId}", "bulk_tariff", {400: PD, 404: PD}),
    Route("POST", "/session/start", "start", {400: VR, 403: S, 404: S, 502: S}),
    Route("GET", "/session/status", "status", {400: VR, 403: S, 404: S}),
    Route("POST", "/session/stop", "stop", {400: VR, 403: S, 404: S, 502: VR}),
    # control API (not in the document)
    Route("GET", "/_sim/state", "sim_state", {}),
    Route("GET", "/_sim/venue", "sim_venue", {}),
    Route("GET", "/_sim/faults", "sim_faults", {}),
    Route("POST", "/_sim/faults", "sim_set_fault", {}),
    Route("DELETE", "/_sim/faults", "sim_clear_faults", {}),
    Route("GET", "/_sim/scenario", "sim_scenario", {}),
    Route("POST", "/_sim/scenario", "sim_set_scenario", {}),
    Route("POST", "/_sim/scenario/no-car", "sim_no_car", {}),
    Route("POST", "/_sim/scenario/block", "sim_block", {}),
    Route("POST", "/_sim/scenario/car", "sim_car", {}),
    Route("POST", "/_sim/scenario/unplug", "sim_unplug", {}),
    Route("POST", "/_sim/scenario/fault", "sim_fault", {}),
    Route("POST", "/_sim/clock", "sim_clock", {}),
]
NO_AUTH = {"/servicestatus"}


class Request:
    def __init__(self, method: str, route: Route, params: dict[str, str], query: dict[str, list[str]],
                 headers, body: bytes, now: datetime) -> None:
        self.method, self.route, self.params, self.query = method, route, params, query
        self.headers, self.body, self.now = headers, body, now

    def q(self, name: str, required: bool = False) -> str | None:
        vals = self.query.get(name)
        if not vals:
            if required:
                raise bad(f"The query parameter '{name}' is required", "REQUIRED")
            return None
        return vals[-1]

    def q_bool(self, name: str, default: bool | None = None) -> bool | None:
        v = self.q(name)
        if v is None:
            return default
        if v.lower() in ("true", "1"):
            return True
        if v.lower() in ("false", "0"):
            return False
        raise bad(f"'{name}' must be true or false", "INVALID_BOOLEAN")

    def q_float(self, name: str, required: bool = True) -> float | None:
        v = self.q(name, required)
        if v is None:
            return None
        try:
            f = float(v)
        except ValueError:
            raise bad(f"'{name}' must be a number", "INVALID_NUMBER") from None
        if f != f or f in (float("inf"), float("-inf")):
            raise bad(f"'{name}' must be a finite number", "INVALID_NUMBER")
        return f

    def q_int(self, name: str, default: int) -> int:
        v = self.q(name)
        if v is None:
            return default
        try:
            return int(v)
        except ValueError:
            raise bad(f"'{name}' must be an integer", "INVALID_INTEGER") from None

    def json(self) -> dict[str, Any]:
        if not self.body:
            raise bad("A JSON request body is required", "BODY_REQUIRED")
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise bad("The request body is not valid JSON", "INVALID_JSON") from None
        if not isinstance(data, dict):
            raise bad("The request body must be a JSON object", "INVALID_JSON")
        return data


def _str_field(data: dict, name: str, required: bool = True, nullable: bool = False) -> str | None:
    v = data.get(name)
    if v is None:
        if required and not nullable:
            raise bad(f"'{name}' is required", "REQUIRED")
        return None
    if not isinstance(v, str):
        raise bad(f"'{name}' must be a string", "INVALID_TYPE")
    if required and not v:
        raise bad(f"'{name}' must not be empty", "REQUIRED")
    return v


def _encode_ct(offset: int, key: str) -> str:
    return base64.urlsafe_b64encode(f"bb1:{offset}:{key}".encode()).decode().rstrip("=")


def _decode_ct(token: str, key: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        tag, offset, k = raw.split(":", 2)
        if tag != "bb1" or k != key:
            raise ValueError
        return int(offset)
    except (ValueError, UnicodeDecodeError):
        raise bad("continuationToken is invalid or belongs to another query", "INVALID_CONTINUATION_TOKEN") from None


QR_RE = re.compile(r"^https?://([^/]+)/qr/gsop/([A-Za-z0-9_.-]+)/([0-9A-Fa-f-]{36})/?$")
OTHER_QR_RE = re.compile(r"^https?://([^/]+)/evse/([^/?#]+)/?$")


class Api:
    """The operations; each takes a Request and returns (status, body). State lock held."""

    def __init__(self, sim: SimServer) -> None:
        self.sim = sim
        self.st: SimState = sim.state

    # --- service and tokens ----------------------------------------------------------

    def servicestatus(self, r: Request):
        return 200, None

    def put_token(self, r: Request):
        tok, _ = self.st.register(r.params["appToken"], r.now)
        return 200, {"data": [tok.to_json()], "meta": {"count": 1, "hasMoreData": False, "continuationToken": None}}

    def create_token(self, r: Request):
        data = r.json()
        app_token = _str_field(data, "appToken")
        driver_id = _str_field(data, "driverId", required=False)
        emsp_id = _str_field(data, "emspId", required=False)
        if emsp_id is not None and emsp_id.upper() not in ("GFX", "NL-GFX", "NLGFX"):
            raise ApiError(404, f"eMSP '{emsp_id}' is not known", code="EMSP_NOT_FOUND")
        tok, _ = self.st.register(app_token, r.now, driver_id, emsp_id)
        return 200, tok.to_json()

    def get_token(self, r: Request):
        if not APP_TOKEN_RE.match(r.params["appToken"]):
            raise bad("appToken must be 1 to 128 characters: letters, digits and . _ : @ + -", "INVALID_APP_TOKEN")
        tok = self.st.token(r.params["appToken"])
        return 200, tok.to_json()

    # --- history ---------------------------------------------------------------------

    def history(self, r: Request):
        tok = self.st.token(r.params["appToken"])
        try:
            dfrom = parse_iso(r.q("filter.dateTimeFrom")) if r.q("filter.dateTimeFrom") else None
            dto = parse_iso(r.q("filter.dateTimeTo")) if r.q("filter.dateTimeTo") else None
        except ValueError:
            raise ApiError(400, "filter.dateTimeFrom/filter.dateTimeTo must be ISO 8601 date-times") from None
        if dfrom is None and dto is None:
            dfrom = month_start(r.now)
        if dfrom and dto and dfrom > dto:
            raise ApiError(400, "filter.dateTimeFrom is after filter.dateTimeTo")
        statuses = []
        for v in r.query.get("filter.sessionStatus", []):
            statuses.extend(x.strip() for x in v.split(",") if x.strip())
        unknown = [x for x in statuses if x not in SESSION_STATUSES]
        if unknown:
            raise ApiError(400, f"Unknown session status: {unknown[0][:40]}")
        sid = r.q("filter.chargeSessionId")
        desc = r.q_bool("sortDesc", True)
        rows = []
        for s in self.st.sessions.values():
            if s.app_token != tok.app_token:
                continue
            start = s.start_time or s.created
            if dfrom and start < dfrom:
                continue
            if dto and start > dto:
                continue
            if statuses and s.status not in statuses:
                continue
            if sid and s.id != sid:
                continue
            rows.append((s.created, s))
        rows.sort(key=lambda x: x[0], reverse=bool(desc))
        data = [self.st.history_json(s, r.now) for _, s in rows]
        return 200, {"data": data, "meta": {"count": len(data), "hasMoreData": False, "continuationToken": None}}

    # --- payment -----------------------------------------------------------------------

    def wallet(self, r: Request):
        tok = self.st.token(r.params["appToken"])
        data = self.st.wallet_json(tok, r.now, r.q("locationId"))
        return 200, {"data": data, "meta": {"count": len(data), "hasMoreData": False, "continuationToken": None}}

    def chargecard(self, r: Request):
        tok = self.st.token(r.params["appToken"])
        data = r.json()
        visual = data.get("visualNumber")
        if not isinstance(visual, str) or not visual.strip():
            raise bad("visualNumber is required", "REQUIRED")
        alias = data.get("cardAlias") if isinstance(data.get("cardAlias"), str) else None
        name = data.get("displayName") if isinstance(data.get("displayName"), str) else None
        pm = self.st.add_card(tok, visual, r.now, alias, name)
        return 200, pm.to_json(r.now, True, pm.id == tok.default_pm, self.st.pm_stamp)

    def external(self, r: Request):
        tok = self.st.token(r.params["appToken"])
        try:
            data = r.json()
        except ApiError as e:
            raise ApiError(400, e.message) from None
        ref = data.get("externalPaymentMethodId")
        if not isinstance(ref, str) or not ref:
            raise ApiError(400, "externalPaymentMethodId is required")
        name = data.get("displayName")
        if name is not None and not isinstance(name, str):
            raise ApiError(400, "displayName must be a string")
        pm = self.st.add_external(tok, ref, r.now, name)
        return 200, pm.to_json(r.now, True, pm.id == tok.default_pm, self.st.pm_stamp)

    def delete_pm(self, r: Request):
        tok = self.st.token(r.params["appToken"])
        self.st.remove_pm(tok, r.params["id"])
        return 204, None

    # --- locations ---------------------------------------------------------------------

    def nearby(self, r: Request):
        try:
            lat, lng = r.q_float("latitude"), r.q_float("longitude")
            available = r.q_bool("filter.isAvailable")
        except ApiError:
            lat = lng = None
            available = None
        power = r.q("filter.powerType")
        if lat is None or not (-90 <= lat <= 90 and -180 <= lng <= 180) or power not in (None, "AC", "DC"):
            data = []  # the contract documents no error here: nothing found
        else:
            data = self.st.nearby(lat, lng, r.now, available, power)
        return 200, {"data": data, "meta": {"count": len(data), "hasMoreData": False, "continuationToken": None}}

    def bbox(self, r: Request):
        bl_lat, bl_lng = r.q_float("bottomLeftLat"), r.q_float("bottomLeftLng")
        tr_lat, tr_lng = r.q_float("topRightLat"), r.q_float("topRightLng")
        for v, lim, name in ((bl_lat, 90, "bottomLeftLat"), (tr_lat, 90, "topRightLat"),
                             (bl_lng, 180, "bottomLeftLng"), (tr_lng, 180, "topRightLng")):
            if not -lim <= v <= lim:
                raise bad(f"'{name}' is out of range", "OUT_OF_RANGE")
        if bl_lat > tr_lat or bl_lng > tr_lng:
            raise bad("The bottom-left corner must be south-west of the top-right corner", "INVALID_BOX")
        page = r.q_int("pageSize", 50)
        if not 1 <= page <= 50:
            raise bad("pageSize must be within 1..50", "OUT_OF_RANGE")
        available = r.q_bool("filter.isAvailable")
        key = f"{bl_lat},{bl_lng},{tr_lat},{tr_lng},{available}"
        ct = r.headers.get("continuationToken")
        offset = _decode_ct(ct, key) if ct else 0
        ids = self.st.in_box(bl_lat, bl_lng, tr_lat, tr_lng, r.now, available)
        chunk = ids[offset:offset + page]
        more = offset + page < len(ids)
        return 200, {
            "boundingBox": {"bottomLeftLat": bl_lat, "bottomLeftLng": bl_lng, "topRightLat": tr_lat, "topRightLng": tr_lng},
            "data": [self.st.summary_json(i, r.now) for i in chunk],
            "meta": {"count": len(chunk), "hasMoreData": more,
                     "continuationToken": _encode_ct(offset + page, key) if more else None},
        }

    def location(self, r: Request):
        loc_id = r.params["id"]
        if loc_id not in self.st.venue.locations:
            raise ApiError(404, "Location not found")
        evse_uid = r.q("filter.evseUid")
        if evse_uid is not None and not any(
            evse_uid in (e.evse_uid, e.evse_id) for e in self.st.venue.evses_at(loc_id)
        ):
            raise ApiError(404, "EVSE not found at this location")
        self._public(loc_id)
        return 200, self.st.location_json(loc_id, r.now, evse_uid)

    def _public(self, loc_id: str, status: int = 403) -> None:
        if self.st.venue.locations[loc_id].static.get("isPrivateLocation"):
            raise bad("This location is private", "PRIVATE_LOCATION", status=status)

    def location_by_evse(self, r: Request):
        evse = self.st.venue.evse(r.params["evseUid"])
        if evse is None:
            raise ApiError(404, "EVSE not found")
        self._public(evse.location_id)
        return 200, self.st.location_json(evse.location_id, r.now)

    def availability(self, r: Request):
        try:
            data = r.json()
        except ApiError as e:
            raise ApiError(400, e.message) from None
        ids = data.get("locationIds")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ApiError(400, "locationIds must be a list of 1 to 20 location ids")
        if not 1 <= len(ids) <= 20:
            raise ApiError(400, "Provide at least 1 and at most 20 location IDs.")
        seen, out = set(), []
        for i in ids:
            if i in self.st.venue.locations and i not in seen:
                seen.add(i)
                out.append(self.st.availability_json(i, r.now))
        return 200, {"data": out}

    def qr(self, r: Request):
        data = r.json()
        url = data.get("url")
        if not isinstance(url, str) or not url.strip():
            raise bad("url is required", "REQUIRED")
        text = url.strip()
        if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
            raise bad("url is not a URL", "INVALID_URL")
        m = QR_RE.match(text)
        other = OTHER_QR_RE.match(text)
        if m and m.group(1).lower() in QR_HOSTS:
            operator, qr_uuid = m.group(2), m.group(3)
            evse = self.st.venue.evse_by_qr_uuid(qr_uuid)
            datasource = "GSOP" if self.st.strict else "gsop"
        elif other and other.group(1).lower() == OTHER_QR_HOST:
            # the second operator's format: its own host, the EVSE id in the path
            operator, qr_uuid, datasource = OTHER_QR_OPERATOR, None, "OCPI"
            evse = self.st.venue.evse(unquote(other.group(2)).upper())
            if evse is not None:
                qr_uuid = evse.qr_uuid
        else:
            return 200, {"valid": False, "id": None, "datasource": None, "operator": m.group(2) if m else None,
                         "locationId": None, "ocpiLocationId": None, "evseUid": None, "connectorId": None,
                         "url": text, "embeddedUrl": None, "createdDate": self.st.utc_stamp(r.now)}
        if evse is None:
            raise bad("This QR code is not known", "QR_NOT_FOUND", status=404)
        self._public(evse.location_id)
        return 200, {
            "valid": True,
            "id": qr_uuid.lower(),
            "datasource": datasource,
            "operator": operator,
            "locationId": evse.location_id,
            "ocpiLocationId": evse.location_id.split("-")[-1].upper(),
            "evseUid": evse.evse_uid,
            "connectorId": evse.connectors[0].id if len(evse.connectors) == 1 else None,
            "url": text,
            "embeddedUrl": None,
            "createdDate": self.st.utc_stamp(self.sim.started_at),
        }

    def tariff(self, r: Request):
        tok = self.st.token(r.params["appToken"])
        loc_id, uid = r.params["locationId"], r.params["evseUid"]
        evse = self.st.venue.evse(uid)
        if loc_id not in self.st.venue.locations or evse is None or evse.location_id != loc_id:
            raise ApiError(404, "Location or EVSE not found")
        cid = r.q("connectorId")
        if cid is not None and evse.connector(cid) is None:
            raise ApiError(404, "Connector not found")
        data = self.st.tariff_items(tok, loc_id, evse, cid, r.now)
        return 200, {"data": data, "meta": {"count": len(data), "hasMoreData": False, "continuationToken": None}}

    def default_tariff(self, r: Request):
        loc_id, uid = r.params["locationId"], r.params["evseUid"]
        evse = self.st.venue.evse(uid)
        if loc_id not in self.st.venue.locations or evse is None or evse.location_id != loc_id:
            raise ApiError(404, "No tariff found: the location or EVSE is not known")
        cid = r.q("connectorId")
        if cid == "":
            raise ApiError(400, "The connectorId field must not be empty.")
        if cid is not None and evse.connector(cid) is None:
            raise ApiError(404, "No tariff found for this connector")
        self._public(loc_id, status=404)
        item = self.st.default_tariff_item(loc_id, evse, cid, r.now)
        return (204, None) if item is None else (200, item)

    def bulk_tariff(self, r: Request):
        tok = self.st.token(r.params["appToken"])
        pm = next((p for p in tok.wallet if p.id == r.params["paymentMethodId"]), None)
        if pm is None:
            raise ApiError(404, "Payment method not found")
        try:
            data = r.json()
        except ApiError as e:
            raise ApiError(400, e.message) from None
        pairs = data.get("locationEvses")
        if not isinstance(pairs, list) or not 1 <= len(pairs) <= BULK_MAX:
            raise ApiError(400, f"locationEvses must be a list of 1 to {BULK_MAX} location/EVSE pairs")
        wanted = []
        for p in pairs:
            if not isinstance(p, dict) or not isinstance(p.get("locationId"), str) \
                    or not isinstance(p.get("evseUid"), str):
                raise ApiError(400, "every item of locationEvses needs a locationId and an evseUid")
            wanted.append((p["locationId"], p["evseUid"]))
        return 200, {"evseTariffs": self.st.bulk_tariffs(tok, pm, wanted, r.now)}

    # --- sessions ----------------------------------------------------------------------

    def _session_token(self, r: Request):
        app_token = r.q("appToken")
        if not app_token:
            raise bad("The query parameter 'appToken' is required", "REQUIRED")
        tok = self.st.tokens.get(app_token)
        if tok is None:
            raise ApiError(403, "Invalid token used")
        return tok

    def start(self, r: Request):
        app_token = r.q("appToken")
        if not app_token:
            raise bad("The query parameter 'appToken' is required", "REQUIRED")
        data = r.json()
        msgs = []
        for name in ("locationId", "evseUid", "paymentMethodId"):
            v = data.get(name)
            if not isinstance(v, str) or not v:
                msgs.append(("REQUIRED", f"'{name}' is required"))
        cid = data.get("connectorId")
        if cid is not None and not isinstance(cid, str):
            msgs.append(("INVALID_TYPE", "'connectorId' must be a string"))
        if msgs:
            raise ApiError(400, "The request is invalid", msgs)
        tok = self._session_token(r)
        loc_id = data["locationId"]
        evse = self.st.venue.evse(data["evseUid"])
        if loc_id not in self.st.venue.locations:
            raise ApiError(404, "Location not found")
        if evse is None or evse.location_id != loc_id:
            raise ApiError(404, "EVSE not found at this location")
        if self.st.venue.locations[loc_id].static.get("isPrivateLocation"):
            raise ApiError(403, "This charger is private: the token may not use it")
        if cid is None or cid == "":
            if len(evse.connectors) > 1:
                raise bad("This EVSE has several connectors: connectorId is required", "CONNECTOR_REQUIRED")
            cid = evse.connectors[0].id
        elif evse.connector(cid) is None:
            raise ApiError(404, "Connector not found")
        s = self.st.start(tok, loc_id, evse, cid, data["paymentMethodId"], r.now)
        return 200, {"chargeSessionId": s.id, "nextStatusCall": self.st.utc_stamp(self.st.next_call(s, r.now)),
                     "messageId": self.st.new_id()}

    def _session(self, r: Request, sid: str | None):
        tok = self._session_token(r)
        s = self.st.sessions.get(sid or "")
        if s is None:
            raise ApiError(404, "Session not found")
        if s.app_token != tok.app_token:
            raise ApiError(403, "This session belongs to another appToken")
        return s

    def status(self, r: Request):
        sid = r.q("chargeSessionId")
        if not sid:
            raise bad("The query parameter 'chargeSessionId' is required", "REQUIRED")
        n = r.q_int("maxDataPoints", 15)
        if n < 0 or n > 10000:
            raise bad("maxDataPoints must be within 0..10000", "OUT_OF_RANGE")
        s = self._session(r, sid)
        return 200, self.st.status_json(s, r.now, n)

    def stop(self, r: Request):
        if not r.q("appToken"):
            raise bad("The query parameter 'appToken' is required", "REQUIRED")
        data = r.json()
        sid = data.get("chargeSessionId")
        if not isinstance(sid, str) or not sid:
            raise bad("'chargeSessionId' is required", "REQUIRED")
        s = self._session(r, sid)
        self.st.stop(s, r.now)
        return 200, self.st.status_json(s, r.now)

    # --- control -----------------------------------------------------------------------

    def sim_state(self, r: Request):
        return 200, {
            "seed": self.sim.seed,
            "speed": self.sim.clock.speed,
            "strict": self.sim.strict,
            "authStyle": self.sim.auth_style,
            "now": iso(r.now),
            "baseUrl": self.sim.base_url,
            "tokens": len(self.st.tokens),
            "sessions": {s.id: s.status for s in self.st.sessions.values()},
            "faults": self.sim.faults.snapshot(),
            "scenario": self.st.scenario.to_json(),
        }

    def sim_venue(self, r: Request):
        return 200, self.st.venue.describe()

    def sim_faults(self, r: Request):
        return 200, self.sim.faults.snapshot()

    def sim_set_fault(self, r: Request):
        data = r.json()
        endpoint = data.pop("endpoint", None)
        if not isinstance(endpoint, str):
            raise bad("'endpoint' is required, e.g. 'POST /session/start' or '*'")
        keys = {"latency_s", "error_rate", "error_status", "rate_limit", "retry_after", "drop_after_action",
                "malformed_json", "times"}
        if set(data) - keys:
            raise bad(f"unknown fault settings: {sorted(set(data) - keys)}")
        try:
            fault = self.sim.faults.set(endpoint, **data)
        except (TypeError, ValueError) as e:
            raise bad(str(e)) from None
        return 200, {endpoint: fault.to_json()}

    def sim_clear_faults(self, r: Request):
        endpoint = r.q("endpoint")
        self.sim.faults.clear(endpoint)
        return 200, self.sim.faults.snapshot()

    def sim_scenario(self, r: Request):
        return 200, self.st.scenario.to_json()

    def sim_set_scenario(self, r: Request):
        data = r.json()
        sc = self.st.scenario
        for key, attr in (("externalPayments", "external_payments"), ("traffic", "traffic"),
                          ("busyRejects", "busy_rejects"), ("cardWithoutTariff", "card_without_tariff"),
                          ("defaultTokenCard", "default_token_card")):
            if key in data:
                if not isinstance(data[key], bool):
                    raise bad(f"'{key}' must be true or false")
                setattr(sc, attr, data[key])
        if "errorContentType" in data:
            if data["errorContentType"] not in (None, *ERROR_TYPES):
                raise bad(f"'errorContentType' must be null or one of {', '.join(ERROR_TYPES)}")
            sc.error_content_type = data["errorContentType"]
        if data.get("reset"):
            sc.reset()
        return 200, sc.to_json()

    def _evse_arg(self, data: dict) -> str:
        uid = data.get("evseUid")
        if not isinstance(uid, str) or self.st.venue.evse(uid) is None:
            raise ApiError(404, "EVSE not found")
        return uid

    def sim_no_car(self, r: Request):
        self.st.scenario.no_car(self._evse_arg(r.json()))
        return 200, self.st.scenario.to_json()

    def sim_block(self, r: Request):
        data = r.json()
        self.st.scenario.block(self._evse_arg(data), bool(data.get("blocked", True)))
        return 200, self.st.scenario.to_json()

    def sim_car(self, r: Request):
        data = r.json()
        uid = self._evse_arg(data)
        kwargs = {k: data[k] for k in ("battery_kwh", "soc", "ac_max_kw", "dc_max_kw") if k in data}
        try:
            self.st.scenario.car(uid, **kwargs)
        except (TypeError, ValueError) as e:
            raise bad(str(e)) from None
        return 200, self.st.scenario.to_json()

    def sim_unplug(self, r: Request):
        return 200, {"unplugged": self.st.scenario.unplug(self._evse_arg(r.json()))}

    def sim_fault(self, r: Request):
        return 200, {"failed": self.st.scenario.fault(self._evse_arg(r.json()))}

    def sim_clock(self, r: Request):
        data = r.json()
        try:
            if "speed" in data:
                self.sim.clock.set_speed(float(data["speed"]))
            if "advance" in data:
                self.sim.clock.advance(float(data["advance"]))
        except (TypeError, ValueError) as e:
            raise bad(str(e)) from None
        return 200, {"now": iso(self.sim.clock.now()), "speed": self.sim.clock.speed}


BULK_MAX = 100  # most location/EVSE pairs one POST /bulktariff answers
TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
          429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
          503: "Service Unavailable", 504: "Gateway Timeout"}
# ASP.NET's problem types (RFC 9110 sections) for the ProblemDetails the document declares
PROBLEM_TYPES = {400: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                 404: "https://tools.ietf.org/html/rfc9110#section-15.5.5"}


def error_body(fmt: str | None, status: int, e: ApiError) -> tuple[Any, str]:
    """The error body in the shape ``fmt`` (None: undocumented, RFC 7807 problem+json)."""
    if fmt == S:
        return e.message, "application/json"
    if fmt == VR:
        msgs = e.messages or [(e.code or "ERROR", e.message)]
        return {
            "validationMessages": [{"code": c, "message": m} for c, m in msgs],
            "message": e.message,
            "developerMessage": None,
        }, "application/json"
    if fmt == V2:
        return {"message": e.message, "code": e.code or (e.messages[0][0] if e.messages else "ERROR"),
                "context": None, "validationStatus": "Error"}, "application/json"
    if fmt == PD:
        body: dict[str, Any] = {"type": PROBLEM_TYPES.get(status, "about:blank"),
                                "title": "One or more validation errors occurred." if status == 400
                                else TITLES.get(status, "Error"),
                                "status": status, "detail": e.message}
        if status == 400:
            body["errors"] = {"request": [m for _c, m in e.messages] or [e.message]}
        return body, "application/json"
    if fmt == BRO:  # ASP.NET serialised the BadRequestObjectResult instead of its value
        return {"value": e.message, "formatters": [], "contentTypes": [], "declaredType": None,
                "statusCode": status}, "application/json"
    return {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status, "detail": e.message}, \
        "application/problem+json"


def encode_error(fmt: str | None, status: int, e: ApiError, ctype: str | None = None) -> tuple[bytes, str]:
    """(body bytes, Content-Type) of an error answer. ``ctype`` is one of the documented
    content types; a string body in ``text/plain`` is the bare text, anything else JSON."""
    body, default = error_body(fmt, status, e)
    ctype = ctype if fmt is not None and ctype else default
    if fmt == S and ctype == "text/plain":
        raw = body.encode()
    else:
        raw = json.dumps(_prune(body), separators=(",", ":")).encode()
    return raw, f"{ctype}; charset=utf-8"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    server_version = "ChargeAssistSim/1.0"
    sim: SimServer  # set on the subclass per server

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s %s", self.command, format % args if args else format)

    def date_time_string(self, timestamp=None) -> str:  # the Date header is virtual time
        return format_datetime(self.sim.clock.now(), usegmt=True)

    def do_GET(self): self._handle()  # noqa: E704
    def do_PUT(self): self._handle()  # noqa: E704
    def do_POST(self): self._handle()  # noqa: E704
    def do_DELETE(self): self._handle()  # noqa: E704
    def do_PATCH(self): self._handle()  # noqa: E704

    def _send(self, status: int, body: Any, ctype: str = "application/json; charset=utf-8",
              headers: dict[str, str] | None = None, raw: bytes | None = None) -> None:
        if raw is not None:
            payload = raw
        elif body is None or status == 204:
            payload = b""
        else:
            payload = json.dumps(_prune(body), separators=(",", ":")).encode()
        self.send_response(status)
        if payload:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    def _authorised(self) -> bool:
        """The key in the header style(s) this server accepts (``auth_style``)."""
        key = self.sim.api_key.encode()
        style = self.sim.auth_style
        auth = self.headers.get("Authorization") or ""
        if style in ("any", "authorization") and auth[:7].lower() == "apikey " \
                and hmac.compare_digest(auth[7:].strip().encode(), key):
            return True
        if style in ("any", "ocp-apim"):
            return hmac.compare_digest((self.headers.get("Ocp-Apim-Subscription-Key") or "").strip().encode(), key)
        return False

    def _error(self, route: Route | None, status: int, e: ApiError, headers: dict[str, str] | None = None) -> None:
        fmt = route.errors.get(status) if route is not None else None
        ctype = self.sim.error_content_type(route.template, status) if fmt is not None else None
        raw, ct = encode_error(fmt, status, e, ctype)
        self._send(status, None, ct, headers, raw=raw)

    def _handle(self) -> None:
        sim = self.sim
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            self._error(None, 400, ApiError(400, "Invalid Content-Length"))
            return
        body = self.rfile.read(length) if length > 0 else b""
        split = urlsplit(self.path)
        segments = [unquote(s) for s in split.path.strip("/").split("/")]
        query = parse_qs(split.query, keep_blank_values=True)
        route, params, path_known = None, None, False
        for rt in ROUTES:
            p = rt.match(segments)
            if p is not None:
                path_known = True
                if rt.method == self.command:
                    route, params = rt, p
                    break
        if route is None:
            e = ApiError(405 if path_known else 404, "Method not allowed" if path_known else "No such path")
            self._error(None, e.status, e)
            return
        if route.template not in NO_AUTH and not self._authorised():
            how = {"any": "'Authorization: ApiKey <key>' or 'Ocp-Apim-Subscription-Key: <key>'",
                   "authorization": "'Authorization: ApiKey <key>'",
                   "ocp-apim": "'Ocp-Apim-Subscription-Key: <key>'"}[sim.auth_style]
            e = ApiError(401, f"Access denied: missing or invalid API key (send {how})")
            self._error(None, 401, e, {"WWW-Authenticate": 'ApiKey realm="charge-assist"'})
            return
        control = route.template.startswith("/_sim/")
        decision = sim.faults.decide(route.endpoint) if not control else None
        if decision and decision.latency_s:
            time.sleep(decision.latency_s)
        if decision and decision.fail_status:
            st = decision.fail_status
            e = ApiError(st, "Simulated fault" if st != 429 else "Rate limit exceeded; retry later")
            hdrs = {"Retry-After": _fmt_secs(decision.retry_after)} if decision.retry_after is not None else {}
            self._error(route, st, e, hdrs)
            return
        try:
            with sim.state.lock:
                now = sim.clock.now()
                sim.state.advance(now)
                req = Request(self.command, route, params, query, self.headers, body, now)
                status, result = getattr(sim.api, route.func)(req)
                sim.requests += 1
            ctype = "application/json; charset=utf-8"
            failure = None
        except ApiError as e:
            status, result, ctype, failure = e.status, None, None, e
        except Exception:  # a bug: answer 500 and say so loudly
            log.error("simulator error on %s %s\n%s", self.command, route.template, traceback.format_exc())
            sim.errors.append(traceback.format_exc())
            status, result, ctype, failure = 500, None, None, ApiError(500, "Internal simulator error")
        sim.stats[(route.endpoint, status)] += 1
        if decision and decision.drop_after_action:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if failure is not None:
            self._error(route if status != 500 else None, status, failure)
            return
        if decision and decision.malformed_json and status < 300:
            text = json.dumps(result if result is not None else {}, separators=(",", ":"))
            raw = (text[: max(1, len(text) // 2)] + "\u00ab<truncated").encode()
            self._send(status, None, ctype, raw=raw)
            return
        if route.template == "/servicestatus" and status == 200:
            self._send(200, None, "text/plain; charset=utf-8", raw=b"")
            return
        self._send(status, result, ctype)


# Object-valued fields ($ref in the contract, not nullable) and nullable enums (null is not
# in the enum, so strict OAS 3.0 validators reject it): absent rather than null.
REF_FIELDS = frozenset({
    "error",
    "operator", "suboperator", "owner", "branding", "logo", "coordinates", "costBreakdown", "tariff",
    "tariffWholeSale", "linkedPaymentMethod", "usageSummary", "paymentMethod", "restrictions", "settings",
    "boundingBox", "meta", "location",
})


def _prune(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _prune(v) for k, v in node.items() if not (v is None and k in REF_FIELDS)}
    if isinstance(node, list):
        return [_prune(v) for v in node]
    return node


def _fmt_secs(x: float | None) -> str:
    if x is None:
        return "1"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


class SimServer:
    """The Charge Assist simulator. ``start()`` serves in a daemon thread.

    By default the answers look like the upstream document's own examples, quirks included
    (see README.md); ``strict=True`` gives the tidy answers of the condensed contract
    (RFC 3339 UTC, IANA zones, costs from COMPLETED, a receipt number for every session,
    JSON error bodies only). ``card_without_tariff``: the venue's charge card gets no
    tariff (the guide's example). ``auth_style``: "any" header style, or only
    "authorization" (``Authorization: ApiKey``) or only "ocp-apim".
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, seed: int = 1, speed: float = 1.0,
                 api_key: str = DEMO_API_KEY, venue: Venue | None = None, start_time: datetime | None = None,
                 *, strict: bool = False, card_without_tariff: bool = False, auth_style: str = "any") -> None:
        if auth_style not in AUTH_STYLES:
            raise ValueError(f"auth_style must be one of {AUTH_STYLES}")
        self.host, self.port, self.seed, self.api_key = host, port, seed, api_key
        self.strict = strict
        self.auth_style = auth_style
        self.clock = VirtualClock(speed, start_time)
        self.started_at = self.clock.now()
        self.venue = venue or build_venue(seed)
        self.state = SimState(self.venue, self.clock, seed, strict=strict, card_without_tariff=card_without_tariff)
        self._rotation: Counter[tuple[str, int]] = Counter()
        self._rotation_lock = threading.Lock()
        self.faults = Faults(seed)
        self.scenario = self.state.scenario
        self.api = Api(self)
        self.requests = 0
        self.stats: Counter[tuple[str, int]] = Counter()  # (endpoint, status) of handled requests
        self.errors: list[str] = []  # tracebacks of 500s caused by simulator bugs
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def speed(self) -> float:
        return self.clock.speed

    def error_content_type(self, template: str, status: int) -> str:
        """The content type of the next documented error answer of this operation and
        status: pinned by ``scenario.error_content_type``, else each documented one in turn
        (strict: always application/json)."""
        types = ERROR_TYPES_ONLY.get((template, status), ERROR_TYPES)
        pinned = self.scenario.error_content_type
        if self.strict or (pinned is not None and pinned not in types):
            return "application/json"
        if pinned is not None:
            return pinned
        with self._rotation_lock:
            n = self._rotation[(template, status)]
            self._rotation[(template, status)] += 1
        return types[n % len(types)]

    @property
    def base_url(self) -> str:
        host = self.host if ":" not in self.host else f"[{self.host}]"
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host == "[::]":
            host = "[::1]"
        return f"http://{host}:{self.port}"

    def auth_headers(self, style: str = "authorization") -> dict[str, str]:
        if style == "ocp-apim":
            return {"Ocp-Apim-Subscription-Key": self.api_key}
        return {"Authorization": f"ApiKey {self.api_key}"}

    def now(self) -> datetime:
        return self.clock.now()

    def start(self) -> SimServer:
        if self._httpd is not None:
            return self
        handler = type("SimHandler", (_Handler,), {"sim": self})
        server_cls = ThreadingHTTPServer
        if ":" in self.host:  # an IPv6 address such as "::1" or "::"
            server_cls = type("SimHTTPServer6", (ThreadingHTTPServer,), {"address_family": socket.AF_INET6})
        httpd = server_cls((self.host, self.port), handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"kiosk-sim:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
