"""Fixtures of the guest UI tests (pytest-qt + qasync).

``ui_loop``: a qasync QEventLoop over pytest-qt's QApplication, set as the current asyncio
loop; a test writes its scenario as a coroutine and runs it with
``ui_loop.run_until_complete(...)`` so ``@asyncSlot`` handlers and services run exactly as
in the app. ``poll_until(pred)`` waits for a condition (never a sleep as an assertion).

``kiosk_factory(sim, **settings)``: the real app (:class:`kiosk.app.KioskApp`) wired to a
simulator over HTTP, with a temporary data dir, no camera unless given one, shown at the
default window size. Teardown closes it and fails the test when a window is left open or a
thread the test started is still running.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from typing import Any

import pytest


async def poll_until(pred, timeout: float = 15.0, interval: float = 0.01, what: str = "condition"):
    """Poll ``pred()`` on the running loop until truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


def free_evse(ctx, sim, exclude=()):
    """A simulator EVSE of the venue that the kiosk's board shows as available."""
    avail = {b.evse_uid for b in ctx.venue.bays if b.status == "AVAILABLE"} - set(exclude)
    return next(e for e in sim.venue.venue_evses() if e.evse_uid in avail)


def _shown(widget):
    """The widget once it is on screen (a button added to a shown layout appears a turn later)."""
    return widget if widget is not None and widget.isVisible() else None


async def bay_button(ctx, evse_uid: str):
    """The board's button of a bay, once Home shows it (the board is rebuilt as it fills)."""
    home = ctx.shell.screen("home")

    def find():
        return next((b for b in home.bay_buttons if b.bay.evse_uid == evse_uid and b.isVisible()), None)
    return await poll_until(find, what=f"the board's button of {evse_uid}")


async def open_my_session(ctx, code: str, evse_uid: str):
    """A guest comes back: My session, taps their charger, types the code, OK; returns the
    Live screen once it shows their session."""
    sh = ctx.shell
    click(sh.screen("home").my_session)
    await poll_until(lambda: sh.current_name() == "code", what="code entry")
    cs = sh.screen("code")
    bay = await poll_until(lambda: _shown(cs.bay_buttons.get(evse_uid)), what=f"the bay {evse_uid} on My session")
    click(bay)
    await poll_until(lambda: cs.keypad.isVisible(), what="the keypad")
    for ch in code:
        click(cs.keypad.keys[ch])
    assert code not in cs.keypad.display.text() and len(cs.keypad.display.text()) == len(code)   # masked
    click(cs.keypad.ok_btn)
    live = sh.screen("live")
    await poll_until(lambda: sh.current_name() == "live" and live.view is not None, what="live screen")
    return live


@pytest.fixture
def ui_loop(qapp):
    import qasync

    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for t in pending:
            t.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        asyncio.set_event_loop(None)
        loop.close()
        # Free the Qt wrappers of this test on the main thread now: left to a later cyclic
        # collection they may be freed on a simulator thread, and Qt's timer code then
        # crashes (seen under -n 2 with the attendant tests).
        gc.collect()


def demo_app_settings(sim: Any, tmp_path: Any, name: str, overrides: dict[str, Any]) -> Any:
    """Settings of a test app (kiosk or desk) against ``sim``: its own data folder and token."""
    from kiosk.app import demo_settings
    from kiosk.config import load_settings

    overrides.setdefault("data_dir", tmp_path / name)
    overrides.setdefault("log_dir", tmp_path / "logs")
    overrides.setdefault("app_token", f"test-{name}")
    overrides.setdefault("api_key", "demo-key")
    overrides.setdefault("camera", "none")
    return demo_settings(load_settings(**overrides), sim)


def close_apps(apps: list[Any], ui_loop: Any, qapp: Any) -> list[Any]:
    """Close the test's apps, back to English; returns the windows left open (closed now)."""
    from PySide6.QtWidgets import QApplication

    from kiosk.i18n import set_language

    for app in apps:
        if app.ctx is not None:
            ui_loop.run_until_complete(app.aclose())
    set_language("en")
    qapp.processEvents()
    open_windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    for w in open_windows:
        w.close()
    return open_windows


@pytest.fixture
def kiosk_factory(ui_loop, qapp, tmp_path):
    from kiosk.app import AppOptions, KioskApp

    threads_before = set(threading.enumerate())
    apps: list[KioskApp] = []

    def make(sim: Any, *, camera: Any = None, start_camera: bool = True, idle_prompt_s: int = 10,
             **overrides: Any) -> KioskApp:
        settings = demo_app_settings(sim, tmp_path, f"data{len(apps)}", overrides)
        app = KioskApp(settings, sim=sim, options=AppOptions(camera=camera, start_camera=start_camera,
                                                             idle_prompt_s=idle_prompt_s))
        apps.append(app)
        return app

    yield make
    open_windows = close_apps(apps, ui_loop, qapp)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        leftover = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()
                    and not t.daemon]
        if not leftover:
            break
        time.sleep(0.05)
    assert not open_windows, f"test left windows open: {open_windows}"
    assert not leftover, f"test left threads running: {leftover}"


def tap_keys(keypad, text: str) -> None:
    """Type ``text`` on a built-in keypad key by key, as a guest does (a letter: first the
    "A–Z" key that opens the page of letters)."""
    for ch in text:
        if ch.isalpha():
            click(keypad.letters_btn)
        click(keypad.keys[ch])


def click(button) -> None:
    """Tap a button the way a guest does (it must be visible and enabled)."""
    assert button.isVisible(), f"{button.objectName() or button.text()!r} is not visible"
    assert button.isEnabled(), f"{button.objectName() or button.text()!r} is disabled"
    button.click()
