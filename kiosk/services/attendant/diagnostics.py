"""Diagnostics for the attendant desk: the doctor's checks, disk space, the journal, uptime."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.i18n import N_, Translator

_ = Translator("attendant")


@dataclass(frozen=True)
class CheckResult:
    """One line of the diagnostics: ``key`` is the check's stable id (``kiosk doctor``'s, or
    "journal" and "disk" for the desk's own), which the screen shows by :attr:`title` in the
    language on screen; ``name`` is the title the check came with (a check without a key)."""

    name: str
    ok: bool
    detail: str
    severity: str = "error"       # "error" or "warning" when not ok
    key: str = ""
    detail_msg: str = ""          # the desk's own checks: the detail's message and its values,
    detail_kw: tuple[tuple[str, Any], ...] = ()     # so that it follows a language switch

    @property
    def title(self) -> str:
        return _(CHECK_TITLES[self.key]) if self.key in CHECK_TITLES else self.name

    @property
    def text(self) -> str:
        """The detail in the language on screen (the doctor's own details are English)."""
        return _(self.detail_msg, **dict(self.detail_kw)) if self.detail_msg else self.detail


def own_check(key: str, ok: bool, msg: str, **kw: Any) -> CheckResult:
    """A check of the desk's own (``msg`` marked with N_): titled by ``key``, detail ``msg``
    with ``kw``, both translated when shown."""
    return CheckResult(CHECK_TITLES.get(key, key), ok, _(msg, **kw), key=key, detail_msg=msg,
                       detail_kw=tuple(kw.items()))


#: Titles of the ``kiosk doctor`` checks by their stable key, translated on the screen.
CHECK_TITLES = {
    "settings.api_key": N_("API key"),
    "settings.app_token": N_("appToken"),
    "settings.payment": N_("Venue payment method"),
    "service": N_("Charge Assist service"),
    "token": N_("appToken registration"),
    "wallet": N_("Venue payment method in wallet"),
    "data_dir": N_("Data folder"),
    "journal": N_("Session journal"),
    "disk": N_("Disk space"),
    "checks": N_("Checks"),
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
    key = get("key") or ""
    title = get("title") or get("name") or key or "?"
    level = get("level") or get("status")
    level = str(getattr(level, "value", level) or "").upper()
    ok = get("ok")
    if ok is None:
        ok = level in ("OK", "PASS", "WARN", "WARNING", "SKIP")
    severity = {"WARN": "warning", "WARNING": "warning", "SKIP": "skipped"}.get(level, "error" if not ok else "")
    return CheckResult(str(title), bool(ok), str(get("detail") or get("message") or ""), severity or "error",
                       str(key))


def disk_check(path: Path, min_free_mb: int = 200) -> CheckResult:
    import shutil

    try:
        p = Path(path)
        while not p.exists() and p != p.parent:
            p = p.parent
        usage = shutil.disk_usage(p)
    except OSError as exc:
        return own_check("disk", False, N_("Cannot read the disk: {error}"), error=str(exc))
    free_mb = usage.free // (1024 * 1024)
    if free_mb < min_free_mb:
        return own_check("disk", False, N_("Only {mb} MB free in the data folder. Free some space."), mb=free_mb)
    return own_check("disk", True, N_("{mb} MB free"), mb=free_mb)


def journal_check(path: Path) -> CheckResult:
    """The session journal opens read-only and answers a query."""
    import sqlite3

    p = Path(path)
    if not p.exists():
        writable = os.access(p.parent if p.parent.exists() else p.parent.parent, os.W_OK)
        return own_check("journal", writable, N_("No journal yet; it is created with the first session.") if writable
                         else N_("The data folder is not writable. Check its permissions."))
    try:
        con = sqlite3.connect(f"file:{p}?mode=ro", uri=True, timeout=2)
        try:
            con.execute("PRAGMA quick_check").fetchone()
            tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        finally:
            con.close()
    except sqlite3.Error as exc:
        return own_check("journal", False, N_("The journal cannot be read: {error}"), error=str(exc))
    size_kb = p.stat().st_size // 1024
    return own_check("journal", True, N_("{kb} KB, {n} tables"), kb=size_kb, n=len(tables))


def uptime_text(started: float, now: float | None = None) -> str:
    import time as _time

    secs = int((now if now is not None else _time.time()) - started)
    d, rem = divmod(max(secs, 0), 86400)
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    if d:
        return _("{d} d {h} h {m} min", d=d, h=h, m=m)
    return _("{h} h {m} min {s} s", h=h, m=m, s=s)


