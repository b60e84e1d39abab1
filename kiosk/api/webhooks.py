"""The hotel's own HTTP endpoints (not Charge Assist): the signed webhook that posts a
charge to the guest's bill, and the room look-up URL of the property-management system.

Kept in ``kiosk.api`` because this package is the only httpx user (import-linter); it knows
nothing of the Charge Assist client beyond the limits it shares (``make_timeout``).

Signing follows Standard Webhooks (https://www.standardwebhooks.com): headers
``webhook-id`` (the posting's id, the same on every attempt: the receiver deduplicates by
it), ``webhook-timestamp`` (seconds, fresh on every attempt) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`` with the secret's bytes; a
``whsec_`` secret is base64). The ``standardwebhooks`` package computes the signature.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from kiosk.api.client import make_timeout

#: answers up to this size are read (an error page is only kept for its first bytes)
MAX_ANSWER_BYTES = 64 * 1024
#: statuses after which sending the same posting again may succeed
RETRYABLE = frozenset({408, 425, 429})


class WebhookError(Exception):
    """A delivery that did not succeed. ``permanent``: the receiver refused this posting
    (4xx other than 408/425/429), sending it again as it is will not help."""

    def __init__(self, message: str, *, status: int | None = None, permanent: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.permanent = permanent
        self.retry_after = retry_after


def check_secret(secret: str) -> bytes:
    """The key bytes of a ``whsec_<base64>`` secret (ValueError when it is not one)."""
    import base64
    import binascii

    if not secret.startswith("whsec_"):
        raise ValueError("must start with whsec_ followed by base64")
    try:
        key = base64.b64decode(secret[6:] + "==", validate=False)
    except (binascii.Error, ValueError):
        raise ValueError("must be whsec_ followed by base64") from None
    if len(key) < 24:
        raise ValueError("must hold at least 24 random bytes (whsec_ + base64)")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` header value for one attempt."""
    from standardwebhooks import Webhook

    return Webhook(secret).sign(msg_id, datetime.fromtimestamp(timestamp, UTC), body)


def _retry_after(resp: httpx.Response) -> float | None:
    raw = resp.headers.get("retry-after")
    try:
        return max(0.0, min(3600.0, float(raw))) if raw is not None else None
    except ValueError:
        return None


class WebhookSender:
    """POSTs signed postings to one endpoint (one long-lived AsyncClient)."""

    def __init__(self, url: str, secret: str, *, timeout: float = 10.0, transport: Any = None,
                 now: Any = time.time) -> None:
        check_secret(secret)
        self.url = url
        self._secret = secret
        self.timeout = timeout
        self._now = now
        self._http = httpx.AsyncClient(timeout=make_timeout(timeout), transport=transport, follow_redirects=False,
                                       headers={"user-agent": "charge-assist-kiosk"})

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, msg_id: str, body: str) -> int:
        """Deliver once. Returns the 2xx status; raises :class:`WebhookError` otherwise."""
        ts = int(self._now())
        headers = {"content-type": "application/json", "webhook-id": msg_id, "webhook-timestamp": str(ts),
                   "webhook-signature": sign(self._secret, msg_id, ts, body)}
        try:
            async with asyncio.timeout(self.timeout):
                async with self._http.stream("POST", self.url, content=body.encode("utf-8"), headers=headers) as r:
                    size = 0
                    async for chunk in r.aiter_bytes():
                        size += len(chunk)
                        if size > MAX_ANSWER_BYTES:
                            break
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise WebhookError(f"no answer within {self.timeout:.0f} s") from exc
        except httpx.HTTPError as exc:
            raise WebhookError(f"not reachable ({type(exc).__name__})") from exc
        if 200 <= r.status_code < 300:
            return r.status_code
        permanent = 400 <= r.status_code < 500 and r.status_code not in RETRYABLE
        raise WebhookError(f"answered {r.status_code}", status=r.status_code, permanent=permanent,
                           retry_after=_retry_after(r))


@dataclass(frozen=True)
class LookupAnswer:
    occupied: bool
    initial: str | None = None


class RoomLookup:
    """Asks the PMS whether a room is occupied: ``GET <url>`` where ``{room}`` in the URL is
    replaced by the room (else ``?room=`` is added). 200 with JSON ``{"occupied": true,
    "initial": "M"}`` (or the text ``yes``/``no``) answers; 404 means not occupied; anything
    else (or no answer) raises :class:`WebhookError` (the venue's setting decides)."""

    def __init__(self, url: str, *, auth: str | None = None, timeout: float = 5.0, transport: Any = None) -> None:
        self.url = url
        headers = {"user-agent": "charge-assist-kiosk"}
        if auth:
            headers["authorization"] = auth
        self._http = httpx.AsyncClient(timeout=make_timeout(timeout), transport=transport, headers=headers)
        self.timeout = timeout

    async def aclose(self) -> None:
        await self._http.aclose()

    async def occupied(self, room: str) -> LookupAnswer:
        if "{room}" in self.url:
            url, params = self.url.replace("{room}", quote(room, safe="")), None
        else:
            url, params = self.url, {"room": room}
        try:
            async with asyncio.timeout(self.timeout):
                r = await self._http.get(url, params=params)
        except (TimeoutError, httpx.HTTPError) as exc:
            raise WebhookError(f"room look-up not reachable ({type(exc).__name__})") from exc
        if r.status_code == 404:
            return LookupAnswer(False)
        if r.status_code != 200:
            raise WebhookError(f"room look-up answered {r.status_code}", status=r.status_code)
        text = r.content[:MAX_ANSWER_BYTES].decode("utf-8", "replace").strip()
        if text.lower() in ("yes", "no", "true", "false"):
            return LookupAnswer(text.lower() in ("yes", "true"))
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise WebhookError("room look-up answered something else than yes/no") from exc
        if isinstance(data, bool):
            return LookupAnswer(data)
        if not isinstance(data, dict) or not isinstance(data.get("occupied"), bool):
            raise WebhookError("room look-up answered something else than yes/no")
        initial = data.get("initial")
        return LookupAnswer(data["occupied"], str(initial)[:1].upper() if initial else None)
