"""Guest input on the kiosk's window: every touch, click and key calls back (the shell's idle
countdown restarts).

The filter sits on the window (its QWindow), where input arrives before Qt hands it to a
widget. On the application it was called for every event of every widget (paints, layouts,
timers: ~150-300 Python calls each time a screen changed, a share of every frame's stall).
A new native window (window flags changed, e.g. kiosk mode) is followed (WinIdChange)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

INPUT = (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress)


class InputWatch(QObject):
    def __init__(self, window: QWidget, on_input: Callable[[], None]) -> None:
        super().__init__(window)
        self.window = window
        self.on_input = on_input
        self.watched: QObject | None = None
        window.installEventFilter(self)      # only its own events: a new native window

    def watch(self) -> None:
        """Start (or follow a new native window); the window is made if it is not yet."""
        handle = self.window.windowHandle()
        if handle is None:
            self.window.winId()
            handle = self.window.windowHandle()
        if handle is not None and handle is not self.watched:
            if self.watched is not None:
                self.watched.removeEventFilter(self)
            handle.installEventFilter(self)
            self.watched = handle

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802 (Qt API)
        t = ev.type()
        if obj is self.watched:
            if t in INPUT:
                self.on_input()
        elif t == QEvent.Type.WinIdChange and self.watched is not None:
            self.watch()
        return False
