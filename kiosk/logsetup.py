"""Logging with redaction: secrets (API key, appToken, card numbers, guest codes, PINs)
never reach a log line, whichever module wrote it.

- :func:`register_secret` adds an exact value to scrub (settings do this at start-up).
- Charge-card visual numbers are scrubbed by pattern too, registered or not: eMAIDs keep
  their last four characters (``NL-GFX-C12345678-X`` -> ``…78-X``), the numeric numbers
  printed on RFID cards (12 to 20 digits, also grouped by spaces or dashes, like the
  guide's ``770674109963002836``) their last four digits (``…2836``). Shorter numbers
  (times, amounts, ports, phone numbers) stay; a 12+ digit millisecond timestamp does not.
- httpx and httpcore log whole URLs (with the appToken in path and query) at INFO and
  DEBUG: they are held at WARNING; :mod:`kiosk.api` logs its own redacted lines.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import threading
from collections import deque
from pathlib import Path

REDACTED = "***"
_secrets: set[str] = set()
_lock = threading.Lock()
# EMAID-like visual card numbers: NL-GFX-C12345678-X, NLGFXC12345678X, NL*GFX*C12345678*X
_CARD_RE = re.compile(r"\b([A-Z]{2}[-*]?[A-Z0-9]{3}[-*]?C[A-Z0-9]{6,9})([-*]?[A-Z0-9]?)\b")
# Numeric card numbers: 12-20 digits, contiguous or in groups of 2-6 split by one kind of
# separator (space or dash); not part of a longer token (a uuid, a decimal, a word).
_NUMERIC_CARD_RE = re.compile(
    r"(?<![\w.+*-])(?:\d{12,20}|\d{2,6}(?P<sep>[ -])\d{2,6}(?:(?P=sep)\d{2,6}){1,8})(?![\w*]|[.:/-]\w)"
)
_KEY_HEADER_RE = re.compile(r"(?i)(ApiKey\s+|Ocp-Apim-Subscription-Key['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+")


def register_secret(value: str | None) -> None:
    """Scrub this exact value from every log record from now on (ignored if shorter than 4)."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def forget_secret(value: str | None) -> None:
    with _lock:
        _secrets.discard(value or "")


def mask_card(number: str | None) -> str:
    """Show a card number as its last four characters."""
    if not number:
        return ""
    return "…" + number[-4:]


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for s in secrets:
        if s in text:
            text = text.replace(s, REDACTED)
    text = _KEY_HEADER_RE.sub(lambda m: m.group(1) + REDACTED, text)
    text = _CARD_RE.sub(lambda m: "…" + (m.group(1) + m.group(2))[-4:], text)
    text = _NUMERIC_CARD_RE.sub(_mask_numeric, text)
    return text


def _mask_numeric(m: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", m.group(0))
    return "…" + digits[-4:] if 12 <= len(digits) <= 20 else m.group(0)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            msg = str(record.msg)
        record.msg = redact(msg)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class RingBufferHandler(logging.Handler):
    """Keeps the last N formatted (already redacted) lines for the diagnostics screen."""

    def __init__(self, capacity: int = 200) -> None:
        super().__init__()
        self.lines: deque[str] = deque(maxlen=capacity)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
ring = RingBufferHandler()
_filter = RedactingFilter()


def tame_http_loggers() -> None:
    for name in ("httpx", "httpcore", "hpack"):
        logging.getLogger(name).setLevel(logging.WARNING)


def install_redaction(logger: logging.Logger | None = None) -> None:
    """Attach the redacting filter to every handler of the root logger (idempotent)."""
    root = logger or logging.getLogger()
    for h in root.handlers:
        if _filter not in h.filters:
            h.addFilter(_filter)


def setup_logging(level: str = "INFO", log_dir: Path | None = None, console: bool = True) -> None:
    root = logging.getLogger()
    root.setLevel(level)
    fmt = logging.Formatter(FORMAT)
    if console and not any(isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
                           for h in root.handlers):
        sh = logging.StreamHandler()
        sh.setFormatter(fmt)
        root.addHandler(sh)
    if log_dir is not None:
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
            fh = logging.handlers.RotatingFileHandler(log_dir / "kiosk.log", maxBytes=2_000_000, backupCount=5,
                                                      encoding="utf-8")
            fh.setFormatter(fmt)
            root.addHandler(fh)
        except OSError as exc:
            logging.getLogger(__name__).warning("cannot write logs to %s: %s", log_dir, exc)
    if ring not in root.handlers:
        ring.setFormatter(fmt)
        root.addHandler(ring)
    install_redaction(root)
    tame_http_loggers()
