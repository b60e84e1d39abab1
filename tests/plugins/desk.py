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
    from kiosk.desk_app import DeskApp
    from tests.plugins.ui import close_apps, demo_app_settings

    apps: list[Any] = []

    def make(sim: Any, **overrides: Any) -> Any:
        app = DeskApp(demo_app_settings(sim, tmp_path, f"desk{len(apps)}", overrides), sim=sim)
        apps.append(app)
        return app

    yield make
    open_windows = close_apps(apps, ui_loop, qapp)
    assert not open_windows, f"test left windows open: {open_windows}"
