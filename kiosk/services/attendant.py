"""Attendant-desk services (Qt-free asyncio): runtime settings staff may change, the
venue wallet, the audit log and the sessions board.

The widgets in :mod:`kiosk.ui.attendant` call these; tests drive them over real HTTP
against :mod:`kiosk.sim`. Design notes: ``kiosk/ui/attendant/README.md``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from kiosk.i18n import N_, Translator
from kiosk.logsetup import mask_card

log = logging.getLogger(__name__)
_ = Translator("attendant")


# Runtime settings: kiosk/services/runtime.py (read before the first frame); re-exported here
from kiosk.services.runtime import RuntimeSettingError, RuntimeSettings  # noqa: E402, F401

# ---------------------------------------------------------------------------------------
# Wallet
# ---------------------------------------------------------------------------------------

#: A charge card's visual number: letters, digits and the separators - * (EMAID-like).
_VISUAL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9*\- ]{4,38}[A-Za-z0-9]$")
_REF_RE = re.compile(r"^[\w.\-/#: ]{1,64}$")


class DeskError(Exception):
    """An attendant action failed; ``str()`` is a translated message saying what to do next."""


class WalletError(DeskError):
    """A wallet change failed."""


@dataclass(frozen=True)
class WalletEntry:
    """One payment method of the venue's wallet, safe to show (cards masked)."""

    id: str
    kind: str                      # "card", "external" or the API's type name
    label: str                     # masked card number / external reference / display name
    verification: str | None       # PENDING / VALID / INVALID / None
    is_default: bool               # the venue default chosen here (or in the configuration)
    usable: bool                   # verified (or not subject to verification) and valid

    @property
    def status_text(self) -> str:
        return {
            "VALID": _("Verified"),
            "PENDING": _("Waiting for verification"),
            "INVALID": _("Rejected by the operator"),
        }.get(self.verification or "", _("Ready"))


def _entry(pm: Any, default_id: str | None) -> WalletEntry:
    ptype = str(getattr(pm, "type", "") or "")
    ext = getattr(pm, "external_payment_method_id", None)
    verification = getattr(pm, "verification_status", None)
    verification = str(verification) if verification is not None else None
    if ptype == "EXTERNAL" or ext:
        kind = "external"
        label = getattr(pm, "display_name", None) or ext or _("External reference")
        if ext and getattr(pm, "display_name", None) and pm.display_name != ext:
            label = f"{pm.display_name} ({ext})"
    elif ptype == "CHARGE_CARD":
        kind = "card"
        hint = (getattr(pm, "card_hint", None) or getattr(pm, "card_short_hint", None)
                or getattr(pm, "card_alias", None) or "")
        label = _("Charge card {number}", number=mask_card(hint)) if hint else _("Charge card")
    else:
        kind = ptype or "other"
        label = getattr(pm, "display_name", None) or mask_card(getattr(pm, "card_hint", None) or "") or ptype
    is_valid = getattr(pm, "is_valid", None)
    usable = verification != "INVALID" and verification != "PENDING" and is_valid is not False
    return WalletEntry(id=str(pm.id), kind=kind, label=label, verification=verification,
                       is_default=(default_id is not None and str(pm.id) == default_id), usable=usable)


AuditFn = Callable[..., Any]


class WalletService:
    """The appToken's wallet as the attendant sees it.

    The venue default is :attr:`RuntimeSettings.payment_method_id`: choosing one here is
    persisted and applied at once (the next start uses it). Every change is audited.
    """

    def __init__(self, client: Any, runtime: RuntimeSettings, audit: AuditFn | None = None) -> None:
        self.client = client
        self.runtime = runtime
        self._audit = audit

    async def _record(self, actor: str, action: str, detail: str = "") -> None:
        if self._audit is None:
            return
        res = self._audit(actor=actor, action=action, session_id=None, detail=detail)
        if asyncio.iscoroutine(res):
            await res

    async def entries(self) -> list[WalletEntry]:
        from kiosk.api import errors  # the attendant services are allowed to use the API layer

        try:
            methods = await self.client.wallet()
        except errors.ApiError as exc:
            raise WalletError(api_message(exc)) from exc
        default = self.runtime.payment_method_id
        return [_entry(pm, default) for pm in methods if getattr(pm, "id", None)]

    async def add_card(self, visual_number: str, *, actor: str = "attendant") -> WalletEntry:
        from kiosk.api import errors

        number = (visual_number or "").strip().upper()
        if not _VISUAL_RE.match(number):
            raise WalletError(_("That does not look like a card number. Type the number printed on the card."))
        try:
            pm = await self.client.add_charge_card(number)
        except errors.ApiError as exc:
            raise WalletError(api_message(exc)) from exc
        entry = _entry(pm, self.runtime.payment_method_id)
        await self._record(actor, "wallet.add_card", f"card {mask_card(number)}")
        return entry

    async def add_external(self, reference: str, display_name: str | None = None, *,
                           actor: str = "attendant") -> WalletEntry:
        from kiosk.api import errors

        ref = (reference or "").strip()
        if not _REF_RE.match(ref):
            raise WalletError(_("Type a reference of 1 to 64 letters, digits or - . / # :"))
        try:
            pm = await self.client.add_external_payment(ref, display_name=(display_name or None))
        except errors.ApiError as exc:
            raise WalletError(api_message(exc)) from exc
        entry = _entry(pm, self.runtime.payment_method_id)
        await self._record(actor, "wallet.add_external", f"reference {ref}")
        return entry

    async def remove(self, payment_method_id: str, *, actor: str = "attendant") -> None:
        from kiosk.api import errors

        try:
            await self.client.remove_payment_method(payment_method_id)
        except errors.ApiError as exc:
            raise WalletError(api_message(exc)) from exc
        if self.runtime.payment_method_id == payment_method_id:
            self.runtime.update(payment_method_id=None)
        await self._record(actor, "wallet.remove", f"payment method {payment_method_id}")

    async def set_default(self, payment_method_id: str, *, actor: str = "attendant") -> None:
        entries = await self.entries()
        match = next((e for e in entries if e.id == payment_method_id), None)
        if match is None:
            raise WalletError(_("That payment method is no longer in the wallet. Refresh the list."))
        if match.verification == "INVALID":
            raise WalletError(_("That card was rejected by the operator. Choose another payment method."))
        self.runtime.update(payment_method_id=payment_method_id)
        await self._record(actor, "wallet.set_default", f"payment method {payment_method_id} ({match.label})")


def api_message(exc: Exception) -> str:
    """A message for staff from an API error (translated, says what to do next)."""
    from kiosk.api import errors

    if isinstance(exc, errors.ValidationFailed):
        detail = "; ".join(getattr(exc, "validation_messages", []) or []) or getattr(exc, "message", "") or ""
        return _("The service refused this: {detail}. Check the input and try again.", detail=detail)
    if isinstance(exc, (errors.Unauthorized, errors.Forbidden)):
        return _("The service does not accept this kiosk's key or token. Check the configuration (kiosk doctor).")
    if isinstance(exc, errors.NotFound):
        return _("The service does not know this item any more. Refresh and try again.")
    if isinstance(exc, errors.RateLimited):
        return _("The service is busy. Wait a minute and try again.")
    if isinstance(exc, errors.TransportError):
        return _("The service cannot be reached. Check the network and try again.")
    return _("The service had a problem. Try again in a minute.")


# ---------------------------------------------------------------------------------------
# Changing the attendant PIN
# ---------------------------------------------------------------------------------------

PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 12     # what the shell's PIN screen keypad takes


class PinChangeError(DeskError):
    """A step of the PIN change was refused; ``str()`` says what to do next."""


def is_trivial_pin(pin: str) -> bool:
    """One digit repeated (``0000``) or a run up or down, wrapping round (``1234``, ``9876``,
    ``7890``): the first PINs anyone tries."""
    if not pin or not pin.isascii() or not pin.isdigit():
        return False
    digits = [int(c) for c in pin]
    if len(set(digits)) == 1:
        return True
    steps = {(b - a) % 10 for a, b in zip(digits, digits[1:], strict=False)}
    return steps in ({1}, {9})


def pin_problem(new_pin: str, current_pin: str | None = None) -> str | None:
    """Why ``new_pin`` cannot be the attendant PIN (translated, says what to do), or None."""
    pin = new_pin or ""
    if not pin.isascii() or not pin.isdigit():
        return _("A PIN has digits only. Enter the new PIN again.")
    if len(pin) < PIN_MIN_DIGITS:
        return _("A PIN has at least {n} digits. Enter a longer PIN.", n=PIN_MIN_DIGITS)
    if len(pin) > PIN_MAX_DIGITS:
        return _("A PIN has at most {n} digits. Enter a shorter PIN.", n=PIN_MAX_DIGITS)
    if current_pin is not None and pin == current_pin:
        return _("That is the current PIN. Choose a different one.")
    if is_trivial_pin(pin):
        return _("That PIN is too easy to guess (one digit repeated or a run like 1234). Choose another.")
    return None


class PinChange:
    """Changing the attendant PIN in three steps: the current PIN, the new PIN, the new
    PIN again. The widget passes each keypad entry to :meth:`submit`.

    - The current PIN is checked with ``SessionService.attendant_login``: a wrong one counts
      towards the same persisted lockout as the PIN screen, so an unattended open desk is
      no way to guess the PIN. (The audit log shows that check as a login.)
    - The new PIN goes through :func:`pin_problem`, then ``SessionService.set_attendant_pin``
      (scrypt hash in the journal, audited as ``attendant.pin_change`` without the PIN).
    - Hashing (scrypt, tens of ms) runs on a worker thread, not on the UI's loop.
    - The PINs live only in this object and are dropped when done or cancelled.
    """

    CURRENT, NEW, REPEAT, DONE = "current", "new", "repeat", "done"

    def __init__(self, sessions: Any, attendant: Any) -> None:
        self.sessions = sessions
        self.attendant = attendant
        self.step = self.CURRENT
        self._current: str | None = None
        self._new: str | None = None

    def cancel(self) -> None:
        self._current = self._new = None
        self.step = self.CURRENT

    async def submit(self, pin: str) -> str:
        """Handle one entry; returns the next step. Raises :class:`PinChangeError` with
        the reason (the step to repeat is then :attr:`step`)."""
        from kiosk.services.sessions import SessionError

        if self.attendant is None:
            self.cancel()
            raise PinChangeError(_("Enter the attendant PIN first."))
        pin = pin or ""
        if self.step == self.CURRENT:
            try:
                check = await asyncio.to_thread(self.sessions.attendant_login, pin, name=self.attendant.name)
            except SessionError as exc:     # wrong PIN (attempts left) or locked for a while
                raise PinChangeError(str(exc)) from None
            logout = getattr(self.sessions, "attendant_logout", None)
            if logout is not None:
                logout(check)               # that login was only a check: the desk keeps its own
            self._current = pin
            self.step = self.NEW
        elif self.step == self.NEW:
            problem = pin_problem(pin, self._current)
            if problem:
                raise PinChangeError(problem)
            self._new = pin
            self.step = self.REPEAT
        elif self.step == self.REPEAT:
            if pin != self._new:
                self._new = None
                self.step = self.NEW
                raise PinChangeError(_("The two new PINs were not the same. Enter the new PIN again, twice."))
            try:
                await asyncio.to_thread(self.sessions.set_attendant_pin, self.attendant, pin)
            except SessionError as exc:
                self.cancel()
                raise PinChangeError(str(exc)) from None
            self._current = self._new = None
            self.step = self.DONE
        return self.step


# ---------------------------------------------------------------------------------------
# Audit log
# ---------------------------------------------------------------------------------------

AUDIT_CSV_COLUMNS = ("time_utc", "actor", "action", "session", "detail")


def audit_to_csv(entries: Iterable[Any]) -> str:
    """CSV of audit entries (:class:`kiosk.services.sessions.AuditEntry`), times in UTC."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(AUDIT_CSV_COLUMNS)
    for e in entries:
        at = getattr(e, "at", None) or getattr(e, "time", None)
        w.writerow([at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if at else "", e.actor, e.action,
                    getattr(e, "session_key", None) or getattr(e, "session_id", None) or "", e.detail])
    return buf.getvalue()


# ---------------------------------------------------------------------------------------
# Diagnostics
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    severity: str = "error"       # "error" or "warning" when not ok


#: Titles of the ``kiosk doctor`` checks by their stable key, translated on the screen.
CHECK_TITLES = {
    "settings.api_key": N_("API key"),
    "settings.app_token": N_("appToken"),
    "settings.payment": N_("Venue payment method"),
    "service": N_("Charge Assist service"),
    "token": N_("appToken registration"),
    "wallet": N_("Venue payment method in wallet"),
    "data_dir": N_("Data folder"),
}


def normalise_check(c: Any) -> CheckResult:
    """Accept what ``kiosk.doctor.run_checks`` yields (``Check(key, title, level, detail)``),
    or dicts / ``(name, ok, detail)`` tuples. Severity: error, warning or skipped."""
    if isinstance(c, CheckResult):
        return c
    if isinstance(c, tuple):
        name, ok, *rest = c
        return CheckResult(str(name), bool(ok), str(rest[0]) if rest else "")
    get = c.get if isinstance(c, dict) else (lambda k, d=None: getattr(c, k, d))
    key = get("key")
    title = _(CHECK_TITLES[key]) if key in CHECK_TITLES else (get("title") or get("name") or key or "?")
    level = get("level") or get("status")
    level = str(getattr(level, "value", level) or "").upper()
    ok = get("ok")
    if ok is None:
        ok = level in ("OK", "PASS", "WARN", "WARNING", "SKIP")
    severity = {"WARN": "warning", "WARNING": "warning", "SKIP": "skipped"}.get(level, "error" if not ok else "")
    return CheckResult(str(title), bool(ok), str(get("detail") or get("message") or ""), severity or "error")


def disk_check(path: Path, min_free_mb: int = 200) -> CheckResult:
    import shutil

    name = _("Disk space")
    try:
        p = Path(path)
        while not p.exists() and p != p.parent:
            p = p.parent
        usage = shutil.disk_usage(p)
    except OSError as exc:
        return CheckResult(name, False, _("Cannot read the disk: {error}", error=str(exc)))
    free_mb = usage.free // (1024 * 1024)
    if free_mb < min_free_mb:
        return CheckResult(name, False, _("Only {mb} MB free in the data folder. Free some space.", mb=free_mb))
    return CheckResult(name, True, _("{mb} MB free", mb=free_mb))


def journal_check(path: Path) -> CheckResult:
    """The session journal opens read-only and answers a query."""
    import sqlite3

    name = _("Session journal")
    p = Path(path)
    if not p.exists():
        writable = os.access(p.parent if p.parent.exists() else p.parent.parent, os.W_OK)
        return CheckResult(name, writable, _("No journal yet; it is created with the first session.") if writable
                           else _("The data folder is not writable. Check its permissions."))
    try:
        con = sqlite3.connect(f"file:{p}?mode=ro", uri=True, timeout=2)
        try:
            con.execute("PRAGMA quick_check").fetchone()
            tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        finally:
            con.close()
    except sqlite3.Error as exc:
        return CheckResult(name, False, _("The journal cannot be read: {error}", error=str(exc)))
    size_kb = p.stat().st_size // 1024
    return CheckResult(name, True, _("{kb} KB, {n} tables", kb=size_kb, n=len(tables)))


def uptime_text(started: float, now: float | None = None) -> str:
    import time as _time

    secs = int((now if now is not None else _time.time()) - started)
    d, rem = divmod(max(secs, 0), 86400)
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    if d:
        return _("{d} d {h} h {m} min", d=d, h=h, m=m)
    return _("{h} h {m} min {s} s", h=h, m=m, s=s)


# ---------------------------------------------------------------------------------------
# Sessions board of the attendant
# ---------------------------------------------------------------------------------------

ACTIVE_API_STATUSES = ("REQUESTED", "STARTING", "CHARGING", "PARKING", "STOPPING")


@dataclass(frozen=True)
class DeskRow:
    """One session on the attendant's board (guest data allowed: the PIN holder sees it)."""

    key: str | None                 # journal key; None when only the service knows the session
    charge_session_id: str | None
    bay: str
    state: str
    state_text: str
    is_final: bool
    power_kw: Decimal | None
    energy_kwh: Decimal | None
    elapsed_s: int
    estimate_incl_vat: Decimal | None
    currency: str | None
    estimate_final: bool
    tag: str
    failure: str                    # why the start failed / what went wrong, if anything
    source: str                     # "kiosk" (journal) or "service" (API history only)

    @property
    def id(self) -> str:
        return self.key or f"api:{self.charge_session_id}"


class SessionsDesk:
    """Every session of this kiosk's appToken: the journal's (via the session service) and
    those the service reports active that the journal does not know (another kiosk on the
    same appToken, or a journal lost). Actions are audited with the PIN holder's name."""

    def __init__(self, sessions: Any, client: Any, attendant: Any, *, lookback_days: int = 7,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.sessions = sessions
        self.client = client
        self.attendant = attendant
        self.lookback_days = lookback_days
        self.clock = clock or (lambda: datetime.now(UTC))
        self.api_error: str = ""

    def _details(self, key: str) -> Any:
        """Tag, chargeSessionId and error of a journaled session, read from the journal
        (no audit entry: the board refreshes every few seconds); the audited
        :meth:`SessionService.view` only when the service keeps no journal attribute."""
        journal = getattr(self.sessions, "journal", None)
        if journal is not None:
            row = journal.get(key)
            if row is not None:
                return row
        return self.sessions.view(key, self.attendant)

    async def rows(self) -> list[DeskRow]:
        from datetime import timedelta

        from kiosk.api import errors
        from kiosk.core.session import FAILURES, describe_state

        rows: list[DeskRow] = []
        known: set[str] = set()
        for e in self.sessions.active():
            try:
                v = self._details(e.key)
            except Exception:  # noqa: BLE001 - the board shows what it has
                log.exception("session details unavailable")
                v = None
            csid = getattr(v, "charge_session_id", None)
            if csid:
                known.add(csid)
            est = e.estimate
            failure = ""
            err = getattr(v, "error_message", None) if v is not None else None
            if e.state in FAILURES or err:
                parts = [err] if err else []
                if e.state in FAILURES:
                    parts.append(describe_state(e.state).explanation)
                failure = " ".join(parts)
            rows.append(DeskRow(
                key=e.key, charge_session_id=csid, bay=e.evse_label, state=e.state, state_text=e.state_text,
                is_final=e.is_final, power_kw=e.power_kw, energy_kwh=e.energy_kwh, elapsed_s=e.elapsed_s,
                estimate_incl_vat=est.incl_vat if est else None, currency=est.currency if est else None,
                estimate_final=bool(est and est.final), tag=(getattr(v, "tag", None) or "") if v else "",
                failure=failure, source="kiosk"))
        self.api_error = ""
        try:
            items = await self.client.session_history(
                date_from=self.clock() - timedelta(days=self.lookback_days), statuses=list(ACTIVE_API_STATUSES),
                sort_desc=True)
        except errors.ApiError as exc:
            self.api_error = api_message(exc)
            items = []
        from kiosk.services.history import bay_label

        for it in items:
            csid = getattr(it, "charge_session_id", None)
            status = str(getattr(it, "status", "") or "")
            if not csid or csid in known or status not in ACTIVE_API_STATUSES:
                continue
            journal = getattr(self.sessions, "journal", None)
            jrow = journal.by_charge_session_id(csid) if journal is not None else None
            st = getattr(it, "start_time", None)
            elapsed = int((self.clock() - st).total_seconds()) if st else 0
            rows.append(DeskRow(
                key=None, charge_session_id=csid, bay=bay_label(getattr(it, "location", None),
                                                                getattr(it, "evse_uid", None)),
                state=status, state_text=status.capitalize(), is_final=False, power_kw=None,
                energy_kwh=_decimal(getattr(it, "energy_in_kwh", None)), elapsed_s=max(elapsed, 0),
                estimate_incl_vat=None, currency=getattr(it, "currency", None), estimate_final=False,
                tag=(jrow.tag or "") if jrow is not None else "", failure="", source="service"))
        return rows

    async def stop(self, row: DeskRow, reason: str) -> str:
        """Stop a session as attendant; the reason is audited. Returns the new state."""
        from kiosk.api import errors

        reason = (reason or "").strip()
        if not reason:
            raise DeskError(_("Give a reason for stopping this session."))
        if row.key is not None:
            view = await self.sessions.attendant_stop(row.key, self.attendant, reason)
            return view.state
        try:
            st = await self.client.stop_session(row.charge_session_id)
        except errors.ApiError as exc:
            raise DeskError(api_message(exc)) from exc
        self.sessions.audit(self.attendant.name, "session.stop", row.charge_session_id,
                            f"reason: {reason} (session not in this kiosk's journal)")
        return str(getattr(st, "status", "") or "")

    def receipt(self, row: DeskRow) -> Any:
        if row.key is None:
            raise DeskError(_("This session was not started on this kiosk; its receipt is in the history."))
        return self.sessions.receipt(row.key, attendant=self.attendant)

    def new_code(self, row: DeskRow) -> str:
        if row.key is None:
            raise DeskError(_("This session was not started on this kiosk, so it has no guest code."))
        return self.sessions.reissue_code(row.key, self.attendant)


def _decimal(v: Any) -> Decimal | None:
    return None if v is None else Decimal(str(v))


# ---------------------------------------------------------------------------------------
# Journal look-ups for the history (tags and receipt numbers are the kiosk's knowledge)
# ---------------------------------------------------------------------------------------

def journal_tag_lookup(journal: Any) -> Callable[[str], str | None]:
    def lookup(charge_session_id: str) -> str | None:
        row = journal.by_charge_session_id(charge_session_id)
        return row.tag if row is not None else None
    return lookup


def journal_receipt_lookup(journal: Any) -> Callable[[str], str | None]:
    def lookup(charge_session_id: str) -> str | None:
        row = journal.by_charge_session_id(charge_session_id)
        if row is None or not row.final_json:
            return None
        try:
            final = json.loads(row.final_json)
        except ValueError:
            return None
        if isinstance(final, dict):
            return final.get("receiptNumber") or final.get("receipt_number") or None
        return None
    return lookup


def bind_venue_payment(runtime: RuntimeSettings, venue: Any, configured_id: str | None = None) -> Callable[[], None]:
    """Make the venue service start new sessions with the payment method staff chose
    (``runtime.payment_method_id``), or the configuration's when staff chose none.
    Applied now and on every change; returns an unsubscribe function."""

    def apply(_changed: dict[str, Any] | None = None) -> None:
        chosen = runtime.payment_method_id or configured_id
        if getattr(venue, "payment_method_id", None) != chosen:
            venue.set_payment_method(chosen)   # also forgets a wallet look-up made for the old choice

    apply()
    return runtime.subscribe(lambda changed: apply(changed) if "payment_method_id" in changed else None)
