"""Building blocks shared by every guest screen: the ``Screen`` base class, touch-sized
buttons, and the ``ui`` translation domain."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLabel, QPushButton, QScroller, QSizePolicy, QWidget

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
        self.portrait = False
        self.metrics: Any = None
        self._adaptive: list[tuple[Any, Any, Any, Any]] = []

    def adaptive(self, apply: Any, normal: Any, compact: Any, portrait: Any = None) -> None:
        """Register a setting that differs by layout mode (compact: a landscape window below
        1024x700, e.g. the Pi's 800x480; portrait: taller than wide, lobby totems; default:
        as normal): ``apply(value)`` runs now and on every switch.
        ``adaptive(box.setContentsMargins, (24, 16, 24, 16), (12, 6, 12, 6))``."""
        self._adaptive.append((apply, normal, compact, portrait))
        self._apply_adaptive(apply, self._pick(normal, compact, portrait))

    def _pick(self, normal: Any, compact: Any, portrait: Any) -> Any:
        if self.portrait:
            return normal if portrait is None else portrait
        return compact if self.compact else normal

    @staticmethod
    def _apply_adaptive(apply: Any, value: Any) -> None:
        if isinstance(value, tuple):
            apply(*value)
        else:
            apply(value)

    def set_compact(self, compact: bool) -> None:
        """Called by the shell when the window crosses the compact size."""
        self.compact = compact
        for apply, normal, small, tall in self._adaptive:
            self._apply_adaptive(apply, self._pick(normal, small, tall))
        self.compact_changed(compact)

    def set_metrics(self, m: Any) -> None:
        """Called by the shell when the window's layout mode or type scale changes
        (:class:`kiosk.ui.metrics.Metrics`)."""
        old = (self.compact, self.portrait)
        self.metrics = m
        self.portrait = m.portrait
        self.compact = m.compact
        for apply, normal, small, tall in self._adaptive:
            self._apply_adaptive(apply, self._pick(normal, small, tall))
        self.layout_changed(m)
        if old != (self.compact, self.portrait):
            self.compact_changed(self.compact)

    def layout_changed(self, m: Any) -> None:
        """Hook: the layout mode or type scale changed (portrait arrangement, icon sizes)."""

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
    (``primary``, ``secondary``, ``danger``, ``link``, ``choice``, ``lang``); ``icon`` names
    an icon of :mod:`kiosk.ui.icons` (coloured by the theme, see ``Shell``)."""

    def __init__(self, text: str = "", role: str = "secondary", parent: QWidget | None = None, *,
                 icon: str = "") -> None:
        super().__init__(text, parent)
        self.setProperty("role", role)
        if icon:
            self.setProperty("icon_name", icon)
        self.setMinimumHeight(TOUCH_MIN)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def sizeHint(self):  # noqa: N802 - Qt API
        from kiosk.ui.theme_apply import touch_px

        hint = fit_text_hint(self, super().sizeHint())
        if hint.width() < touch_px():      # at least a finger wide (e.g. "EN")
            hint.setWidth(touch_px())
        return hint

    def minimumSizeHint(self):  # noqa: N802 - a layout never squeezes a button's text
        from PySide6.QtCore import QSize

        hint = self.sizeHint() if self.text() else super().minimumSizeHint()
        return hint.expandedTo(QSize(TOUCH_MIN, TOUCH_MIN))

    def set_icon_name(self, name: str) -> None:
        if name != (self.property("icon_name") or ""):
            self.setProperty("icon_name", name)
            from kiosk.ui.theme_apply import button_icon

            button_icon(self)


def button_text_size(button: QPushButton) -> Any:
    """The room (QSize) a button's text and icon take in the font it is painted in: the
    theme paints a checked button bold (state never by colour alone), so a checkable one
    is measured bold, as it may be checked at any time. Its size hint and the cut-off
    check (``kiosk.ui.autopilot.cut_off_texts``) both use this measure."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QFont, QFontMetrics

    font = QFont(button.font())
    if button.isCheckable():
        font.setBold(True)
    fm = QFontMetrics(font)
    lines = button.text().split("\n")
    width = max(fm.horizontalAdvance(line) for line in lines)
    height = fm.height() * len(lines)
    if not button.icon().isNull():
        width += button.iconSize().width() + 4      # the icon and Qt's gap beside it
        height = max(height, button.iconSize().height())
    return QSize(width, height)


def fit_text_hint(button: QPushButton, hint: Any) -> Any:
    """``hint`` widened, where needed, to :func:`button_text_size` in the button's box. Qt
    sizes a button from its normal font and unchecked box and does not ask again when it is
    checked, so checking a button sized to its text cut the text off ("High contras"); a
    checkable button is sized in its checked box (a thicker border)."""
    if not button.text():
        return hint
    from PySide6.QtWidgets import QStyle, QStyleOptionButton

    opt = QStyleOptionButton()
    button.initStyleOption(opt)
    if button.isCheckable():
        opt.state |= QStyle.StateFlag.State_On
    need = button.style().sizeFromContents(QStyle.ContentsType.CT_PushButton, opt, button_text_size(button), button)
    if need.width() > hint.width():
        hint.setWidth(need.width())
    return hint


def restyle(w: QWidget, prop: str, value: Any) -> None:
    """Set a style property and re-polish, only when it changes (re-polishing costs)."""
    if w.property(prop) != value:
        w.setProperty(prop, value)
        # a widget not polished yet reads its properties when it is (at its first show);
        # and Python's first style() builds QStyle's ~570 enum members (~15 ms) on the board's way
        if w.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
            w.style().unpolish(w)
            w.style().polish(w)


def kinetic(area: QAbstractScrollArea) -> QAbstractScrollArea:
    """Touch scrolling with momentum on a scroll area (a finger drags the content).

    Presses reach the control under the finger at once (``MousePressEventDelay`` 0): with
    Qt's default delay a tap on a button in a scrollable area waited for the gesture to
    decide, and a quick tap (or a test's click) could be swallowed. A drag that starts on
    a button still scrolls; the button sees its press cancelled, not a click."""
    from PySide6.QtWidgets import QScrollerProperties

    QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    scroller = QScroller.scroller(area.viewport())
    props = scroller.scrollerProperties()
    props.setScrollMetric(QScrollerProperties.ScrollMetric.MousePressEventDelay, 0.0)
    scroller.setScrollerProperties(props)
    return area


def describe(w: QWidget, name: str, description: str = "") -> None:
    """Accessible name (and description) of a widget whose text does not say it."""
    if w.accessibleName() != name:
        w.setAccessibleName(name)
    if description and w.accessibleDescription() != description:
        w.setAccessibleDescription(description)


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


def first_frame(widget: QWidget) -> Any:
    """An asyncio future done in the loop turn after ``widget``'s first paint (the frame is
    on screen then). Ask before ``show()``: the platform shows (exposes) a window some time
    after it, and only then does Qt paint; a ``repaint()`` before that paints nothing.
    systemd's READY=1 waits for this, as ``bench/ui.py``'s bare window reports its first paint."""
    import asyncio

    from PySide6.QtCore import QEvent, QObject

    fut = asyncio.get_running_loop().create_future()

    class FirstPaint(QObject):
        def eventFilter(self, obj: Any, ev: Any) -> bool:  # noqa: N802 - Qt API
            if ev.type() == QEvent.Type.Paint and not fut.done():
                fut.get_loop().call_soon(lambda: None if fut.done() else fut.set_result(None))
            return False

    watch = FirstPaint(widget)        # (a child: gone with the widget, should it close first)
    widget.installEventFilter(watch)

    def done(_f: Any) -> None:
        try:
            widget.removeEventFilter(watch)
            watch.deleteLater()
        except RuntimeError:          # the widget was deleted before its first paint
            pass

    fut.add_done_callback(done)
    return fut
