"""Changing the attendant PIN in the Settings tab, on the kiosk's keypad: afterwards the old
PIN no longer opens the attendant area through the shell's PIN screen and the new one does
(also after a restart); the PIN is nowhere in the data folder in clear, nor in the audit."""

from kiosk.services.attendant import PinChange
from kiosk.ui.attendant.common import TOUCH
from tests.plugins.attendant import PIN, build_shell, enter_pin, run_scenario, tap_corner, wait_until
from tests.plugins.ui import click

NEW = "50917263"


def tap_pin(panel, pin):
    """Tap the digits on the panel's keypad, then OK (as staff do)."""
    for ch in pin:
        click(panel.keypad.keys[ch])
    click(panel.keypad.ok_btn)


def test_change_pin_in_settings_then_only_the_new_pin_opens_the_desk(qtbot, ui_loop, sim, desk_factory, tmp_path):
    data = tmp_path / "kiosk-data"

    async def scenario():
        env = desk_factory(sim, data_dir=data)
        shell = build_shell(qtbot, env)
        tap_corner(shell)
        enter_pin(shell, PIN)
        await wait_until(lambda: shell.current_name() == "attendant", what="desk open")
        area = env.area
        screen = area.settings_screen
        area.tabs.setCurrentWidget(screen)
        panel = screen.pin_panel
        assert screen.change_pin.height() >= TOUCH
        click(screen.change_pin)
        assert screen.pages.currentWidget() is panel and "Step 1 of 3" in panel.step_label.text()
        assert all(k.height() >= TOUCH for k in panel.keypad.keys.values()) and panel.back.height() >= TOUCH

        answers = []
        panel.answered.connect(answers.append)

        async def submit(pin, step_after, what):
            answers.clear()
            tap_pin(panel, pin)
            await wait_until(lambda: answers, what=what)
            assert answers == [step_after] and panel.step == step_after and panel.keypad.isEnabled()
            # the display never keeps what was typed, not even as dots
            assert panel.keypad.value() == ""

        # a wrong current PIN is refused (and counts as a wrong PIN)
        await submit("1357", PinChange.CURRENT, "wrong current PIN refused")
        assert panel.message.is_error and "Wrong PIN" in panel.message.text()
        await submit(PIN, PinChange.NEW, "current PIN accepted")
        assert "Step 2 of 3" in panel.step_label.text()
        # new PINs that are too short, too simple or the current one are refused with the reason
        for bad, words in (("123", "at least 4"), ("0000", "too easy"), ("1234", "too easy"),
                           ("9876", "too easy"), (PIN, "current PIN")):
            await submit(bad, PinChange.NEW, f"{bad} refused")
            assert panel.message.is_error and words in panel.message.text(), panel.message.text()
        await submit(NEW, PinChange.REPEAT, "new PIN taken")
        assert "Step 3 of 3" in panel.step_label.text()
        # a different repetition starts the new PIN over
        await submit(NEW[:-1] + "0", PinChange.NEW, "mismatch refused")
        assert "not the same" in panel.message.text()
        await submit(NEW, PinChange.REPEAT, "new PIN again")
        await submit(NEW, PinChange.DONE, "PIN changed")
        assert not panel.message.is_error and "changed" in panel.message.text()
        assert not panel.keypad.isVisible()
        click(panel.back)
        assert screen.pages.currentWidget() is screen.form_scroll

        # the audit says who changed the PIN, never which PIN
        entries = env.sessions.journal.audit_entries(100)
        changes = [e for e in entries if e.action == "attendant.pin_change"]
        assert len(changes) == 1 and changes[0].actor == "attendant"
        assert not any(NEW in f"{e.detail}" or PIN in f"{e.detail}" for e in entries)

        # back to the guest side: the old PIN is refused on the PIN screen, the new one opens
        click(area.exit_btn)
        await wait_until(lambda: shell.current_name() == "home", what="back home")
        tap_corner(shell)
        pin_screen = shell.screen("pin")
        enter_pin(shell, PIN)
        await wait_until(lambda: "Wrong PIN" in pin_screen.error.text(), what="old PIN refused")
        assert shell.current_name() == "pin" and area.attendant is None
        enter_pin(shell, NEW)
        await wait_until(lambda: shell.current_name() == "attendant", what="desk open with the new PIN")
        assert area.tabs.isEnabled()
        click(area.exit_btn)
        await wait_until(lambda: shell.current_name() == "home", what="home again")
        await env.sessions.aclose()
        shell.close()

        # a restart with the configuration's (old) PIN keeps the changed one
        env2 = desk_factory(sim, data_dir=data)
        shell2 = build_shell(qtbot, env2)
        tap_corner(shell2)
        enter_pin(shell2, PIN)
        await wait_until(lambda: "Wrong PIN" in shell2.screen("pin").error.text(), what="old PIN refused after restart")
        enter_pin(shell2, NEW)
        await wait_until(lambda: shell2.current_name() == "attendant", what="new PIN after restart")

    run_scenario(ui_loop, scenario())
    # the PIN is stored only as a hash: not in the SQLite files (WAL included) nor anywhere else
    files = [p for p in data.rglob("*") if p.is_file()]
    assert any(p.name.startswith("journal.sqlite3") for p in files)
    for p in files:
        raw = p.read_bytes()
        assert NEW.encode() not in raw and NEW.encode("utf-16-le") not in raw, p


def test_leaving_the_settings_tab_forgets_a_half_typed_change(qtbot, ui_loop, sim, desk_factory):
    async def scenario():
        env = desk_factory(sim)
        env.login()
        screen = env.area.settings_screen
        env.area.tabs.setCurrentWidget(screen)
        click(screen.change_pin)
        answers = []
        screen.pin_panel.answered.connect(answers.append)
        tap_pin(screen.pin_panel, PIN)
        await wait_until(lambda: answers == [PinChange.NEW], what="current PIN accepted")
        env.area.tabs.setCurrentWidget(env.area.audit_screen)
        env.area.tabs.setCurrentWidget(screen)
        # back on the form; a new change starts from the current PIN again
        assert screen.pages.currentWidget() is screen.form_scroll
        click(screen.change_pin)
        assert screen.pin_panel.step == PinChange.CURRENT
        # logging out (idle timeout, exit) closes it too
        env.area.logout()
        assert screen.pages.currentWidget() is screen.form_scroll and screen.pin_panel.change is None

    run_scenario(ui_loop, scenario())
