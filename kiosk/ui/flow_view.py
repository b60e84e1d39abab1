"""The guest flow on screen: shows the screen of ``flow.step``, lets it draw the flow, and
feeds the flow the clock (timeouts) and the guest's touches.

The screens of the guest flow implement ``draw(flow)`` (draw everything from
``flow.step``, ``flow.visit``, ``flow.busy``, ``flow.exits()``) and send taps to the
flow's actions, through :meth:`FlowView.run` for the async ones. No screen decides
where to go next. The idle prompt ("Still there?") shows while ``flow.warning()`` counts
down, except on a step that shows the guest's code (it counts down on its own screen).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QObject, QTimer

from kiosk import i18n
from kiosk.flow import SHOWS_CODE, GuestFlow, Step

log = logging.getLogger(__name__)

#: The screens of the guest flow, by step (the shell's screen names).
FLOW_SCREENS = {step.value for step in Step}


class FlowView(QObject):
    TICK_MS = 250

    def __init__(self, flow: GuestFlow, shell: Any, ops: Any) -> None:
        super().__init__(shell)
        self.flow = flow
        self.shell = shell
        self.ops = ops
        self._visit = flow.visit
        self._shown: Step | None = None
        self._timer = QTimer(self, interval=self.TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._unsub = flow.subscribe(self.update)
        shell.flow_screens = set(FLOW_SCREENS)
        shell.touched.connect(flow.touch)
        shell.guest_reset.connect(self._guest_reset)
        shell.idle_prompt.keep.clicked.connect(self._keep)
        shell.screen_changed.connect(self._screen_changed)
        shell.idle_timeout_changed.connect(self._idle_timeout)

    def start(self) -> None:
        self._timer.start()
        self.update()

    def stop(self) -> None:
        self._timer.stop()
        self._unsub()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run a flow action (a coroutine) on the loop: the one path for a tap's async work."""
        return self.ops.run(coro)

    # -- drawing ---------------------------------------------------------------------------
    def update(self) -> None:
        f, sh = self.flow, self.shell
        if f.visit is not self._visit:            # a new guest: every screen forgets the last one
            self._visit = f.visit
            sh.reset_guest_screens(FLOW_SCREENS)
        if f.visit.language != i18n.current_language():
            sh.set_language(f.visit.language)
        # the shell keeps a guest's choice only where it differs from the staff setting
        hc = f.visit.high_contrast
        if (None if hc == sh.default_high_contrast else hc) != sh.guest_high_contrast:
            sh.set_guest_high_contrast(hc)
        name = f.step.value
        if sh.current_name() in FLOW_SCREENS or sh.current_name() is None:
            draw = getattr(sh.screen(name), "draw", None)
            if sh.current_name() != name:      # drawn before it is shown (one show, one layout)
                sh.show_screen(name, prepare=(lambda _w: draw(f)) if draw is not None else None)
            elif draw is not None:
                draw(f)
        self._prompt()

    def _idle_timeout(self, seconds: int) -> None:
        self.flow.timings = replace(self.flow.timings, idle_s=float(seconds))
        self.flow.touch()

    def _screen_changed(self, name: str) -> None:
        """Back on the guest side (from the staff screens): show the flow's own step."""
        if name in FLOW_SCREENS and name != self.flow.step.value:
            self.update()

    def _tick(self) -> None:
        if self.shell.current_name() not in FLOW_SCREENS:
            return
        self.flow.tick()
        self._prompt()
        screen = self.shell.current_screen()
        tick = getattr(screen, "tick", None)
        if tick is not None:
            tick(self.flow)

    def _prompt(self) -> None:
        left = self.flow.warning()
        prompt = self.shell.idle_prompt
        if left is None or self.flow.step in SHOWS_CODE or self.shell.current_name() not in FLOW_SCREENS:
            if prompt.isVisible():
                prompt.hide()
            return
        self.shell.show_idle_prompt(int(left) + 1)

    def _keep(self) -> None:
        self.flow.touch()
        self._prompt()

    def _guest_reset(self) -> None:
        v = self.flow.visit
        if self.flow.step != Step.HOME or v.holds_guest_data() or v.chose_something(self.flow.default_language):
            self.flow.home()
        else:
            self.update()
