"""The autopilot: drives full guest cycles through the real widgets (taps on the real
buttons, the real scan path, the real services against the simulator) and reports.

One cycle: scan (synthetic camera, or the code injected into the same signal the camera
worker emits) -> charger -> Start -> started (read the code) -> Done -> My session ->
type the code -> live (wait for energy) -> Stop -> confirm -> stopping -> receipt -> Done.

Used by ``kiosk run --demo --autopilot N --report FILE``, ``kiosk demo`` (headless),
``kiosk screenshots`` and ``bench/ui.py``.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import statistics
import time
from pathlib import Path
from typing import Any

from kiosk.i18n import LANGUAGES, current_language, set_language

log = logging.getLogger(__name__)


def _shown(widget: Any) -> Any:
    """The widget once it is on screen (a button added to a shown layout appears a turn later)."""
    return widget if widget is not None and widget.isVisible() else None


class StepTimeout(AssertionError):
    pass


def rss_mb() -> float:
    import psutil

    return psutil.Process(os.getpid()).memory_info().rss / 1e6


def outside_window(shell: Any, root: Any) -> list[str]:
    """Controls under ``root`` that are shown but reach outside the window (cut off)."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QComboBox, QLineEdit

    win = QRect(0, 0, shell.width(), shell.height())
    bad = []
    for w in root.findChildren(QAbstractButton) + root.findChildren(QComboBox) + root.findChildren(QLineEdit):
        if not w.isVisibleTo(root) or w.objectName() == "attendant_corner" or w.width() <= 0:
            continue
        # inside a scroll area a control may be scrolled away: only the visible ones count
        p = w.parentWidget()
        inside_scroll = False
        while p is not None and p is not root:
            if isinstance(p, QAbstractScrollArea):
                inside_scroll = True
                break
            p = p.parentWidget()
        r = QRect(w.mapTo(shell, w.rect().topLeft()), w.size())
        if not inside_scroll and not win.contains(r):
            bad.append(f"{w.objectName() or w.text()!r} at {r.getRect()} outside {win.getRect()}")
    return bad


def cut_off_texts(root: Any) -> list[str]:
    """Labels and buttons under ``root`` whose text does not fit their current geometry."""
    from PySide6.QtWidgets import QLabel, QPushButton

    bad: list[str] = []
    for w in root.findChildren(QLabel) + root.findChildren(QPushButton):
        if not w.isVisibleTo(root) or not w.text():
            continue
        if hasattr(w, "cut_off"):      # a widget that paints its own texts measures them itself
            bad += w.cut_off()
            continue
        fm = w.fontMetrics()
        text = w.text()
        if isinstance(w, QLabel):
            if w.pixmap() is not None and not w.pixmap().isNull():
                continue
            cr = w.contentsRect()
            if w.wordWrap():
                need = w.heightForWidth(cr.width()) if cr.width() > 0 else fm.height()
                if need > cr.height() + 2:
                    bad.append(f"{w.objectName() or type(w).__name__}: {text!r} needs {need}px, has {cr.height()}")
                # a single word longer than the width
                longest = max((fm.horizontalAdvance(word) for word in text.split()), default=0)
                if longest > cr.width() + 2:
                    bad.append(f"{w.objectName() or 'label'}: word too long in {text!r}")
            else:
                width = max(fm.horizontalAdvance(line) for line in text.split("\n"))
                if width > cr.width() + 2:
                    bad.append(f"{w.objectName() or 'label'}: {text!r} needs {width}px, has {cr.width()}")
        elif w.layout() is not None:
            continue          # a button laid out with labels: the labels are checked themselves
        else:
            bad += _button_cut_off(w)
    return bad


def _button_cut_off(w: Any) -> list[str]:
    """A push button's text and icon (kiosk.ui.base.button_text_size: bold when checkable)
    against the room inside its border and padding (the style sheet's box) as it is now."""
    from PySide6.QtWidgets import QStyle, QStyleOptionButton

    from kiosk.ui.base import button_text_size

    opt = QStyleOptionButton()
    w.initStyleOption(opt)
    room = w.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, opt, w)
    need = button_text_size(w)
    if need.width() > room.width() + 1 or need.height() > room.height() + 2:
        return [f"{w.objectName() or 'button'}: {w.text()!r} needs {need.width()}px, has {room.width()}"]
    return []


class Autopilot:
    def __init__(self, kiosk: Any, *, scan: str = "auto", screenshots: Path | None = None,
                 languages: list[str] | None = None, step_timeout_s: float = 60.0,
                 variants: list[tuple[int, int, bool]] | None = None, staff_pin: str | None = None,
                 paced: bool = True) -> None:
        self.kiosk = kiosk
        self.ctx = kiosk.ctx
        self.shell = self.ctx.shell
        self.scan = scan if scan != "auto" else ("camera" if self.ctx.scan is not None and self.ctx.scan.worker
                                                  else "inject")
        self.screenshots = Path(screenshots) if screenshots else None
        self.languages = languages or [current_language()]
        self.step_timeout_s = step_timeout_s
        self.shots: list[Path] = []
        self.cut_off: dict[str, list[str]] = {}
        self.outside: dict[str, list[str]] = {}
        #: (width, height, high contrast) of each screenshot; None: the window as it is
        self.variants = variants
        self.staff_pin = staff_pin
        self.paced = paced        # one tap per loop turn (False: the taps of a step in one turn, as before)
        self._shot_n = 0

    # -- helpers -----------------------------------------------------------------------------
    async def until(self, pred: Any, what: str, timeout: float | None = None) -> Any:
        deadline = time.monotonic() + (timeout or self.step_timeout_s)
        while True:
            v = pred()
            if v:
                return v
            if time.monotonic() > deadline:
                raise StepTimeout(f"timed out waiting for {what} (screen {self.shell.current_name()})")
            await asyncio.sleep(0.01)

    async def tap(self, button: Any) -> None:
        """Tap like a guest: one tap per turn of the event loop. A guest's taps arrive as
        separate input events, each followed by the loop drawing its result; clicking several
        buttons in one turn (as this did before) added their handlers into one stall that no
        guest can cause."""
        if not button.isEnabled():
            f = self.ctx.flow
            raise StepTimeout(f"button {button.objectName()} is disabled (step {f.step.value}, busy {f.busy}, "
                              f"exits {sorted(a.value for a in f.exits())}, unusable "
                              f"{getattr(f.visit.details, 'unusable', None)}, error {f.visit.charger_error})")
        button.click()
        if self.paced:
            await asyncio.sleep(0)

    async def shot(self, name: str) -> None:
        if self.screenshots is None:
            return
        await asyncio.sleep(0.05)
        self._shot_n += 1
        sh = self.shell
        if not self.variants:
            await self._shot_languages(name, self.screenshots)
            return
        size, contrast = sh.size(), sh.default_high_contrast
        for w, h, high in self.variants:
            sh.resize(w, h)
            if high != sh.high_contrast:
                sh.apply_theme(high_contrast=high)
            await asyncio.sleep(0.03)
            await self._shot_languages(name, self.screenshots / f"{w}x{h}" / ("high" if high else "normal"))
        sh.resize(size)
        if sh.default_high_contrast != contrast or sh.high_contrast != contrast:
            sh.apply_theme(high_contrast=contrast)
        await asyncio.sleep(0.03)

    async def _shot_languages(self, name: str, base: Path) -> None:
        start_lang = current_language()
        flow_screen = self.shell.current_name() in self.shell.flow_screens
        for lang in self.languages:
            if lang != current_language():
                # the guest flow owns the guest's language: switch it there (as Home's buttons do)
                self.ctx.flow.set_language(lang) if flow_screen else set_language(lang)
            await asyncio.sleep(0.03)   # let the layouts settle before measuring and grabbing
            await self._qr_ready()
            folder = base / lang if len(self.languages) > 1 else base
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{self._shot_n:02d}-{name}.png"
            self.shell.grab().save(str(path))
            if flow_screen:
                self.ctx.flow.touch()     # photographing is no reason for the flow to time out
            self.shots.append(path)
            key = str(path.relative_to(self.screenshots))
            bad = cut_off_texts(self.shell.current_screen())
            if bad:
                self.cut_off[key] = bad
            out = outside_window(self.shell, self.shell.current_screen())
            if out:
                self.outside[key] = out
        if current_language() != start_lang:
            self.ctx.flow.set_language(start_lang) if flow_screen else set_language(start_lang)

    async def capture_staff(self) -> None:
        """The attendant desk's tabs (screenshots): logged in with ``staff_pin``."""
        sh = self.shell
        if not self.staff_pin or not sh.has_screen("attendant"):
            return
        area = sh.screen("attendant")
        if not await area.login_async(self.staff_pin):
            log.warning("screenshots: the attendant PIN was refused (%s)", getattr(area, "last_error", ""))
            return
        sh.show_screen("attendant")
        names = ["sessions", "history", "wallet", "diagnostics", "audit", "settings"]
        for i, tab in enumerate(names):
            area.tabs.setCurrentIndex(i)
            await asyncio.sleep(0.3)     # the tab loads from the service
            await self.shot(f"staff-{tab}")
        area.on_exit()
        await self.until(lambda: sh.current_name() == "home", "home after the desk")

    async def _qr_ready(self) -> None:
        from kiosk.ui.widgets.qr import QrView

        screen = self.shell.current_screen()
        views = screen.findChildren(QrView) if screen is not None else []
        await self.until(lambda: all(v.ready() for v in views), "QR codes encoded", 10)

    def _usable_qr(self) -> str:
        """An AVAILABLE venue bay's QR text (inject mode)."""
        sim = self.ctx.sim
        in_use = self.ctx.in_use()
        bays = [b for b in self.ctx.venue.bays if b.status == "AVAILABLE" and b.evse_uid not in in_use]
        if not bays:
            raise StepTimeout("no available charger")
        uid = bays[0].evse_uid
        if sim is not None:
            for e in sim.venue.evses:
                if e.evse_uid == uid:
                    return e.qr_url
        return uid

    # -- one cycle ---------------------------------------------------------------------------
    async def cycle(self, capture: bool = False) -> dict[str, float]:
        sh, ctx = self.shell, self.ctx
        steps: dict[str, float] = {}
        sh.new_guest()
        home = sh.screen("home")
        await ctx.venue.board()
        home._rebuild_board()
        if capture:
            if ctx.scan is not None and ctx.scan.worker is not None:
                ctx.scan.paused = True     # hold the scan until Home is photographed
                await self.until(lambda: home.camera.frames_shown > 0, "camera preview", 20)
            await self.shot("home")
            if ctx.scan is not None:
                ctx.scan.paused = False
        # 1. scan -> charger screen with details
        charger = sh.screen("charger")
        t = time.monotonic()
        while True:
            if self.scan == "camera":
                await self.until(lambda: sh.current_name() == "charger", "a scanned charger", 120)
            else:
                ctx.scan.code.emit(self._usable_qr()) if ctx.scan is not None else home.on_code(self._usable_qr())
                await self.until(lambda: sh.current_name() == "charger", "the charger screen")
            await self.until(lambda: charger.details is not None or charger.board.isVisible(), "charger details")
            if charger.details is not None and charger.details.unusable is None:
                break
            ctx.flow.home()   # scanned a bay in use: wait for the next label
            t = time.monotonic()
        steps["scan_to_charger"] = time.monotonic() - t
        evse_uid = charger.details.evse.uid
        if capture:
            await self.shot("charger")
            if charger.pay_room.isVisible():
                await self.tap(charger.pay_room)
                await self.until(lambda: sh.current_name() == "room", "room keypad")
                room = sh.screen("room")
                room.keypad.type("214")
                await self.shot("room")
                if room.keypad.letters_btn is not None:   # the page of letters (surname initials)
                    await self.tap(room.keypad.letters_btn)
                    await self.shot("room-letters")
                    await self.tap(room.keypad.digits_btn)
                await self.tap(room.keypad.ok_btn)
                await self.until(lambda: sh.current_name() == "charger", "back to charger")
                await self.shot("charger-room")
                await self.tap(charger.pay_venue)
        # 2. start (the car is plugged in: the charger screen says so before Start)
        slow_status = capture and self.ctx.sim is not None
        if slow_status:   # hold the start's progress on screen long enough to photograph it
            self.ctx.sim.faults.set("POST /session/start", latency_s=1.0, times=1)
        t = time.monotonic()
        await self.tap(charger.start)
        flow = ctx.flow
        if capture:
            await self.until(lambda: sh.current_name() in ("starting", "started", "start_failed"), "starting screen")
            if sh.current_name() == "starting":
                await self.shot("starting")
        await self.until(lambda: sh.current_name() in ("started", "start_failed"), "session started", 120)
        if sh.current_name() == "start_failed":
            raise StepTimeout(f"start failed: {flow.visit.failure} {flow.visit.notice and flow.visit.notice.text()}")
        started = sh.screen("started")
        code = started.code
        if capture:
            await self.until(lambda: flow.progress().value == "charging", "charging", 120)
            await self.shot("started")
        await self.until(lambda: flow.progress().value == "charging", "charging", 120)
        steps["start_to_charging"] = time.monotonic() - t
        await self.tap(started.done)
        await self.until(lambda: sh.current_name() == "home", "home after start")
        # 3. come back: My session -> code
        t = time.monotonic()
        await self.tap(home.my_session)
        cs = sh.screen("code")
        await self.until(lambda: sh.current_name() == "code", "code screen")
        if capture:
            await self.shot("code-charger")
        await self.tap(await self.until(lambda: _shown(cs.bay_buttons.get(evse_uid)), "the guest's bay on My session"))
        await self.until(lambda: cs.keypad.isVisible(), "the keypad")
        for ch in code:
            await self.tap(cs.keypad.keys[ch])
        if capture:
            await self.shot("code")
        await self.until(lambda: cs.keypad.ok_btn.isEnabled(), "code entry ready")
        await self.tap(cs.keypad.ok_btn)
        live = sh.screen("live")
        await self.until(lambda: sh.current_name() == "live" and live.view is not None, "live screen")
        steps["code_to_live"] = time.monotonic() - t
        t = time.monotonic()
        await self.until(lambda: live.view is not None and (live.view.energy_kwh or 0) > 0, "energy flowing", 120)
        steps["energy_flowing"] = time.monotonic() - t
        if capture:
            await self.until(lambda: len(live.chart.points) >= 2, "power chart", 60)
            await self.shot("live")
        # 4. stop
        t = time.monotonic()
        await self.until(lambda: live.stop.isVisible() and live.stop.isEnabled(), "stop enabled")
        await self.tap(live.stop)
        await self.until(lambda: sh.current_name() == "stop_confirm", "stop confirmation")
        if capture:
            await self.shot("stop_confirm")
        await self.tap(sh.screen("stop_confirm").yes)
        if capture:
            await self.until(lambda: sh.current_name() in ("stopping", "receipt"), "stopping")
            if sh.current_name() == "stopping":
                await self.shot("stopping")
        receipt = sh.screen("receipt")
        await self.until(lambda: sh.current_name() == "receipt", "receipt screen", 120)
        steps["stop_to_receipt"] = time.monotonic() - t
        t = time.monotonic()
        await self.until(lambda: receipt.receipt is not None and receipt.receipt.final, "final receipt", 120)
        steps["receipt_final"] = time.monotonic() - t
        if capture:
            await self.shot("receipt")
        await self.tap(receipt.done)
        await self.until(lambda: sh.current_name() == "home", "home after receipt")
        if capture:
            await self._capture_failure()
            await self.tap(sh.corner)
            await self.tap(sh.corner)
            await self.tap(sh.corner)
            await self.until(lambda: sh.current_name() == "pin", "pin screen")
            await self.shot("pin")
            sh.go_home()
            await self.capture_staff()
        return steps

    async def _capture_failure(self) -> None:
        """A start the charger refuses (screenshots): the failed start's screen."""
        sh, ctx = self.shell, self.ctx
        if ctx.sim is None:
            return
        bays = [b for b in ctx.venue.bays if b.status == "AVAILABLE" and b.evse_uid not in ctx.in_use()]
        charger = sh.screen("charger")
        while bays:      # the simulator's other drivers may have taken a bay since the board
            await ctx.flow.choose_charger(bays[0].location_id, bays[0].evse_uid)
            await self.until(lambda: charger.details is not None or charger.board.isVisible(), "charger details")
            if charger.details is not None and charger.details.unusable is None:
                break
            # taken meanwhile: back to Home, where the next bay can be chosen (the flow chooses
            # a charger only from Home: from here every other try used to end at once, on
            # this one's details, and the failed start was never photographed)
            ctx.flow.home()
            bays.pop(0)
        if not bays:
            ctx.flow.home()
            return
        ctx.sim.scenario.block(bays[0].evse_uid)
        try:
            await self.tap(sh.screen("charger").start)
            await self.until(lambda: sh.current_name() in ("started", "start_failed"), "the start", 60)
            await self.until(lambda: sh.current_name() == "start_failed", "the refusal", 60)
            await self.shot("start_failed")
        finally:
            ctx.sim.scenario.unblock(bays[0].evse_uid)
            ctx.flow.home()

    async def run(self, n: int) -> dict[str, Any]:
        wd = self.kiosk.watchdog
        gc.collect()
        rss_start = rss_mb()
        wd.reset()
        passed = failed = 0
        per_step: dict[str, list[float]] = {}
        errors: list[str] = []
        t0 = time.monotonic()
        for i in range(n):
            try:
                steps = await self.cycle(capture=self.screenshots is not None and i == 0)
            except Exception as exc:  # noqa: BLE001 - count it, go on with the next guest
                failed += 1
                errors.append(f"cycle {i + 1}: {type(exc).__name__}: {exc}")
                log.warning("autopilot cycle %d failed: %s", i + 1, exc)
                self.shell.new_guest()
                continue
            passed += 1
            for k, v in steps.items():
                per_step.setdefault(k, []).append(v * 1000)
        gc.collect()
        stalls = wd.stats()
        return {
            "cycles": n, "cycles_passed": passed, "cycles_failed": failed,
            "scan_mode": self.scan,
            "duration_s": round(time.monotonic() - t0, 2),
            "step_latency_ms": {k: {"median": round(statistics.median(v), 1), "max": round(max(v), 1),
                                    "n": len(v)} for k, v in per_step.items()},
            "event_loop_stall_ms": {"max": stalls["max_ms"], "p99": stalls["p99_ms"], "samples": stalls["samples"]},
            "rss_mb": {"start": round(rss_start, 1), "end": round(rss_mb(), 1)},
            "errors": errors[:20],
            "screenshots": [str(p) for p in self.shots],
            "cut_off": self.cut_off,
            "outside_window": self.outside,
        }

    @staticmethod
    def write(path: Path, report: dict[str, Any]) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(report, indent=2), encoding="utf-8")


ALL_LANGUAGES = list(LANGUAGES)
