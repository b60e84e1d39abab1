"""The guest's session (power, energy, time, the estimated cost; Stop, or the receipt once
it has ended), the stop's confirmation, and Stopping. They draw the guest flow: which
button shows comes from ``flow.exits()``, never from rewiring a button."""

from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtWidgets import QBoxLayout, QFrame, QGridLayout, QHBoxLayout, QVBoxLayout

from kiosk.core.session import describe_state
from kiosk.flow import Action
from kiosk.i18n import Translator
from kiosk.i18n import current_language
from kiosk.ui.base import Screen, TouchButton, describe, label
from kiosk.ui.texts import clock, duration, evse_title, kwh, money, number
from kiosk.ui.widgets.chart import PowerChart
from kiosk.ui.widgets.gauge import PowerGauge

_ = Translator("ui")
log = logging.getLogger(__name__)


def card() -> tuple[QFrame, QVBoxLayout]:
    f = QFrame()
    f.setProperty("role", "card")
    lay = QVBoxLayout(f)
    lay.setContentsMargins(16, 12, 16, 12)
    return f, lay


class LiveScreen(Screen):
    CHART_EVERY_S = 5.0

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("live")
        self.view: Any = None
        self.offline_since: str | None = None
        self._view_at = 0.0
        self._chart_at = 0.0
        self._chart_busy = False
        self._exits: set[Action] = set()
        self.title = label("", "title")
        self.title.setObjectName("live_title")
        self.state = label("", "subtitle")
        self.state.setObjectName("live_state")
        self.coach = label("", "warning")
        self.coach.setObjectName("live_coach")
        self.offline = label("", "error")
        self.coach.hide()
        self.offline.hide()
        self.offline.setObjectName("live_offline")
        self.gauge = PowerGauge()
        self.gauge.setObjectName("gauge")
        self.adaptive(self.gauge.setMinimumSize, (280, 280), (150, 150), (520, 520))
        self.chart = PowerChart()
        self.chart.setObjectName("chart")
        self.chart.duration = duration
        self.adaptive(self.chart.setMinimumSize, (320, 200), (200, 80), (600, 420))
        fig, fl = card()
        grid = QGridLayout()
        self.grid = grid
        self.values: dict[str, tuple[Any, Any]] = {}
        for i, name in enumerate(("energy", "elapsed", "cost", "soc")):
            cap = label("", "small")
            val = label("", "subtitle", wrap=False)
            val.setObjectName(f"live_{name}")
            grid.addWidget(cap, (i // 2) * 2, i % 2)      # two by two: caption over value
            grid.addWidget(val, (i // 2) * 2 + 1, i % 2)
            self.values[name] = (cap, val)
        fl.addLayout(grid)
        self.chart_title = label("", "small")
        fl.addWidget(self.chart_title)
        fl.addWidget(self.chart, 1)
        self.stop = TouchButton("", "danger", icon="stop-circle-outline")
        self.stop.setObjectName("live_stop")
        self.stop.clicked.connect(lambda: self.ctx.flow.stop())
        self.receipt = TouchButton("", "primary", icon="receipt-text-outline")
        self.receipt.setObjectName("live_receipt")
        self.receipt.clicked.connect(lambda: self.ctx.flow.show_receipt())
        self.done = TouchButton("", "secondary")
        self.done.setObjectName("live_done")
        self.done.clicked.connect(lambda: self.ctx.flow.done())
        self.mid = mid = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        mid.addWidget(self.gauge, 4)
        mid.addWidget(fig, 6)
        row = QHBoxLayout()
        row.addWidget(self.done)
        row.addStretch(1)
        row.addWidget(self.stop, 2)
        row.addWidget(self.receipt, 2)
        box = QVBoxLayout(self)
        self.adaptive(box.setContentsMargins, (24, 16, 24, 16), (12, 4, 12, 6))
        self.adaptive(box.setSpacing, 6, 2)
        box.addWidget(self.title)
        box.addWidget(self.state)
        box.addWidget(self.offline)
        box.addWidget(self.coach)
        box.addLayout(mid, 1)
        box.addLayout(row)

    def layout_changed(self, m: Any) -> None:
        self.mid.setDirection(QBoxLayout.Direction.TopToBottom if m.portrait else QBoxLayout.Direction.LeftToRight)
        self.gauge.min_text_px = self.chart.min_text_px = m.min_text_px
        for cap, _val in self.values.values():     # a caption may take two lines (the layout
            cap.setMinimumHeight(round(m.caption * 2.4) if m.compact else 0)   # cannot know)
        self.chart_title.setVisible(not m.compact)  # (the chart's axes say kW over time)

    def theme_changed(self, pal: Any) -> None:
        self.gauge.set_colors(pal.primary, pal.track, pal.text)
        self.chart.set_colors(pal.primary, pal.text, pal.track)

    def reset(self) -> None:
        self.view = None
        self.offline_since = None
        self._chart_at = 0.0
        self.chart.set_points([])
        self.chart.charger_max = None
        self.gauge.set_value(0, None)      # nothing of the last guest's charger
        for _cap, val in self.values.values():
            val.setText("")

    def draw(self, flow: Any) -> None:
        view = flow.visit.view
        if view is not self.view:
            self.view = view
            self._view_at = time.monotonic()
        self._exits = flow.exits()
        self.retranslate()
        self.tick(flow)

    def tick(self, flow: Any) -> None:
        v = self.view
        if v is None:
            return
        if v.state in ("CHARGING", "PARKING") and v.started_at is not None:
            # between the service's answers only the time moves: count it here
            extra = (time.monotonic() - self._view_at) * self.ctx.time_scale
            self.values["elapsed"][1].setText(duration(v.elapsed_s + extra))
        if time.monotonic() - self._chart_at >= self.CHART_EVERY_S and not self._chart_busy:
            self._chart_at = time.monotonic()
            self.ctx.spawn(self.load_chart())

    def _parking_text(self) -> str:
        """The car is full: what parking costs from now on, at the price the guest pays (the
        session's own: also when the guest came back through My session)."""
        from kiosk.ui.prices import parking_price

        v = self.view
        try:
            fee = parking_price(getattr(v, "price", None), current_language())
        except Exception:  # noqa: BLE001 - the coaching works without the price
            fee = None
        if fee:
            return _("Your car is full. From now on: {fee}. Please move your car soon.", fee=fee)
        return _("Your car is full. Parking fees may apply: please move your car soon.")

    def _max_kw(self, v: Any) -> float | None:
        uid = getattr(v, "evse_uid", None)
        for b in self.ctx.venue.bays:
            if b.evse_uid == uid:
                return b.max_kw
        return None

    async def load_chart(self) -> None:
        v = self.view
        if v is None or not v.charge_session_id:
            return
        self._chart_busy = True
        try:
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
        if self.view is v:
            self.chart.set_points([(getattr(p, "timestamp", None), getattr(p, "power_in_kw", None))
                                   for p in pts or []])
            self.retranslate()

    def retranslate(self) -> None:
        self.stop.setText(_("Stop charging"))
        self.receipt.setText(_("Show receipt"))
        # beside "Stop charging", a plain "Done" read as another way to stop
        self.done.setText(_("Leave it charging") if Action.STOP in self._exits else _("Done"))
        self.chart.empty_text = _("The power chart appears after a few minutes.")
        self.chart_title.setText(_("Power over time"))
        caps = {"energy": _("Energy"), "elapsed": _("Time"), "cost": _("Estimated cost so far"),
                "soc": _("Battery")}
        v = self.view
        if v is not None and v.estimate is not None and v.estimate.final:
            caps["cost"] = _("Total cost")
        for k, (cap, _val) in self.values.items():
            cap.setText(caps[k])
        self.stop.setVisible(Action.STOP in self._exits)
        self.receipt.setVisible(Action.RECEIPT in self._exits)
        if v is None:
            return
        self.title.setText(_("Your charging at {charger}",
                             charger=evse_title(self.ctx.venue, v.evse_uid, getattr(v, "evse_name", "") or "")))
        # translated here, at render time: the view carries states, not words
        text = describe_state(v.state)
        if v.stop_requested and not v.has_ended and v.state != "STOPPING":
            # asked (maybe offline): say so at once instead of "Charging" until the service answers
            self.state.setText(_("Stop requested: the charger stops as soon as it gets the request."))
        else:
            self.state.setText(text.title if v.state in ("CHARGING", "PARKING")
                               else f"{text.title}: {text.next_step}")
        self.coach.setText(self._parking_text() if v.state == "PARKING" else "")
        self.offline.setText(_("No connection right now: showing the values of {time}. Your car keeps charging.",
                               time=self.offline_since) if self.offline_since else "")
        for w in (self.coach, self.offline):     # an empty line takes no room (800x480 is tight)
            w.setVisible(bool(w.text()))
        self.gauge.unit = _("kW")
        top = self._max_kw(v)
        self.gauge.set_value(float(v.power_kw or 0), top, number(v.power_kw or 0, 1))
        self.chart.charger_max = top
        self.chart.unit = _("kW")
        describe(self.gauge, _("Power now: {kw} kW", kw=number(v.power_kw or 0, 1)),
                 _("The scale runs from 0 to {max} kW, this charger's maximum.", max=number(top, 0)) if top
                 else _("Power now"))
        pts = self.chart.points
        describe(self.chart, _("Power over time"),
                 _("From 0 to {kw} kW over {time}.", kw=number(max(k for _t, k in pts), 1),
                   time=duration(pts[-1][0])) if len(pts) >= 2 else self.chart.empty_text)
        self.values["energy"][1].setText(kwh(v.energy_kwh or 0))
        self.values["elapsed"][1].setText(duration(v.elapsed_s))
        est = v.estimate
        if est is None:
            cost = "–"
        elif est.final:
            cost = money(est.incl_vat, est.currency)
        else:
            cost = _("about {amount}", amount=money(est.incl_vat, est.currency))
        self.values["cost"][1].setText(cost)
        self.values["soc"][1].setText(f"{number(v.state_of_charge, 0)} %" if v.state_of_charge is not None else "–")


class StopConfirmScreen(Screen):
    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("stop_confirm")
        self.title = label("", "title", center=True)
        self.text = label("", "body", center=True)
        self.yes = TouchButton("", "danger", icon="stop-circle-outline")
        self.yes.setObjectName("stop_yes")
        self.no = TouchButton("", "secondary", icon="lightning-bolt")
        self.no.setObjectName("stop_no")
        self.yes.clicked.connect(lambda: self.ctx.spawn(self.ctx.flow.confirm_stop()))
        self.no.clicked.connect(lambda: self.ctx.flow.keep_charging())
        row = QHBoxLayout()
        row.addWidget(self.no)
        row.addWidget(self.yes)
        box = QVBoxLayout(self)
        self.adaptive(box.setContentsMargins, (64, 48, 64, 32), (16, 12, 16, 12))
        box.addStretch(1)
        box.addWidget(self.title)
        box.addWidget(self.text)
        box.addStretch(1)
        box.addLayout(row)

    def draw(self, flow: Any) -> None:
        self.yes.setEnabled(flow.busy is None)

    def retranslate(self) -> None:
        self.title.setText(_("Stop charging now?"))
        self.text.setText(_("The charger stops and you get your receipt. Unplug the cable when the charger "
                            "has stopped."))
        self.yes.setText(_("Yes, stop charging"))
        self.no.setText(_("No, keep charging"))


class StoppingScreen(Screen):
    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("stopping")
        self._notice: Any = None
        self._exits: set[Action] = set()
        self.title = label("", "title", center=True)
        self.title.setObjectName("stopping_title")
        self.text = label("", "big", center=True)
        self.detail = label("", "error", center=True)
        self.detail.setObjectName("stopping_error")
        self.retry = TouchButton("", "primary")
        self.retry.setObjectName("stopping_retry")
        self.retry.clicked.connect(lambda: self.ctx.spawn(self.ctx.flow.retry()))
        self.back = TouchButton("", "secondary")
        self.back.setObjectName("stopping_back")
        self.back.clicked.connect(lambda: self.ctx.flow.back())
        self.done = TouchButton("", "secondary")
        self.done.setObjectName("stopping_done")
        self.done.clicked.connect(lambda: self.ctx.flow.done())
        row = QHBoxLayout()
        row.addWidget(self.back)
        row.addWidget(self.done)
        row.addWidget(self.retry)
        box = QVBoxLayout(self)
        self.adaptive(box.setContentsMargins, (48, 48, 48, 32), (16, 12, 16, 12))
        box.addWidget(self.title)
        box.addStretch(1)
        box.addWidget(self.text)          # full width: a wrapped text gets the height it needs
        box.addWidget(self.detail)
        box.addStretch(1)
        box.addLayout(row)

    def reset(self) -> None:
        self._notice = None

    def draw(self, flow: Any) -> None:
        self._notice = flow.visit.notice
        self._exits = flow.exits()
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Stopping"))
        n = self._notice
        if n is not None and n.key == "stop_unconfirmed":
            self.text.setText(_("Your stop was sent, but the charger has not confirmed it yet."))
            self.detail.setText(_("You can wait here, or come back later and check with your code. "
                                  "If the car keeps charging, ask the front desk."))
        else:
            self.text.setText(_("The charger is stopping. You can unplug the cable in a moment."))
            self.detail.setText(n.text() if n is not None else "")
        self.retry.setText(_("Try again"))
        self.back.setText(_("Back"))
        self.done.setText(_("Done"))
        self.retry.setVisible(Action.RETRY in self._exits)
        self.back.setVisible(Action.BACK in self._exits)
