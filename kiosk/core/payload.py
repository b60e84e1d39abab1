"""What a scanned code means: the payload rules of the kiosk.

``classify(text, allowed_hosts)`` never raises. It recognises exactly three forms and
rejects everything else with a translated message that tells the guest what to do:

* a Charge Assist QR URL: ``https://<host>/<path>`` where ``<host>`` is on the allowlist
  (setting ``qr_hosts``), compared exactly (no subdomains, no look-alikes, no userinfo,
  no port other than 443, ASCII only). The URL is never opened; the app sends it to
  ``POST /qr``.
* an EVSE id in eMI3/ISO 15118 form, ``NL*GFX*E12345*1`` or ``NL-GFX-E12345-1`` (or
  without separators around the country/operator part), normalised to upper case with
  ``*`` separators: ``NL*GFX*E12345*1``.
* a location id such as ``nl-gfx-3f2a...`` (country, party, id; case kept, ids are case
  sensitive).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from kiosk.i18n import N_, Translator

_ = Translator("payload")

#: Longest text that is looked at. Real charger QR URLs are well under 200 characters.
MAX_LENGTH = 512
DEFAULT_HOSTS = ("a.greenflux.app", "qr.greenflux.com")


class PayloadKind(enum.StrEnum):
    QR_URL = "qr_url"
    EVSE_ID = "evse_id"
    LOCATION_ID = "location_id"
    INVALID = "invalid"


# Reasons for INVALID, with the guest-facing message (English msgid, translated on use).
REASONS: dict[str, str] = {
    "empty": N_("The code was empty. Hold the QR code on the charger's label in front of the camera."),
    "too_long": N_(
        "This code is too long to be a charger code. Scan the QR code on the charger's label, "
        "or ask at the reception."
    ),
    "binary": N_(
        "This code contains no readable text, so it is not a charger code. Scan the QR code "
        "on the charger's label, or ask at the reception."
    ),
    "host": N_(
        "This QR code does not belong to a charger here. Scan the QR code on the charger's "
        "label, or ask at the reception."
    ),
    "url": N_(
        "This QR code is a web link, not a charger code. Scan the QR code on the charger's "
        "label, or ask at the reception."
    ),
    "format": N_(
        "This is not a charger code. Scan the QR code on the charger's label, or type the "
        "charger number printed under it."
    ),
}


@dataclass(frozen=True)
class Payload:
    kind: PayloadKind
    value: str = ""  # normalised value ("" for INVALID)
    reason: str = ""  # machine-readable reason for INVALID (a key of REASONS)
    raw: str = field(default="", repr=False)  # the (bounded) text as scanned

    @property
    def valid(self) -> bool:
        return self.kind is not PayloadKind.INVALID

    @property
    def message(self) -> str:
        """Translated guest message (current language); "" for valid payloads."""
        return self.message_in(None)

    def message_in(self, lang: str | None) -> str:
        if self.valid:
            return ""
        return _(REASONS.get(self.reason, REASONS["format"]), lang=lang)


# eMI3 EVSE id: country (2 letters), operator (3 alnum), "E", power outlet id (alnum with
# optional single separators). Separators: "*" or "-" (or none), consistently used.
_EVSE_RE = re.compile(
    r"^(?P<cc>[A-Z]{2})(?P<s>[*-]?)(?P<op>[A-Z0-9]{3})(?P=s)E(?P<id>[A-Z0-9](?:[A-Z0-9]|[*-](?=[A-Z0-9])){0,30})$"
)
# Location id: "<cc>-<party>-<id>", e.g. nl-gfx-<uuid>; the id part is case sensitive.
_LOCATION_RE = re.compile(r"^(?P<cc>[a-z]{2})-(?P<party>[a-z0-9]{3})-(?P<id>[A-Za-z0-9][A-Za-z0-9._-]{0,79})$")
_HOST_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")
# Characters allowed in a URL (RFC 3986 unreserved, reserved and "%").
_URL_CHARS_RE = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _invalid(reason: str, raw: str = "") -> Payload:
    return Payload(PayloadKind.INVALID, "", reason, raw[:MAX_LENGTH])


def classify(text: object, allowed_hosts: Iterable[str] | None = None) -> Payload:
    """Classify scanned text. Never raises; anything unexpected is INVALID."""
    try:
        return _classify(text, allowed_hosts)
    except Exception:  # noqa: BLE001 - a scanned code must never crash the kiosk
        return _invalid("format")


def _classify(text: object, allowed_hosts: Iterable[str] | None) -> Payload:
    if isinstance(text, (bytes, bytearray, memoryview)):
        raw = bytes(text)
        if len(raw) > MAX_LENGTH * 4:
            return _invalid("too_long")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _invalid("binary")
    if not isinstance(text, str):
        return _invalid("binary")
    if len(text) > MAX_LENGTH:
        return _invalid("too_long")
    raw = text
    text = text.strip(" \t\r\n")
    if not text:
        return _invalid("empty", raw)
    # text only: no control characters (NUL, escapes, ...), no unassigned/surrogates
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cs", "Co", "Cn"):
            return _invalid("binary", raw)
    if not text.isascii():
        # every recognised form is plain ASCII: anything else is a look-alike at best
        return _invalid("host" if _SCHEME_RE.match(text) else "format", raw)
    if _SCHEME_RE.match(text):
        return _classify_url(text, raw, allowed_hosts)
    # Location ids are lower case ("nl-gfx-<uuid>"); checked first so that a uuid that
    # starts with "e" is not taken for an EVSE id. EVSE ids are printed in upper case.
    m = _LOCATION_RE.match(text)
    if m:
        return Payload(PayloadKind.LOCATION_ID, text, "", raw)
    m = _EVSE_RE.match(text.upper())
    if m:
        outlet = m.group("id").replace("-", "*")
        return Payload(PayloadKind.EVSE_ID, f"{m.group('cc')}*{m.group('op')}*E{outlet}", "", raw)
    return _invalid("format", raw)


def _classify_url(text: str, raw: str, allowed_hosts: Iterable[str] | None) -> Payload:
    hosts = {h.strip().lower().rstrip(".") for h in (allowed_hosts if allowed_hosts is not None else DEFAULT_HOSTS)}
    if not _URL_CHARS_RE.match(text):
        return _invalid("url", raw)
    parts = urlsplit(text)
    if parts.scheme.lower() != "https":
        return _invalid("url", raw)
    netloc = parts.netloc
    # userinfo ("https://a.greenflux.app@evil.com/") and ports are never part of a label URL
    if not netloc or "@" in netloc or "%" in netloc or "[" in netloc:
        return _invalid("host", raw)
    host, _sep, port = netloc.partition(":")
    if _sep and port != "443":
        return _invalid("host", raw)
    host = host.lower()
    if not _HOST_RE.match(host) or host not in hosts:
        return _invalid("host", raw)
    if not text[: len("https://")].lower() == "https://":  # "https:/host" and other oddities
        return _invalid("url", raw)
    if parts.path in ("", "/") or "//" in parts.path or "\\" in text:
        return _invalid("format", raw)
    value = f"https://{host}{parts.path}"
    if parts.query:
        value += f"?{parts.query}"
    return Payload(PayloadKind.QR_URL, value, "", raw)


__all__ = ["DEFAULT_HOSTS", "MAX_LENGTH", "Payload", "PayloadKind", "classify"]
