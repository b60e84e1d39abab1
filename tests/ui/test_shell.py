"""The kiosk shell: navigation, language switching, idle reset, lockdown, attendant corner."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel
from kiosk.ui.theme import palette

from kiosk.i18n import current_language
from tests.plugins.ui import click, poll_until


def test_language_switch_retranslates_every_screen_and_new_guest_resets_it(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        sh, home = ctx.shell, ctx.shell.screen("home")
        assert home.my_session.text() == "My session: see or stop my charging"
        click(home.lang_buttons["de"])
        assert current_language() == "de"
        assert home.my_session.text() == "Mein Ladevorgang: ansehen oder beenden"
        assert sh.screen("stop_confirm").yes.text() == "Ja, Laden beenden"   # a screen not shown yet
        click(home.lang_buttons["fr"])
        assert home.scan_title.text() == "Scannez le QR code de la borne"
        sh.new_guest()
        assert current_language() == "en"
        assert home.scan_title.text() == "Scan the QR code on the charger"

    ui_loop.run_until_complete(scenario())


def test_idle_timeout_asks_then_returns_home_and_forgets_the_guest(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim, idle_prompt_s=1)
        ctx = await app.start()
        sh = ctx.shell
        click(sh.screen("home").lang_buttons["nl"])
        click(sh.screen("home").my_session)
        code = sh.screen("code")
        ctx.flow.choose_code_charger(sim.venue.venue_evses()[0].evse_uid)   # as tapping the bay does
        for ch in "123":
            click(code.keypad.keys[ch])
        assert code.keypad.value() == "123"
        sh.set_idle_timeout(2)
        await poll_until(lambda: sh.idle_prompt.isVisible(), 5, what="still-there prompt")
        assert sh.idle_prompt.title.text() == "Bent u er nog?"
        click(sh.idle_prompt.keep)          # the guest is still there
        assert sh.current_name() == "code" and code.keypad.value() == "123"
        await poll_until(lambda: sh.idle_prompt.isVisible(), 5, what="prompt again")
        await poll_until(lambda: sh.current_name() == "home", 5, what="back home")
        assert not sh.idle_prompt.isVisible()
        assert current_language() == "en"
        assert code.keypad.value() == ""

    ui_loop.run_until_complete(scenario())


def test_kiosk_lockdown_swallows_keyboard_exits_and_close(kiosk_factory, sim, ui_loop, qapp):
    from kiosk.ui.shell import KioskLockdown

    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        sh = ctx.shell
        lock = KioskLockdown()
        qapp.installEventFilter(lock)
        try:
            for key, mods in ((Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
                              (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
                              (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
                              (Qt.Key.Key_Tab, Qt.KeyboardModifier.AltModifier)):
                ev = QKeyEvent(QEvent.Type.KeyPress, key, mods)
                QApplication.sendEvent(sh, ev)
                assert lock.blocked >= 1, f"{key} was not blocked"
                n = lock.blocked
                lock.blocked = 0
            # a digit is not blocked
            ev = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_1, Qt.KeyboardModifier.NoModifier, "1")
            QApplication.sendEvent(sh, ev)
            assert lock.blocked == 0 and n >= 1
        finally:
            qapp.removeEventFilter(lock)
        sh.close()                      # Alt+F4 from the window manager ends up here
        assert sh.isVisible()
        exited = []
        sh.exit_requested.connect(lambda: exited.append(True))
        sh.request_exit()               # the attendant's way out
        assert exited and not sh.isVisible()

    ui_loop.run_until_complete(scenario())


def test_hidden_corner_asks_pin_on_a_screen_then_opens_attendant(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim, attendant_pin="4711")
        ctx = await app.start()
        sh = ctx.shell
        opened = []
        sh.attendant_opened.connect(lambda: opened.append(True))
        click(sh.corner)
        click(sh.corner)
        assert sh.current_name() == "home"      # two taps are not enough
        click(sh.corner)
        assert sh.current_name() == "pin"
        pin = sh.screen("pin")
        pin.keypad.type("1111")
        click(pin.keypad.ok_btn)
        await poll_until(lambda: pin.error.text() or opened, what="PIN checked")
        assert not opened and pin.error.text()
        pin.keypad.type("4711")
        click(pin.keypad.ok_btn)
        await poll_until(lambda: opened, what="attendant opened")
        if "attendant" in sh.screens():
            assert sh.current_name() == "attendant"
        # nothing of the PIN stays on screen
        assert "4711" not in [w.text() for w in pin.findChildren(QLabel)]

    ui_loop.run_until_complete(scenario())


def test_touch_targets_are_at_least_56px(kiosk_factory, sim, ui_loop):
    from PySide6.QtWidgets import QPushButton

    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        sh = ctx.shell
        await poll_until(lambda: sh.screen("home").bay_buttons, what="board")
        small = []
        for name, w in sh.screens().items():
            if name == "attendant":
                continue
            sh.show_screen(name) if name != "home" else None
            for b in w.findChildren(QPushButton):
                if b.isVisibleTo(w) and b.property("role") != "corner" and b.height() < 56:
                    small.append(f"{name}:{b.objectName() or b.text()}={b.height()}")
        sh.new_guest()
        assert not small, small

    ui_loop.run_until_complete(scenario())


def test_high_contrast_theme_switches_at_run_time(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        sh = ctx.shell
        normal = sh.styleSheet()
        assert sh.palette_.primary == palette(sh.venue_color).primary
        sh.apply_theme(high_contrast=True)
        assert sh.styleSheet() != normal
        assert sh.palette_.bg == "#000000" and sh.palette_.text == "#ffffff"
        live = sh.screen("live")
        assert live.gauge.color.name() == "#ffff00"      # painted widgets follow the theme too

    ui_loop.run_until_complete(scenario())


def test_taps_that_reach_the_window_keep_the_guest_and_the_screen_times_out_after_the_last(kiosk_factory, sim,
                                                                                              ui_loop):
    """Input is watched on the window (where a touch screen's taps arrive), not per widget:
    a guest typing on the keypad is never asked "Still there?"; after the last tap it is."""
    from PySide6.QtTest import QTest

    async def scenario():
        app = kiosk_factory(sim, idle_prompt_s=1)
        ctx = await app.start()
        sh = ctx.shell
        sh.show()
        click(sh.screen("home").my_session)
        code = sh.screen("code")
        ctx.flow.choose_code_charger(sim.venue.venue_evses()[0].evse_uid)
        sh.set_idle_timeout(2)
        key = code.keypad.keys["4"]
        await poll_until(lambda: key.isVisible(), 5, what="the keypad")
        win = sh.windowHandle()
        for _ in range(8):                        # 4 s of typing, a tap each 0.5 s, on the window
            QTest.mouseClick(win, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                             key.mapTo(sh, key.rect().center()))
            await asyncio.sleep(0.5)
            assert not sh.idle_prompt.isVisible() and sh.current_name() == "code"
        assert code.keypad.value() == "4" * 8          # the taps reached the key through the window
        await poll_until(lambda: sh.idle_prompt.isVisible(), 5, what="still-there prompt after the last tap")
        await poll_until(lambda: sh.current_name() == "home", 5, what="back home")

    ui_loop.run_until_complete(scenario())


def test_a_language_chosen_on_home_is_reset_for_the_next_guest(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim, idle_prompt_s=1)
        ctx = await app.start()
        sh = ctx.shell
        sh.set_idle_timeout(2)
        await asyncio.sleep(2.5)
        assert not sh.idle_prompt.isVisible()          # nothing to forget on an untouched home
        click(sh.screen("home").lang_buttons["fr"])
        await poll_until(lambda: sh.idle_prompt.isVisible(), 5, what="still-there prompt")
        await poll_until(lambda: current_language() == "en", 5, what="language reset")
        assert sh.screen("home").my_session.text() == "My session: see or stop my charging"

    ui_loop.run_until_complete(scenario())


def test_unexpected_errors_become_a_guest_safe_message(kiosk_factory, sim, ui_loop):
    import sys
    import threading

    async def scenario():
        app = kiosk_factory(sim)
        ctx = await app.start()
        sh = ctx.shell

        def boom():
            raise ValueError("secret internals NL-GFX-C12345678-X")

        t = threading.Thread(target=boom)       # threading.excepthook -> queued to the UI
        t.start()
        t.join()
        await poll_until(lambda: sh.toast.isVisible(), what="message shown")
        assert "Something went wrong" in sh.toast.text.text()
        assert "secret" not in sh.toast.text.text()
        sh.toast.hide()
        try:
            raise RuntimeError("in a slot")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())     # where qasync sends slot exceptions
        assert sh.toast.isVisible() and app.errors.count == 2

    ui_loop.run_until_complete(scenario())


def test_guest_high_contrast_toggle_on_home_is_reset_for_the_next_guest(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim, idle_prompt_s=1)
        ctx = await app.start()
        sh = ctx.shell
        home = sh.screen("home")
        toggle = home.contrast
        assert toggle.height() >= 56 and not toggle.isChecked()
        assert sh.palette_.bg != "#000000"
        click(toggle)
        assert toggle.isChecked() and sh.palette_.bg == "#000000" and sh.palette_.text == "#ffffff"
        sh.set_language("nl")
        assert toggle.text() == "Hoog contrast"
        # a guest who leaves it on: the idle timeout applies on Home and the next guest gets the default
        sh.set_idle_timeout(2)
        await poll_until(lambda: sh.idle_prompt.isVisible(), 5, what="still-there prompt")
        await poll_until(lambda: sh.palette_.bg != "#000000", 5, what="contrast reset")
        assert not toggle.isChecked() and current_language() == "en" and toggle.text() == "High contrast"
        # staff made high contrast the default: a guest may turn it off, only for themselves
        sh.apply_theme(high_contrast=True)
        assert toggle.isChecked()
        click(toggle)
        assert sh.palette_.bg != "#000000"
        sh.new_guest()
        assert sh.palette_.bg == "#000000" and toggle.isChecked()

    ui_loop.run_until_complete(scenario())
