"""The kiosk window: a stack of named screens, an overlay layer (idle prompt, messages),
the hidden attendant corner, language switching and the guest reset.

Public API (documented in ``kiosk/ui/README.md``; the attendant desk builds on it)::

    shell.add_screen("name", widget)       # widget: any QWidget; Screen subclasses get hooks
    shell.add_screen("name", factory=f)     # built on first use (or build_pending()): start-up time
    shell.show_screen("name", **params)     # alias: shell.show("name", **params)
    shell.current_name()
    shell.go_home()                          # back to the guest home screen
    shell.new_guest()                        # forget the guest: reset screens, language, home
    shell.open_attendant()                   # what the corner does after a good PIN
    shell.attendant_opened                   # Signal(): connect the attendant desk here
    shell.set_pin_verifier(fn)               # fn(pin) -> bool | Awaitable[bool]
    shell.request_exit()                     # the only way to close the kiosk window
    shell.notify(text, error=False)          # a guest-safe message over the current screen

The guest flow's screens (``flow_screens``, set by :class:`kiosk.ui.flow_view.FlowView`)
time out through the flow: a touch there emits ``touched``. The staff screens (PIN,
attendant desk) keep the shell's own idle timer.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from kiosk import i18n
from kiosk.ui import icons, theme_apply
from kiosk.ui.base import TouchButton
from kiosk.ui.input_watch import InputWatch
from kiosk.ui.lockdown import KioskLockdown, install_lockdown
from kiosk.ui.metrics import DEFAULT_CAP_RATIO, Metrics, metrics, plausible_diagonal  # noqa: I001
from kiosk.ui.overlays import IdlePrompt, Toast
from kiosk.ui.page_stack import PageStack
from kiosk.ui.theme import palette, stylesheet

__all__ = ["Shell", "KioskLockdown", "install_lockdown", "IdlePrompt", "Toast", "DEFAULT_SIZE"]

log = logging.getLogger(__name__)

PinVerifier = Callable[[str], "bool | Awaitable[bool]"]

#: Default window size (also the screenshot size): a common 10" kiosk panel.
DEFAULT_SIZE = (1280, 800)


def _cap_ratio() -> float:
    """Cap height of the UI font per px of font size (what 16 arc minutes is measured on)."""
    from PySide6.QtGui import QFont, QFontMetricsF

    f = QFont()
    f.setPixelSize(100)
    cap = QFontMetricsF(f).capHeight()
    return cap / 100 if 40 <= cap <= 95 else DEFAULT_CAP_RATIO


class Shell(QWidget):
    """The main window. See the module docstring for the API."""

    screen_changed = Signal(str)
    #: Emitted after a correct attendant PIN (and after showing a screen named "attendant"
    #: when one was added). The attendant desk connects here.
    attendant_opened = Signal()
    #: Emitted when the kiosk resets for a new guest (idle timeout or end of a flow).
    guest_reset = Signal()
    #: The window is allowed to close now (the app quits its event loop on this).
    exit_requested = Signal()
    #: A guest touched a screen of the guest flow (the flow restarts its countdown).
    touched = Signal()
    #: Staff changed the idle timeout (seconds): the guest flow times out by it too.
    idle_timeout_changed = Signal(int)

    HOME = "home"

    def __init__(self, *, venue_color: str = "#0b7a53", high_contrast: bool = False,
                 default_language: str = "en", languages: list[str] | None = None,
                 idle_timeout_s: int = 60, idle_prompt_s: int = 10,
                 pin_verifier: PinVerifier | None = None, panel_diagonal_in: float | None = None,
                 orientation: str = "auto", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shell")
        self.setWindowTitle("Charge Assist")
        self._input = InputWatch(self, self.touch)
        # Text size and the compact layouts follow the window size (resizeEvent); start from
        # what the screen offers, so a 800x480 panel never sees the 10" layout first.
        w, h = DEFAULT_SIZE
        scr = QApplication.primaryScreen() if QApplication.instance() is not None else None
        pre = (w, h)
        self.panel_diagonal_in = panel_diagonal_in
        self.orientation = orientation
        self._panel_px: tuple[int, int] | None = None
        self._cap = _cap_ratio() if QApplication.instance() is not None else DEFAULT_CAP_RATIO
        if scr is not None and QApplication.platformName() != "offscreen":   # offscreen: 800x600
            reported = plausible_diagonal(scr.physicalSize().width(), scr.physicalSize().height())
            if reported is not None or panel_diagonal_in:
                # a real display: its pixel density is the panel's (a staff desk's window is smaller)
                self._panel_px = (scr.geometry().width(), scr.geometry().height())
                self.panel_diagonal_in = panel_diagonal_in or reported
            avail = scr.availableGeometry()
            if avail.width() > 0 and avail.height() > 0:
                w, h = min(w, avail.width()), min(h, avail.height())
                # Never exactly the screen's size: under cage 0.1.4 with Qt 6.11 Wayland such a
                # window is never exposed (black screen); one pixel more is cut to the screen.
                pre = (w + 1, h + 1) if (w, h) == (avail.width(), avail.height()) else (w, h)
        self.metrics: Metrics = self._metrics(w, h)
        self.base_px = self.metrics.body
        self.compact = self.metrics.mode == "compact"
        self.resize(*pre)
        self.venue_color = venue_color
        self.high_contrast = high_contrast            # what is shown now
        self.default_high_contrast = high_contrast    # the staff setting
        self.guest_high_contrast: bool | None = None  # the current guest's choice on Home
        self.default_language = default_language
        self.languages = list(languages or i18n.LANGUAGES)
        self._pin_verifier = pin_verifier
        self._allow_close = False
        self.home_override: str | None = None    # "out_of_order": go_home() keeps guests off the board
        self._screens: dict[str, QWidget] = {}
        self.flow_screens: set[str] = set()
        self._factories: dict[str, Callable[[], QWidget]] = {}
        self.lazy_screens: set[str] = set()
        self._current: str | None = None
        self.history: list[tuple[float, str]] = []  # (monotonic time, screen) for autopilot timing

        self.stack = PageStack(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        # no minimum window size from the (font-size dependent) hints: a smaller window shrinks the fonts
        lay.setSizeConstraint(QVBoxLayout.SizeConstraint.SetNoConstraint)
        lay.addWidget(self.stack)

        self.idle_prompt = IdlePrompt(self)
        self.idle_prompt.keep.clicked.connect(self.keep_guest)
        self.toast = Toast(self)
        # The hidden attendant corner: three taps within two seconds, top-left.
        self.corner = TouchButton("", "corner", self)
        self.corner.setObjectName("attendant_corner")
        self.corner.setFixedSize(80, 80)
        self.corner.setFlat(True)
        self.corner.clicked.connect(self._corner_tapped)
        self._corner_taps: list[float] = []

        # idle handling
        self.idle_timeout_s = idle_timeout_s
        self.idle_prompt_s = idle_prompt_s
        self._idle_timer = QTimer(self, singleShot=True)
        self._idle_timer.timeout.connect(self._idle_prompt_start)
        self._prompt_timer = QTimer(self, interval=1000)
        self._prompt_timer.timeout.connect(self._idle_prompt_tick)

        self._unsub_lang = i18n.on_language_changed(lambda _lang: self.retranslate())
        self._qss: str | None = None
        self._laid_out = False
        # The style sheet is set by apply_theme() once the screens are added: one polish pass
        # over every widget instead of one per added screen (start-up time).
        self.palette_ = palette(self.venue_color, self.high_contrast)

    # -- screens ---------------------------------------------------------------------------
    def add_screen(self, name: str, widget: QWidget | None = None, *,
                   factory: Callable[[], QWidget] | None = None) -> QWidget | None:
        """Add a screen, or (``factory``) a screen built the first time it is needed:
        only Home has to exist before the first frame (start-up time, issue 5)."""
        if name in self._screens or name in self._factories:
            raise ValueError(f"screen {name!r} already added")
        if widget is None:
            if factory is None:
                raise ValueError("add_screen needs a widget or a factory")
            self._factories[name] = factory
            return None
        return self._install(name, widget)

    def _install(self, name: str, widget: QWidget) -> QWidget:
        self._screens[name] = widget
        self.stack.addWidget(widget)
        nav = getattr(widget, "navigate", None)
        if nav is not None:
            nav.connect(lambda n, p: self.show_screen(n, **p))
        if hasattr(widget, "set_metrics"):
            widget.set_metrics(self.metrics)
        elif hasattr(widget, "set_compact"):
            widget.set_compact(self.compact)
        if hasattr(widget, "retranslate"):
            widget.retranslate()
        if self._qss is not None:
            theme_apply.apply_icons(widget)
            if hasattr(widget, "theme_changed"):
                widget.theme_changed(self.palette_)
        return widget

    def has_screen(self, name: str) -> bool:
        return name in self._screens or name in self._factories

    def screen(self, name: str) -> QWidget:
        """The screen ``name`` (built now if it was added with a factory)."""
        w = self._screens.get(name)
        if w is None:
            factory = self._factories.pop(name)     # KeyError for an unknown screen
            w = self._install(name, factory())
        return w

    def pending_screens(self) -> list[str]:
        return list(self._factories)

    async def build_pending(self) -> None:
        """Build the screens not built yet, one per event-loop turn (the loop stays
        responsive in between; a screen needed earlier is built on demand). Screens named
        in ``lazy_screens`` (the attendant desk) wait for their first use."""
        while True:
            name = next((n for n in self._factories if n not in self.lazy_screens), None)
            if name is None:
                return
            self.screen(name)
            await asyncio.sleep(0)

    def screens(self) -> dict[str, QWidget]:
        """Every screen (pending ones are built)."""
        for name in list(self._factories):
            self.screen(name)
        return dict(self._screens)

    def current_name(self) -> str | None:
        return self._current

    def current_screen(self) -> QWidget | None:
        return self._screens.get(self._current) if self._current else None

    def show_screen(self, name: str, prepare: Callable[[QWidget], None] | None = None, **params: Any) -> None:
        """Enter (and ``prepare``: draw) screen ``name`` while hidden, then show it: one show and layout."""
        if not self.has_screen(name):
            raise KeyError(f"no screen {name!r}")
        old = self.current_screen()
        if old is not None and self._current != name and hasattr(old, "leave"):
            old.leave()
        self._current = name
        w = self.screen(name)
        if hasattr(w, "enter"):
            w.enter(**params)
        if prepare is not None:
            prepare(w)
        self.stack.setCurrentWidget(w)
        self.history.append((time.monotonic(), name))
        del self.history[:-200]
        self.touch()
        self._raise_overlays()
        self.screen_changed.emit(name)

    def show(self, name: str | None = None, **params: Any) -> None:  # type: ignore[override]
        if name is None:
            super().show()
        else:
            self.show_screen(name, **params)

    def go_home(self) -> None:
        self.show_screen(self.home_override or self.HOME)

    # -- guests, language ------------------------------------------------------------------
    def set_language(self, lang: str) -> None:
        i18n.set_language(lang)   # listeners call retranslate()
        self.touch()

    def retranslate(self) -> None:
        for w in self._screens.values():
            if hasattr(w, "retranslate"):
                w.retranslate()
        self.idle_prompt.retranslate()
        self.toast.retranslate()

    def new_guest(self) -> None:
        """Forget the last guest: every screen resets, the language returns to the
        default, Home is shown (the guest flow starts a new visit on ``guest_reset``)."""
        self.idle_prompt.hide()
        self._prompt_timer.stop()
        self.toast.hide()
        for w in self._screens.values():
            if hasattr(w, "reset"):
                w.reset()
        if i18n.current_language() != self.default_language:
            self.set_language(self.default_language)
        if self.guest_high_contrast is not None:
            self.set_guest_high_contrast(None)
        self.go_home()
        self.guest_reset.emit()

    def reset_guest_screens(self, names: set[str]) -> None:
        """A new visit: the screens of the guest flow forget the last guest (and the guest's
        own high contrast goes back to the staff setting)."""
        self.toast.hide()
        for name in names:
            w = self._screens.get(name)
            if w is not None and hasattr(w, "reset"):
                w.reset()

    def show_idle_prompt(self, seconds: int) -> None:
        self._prompt_timer.stop()
        self.idle_prompt.remaining = seconds
        self.idle_prompt.retranslate()
        if not self.idle_prompt.isVisible():
            self._place_overlays()
            self.idle_prompt.show()
        self.idle_prompt.raise_()

    # -- theme -----------------------------------------------------------------------------
    def apply_theme(self, venue_color: str | None = None, high_contrast: bool | None = None) -> None:
        """``high_contrast`` here is the staff setting (every guest's default); a change of it
        (not the same value again) overrides a guest's own choice."""
        if venue_color is not None:
            self.venue_color = venue_color
        if high_contrast is not None and high_contrast != self.default_high_contrast:
            self.default_high_contrast = high_contrast
            self.guest_high_contrast = None
        self._apply_theme()

    def set_guest_high_contrast(self, on: bool | None) -> None:
        """The guest's own choice (Home's toggle); ``None`` returns to the staff setting.
        Reset for each new guest, like the language."""
        self.guest_high_contrast = None if on is None or on == self.default_high_contrast else on
        self._apply_theme()
        self.touch()

    def _apply_theme(self) -> None:
        self.high_contrast = (self.default_high_contrast if self.guest_high_contrast is None
                              else self.guest_high_contrast)
        self.palette_ = palette(self.venue_color, self.high_contrast)
        qss = stylesheet(self.palette_, self.metrics)
        theme_apply.set_touch(self.metrics.touch)
        if qss != self._qss:      # re-polishing every widget costs tens of ms: only on change
            self._qss = qss
            self.setStyleSheet(qss)
        theme_apply.set_palette(self.palette_, round(self.metrics.body * 1.2))
        theme_apply.apply_icons(self)
        for w in self._screens.values():
            if hasattr(w, "theme_changed"):
                w.theme_changed(self.palette_)

    def icons_loaded(self) -> None:
        """The icon font is there (loaded after the first frame): paint the icons."""
        if icons.load():
            self.update()
            for w in self.findChildren(QWidget):
                if w.property("icon") is not None:
                    w.update()

    # -- idle ------------------------------------------------------------------------------
    def set_idle_timeout(self, seconds: int) -> None:
        self.idle_timeout_s = seconds
        self.idle_timeout_changed.emit(int(seconds))
        self.touch()

    def touch(self) -> None:
        """A guest did something: restart the idle countdown."""
        if self._current in self.flow_screens:
            self._idle_timer.stop()
            self.touched.emit()
            return
        if self.idle_prompt.isVisible():
            return
        w = self.current_screen()
        # Home holds nothing of a guest, except a language they chose: that is reset too.
        at_rest = (self._current == self.HOME and i18n.current_language() == self.default_language
                   and self.guest_high_contrast is None)
        if w is None or at_rest or (self._current != self.HOME and not getattr(w, "idle_applies", True)):
            self._idle_timer.stop()
            return
        self._idle_timer.start(max(1, self.idle_timeout_s - self.idle_prompt_s) * 1000)

    def keep_guest(self) -> None:  # the guest answered "Still there?"
        self.idle_prompt.hide()
        self._prompt_timer.stop()
        if self._current not in self.flow_screens:
            self.touch()

    def _idle_prompt_start(self) -> None:
        self.idle_prompt.remaining = self.idle_prompt_s
        self.idle_prompt.retranslate()
        self._place_overlays()
        self.idle_prompt.show()
        self.idle_prompt.raise_()
        self._prompt_timer.start()

    def _idle_prompt_tick(self) -> None:
        self.idle_prompt.remaining -= 1
        if self.idle_prompt.remaining <= 0:
            log.info("idle timeout: back to the start for a new guest")
            self.new_guest()
        else:
            self.idle_prompt.retranslate()

    def watch_input(self) -> None:
        """Every touch, click and key on the window restarts the idle countdown (input_watch)."""
        self._input.watch()

    # -- attendant -------------------------------------------------------------------------
    def set_pin_verifier(self, fn: PinVerifier | None) -> None:
        self._pin_verifier = fn

    def _corner_tapped(self) -> None:
        now = time.monotonic()
        self._corner_taps = [t for t in self._corner_taps if now - t < 2.0] + [now]
        if len(self._corner_taps) >= 3:
            self._corner_taps.clear()
            if self.has_screen("pin"):
                self.guest_reset.emit()       # nothing of a guest stays behind the staff screens
                self.show_screen("pin")

    async def verify_pin(self, pin: str) -> bool:
        if self._pin_verifier is None:
            return False
        res = self._pin_verifier(pin)
        if inspect.isawaitable(res):
            res = await res
        return bool(res)

    def open_attendant(self) -> bool:
        """After a good PIN: the desk, or False before it is installed (start-up, out of order)."""
        if self.has_screen("attendant"):
            self.show_screen("attendant")
            self.attendant_opened.emit()
        return self.has_screen("attendant")

    def request_exit(self) -> None:
        self._allow_close = True
        self.exit_requested.emit()
        self.close()

    # -- messages --------------------------------------------------------------------------
    def notify(self, text: str, error: bool = False, ms: int = 8000) -> None:
        self._place_overlays()
        self.toast.show_text(text, error, ms)

    # -- window ----------------------------------------------------------------------------
    def _place_overlays(self) -> None:
        w, h = self.width(), self.height()
        self.idle_prompt.setGeometry(0, 0, w, h)
        self.idle_prompt.place(self.metrics)
        th = max(100, self.metrics.touch + 2 * self.metrics.body)
        self.toast.setGeometry(20, h - th - 20, w - 40, th)
        self.corner.move(0, 0)

    def _metrics(self, w: int, h: int) -> Metrics:
        return metrics(w, h, diagonal_in=self.panel_diagonal_in, panel_px=self._panel_px,
                       orientation=self.orientation, cap_ratio=self._cap)

    def set_panel(self, diagonal_in: float | None = None, orientation: str | None = None) -> None:
        """The panel's diagonal (inches) and orientation, as the settings say (text size)."""
        if diagonal_in is not None:
            self.panel_diagonal_in = diagonal_in
        if orientation is not None:
            self.orientation = orientation
        self._adapt(self.width(), self.height())

    def _adapt(self, w: int, h: int) -> None:
        """Type scale from the panel's physical size, layout mode from the window: only on a
        change (re-polishing costs tens of ms)."""
        m = self._metrics(w, h)
        old = self.metrics
        self.metrics = m
        self.compact = m.mode == "compact"
        self.base_px = m.body
        if (m.mode, m.body, m.touch) != (old.mode, old.body, old.touch) or not self._laid_out:
            self._laid_out = True
            for scr in self._screens.values():
                if hasattr(scr, "set_metrics"):
                    scr.set_metrics(m)
                elif hasattr(scr, "set_compact"):
                    scr.set_compact(self.compact)
            if self._qss is not None and (m.body, m.touch) != (old.body, old.touch):
                self._apply_theme()

    def _raise_overlays(self) -> None:
        self.corner.raise_()
        if self.idle_prompt.isVisible():
            self.idle_prompt.raise_()
        if self.toast.isVisible():
            self.toast.raise_()

    def resizeEvent(self, ev: Any) -> None:  # noqa: N802
        super().resizeEvent(ev)
        self._adapt(self.width(), self.height())
        self._place_overlays()
        self._raise_overlays()

    def closeEvent(self, ev: QCloseEvent) -> None:  # noqa: N802
        if self._allow_close:
            self._unsub_lang()
            ev.accept()
        else:
            ev.ignore()

    def allow_close(self) -> None:
        self._allow_close = True

