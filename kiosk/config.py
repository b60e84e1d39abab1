"""Settings of the kiosk, from (highest priority first): keyword arguments, environment
variables ``KIOSK_*``, a secrets file / systemd credential for the API key, and a TOML
configuration file (``KIOSK_CONFIG`` or ``<config dir>/kiosk.toml``).

Every field is documented in the README's settings table; ``kiosk doctor`` checks them.
Invalid settings raise :class:`SettingsError` with one message naming the setting.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

APP_NAME = "charge-assist-kiosk"
LANGUAGES = ("en", "nl", "de", "fr")
#: The key the built-in simulator accepts unless told otherwise (demo mode only).
DEMO_API_KEY = "demo-key"
#: The file name of the API key under systemd's $CREDENTIALS_DIRECTORY (LoadCredential=).
CREDENTIAL_NAME = "kiosk_api_key"


def default_config_file() -> Path:
    return Path(os.environ.get("KIOSK_CONFIG") or Path(platformdirs.user_config_dir(APP_NAME)) / "kiosk.toml")


class SettingsError(ValueError):
    """A setting is missing or invalid. ``str()`` is a message fit for a terminal."""

    def __init__(self, setting: str, problem: str) -> None:
        self.setting = setting
        self.problem = problem
        super().__init__(f"Setting {setting}: {problem}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KIOSK_",
        extra="forbid",
        validate_default=True,
        env_nested_delimiter=None,
    )

    # --- service -----------------------------------------------------------------------
    base_url: str = Field("https://api-a.greenflux.app", description="Charge Assist base URL")
    api_key: SecretStr | None = Field(None, description="API key (prefer api_key_file or a systemd credential)")
    api_key_file: Path | None = Field(None, description="File holding the API key")
    auth_header: Literal["authorization", "ocp-apim"] = Field(
        "authorization",
        description="'authorization' sends 'Authorization: ApiKey <key>'; 'ocp-apim' sends 'Ocp-Apim-Subscription-Key'",
    )
    app_token: str | None = Field(None, description="appToken that identifies this kiosk/venue")
    request_timeout_s: float = Field(10.0, gt=0, le=120, description="Timeout of one API request")

    # --- venue -------------------------------------------------------------------------
    venue_name: str = Field("", description="Name shown on the home screen (else the location's branding)")
    venue_color: str = Field("#0b7a53", pattern=r"^#[0-9a-fA-F]{6}$", description="Primary colour")
    venue_logo: Path | None = Field(None, description="Logo image file")
    venue_location_ids: list[str] = Field(default_factory=list, description="Locations on the chargers board")
    payment_card: SecretStr | None = Field(None, description="Visual number of the venue's charge card")
    payment_external_ref: str | None = Field(None, description="External payment reference of the venue")
    payment_method_id: str | None = Field(None, description="Use this wallet payment method id as default")
    room_payment: bool = Field(False, description="Offer room/folio numbers as external payment references")

    # --- guest experience --------------------------------------------------------------
    default_language: Literal["en", "nl", "de", "fr"] = Field("en", description="Language for each new guest")
    languages: list[Literal["en", "nl", "de", "fr"]] = Field(
        default_factory=lambda: list(LANGUAGES), description="Languages offered"
    )
    idle_timeout_s: int = Field(60, ge=15, le=3600, description="Seconds without touch before returning home")
    high_contrast: bool = Field(False, description="Start in the high-contrast theme")

    # --- scanning ----------------------------------------------------------------------
    camera: str = Field(
        "0",
        description="Camera: index, /dev/videoN, video file, image folder, 'picamera2', 'synthetic' or 'none'",
    )
    camera_width: int = Field(1280, ge=160, le=4096)
    camera_height: int = Field(720, ge=120, le=4096)
    camera_fps: int = Field(15, ge=1, le=60)
    decoder: Literal["zxing", "pyzbar"] = Field("zxing", description="QR decoder backend")
    scan_confirmations: int = Field(2, ge=1, le=10, description="Consecutive decodes before a code is accepted")
    qr_hosts: list[str] = Field(
        default_factory=lambda: ["a.greenflux.app", "qr.greenflux.com"], description="Hosts accepted in QR URLs"
    )

    # --- storage and logs --------------------------------------------------------------
    data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir(APP_NAME)))
    log_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_log_dir(APP_NAME)))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # --- attendant ---------------------------------------------------------------------
    attendant_pin: SecretStr | None = Field(
        None, description="Initial attendant PIN (stored hashed on first start; change it in the attendant area)"
    )

    # --- demo --------------------------------------------------------------------------
    demo: bool = Field(False, description="Run against the built-in simulator with the demo venue")
    sim_port: int = Field(0, ge=0, le=65535, description="Port of the demo simulator (0: any free port)")
    sim_speed: float = Field(10.0, gt=0, le=1000, description="Time compression of the demo simulator")

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return v.rstrip("/")

    @field_validator("languages")
    @classmethod
    def _langs(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("must name at least one language")
        return list(dict.fromkeys(v))

    @model_validator(mode="after")
    def _load_key(self) -> Settings:
        if self.api_key is None:
            candidates: list[Path] = []
            if self.api_key_file is not None:
                if not self.api_key_file.is_file():
                    raise ValueError(f"api_key_file: {self.api_key_file} is not a readable file")
                candidates.append(self.api_key_file)
            cred_dir = os.environ.get("CREDENTIALS_DIRECTORY")
            if cred_dir:
                candidates.append(Path(cred_dir) / CREDENTIAL_NAME)
            for path in candidates:
                if path.is_file():
                    key = path.read_text(encoding="utf-8").strip()
                    if key:
                        self.api_key = SecretStr(key)
                        break
        if self.demo and self.api_key is None:
            self.api_key = SecretStr(DEMO_API_KEY)
        if self.demo and not self.app_token:
            self.app_token = "kiosk-demo"
        if self.default_language not in self.languages:
            raise ValueError(f"default_language: {self.default_language!r} is not in languages")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=default_config_file())
        return (init_settings, env_settings, toml)

    # --- helpers -----------------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        """The header that carries the key. Never log the result."""
        if self.api_key is None:
            return {}
        key = self.api_key.get_secret_value()
        if self.auth_header == "ocp-apim":
            return {"Ocp-Apim-Subscription-Key": key}
        return {"Authorization": f"ApiKey {key}"}

    def secrets(self) -> list[str]:
        """Values that must never reach a log line or the screen."""
        out = []
        for v in (self.api_key, self.payment_card, self.attendant_pin):
            if v is not None and v.get_secret_value():
                out.append(v.get_secret_value())
        if self.app_token:
            out.append(self.app_token)
        return out

    def journal_path(self) -> Path:
        return self.data_dir / "journal.sqlite3"


def _field_env(name: str) -> str:
    return f"KIOSK_{name.upper()}"


def load_settings(**overrides: Any) -> Settings:
    """Load settings; raise :class:`SettingsError` naming the first bad setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err.get("loc", ()) if p != "__root__"]
        msg = err.get("msg", "invalid")
        if loc:
            name = loc[0]
            setting = f"{name} ({_field_env(name)})"
        else:
            # model-level checks prefix the message with the field name
            name, _, rest = msg.removeprefix("Value error, ").partition(": ")
            setting, msg = (f"{name} ({_field_env(name)})", rest) if rest else ("configuration", msg)
        raise SettingsError(setting, msg.removeprefix("Value error, ")) from None
    except (OSError, ValueError) as exc:  # unreadable or malformed TOML file
        raise SettingsError(f"config file {default_config_file()}", str(exc)) from None
