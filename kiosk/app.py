"""Composition root: settings -> API client -> services -> shell and screens, on one qasync
event loop that drives Qt and asyncio together.

``KioskApp`` is also what the UI tests and the autopilot build (with a simulator, a test
camera and a temporary data dir), so the tests exercise the real wiring."""

from __future__ import annotations

import asyncio
import functools
import importlib
import json
import logging
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk import dataclass_cache, gcpause

log = logging.getLogger(__name__)

#: The guest flow's screens (named after kiosk.flow.Step values) and the staff PIN screen.
SCREEN_NAMES = ("home", "charger", "room", "starting", "started", "start_failed", "code", "live", "stop_confirm",
                "stopping", "receipt", "pin")

#: imported after the first frame on a worker thread (Qt-free modules: the UI thread only
#: waits for its GIL slices, so a tap is never held up by a whole import; see KioskApp.start):
#: first what the board needs (the client, the models of its answers, number formats) ...
_WARM_UP_IMPORTS = ("kiosk.api", "httpx", "httpcore", "pydantic", "kiosk.api.models", "kiosk.api.client",
                    "babel.numbers")
#: ... then, while the board's requests are under way, the session service's
_SESSION_IMPORTS = ("kiosk.core.tariff", "kiosk.core.journal", "kiosk.services.sessions", "kiosk.services.billing")
#: what httpcore imports at the first request on asyncio (~25 ms, on the UI thread otherwise);
#: anyio's own module, so a later anyio that moves it only loses the warm-up
_OPTIONAL_WARM_UP_IMPORTS = ("anyio._backends._asyncio",)
#: imported on the UI thread once the board is filled (they define Qt classes)
_LATE_IMPORTS = ("kiosk.ui.attendant",)


@dataclass
class AppOptions:
    kiosk_mode: bool = False         # fullscreen, frameless, lockdown, hidden cursor
    camera: Any = None               # a kiosk.scan FrameSource, or None: from settings
    time_scale: float | None = None  # None: sim speed in demo mode, else 1
    start_camera: bool = True
    idle_prompt_s: int = 10


def demo_settings(settings: Any, sim: Any) -> Any:
    """Settings pointing at an in-process simulator with its demo venue."""
    upd: dict[str, Any] = {"base_url": sim.base_url, "demo": True}
    if "data_dir" not in settings.explicit and not os.environ.get("KIOSK_DATA_DIR"):
        # the in-process simulator starts empty each time: so does the demo's journal
        import tempfile  # (here, not at the top: ~4 ms before every kiosk's first frame)

        upd["data_dir"] = Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
    if not settings.venue_location_ids:
        upd["venue_location_ids"] = list(sim.venue.location_ids)
    if not (settings.payment_card or settings.payment_external_ref or settings.payment_method_id):
        upd["payment_external_ref"] = "venue-demo"   # the demo hotel bills through its own provider
    if "room_payment" not in settings.explicit:
        upd["room_payment"] = True
        try:
            sim.scenario.external_payments = True
        except Exception:  # noqa: BLE001
            pass
    return settings.replace(**upd)


#: The attendant PIN of demo mode when none is configured (the screenshots and the README use it).
DEMO_PIN = "1234"


def initial_pin(settings: Any) -> str | None:
    """The PIN that seeds an empty journal: the configured ``attendant_pin``, in demo mode
    without one the demo PIN."""
    if settings.attendant_pin:
        return settings.attendant_pin.get_secret_value()
    return DEMO_PIN if settings.demo else None


def start_demo_sim(settings: Any) -> Any:
    from kiosk.sim import SimServer

    sim = SimServer(host="127.0.0.1", port=settings.sim_port, speed=settings.sim_speed,
                    api_key=settings.api_key.get_secret_value() if settings.api_key else "demo-key")
    sim.start()
    return sim


class KioskApp:
    """Builds and owns everything. ``await start()``, then the shell is shown; ``await aclose()``."""

    def __init__(self, settings: Any, *, sim: Any = None, options: AppOptions | None = None,
                 client: Any = None) -> None:
        self.settings = settings
        self.sim = sim
        self.options = options or AppOptions()
        self._client = client
        self.ctx: Any = None
        self.watchdog: Any = None
        self.errors: Any = None
        self._unsub: Any = None
        self._journal: Any = None        # opened on a worker thread, handed to the session service
        self._out_of_order: str | None = None   # why the journal cannot be used (its reason), else None
        self._services_ready = asyncio.Event()  # set by services(): the session service exists

    # -- building ----------------------------------------------------------------------------
    def _camera(self) -> Any:
        if self.options.camera is not None:
            return self.options.camera
        s = self.settings
        if self.sim is not None and s.camera in ("0", "synthetic"):
            from kiosk.scan import SyntheticSource

            return SyntheticSource(self.sim.venue.qr_urls(), width=640, height=480, fps=15)
        if s.camera == "none":
            return None
        try:
            from kiosk.scan import open_source

            return open_source(s.camera, s.camera_width, s.camera_height, s.camera_fps)
        except Exception as exc:  # noqa: BLE001 - no camera: the board still works
            log.warning("camera %s not available: %s", s.camera, exc)
            return None

    def build(self) -> Any:
        gcpause.begin()       # until start() has the board up (kiosk/gcpause.py)
        from kiosk.i18n import set_language
        from kiosk.logsetup import register_secret
        from kiosk.services.venue import BRAND_FILE, VenueService
        from kiosk.flow import GuestFlow, Timings
        from kiosk.ui.context import AppContext
        from kiosk.ui.errors import ErrorNotifier
        from kiosk.ui.flow_view import FlowView
        from kiosk.ui.ops import Ops
        from kiosk.ui.screens.home import HomeScreen
        from kiosk.ui.shell import Shell
        from kiosk.ui.watchdog import LoopWatchdog
        from kiosk.ui.widgets.camera import ScanBridge

        s = self.settings
        for secret in s.secrets():
            register_secret(secret)
        runtime = None
        try:
            from kiosk.services.runtime import RuntimeSettings

            runtime = RuntimeSettings.from_settings(s)
        except Exception:  # noqa: BLE001
            log.warning("runtime settings unavailable; using the configuration", exc_info=True)
        rt = (lambda name: runtime.get(name)) if runtime is not None else (lambda name: getattr(s, name))
        default_lang = rt("default_language")
        set_language(default_lang)
        time_scale = self.options.time_scale or (_sim_speed(self.sim) if self.sim is not None else 1.0)
        # The client and the session service (httpx, pydantic models, the journal) are
        # created in services(), after the first frame: start-up time. The venue service
        # gets its client then; screens reach both only on a guest's action.
        ctx = AppContext(settings=s, client=None, venue=None, sessions=None, runtime=runtime, sim=self.sim,
                         time_scale=time_scale)
        ctx.venue = VenueService(
            None, location_ids=list(s.venue_location_ids), qr_hosts=list(s.qr_hosts), qr_other_hosts=s.qr_other_hosts,
            payment_method_id=rt("payment_method_id"),
            payment_card=s.payment_card.get_secret_value() if s.payment_card else None,
            payment_external_ref=s.payment_external_ref, room_payment=s.room_payment,
            in_use=ctx.in_use, lang=_current_language, brand_file=Path(s.data_dir) / BRAND_FILE)
        # the location's colour of the last start (unless the venue set its own): the first
        # frame is painted in it, and the board re-themes only when the answer differs
        brand = None if "venue_color" in getattr(s, "explicit", ()) else ctx.venue.remembered_color
        shell = Shell(venue_color=brand or s.venue_color, high_contrast=bool(rt("high_contrast")),
                      default_language=default_lang, languages=list(s.languages),
                      idle_timeout_s=int(rt("idle_timeout_s")), idle_prompt_s=self.options.idle_prompt_s,
                      panel_diagonal_in=getattr(s, "panel_diagonal_in", None),
                      orientation=getattr(s, "panel_orientation", "auto"))
        ctx.shell = shell
        cam = self._camera()
        ctx.scan = ScanBridge(cam, decoder=s.decoder, confirmations=s.scan_confirmations, parent=shell) \
            if cam is not None else None
        ctx.flow = GuestFlow(ctx.venue, timings=Timings(idle_s=float(rt("idle_timeout_s")),
                                                        warn_s=float(self.options.idle_prompt_s)),
                             default_language=default_lang, room_payment=s.room_payment, classify_scan=_own_code)
        ctx.flow.expect_sessions()      # services() brings it after the board: early taps wait for it
        ctx.ops = Ops(notify=lambda text, error: shell.notify(text, error=error))
        ctx.flow_view = FlowView(ctx.flow, shell, ctx.ops)
        shell.add_screen("home", HomeScreen(ctx))
        # Only Home exists before the first frame; the other screens (and their imports:
        # segno, the chart, the keypad) are built right after it or on first use.
        for name in SCREEN_NAMES[1:]:
            shell.add_screen(name, factory=functools.partial(_make_screen, name, ctx))
        shell.set_pin_verifier(self._default_pin_verifier(ctx))
        shell.apply_theme()
        if runtime is not None:
            runtime.subscribe(self._runtime_changed)
        self.watchdog = LoopWatchdog(parent=shell)
        self.errors = ErrorNotifier(shell)
        self.ctx = ctx
        return ctx

    OUT_OF_ORDER_RETRY_S = 60.0
    #: how long READY=1 waits for the window's first frame (then it goes out anyway: systemd
    #: must not time out the start of a kiosk whose display is off or slow to show it)
    FIRST_FRAME_WAIT_S = 5.0
    #: a venue database away (switched off at night, the network down): tried again sooner,
    #: a connection attempt is cheap and every screen of the venue waits for it
    UNREACHABLE_RETRY_S = 10.0

    @staticmethod
    def _import_heavy() -> None:
        for module in _WARM_UP_IMPORTS:
            importlib.import_module(module)
        for module in _OPTIONAL_WARM_UP_IMPORTS:
            try:
                importlib.import_module(module)
            except ImportError:
                log.debug("warm-up import %s not available", module)
        # the models the board's answers are read into; the others after the board
        from kiosk.api import models

        models.build_schemas(models.BOARD_MODELS)

    def _make_client(self, tls: Any = None) -> None:
        """On a worker thread, before the board: the HTTP client (with the TLS context made
        beside the imports, see kiosk.api.tls) and the number formats of the language on
        screen (babel's locale data, ~25 ms at the board's first power figure)."""
        if self._client is None:
            from kiosk.api import ChargeAssistClient

            self._client = ChargeAssistClient.from_settings(self.settings, verify=tls)
        self._warm_up([_current_language()])

    @staticmethod
    def _import_sessions() -> None:
        """On a worker thread while the board loads: the session service's modules (and
        hotel billing's, which services() wires in)."""
        for module in _SESSION_IMPORTS:
            importlib.import_module(module)

    def _after_board(self) -> None:
        """On a worker thread once the board is up: the API models the board did not need
        and the number formats of the other languages (a guest may switch)."""
        from kiosk.api import models

        models.build_schemas()
        self._warm_up(self.settings.languages or ("en",))

    def _warm_up(self, languages: Any) -> None:
        from babel.numbers import format_currency, format_decimal

        from kiosk.i18n import babel_locale

        for lang in languages:
            try:
                loc = babel_locale(lang)
                format_decimal(1.5, format="#,##0.0", locale=loc)
                format_currency(1, "EUR", locale=loc)
            except Exception:  # noqa: BLE001 - only a warm-up: the screens format on their own
                log.debug("number formats of %s not warmed up", lang, exc_info=True)

    def _open_journal(self) -> None:
        """On a worker thread: open the journal (SQLite, or the venue's PostgreSQL over the
        network) and hash the first start's PIN into it (scrypt, ~50 ms), so that neither
        holds the UI thread. A journal that cannot be used is left to :meth:`services`."""
        from kiosk.core.journal import JournalUnavailable, open_journal
        from kiosk.services.sessions.auth import seed_pin

        s = self.settings
        if self._journal is not None:
            return
        try:
            s.data_dir.mkdir(parents=True, exist_ok=True)
            journal = open_journal(s.journal_target(), password=s.journal_password() if s.journal_url else None)
        except (OSError, JournalUnavailable):
            return      # services() opens it again on the UI thread and shows why it cannot
        seed_pin(journal, initial_pin(s))
        self._journal = journal

    def _services_or_out_of_order(self) -> bool:
        """:meth:`services`, or the out-of-order screen when the journal cannot be used."""
        from kiosk.core.journal import JournalUnavailable

        try:
            self.services()
        except JournalUnavailable as exc:
            log.critical("out of order: the session journal cannot be used: %s (reason: %s)", exc, exc.reason)
            self._out_of_order = exc.reason
            sh = self.ctx.shell
            if not sh.has_screen("out_of_order"):
                from kiosk.ui.screens.out_of_order import OutOfOrderScreen

                sh.add_screen("out_of_order", OutOfOrderScreen())
            sh.screen("out_of_order").set_reason(exc.reason, str(exc))
            sh.home_override = "out_of_order"
            _status(f"out of order: {exc.reason}")
            if sh.current_name() != "out_of_order":
                sh.show_screen("out_of_order")
            return False
        self._out_of_order = None
        self.ctx.shell.home_override = None
        if self.ctx.shell.current_name() == "out_of_order":
            self.ctx.shell.go_home()
        return True

    def services(self) -> Any:
        """Create the API client and the session service and hand them to the screens."""
        from kiosk.api import ChargeAssistClient
        from kiosk.services.sessions import SessionService

        ctx, s = self.ctx, self.settings
        if ctx.sessions is not None:
            return ctx
        from kiosk.core.journal import unavailable

        client = self._client or ChargeAssistClient.from_settings(s)
        self._client = client
        try:
            s.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise unavailable(exc, s.data_dir) from exc
        journal, self._journal = self._journal, None
        sessions = SessionService(client, journal or s.journal_target(), time_scale=ctx.time_scale,
                                  attendant_pin=initial_pin(s),
                                  journal_password=s.journal_password() if s.journal_url else None,
                                  screen=s.screen_name())
        ctx.client, ctx.sessions = client, sessions
        if ctx.runtime is not None and getattr(sessions.journal, "shared", False):
            # the venue's screens share prices, payment and language (kv 'setting:*')
            from kiosk.services.runtime import JournalSettings

            ctx.runtime.share(JournalSettings(sessions.journal))
            sessions.venue.setting_listeners.append(ctx.runtime.reload_shared)
        ctx.venue.client = client
        self._billing(ctx, sessions)
        self._unsub = sessions.subscribe(ctx.signals.updated.emit)
        if ctx.flow is not None:          # the desktop (kiosk desk) has no guest flow
            ctx.flow.attach_sessions(sessions)
        self._services_ready.set()
        return ctx

    def _billing(self, ctx: Any, sessions: Any) -> None:
        """Hotel billing (kiosk/services/billing): the guest's price, receipt numbers, rooms,
        postings. The policy and "start while the price is unknown" may change at run time."""
        from kiosk.core.pricing import PricePolicy
        from kiosk.services.billing import BillingConfig, BillingService, policy_from_settings

        s, rt = self.settings, ctx.runtime
        configured = policy_from_settings(s)

        def policy() -> PricePolicy:
            staff = rt.get("guest_price") if rt is not None else None
            return PricePolicy.from_dict(staff) if staff else configured

        def allow_unknown() -> bool:
            return bool(rt.get("price_unknown_start")) if rt is not None else s.price_unknown_start

        ctx.billing = BillingService(sessions, BillingConfig.from_settings(s, tz=sessions.tz), policy=policy,
                                     allow_unknown=allow_unknown, client=lambda: ctx.client)
        ctx.venue.pricing, ctx.venue.rooms = ctx.billing.pricing, ctx.billing.rooms

    def _default_pin_verifier(self, ctx: Any) -> Any:
        fallback = initial_pin(self.settings)

        def verify(pin: str) -> bool:
            sessions = ctx.sessions
            try:
                if sessions is None:
                    raise NotImplementedError
                sessions.attendant_login(pin)
                return True
            except NotImplementedError:
                pass
            except Exception:  # noqa: BLE001 - WrongPin / AttendantLocked
                return False
            import hmac

            return bool(fallback) and hmac.compare_digest(pin.encode(), str(fallback).encode())
        return verify

    def _install_attendant(self, shell: Any, ctx: Any) -> None:
        try:
            import kiosk.ui.attendant as att
        except ImportError:
            return
        install = getattr(att, "install", None)
        if install is not None:
            try:
                install(shell, ctx)
            except Exception:  # noqa: BLE001 - the guest side must come up regardless
                log.exception("attendant desk could not be installed")

    def _runtime_changed(self, changed: dict[str, Any]) -> None:
        sh = self.ctx.shell
        if "idle_timeout_s" in changed:
            sh.set_idle_timeout(int(changed["idle_timeout_s"]))   # the guest flow's too
        if "high_contrast" in changed:
            sh.apply_theme(high_contrast=bool(changed["high_contrast"]))
        if "default_language" in changed:
            sh.default_language = changed["default_language"]
            self.ctx.flow.default_language = changed["default_language"]
        # payment_method_id: applied by the attendant desk's bind_venue_payment, which also
        # falls back to the configured method when staff clear their choice

    # -- running -----------------------------------------------------------------------------
    async def start(self, show: bool = True) -> Any:
        """Show the window first, then talk to the service: the first frame never waits
        on the network (the board says "Loading the chargers…" until it is filled).
        systemd gets READY=1 right after that first frame. Closed (:meth:`aclose`) while
        it runs, it stops at its next step; failing, it leaves the collector on."""
        try:
            return await self._start(show)
        finally:
            gcpause.end()

    def _closed(self, ctx: Any) -> bool:
        """:meth:`aclose` ran (or runs) while start() waited."""
        return self.ctx is not ctx or ctx.closing

    async def _close_unused_client(self) -> None:
        """The client made on a worker while aclose() ran (it closed the others)."""
        client, self._client = self._client, None
        if client is not None and hasattr(client, "aclose"):
            await client.aclose()

    async def _close_unused_journal(self) -> None:
        """The journal opened on a worker while aclose() ran."""
        journal, self._journal = self._journal, None
        if journal is not None:
            await asyncio.to_thread(journal.close)

    async def _start(self, show: bool) -> Any:
        ctx = self.ctx or self.build()
        from PySide6.QtWidgets import QApplication

        if self.options.kiosk_mode:
            from kiosk.ui.shell import install_lockdown

            install_lockdown(QApplication.instance(), ctx.shell)
        ctx.shell.watch_input()
        self.errors.install()
        ctx.shell.go_home()
        ctx.flow_view.start()
        if show:
            from kiosk.ui.base import first_frame

            painted = first_frame(ctx.shell)
            if self.options.kiosk_mode:
                ctx.shell.showFullScreen()
            else:
                ctx.shell.show()
        self.watchdog.start()         # also pings systemd's watchdog from the event loop
        if show:                      # the first frame, before the heavy imports below
            try:
                async with asyncio.timeout(self.FIRST_FRAME_WAIT_S):
                    await painted
            except TimeoutError:      # a display that never shows the window: READY anyway
                log.warning("the window was not painted within %.0f s", self.FIRST_FRAME_WAIT_S)
        # READY=1 now (the first frame is on screen), not after the network: with the network
        # down at boot connect() can take longer than TimeoutStartSec and systemd would give up
        # on a kiosk that works (it shows the offline banner and retries by itself).
        try:
            from kiosk.deploy import systemd

            systemd.notify_ready("loading the chargers")
        except Exception:  # noqa: BLE001 - never fail the kiosk for the service manager
            log.debug("sd_notify READY failed", exc_info=True)
        from kiosk import __version__

        log.info("kiosk %s started (%s, service %s)", __version__,
                 "demo" if self.sim is not None else ("kiosk mode" if self.options.kiosk_mode else "windowed"),
                 self.settings.base_url)
        await asyncio.sleep(0)
        ctx.shell.icons_loaded()      # the icon font (~16 ms): until now the texts said it all
        await asyncio.sleep(0)
        # Now the heavy modules (httpx, the pydantic API models) load on a worker thread, the
        # TLS context on another: the UI thread keeps running between the imports' GIL slices,
        # so a tap never waits for a whole import. Not earlier: the first frame's and the icon
        # font's building and painting hold the GIL, and a worker beside them only delayed them
        # (the frame by ~10-20 ms; the icons' turn took twice as long). Then the board is filled
        # first (what a guest taps); the attendant desk and the other screens come after it.
        loop = asyncio.get_running_loop()
        warm = loop.run_in_executor(None, self._import_heavy)
        tls = loop.run_in_executor(None, _tls_context) if self._client is None else None
        await warm
        await asyncio.to_thread(self._make_client, await tls if tls is not None else None)
        if self._closed(ctx):
            await self._close_unused_client()
            return ctx
        # the board's requests go out now; the session service's modules load meanwhile (a
        # bay tapped before the service exists shows the charger loading until it is there)
        ctx.client = ctx.venue.client = self._client
        connecting = ctx.spawn(self.connect())
        # a finger drags the board once it is filled (not before: see HomeScreen.touch_scrolling),
        # also while a venue database far away still opens the journal
        connecting.add_done_callback(lambda _t: None if self._closed(ctx) else
                                     ctx.shell.screen("home").touch_scrolling())
        await asyncio.to_thread(self._import_sessions)
        if self._closed(ctx):
            return ctx
        await asyncio.to_thread(self._open_journal)
        if self._closed(ctx):
            await self._close_unused_journal()
            return ctx
        while not self._services_or_out_of_order():
            gcpause.end()      # a wait of unknown length: not without the collector
            # a full disk or a data folder that cannot be written: "out of order" for guests,
            # the reason for staff (also from `kiosk doctor`); tried again every minute
            deadline = loop.time() + (self.UNREACHABLE_RETRY_S if self._out_of_order == "unreachable"
                                      else self.OUT_OF_ORDER_RETRY_S)
            while loop.time() < deadline and not self._closed(ctx):
                await asyncio.sleep(0.5)
            if self._closed(ctx):
                return ctx
        await asyncio.wait([connecting])      # (cancelled by aclose(): then it ends here)
        if self._closed(ctx) or connecting.cancelled():
            return ctx
        connecting.result()
        if os.environ.get("NOTIFY_SOCKET"):   # `systemctl status` (and bench/ui.py: launch to the board)
            ctx.spawn(self._report_status(ctx))
        # a timer's wait, not sleep(0): Qt paints the board and runs its own timers (the
        # location's colour) before the next piece; sleep(0) chained them into one long turn
        await asyncio.sleep(0.02)
        if getattr(ctx, "billing", None) is not None:
            ctx.billing.start()
        await asyncio.to_thread(self._after_board)
        for module in _LATE_IMPORTS:
            importlib.import_module(module)
            await asyncio.sleep(0.01)
        if self._closed(ctx):
            return ctx
        # The attendant desk registers itself here and is built on first use (the PIN corner).
        self._install_attendant(ctx.shell, ctx)
        await asyncio.sleep(0)
        if self._closed(ctx):
            return ctx
        await ctx.shell.build_pending()
        if self._closed(ctx):
            return ctx
        if ctx.scan is not None and self.options.start_camera:
            ctx.scan.start()
        # Everything built so far lives as long as the app: move it out of the cyclic
        # collector's sight so automatic full collections stay short (no multi-10-ms pauses).
        import gc

        gcpause.end()
        gc.collect()
        gc.freeze()
        self.watchdog.reset()
        # the code the start's dataclasses compiled, for the next start (when `kiosk run` cached it)
        await asyncio.to_thread(dataclass_cache.save)
        return ctx

    #: how often the status line for `systemctl status` is brought up to date (when it changed)
    STATUS_EVERY_S = 10.0

    async def _report_status(self, ctx: Any) -> None:
        """The board's state for `systemctl status` now, then whenever it changes (the
        service away, back again)."""
        last = None
        home = ctx.shell.screen("home")
        while home.revealing() and not self._closed(ctx):   # "serving" once every card is shown
            await asyncio.sleep(0.002)
        while not self._closed(ctx):
            if ctx.shell.home_override is None and (text := _board_status(ctx)) != last:
                _status(text)
                last = text
            await asyncio.sleep(self.STATUS_EVERY_S)

    async def connect(self) -> None:
        """Register the token, resume journaled sessions, load the venue and fill the board."""
        ctx = self.ctx
        client = ctx.client
        if hasattr(client, "__aenter__") and not getattr(self, "_entered", False):
            await client.__aenter__()
            self._entered = True
        # the token's registration runs beside the board (the locations and their availability
        # do not need it: a round trip less before the board), and resuming journaled sessions
        # (polls, look-ups of lost starts) after it: a slow service, or a start that waits out
        # its settle time, never holds Home back
        registered = ctx.spawn(self._register())
        ctx.spawn(self._resume(after=registered))
        await ctx.venue.load()
        if ctx.shell is not None:         # (the desktop has no guest board to fill)
            home = ctx.shell.screen("home")
            home.retranslate()
            if ctx.shell.current_name() == "home":
                await home.refresh()
        await asyncio.wait([registered])  # registered (or failed) when connect returns: a start needs it

    #: the token's registration, failed (the service away at boot), is tried again this often:
    #: a token the service has never seen has no wallet, and no guest could start
    REGISTER_RETRY_S = 10.0

    async def _register(self) -> None:
        """The first attempt (connect() waits for it); on failure the next ones in the
        background until one succeeds."""
        if not await self._register_once():
            self.ctx.spawn(self._register_until_done())

    async def _register_once(self) -> bool:
        try:
            await self.ctx.client.register_token()
            return True
        except Exception as exc:  # noqa: BLE001 - offline at boot: the board says so, we retry
            log.warning("token registration failed: %s", type(exc).__name__)
            return False

    async def _register_until_done(self) -> None:
        ctx = self.ctx
        while not ctx.closing:
            await asyncio.sleep(self.REGISTER_RETRY_S)
            if ctx.closing or await self._register_once():
                return

    async def _resume(self, after: Any = None) -> None:
        if after is not None:
            await asyncio.wait([after])
        await self._services_ready.wait()      # start() fills the board before the service exists
        try:
            await self.ctx.sessions.resume_all()
        except Exception:  # noqa: BLE001
            log.exception("resuming sessions failed")

    async def aclose(self) -> None:
        gcpause.end()
        ctx = self.ctx
        if ctx is None:
            return
        # Order matters: first nothing new may start (spawn refuses, timers stop), then the
        # pending tasks (board refreshes, charger loads) are cancelled and awaited, and only
        # then the services and the client close. A refresh that ran on after the client
        # was closed logged an AttributeError traceback from venue.load at every exit.
        ctx.closing = True
        if self.watchdog is not None:
            self.watchdog.stop()
        if ctx.flow_view is not None:
            ctx.flow_view.stop()
        if self.errors is not None:
            self.errors.uninstall()
        if ctx.scan is not None:
            ctx.scan.stop()
        from PySide6.QtCore import QTimer

        for t in ctx.shell.findChildren(QTimer):     # screens' refresh timers, idle timers
            t.stop()
        await ctx.cancel_tasks()
        if self._unsub:
            self._unsub()
        try:
            if getattr(ctx, "billing", None) is not None:
                await ctx.billing.aclose()
        except Exception:  # noqa: BLE001
            log.exception("closing billing failed")
        try:
            if ctx.sessions is not None:
                await ctx.sessions.aclose()
            await self._close_unused_journal()     # opened, but closed down before the service took it
        except Exception:  # noqa: BLE001
            log.exception("closing sessions failed")
        await ctx.cancel_tasks()      # anything an update spawned while the sessions closed
        if ctx.client is not None and hasattr(ctx.client, "aclose"):
            await ctx.client.aclose()
        ctx.shell.allow_close()
        ctx.shell.close()
        ctx.shell.deleteLater()
        self.ctx = None


def _make_screen(name: str, ctx: Any) -> Any:
    if name in ("charger", "room"):
        from kiosk.ui.screens import charger

        return charger.ChargerScreen(ctx) if name == "charger" else charger.RoomScreen(ctx)
    if name == "pin":
        from kiosk.ui.screens.pin import PinScreen

        return PinScreen(ctx.shell)
    if name in ("starting", "start_failed"):
        from kiosk.ui.screens import starting

        return starting.StartingScreen(ctx) if name == "starting" else starting.StartFailedScreen(ctx)
    if name in ("started", "code"):
        from kiosk.ui.screens import code

        return code.CodeScreen(ctx) if name == "started" else code.CodeEntryScreen(ctx)
    if name == "receipt":
        from kiosk.ui.screens.receipt import ReceiptScreen

        return ReceiptScreen(ctx)
    from kiosk.ui.screens import live

    return {"live": live.LiveScreen, "stop_confirm": live.StopConfirmScreen, "stopping": live.StoppingScreen}[name](ctx)


def _own_code(text: str) -> tuple[str, str] | None:
    """The kiosk's own QR codes, for the flow (a guest code opens its session)."""
    try:
        from kiosk.core.owncodes import parse
    except ImportError:   # pragma: no cover - before the own-codes module existed
        return None
    return parse(text)


def _board_status(ctx: Any) -> str:
    """What `systemctl status` says once the board is filled and a tap opens a charger."""
    v = ctx.venue
    n = len(v.bays)
    if not v.online:
        return f"offline: {n} chargers on the board from the last answer; retrying" if n else \
            "offline: no answer from the service yet; retrying"
    if not n:      # a refused key or token, unknown location ids: up, but no guest can charge
        return f"no chargers on the board ({v.last_error or 'none configured'}); retrying"
    return f"serving guests: {n} chargers on the board"


def _status(text: str) -> None:
    try:
        from kiosk.deploy import systemd

        systemd.notify_status(text)
    except Exception:  # noqa: BLE001 - never fail the kiosk for the service manager
        log.debug("sd_notify STATUS failed", exc_info=True)


def _tls_context() -> Any:
    """On a worker thread beside the imports: OpenSSL reads the CA bundle without the GIL."""
    from kiosk.api.tls import default_context

    return default_context()


def _sim_speed(sim: Any) -> float:
    speed = getattr(sim, "speed", None)
    if speed is None:
        speed = sim.clock.speed
    return float(speed)


def _current_language() -> str:
    from kiosk.i18n import current_language

    return current_language()


def qt_process(settings: Any, demo: bool, name: str) -> tuple[Any, Any, Any]:
    """What a kiosk or desk process sets up first: logging, the simulator in demo mode, the
    QApplication and its asyncio loop. Returns (settings, simulator or None, loop)."""
    import qasync
    from PySide6.QtWidgets import QApplication

    from kiosk.logsetup import setup_logging

    setup_logging(settings.log_level, settings.log_dir)
    sim = None
    if demo or settings.demo:
        sim = start_demo_sim(settings)
        settings = demo_settings(settings, sim)
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(name)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    return settings, sim, loop


def stop_requested(loop: Any) -> asyncio.Event:
    """Set on SIGTERM or SIGINT. Installed before the start: systemd stopping a unit that
    is still starting (right after READY=1) gets an orderly close-down, not a kill."""
    done = asyncio.Event()
    try:
        loop.add_signal_handler(signal.SIGTERM, done.set)
        loop.add_signal_handler(signal.SIGINT, done.set)
    except (NotImplementedError, RuntimeError):
        pass
    return done


def run(settings: Any, *, windowed: bool = False, demo: bool = False, autopilot: int = 0,
        report: Path | None = None, screens_dir: Path | None = None, languages: list[str] | None = None,
        scan_mode: str = "auto", camera: Any = None, variants: list[tuple[int, int, bool]] | None = None) -> int:
    """Run the kiosk until the attendant exits, or drive ``autopilot`` guest cycles (writing
    ``report``), or one cycle capturing every screen into ``screens_dir`` (in each of
    ``variants``: window width, height and high contrast)."""
    settings, sim, loop = qt_process(settings, demo, "Charge Assist kiosk")
    scripted = bool(autopilot) or screens_dir is not None
    kiosk = KioskApp(settings, sim=sim, options=AppOptions(kiosk_mode=not windowed and not scripted,
                                                           camera=camera,
                                                           start_camera=scan_mode != "inject"))

    async def main() -> int:
        done = stop_requested(loop)
        ctx = await kiosk.start()
        ctx.shell.exit_requested.connect(done.set)
        result = 0
        try:
            if scripted:
                from kiosk.ui.autopilot import Autopilot

                pin = settings.attendant_pin.get_secret_value() if settings.attendant_pin else None
                pilot = Autopilot(kiosk, scan=scan_mode, screenshots=screens_dir, languages=languages,
                                  variants=variants, staff_pin=pin if screens_dir is not None else None)
                rep = await pilot.run(autopilot or 1)
                if report is not None:
                    pilot.write(report, rep)
                if screens_dir is not None:
                    pilot.write(Path(screens_dir) / "index.json", rep)
                print(json.dumps({k: rep[k] for k in ("cycles_passed", "cycles_failed", "event_loop_stall_ms",
                                                      "rss_mb", "errors")}), flush=True)
                if screens_dir is not None and (rep.get("cut_off") or rep.get("outside_window")):
                    print(f"cut off: {len(rep['cut_off'])} screenshots, controls outside the window: "
                          f"{len(rep['outside_window'])} (see index.json)", flush=True)
                result = 0 if rep["cycles_failed"] == 0 else 1
            else:
                await done.wait()
        finally:
            try:
                from kiosk.deploy import systemd

                systemd.notify_stopping()
            except Exception:  # noqa: BLE001
                pass
            await kiosk.aclose()
        return result

    try:
        with loop:
            rc = loop.run_until_complete(main())
    finally:
        if sim is not None:
            sim.stop()
    return rc
