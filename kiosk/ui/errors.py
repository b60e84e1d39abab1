"""One funnel for unexpected errors: ``sys.excepthook`` and ``threading.excepthook`` (qasync
sends slot exceptions to the former) log the error and show a guest-safe message."""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

from PySide6.QtCore import QObject, Signal
from kiosk.i18n import Translator

_ = Translator("ui")



log = logging.getLogger("kiosk.errors")


class ErrorNotifier(QObject):
    happened = Signal(str)

    def __init__(self, shell: Any) -> None:
        super().__init__(shell)
        self.shell = shell
        self.count = 0
        self.happened.connect(self._show)   # queued when emitted from another thread
        self._old_hook = sys.excepthook
        self._old_thread_hook = threading.excepthook

    def install(self) -> None:
        sys.excepthook = self._hook
        threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        sys.excepthook = self._old_hook
        threading.excepthook = self._old_thread_hook

    def _hook(self, etype: type[BaseException], value: BaseException, tb: Any) -> None:
        if issubclass(etype, KeyboardInterrupt):
            self._old_hook(etype, value, tb)
            return
        self.count += 1
        log.error("unexpected error", exc_info=(etype, value, tb))
        self.happened.emit(etype.__name__)

    def _thread_hook(self, args: Any) -> None:
        self.count += 1
        log.error("unexpected error in thread %s", getattr(args.thread, "name", "?"),
                  exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
        self.happened.emit(args.exc_type.__name__)

    def _show(self, _name: str) -> None:
        self.shell.notify(_("Something went wrong. Please try again; if it happens again, ask the staff."),
                          error=True)
