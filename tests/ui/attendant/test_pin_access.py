"""The attendant area behind the PIN, through the real shell, PIN screen and keypad; the
lockout after repeated wrong PINs is shown and survives a restart."""

from datetime import UTC, datetime, timedelta

from tests.plugins.attendant import PIN, build_shell, enter_pin, run_scenario, tap_corner, wait_until


def test_attendant_area_cannot_be_reached_without_the_pin(qtbot, ui_loop, sim, desk_factory, qapp):
    qapp.setQuitOnLastWindowClosed(False)    # closing the kiosk window must not stop the test's loop

    async def scenario():
        env = desk_factory(sim)
        shell = build_shell(qtbot, env, closable=False)
        # navigating to it directly (no PIN) bounces back to the guest side, showing nothing
        shell.show_screen("attendant")
        await wait_until(lambda: shell.current_name() == "home", what="bounced home")
        assert env.area.attendant is None and not env.area.tabs.isEnabled()
        # the hidden corner asks for the PIN; a wrong one is refused
        tap_corner(shell)
        assert shell.current_name() == "pin"
        enter_pin(shell, "0000")
        pin_screen = shell.screen("pin")
        await wait_until(lambda: pin_screen.error.text() != "", what="refusal")
        await wait_until(lambda: "Wrong PIN" in pin_screen.error.text() or "not right" in pin_screen.error.text(),
                         what="wrong pin text")
        assert shell.current_name() == "pin" and env.area.attendant is None
        # the right PIN opens the desk on the sessions board
        enter_pin(shell, PIN)
        await wait_until(lambda: shell.current_name() == "attendant", what="desk open")
        assert env.area.tabs.isEnabled() and env.area.tabs.currentWidget() is env.area.sessions_screen
        assert env.area.attendant is not None
        # "Exit attendant" returns to the guest side and forgets the PIN holder
        env.area.exit_btn.click()
        await wait_until(lambda: shell.current_name() == "home", what="back home")
        assert env.area.attendant is None and not env.area.tabs.isEnabled()
        shell.show_screen("attendant")
        await wait_until(lambda: shell.current_name() == "home", what="bounced again")
        audit = [e.action for e in env.sessions.journal.audit_entries(50)]
        assert "attendant.pin_failed" in audit and "attendant.login" in audit
        # "Quit kiosk" (after a PIN) closes the kiosk window, which refuses every other close
        shell.close()
        assert shell.isVisible()
        tap_corner(shell)
        enter_pin(shell, PIN)
        await wait_until(lambda: shell.current_name() == "attendant", what="desk open again")
        quits = []
        shell.exit_requested.connect(lambda: quits.append(True))
        env.area.quit_btn.click()
        assert quits == [] and env.area.confirm_quit.isVisible()      # asked first
        env.area.confirm_quit.no.click()
        assert quits == [] and shell.isVisible() and not env.area.confirm_quit.isVisible()
        env.area.quit_btn.click()
        env.area.confirm_quit.yes.click()
        assert quits == [True] and not shell.isVisible()
        assert env.sessions.journal.audit_entries(1)[0].action == "kiosk.quit"

    try:
        run_scenario(ui_loop, scenario())
    finally:
        qapp.setQuitOnLastWindowClosed(True)


def test_lockout_is_visible_and_survives_a_restart(qtbot, ui_loop, sim, desk_factory, tmp_path):
    data = tmp_path / "kiosk-data"

    async def scenario():
        env = desk_factory(sim, data_dir=data)
        shell = build_shell(qtbot, env)
        tap_corner(shell)
        pin_screen = shell.screen("pin")
        for _ in range(2):
            enter_pin(shell, "9999")
            # the service's own message replaces the screen's generic one
            await wait_until(lambda: "Wrong PIN" in pin_screen.error.text(), what="wrong PIN shown")
            pin_screen.error.setText("")
        enter_pin(shell, "9999")
        await wait_until(lambda: "Too many wrong PINs" in pin_screen.error.text(), what="lockout shown")
        assert env.sessions.lockout_remaining() > 0
        # even the right PIN is refused while locked, and the lockout stays on screen
        pin_screen.error.setText("")
        enter_pin(shell, PIN)
        await wait_until(lambda: "Too many wrong PINs" in pin_screen.error.text(), what="still locked")
        assert shell.current_name() == "pin" and env.area.attendant is None
        await env.sessions.aclose()
        shell.close()

        # restart: a new process on the same data folder
        env2 = desk_factory(sim, data_dir=data)
        shell2 = build_shell(qtbot, env2)
        tap_corner(shell2)
        pin2 = shell2.screen("pin")
        await wait_until(lambda: "Too many wrong PINs" in pin2.error.text(), what="lockout shown after restart")
        pin2.error.setText("")
        enter_pin(shell2, PIN)
        await wait_until(lambda: "Too many wrong PINs" in pin2.error.text(), what="locked after restart")
        assert shell2.current_name() == "pin" and env2.area.attendant is None
        await env2.sessions.aclose()
        shell2.close()

        # once the lockout has passed (the kiosk's clock 31 s later), the right PIN opens the desk
        later = datetime.now(UTC) + timedelta(seconds=31)
        env3 = desk_factory(sim, data_dir=data, sessions_kw={"clock": lambda: later})
        shell3 = build_shell(qtbot, env3)
        tap_corner(shell3)
        assert "Too many" not in shell3.screen("pin").error.text()
        enter_pin(shell3, PIN)
        await wait_until(lambda: shell3.current_name() == "attendant", what="desk open after lockout")

    run_scenario(ui_loop, scenario())


def test_the_desk_names_a_staff_member_but_not_the_shared_pin(qtbot, ui_loop, sim, desk_factory):
    """The venue's shared PIN logs in as the audit actor "attendant": the title read
    "Empfang – attendant" in German; a named staff member is still greeted by name."""
    from kiosk.i18n import set_language

    async def scenario():
        env = desk_factory(sim)
        env.login("attendant")
        try:
            set_language("de")
            env.area.retranslate()
            assert env.area.title.text() == "Empfang"
            env.area.logout()
            env.login("desk-anna")
            env.area.retranslate()
            assert env.area.title.text() == "Empfang – desk-anna"
        finally:
            set_language("en")

    run_scenario(ui_loop, scenario())
