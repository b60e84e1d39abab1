"""The desk by keyboard alone: the login by keys, every control of the board reached by Tab
with a name and a visible focus, every QAction of the window triggered by its shortcut;
and the desk photographed at 1366x768 and 1920x1080 in the four languages with no text
cut off (labels, buttons, fields, table headers and cells)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLineEdit,
    QTabBar,
    QTableWidget,
)

from kiosk.i18n import LANGUAGES, set_language
from kiosk.ui.autopilot import cut_off_texts, outside_window
from tests.desk.test_desk_start import free_row
from tests.plugins.ui import poll_until


def focused():
    return QApplication.focusWidget()


def press(key, mods=Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(focused(), key, mods)


def test_every_action_by_keyboard_alone(desk_app, sim, ui_loop):
    async def scenario():
        app = desk_app(sim)
        await app.start()
        w = app.window
        w.activateWindow()
        await poll_until(lambda: focused() is w.login_page.pin, what="the PIN field focused at start")
        QTest.keyClicks(focused(), "1234")
        press(Qt.Key.Key_Return)
        await poll_until(lambda: w.attendant is not None and w.table.rowCount(), what="logged in by keys")
        # the focus chain of the board: Tab reaches every control, each with a name
        chain = []
        for _ in range(40):
            f = focused()
            if f in chain:
                break
            chain.append(f)
            press(Qt.Key.Key_Tab)
        panel = w.start_panel
        for needed in (w.table, panel.charger, panel.venue_pays, panel.tag, panel.language, panel.start_btn):
            assert needed in chain, f"{needed.objectName()} is not reached by Tab"
        assert any(isinstance(x, QTabBar) for x in chain), "the tabs are not reached by Tab"
        for x in chain:
            name = x.accessibleName() or (x.text() if isinstance(x, QAbstractButton) else "")
            if isinstance(x, (QLineEdit, QComboBox, QTableWidget, QAbstractButton)):
                assert name, f"{x.objectName()} has no accessible name"
        # the focus is visible: a focused control looks different
        panel.start_btn.clearFocus()
        before = panel.start_btn.grab().toImage()
        panel.start_btn.setFocus(Qt.FocusReason.TabFocusReason)
        await poll_until(lambda: panel.start_btn.hasFocus(), what="focus")
        assert panel.start_btn.grab().toImage() != before, "no visible focus on a button"
        # every action: in a menu reached by Alt+letter, with its own shortcut, triggered by keys
        actions = [a for a in w.findChildren(QAction) if a.objectName().startswith("action-")]
        assert {a.objectName() for a in actions} == {f"action-{n}" for n, _t, _k in __import__(
            "kiosk.ui.desk", fromlist=["ACTIONS"]).ACTIONS}
        shortcuts = [a.shortcut().toString() for a in actions]
        assert all(shortcuts) and len(set(shortcuts)) == len(shortcuts)
        in_menus = {a for m in w.menus for a in m.actions()}
        assert set(actions) <= in_menus and all("&" in m.title() for m in w.menus)
        fired = []
        for a in actions:
            a.triggered.connect(lambda _c=False, a=a: fired.append(a.objectName()))
        last = [a for a in actions if a.objectName() in ("action-quit", "action-logout")]
        w.actions_["refresh"].trigger()
        await poll_until(lambda: w.snapshot is not None, what="board")
        w.table.select_id(free_row(w).id)
        for a in [a for a in actions if a not in last] + sorted(last, key=lambda a: a.objectName() != "action-quit"):
            w.tabs.setCurrentIndex(0)
            w.table.setFocus()
            QTest.keySequence(focused(), a.shortcut())
            assert fired and fired[-1] == a.objectName(), f"{a.objectName()} ({a.shortcut().toString()}) not fired"
            if a.objectName() == "action-quit":
                assert w.confirm.isVisible() and focused() is w.confirm.no     # asks first; Cancel has focus
                press(Qt.Key.Key_Space)
                assert not w.confirm.isVisible() and w.isVisible()
        assert w.attendant is None and w.pages.currentWidget() is w.login_page     # Ctrl+L logged out

    ui_loop.run_until_complete(scenario())


def test_desk_screenshots_in_four_languages_nothing_cut_off(desk_app, sim, ui_loop, tmp_path):
    out = Path(os.environ.get("KIOSK_DESK_SCREENSHOTS") or tmp_path)

    async def scenario():
        app = desk_app(sim)
        await app.start()
        w = app.window
        await poll_until(lambda: w.venue.bays, what="venue")
        problems = []
        for lang in LANGUAGES:
            set_language(lang)
            w.logout()
            w.retranslate()
            w.resize(1366, 768)
            await asyncio.sleep(0.05)         # layout (never processEvents inside a coroutine: qasync)
            problems += [f"{lang} login: {p}" for p in cut_off_texts(w) + outside_window(w, w)]
            w.login_page.pin.setText("")
            await w.login("1234")
            if lang == LANGUAGES[0]:
                w.table.select_id(free_row(w).id)
                await w.start_panel.start()
                await w.refresh()
            w.retranslate()
            for size in ((1366, 768), (1920, 1080)):
                w.resize(*size)
                await asyncio.sleep(0.05)         # layout (never processEvents inside a coroutine: qasync)
                assert (w.width(), w.height()) == size, f"the desk does not fit {size}: {w.width()}x{w.height()}"
                where = out / f"{size[0]}x{size[1]}" / lang
                where.mkdir(parents=True, exist_ok=True)
                w.grab().save(str(where / "01-board.png"))
                problems += [f"{lang} {size}: {p}" for p in cut_off_texts(w) + outside_window(w, w)
                             + _table_cut_off(w.table)]
                if size == (1366, 768):        # every column in view, no sideways scrolling
                    t = w.table
                    need = sum(max(t.sizeHintForColumn(c), t.horizontalHeader().sectionSizeHint(c))
                               for c in range(t.columnCount()))
                    if need > t.viewport().width() + 1:
                        problems.append(f"{lang}: the table needs {need} px, has {t.viewport().width()}")
        set_language("en")
        assert not problems, "\n".join(problems[:40])

    ui_loop.run_until_complete(scenario())


def _table_cut_off(t) -> list[str]:
    bad = []
    fm = t.fontMetrics()
    head = t.horizontalHeader()
    for c in range(t.columnCount()):
        title = t.horizontalHeaderItem(c).text()
        if max(head.fontMetrics().horizontalAdvance(x) for x in title.split("\n")) > head.sectionSize(c):
            bad.append(f"column title {title!r} cut off")
        for r in range(t.rowCount()):
            item = t.item(r, c)
            if item is not None and max(fm.horizontalAdvance(x) for x in item.text().split("\n")) > t.columnWidth(c):
                bad.append(f"cell {item.text()!r} cut off")
    return bad
