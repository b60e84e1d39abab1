"""Wallet and settings screens through the real widgets against the simulator; a wallet
change is what the next guest start uses."""

from PySide6.QtCore import Qt

from kiosk.services.attendant import RuntimeSettings, bind_venue_payment
from kiosk.services.venue import VenueService
from tests.plugins.attendant import run_scenario, CARD, venue_evses, wait_until, wallet_with_card


def find_row(table, text, col=0):
    return next((r for r in range(table.rowCount()) if text in table.item(r, col).text()), -1)


def test_wallet_screen_change_is_used_by_the_next_start(qtbot, ui_loop, sim, desk_factory):
    async def scenario():
        env = desk_factory(sim)
        card = await wallet_with_card(env.client, sim)
        venue = VenueService(env.client, location_ids=list(sim.venue.location_ids))
        bind_venue_payment(env.services.runtime, venue, configured_id=None)
        # before: the wallet's default (the card) pays
        assert await venue.venue_payment_method() == card
        env.login("desk-dave")
        w = env.area.wallet_screen
        env.area.tabs.setCurrentWidget(w)
        await wait_until(lambda: w.table.rowCount() == 1, what="wallet listed")
        assert "Verified" in w.table.item(0, 2).text()
        assert CARD not in w.table.item(0, 0).text()          # masked
        # add the venue's folio as an external reference through the form
        qtbot.keyClicks(w.ext_ref, "FOLIO-2201")
        qtbot.keyClicks(w.ext_name, "Hotel folio")
        qtbot.mouseClick(w.add_ext_btn, Qt.MouseButton.LeftButton)
        await wait_until(lambda: w.table.rowCount() == 2, what="external added")
        r = find_row(w.table, "FOLIO-2201")
        assert r >= 0 and w.table.item(r, 1).text() == "External reference"
        # make it the venue default
        w.table.selectRow(r)
        qtbot.mouseClick(w.default_btn, Qt.MouseButton.LeftButton)
        await wait_until(lambda: "now paid with" in w.message.text(), what="default chosen")
        await wait_until(lambda: w.table.item(find_row(w.table, "FOLIO-2201"), 3).text() == "Yes", what="marked")
        folio = next(e.id for e in w.entries if "FOLIO-2201" in e.label)
        # the next guest start pays with the folio: the service's own record says so
        (a,) = venue_evses(sim, 1)
        pm = await venue.venue_payment_method()
        started = await env.sessions.start(a.location_id, a.evse_uid, a.connector_ids[0], pm, tag="Room 5")
        hist = await env.client.session_history(charge_session_id=started.session.charge_session_id)
        assert [h.payment_method.id for h in hist] == [folio]
        # persisted: a restart of the kiosk still uses it
        assert RuntimeSettings(env.services.runtime.path).payment_method_id == folio
        actions = [e.action for e in env.sessions.audit_log(env.area.attendant)]
        assert "wallet.add_external" in actions and "wallet.set_default" in actions

    run_scenario(ui_loop, scenario())


def test_wallet_screen_adds_a_card_masked_and_explains_refusals(qtbot, ui_loop, sim, desk_factory):
    async def scenario():
        env = desk_factory(sim)
        await env.client.register_token()
        env.login()
        w = env.area.wallet_screen
        env.area.tabs.setCurrentWidget(w)
        qtbot.keyClicks(w.card_number, "NL-GFX-C87654321-Q")
        qtbot.mouseClick(w.add_card_btn, Qt.MouseButton.LeftButton)
        await wait_until(lambda: w.table.rowCount() == 1, what="card added")
        assert w.card_number.text() == ""                       # the number left the screen
        assert "still verifying" in w.message.text()
        assert "NL-GFX-C87654321-Q" not in w.table.item(0, 0).text()
        assert w.table.item(0, 2).text() == "Waiting for verification"
        sim.clock.advance(10)
        w.refresh_btn.click()
        await wait_until(lambda: w.table.item(0, 2).text() == "Verified", what="verified")
        # a wrong number is refused with a message saying what to do
        qtbot.keyClicks(w.card_number, "12")
        w.add_card_btn.click()
        await wait_until(lambda: w.message.is_error, what="refusal")
        assert "number printed on the card" in w.message.text()
        # removing without a choice says what to do; removing the card works
        w.table.clearSelection()
        w.remove_btn.click()
        await wait_until(lambda: "Choose a payment method" in w.message.text(), what="hint")
        w.table.selectRow(0)
        w.remove_btn.click()
        await wait_until(lambda: w.table.rowCount() == 0, what="removed")
        assert await env.client.wallet() == []

    run_scenario(ui_loop, scenario())


def test_settings_screen_applies_without_restart_and_persists(qtbot, ui_loop, sim, desk_factory):
    from kiosk.ui.attendant import connect_shell
    from kiosk.ui.shell import Shell

    async def scenario():
        env = desk_factory(sim)
        shell = Shell(idle_timeout_s=60)
        qtbot.addWidget(shell)
        shell.allow_close()
        shell.add_screen("attendant", env.area)
        connect_shell(shell, env.area)
        shell.show()
        env.login("desk-eve")
        shell.show_screen("attendant")
        s = env.area.settings_screen
        env.area.tabs.setCurrentWidget(s)
        await wait_until(lambda: s.payment.count() >= 1, what="settings loaded")
        s.idle.setValue(120)
        s.language.setCurrentIndex(s.language.findData("de"))
        s.contrast.setChecked(True)
        s.save.click()
        await wait_until(lambda: "Saved" in s.message.text(), what="saved")
        # applied at once to the running shell
        assert shell.idle_timeout_s == 120
        assert shell.default_language == "de"
        assert shell.high_contrast is True
        # persisted: a new process reads the same values
        again = RuntimeSettings(env.services.runtime.path, {"idle_timeout_s": 60})
        assert (again.idle_timeout_s, again.default_language, again.high_contrast) == (120, "de", True)
        assert any(e.action == "settings.change" and "idle_timeout_s=120" in e.detail
                   for e in env.sessions.audit_log(env.area.attendant))
        # back to the configuration file
        s.revert.click()
        await wait_until(lambda: shell.idle_timeout_s == 60 and shell.high_contrast is False, what="reverted")
        assert s.idle.value() == 60

    run_scenario(ui_loop, scenario())
