"""Settings of the kiosk, from (highest priority first): keyword arguments, environment
variables ``KIOSK_*``, a secrets file / systemd credential for the API key, and a TOML
configuration file (``KIOSK_CONFIG`` or ``<config dir>/kiosk.toml``).

Every field is documented in the README's settings table; ``kiosk doctor`` checks them.
Invalid settings raise :class:`SettingsError` with one message naming the setting.

Why not pydantic-settings: the settings are needed before the kiosk's first frame, and
importing pydantic + pydantic-settings alone took ~130 ms on the 2-core test machine, about
as long as a whole bare PySide6 window takes to appear (issue 5's cold-start goal is 2x that
window). The fields are declared once here (type, default, limits, description); a small
loader reads the three sources with the standard library (``tomllib``, ``os.environ``) and
checks every value against its declaration. pydantic stays for the API models, which are
imported after the first frame.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

APP_NAME = "charge-assist-kiosk"
LANGUAGES = ("en", "nl", "de", "fr")
#: The key the built-in simulator accepts unless told otherwise (demo mode only).
DEMO_API_KEY = "demo-key"
#: The file name of the API key under systemd's $CREDENTIALS_DIRECTORY (LoadCredential=).
CREDENTIAL_NAME = "kiosk_api_key"
#: The venue database's password under $CREDENTIALS_DIRECTORY (LoadCredential=).
JOURNAL_CREDENTIAL_NAME = "kiosk_journal_password"
ENV_PREFIX = "KIOSK_"


def _platformdirs() -> Any:
    import platformdirs   # ~4 ms: only when a default directory is needed

    return platformdirs


def default_config_file() -> Path:
    return Path(os.environ.get("KIOSK_CONFIG") or Path(_platformdirs().user_config_dir(APP_NAME)) / "kiosk.toml")


class SettingsError(ValueError):
    """A setting is missing or invalid. ``str()`` is a message fit for a terminal."""

    def __init__(self, setting: str, problem: str) -> None:
        self.setting = setting
        self.problem = problem
        super().__init__(f"Setting {setting}: {problem}")


class Secret:
    """A secret string: ``repr``/``str`` never show it; ``get_secret_value()`` does."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def setting(default: Any = None, description: str = "", *, factory: Any = None, gt: float | None = None,
            ge: float | None = None, le: float | None = None, pattern: str | None = None) -> Any:
    """Declare a setting: its default (or ``factory``), its description (the README table)
    and its limits."""
    meta = {"description": description, "gt": gt, "ge": ge, "le": le, "pattern": pattern}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def _data_dir() -> Path:
    return Path(_platformdirs().user_data_dir(APP_NAME))


def _log_dir() -> Path:
    return Path(_platformdirs().user_log_dir(APP_NAME))


@dataclass(frozen=True)
class Settings:
    # --- service -----------------------------------------------------------------------
    base_url: str = setting("https://api-a.greenflux.app", "Charge Assist base URL")
    api_key: Secret | None = setting(None, "API key (prefer api_key_file or a systemd credential)")
    api_key_file: Path | None = setting(None, "File holding the API key")
    auth_header: Literal["authorization", "ocp-apim"] = setting(
        "authorization",
        "'authorization' sends 'Authorization: ApiKey <key>'; 'ocp-apim' sends 'Ocp-Apim-Subscription-Key'")
    app_token: str | None = setting(None, "appToken that identifies this kiosk/venue")
    request_timeout_s: float = setting(10.0, "Timeout of one API request", gt=0, le=120)

    # --- venue -------------------------------------------------------------------------
    venue_name: str = setting("", "Name shown on the home screen (else the location's branding)")
    venue_color: str = setting("#0b7a53", "Primary colour; unset, the location's branding colour (remembered in "
                               "data_dir/venue-brand.json, so a restart starts in it)", pattern=r"^#[0-9a-fA-F]{6}$")
    venue_logo: Path | None = setting(None, "Logo image file")
    venue_location_ids: list[str] = setting(factory=list, description="Locations on the chargers board")
    payment_card: Secret | None = setting(None, "Visual number of the venue's charge card")
    payment_external_ref: str | None = setting(None, "External payment reference of the venue")
    payment_method_id: str | None = setting(None, "Use this wallet payment method id as default")
    room_payment: bool = setting(False, "Offer room/folio numbers as external payment references")

    # --- guest experience --------------------------------------------------------------
    default_language: Literal["en", "nl", "de", "fr"] = setting("en", "Language for each new guest")
    languages: list[Literal["en", "nl", "de", "fr"]] = setting(factory=lambda: list(LANGUAGES),
                                                               description="Languages offered")
    idle_timeout_s: int = setting(60, "Seconds without touch before returning home", ge=15, le=3600)
    high_contrast: bool = setting(False, "Start in the high-contrast theme")
    panel_diagonal_in: float | None = setting(
        None, "Diagonal of the touchscreen in inches (7 for the Pi's 800x480 panel): text is sized from it when "
              "the display does not report its size", gt=2, le=120)
    panel_orientation: Literal["auto", "landscape", "portrait"] = setting(
        "auto", "Layout for a landscape or portrait panel ('auto': from the window's shape)")

    # --- scanning ----------------------------------------------------------------------
    camera: str = setting("0", "Camera: index, /dev/videoN, video file, image folder, 'picamera2', 'synthetic' "
                               "or 'none'")
    camera_width: int = setting(1280, ge=160, le=4096)
    camera_height: int = setting(720, ge=120, le=4096)
    camera_fps: int = setting(15, ge=1, le=60)
    decoder: Literal["zxing", "pyzbar"] = setting("zxing", "QR decoder backend")
    scan_confirmations: int = setting(2, "Consecutive decodes before a code is accepted", ge=1, le=10)
    qr_hosts: list[str] = setting(factory=list,
                                  description="Hosts the venue adds to the operator's own domains (greenflux.app, "
                                              "greenflux.com and their subdomains) whose QR codes go to the service")
    qr_other_hosts: bool = setting(False, "Also send QR codes with web addresses on any other host to the service "
                                          "(off: what the camera sees is not sent to a third party unasked)")

    # --- storage and logs --------------------------------------------------------------
    data_dir: Path = setting(factory=_data_dir)
    log_dir: Path = setting(factory=_log_dir)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = setting("INFO")
    journal_url: str | None = setting(
        None, "The venue's shared journal: postgresql://user@host:port/db (no password in it; TLS with "
              "?sslmode=verify-full). Unset: this screen's own SQLite journal in data_dir",
        pattern=r"^postgres(ql)?://([^:@/]+@)?[^@]*$")
    journal_password_file: Path | None = setting(
        None, "File holding the venue database's password (else the systemd credential kiosk_journal_password)")
    screen_id: str | None = setting(None, "This screen's name in the venue (origin of its sessions, poll leases): "
                                          "default the host name", pattern=r"^[A-Za-z0-9_.-]{1,40}$")

    # --- attendant ---------------------------------------------------------------------
    attendant_pin: Secret | None = setting(
        None, "Initial attendant PIN (stored hashed on first start; change it in the attendant area)")

    # --- the attendant-operated desktop (kiosk desk; kiosk/ui/desk/README.md) -------------
    desk_parking_alert_min: int = setting(
        45, "Minutes a session may stay in PARKING (car full, bay blocked, parking fees running) before the desk "
            "raises an alert (staff may change it in the desk's settings)", ge=1, le=24 * 60)
    desk_alert_sound: bool = setting(True, "Ring the system bell when the desk raises a new alert")
    desk_printer: str | None = setting(None, "Printer of the desk's receipts and guest codes (a CUPS queue name; "
                                             "empty: the system's default printer)")
    desk_paper_width_mm: int = setting(
        0, "Paper width of the desk's printer in mm: 80 or 58 for a thermal receipt printer (the page is as long "
           "as the receipt); 0: the printer's own page size", ge=0, le=420)

    # --- hotel billing (issue 16; kiosk/services/billing/README.md) ---------------------
    price_policy: Literal["free", "operator", "margin_percent", "margin_per_kwh", "own"] = setting(
        "operator", "What the guest pays: free, the operator's tariff, the operator's tariff plus a percentage or a "
                    "per-kWh margin (on prices excl. VAT), or the venue's own tariff (own_*)")
    price_margin: float = setting(0.0, "The margin: percent (margin_percent) or amount per kWh excl. VAT "
                                       "(margin_per_kwh)", ge=0, le=1000)
    price_vat_percent: float = setting(21.0, "VAT the venue adds to its own tariff and to a price with a margin",
                                       ge=0, le=100)
    price_currency: str = setting("EUR", "Currency of the venue's own tariff", pattern=r"^[A-Z]{3}$")
    own_price_per_kwh: float = setting(0.0, "Own tariff: price per kWh excl. VAT", ge=0, le=10000)
    own_price_per_hour: float = setting(0.0, "Own tariff: price per hour of charging excl. VAT", ge=0, le=10000)
    own_price_per_session: float = setting(0.0, "Own tariff: price per session excl. VAT", ge=0, le=10000)
    own_parking_per_hour: float = setting(0.0, "Own tariff: parking per hour once charging ends, excl. VAT",
                                          ge=0, le=10000)
    own_parking_after_min: int = setting(0, "Own tariff: parking is charged from this many minutes after "
                                            "plugging in", ge=0, le=1440)
    price_unknown_start: bool = setting(True, "Allow Start when the operator's price is unknown and the price "
                                              "policy depends on it (the guest is told the price is not known)")
    receipt_prefix: str = setting("K1", "Prefix of this screen's receipt numbers (one gapless series per screen "
                                        "and year: give every screen its own)", pattern=r"^[A-Z0-9]{1,8}$")
    receipt_url_template: str | None = setting(
        None, "The venue's receipt page, with {token} (an unguessable token): the receipt QR opens it")
    rooms_file: Path | None = setting(None, "PMS export of the occupied rooms (CSV or JSON), read again when it "
                                            "changes")
    rooms_url: str | None = setting(None, "Room look-up URL answering yes/no ({room} in it, else ?room=)")
    rooms_url_auth: Secret | None = setting(None, "Authorization header value for the room look-up URL")
    rooms_url_down: Literal["refuse", "accept"] = setting(
        "refuse", "When the room look-up cannot be asked: refuse the room, or accept it and flag it to the desk")
    rooms_initial: bool = setting(False, "Ask for the surname initial after the room number when the room list "
                                         "has it (\"214M\")")
    posting_url: str | None = setting(None, "HTTPS endpoint that receives the postings to the guest's bill "
                                            "(Standard Webhooks)")
    posting_secret: Secret | None = setting(None, "Signing secret of the postings (whsec_ + base64)")
    posting_cdr_wait_s: int = setting(21600, "Seconds after a session completed without final costs before its "
                                             "posting uses the last estimate", ge=60, le=30 * 86400)
    posting_give_up_h: float = setting(72.0, "Hours of failed delivery after which a posting shows as failed",
                                       gt=0, le=24 * 90)

    # --- demo --------------------------------------------------------------------------
    demo: bool = setting(False, "Run against the built-in simulator with the demo venue")
    sim_port: int = setting(0, "Port of the demo simulator (0: any free port)", ge=0, le=65535)
    sim_speed: float = setting(10.0, "Time compression of the demo simulator", gt=0, le=1000)

    #: names of the settings given explicitly (arguments, environment, file), not defaults
    explicit: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    # --- helpers -----------------------------------------------------------------------
    def auth_headers(self, style: str | None = None) -> dict[str, str]:
        """The header that carries the key (``style``: the other one, for ``kiosk doctor``'s
        search for the right header; default the setting). Never log the result."""
        if self.api_key is None:
            return {}
        key = self.api_key.get_secret_value()
        if (style or self.auth_header) == "ocp-apim":
            return {"Ocp-Apim-Subscription-Key": key}
        return {"Authorization": f"ApiKey {key}"}

    def secrets(self) -> list[str]:
        """Values that must never reach a log line or the screen."""
        out = []
        for v in (self.api_key, self.payment_card, self.attendant_pin, self.posting_secret, self.rooms_url_auth):
            if v is not None and v.get_secret_value():
                out.append(v.get_secret_value())
        if self.app_token:
            out.append(self.app_token)
        try:
            pw = self.journal_password() if self.journal_url else None
        except SettingsError:
            pw = None
        if pw:
            out.append(pw)
        return out

    def journal_path(self) -> Path:
        return self.data_dir / "journal.sqlite3"

    def journal_target(self) -> Path | str:
        """What the journal opens: the venue database's URL, or this screen's SQLite file."""
        return self.journal_url or self.journal_path()

    def journal_password(self) -> str | None:
        """The venue database's password from ``journal_password_file`` or the systemd
        credential (None: none needed, e.g. a local socket or a client certificate). Never log it."""
        candidates = [self.journal_password_file] if self.journal_password_file else []
        cred_dir = os.environ.get("CREDENTIALS_DIRECTORY")
        if cred_dir:
            candidates.append(Path(cred_dir) / JOURNAL_CREDENTIAL_NAME)
        for path in candidates:
            try:
                text = path.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                if path == self.journal_password_file:
                    raise SettingsError(f"journal_password_file ({_field_env('journal_password_file')})",
                                        f"{path} cannot be read ({type(exc).__name__})") from None
                continue
            if text:
                return text
        return None

    def screen_name(self) -> str:
        import socket

        return self.screen_id or (socket.gethostname().split(".")[0][:40] or "screen")

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (checked like any other source; they count as explicit)."""
        values = {f.name: getattr(self, f.name) for f in setting_fields()}
        values.update(changes)
        return _build(values, explicit=self.explicit | set(changes), sources={k: "argument" for k in changes})


def setting_fields() -> list[dataclasses.Field]:
    """The declared settings (without the bookkeeping field ``explicit``)."""
    return [f for f in dataclasses.fields(Settings) if f.name != "explicit"]


def _field_env(name: str) -> str:
    return f"{ENV_PREFIX}{name.upper()}"


# -- checking one value ---------------------------------------------------------------------
_TYPES: dict[str, Any] | None = None


def _types() -> dict[str, Any]:
    global _TYPES
    if _TYPES is None:
        _TYPES = typing.get_type_hints(Settings, globalns=vars(sys.modules[__name__]))
    return _TYPES


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _coerce(tp: Any, value: Any, from_text: bool) -> Any:
    """``value`` as type ``tp``; ``from_text``: it came from an environment variable."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None or (from_text and value == ""):
            return None
        return _coerce(args[0], value, from_text)
    if value is None:
        raise ValueError("must be set")
    if origin is Literal:
        choices = typing.get_args(tp)
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(repr(c) for c in choices)}, not {value!r}")
        return value
    if origin is list:
        (item,) = typing.get_args(tp)
        if from_text:
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else [v.strip() for v in text.split(",") if v.strip()]
        if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
            raise ValueError("must be a list")
        return [_coerce(item, v, False) for v in value]
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError(f"must be true or false, not {value!r}")
    if tp is int:
        if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
            raise ValueError(f"must be a whole number, not {value!r}")
        try:
            return int(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            raise ValueError(f"must be a whole number, not {value!r}") from None
    if tp is float:
        if isinstance(value, bool):
            raise ValueError(f"must be a number, not {value!r}")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"must be a number, not {value!r}") from None
    if tp is Path:
        if not isinstance(value, str | Path) or not str(value):
            raise ValueError(f"must be a path, not {value!r}")
        return Path(value).expanduser()
    if tp is Secret:
        if isinstance(value, Secret):
            return value
        if not isinstance(value, str):
            raise ValueError("must be text")
        return Secret(value)
    if tp is str:
        if not isinstance(value, str):
            raise ValueError(f"must be text, not {value!r}")
        return value
    raise TypeError(f"unsupported setting type {tp!r}")  # pragma: no cover - a declaration error


def _check_limits(f: dataclasses.Field, value: Any) -> None:
    m = f.metadata
    if value is None:
        return
    if m.get("gt") is not None and not value > m["gt"]:
        raise ValueError(f"must be greater than {m['gt']}")
    if m.get("ge") is not None and not value >= m["ge"]:
        raise ValueError(f"must be at least {m['ge']}")
    if m.get("le") is not None and not value <= m["le"]:
        raise ValueError(f"must be at most {m['le']}")
    if m.get("pattern") and not re.fullmatch(m["pattern"], value):
        if f.name == "journal_url":   # it may hold a password: never repeated
            raise ValueError("must be postgresql://user@host[:port]/database without a password (put the password "
                             "in journal_password_file or the credential kiosk_journal_password)")
        raise ValueError(f"must match {m['pattern']}, not {value!r}")


def _check(f: dataclasses.Field, value: Any, from_text: bool) -> Any:
    value = _coerce(_types()[f.name], value, from_text)
    _check_limits(f, value)
    if f.name == "base_url":
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        value = value.rstrip("/")
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(value)
            parts.port   # noqa: B018 - raises for a port out of range (99999)
        except ValueError as exc:
            raise ValueError(f"is not a valid address ({exc})") from None
        if not parts.hostname:
            raise ValueError("names no host")
        if value.startswith("http://") and not _loopback(value):
            # the API key would travel in clear: plain http only to this machine (the simulator)
            raise ValueError("plain http:// only to this machine (localhost, 127.0.0.1, ::1); use https:// for "
                             f"{value!r}")
    elif f.name == "attendant_pin" and value is not None:
        pin = value.get_secret_value()
        if not (pin.isascii() and pin.isdigit()) or not 4 <= len(pin) <= 12:
            # the PIN screen's keypad has digits only: anything else would lock staff out
            raise ValueError("must be 4 to 12 digits (the PIN keypad has digits only)")
    elif f.name in ("posting_url", "rooms_url", "receipt_url_template") and value is not None:
        value = _check_billing_url(f.name, value)
    elif f.name == "posting_secret" and value is not None:
        _check_webhook_secret(value.get_secret_value())
    elif f.name == "languages":
        if not value:
            raise ValueError("must name at least one language")
        value = list(dict.fromkeys(value))
    return value


def _loopback(url: str) -> bool:
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return host in ("localhost", "::1") or host.startswith("127.")
def _check_billing_url(name: str, value: str) -> str:
    """HTTPS (plain HTTP only on this machine's loopback, for a local bridge or a test)."""
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    loopback = _loopback(value)
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValueError("must be an https:// address (http:// only on loopback)")
    if not parts.hostname:
        raise ValueError("must name a host")
    if name == "receipt_url_template" and "{token}" not in value:
        raise ValueError("must contain {token} (an unguessable token, never the receipt number alone)")
    return value


def _check_webhook_secret(secret: str) -> None:
    import base64
    import binascii

    if not secret.startswith("whsec_"):
        raise ValueError("must be whsec_ followed by base64 (Standard Webhooks)")
    try:
        key = base64.b64decode(secret[6:] + "==")
    except (binascii.Error, ValueError):
        raise ValueError("must be whsec_ followed by base64 (Standard Webhooks)") from None
    if len(key) < 24:
        raise ValueError("must hold at least 24 random bytes")


# -- loading ----------------------------------------------------------------------------------
def _read_toml(path: Path, *, required: bool = False) -> dict[str, Any]:
    import tomllib

    if not path.is_file():
        if required:   # named on purpose (KIOSK_CONFIG): a typo must not silently mean "no settings"
            raise OSError(f"{path} does not exist or is not a file")
        return {}
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return data


def _build(values: dict[str, Any], *, explicit: set[str] | frozenset[str], sources: dict[str, str]) -> Settings:
    """Check every given value, fill defaults, apply the cross-field rules."""
    out: dict[str, Any] = {}
    for f in setting_fields():
        if f.name in values:
            try:
                out[f.name] = _check(f, values[f.name], sources.get(f.name) == "environment")
            except ValueError as exc:
                raise SettingsError(f"{f.name} ({_field_env(f.name)})", str(exc)) from None
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
        else:
            out[f.name] = f.default
    _load_key(out)
    if out["demo"] and out["api_key"] is None:
        out["api_key"] = Secret(DEMO_API_KEY)
    if out["demo"] and not out["app_token"]:
        out["app_token"] = "kiosk-demo"
    if out["default_language"] not in out["languages"]:
        raise SettingsError(f"default_language ({_field_env('default_language')})",
                            f"{out['default_language']!r} is not in languages")
    return Settings(**out, explicit=frozenset(explicit))


def _load_key(out: dict[str, Any]) -> None:
    """The API key from ``api_key_file`` or systemd's credential when not given directly."""
    if out["api_key"] is not None:
        return
    candidates: list[Path] = []
    key_file = out["api_key_file"]
    if key_file is not None:
        if not key_file.is_file():
            raise SettingsError(f"api_key_file ({_field_env('api_key_file')})", f"{key_file} is not a readable file")
        candidates.append(key_file)
    cred_dir = os.environ.get("CREDENTIALS_DIRECTORY")
    if cred_dir:
        candidates.append(Path(cred_dir) / CREDENTIAL_NAME)
    for path in candidates:
        if path.is_file():
            try:
                key = path.read_text(encoding="utf-8").strip()
            except UnicodeDecodeError:
                raise SettingsError(f"api_key_file ({_field_env('api_key_file')})",
                                    f"{path} is not UTF-8 text: save the key as plain text") from None
            except OSError as exc:
                raise SettingsError(f"api_key_file ({_field_env('api_key_file')})",
                                    f"{path} cannot be read ({exc.strerror or exc})") from None
            if key:
                out["api_key"] = Secret(key)
                return


def load_settings(**overrides: Any) -> Settings:
    """Load settings; raise :class:`SettingsError` naming the first bad setting."""
    names = {f.name for f in setting_fields()}
    for name in overrides:
        if name not in names:
            raise SettingsError(name, "is not a setting")
    cfg = default_config_file()
    try:
        from_file = _read_toml(cfg, required=bool(os.environ.get("KIOSK_CONFIG")))
    except (OSError, ValueError) as exc:  # missing (when named), unreadable or malformed TOML file
        raise SettingsError(f"config file {cfg}", str(exc)) from None
    unknown = sorted(set(from_file) - names)
    if unknown:
        raise SettingsError(f"config file {cfg}", f"unknown setting {unknown[0]!r}")
    values: dict[str, Any] = dict(from_file)
    sources = dict.fromkeys(from_file, "file")
    for name in names:
        env = os.environ.get(_field_env(name))
        if env is not None:
            values[name] = env
            sources[name] = "environment"
    values.update(overrides)
    sources.update(dict.fromkeys(overrides, "argument"))
    return _build(values, explicit=frozenset(values), sources=sources)
