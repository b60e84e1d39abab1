"""The Charge Assist client: one long-lived :class:`httpx.AsyncClient`, one method per
operation the kiosk uses of the operator's document (``upstream/openapi.json``). See
``kiosk/api/README.md`` for errors, retries, limits and logging.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import ssl
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from kiosk import __version__
from kiosk.api import errors, models
from kiosk.api.retry import RETRY_STATUSES, RetryPolicy, is_repeatable, parse_retry_after
from kiosk.logsetup import REDACTED, redact, register_secret, tame_http_loggers

if TYPE_CHECKING:
    from kiosk.config import Settings

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

#: Path parameters never written to a log line.
SECRET_PATH_PARAMS = frozenset({"appToken", "id", "paymentMethodId"})
#: Most locations one ``POST /locations/availability`` may ask for.
AVAILABILITY_BATCH = 20
#: Safety stop for following continuation tokens.
MAX_PAGES = 200
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Most location/EVSE pairs asked in one ``POST /bulktariff`` (the document states no limit).
BULK_TARIFF_BATCH = 50
#: Largest answer read (bytes, after decompression); a larger one is refused as malformed.
#: The largest real answers (a month of history with a location per session, a bounding-box
#: page of 50 locations) are well under a megabyte.
MAX_BODY_BYTES = 8 * 1024 * 1024
#: Error answers are only read for their message: at most this much is kept.
MAX_ERROR_BODY_BYTES = 64 * 1024
#: Deepest JSON nesting accepted (real answers nest under 12 levels).
MAX_JSON_DEPTH = 64
#: Headers that describe the body as sent, not as kept after reading it.
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class _BodyError(Exception):
    """The body broke a limit (too large, too deep, a non-finite number)."""


def json_depth(raw: bytes) -> int:
    """Deepest nesting of ``[``/``{`` in a JSON text (brackets inside strings ignored).
    Counted without parsing: a deep text would exhaust the parser's recursion first."""
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for b in brackets:
        if b in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400
        raise _BodyError(f"a number out of range ({text[:20]})")
    return value


def _no_constant(name: str) -> Any:
    raise _BodyError(f"a non-finite number ({name})")


def loads(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON with the client's limits: no ``NaN``/``Infinity``, no overflowing number,
    nesting at most ``max_depth``. Raises :class:`ValueError` (not JSON) or ``_BodyError``."""
    if json_depth(raw) > max_depth:
        raise _BodyError(f"JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise _BodyError("JSON nested too deep") from None


def make_timeout(seconds: float) -> httpx.Timeout:
    """Explicit timeouts: connecting fails fast, reading waits the full budget."""
    return httpx.Timeout(connect=min(5.0, seconds), read=seconds, write=seconds, pool=seconds)


def server_time(response: httpx.Response) -> datetime | None:
    """The server's clock from the ``Date`` header (None if absent or unreadable)."""
    value = response.headers.get("date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


AUTH_HEADERS = ("authorization", "ocp-apim-subscription-key")


def _register_header_secrets(headers: Mapping[str, str]) -> None:
    for name, value in headers.items():
        if name.lower() in AUTH_HEADERS:
            register_secret(value)
            register_secret(value.split(" ", 1)[-1])


def _error_details(response: httpx.Response) -> tuple[str, list[str]]:
    """The API's message and validation messages from an error answer, whatever its shape
    (ValidationResponse, ValidationResponseV2, ProblemDetails, a JSON string or text)."""
    fallback = response.reason_phrase or f"HTTP {response.status_code}"
    if response.is_redirect:  # never followed: a captive portal or a wrong base URL
        where = response.headers.get("location", "?")
        return f"unexpected redirect to {where} (captive portal or wrong base URL?)", []
    try:
        body = loads(response.content)
    except (ValueError, _BodyError):
        return (response.text.strip()[:300] or fallback), []
    if isinstance(body, dict) and "value" in body and "statusCode" in body:
        body = body["value"]  # an ASP.NET BadRequestObjectResult serialised whole: the message is its value
    if isinstance(body, str):
        return (body.strip() or fallback), []
    if not isinstance(body, dict):
        return fallback, []
    messages = [
        str(vm.get("message") or vm.get("code"))
        for vm in body.get("validationMessages") or []
        if isinstance(vm, dict) and (vm.get("message") or vm.get("code"))
    ]
    problem_errors = body.get("errors")
    if isinstance(problem_errors, dict):  # ASP.NET validation problem details
        for field_messages in problem_errors.values():
            if isinstance(field_messages, list):
                messages.extend(str(m) for m in field_messages)
    message = body.get("message") or body.get("detail") or body.get("title") or body.get("developerMessage")
    if not message:
        message = messages[0] if messages else fallback
    return str(message), messages


@dataclass(frozen=True)
class _Call:
    """One operation, ready to send (and to send again)."""

    method: str
    path: str  # quoted path
    shown: str  # redacted path for logs and errors
    params: dict[str, Any]
    json: Any
    headers: Mapping[str, str] | None
    repeatable: bool  # safe to retry
    mutates: bool  # the server may change state: a lost answer may have taken effect
    auth: Mapping[str, str] | None = None  # replaces the client's key header (kiosk doctor)


class ChargeAssistClient:
    """Async client of the Charge Assist API.

    ``headers`` carry the API key (``settings.auth_headers()``); their values and the
    ``app_token`` are registered with :func:`kiosk.logsetup.register_secret`, so no log
    line can show them. ``transport`` lets tests pass an :class:`httpx.MockTransport`.
    """

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        app_token: str | None = None,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_json_depth: int = MAX_JSON_DEPTH,
        verify: ssl.SSLContext | None = None,
    ) -> None:
        headers = dict(headers or {})
        _register_header_secrets(headers)
        tame_http_loggers()
        self.app_token = app_token
        #: (the server's clock from the last answer's ``Date``, time.monotonic() then)
        self.last_server_time: tuple[datetime, float] | None = None
        self.retry = retry or RetryPolicy()
        #: seconds one attempt may take in all: connecting, sending and the whole answer
        self.deadline = float(timeout)
        self.max_body_bytes = max_body_bytes
        self.max_json_depth = max_json_depth
        headers.setdefault("Accept", "application/json")
        headers.setdefault("User-Agent", f"charge-assist-kiosk/{__version__}")
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=make_timeout(timeout),
            transport=transport,
            follow_redirects=False,
            verify=verify if verify is not None else True,   # a context made ahead: kiosk.api.tls
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, *, retry: RetryPolicy | None = None, transport: httpx.AsyncBaseTransport | None = None,
        verify: ssl.SSLContext | None = None,
    ) -> ChargeAssistClient:
        for secret in settings.secrets():  # the venue card and PIN too, not only key and token
            register_secret(secret)
        return cls(
            settings.base_url,
            headers=settings.auth_headers(),
            app_token=settings.app_token,
            timeout=settings.request_timeout_s,
            retry=retry,
            transport=transport,
            verify=verify,
        )

    @property
    def app_token(self) -> str | None:
        return self._app_token

    @app_token.setter
    def app_token(self, value: str | None) -> None:
        register_secret(value)  # never in a log line, whoever sets it
        self._app_token = value

    @property
    def base_url(self) -> str:
        return str(self._http.base_url).rstrip("/")

    async def __aenter__(self) -> ChargeAssistClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def is_closed(self) -> bool:
        return self._http.is_closed

    # ----------------------------------------------------------------------------------
    # plumbing
    # ----------------------------------------------------------------------------------

    def _token(self) -> str:
        if not self._app_token:
            raise errors.NotConfigured("no appToken is configured (setting app_token, KIOSK_APP_TOKEN)")
        return self._app_token

    def _prepare(
        self,
        method: str,
        template: str,
        path_params: Mapping[str, str] | None,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: Mapping[str, str] | None,
        retry: bool,
    ) -> _Call:
        path_params = path_params or {}
        read_only_post = method == "POST" and is_repeatable(method, template)
        return _Call(
            method=method,
            path=template.format(**{k: quote(str(v), safe="") for k, v in path_params.items()}),
            shown=redact(template.format(**{k: REDACTED if k in SECRET_PATH_PARAMS else v
                                            for k, v in path_params.items()})),
            params={k: v for k, v in (params or {}).items() if v is not None},
            json=json,
            headers=headers,
            repeatable=retry and is_repeatable(method, template),
            mutates=method not in READ_METHODS and not read_only_post,
        )

    async def _request(
        self,
        method: str,
        template: str,
        path_params: Mapping[str, str] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        retry: bool = True,
    ) -> httpx.Response:
        """Send one operation, retrying it when that is safe; raise an ApiError on failure."""
        call = self._prepare(method, template, path_params, params, json, headers, retry)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._send(call)
            except errors.TransportError as exc:
                error: errors.ApiError = exc
            else:
                seen = server_time(response)
                if seen is not None:     # any answer, even an error: the server's clock now
                    self.last_server_time = (seen, time.monotonic())
                if response.is_success:
                    return response
                error = self._http_error(response, call)
            delay = self._retry_delay(call, attempt, error)
            if delay is None:
                raise error
            log.info("retrying %s %s (%s) in %.2f s, attempt %d",
                     call.method, call.shown, error.status or type(error).__name__, delay, attempt + 1)
            await self.retry.sleep(delay)

    def _retry_delay(self, call: _Call, attempt: int, error: errors.ApiError) -> float | None:
        """Seconds before the next attempt, or None when the error is final."""
        if not call.repeatable:
            return None
        if isinstance(error, errors.TransportError):
            return self.retry.delay(attempt, None)
        if error.status not in RETRY_STATUSES:
            return None
        return self.retry.delay(attempt, error.retry_after)

    async def _send(self, call: _Call) -> httpx.Response:
        """One attempt, logged as one DEBUG line; httpx failures become TransportErrors.

        The whole attempt (connect, send, every byte of the answer) has ``deadline``
        seconds: httpx's own timeouts are per network operation, so a server that drips a
        byte a second would otherwise hold the call for as long as it likes. The answer is
        streamed and refused once it passes ``max_body_bytes`` (error answers are cut)."""
        started = time.perf_counter()
        outcome = "?"
        try:
            async with asyncio.timeout(self.deadline):
                response = await self._receive(call)
            outcome = str(response.status_code)
            return response
        except TimeoutError:
            outcome = "deadline"
            raise errors.RequestTimeout(f"no complete answer within {self.deadline:g} s", method=call.method,
                                        path=call.shown, may_have_taken_effect=call.mutates) from None
        except _BodyError as exc:
            outcome = "too large"
            raise errors.MalformedResponse(f"the answer is {exc}", method=call.method, path=call.shown,
                                           may_have_taken_effect=call.mutates) from None
        except httpx.TimeoutException as exc:
            outcome = type(exc).__name__
            sent = not isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
            raise errors.RequestTimeout(f"no answer within the timeout ({outcome})", method=call.method,
                                        path=call.shown, may_have_taken_effect=call.mutates and sent) from None
        except httpx.TransportError as exc:
            outcome = type(exc).__name__
            sent = not isinstance(exc, httpx.ConnectError | httpx.UnsupportedProtocol)
            raise errors.ConnectionFailed(f"connection failed ({outcome})", method=call.method,
                                          path=call.shown, may_have_taken_effect=call.mutates and sent) from None
        finally:
            log.debug("%s %s -> %s in %.0f ms", call.method, call.shown, outcome,
                      (time.perf_counter() - started) * 1000)

    async def _receive(self, call: _Call) -> httpx.Response:
        """Send and read the answer within the body limit; a complete in-memory response."""
        request = self._http.build_request(call.method, call.path, params=call.params or None, json=call.json,
                                           headers=call.headers)
        if call.auth is not None:
            for name in AUTH_HEADERS:
                request.headers.pop(name, None)
            request.headers.update(call.auth)
        response = await self._http.send(request, stream=True)
        try:
            limit = self.max_body_bytes if response.is_success else MAX_ERROR_BODY_BYTES
            declared = response.headers.get("content-length", "")
            if response.is_success and declared.isdigit() and int(declared) > limit:
                raise _BodyError(f"too large ({int(declared)} bytes announced, at most {limit} accepted)")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    if response.is_success:
                        raise _BodyError(f"too large (more than {limit} bytes)")
                    chunks.append(chunk[: len(chunk) - (size - limit)])  # an error's message is at its start
                    break
                chunks.append(chunk)
        finally:
            await response.aclose()
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _WIRE_HEADERS]
        return httpx.Response(response.status_code, headers=headers, content=b"".join(chunks), request=request,
                              extensions={"reason_phrase": response.reason_phrase.encode("ascii", "replace")})

    @staticmethod
    def _http_error(response: httpx.Response, call: _Call) -> errors.ApiError:
        status = response.status_code
        message, validation = _error_details(response)
        return errors.error_class_for_status(status)(
            message,
            status=status,
            validation_messages=validation,
            may_have_taken_effect=call.mutates and status >= 500,
            method=call.method,
            path=call.shown,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )

    def _parse(self, response: httpx.Response, model: type[M], *, mutates: bool = False) -> M:
        method, path = response.request.method, response.request.url.path
        try:
            data = loads(response.content, self.max_json_depth)
        except _BodyError as exc:
            raise errors.MalformedResponse(
                f"the answer has {exc}", status=response.status_code,
                may_have_taken_effect=mutates, method=method, path=redact(path),
            ) from None
        except ValueError:
            raise errors.MalformedResponse(
                "the answer is not valid JSON", status=response.status_code,
                may_have_taken_effect=mutates, method=method, path=redact(path),
            ) from None
        if isinstance(data, list) and "data" in model.model_fields:
            data = {"data": data}  # tolerate a bare list where a list response was expected
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise errors.MalformedResponse(
                f"the answer does not have the expected shape ({model.__name__}: "
                f"{exc.error_count()} problems, first at {'.'.join(map(str, exc.errors()[0]['loc'])) or 'top'})",
                status=response.status_code, may_have_taken_effect=mutates, method=method, path=redact(path),
            ) from None

    # ----------------------------------------------------------------------------------
    # service and token
    # ----------------------------------------------------------------------------------

    async def service_status(self) -> bool:
        """True if the service says it is up; False if it answers 503 (unavailable)."""
        try:
            await self._request("GET", "/servicestatus", retry=False)
        except errors.ServerError as exc:
            if exc.status == 503:
                return False
            raise
        return True

    async def check_key(self, auth: Mapping[str, str] | None = None) -> bool:
        """Whether the service accepts the key: True unless it answers 401. ``auth`` replaces
        this client's key header for this one request (the same base URL, never another):
        how ``kiosk doctor`` finds the header style a gateway wants. A keyed read that
        needs no appToken (``GET /locations/nearby`` at 0,0). Raises other ApiErrors."""
        if auth is not None:
            _register_header_secrets(auth)
        call = replace(self._prepare("GET", "/locations/nearby", None, {"latitude": 0, "longitude": 0}, None, None,
                                     False), auth=auth)
        response = await self._send(call)
        if response.status_code == 401:
            return False
        if not response.is_success:
            raise self._http_error(response, call)
        return True

    async def register_token(self) -> list[models.TokenModel]:
        """``PUT /token/{appToken}``: register the appToken (safe to repeat)."""
        r = await self._request("PUT", "/token/{appToken}", {"appToken": self._token()})
        return self._parse(r, models.TokenModelListResponse).data or []

    async def create_token_v2(
        self, app_token: str, driver_id: str | None = None, emsp_id: str | None = None
    ) -> models.TokenModel:
        """``POST /v2.1/token``."""
        register_secret(app_token)
        body = models.CreateAppTokenRequest(app_token=app_token, driver_id=driver_id, emsp_id=emsp_id)
        r = await self._request("POST", "/v2.1/token", json=_dump(body))
        return self._parse(r, models.TokenModel, mutates=True)

    async def get_token_v2(self) -> models.TokenModel:
        """``GET /v2.1/token/{appToken}``."""
        r = await self._request("GET", "/v2.1/token/{appToken}", {"appToken": self._token()})
        return self._parse(r, models.TokenModel)

    # ----------------------------------------------------------------------------------
    # wallet
    # ----------------------------------------------------------------------------------

    async def wallet(self, location_id: str | None = None) -> list[models.PaymentMethodModel]:
        """The appToken's payment methods (``isCompatible`` set when ``location_id`` given)."""
        r = await self._request(
            "GET", "/payment/{appToken}/wallet", {"appToken": self._token()}, params={"locationId": location_id}
        )
        return self._parse(r, models.PaymentMethodModelListResponse).data or []

    async def add_charge_card(self, visual_number: str) -> models.PaymentMethodModel:
        """Add a charge card by its visual number; it may come back PENDING."""
        register_secret(visual_number)
        body = models.PutChargeCardRequest(visual_number=visual_number)
        r = await self._request("PUT", "/payment/{appToken}/chargecard", {"appToken": self._token()}, json=_dump(body))
        return self._parse(r, models.PaymentMethodModel, mutates=True)

    async def add_external_payment(self, reference: str, display_name: str | None = None) -> models.PaymentMethodModel:
        """Add an external payment reference (room folio, voucher, the venue's PSP)."""
        body = models.PutExternalPaymentMethodRequest(external_payment_method_id=reference, display_name=display_name)
        r = await self._request("PUT", "/payment/{appToken}/external", {"appToken": self._token()}, json=_dump(body))
        return self._parse(r, models.PaymentMethodModel, mutates=True)

    async def remove_payment_method(self, payment_method_id: str) -> None:
        await self._request("DELETE", "/payment/{appToken}/{id}", {"appToken": self._token(), "id": payment_method_id})

    # ----------------------------------------------------------------------------------
    # locations
    # ----------------------------------------------------------------------------------

    async def locations_nearby(
        self, lat: float, lng: float, *, available: bool | None = None, power_type: str | None = None
    ) -> list[models.LocationSummary]:
        params = {
            "latitude": lat,
            "longitude": lng,
            "filter.appToken": self.app_token,
            "filter.isAvailable": available,
            "filter.powerType": power_type,
        }
        r = await self._request("GET", "/locations/nearby", params=params)
        return self._parse(r, models.LocationSummaryGeoListResponse).data or []

    async def locations_in_box(
        self,
        bl_lat: float,
        bl_lng: float,
        tr_lat: float,
        tr_lng: float,
        *,
        page_size: int = 50,
        all_pages: bool = False,
    ) -> list[models.LocationSummary]:
        """Locations in a bounding box: the first page, or every page with ``all_pages``
        (following ``meta.continuationToken`` in the ``continuationToken`` header)."""
        params = {
            "bottomLeftLat": bl_lat,
            "bottomLeftLng": bl_lng,
            "topRightLat": tr_lat,
            "topRightLng": tr_lng,
            "pageSize": page_size,
            "filter.appToken": self.app_token,
        }
        found: list[models.LocationSummary] = []
        token: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            headers = {"continuationToken": token} if token else None
            r = await self._request("GET", "/locations/boundingbox", params=params, headers=headers)
            page = self._parse(r, models.LocationSummaryGeoListResponse)
            found.extend(page.data or [])
            token = page.meta.continuation_token if page.meta and page.meta.has_more_data else None
            if not all_pages or not token or token in seen:
                break
            seen.add(token)
        return found

    async def location(self, location_id: str, *, evse_uid: str | None = None) -> models.LocationModel:
        params = {"filter.evseUid": evse_uid, "filter.appToken": self.app_token}
        r = await self._request("GET", "/locations/{locationId}", {"locationId": location_id}, params=params)
        return self._parse(r, models.LocationModel)

    async def location_by_evse(self, evse_uid: str) -> models.LocationModel:
        r = await self._request(
            "GET", "/locations/evse/{evseUid}", {"evseUid": evse_uid}, params={"filter.appToken": self.app_token}
        )
        return self._parse(r, models.LocationModel)

    async def availability(self, location_ids: Iterable[str]) -> list[models.LocationEvseAvailability]:
        """EVSE statuses of any number of locations, asked in batches of at most 20."""
        ids = list(dict.fromkeys(location_ids))
        result: list[models.LocationEvseAvailability] = []
        for batch in _chunks(ids, AVAILABILITY_BATCH):
            body = models.LocationAvailabilityRequest(location_ids=list(batch))
            r = await self._request("POST", "/locations/availability", json=_dump(body))
            result.extend(self._parse(r, models.LocationAvailabilityResponse).data or [])
        return result

    async def parse_qr(self, text: str) -> models.QrResponse:
        """``POST /qr``: which location/EVSE a scanned QR code points to."""
        r = await self._request("POST", "/qr", json=_dump(models.QrRequest(url=text)))
        return self._parse(r, models.QrResponse)

    # ----------------------------------------------------------------------------------
    # tariff and sessions
    # ----------------------------------------------------------------------------------

    async def tariffs(
        self, location_id: str, evse_uid: str, connector_id: str | None = None
    ) -> list[models.WalletTariffItem]:
        """One item per payment method of the wallet, with its tariff for this EVSE."""
        r = await self._request(
            "GET",
            "/tariff/{appToken}/evse/{locationId}/{evseUid}",
            {"appToken": self._token(), "locationId": location_id, "evseUid": evse_uid},
            params={"connectorId": connector_id},
        )
        return self._parse(r, models.WalletTariffItemListResponse).data or []

    async def default_tariff(
        self, location_id: str, evse_uid: str, connector_id: str | None = None
    ) -> models.WalletTariffItem | None:
        """``GET /tariff/evse/{locationId}/{evseUid}`` (no appToken): the price for the
        operator's default token, i.e. the charger's public price. None when the service
        answers 204 ("requested for a charge card payment method as this is unknown");
        :class:`errors.NotFound` when no tariff exists for the connector."""
        r = await self._request(
            "GET",
            "/tariff/evse/{locationId}/{evseUid}",
            {"locationId": location_id, "evseUid": evse_uid},
            params={"connectorId": connector_id},
        )
        if r.status_code == 204 or not r.content.strip():
            return None
        return self._parse(r, models.WalletTariffItem)

    async def bulk_tariffs(
        self, payment_method_id: str, evses: Iterable[tuple[str, str]]
    ) -> list[models.EvseTariffItem]:
        """``POST /bulktariff/{appToken}/paymentmethod/{paymentMethodId}``: the tariff of one
        payment method at many EVSEs ((location id, EVSE uid) pairs), asked in batches of
        at most 50. Only read: retried like a GET."""
        pairs = list(dict.fromkeys(evses))
        result: list[models.EvseTariffItem] = []
        for batch in _chunks(pairs, BULK_TARIFF_BATCH):
            body = models.BulkTariffsRequest(location_evses=[
                models.LocationEvseTariffRequest(location_id=loc, evse_uid=uid) for loc, uid in batch])
            r = await self._request(
                "POST",
                "/bulktariff/{appToken}/paymentmethod/{paymentMethodId}",
                {"appToken": self._token(), "paymentMethodId": payment_method_id},
                json=_dump(body),
            )
            result.extend(self._parse(r, models.BulkTariffResponse).evse_tariffs or [])
        return result

    async def start_session(
        self, location_id: str, evse_uid: str, connector_id: str | None, payment_method_id: str
    ) -> models.StartResponse:
        """``POST /session/start``. Never retried: if the answer is lost the error says
        ``may_have_taken_effect``; look at :meth:`session_history` before starting again."""
        body = models.StartRequest(
            location_id=location_id, evse_uid=evse_uid, connector_id=connector_id, payment_method_id=payment_method_id
        )
        r = await self._request("POST", "/session/start", params={"appToken": self._token()}, json=_dump(body))
        started = self._parse(r, models.StartResponse, mutates=True)
        started.server_time = server_time(r)
        return started

    async def session_status(self, charge_session_id: str, max_data_points: int | None = None) -> models.StatusResponse:
        params = {"appToken": self._token(), "chargeSessionId": charge_session_id, "maxDataPoints": max_data_points}
        r = await self._request("GET", "/session/status", params=params)
        status = self._parse(r, models.StatusResponse)
        status.server_time = server_time(r)
        return status

    async def stop_session(self, charge_session_id: str) -> models.StatusResponse:
        """``POST /session/stop``. Never retried (see :meth:`start_session`)."""
        body = models.StopRequest(charge_session_id=charge_session_id)
        r = await self._request("POST", "/session/stop", params={"appToken": self._token()}, json=_dump(body))
        status = self._parse(r, models.StatusResponse, mutates=True)
        status.server_time = server_time(r)
        return status

    async def session_history(
        self,
        *,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        statuses: Sequence[str] | None = None,
        charge_session_id: str | None = None,
        sort_desc: bool = True,
    ) -> list[models.SessionHistoryModel]:
        """``GET /token/{appToken}/sessions``, newest first unless ``sort_desc=False``."""
        params: dict[str, Any] = {
            "filter.chargeSessionId": charge_session_id,
            "filter.dateTimeFrom": date_from.isoformat() if date_from else None,
            "filter.dateTimeTo": date_to.isoformat() if date_to else None,
            "filter.sessionStatus": [str(s) for s in statuses] if statuses else None,
            "sortDesc": sort_desc,
        }
        r = await self._request("GET", "/token/{appToken}/sessions", {"appToken": self._token()}, params=params)
        return self._parse(r, models.SessionHistoryModelListResponse).data or []


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
