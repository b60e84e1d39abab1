"""Composition root of the attendant-operated desktop (``kiosk desk``, ``kiosk run --desk``):
the kiosk's services (API client, session service with its journal and start protocol,
venue, billing, runtime settings) under one desktop window instead of the guest shell.
No guest flow, no camera: staff start, watch and stop charging for guests."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from kiosk import gcpause
from kiosk.app import AppOptions, KioskApp, _sim_speed, qt_process, stop_requested

log = logging.getLogger(__name__)

#: visible focus on every control the keyboard reaches (on top of the kiosk's theme)
FOCUS_QSS = """
QPushButton:focus, QLineEdit:focus, QComboBox:focus, QSpinBox:focus, QDoubleSpinBox:focus, QCheckBox:focus,
QRadioButton:focus, QTableWidget:focus, QTableView:focus, QTabBar::tab:focus, QPlainTextEdit:focus,
QTextEdit:focus, QListWidget:focus {{ border: 3px solid {color}; outline: none; }}
QTableWidget::item:selected {{ background: {color}; color: {on}; }}
"""


class DeskApp(KioskApp):
    """The desktop: :meth:`start` shows the login at once, then connects to the service."""

    def __init__(self, settings: Any, sim: Any = None, options: AppOptions | None = None) -> None:
        super().__init__(settings, sim=sim, options=options or AppOptions(start_camera=False))
        self.window: Any = None

    def build(self) -> Any:
        from kiosk.i18n import set_language
        from kiosk.logsetup import register_secret
        from kiosk.services.runtime import RuntimeSettings
        from kiosk.services.venue import VenueService
        from kiosk.ui.context import AppContext

        s = self.settings
        for secret in s.secrets():
            register_secret(secret)
        runtime = RuntimeSettings.from_settings(s)
        set_language(runtime.get("default_language"))
        time_scale = self.options.time_scale or (_sim_speed(self.sim) if self.sim is not None else 1.0)
        ctx = AppContext(settings=s, client=None, venue=None, sessions=None, runtime=runtime, sim=self.sim,
                         time_scale=time_scale)
        ctx.venue = VenueService(
            None, location_ids=list(s.venue_location_ids), qr_hosts=list(s.qr_hosts), qr_other_hosts=s.qr_other_hosts,
            payment_method_id=runtime.get("payment_method_id"),
            payment_card=s.payment_card.get_secret_value() if s.payment_card else None,
            payment_external_ref=s.payment_external_ref, room_payment=s.room_payment,
            in_use=ctx.in_use, lang=_language)
        self.ctx = ctx
        return ctx

    async def start(self, show: bool = True) -> Any:
        from kiosk.services.attendant import bind_venue_payment
        from kiosk.ui.attendant import AttendantServices, _doctor_checks
        from kiosk.ui.desk import DeskOptions, DeskWindow

        ctx = self.ctx or self.build()
        s = self.settings
        self.services()            # the journal: a full disk stops here with its reason
        services = AttendantServices.create(
            sessions=ctx.sessions, client=ctx.client, data_dir=s.data_dir, runtime=ctx.runtime, settings=s,
            checks=_doctor_checks(s, ctx.client), journal_path=s.journal_path(), billing=ctx.billing, venue=ctx.venue)
        self._unbind = bind_venue_payment(ctx.runtime, ctx.venue, s.payment_method_id)
        self.window = DeskWindow(services, ctx.venue, client=ctx.client, time_scale=ctx.time_scale, spawn=ctx.spawn,
                                 options=DeskOptions(printer=s.desk_printer, paper_width_mm=s.desk_paper_width_mm,
                                                     sound=s.desk_alert_sound, venue_name=s.venue_name))
        ctx.desk = self.window
        self._apply_theme()
        self._unsub_rt = ctx.runtime.subscribe(self._runtime_changed)
        if show:
            self.window.show()
        await asyncio.sleep(0)
        await self.connect()       # token, resume the journal's sessions, the venue's chargers
        if ctx.billing is not None:
            ctx.billing.start()
        gcpause.end()              # paused since the command started (kiosk/gcpause.py)
        log.info("attendant desk started (%s, service %s)", "demo" if self.sim is not None else "live", s.base_url)
        return ctx

    def _apply_theme(self) -> None:
        from kiosk.ui.metrics import metrics
        from kiosk.ui.theme import palette, stylesheet

        p = palette(self.settings.venue_color, bool(self.ctx.runtime.get("high_contrast")))
        from dataclasses import replace

        # a desk's laptop or monitor read from ~60 cm: the smallest text that meets the
        # kiosk's 16 arc-minute rule on a 15.6" 1366x768 screen, not the window-size scale
        m = metrics(1366, 768, diagonal_in=15.6)
        body = m.min_text_px + 1
        m = replace(m, body=body, caption=m.min_text_px, subtitle=round(body * 1.15), title=round(body * 1.3),
                    big=round(body * 1.6), touch=36)
        self.window.setStyleSheet(stylesheet(p, m) + FOCUS_QSS.format(color=p.primary, on=p.on_primary))

    def _runtime_changed(self, changed: dict[str, Any]) -> None:
        if "high_contrast" in changed and self.window is not None:
            self._apply_theme()

    async def aclose(self) -> None:
        ctx = self.ctx
        if ctx is None:
            return
        ctx.closing = True
        if self.window is not None:
            self.window.timer.stop()
        await ctx.cancel_tasks()
        for unsub in (self._unsub, getattr(self, "_unsub_rt", None), getattr(self, "_unbind", None)):
            if unsub:
                unsub()
        try:
            if ctx.billing is not None:
                await ctx.billing.aclose()
        except Exception:
            log.exception("closing billing failed")
        try:
            if ctx.sessions is not None:
                await ctx.sessions.aclose()
        except Exception:
            log.exception("closing sessions failed")
        await ctx.cancel_tasks()
        if ctx.client is not None and hasattr(ctx.client, "aclose"):
            await ctx.client.aclose()
        if self.window is not None:
            self.window.allow_close()
            self.window.close()
            self.window.deleteLater()
            self.window = None
        self.ctx = None


def _language() -> str:
    from kiosk.i18n import current_language

    return current_language()


def run_desk(settings: Any, *, demo: bool = False) -> int:
    """Run the desktop until staff quit it (or SIGTERM/SIGINT)."""
    settings, sim, loop = qt_process(settings, demo, "Charge Assist attendant desk")
    desk = DeskApp(settings, sim=sim)

    async def main() -> int:
        done = stop_requested(loop)
        await desk.start()
        desk.window.closed.connect(done.set)
        try:
            await done.wait()
        finally:
            await desk.aclose()
        return 0

    try:
        with loop:
            return loop.run_until_complete(main())
    finally:
        if sim is not None:
            sim.stop()
