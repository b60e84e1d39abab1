"""The session screens: Starting, Session started (the one-time code), My session (code
entry), Live session, Stop confirmation, Stopping, Receipt.

They hold the guest's code only in memory while shown and forget it on ``reset()``."""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from kiosk.core.session import describe_state
from kiosk.ui.base import Screen, TouchButton, label
from kiosk.ui.texts import clock, duration, kw, kwh, money, number
from kiosk.ui.widgets.chart import PowerChart
from kiosk.ui.widgets.gauge import PowerGauge
from kiosk.ui.widgets.keypad import Keypad, KeypadScreen, keypad_screen
from kiosk.ui.widgets.qr import QrView
from kiosk.i18n import Translator

_ = Translator("ui")

log = logging.getLogger(__name__)

RUNNING = {"CHARGING", "PARKING"}
FAILED = {"REJECTED", "TIMEOUT", "CANCELLED", "ERROR", "FAILED", "NEVER_STARTED"}
ENDED = {"STOPPING", "COMPLETED", "CDR_AVAILABLE"}


def _card() -> tuple[QFrame, QVBoxLayout]:
    f = QFrame()
    f.setProperty("role", "card")
    lay = QVBoxLayout(f)
    lay.setContentsMargins(16, 12, 16, 12)
    return f, lay


class StartingScreen(Screen):
    idle_applies = False   # the guest is plugging in; never drop them mid-start

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("starting")
        self.params: dict[str, Any] = {}
        self.key: str | None = None
        self.code: str | None = None
        self.state: str | None = None
        self.failure: str | None = None   # "rejected", "timeout", "error"
        self.failure_text = ""
        self.t0: float | None = None
        self.title = label("", "title", center=True)
        self.title.setObjectName("starting_title")
        self.coach = label("", "big", center=True)
        self.coach.setObjectName("starting_coach")
        self.detail = label("", "body", center=True)
        self.detail.setObjectName("starting_detail")
        self.countdown = label("", "subtitle", center=True)
        self.countdown.setObjectName("starting_countdown")
        self.retry = TouchButton("", "primary")
        self.retry.setObjectName("starting_retry")
        self.retry.clicked.connect(self._retry)
        self.home = TouchButton("", "secondary")
        self.home.setObjectName("starting_home")
        self.home.clicked.connect(lambda: self.ctx.shell.new_guest())
        row = QHBoxLayout()
        row.addWidget(self.home)
        row.addWidget(self.retry)
        box = QVBoxLayout(self)
        self.adaptive(box.setContentsMargins, (120, 40, 120, 30), (88, 8, 16, 8))
        box.addWidget(self.title)
        box.addStretch(1)
        box.addWidget(self.coach)
        box.addWidget(self.detail)
        box.addWidget(self.countdown)
        box.addStretch(1)
        box.addLayout(row)
        self._timer = QTimer(self, interval=250)
        self._timer.timeout.connect(self._tick)
        ctx.signals.updated.connect(self._on_update)
        self._task: Any = None

    def reset(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._timer.stop()
        self.params, self.key, self.code, self.state, self.failure, self.failure_text = {}, None, None, None, None, ""
        self.t0 = None

    def enter(self, **params: Any) -> None:
        self.reset()
        self.params = params
        self.state = "SENDING"
        self.retranslate()
        self._task = self.ctx.spawn(self.start())

    async def start(self) -> None:
        from kiosk.services.sessions import SessionError

        p = self.params
        try:
            if p.get("payment") == "room" and p.get("room"):
                pm = await self.ctx.venue.room_payment_method(p["room"])
            else:
                pm = p.get("payment_method_id") or await self.ctx.venue.venue_payment_method()
            started = await self.ctx.sessions.start(p["location_id"], p["evse_uid"], p["connector_id"], pm,
                                                    tag=p.get("room"), tariff=p.get("tariff"))
        except SessionError as exc:
            self._fail("error", str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - network etc. already mapped by the service normally
            log.warning("start failed: %s", type(exc).__name__)
            self._fail("error", _("The charger could not be started. Please try again, or choose another charger."))
            return
        self.key = started.session.key
        self.code = started.code
        self.t0 = time.monotonic()
        self._timer.start()
        self._apply(started.session.state, started.session)

    def _on_update(self, upd: Any) -> None:
        if self.key and upd.key == self.key and self.ctx.shell.current_name() == "starting":
            self._apply(upd.entry.state, None)

    def _apply(self, state: str, view: Any) -> None:
        self.state = state
        if state in RUNNING or state in ENDED:
            self._timer.stop()
            self.go("started", key=self.key, code=self.code, tag=self.params.get("room"),
                    evse_name=self.params.get("evse_name", ""))
            return
        if state in FAILED:
            if view is None and self.code:
                try:   # the code start() issued: known to the service, no key derivation
                    view = self.ctx.sessions.attach_known(self.code)
                except Exception:  # noqa: BLE001
                    view = None
            extra = describe_state(view.state).next_step if view is not None else ""
            kind = "timeout" if state == "TIMEOUT" else "rejected" if state == "REJECTED" else "error"
            self._fail(kind, extra or "")
            return
        self.retranslate()

    def _fail(self, kind: str, text: str) -> None:
        self._timer.stop()
        self.failure = kind
        self.failure_text = text
        self.code = None   # a failed start's code is of no use to anyone
        self.retranslate()

    def _tick(self) -> None:
        self.retranslate()

    def _retry(self) -> None:
        params = dict(self.params)
        self.enter(**params)

    def retranslate(self) -> None:
        self.home.setText(_("Choose another charger"))
        self.retry.setText(_("Try again"))
        failed = self.failure is not None
        self.retry.setVisible(failed)
        self.home.setVisible(failed or self.state in (None, "SENDING"))
        if self.failure == "timeout":
            self.title.setText(_("The charger stopped waiting"))
            self.coach.setText(_("No car was connected in time."))
            self.detail.setText(_("Check that the cable is firmly plugged into the car and the charger, "
                                  "then tap Try again."))
            self.countdown.setText("")
            return
        if self.failure == "rejected":
            self.title.setText(_("The charger refused to start"))
            self.coach.setText(_("This charger cannot be used right now."))
            self.detail.setText(self.failure_text or _("Please choose another charger, or ask the staff for help."))
            self.countdown.setText("")
            return
        if self.failure == "error":
            self.title.setText(_("Charging did not start"))
            self.coach.setText("")
            self.detail.setText(self.failure_text)
            self.countdown.setText("")
            return
        self.title.setText(_("Starting charger {name}", name=self.params.get("evse_name", "")))
        if self.state in (None, "SENDING"):
            self.coach.setText(_("Asking the charger to start…"))
            self.detail.setText(_("This takes a few seconds."))
        elif self.state == "STARTING":
            self.coach.setText(_("Plug in your cable now"))
            self.detail.setText(_("The charger is ready and waits for your car."))
        else:
            self.coach.setText(_("Plug in your cable now"))
            self.detail.setText(_("Connect the cable to your car and to the charger."))
        if self.t0 is not None:
            total = self.ctx.station_timeout_s / max(self.ctx.time_scale, 1e-6)
            left = max(0, math.ceil(total - (time.monotonic() - self.t0)))
            self.countdown.setText(_.n("The charger waits about {n} more second for your car.",
                                       "The charger waits about {n} more seconds for your car.", left) if left
                                   else _("Still waiting for the charger…"))
        else:
            self.countdown.setText("")


class StartedScreen(Screen):
    AUTO_HOME_MS = 45000

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("started")
        self.code: str | None = None
        self.tag: str | None = None
        self.evse_name = ""
        self.title = label("", "title", center=True)
        self.title.setObjectName("started_title")
        self.hint = label("", "body", center=True)
        self.code_label = label("", "code", center=True, wrap=False)
        self.code_label.setObjectName("guest_code")
        self.qr = QrView("", 220)
        self.adaptive(self.qr.set_side, 220, 150)
        self.tag_label = label("", "subtitle", center=True)
        self.tag_label.setObjectName("guest_tag")
        self.after = label("", "body", center=True)
        self.done = TouchButton("", "primary")
        self.done.setObjectName("started_done")
        self.done.clicked.connect(lambda: self.ctx.shell.new_guest())
        mid = QHBoxLayout()
        mid.addStretch(1)
        mid.addWidget(self.code_label)
        mid.addSpacing(24)
        mid.addWidget(self.qr)
        mid.addStretch(1)
        box = QVBoxLayout(self)
        self.adaptive(box.setContentsMargins, (120, 30, 120, 30), (88, 6, 16, 6))
        box.addWidget(self.title)
        box.addWidget(self.hint)
        box.addStretch(1)
        box.addLayout(mid)
        box.addWidget(self.tag_label)
        box.addStretch(1)
        box.addWidget(self.after)
        box.addWidget(self.done)
        self._auto = QTimer(self, singleShot=True)
        self._auto.timeout.connect(lambda: self.ctx.shell.new_guest())

    def enter(self, **params: Any) -> None:
        self.code = params.get("code")
        self.tag = params.get("tag")
        self.evse_name = params.get("evse_name", "")
        self.code_label.setText(self.code or "")
        self.qr.set_data(self.code or "")
        self._auto.start(self.AUTO_HOME_MS)
        self.retranslate()

    def leave(self) -> None:
        self._auto.stop()

    def reset(self) -> None:
        self._auto.stop()
        self.code = self.tag = None
        self.code_label.setText("")
        self.qr.set_data("")
        self.tag_label.setText("")

    def retranslate(self) -> None:
        self.title.setText(_("Your car is charging"))
        self.hint.setText(_("This is your code. Write it down or take a photo of it: you need it to see or stop "
                            "your charging. It is shown only once."))
        self.tag_label.setText(_("Room or plate: {tag}", tag=self.tag) if self.tag else "")
        self.after.setText(_("Come back to this kiosk and tap “My session” to see or stop your charging."))
        self.done.setText(_("Done"))


class CodeScreen(KeypadScreen):
    """My session: the guest types the one-time code."""

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("code")
        self.title = label("", "title")
        self.hint = label("", "body")
        self.error = label("", "error")
        self.error.setObjectName("code_error")
        # dots, like a PIN: the guest code is on screen once, when it is issued, and never
        # again (not for a passer-by, not in a screenshot)
        self.keypad = Keypad(max_len=10, secret=True)
        self.keypad.setObjectName("code_keypad")
        self.keypad.submitted.connect(self.submit)
        self.back = TouchButton("", "secondary")
        self.back.setObjectName("code_back")
        self.back.clicked.connect(lambda: self.ctx.shell.new_guest())
        keypad_screen(self, [self.title, self.hint, self.error], self.keypad, self.back)
        self._visit = 0   # a check that ends after the guest left (or a new guest came) is dropped
        self._checking = False

    def _clear(self) -> None:
        self._visit += 1
        self._checking = False
        super()._clear()
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("My session"))
        # the check takes a moment with many sessions (a key derivation each): say so
        self.hint.setText(_("Checking your code…") if self._checking
                          else _("Enter the code you got when your charging started."))
        self.back.setText(_("Back"))
        self.keypad.retranslate()

    def submit(self, code: str) -> None:
        self.keypad.clear()
        self.error.setText("")
        self._checking = True
        self.retranslate()
        self.ctx.spawn(self.check(code, self._visit))

    async def check(self, code: str, visit: int) -> None:
        """The full code check (key derivation on the service's hash thread, off the loop)."""
        from kiosk.services.sessions import SessionError

        try:
            view = await self.ctx.sessions.attach(code)
        except SessionError as exc:
            if visit == self._visit:
                self.error.setText(str(exc))
            return
        finally:
            if visit == self._visit:
                self._checking = False
                self.retranslate()
        if visit == self._visit and self.ctx.shell.current_name() == "code":
            self.go("live", key=view.key, code=code, view=view)   # checked once: later reads are cheap


class LiveScreen(Screen):
    CHART_EVERY_S = 5.0

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("live")
        self.key: str | None = None
        self.code: str | None = None
        self.view: Any = None
        self.offline_since: str | None = None
        self._chart_at = 0.0
        self._chart_busy = False
        self.title = label("", "title")
        self.title.setObjectName("live_title")
        self.state = label("", "subtitle")
        self.state.setObjectName("live_state")
        self.coach = label("", "warning")
        self.coach.setObjectName("live_coach")
        self.offline = label("", "error")
        self.offline.setObjectName("live_offline")
        self.gauge = PowerGauge()
        self.gauge.setObjectName("gauge")
        self.adaptive(self.gauge.setMinimumSize, (280, 240), (180, 160))
        self.chart = PowerChart()
        self.chart.setObjectName("chart")
        self.adaptive(self.chart.setMinimumSize, (320, 160), (220, 90))
        fig, fl = _card()
        grid = QGridLayout()
        self.values: dict[str, tuple[Any, Any]] = {}
        for i, name in enumerate(("energy", "elapsed", "cost", "soc")):
            cap = label("", "small")
            val = label("", "subtitle", wrap=False)
            val.setObjectName(f"live_{name}")
            grid.addWidget(cap, i, 0)
            grid.addWidget(val, i, 1)
            self.values[name] = (cap, val)
        fl.addLayout(grid)
        self.chart_title = label("", "small")
        fl.addWidget(self.chart_title)
        fl.addWidget(self.chart, 1)
        self.stop = TouchButton("", "danger")
        self.stop.setObjectName("live_stop")
        self.adaptive(self.stop.setMinimumHeight, 72, 56)
        self.stop.clicked.connect(lambda: self.go("stop_confirm", key=self.key, code=self.code))
        self.done = TouchButton("", "secondary")
        self.done.setObjectName("live_done")
        self.done.clicked.connect(lambda: self.ctx.shell.new_guest())
        mid = QHBoxLayout()
        mid.addWidget(self.gauge, 4)
        mid.addWidget(fig, 6)
        row = QHBoxLayout()
        row.addWidget(self.done)
        row.addStretch(1)
        row.addWidget(self.stop, 2)
        box = QVBoxLayout(self)
        self.adaptive(box.setContentsMargins, (96, 16, 24, 16), (88, 4, 12, 6))
        self.adaptive(box.setSpacing, 6, 2)
        box.addWidget(self.title)
        box.addWidget(self.state)
        box.addWidget(self.offline)
        box.addWidget(self.coach)
        box.addLayout(mid, 1)
        box.addLayout(row)
        ctx.signals.updated.connect(self._on_update)
        # between service updates only the elapsed time moves: count it locally (no code check)
        self._timer = QTimer(self, interval=1000)
        self._timer.timeout.connect(self._tick)
        self._view_at = 0.0

    def theme_changed(self, pal: Any) -> None:
        self.gauge.set_colors(pal.primary, pal.border, pal.text)
        self.chart.set_colors(pal.primary, pal.muted)

    def enter(self, **params: Any) -> None:
        if params.get("code"):
            self.key, self.code = params.get("key"), params["code"]
        self._chart_at = 0.0
        if params.get("view") is not None:
            self.view = params["view"]
            self._view_at = time.monotonic()
            self._chart_at = time.monotonic()
            self.ctx.spawn(self.load_chart())
            self.retranslate()
        else:
            self.refresh()
        self._timer.start()

    def leave(self) -> None:
        self._timer.stop()

    def reset(self) -> None:
        self._timer.stop()
        self.key = self.code = None
        self.view = None
        self.offline_since = None
        self.chart.set_points([])
        self.gauge.set_value(0)
        for _cap, val in self.values.values():
            val.setText("")

    FULL_EVERY_S = 30.0

    def _on_update(self, upd: Any) -> None:
        if not (self.key and upd.key == self.key and self.ctx.shell.current_name() == "live"):
            return
        v, e = self.view, upd.entry
        if v is None or e.state != v.state or time.monotonic() - self._view_at > self.FULL_EVERY_S:
            self.refresh()     # full view (attach_known: the code was accepted already)
            return
        # between state changes the board entry carries what moves: no view to build
        self.view = dataclasses.replace(v, power_kw=e.power_kw, energy_kwh=e.energy_kwh, elapsed_s=e.elapsed_s,
                                        estimate=e.estimate)
        self._view_at = time.monotonic() - 0.0
        self.retranslate()

    def refresh(self) -> None:
        if not self.code:
            return
        try:
            self.view = self.ctx.sessions.attach_known(self.code)
        except Exception:  # noqa: BLE001 - code no longer valid (attendant reissued it)
            self.ctx.shell.new_guest()
            return
        self._view_at = time.monotonic()
        if time.monotonic() - self._chart_at >= self.CHART_EVERY_S and not self._chart_busy:
            self._chart_at = time.monotonic()
            self.ctx.spawn(self.load_chart())
        self.retranslate()

    def _tick(self) -> None:
        v = self.view
        if v is None:
            return
        if v.state in RUNNING and v.started_at is not None:
            extra = (time.monotonic() - self._view_at) * self.ctx.time_scale
            self.values["elapsed"][1].setText(duration(v.elapsed_s + extra))
        if time.monotonic() - self._chart_at >= self.CHART_EVERY_S and not self._chart_busy:
            self._chart_at = time.monotonic()
            self.ctx.spawn(self.load_chart())

    async def load_chart(self) -> None:
        v = self.view
        if v is None:
            return
        pts = getattr(v, "data_points", None)
        self._chart_busy = True
        try:
            if pts is None and v.charge_session_id:
                pts = await self.ctx.venue.usage(v.charge_session_id)
            self.offline_since = None
        except Exception as exc:  # noqa: BLE001 - network lost: keep the last values, say so
            log.info("live data not refreshed: %s", type(exc).__name__)
            if self.offline_since is None:
                self.offline_since = clock(self.ctx.venue.last_updated) if self.ctx.venue.last_updated else "–"
            self.retranslate()
            return
        finally:
            self._chart_busy = False
        self.chart.set_points([(getattr(p, "timestamp", None), getattr(p, "power_in_kw", None)) for p in pts or []])
        self.retranslate()

    def retranslate(self) -> None:
        self.stop.setText(_("Stop charging"))
        self.done.setText(_("Done"))
        self.chart.empty_text = _("The power chart appears after a few minutes.")
        self.chart_title.setText(_("Power over time"))
        caps = {"energy": _("Energy"), "elapsed": _("Time"), "cost": _("Estimated cost so far"),
                "soc": _("Battery")}
        for k, (cap, _val) in self.values.items():
            cap.setText(caps[k])
        v = self.view
        if v is None:
            return
        self.title.setText(_("Your charging"))
        # translated here, at render time: a view built before a language switch keeps
        # the state, not yesterday's language
        self.state.setText(describe_state(v.state).title)
        self.coach.setText(_("Your car is full. Parking fees may apply: please move your car soon.")
                           if v.state == "PARKING" else "")
        self.offline.setText(_("No connection right now: showing the values of {time}. Your car keeps charging.",
                               time=self.offline_since) if self.offline_since else "")
        self.gauge.unit = _("kW")
        self.gauge.set_value(float(v.power_kw or 0), None, number(v.power_kw or 0, 1))
        self.values["energy"][1].setText(kwh(v.energy_kwh or 0))
        self.values["elapsed"][1].setText(duration(v.elapsed_s))
        est = v.estimate
        self.values["cost"][1].setText(_("about {amount}", amount=money(est.incl_vat, est.currency))
                                       if est is not None else "–")
        self.values["soc"][1].setText(f"{number(v.state_of_charge, 0)} %" if v.state_of_charge is not None else "–")
        self.stop.setEnabled(bool(v.can_stop))
        if v.state in ("COMPLETED", "CDR_AVAILABLE") and self.ctx.shell.current_name() == "live":
            self.stop.setText(_("Show receipt"))
            self.stop.setEnabled(True)
            try:
                self.stop.clicked.disconnect()
            except (RuntimeError, TypeError):
                pass
            self.stop.clicked.connect(lambda: self.go("receipt", key=self.key, code=self.code))


class StopConfirmScreen(Screen):
    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("stop_confirm")
        self.params: dict[str, Any] = {}
        self.title = label("", "title", center=True)
        self.text = label("", "body", center=True)
        self.yes = TouchButton("", "danger")
        self.yes.setObjectName("stop_yes")
        self.adaptive(self.yes.setMinimumHeight, 80, 56)
        self.no = TouchButton("", "secondary")
        self.no.setObjectName("stop_no")
        self.adaptive(self.no.setMinimumHeight, 80, 56)
        self.yes.clicked.connect(lambda: self.go("stopping", **self.params))
        self.no.clicked.connect(lambda: self.go("live", **self.params))
        row = QHBoxLayout()
        row.addWidget(self.no)
        row.addWidget(self.yes)
        box = QVBoxLayout(self)
        self.adaptive(box.setContentsMargins, (160, 60, 160, 60), (88, 12, 16, 12))
        box.addStretch(1)
        box.addWidget(self.title)
        box.addWidget(self.text)
        box.addStretch(1)
        box.addLayout(row)

    def enter(self, **params: Any) -> None:
        self.params = params

    def reset(self) -> None:
        self.params = {}

    def retranslate(self) -> None:
        self.title.setText(_("Stop charging now?"))
        self.text.setText(_("The charger stops and you get your receipt. Unplug the cable when the charger "
                            "has stopped."))
        self.yes.setText(_("Yes, stop charging"))
        self.no.setText(_("No, keep charging"))


class StoppingScreen(Screen):
    idle_applies = False

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("stopping")
        self.key: str | None = None
        self.code: str | None = None
        self.error = ""
        self.title = label("", "title", center=True)
        self.title.setObjectName("stopping_title")
        self.text = label("", "big", center=True)
        self.detail = label("", "error", center=True)
        self.detail.setObjectName("stopping_error")
        self.retry = TouchButton("", "primary")
        self.retry.setObjectName("stopping_retry")
        self.retry.clicked.connect(lambda: self.enter(key=self.key, code=self.code))
        self.back = TouchButton("", "secondary")
        self.back.clicked.connect(lambda: self.go("live", key=self.key, code=self.code))
        row = QHBoxLayout()
        row.addWidget(self.back)
        row.addWidget(self.retry)
        box = QVBoxLayout(self)
        self.adaptive(box.setContentsMargins, (120, 60, 120, 40), (88, 12, 16, 12))
        box.addWidget(self.title)
        box.addStretch(1)
        box.addWidget(self.text)
        box.addWidget(self.detail)
        box.addStretch(1)
        box.addLayout(row)
        ctx.signals.updated.connect(self._on_update)
        self._task: Any = None

    def enter(self, **params: Any) -> None:
        self.key, self.code = params.get("key"), params.get("code")
        self.error = ""
        self.retranslate()
        self._task = self.ctx.spawn(self.stop())

    def reset(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self.key = self.code = None
        self.error = ""

    async def stop(self) -> None:
        from kiosk.services.sessions import SessionError

        try:
            view = await self.ctx.sessions.stop(self.code)
        except SessionError as exc:
            self.error = str(exc)
            self.retranslate()
            return
        except Exception as exc:  # noqa: BLE001
            log.warning("stop failed: %s", type(exc).__name__)
            self.error = _("The charger did not answer. Your car may still be charging: tap Try again.")
            self.retranslate()
            return
        self._check(view.state)

    def _on_update(self, upd: Any) -> None:
        if self.key and upd.key == self.key and self.ctx.shell.current_name() == "stopping":
            self._check(upd.entry.state)

    def _check(self, state: str) -> None:
        if state in ("COMPLETED", "CDR_AVAILABLE") or (state in FAILED):
            self.go("receipt", key=self.key, code=self.code)

    def retranslate(self) -> None:
        self.title.setText(_("Stopping"))
        self.text.setText(_("The charger is stopping. You can unplug the cable in a moment."))
        self.detail.setText(self.error)
        self.retry.setText(_("Try again"))
        self.back.setText(_("Back"))
        self.retry.setVisible(bool(self.error))
        self.back.setVisible(bool(self.error))


class ReceiptScreen(Screen):
    AUTO_HOME_MS = 90000

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("receipt")
        self.key: str | None = None
        self.code: str | None = None
        self.receipt: Any = None
        self.title = label("", "title")
        self.title.setObjectName("receipt_title")
        self.note = label("", "body")
        self.note.setObjectName("receipt_note")
        card, cl = _card()
        grid = QGridLayout()
        self.rows: dict[str, tuple[Any, Any]] = {}
        for i, name in enumerate(("number", "venue", "charger", "energy", "duration", "total", "vat")):
            cap = label("", "small")
            val = label("", "subtitle", wrap=False)
            val.setObjectName(f"receipt_{name}")
            grid.addWidget(cap, i, 0)
            grid.addWidget(val, i, 1)
            self.rows[name] = (cap, val)
        cl.addLayout(grid)
        self.qr = QrView("", 240)
        self.qr.setObjectName("receipt_qr")
        self.adaptive(self.qr.set_side, 240, 160)
        self.qr_hint = label("", "small", center=True)
        right = QVBoxLayout()
        right.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        right.addWidget(self.qr_hint)
        right.addStretch(1)
        # the receipt scrolls when it does not fit (800x480, long venue names)
        mid_box = QWidget()
        mid = QHBoxLayout(mid_box)
        mid.setContentsMargins(0, 0, 0, 0)
        mid.addWidget(card, 3)
        mid.addLayout(right, 2)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("receipt_scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(mid_box)
        self.done = TouchButton("", "primary")
        self.done.setObjectName("receipt_done")
        self.done.clicked.connect(lambda: self.ctx.shell.new_guest())
        box = QVBoxLayout(self)
        self.adaptive(box.setContentsMargins, (96, 16, 24, 16), (88, 6, 12, 6))
        box.addWidget(self.title)
        box.addWidget(self.note)
        box.addWidget(self.scroll, 1)
        box.addWidget(self.done)
        ctx.signals.updated.connect(self._on_update)
        self._auto = QTimer(self, singleShot=True)
        self._auto.timeout.connect(lambda: self.ctx.shell.new_guest())

    def enter(self, **params: Any) -> None:
        self.key, self.code = params.get("key"), params.get("code")
        self._state = None
        self._auto.start(self.AUTO_HOME_MS)
        self.load()

    def leave(self) -> None:
        self._auto.stop()

    def reset(self) -> None:
        self._auto.stop()
        self.key = self.code = None
        self.receipt = None
        self.qr.set_data("")
        for _cap, val in self.rows.values():
            val.setText("")

    def _on_update(self, upd: Any) -> None:
        if self.key and upd.key == self.key and self.ctx.shell.current_name() == "receipt":
            if self.receipt is None or (not self.receipt.final and upd.entry.state != self._state):
                self._state = upd.entry.state
                self.load()

    def load(self) -> None:
        if not self.key:
            return
        try:
            self.receipt = self.ctx.sessions.receipt(self.key, code=self.code)
        except Exception as exc:  # noqa: BLE001
            log.warning("receipt not available: %s", type(exc).__name__)
            self.receipt = None
        self.retranslate()

    def _bay_name(self, r: Any) -> str:
        for b in self.ctx.venue.bays:
            if b.evse_uid == r.evse_uid:
                return b.name
        return r.evse_uid

    def qr_text(self) -> str:
        r = self.receipt
        if r is None:
            return ""
        venue = self.ctx.venue.display_name() or self.ctx.settings.venue_name or ""
        rows = [
            (_("Receipt number"), r.receipt_number or "–"),
            (_("Venue"), venue),
            (_("Charger"), self._bay_name(r)),
            (_("Start"), r.started_at.isoformat(timespec="seconds") if r.started_at else "–"),
            (_("End"), r.ended_at.isoformat(timespec="seconds") if r.ended_at else "–"),
            (_("Energy"), kwh(r.energy_kwh)),
            (_("Total"), money(r.total_incl_vat, r.currency)),
            (_("VAT"), money(r.total_vat, r.currency)),
        ]
        lines = [_("Charging receipt")] + [name + ": " + value for name, value in rows]
        return "\n".join(lines)

    def retranslate(self) -> None:
        self.done.setText(_("Done"))
        self.qr_hint.setText(_("Scan to take this receipt with you."))
        caps = {"number": _("Receipt number"), "venue": _("Venue"), "charger": _("Charger"), "energy": _("Energy"),
                "duration": _("Duration"), "total": _("Total"), "vat": _("VAT")}
        for k, (cap, _v) in self.rows.items():
            cap.setText(caps[k])
        r = self.receipt
        if r is None:
            self.title.setText(_("Your receipt"))
            self.note.setText(_("The receipt is being prepared…"))
            return
        self.title.setText(_("Charging finished. You can unplug the cable."))
        self.note.setText("" if r.final else _("Final costs follow in a moment…"))
        dur = (r.ended_at - r.started_at).total_seconds() if r.started_at and r.ended_at else None
        pct = f" ({number(r.vat_percentage, 0)}%)" if r.vat_percentage is not None else ""
        vals = {"number": r.receipt_number or "–",
                "venue": self.ctx.venue.display_name() or self.ctx.settings.venue_name or "–",
                "charger": self._bay_name(r), "energy": kwh(r.energy_kwh), "duration": duration(dur),
                "total": money(r.total_incl_vat, r.currency) if r.total_incl_vat is not None else
                (_("about {amount}", amount=money(r.estimate_incl_vat, r.currency))
                 if r.estimate_incl_vat is not None else "–"),
                "vat": money(r.total_vat, r.currency) + pct if r.total_vat is not None else "–"}
        for k, (_cap, val) in self.rows.items():
            val.setText(vals[k])
        self.qr.set_data(self.qr_text())
