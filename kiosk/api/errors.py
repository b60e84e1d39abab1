"""Typed errors of the Charge Assist client.

Every failure of a request ends as one :class:`ApiError` subclass, so callers decide by
type (see ``kiosk/api/README.md``)::

    ApiError
    ├── Unauthorized        401: the API key is missing or wrong
    ├── Forbidden           403
    ├── NotFound            404: unknown appToken, location, session, ...
    ├── ValidationFailed    400: the API rejected the input (``validation_messages``)
    ├── RateLimited         429 (``retry_after`` seconds, if the server said so)
    ├── ServerError         5xx
    ├── TransportError      no usable answer
    │   ├── RequestTimeout
    │   └── ConnectionFailed
    ├── MalformedResponse   the answer was not JSON or not the expected shape
    └── NotConfigured       nothing sent: the client lacks a setting (e.g. appToken)

``may_have_taken_effect`` is True when the server may have acted although the caller did
not get (or could not use) its answer: a POST whose answer was lost, or a 5xx answer to a
request that is not safe to repeat. Before repeating such a request, look first.
"""

from __future__ import annotations

from kiosk.logsetup import redact


class ApiError(Exception):
    """Base of every client error. ``str(err)`` is redacted and fit for a log line."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        validation_messages: list[str] | None = None,
        may_have_taken_effect: bool = False,
        method: str | None = None,
        path: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.message = message
        self.retry_after = retry_after  # seconds, from a Retry-After header (429, 503)
        self.status = status
        self.validation_messages: list[str] = list(validation_messages or [])
        self.may_have_taken_effect = may_have_taken_effect
        self.method = method
        self.path = path
        super().__init__(redact(self._describe()))

    def _describe(self) -> str:
        text = self.message
        extra = [m for m in self.validation_messages if m and m != self.message]
        if extra:
            text = f"{text} ({'; '.join(extra)})" if text else "; ".join(extra)
        if self.status is not None:
            text = f"{self.status}: {text}"
        if self.may_have_taken_effect:
            text += " [the request may have taken effect]"
        return text


class Unauthorized(ApiError):
    """401: the API key is missing, wrong or not allowed for this API."""


class Forbidden(ApiError):
    """403: the appToken or key may not see this resource."""


class NotFound(ApiError):
    """404: unknown appToken, location, EVSE, payment method or session."""


class ValidationFailed(ApiError):
    """400: the API rejected the input; ``validation_messages`` say why."""


class RateLimited(ApiError):
    """429: too many requests. ``retry_after`` is in seconds, when the server said so."""


class ServerError(ApiError):
    """5xx: the service (or a gateway in front of it) failed."""


class TransportError(ApiError):
    """No usable answer arrived: timeout, refused or dropped connection."""


class RequestTimeout(TransportError):
    """The request did not complete within the client's timeout."""


class ConnectionFailed(TransportError):
    """The connection could not be made, or broke before the answer was complete."""


class NotConfigured(ApiError):
    """The client lacks something it needs for this call (e.g. no appToken); nothing was sent."""


class MalformedResponse(ApiError):
    """The answer was not valid JSON or not the shape the contract describes."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: ValidationFailed,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    429: RateLimited,
}


def error_class_for_status(status: int) -> type[ApiError]:
    """The error class for an HTTP status that is not a success."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    if status == 422:
        return ValidationFailed
    return ApiError
