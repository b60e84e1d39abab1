"""The attendant desk: one widget with tabs (sessions, history, wallet, diagnostics, audit,
settings) shown by the shell after a correct PIN. See ``README.md`` beside this file.

Entry points::

    area = AttendantArea(services)          # services: AttendantServices
    install(shell, ctx) -> AttendantServices # kiosk/app.py calls this

``install`` adds the area as the shell's ``"attendant"`` screen (built on first use: the
desk's six tabs took ~120-200 ms, a stall no guest should wait for), makes the session service's
PIN check (lockout, persisted) the shell's PIN verifier and applies the runtime settings
(idle timeout, default language, high contrast) to the shell whenever staff change them.
"""

from __future__ import annotations

import asyncio

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from kiosk.i18n import Translator, current_language
from kiosk.services.attendant import (
    PinChange,
    RuntimeSettings,
    bind_venue_payment,
    SessionsDesk,
    WalletService,
    journal_receipt_lookup,
    journal_tag_lookup,
)
from kiosk.services.history import HistoryService
from kiosk.services.sessions.model import SHARED_PIN

from .audit_screen import AuditScreen
from .billing_screen import BillingScreen
from .common import TOUCH, MessageLine, TouchButton
from .diagnostics_screen import DiagnosticsScreen, ScanFactory
from .history_screen import HistoryScreen
from .sessions_screen import SessionsScreen
from .settings_screen import SettingsScreen
from .wallet_screen import WalletScreen

__all__ = ["AttendantArea", "AttendantServices", "install"]

log = logging.getLogger(__name__)
_ = Translator("attendant")


@dataclass
class AttendantServices:
    """What the attendant area needs (all Qt-free)."""

    sessions: Any                      # kiosk.services.sessions.SessionService
    client: Any                        # kiosk.api.ChargeAssistClient
    runtime: RuntimeSettings
    history: HistoryService
    wallet: WalletService
    data_dir: Path
    journal_path: Path | None = None
    checks: Callable[[], Awaitable[list[Any]]] | None = None
    scan_factory: ScanFactory | None = None
    export_dir: Path | None = None
    billing: Any = None                # kiosk.services.billing.BillingService (hotel billing)
    venue: Any = None                  # kiosk.services.venue.VenueService: bays as guests read them

    @classmethod
    def create(cls, *, sessions: Any, client: Any, data_dir: Path | str, runtime: RuntimeSettings | None = None,
               settings: Any = None, tz: str = "Europe/Amsterdam", checks: Any = None,
               scan_factory: ScanFactory | None = None, export_dir: Path | str | None = None,
               journal_path: Path | str | None = None, billing: Any = None, venue: Any = None) -> AttendantServices:
        data_dir = Path(data_dir)
        if runtime is None:
            runtime = (RuntimeSettings.from_settings(settings) if settings is not None
                       else RuntimeSettings(data_dir / RuntimeSettings.FILE_NAME))
        journal = getattr(sessions, "journal", None)
        history = HistoryService(
            client,
            tag_lookup=journal_tag_lookup(journal) if journal is not None else None,
            receipt_lookup=journal_receipt_lookup(journal) if journal is not None else None,
            tz=tz, guest_lookup=_guest_lookup(journal) if journal is not None and billing is not None else None,
        )
        audit = getattr(sessions, "audit", None)
        wallet = WalletService(client, runtime, audit=audit)
        return cls(sessions=sessions, client=client, runtime=runtime, history=history, wallet=wallet,
                   data_dir=data_dir, journal_path=Path(journal_path) if journal_path else None, checks=checks,
                   scan_factory=scan_factory, export_dir=Path(export_dir) if export_dir else data_dir / "exports",
                   billing=billing, venue=venue)


def _guest_lookup(journal: Any) -> Any:
    from kiosk.services.billing import journal_guest_lookup

    return journal_guest_lookup(journal)


class AttendantArea(QWidget):
    """The attendant desk. Shows nothing useful until :meth:`login` accepted a PIN;
    leaving it (or a guest reset) logs the attendant out."""

    #: "Exit attendant": back to the guest side.
    exit_requested = Signal()
    #: "Quit kiosk": close the program.
    quit_requested = Signal()
    #: The PIN was accepted (argument: the attendant's name).
    logged_in = Signal(str)

    idle_applies = True   # a desk left open returns to the guest side after the idle timeout

    def __init__(self, services: AttendantServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attendant")
        self.services = services
        self.attendant: Any = None
        self.desk = SessionsDesk(services.sessions, services.client, None)
        audit_record = getattr(services.sessions, "audit", None)
        self.sessions_screen = SessionsScreen(self.desk, venue=services.venue)
        self.history_screen = HistoryScreen(services.history, services.export_dir or services.data_dir / "exports",
                                            audit=audit_record, venue=services.venue)
        self.wallet_screen = WalletScreen(services.wallet)
        self.diagnostics_screen = DiagnosticsScreen(
            services.checks, data_dir=services.data_dir, journal_path=services.journal_path,
            scan_factory=services.scan_factory)
        self.audit_screen = AuditScreen(self._audit_entries, services.export_dir or services.data_dir / "exports",
                                        record=audit_record)
        self.settings_screen = SettingsScreen(services.runtime, services.wallet, audit=audit_record,
                                              pin_change=self._pin_change)
        self.billing_screen = BillingScreen(services.billing, services.runtime, lambda: self.attendant)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("attendant-tabs")
        self.tabs.tabBar().setMinimumHeight(TOUCH)
        for w in self.screens():
            self.tabs.addTab(w, "")
        self.title = QLabel()
        self.title.setObjectName("attendant-title")
        self.exit_btn = TouchButton(name="exit-attendant")
        self.quit_btn = TouchButton(name="quit-kiosk")
        self.quit_btn.setProperty("role", "danger")
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.exit_btn)
        top.addWidget(self.quit_btn)
        from kiosk.ui.desk.pages import ConfirmBar

        # quitting stops the kiosk for every guest: asked first, Cancel under the finger
        self.confirm_quit = ConfirmBar(touch=TOUCH)
        # The desk shares the window with the guest screens: its pages need ~650 px of height,
        # so they scroll on the 800x480 panel instead of forcing the window's minimum size.
        scroll = QScrollArea()
        scroll.setObjectName("attendant-scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.tabs)
        from kiosk.ui.base import kinetic

        kinetic(scroll)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.confirm_quit)
        lay.addWidget(scroll, 1)
        from .osk import OnScreenKeyboard

        # every field of the touch desk types with the desk's own keyboard (no system one)
        self.keyboard = OnScreenKeyboard()
        self.keyboard.cover(self)
        lay.addWidget(self.keyboard)
        self.exit_btn.clicked.connect(self.on_exit)
        self.quit_btn.clicked.connect(self.ask_quit)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.retranslate()
        self.tabs.setEnabled(False)

    def screens(self) -> list[QWidget]:
        return [self.sessions_screen, self.history_screen, self.wallet_screen, self.diagnostics_screen,
                self.audit_screen, self.settings_screen, self.billing_screen]

    def retranslate(self) -> None:
        names = [_("Sessions"), _("History"), _("Wallet"), _("Diagnostics"), _("Audit log"), _("Settings"),
                 _("Billing")]
        for i, n in enumerate(names):
            self.tabs.setTabText(i, n)
        for w in self.screens():
            w.retranslate()
        for line in self.findChildren(MessageLine):   # a message of the last language is not left behind
            if line.text() and getattr(line, "lang", None) not in (None, current_language()):
                line.info("")
        person = self.attendant.person if self.attendant else None    # (not the shared PIN's "attendant")
        self.title.setText(_("Attendant desk – {name}", name=person) if person else _("Attendant desk"))
        self.exit_btn.setText(_("Exit attendant"))
        self.quit_btn.setText(_("Quit kiosk"))
        self.keyboard.retranslate()

    # -- PIN ---------------------------------------------------------------------------
    def login(self, pin: str, name: str = SHARED_PIN) -> bool:
        """Check the PIN on the calling thread (tests, scripted use). Wrong PINs and the
        lockout raise the session service's WrongPin / AttendantLocked; the message is kept
        in :attr:`last_error` and False returned."""
        from kiosk.services.sessions import SessionError

        try:
            attendant = self.services.sessions.attendant_login(pin, name=name)
        except SessionError as exc:
            return self._login_failed(exc)
        return self._logged_in(attendant)

    async def login_async(self, pin: str, name: str = SHARED_PIN) -> bool:
        """The shell's PIN verifier: the same check with the PIN's key derivation (scrypt,
        ~50 ms) on a worker thread, so the event loop never stalls on it."""
        from kiosk.services.sessions import SessionError

        try:
            attendant = await asyncio.to_thread(self.services.sessions.attendant_login, pin, name=name)
        except SessionError as exc:
            return self._login_failed(exc)
        return self._logged_in(attendant)

    def _login_failed(self, exc: Exception) -> bool:
        self.attendant = None
        self.last_error = str(exc)
        return False

    def _logged_in(self, attendant: Any) -> bool:
        self.last_error = ""
        self.attendant = attendant
        self._set_actor(self.attendant.name)
        self.tabs.setEnabled(True)
        self.retranslate()
        self.logged_in.emit(self.attendant.name)
        return True

    def logout(self) -> None:
        self.confirm_quit.cancel()
        self.keyboard.close_keyboard()
        was = self.attendant
        if was is not None and hasattr(self.services.sessions, "attendant_logout"):
            self.services.sessions.attendant_logout(was)
        self.attendant = None
        self.desk.attendant = None
        self.tabs.setEnabled(False)
        self.sessions_screen.deactivate()
        self.diagnostics_screen.deactivate()
        self.settings_screen.close_pin_change()
        if was is not None:
            # texts name the attendant; logged out already, they show nobody (every guest
            # reset logs out: re-setting every text of six tabs then was UI-loop time for nothing)
            self.retranslate()

    def _set_actor(self, name: str) -> None:
        self.desk.attendant = self.attendant
        for w in (self.history_screen, self.wallet_screen, self.audit_screen, self.settings_screen):
            w.actor = name

    def _pin_change(self) -> PinChange | None:
        if self.attendant is None or not hasattr(self.services.sessions, "set_attendant_pin"):
            return None
        return PinChange(self.services.sessions, self.attendant)

    def _audit_entries(self) -> list[Any]:
        if self.attendant is None:
            return []
        return self.services.sessions.audit_log(self.attendant, limit=500)

    # -- screen hooks (the shell calls these) -------------------------------------------
    def enter(self, **_params: Any) -> None:
        if self.attendant is None:
            # Reached without a PIN (a bug or a tampered navigation): refuse.
            log.warning("attendant area opened without a verified PIN; going back")
            QTimer.singleShot(0, self.exit_requested.emit)
            return
        self.tabs.setCurrentIndex(0)
        self._tab_changed(0)

    def leave(self) -> None:
        self.logout()

    def reset(self) -> None:
        self.logout()

    def _tab_changed(self, index: int) -> None:
        self.keyboard.close_keyboard()
        w = self.tabs.widget(index)
        if w is not self.sessions_screen:
            self.sessions_screen.deactivate()
        if w is not self.diagnostics_screen:
            self.diagnostics_screen.deactivate()
        if w is not self.settings_screen:
            self.settings_screen.close_pin_change()
        if self.attendant is None:
            return
        if w is self.sessions_screen:
            self.sessions_screen.activate()
        elif w is self.history_screen:
            self.history_screen.refresh()
        elif w is self.wallet_screen:
            self.wallet_screen.refresh()
        elif w is self.diagnostics_screen:
            self.diagnostics_screen.refresh()
        elif w is self.audit_screen:
            self.audit_screen.refresh()
        elif w is self.settings_screen:
            self.settings_screen.refresh()
        elif w is self.billing_screen:
            self.billing_screen.refresh()

    def on_exit(self) -> None:
        self.logout()
        self.exit_requested.emit()

    def ask_quit(self) -> None:
        self.confirm_quit.ask(_("Quit the kiosk? Guests cannot start or stop charging here until it runs again; "
                                "running sessions continue."), _("Quit kiosk"), self.on_quit)

    def on_quit(self) -> None:
        if self.attendant is not None:
            try:
                self.services.sessions.audit(self.attendant.name, "kiosk.quit", None, "")
            except Exception:  # noqa: BLE001
                log.exception("audit of quit failed")
        self.logout()
        self.quit_requested.emit()


def install(shell: Any, ctx: Any) -> AttendantServices:
    """Plug the attendant desk into the shell (called by ``kiosk/app.py``); the desk itself
    is built the first time it is needed (the PIN is checked, or ``shell.screen("attendant")``).

    ``ctx``: the app context with ``settings``, ``client``, ``sessions`` and optionally
    ``runtime`` (:class:`RuntimeSettings`; created from the settings if absent).
    """
    settings = ctx.settings
    runtime = getattr(ctx, "runtime", None)
    if not isinstance(runtime, RuntimeSettings):
        runtime = RuntimeSettings.from_settings(settings)
        try:
            ctx.runtime = runtime
        except AttributeError:
            pass
    services = AttendantServices.create(
        sessions=ctx.sessions, client=ctx.client, data_dir=settings.data_dir, runtime=runtime, settings=settings,
        checks=_doctor_checks(settings, ctx.client), scan_factory=_scan_factory(settings, _demo_payloads(ctx)),
        journal_path=settings.journal_path(), billing=getattr(ctx, "billing", None), venue=getattr(ctx, "venue", None))

    def build() -> AttendantArea:
        area = AttendantArea(services)
        area.exit_requested.connect(shell.new_guest)
        area.quit_requested.connect(shell.request_exit)
        return area

    shell.add_screen("attendant", factory=build)
    shell.lazy_screens.add("attendant")
    _connect(shell, services, lambda: shell.screen("attendant"), shell)
    venue = getattr(ctx, "venue", None)
    if venue is not None:
        unbind = bind_venue_payment(runtime, venue, getattr(settings, "payment_method_id", None))
        shell.destroyed.connect(lambda *_a: unbind())
    return services


def connect_shell(shell: Any, area: AttendantArea) -> None:
    """Verifier, exit/quit, lockout message on the PIN screen, runtime settings -> shell."""
    area.exit_requested.connect(shell.new_guest)
    area.quit_requested.connect(shell.request_exit)
    _connect(shell, area.services, lambda: area, area)


def _connect(shell: Any, services: AttendantServices, get_area: Callable[[], AttendantArea], owner: Any) -> None:
    async def verify(pin: str) -> bool:
        area = get_area()
        ok = await area.login_async(pin)
        if not ok and area.last_error:
            _show_on_pin_screen(shell, area.last_error)
        return ok

    shell.set_pin_verifier(verify)

    def on_screen(name: str) -> None:
        if name == "pin":
            remaining = services.sessions.lockout_remaining()
            if remaining > 0:
                _show_on_pin_screen(shell, lockout_text(remaining), delay_ms=0)

    shell.screen_changed.connect(on_screen)

    def apply(changed: dict[str, Any]) -> None:
        if "idle_timeout_s" in changed:
            shell.set_idle_timeout(int(changed["idle_timeout_s"]))
        if "default_language" in changed:
            shell.default_language = changed["default_language"]
        if "high_contrast" in changed:
            shell.apply_theme(high_contrast=bool(changed["high_contrast"]))

    rt = services.runtime
    apply(rt.as_dict())
    unsub = rt.subscribe(apply)
    owner.destroyed.connect(lambda *_a: unsub())


def lockout_text(seconds: float) -> str:
    secs = max(int(seconds + 0.999), 1)
    return _.n("Too many wrong PINs. The PIN can be tried again in {n} second.",
               "Too many wrong PINs. The PIN can be tried again in {n} seconds.", secs)


def _show_on_pin_screen(shell: Any, text: str, delay_ms: int = 0) -> None:
    """The PIN screen shows its own 'not right' text after a False; replace it with the
    service's message (wrong PIN with attempts left, or the lockout) right after."""
    try:
        pin = shell.screen("pin")
    except KeyError:
        shell.notify(text, error=True)
        return
    err = getattr(pin, "error", None)
    if err is None:
        shell.notify(text, error=True)
        return
    QTimer.singleShot(delay_ms, lambda: err.setText(text))


def _doctor_checks(settings: Any, client: Any) -> Callable[[], Awaitable[list[Any]]] | None:
    try:
        from kiosk.doctor import run_checks
    except ImportError:
        return None

    async def checks() -> list[Any]:
        import inspect

        try:
            res = run_checks(settings, client=client)
        except TypeError:
            res = run_checks(settings)
        if inspect.isawaitable(res):
            res = await res
        return list(getattr(res, "checks", res))

    return checks


def _demo_payloads(ctx: Any) -> list[str]:
    sim = getattr(ctx, "sim", None)
    try:
        return list(sim.venue.qr_urls()) if sim is not None else []
    except Exception:  # noqa: BLE001
        return []


def _scan_factory(settings: Any, payloads: list[str] | None = None) -> ScanFactory | None:
    if getattr(settings, "camera", "none") in ("none", ""):
        return None

    def factory(on_code: Callable[[str], None], on_state: Callable[[Any], None]) -> Any:
        from kiosk.scan import ScanWorker, make_decoder, open_source

        src = open_source(settings.camera, settings.camera_width, settings.camera_height, settings.camera_fps,
                          payloads=payloads or ())
        return ScanWorker(src, decoder=make_decoder(settings.decoder), confirmations=settings.scan_confirmations,
                          on_code=on_code, on_state=on_state)

    return factory
