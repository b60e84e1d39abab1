"""Fixtures of the attendant-operated desktop (``kiosk desk``) tests.

``desk_app(sim, **settings)``: the real :class:`kiosk.desk_app.DeskApp` (the composition
root of ``kiosk desk``) against the simulator over HTTP, with a temporary data dir; started
and logged in with :func:`desk_login`. Teardown closes it in its own ``run_until_complete``
and fails on a window left open.
"""

from __future__ import annotations

from typing import Any

import pytest


async def desk_login(window: Any, pin: str = "1234", name: str | None = None) -> None:
    """Type the PIN on the login page and press Enter, as staff do; wait for the board."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from tests.plugins.ui import poll_until

    page = window.login_page
    if name is not None:
        page.who.setCurrentIndex(page.who.findData(name))
    page.pin.setFocus()
    QTest.keyClicks(page.pin, pin)
    QTest.keyClick(page.pin, Qt.Key.Key_Return)
    await poll_until(lambda: window.attendant is not None and window.snapshot is not None
                     and window.table.rowCount() > 0, what="the desk's board after login")


@pytest.fixture
def desk_app(ui_loop, qapp, tmp_path):
    from PySide6.QtWidgets import QApplication

    from kiosk.app import demo_settings
    from kiosk.config import load_settings
    from kiosk.desk_app import DeskApp
    from kiosk.i18n import set_language

    apps: list[Any] = []

    def make(sim: Any, **overrides: Any) -> Any:
        overrides.setdefault("data_dir", tmp_path / f"desk{len(apps)}")
        overrides.setdefault("log_dir", tmp_path / "logs")
        overrides.setdefault("app_token", f"desk-test-{len(apps)}")
        overrides.setdefault("api_key", "demo-key")
        overrides.setdefault("camera", "none")
        settings = demo_settings(load_settings(**overrides), sim)
        app = DeskApp(settings, sim=sim)
        apps.append(app)
        return app

    yield make
    for app in apps:
        if app.ctx is not None:
            ui_loop.run_until_complete(app.aclose())
    set_language("en")
    qapp.processEvents()
    open_windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    for w in open_windows:
        w.close()
    assert not open_windows, f"test left windows open: {open_windows}"
