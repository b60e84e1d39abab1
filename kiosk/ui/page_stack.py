"""The shell's pages: one screen shown at a time, filling the stack.

Like ``QStackedWidget``, without its layout. A ``QStackedLayout`` answers its size hints,
minimum size and height-for-width from EVERY page, and Qt asks at each layout pass of the
window: showing a single button on one screen made Qt consult all ~20 screens (their
layouts, the gauge's and camera's Python ``heightForWidth``), ~2 ms each time, several
times per tap (``bench/ui.py`` stalls). Here each page is sized to the stack by hand, so a
change inside a page lays out that page only. The window's size comes from the screen or
the settings, never from its pages (the shell's layout had no size constraint already)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget


class PageStack(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page_stack")
        self._pages: list[QWidget] = []
        self._current: QWidget | None = None

    def addWidget(self, page: QWidget) -> int:  # noqa: N802 - QStackedWidget's API
        page.setParent(self)
        page.hide()
        self._pages.append(page)
        return len(self._pages) - 1

    def setCurrentWidget(self, page: QWidget) -> None:  # noqa: N802
        if page is self._current:
            return
        if page not in self._pages:
            self.addWidget(page)
        old, self._current = self._current, page
        page.setGeometry(self.rect())
        self.setUpdatesEnabled(False)     # one paint of the new page, no frame of neither
        try:
            if old is not None:
                old.hide()
            page.show()
            page.raise_()
        finally:
            self.setUpdatesEnabled(True)

    def resizeEvent(self, ev) -> None:  # noqa: N802
        super().resizeEvent(ev)
        if self._current is not None:
            self._current.setGeometry(self.rect())

    def sizeHint(self) -> QSize:  # noqa: N802 - the window's size is the screen's, not its pages'
        return QSize(0, 0)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(0, 0)
