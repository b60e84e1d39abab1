"""What a scanned code means: the payload rules of the kiosk.

``classify(text, allowed_hosts, other_hosts=False)`` never raises. The service, not the
kiosk, knows which codes are chargers (``POST /qr`` answers ``valid``, and it knows other
operators' formats too), so the local rules only refuse what **cannot** be a charger code
and recognise the kiosk's own codes:

* a web address (``http``/``https`` only) on the operator's own domains and their
  subdomains (``greenflux.app``, ``greenflux.com``: the document's printed form is
  ``https://greenflux.app/qr/gsop/greenflux/<uuid>``), or on a host the venue adds in the
  setting ``qr_hosts``: ``QR_URL``, sent to ``POST /qr``. Any other host only when the
  venue turns ``qr_other_hosts`` on (what a camera sees is not sent to a third party
  unasked). Refused always: userinfo (``https://greenflux.app@evil.example/``), ports other
  than the scheme's own, IP literals, punycode (``xn--``) labels, and hosts that look like
  the operator's without being its (``greenf1ux.app``, ``greenflux.app.evil.example``,
  ``green-flux.com``). The URL is never opened.
* an EVSE id in eMI3/ISO 15118 form, ``NL*GFX*E12345*1`` or ``NL-GFX-E12345-1`` (or
  without separators around the country/operator part), normalised to upper case with
  ``*`` separators: ``NL*GFX*E12345*1``.
* a location id such as ``nl-gfx-3f2a...`` (country, party, id; case kept).
* the kiosk's own codes (:mod:`kiosk.core.owncodes`): ``GUEST_CODE`` (value: the six
  digits) and ``RECEIPT`` (value: its reference, may be empty). Never sent anywhere: the
  screens open their own screens for them.

Refused locally, each with a translated message that says what to do: empty, over-long,
binary or control characters, hidden (bidi and other format) characters, Wi-Fi and contact
codes (``WIFI:``, ``BEGIN:VCARD``, ``MECARD:``), other schemes, the hosts above.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from kiosk.core import owncodes
from kiosk.i18n import N_, Translator

_ = Translator("payload")

#: Longest text that is looked at. Real charger QR URLs are well under 200 characters (the
#: kiosk's own receipt codes may be longer: owncodes.MAX_RECEIPT_LENGTH).
MAX_LENGTH = 512
#: The operator's own domains: they and their subdomains always go to the service.
OPERATOR_DOMAINS = ("greenflux.app", "greenflux.com")
#: Names whose look-alikes are refused (``greenf1ux``, ``green-flux``, ``greenflx``...).
OPERATOR_NAMES = ("greenflux",)
#: Kept for callers of the old allow-list; the operator's domains need no listing now.
DEFAULT_HOSTS: tuple[str, ...] = ()


class PayloadKind(enum.StrEnum):
    QR_URL = "qr_url"
    EVSE_ID = "evse_id"
    LOCATION_ID = "location_id"
    GUEST_CODE = "guest_code"  # the kiosk's own guest-code QR
    RECEIPT = "receipt"  # the kiosk's own receipt QR
    INVALID = "invalid"


#: Kinds that go to the service (POST /qr, the EVSE look-up or the venue's own locations).
CHARGER_KINDS = frozenset({PayloadKind.QR_URL, PayloadKind.EVSE_ID, PayloadKind.LOCATION_ID})

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
    "hidden": N_(
        "This code contains hidden characters, so it is not a charger code. Scan the QR code "
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
    "wifi": N_(
        "This is a Wi-Fi code, not a charger code. Scan the QR code on the charger's label, "
        "or ask at the reception."
    ),
    "contact": N_(
        "This is a contact card, not a charger code. Scan the QR code on the charger's label, "
        "or ask at the reception."
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
    def is_charger_code(self) -> bool:
        """True for what is sent to the service (a URL, an EVSE id, a location id)."""
        return self.kind in CHARGER_KINDS

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
_DEFAULT_PORTS = {"http": "80", "https": "443"}
# Wi-Fi network and contact codes (vCard, MeCard): never a charger, and never sent anywhere.
_WIFI_RE = re.compile(r"^WIFI:", re.IGNORECASE)
_CONTACT_RE = re.compile(r"^(BEGIN:VCARD|MECARD:)", re.IGNORECASE)
# Look-alike skeletons: characters a reader (or an attacker) takes for one another.
_CONFUSABLE = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "!": "l", "3": "e", "5": "s", "$": "s",
                             "7": "t", "4": "a", "@": "a", "8": "b", "9": "g", "q": "g", "-": None, "_": None})


def _invalid(reason: str, raw: str = "") -> Payload:
    return Payload(PayloadKind.INVALID, "", reason, raw[:MAX_LENGTH])


def classify(text: object, allowed_hosts: Iterable[str] | None = None, *, other_hosts: bool = False) -> Payload:
    """Classify scanned text. Never raises; anything unexpected is INVALID.

    ``allowed_hosts``: hosts the venue adds (setting ``qr_hosts``), compared exactly;
    ``other_hosts``: also send web addresses on any other host (setting ``qr_other_hosts``).
    """
    try:
        return _classify(text, allowed_hosts, other_hosts)
    except Exception:  # noqa: BLE001 - a scanned code must never crash the kiosk
        return _invalid("format")


def _classify(text: object, allowed_hosts: Iterable[str] | None, other_hosts: bool) -> Payload:
    if isinstance(text, (bytes, bytearray, memoryview)):
        raw = bytes(text)
        if len(raw) > owncodes.MAX_RECEIPT_LENGTH * 4:
            return _invalid("too_long")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _invalid("binary")
    if not isinstance(text, str):
        return _invalid("binary")
    if len(text) > owncodes.MAX_RECEIPT_LENGTH:
        return _invalid("too_long")
    raw = text
    text = text.strip(" \t\r\n")
    if not text:
        return _invalid("empty", raw)
    own = _own(text, raw)
    if own is not None:
        return own
    if len(raw) > MAX_LENGTH:
        return _invalid("too_long")
    if _WIFI_RE.match(text):
        return _invalid("wifi", raw)
    if _CONTACT_RE.match(text):
        return _invalid("contact", raw)
    # text only: no control characters (NUL, escapes, line breaks...), no unassigned or
    # private characters, no hidden ones (bidi overrides and other format characters)
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cs", "Co", "Cn"):
            return _invalid("binary", raw)
        if cat == "Cf":
            return _invalid("hidden", raw)
    if not text.isascii():
        # every recognised form is plain ASCII: anything else is a look-alike at best
        return _invalid("host" if _SCHEME_RE.match(text) else "format", raw)
    if _SCHEME_RE.match(text):
        return _classify_url(text, raw, allowed_hosts, other_hosts)
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


def _own(text: str, raw: str) -> Payload | None:
    """The kiosk's own guest-code and receipt codes (also the older bare forms)."""
    found = owncodes.parse(text)
    if found is None:
        return None
    kind, value = found
    if kind == "guest_code":
        return Payload(PayloadKind.GUEST_CODE, value, "", raw[:MAX_LENGTH])
    if kind == "receipt":
        return Payload(PayloadKind.RECEIPT, value, "", raw[:owncodes.MAX_RECEIPT_LENGTH])
    return _invalid("format", raw)  # a kiosk: code of another kind or version


def on_operator_domain(host: str) -> bool:
    return any(host == d or host.endswith("." + d) for d in OPERATOR_DOMAINS)


def _skeleton(text: str) -> str:
    return text.lower().translate(_CONFUSABLE).replace("rn", "m").replace("vv", "w").replace("cl", "d")


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (short strings)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def looks_like_operator(host: str) -> bool:
    """True for a host that resembles the operator's domains without being on them."""
    if on_operator_domain(host):
        return False
    labels = host.split(".")
    whole = _skeleton("".join(labels))
    for name in OPERATOR_NAMES:
        target = _skeleton(name)
        if target in whole:
            return True
        for label in labels:
            sk = _skeleton(label)
            if len(sk) >= len(target) - 2 and _distance(sk, target) <= 2:
                return True
    return False


def _classify_url(text: str, raw: str, allowed_hosts: Iterable[str] | None, other_hosts: bool) -> Payload:
    venue_hosts = {h.strip().lower().rstrip(".") for h in (allowed_hosts or ()) if h and h.strip()}
    if not _URL_CHARS_RE.match(text):
        return _invalid("url", raw)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return _invalid("url", raw)
    netloc = parts.netloc
    # userinfo ("https://greenflux.app@evil.example/"), escapes and IPv6 literals are never
    # part of a label URL
    if not netloc or "@" in netloc or "%" in netloc or "[" in netloc:
        return _invalid("host", raw)
    host, _sep, port = netloc.partition(":")
    if _sep and port != _DEFAULT_PORTS[scheme]:
        return _invalid("host", raw)
    host = host.lower()
    if not _HOST_RE.match(host) or host.replace(".", "").isdigit():  # no IP addresses
        return _invalid("host", raw)
    if not text[: len(scheme) + 3].lower() == scheme + "://":  # "https:/host" and other oddities
        return _invalid("url", raw)
    if any(label.startswith("xn--") for label in host.split(".")):
        return _invalid("host", raw)  # internationalised (punycode) labels: homograph risk
    if not (on_operator_domain(host) or host in venue_hosts):
        if looks_like_operator(host) or not other_hosts:
            return _invalid("host", raw)
    if parts.path in ("", "/") or "//" in parts.path or "\\" in text:
        return _invalid("format", raw)
    value = f"{scheme}://{host}{parts.path}"
    if parts.query:
        value += f"?{parts.query}"
    return Payload(PayloadKind.QR_URL, value, "", raw)


__all__ = ["CHARGER_KINDS", "DEFAULT_HOSTS", "MAX_LENGTH", "OPERATOR_DOMAINS", "Payload", "PayloadKind", "classify",
           "looks_like_operator", "on_operator_domain"]
