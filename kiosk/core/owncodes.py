"""The QR codes the kiosk shows itself, and how to recognise them when a camera sees them.

Two codes leave the kiosk on a screen: the guest code (to come back to a session) and the
receipt (to take it along). Each starts with a recognisable, versioned prefix, so that a
scan of one is never taken for a charger code or sent to the service, and the screens can
open the right screen for it:

* guest code: ``kiosk:code:v2:<EVSE uid>:123456``: the charger and the six digits (a
  phone's reader shows them too). The charger is named because a code is only ever checked
  against the sessions of one charger, and wrong codes count against that charger (one
  guesser cannot lock out the guests of other chargers). ``kiosk:code:v1:123456`` (no
  charger) is still recognised, as the digits alone.
* receipt: a first line ``kiosk:receipt:v1`` (``kiosk:receipt:v1:<ref>`` when the screen
  gives a reference, e.g. the receipt number), then the translated title "Charging
  receipt" and one ``name: value`` line per row, readable on a phone.

Older kiosks put just the six digits in the guest-code QR, and a receipt text whose first
line is the translated "Charging receipt": :func:`parse` recognises those too.

Qt-free: the screens call :func:`guest_code_qr` / :func:`receipt_qr` to make the text and
:func:`kiosk.core.payload.classify` tells the kinds apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kiosk.i18n import LANGUAGES, N_, Translator

_ = Translator("payload")

SCHEME = "kiosk"
VERSION = "v1"
CODE_VERSIONS = ("v1", "v2")
GUEST_CODE_PREFIX = f"{SCHEME}:code:v2:"
RECEIPT_PREFIX = f"{SCHEME}:receipt:{VERSION}"
#: Longest receipt text (the QR stays readable on a phone and the receipt screen).
MAX_RECEIPT_LENGTH = 1200
RECEIPT_TITLE = N_("Charging receipt")

_GUEST_CODE_RE = re.compile(r"^[0-9]{6}$")
_EVSE_CODE_RE = re.compile(r"^([A-Za-z0-9*._-]{1,48}):([0-9]{6})$")
_REF_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_OWN_RE = re.compile(r"^kiosk:([a-z-]+):(v[0-9]+)(?::(.*))?$", re.IGNORECASE)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def guest_code_qr(code: str, evse_uid: str) -> str:
    """The text of a guest code's QR code: the charger and the code."""
    if not _GUEST_CODE_RE.match(code or ""):
        raise ValueError("a guest code is six digits")
    if not _EVSE_CODE_RE.match(f"{evse_uid}:{code}"):
        raise ValueError("not a charger's EVSE uid")
    return f"{GUEST_CODE_PREFIX}{evse_uid}:{code}"


def split_guest_code(value: str) -> tuple[str | None, str]:
    """(EVSE uid or None, digits) of a ``guest_code`` value from :func:`parse`."""
    evse, _sep, digits = value.rpartition(":")
    return (evse or None), digits


def _clean(text: object, limit: int = 120) -> str:
    return _CONTROL_RE.sub(" ", str(text)).strip()[:limit]


def receipt_qr(rows: Iterable[tuple[str, str]], *, ref: str | None = None, lang: str | None = None) -> str:
    """The text of a receipt's QR code: the prefix line (with ``ref``, e.g. the receipt
    number, reduced to letters, digits, ``.``, ``_`` and ``-``), the translated title and the
    rows (names and values as the screen shows them; line breaks in them become spaces).
    Bounded to :data:`MAX_RECEIPT_LENGTH` characters (rows are dropped from the end)."""
    first = RECEIPT_PREFIX
    ref = re.sub(r"[^A-Za-z0-9._-]+", "-", ref or "").strip("-")[:64]  # whatever the service's number looks like
    if ref:
        first += ":" + ref
    lines = [first, _(RECEIPT_TITLE, lang=lang)]
    for name, value in rows:
        line = f"{_clean(name, 60)}: {_clean(value)}"
        if sum(len(x) + 1 for x in lines) + len(line) > MAX_RECEIPT_LENGTH:
            break
        lines.append(line)
    return "\n".join(lines)


def parse(text: str) -> tuple[str, str] | None:
    """("guest_code", "<EVSE uid>:<digits>" or just the digits) or ("receipt", ref) for the
    kiosk's own codes (also the older forms: :func:`split_guest_code` takes a code apart);
    ("unknown", "") for a ``kiosk:`` code of a kind or version this kiosk does not know;
    None for anything else."""
    first = text.split("\n", 1)[0].strip()
    if first[:6].lower() == SCHEME + ":":
        m = _OWN_RE.match(first)
        kind = m.group(1).lower() if m else ""
        version = m.group(2).lower() if m else ""
        rest = (m.group(3) or "") if m else ""
        if kind == "code" and "\n" not in text and version in CODE_VERSIONS:
            if version == "v2" and _EVSE_CODE_RE.match(rest):
                return ("guest_code", rest)
            if version == "v1" and _GUEST_CODE_RE.match(rest):
                return ("guest_code", rest)
            return ("unknown", "")
        if not m or version != VERSION:
            return ("unknown", "")
        if kind == "receipt" and (not rest or _REF_RE.match(rest)):
            return ("receipt", rest)
        return ("unknown", "")
    if _GUEST_CODE_RE.match(text.strip()):
        return ("guest_code", text.strip())  # an older kiosk's guest-code QR: the bare digits
    if "\n" in text and first in _receipt_titles():
        return ("receipt", "")  # an older kiosk's receipt: its translated title first
    return None


def _receipt_titles() -> set[str]:
    return {_(RECEIPT_TITLE, lang=lang) for lang in LANGUAGES}


__all__ = ["GUEST_CODE_PREFIX", "MAX_RECEIPT_LENGTH", "RECEIPT_PREFIX", "guest_code_qr", "parse", "receipt_qr",
           "split_guest_code"]
