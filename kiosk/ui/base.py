"""Building blocks shared by every guest screen: the ``Screen`` base class, touch-sized
buttons, and the ``ui`` translation domain."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QWidget

from kiosk.i18n import Translator

_ = Translator("ui")

#: Minimum height of anything a guest touches (px).
TOUCH_MIN = 56


class Screen(QWidget):
    """A full-window page of the shell.

    Subclasses implement :meth:`retranslate` (set every visible text from ``_()``; called at
    construction and on every language switch), and may implement :meth:`enter` (the shell
    shows the screen with keyword parameters), :meth:`leave` and :meth:`reset` (forget
    everything of the current guest: called on idle timeout and for each new guest).
    The guest flow's screens also implement ``draw(flow)`` and optionally ``tick(flow)``
    (``kiosk.ui.flow_view``): they draw the flow and never decide where to go next.
    """

    #: Whether the idle timeout applies while this screen is shown (staff screens).
    idle_applies = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setProperty("screen", True)
        self.compact = False
        self._adaptive: list[tuple[Any, Any, Any]] = []

    def adaptive(self, apply: Any, normal: Any, compact: Any) -> None:
        """Register a setting that differs in the compact layout (window below 1024x700,
        e.g. the Pi's 800x480): ``apply(value)`` runs now and on every switch.
        ``adaptive(box.setContentsMargins, (120, 40, 120, 30), (24, 8, 24, 8))``."""
        self._adaptive.append((apply, normal, compact))
        self._apply_adaptive(apply, compact if self.compact else normal)

    @staticmethod
    def _apply_adaptive(apply: Any, value: Any) -> None:
        if isinstance(value, tuple):
            apply(*value)
        else:
            apply(value)

    def set_compact(self, compact: bool) -> None:
        """Called by the shell when the window crosses the compact size."""
        self.compact = compact
        for apply, normal, small in self._adaptive:
            self._apply_adaptive(apply, small if compact else normal)
        self.compact_changed(compact)

    def compact_changed(self, compact: bool) -> None:
        """Hook for layout changes beyond :meth:`adaptive` (e.g. board columns)."""

    def retranslate(self) -> None:  # pragma: no cover - overridden
        pass

    def enter(self, **params: Any) -> None:
        pass

    def leave(self) -> None:
        pass

    def reset(self) -> None:
        pass


class TouchButton(QPushButton):
    """A push button at least ``TOUCH_MIN`` px high; ``role`` selects the style
    (``primary``, ``secondary``, ``danger``, ``link``)."""

    def __init__(self, text: str = "", role: str = "secondary", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setProperty("role", role)
        self.setMinimumHeight(TOUCH_MIN)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)


def label(text: str = "", role: str = "body", *, wrap: bool = True, center: bool = False,
          parent: QWidget | None = None) -> QLabel:
    """A QLabel with a style role (``title``, ``subtitle``, ``body``, ``small``, ``big``,
    ``code``, ``warning``, ``error``)."""
    lab = QLabel(text, parent)
    lab.setProperty("role", role)
    lab.setWordWrap(wrap)
    if center:
        lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return lab
