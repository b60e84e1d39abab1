"""``kiosk doctor``: is this kiosk ready to take guests?

:func:`run_checks` returns structured results (the attendant diagnostics screen shows
the same list); :func:`format_report` turns them into the terminal report. Checks, in
order: settings (API key, appToken, venue payment method), the service
(``GET /servicestatus``), the appToken (``GET /v2.1/token/{appToken}``, registered with
``PUT /token/{appToken}`` if unknown), the wallet (venue payment method present and
VALID) and the data directory. Details never contain the key, the appToken or a card
number (everything passes :func:`kiosk.logsetup.redact`).

When the service refuses the key (401), the doctor tries the other header style
(``Authorization: ApiKey`` vs ``Ocp-Apim-Subscription-Key``) against the **same** base URL
and says which setting to change. It names the operator's public acceptance gateway as a
possible base URL in its advice, but never sends the key anywhere the settings do not name.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from enum import StrEnum

from kiosk.api import ChargeAssistClient, errors
from kiosk.api.wallet import find_payment_method, is_usable
from kiosk.config import Settings
from kiosk.logsetup import mask_card, redact

#: The operator's public API-management gateway of the acceptance service (its reference
#: pages call it with the key in Ocp-Apim-Subscription-Key). Named in advice, never called.
ACCEPTANCE_GATEWAY = "https://gfx-app-api-management-a.azure-api.net/ca/"
HEADER_STYLES = {"authorization": "'Authorization: ApiKey <key>'",
                 "ocp-apim": "'Ocp-Apim-Subscription-Key: <key>'"}


class Level(StrEnum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"
    SKIP = "SKIP"


@dataclass(frozen=True)
class Check:
    key: str  # stable id, e.g. "service" (for translations on the attendant screen)
    title: str  # English label
    level: Level
    detail: str  # what was found and, if not OK, what to do

    @classmethod
    def make(cls, key: str, title: str, level: Level, detail: str) -> Check:
        return cls(key, title, level, redact(detail))


def _settings_checks(settings: Settings) -> list[Check]:
    out = []
    if settings.api_key is None or not settings.api_key.get_secret_value():
        out.append(Check.make("settings.api_key", "API key", Level.FAIL,
                              "no API key: set KIOSK_API_KEY_FILE (or a systemd credential kiosk_api_key)"))
    else:
        out.append(Check.make("settings.api_key", "API key", Level.OK,
                              f"present, sent as {settings.auth_header} header"))
    if settings.app_token:
        out.append(Check.make("settings.app_token", "appToken", Level.OK, "set"))
    else:
        out.append(Check.make("settings.app_token", "appToken", Level.FAIL,
                              "no appToken: set KIOSK_APP_TOKEN to the id of this venue/kiosk"))
    configured = [
        f"payment method id {settings.payment_method_id}" if settings.payment_method_id else "",
        f"charge card {mask_card(settings.payment_card.get_secret_value())}" if settings.payment_card else "",
        f"external reference {settings.payment_external_ref}" if settings.payment_external_ref else "",
    ]
    configured = [c for c in configured if c]
    if configured:
        out.append(Check.make("settings.payment", "Venue payment method", Level.OK, ", ".join(configured)))
    else:
        out.append(Check.make("settings.payment", "Venue payment method", Level.FAIL,
                              "none configured: set KIOSK_PAYMENT_CARD or KIOSK_PAYMENT_EXTERNAL_REF"))
    return out


def _describe_error(exc: errors.ApiError) -> str:
    if isinstance(exc, errors.Unauthorized):
        return f"the API key was refused ({exc.message}); check the key and KIOSK_AUTH_HEADER"
    if isinstance(exc, errors.TransportError):
        return f"no answer from the service ({exc.message}); check the network and KIOSK_BASE_URL"
    return str(exc)


async def _service_check(client: ChargeAssistClient, advice: _AuthAdvice | None = None) -> tuple[Check, bool]:
    """The check and whether the service answered at all."""
    title = "Charge Assist service"
    try:
        up = await client.service_status()
    except errors.TransportError as exc:
        return Check.make("service", title, Level.FAIL, _describe_error(exc)), False
    except errors.ApiError as exc:  # a gateway may want the key even here
        return Check.make("service", title, Level.FAIL, await _describe(exc, advice)), True
    if not up:
        return Check.make("service", title, Level.FAIL, f"{client.base_url} reports it is unavailable; try later"), True
    return Check.make("service", title, Level.OK, f"{client.base_url} is up"), True


class _AuthAdvice:
    """What to change when the key is refused: found once, by asking the same base URL with
    the other header style."""

    def __init__(self, settings: Settings, client: ChargeAssistClient) -> None:
        self.settings, self.client = settings, client
        self._text: str | None = None

    async def text(self) -> str:
        if self._text is None:
            self._text = await self._find()
        return self._text

    async def _find(self) -> str:
        s, base = self.settings, self.client.base_url
        current = s.auth_header
        other = "ocp-apim" if current == "authorization" else "authorization"
        try:
            accepted: bool | None = await self.client.check_key(s.auth_headers(other))
        except errors.ApiError:
            accepted = None
        if accepted:
            return (f"{base} refuses the key sent as {HEADER_STYLES[current]} but accepts it as "
                    f"{HEADER_STYLES[other]}: set auth_header = \"{other}\" (KIOSK_AUTH_HEADER={other})")
        text = (f"{base} refuses the key in both header styles ({HEADER_STYLES[current]} and "
                f"{HEADER_STYLES[other]}): check the key (api_key_file / KIOSK_API_KEY_FILE) and base_url")
        if base.rstrip("/") != ACCEPTANCE_GATEWAY.rstrip("/"):
            text += (f". A key for the operator's public acceptance gateway needs base_url = "
                     f"\"{ACCEPTANCE_GATEWAY}\" with auth_header = \"ocp-apim\": set both and run kiosk doctor "
                     "again (the key is only sent to the base_url you set)")
        return text


async def _describe(exc: errors.ApiError, advice: _AuthAdvice | None) -> str:
    if isinstance(exc, errors.Unauthorized) and advice is not None:
        return f"the API key was refused ({exc.message}); {await advice.text()}"
    return _describe_error(exc)


async def _token_check(client: ChargeAssistClient, advice: _AuthAdvice | None = None) -> Check:
    title = "appToken registration"
    try:
        await client.get_token_v2()
        return Check.make("token", title, Level.OK, "registered")
    except errors.NotFound:
        pass
    except errors.ApiError as exc:
        return Check.make("token", title, Level.FAIL, await _describe(exc, advice))
    try:
        await client.register_token()
    except errors.ApiError as exc:
        return Check.make("token", title, Level.FAIL, f"not registered and registering failed: {_describe_error(exc)}")
    return Check.make("token", title, Level.WARN, "was not registered; registered it now")


async def _wallet_check(settings: Settings, client: ChargeAssistClient, advice: _AuthAdvice | None = None) -> Check:
    title = "Venue payment method in wallet"
    try:
        wallet = await client.wallet()
    except errors.ApiError as exc:
        return Check.make("wallet", title, Level.FAIL, await _describe(exc, advice))
    card = settings.payment_card.get_secret_value() if settings.payment_card else None
    method = find_payment_method(wallet, payment_method_id=settings.payment_method_id, card_visual=card,
                                 external_ref=settings.payment_external_ref)
    if method is None:
        return Check.make("wallet", title, Level.FAIL,
                          f"not in the wallet ({len(wallet)} methods there); add it with "
                          "'kiosk api add-card' or 'kiosk api add-external'")
    state = str(method.verification_status or ("VALID" if method.is_valid else "unknown"))
    if is_usable(method):
        return Check.make("wallet", title, Level.OK, f"{method.type or 'payment method'} {method.id} is {state}")
    level = Level.WARN if state == "PENDING" else Level.FAIL
    hint = "wait a moment and run doctor again" if level is Level.WARN else "replace it in the attendant area"
    return Check.make("wallet", title, level, f"{method.type or 'payment method'} {method.id} is {state}; {hint}")


def _data_dir_check(settings: Settings) -> Check:
    title = "Data directory"
    path = settings.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".doctor-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return Check.make("data_dir", title, Level.FAIL, f"{path} is not writable ({exc.strerror or exc})")
    return Check.make("data_dir", title, Level.OK, f"{path} is writable")


#: Below this much free space in the data folder the kiosk is close to refusing new sessions.
MIN_FREE_MB = 50


def _venue_journal_check(settings: Settings) -> Check:
    """The venue's shared journal (PostgreSQL): reachable, its schema, the screens seen."""
    from kiosk.core.journal import SCHEMA_VERSION, JournalUnavailable, open_journal

    title = "Session journal (venue database)"
    try:
        j = open_journal(str(settings.journal_url), password=settings.journal_password())
    except JournalUnavailable as exc:
        return Check.make("journal", title, Level.FAIL, f"{exc} ({exc.reason}); starts are refused until it is back")
    except ImportError:
        return Check.make("journal", title, Level.FAIL, "psycopg is not installed: pip install 'charge-assist-kiosk[venue]'")
    try:
        versions = j.schema_versions()
        screens = j.screen_rows()
    finally:
        j.close()
    newest = max((int(v["version"]) for v in versions), default=0)
    alive = ", ".join(f"{r['id']} ({int(r['age_s'])} s ago)" for r in screens) or "none yet"
    note = f"{j.describe()}: schema version {newest} (this release: {SCHEMA_VERSION}); screens: {alive}"
    return Check.make("journal", title, Level.OK, note)


def _journal_check(settings: Settings) -> Check:
    """The session journal: free space, its integrity (SQLite's quick_check, read-only), bad
    rows set aside, damaged copies moved aside. A full disk or a read-only folder is the
    reason the kiosk shows "out of order"; doctor says which."""
    import shutil
    import sqlite3

    title = "Session journal"
    if settings.journal_url:
        return _venue_journal_check(settings)
    path = settings.journal_path()
    try:
        free_mb = shutil.disk_usage(path.parent if path.parent.exists() else settings.data_dir).free // 2**20
    except OSError as exc:
        return Check.make("journal", title, Level.FAIL, f"{path.parent}: {exc.strerror or exc}")
    damaged = sorted(p.name for p in path.parent.glob(path.name + ".damaged-*") if not p.name.endswith(("-wal", "-shm")))
    if free_mb < MIN_FREE_MB:
        return Check.make("journal", title, Level.FAIL,
                          f"only {free_mb} MB free on the data disk: the kiosk cannot record new sessions "
                          f"(it shows out of order); free some space in {path.parent}")
    if not path.exists():
        return Check.make("journal", title, Level.OK, f"none yet ({free_mb} MB free); created with the first session")
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)
        try:
            check = str(con.execute("PRAGMA quick_check").fetchone()[0])
            bad = 0
            if con.execute("SELECT 1 FROM sqlite_master WHERE name='quarantine'").fetchone():
                bad = con.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error as exc:
        return Check.make("journal", title, Level.FAIL,
                          f"{path} cannot be read ({exc}); the kiosk moves a damaged journal aside and starts a "
                          "new one at its next start")
    if check != "ok":
        return Check.make("journal", title, Level.FAIL, f"{path} is damaged ({check}); the kiosk moves it aside "
                          "and rebuilds from the service at its next start")
    notes = [f"{free_mb} MB free"]
    if bad:
        notes.append(f"{bad} bad row(s) set aside (table quarantine)")
    if damaged:
        notes.append(f"damaged copies kept: {', '.join(damaged)}")
    level = Level.WARN if bad or damaged else Level.OK
    return Check.make("journal", title, level, f"{path.name} intact; " + "; ".join(notes))


def _skipped(key: str, title: str, why: str) -> Check:
    return Check.make(key, title, Level.SKIP, why)


async def run_checks(settings: Settings, client: ChargeAssistClient) -> list[Check]:
    """Every check, in order. Network checks are skipped when they cannot mean anything."""
    checks = _settings_checks(settings)
    advice = _AuthAdvice(settings, client) if settings.api_key is not None else None
    service, reachable = await _service_check(client, advice)
    checks.append(service)
    if not settings.app_token:
        checks.append(_skipped("token", "appToken registration", "no appToken set"))
        checks.append(_skipped("wallet", "Venue payment method in wallet", "no appToken set"))
    elif not reachable:
        checks.append(_skipped("token", "appToken registration", "service not reachable"))
        checks.append(_skipped("wallet", "Venue payment method in wallet", "service not reachable"))
    else:
        checks.append(await _token_check(client, advice))
        checks.append(await _wallet_check(settings, client, advice))
    checks.append(_data_dir_check(settings))
    checks.append(_journal_check(settings))
    return checks


def has_failures(checks: list[Check]) -> bool:
    return any(c.level is Level.FAIL for c in checks)


def format_report(checks: list[Check]) -> str:
    width = max(len(c.title) for c in checks)
    lines = [f"{c.level.value:<4}  {c.title:<{width}}  {c.detail}" for c in checks]
    fails = sum(c.level is Level.FAIL for c in checks)
    warns = sum(c.level is Level.WARN for c in checks)
    if fails:
        lines.append(f"{fails} problem(s) to fix before the kiosk can take guests.")
    elif warns:
        lines.append(f"Ready, with {warns} warning(s).")
    else:
        lines.append("All checks passed: the kiosk is ready.")
    return "\n".join(lines)


async def _doctor(settings: Settings) -> list[Check]:
    async with ChargeAssistClient.from_settings(settings) as client:
        return await run_checks(settings, client)


def report(settings: Settings, *, as_json: bool = False) -> int:
    """Run the checks, print the report (or JSON) and return the exit code."""
    checks = asyncio.run(_doctor(settings))
    if as_json:
        print(json.dumps([asdict(c) for c in checks], indent=2))
    else:
        print(format_report(checks))
    return 1 if has_failures(checks) else 0
