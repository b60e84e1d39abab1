"""The session journal: two backends behind one interface (``base.JournalBase``).

- :class:`Journal` (``sqlite.py``): SQLite in the data folder, the embedded default for a
  single kiosk (nothing to install);
- :class:`~.postgres.PgJournal` (``postgres.py``): PostgreSQL shared by the screens of a
  venue (``journal_url = postgresql://...``): the same schema and guarantees, plus poll
  leases, locks across screens and change notifications. psycopg is imported only then.

:func:`open_journal` picks one from the settings. Design notes: ``README.md`` here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .base import JournalBase
from .model import AuditRow, EvseBusy, JournalUnavailable, SessionRow, unavailable
from .schema import MIGRATIONS, SCHEMA_VERSION, Migration
from .sqlite import Journal

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "AuditRow",
    "EvseBusy",
    "Journal",
    "JournalBase",
    "JournalUnavailable",
    "Migration",
    "SessionRow",
    "is_url",
    "open_journal",
    "unavailable",
]


def is_url(target: Any) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def open_journal(target: Path | str | JournalBase, *, clock: Any = None, password: str | None = None,
                 **options: Any) -> JournalBase:
    """A journal: ``target`` is an open journal (returned as it is), a ``postgresql://``
    URL (the venue database; ``password`` from a file or credential, never in the URL) or
    the path of the SQLite file."""
    if isinstance(target, JournalBase):
        return target
    if is_url(target):
        from .postgres import PgJournal

        return PgJournal(str(target), clock=clock, password=password, **options)
    return Journal(target, clock=clock, **options)
