"""The touch desk behind the kiosk's hidden corner (the real app, demo mode, no PIN
configured): the demo PIN 1234 opens it; every text and number field types with the
desk's own on-screen keyboard; quitting asks first."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit

from tests.plugins.attendant import enter_pin, tap_corner
from tests.plugins.ui import click, poll_until


def test_touch_desk_demo_pin_keyboard_and_quit(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim)                 # demo settings, no attendant_pin
        ctx = await app.start()
        shell = ctx.shell
        tap_corner(shell)
        enter_pin(shell, "1234")
        await poll_until(lambda: shell.current_name() == "attendant", what="the desk opened by the demo PIN")
        area = shell.screen("attendant")
        kb = area.keyboard
        fields = [w for w in area.findChildren(QLineEdit) + area.findChildren(QAbstractSpinBox)
                  if not isinstance(w.parentWidget(), QAbstractSpinBox)]
        assert fields and all(kb.covers(w) for w in fields), [w.objectName() for w in fields if not kb.covers(w)]
        assert not kb.isVisible()
        # a text field: letters, capitals, digits, '-' and delete
        area.tabs.setCurrentWidget(area.wallet_screen)
        card = area.wallet_screen.card_number
        await poll_until(lambda: card.isVisible(), what="the wallet tab")
        QTest.mouseClick(card, Qt.MouseButton.LeftButton)
        assert kb.isVisible() and kb.keys["q"].isVisible() and kb.target is card
        click(kb.shift)
        for ch in "nl":
            click(kb.keys[ch])
        click(kb.keys["-"])
        click(kb.shift)
        for ch in "123":
            click(kb.keys[ch])
        click(kb.back)
        assert card.text() == "NL-12"
        click(kb.hide_btn)
        assert not kb.isVisible()
        # a number field: the digits only
        area.tabs.setCurrentWidget(area.settings_screen)
        idle = area.settings_screen.idle
        await poll_until(lambda: idle.isVisible(), what="the settings tab")
        QTest.mouseClick(idle.findChild(QLineEdit), Qt.MouseButton.LeftButton)
        assert kb.isVisible() and kb.keys["5"].isVisible() and not kb.keys["q"].isVisible()
        idle.selectAll()
        for ch in "300":
            click(kb.keys[ch])
        assert idle.value() == 300
        # quitting asks first
        click(area.quit_btn)
        assert area.confirm_quit.isVisible() and shell.isVisible()
        click(area.confirm_quit.no)
        assert not area.confirm_quit.isVisible() and shell.isVisible()

    ui_loop.run_until_complete(scenario())
