"""Audit log: who (PIN holder) did what (action), when, on which session; exportable."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget
from qasync import asyncSlot

from kiosk.i18n import Translator
from kiosk.services.attendant import action_title, audit_to_csv
from kiosk.services.sessions.model import SHARED_PIN

from .common import MessageLine, TouchButton, fill_row, table

_ = Translator("attendant")


class AuditScreen(QWidget):
    loaded = Signal()

    def __init__(self, entries: Callable[[], list[Any]], export_dir: Path | str, *,
                 record: Callable[..., Any] | None = None, actor: str = "attendant",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attendant-audit")
        self.entries_fn = entries
        self.record = record
        self.actor = actor
        self.export_dir = Path(export_dir)
        self.entries: list[Any] = []
        self.last_export: Path | None = None
        self.title = QLabel()
        self.table = table("audit-table", 4)
        self.refresh_btn = TouchButton(name="refresh")
        self.export_btn = TouchButton(name="export-csv")
        self.message = MessageLine()
        row = QHBoxLayout()
        row.addWidget(self.refresh_btn)
        row.addWidget(self.export_btn)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addLayout(row)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.message)
        self.refresh_btn.clicked.connect(self.refresh)
        self.export_btn.clicked.connect(self.on_export)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Audit log"))
        self.refresh_btn.setText(_("Refresh"))
        self.export_btn.setText(_("Export CSV"))
        self.table.setHorizontalHeaderLabels([_("When"), _("Who"), _("What"), _("Session")])
        self.table.setAccessibleName(_("Audit log"))
        if self.entries:
            self._fill()

    def _fill(self) -> None:
        """The entries in the language on screen: actions in words (the code on hover, and in
        the CSV), the shared PIN as such."""
        self.table.setRowCount(len(self.entries))
        for i, e in enumerate(self.entries):
            at = getattr(e, "at", None) or getattr(e, "time", None)
            when = at.astimezone().strftime("%Y-%m-%d %H:%M:%S") if isinstance(at, datetime) else str(at or "")
            what = action_title(e.action) + (f": {e.detail}" if getattr(e, "detail", "") else "")
            session = getattr(e, "session_key", None) or getattr(e, "session_id", None) or ""
            who = _("Staff PIN") if e.actor == SHARED_PIN else e.actor     # the shared PIN is no one's name
            fill_row(self.table, i, [when, who, what, session], key=i, tips={2: e.action})

    @asyncSlot()
    async def refresh(self) -> None:
        try:
            self.entries = list(self.entries_fn())   # a local SQLite read of <= 500 rows
        except Exception as exc:  # noqa: BLE001
            self.message.error(_("The audit log could not be read: {error}", error=type(exc).__name__))
            return
        self._fill()
        self.message.info(_.n("{n} entry.", "{n} entries.", len(self.entries)))
        self.loaded.emit()

    @asyncSlot()
    async def on_export(self) -> None:
        try:
            entries = list(self.entries_fn())
            self.export_dir.mkdir(parents=True, exist_ok=True)
            path = self.export_dir / f"audit-{datetime.now().strftime('%Y%m%d-%H%M%S')}.csv"
            await asyncio.to_thread(path.write_text, audit_to_csv(entries), encoding="utf-8-sig")
        except OSError:
            self.message.error(_("The file could not be written. Check that the export folder is writable."))
            return
        self.last_export = path
        if self.record is not None:
            res = self.record(actor=self.actor, action="audit.export", session_id=None,
                              detail=f"{len(entries)} entries to {path.name}")
            if hasattr(res, "__await__"):
                await res
        self.message.info(_.n("{n} entry exported to {path}.", "{n} entries exported to {path}.",
                              len(entries), path=str(path)))
