"""Diagnostics: the ``kiosk doctor`` checks as a screen (plus journal and disk), the last
200 log lines (already redacted by :mod:`kiosk.logsetup`), version and uptime, and a
"test scan" that shows the camera's decodes live."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QPlainTextEdit, QVBoxLayout, QWidget
from qasync import asyncSlot

from kiosk import __version__
from kiosk.i18n import N_, Translator
from kiosk.services.attendant import (CheckResult, disk_check, journal_check, normalise_check, own_check,
                                     uptime_text)

from .common import TOUCH, MessageLine, TouchButton, fill_row, table

_ = Translator("attendant")

ChecksFn = Callable[[], Awaitable[list[Any]]]
#: ``scan_factory(on_code, on_state)`` returns an object with ``start()`` and ``stop(timeout)``
#: whose callbacks run on a worker thread (a :class:`kiosk.scan.ScanWorker`).
ScanFactory = Callable[[Callable[[str], None], Callable[[Any], None]], Any]


class _Bridge(QObject):
    """Carries worker-thread callbacks into the UI thread (queued signal)."""

    code = Signal(str)
    state = Signal(str)


class DiagnosticsScreen(QWidget):
    checked = Signal()

    def __init__(self, checks: ChecksFn | None = None, *, data_dir: Path | str | None = None,
                 journal_path: Path | str | None = None, log_lines: Callable[[], list[str]] | None = None,
                 scan_factory: ScanFactory | None = None, started: float | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attendant-diagnostics")
        self.checks_fn = checks
        self.data_dir = Path(data_dir) if data_dir else None
        self.journal_path = Path(journal_path) if journal_path else None
        if log_lines is None:
            from kiosk.logsetup import ring

            log_lines = lambda: list(ring.lines)  # noqa: E731
        self.log_lines = log_lines
        self.scan_factory = scan_factory
        self.started = started if started is not None else _process_start()
        self.results: list[CheckResult] = []
        self.worker: Any = None
        self.decodes: list[str] = []
        self.bridge = _Bridge(self)
        self.bridge.code.connect(self._on_code)
        self.bridge.state.connect(self._on_state)

        self.title = QLabel()
        self.version = QLabel()
        self.version.setObjectName("version")
        self.version.setWordWrap(True)     # "running for 2 d 3 h 4 min" grows with the uptime
        self.run_btn = TouchButton(name="run-checks")
        self.table = table("checks-table", 3)
        self.logs = QPlainTextEdit()
        self.logs.setObjectName("log-lines")
        self.logs.setReadOnly(True)
        self.logs.setMaximumBlockCount(200)
        self.logs_btn = TouchButton(name="refresh-logs")
        self.scan_btn = TouchButton(name="test-scan")
        self.scan_btn.setCheckable(True)
        self.scan_state = QLabel()
        self.scan_state.setObjectName("scan-state")
        self.scan_list = QListWidget()
        self.scan_list.setObjectName("scan-decodes")
        self.scan_list.setMinimumHeight(3 * TOUCH)
        self.message = MessageLine()
        from kiosk.ui.base import kinetic

        kinetic(self.logs)
        kinetic(self.scan_list)
        # the version on a line of its own, the buttons below: in portrait (and German) the
        # three buttons take the whole width and the version had a third of it, cut off
        top = QHBoxLayout()
        top.addWidget(self.run_btn)
        top.addWidget(self.logs_btn)
        top.addWidget(self.scan_btn)
        top.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.version)
        lay.addLayout(top)
        lay.addWidget(self.table, 2)
        lay.addWidget(self.scan_state)
        lay.addWidget(self.scan_list, 1)
        lay.addWidget(self.logs, 2)
        lay.addWidget(self.message)
        self.run_btn.clicked.connect(self.refresh)
        self.logs_btn.clicked.connect(self.show_logs)
        self.scan_btn.toggled.connect(self.toggle_scan)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Diagnostics"))
        self.run_btn.setText(_("Run checks"))
        self.logs_btn.setText(_("Show latest log"))
        self.scan_btn.setText(_("Stop test scan") if self.scan_btn.isChecked() else _("Test scan"))
        self.table.setHorizontalHeaderLabels([_("Check"), _("Result"), _("Details")])
        self.table.setAccessibleName(_("Diagnostics"))
        self.logs.setAccessibleName(_("Latest log lines"))
        self.scan_list.setAccessibleName(_("Codes read by the test scan"))
        self.show_version()
        if self.results:
            self._fill()

    def _fill(self) -> None:
        """The checks' rows, titles and verdicts in the language on screen."""
        self.table.setRowCount(len(self.results))
        for i, r in enumerate(self.results):
            verdict = {"warning": _("Warning"), "skipped": _("Skipped")}.get(r.severity, _("OK")) if r.ok \
                else _("Problem")
            fill_row(self.table, i, [r.title, verdict, r.text], key=r.key or r.name)

    def show_version(self) -> None:
        self.version.setText(_("Version {version}, running for {uptime}", version=__version__,
                               uptime=uptime_text(self.started)))

    def show_logs(self) -> None:
        lines = self.log_lines()[-200:]
        self.logs.setPlainText("\n".join(lines))
        self.logs.verticalScrollBar().setValue(self.logs.verticalScrollBar().maximum())

    @asyncSlot()
    async def refresh(self) -> None:
        self.show_version()
        self.show_logs()
        self.message.info(_("Checking…"))
        results: list[CheckResult] = []
        if self.checks_fn is not None:
            try:
                results += [normalise_check(c) for c in await self.checks_fn()]
            except Exception as exc:  # noqa: BLE001 - a crashing check is itself a finding
                results.append(own_check("checks", False, N_("The checks failed: {error}"), error=type(exc).__name__))
        keys = {r.key for r in results}       # (by key: a title is in the language on screen)
        if self.journal_path is not None and "journal" not in keys:
            results.append(await asyncio.to_thread(journal_check, self.journal_path))
        if self.data_dir is not None and "disk" not in keys:
            results.append(await asyncio.to_thread(disk_check, self.data_dir))
        self.results = results
        self._fill()
        bad = sum(1 for r in results if not r.ok)
        if bad:
            self.message.error(_.n("{n} check needs attention.", "{n} checks need attention.", bad))
        else:
            self.message.info(_("All checks passed."))
        self.checked.emit()

    # -- test scan ---------------------------------------------------------------------
    def toggle_scan(self, on: bool) -> None:
        if on:
            self.start_scan()
        else:
            self.stop_scan()
        self.retranslate()

    def start_scan(self) -> None:
        if self.worker is not None:
            return
        if self.scan_factory is None:
            self.scan_state.setText(_("No camera is configured on this kiosk."))
            self.scan_btn.setChecked(False)
            return
        self.scan_list.clear()
        self.decodes = []
        try:
            self.worker = self.scan_factory(self.bridge.code.emit,
                                            lambda st: self.bridge.state.emit(str(getattr(st, "value", st))))
            self.worker.start()
        except Exception as exc:  # noqa: BLE001 - a broken camera is shown, not raised
            self.worker = None
            self.scan_state.setText(_("The camera could not be opened: {error}", error=str(exc)))
            self.scan_btn.setChecked(False)
            return
        self.scan_state.setText(_("Hold a QR code in front of the camera."))

    def stop_scan(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.stop(timeout=1.0)
            self.scan_state.setText(_("Test scan stopped."))

    def _on_code(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        self.decodes.append(text)
        self.scan_list.insertItem(0, f"{stamp}  {text}")

    def _on_state(self, state: str) -> None:
        self.scan_state.setText(_("Camera: {state}", state=state))

    def deactivate(self) -> None:
        """The tab is left or the attendant logged out: the camera test stops."""
        if self.scan_btn.isChecked():
            self.scan_btn.setChecked(False)   # toggled -> stop_scan
        self.stop_scan()


def _process_start() -> float:
    try:
        import psutil

        return psutil.Process().create_time()
    except Exception:  # noqa: BLE001
        return time.time()
