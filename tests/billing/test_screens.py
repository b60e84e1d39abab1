"""Hotel billing at the real widgets over the simulator: the charger screen lists what the
guest pays with an example and who pays; a price that is not known is said plainly and,
when the venue forbids it, Start is not offered; the receipt shows the guest's total, the
kiosk's number and a QR that opens the venue's receipt page (an unguessable token)."""

import re

from tests.plugins.ui import click, poll_until, tap_keys


def free_bay(ctx):
    return next(b for b in ctx.venue.bays if b.status == "AVAILABLE")


def test_charger_lists_the_guest_price_and_the_receipt_opens_the_venues_page(kiosk_factory, sim, ui_loop):
    async def scenario():
        app = kiosk_factory(sim, room_payment=True, price_policy="own", own_price_per_kwh=0.35,
                            own_price_per_session=1.0, price_vat_percent=21.0,
                            receipt_url_template="https://hotel.example/charging/{token}", receipt_prefix="LOBBY")
        ctx = await app.start()
        sh = ctx.shell
        sh.screen("home").open_bay(free_bay(ctx))
        ch = sh.screen("charger")
        await poll_until(lambda: ch.details is not None, what="details")
        assert ch.tariff_title.text() == "What you pay"
        rows = [(icon.name, text.text()) for icon, text in ch.price_rows if not text.isHidden()]
        assert rows == [("lightning-bolt", "€0.424 per kWh"), ("ticket-outline", "€1.21 per session")]
        assert ch.example.text() == "A 2-hour charge of 20 kWh costs about €9.68."     # 20 x 0.4235 + 1.21
        sh.set_language("de")
        assert "0,424" in ch.price_text() and "kostet etwa 9,68" in ch.example.text()
        sh.set_language("en")
        click(ch.pay_room)
        room = sh.screen("room")
        tap_keys(room.keypad, "12B")
        click(room.keypad.ok_btn)
        await poll_until(lambda: sh.current_name() == "charger", what="the room accepted")
        assert ch.room_text.text() == "Room 12B: the price above goes on your room bill."
        click(ch.start)
        await poll_until(lambda: sh.current_name() == "started", 60, what="started")
        flow = ctx.flow
        await poll_until(lambda: flow.visit.view is not None and (flow.visit.view.energy_kwh or 0) > 0, 60,
                         what="energy")
        await ctx.sessions.stop(flow.visit.code)
        key, code = flow.visit.key, flow.visit.code
        await poll_until(lambda: ctx.sessions.receipt(key, code=code).kiosk_receipt_number is not None, 90,
                         what="kiosk receipt")
        rec = ctx.sessions.receipt(key, code=code)
        assert re.fullmatch(r"LOBBY-\d{4}-000001", rec.kiosk_receipt_number)
        assert rec.receipt_url.startswith("https://hotel.example/charging/")
        token = rec.receipt_url.rsplit("/", 1)[1]
        assert len(token) >= 20 and rec.kiosk_receipt_number not in rec.receipt_url
        rc = sh.screen("receipt")
        flow.visit.receipt = rec
        rc.draw(flow)
        assert rc.qr.data() == rec.receipt_url          # the venue's page, not the receipt as text
        assert rc.rows["number"][1].text() == rec.kiosk_receipt_number
        assert rc.rows["total"][1].text() == f"€{rec.guest_total_incl_vat}"
        assert rec.total_incl_vat is not None                # the operator's cost, kept beside it

    ui_loop.run_until_complete(scenario())


def test_unknown_price_is_said_plainly_and_the_venue_decides_about_start(kiosk_factory, sim_factory, ui_loop):
    sim = sim_factory(card_without_tariff=True)
    sim.scenario.default_token_card = True       # and no public price either

    async def scenario():
        for allowed in (True, False):
            app = kiosk_factory(sim, price_policy="margin_percent", price_margin=10.0, price_unknown_start=allowed,
                                payment_card="DEMO-CARD-0001", payment_external_ref=None)
            ctx = await app.start()
            sh = ctx.shell
            sh.screen("home").open_bay(free_bay(ctx))
            ch = sh.screen("charger")
            await poll_until(lambda: ch.details is not None, what="details")
            assert ch.details.guest_offer.unknown and ch.details.price_source is None
            if allowed:
                assert "not known before charging" in ch.tariff.text() and ch.start.isEnabled()
            else:
                assert ch.details.unusable == "PRICE_UNKNOWN" and not ch.start.isEnabled()
                assert "cannot be started here" in ch.reason.text() and ch.board.isVisible()
            await app.aclose()

    ui_loop.run_until_complete(scenario())


def test_without_a_template_the_qr_carries_the_receipt_in_the_guests_language(kiosk_factory, sim, ui_loop):
    from zoneinfo import ZoneInfo

    from kiosk.core.format import date_time
    from kiosk.i18n import Translator, set_language

    async def scenario():
        app = kiosk_factory(sim, price_policy="margin_percent", price_margin=10.0)
        ctx = await app.start()
        sh = ctx.shell
        sh.screen("home").open_bay(free_bay(ctx))
        ch = sh.screen("charger")
        await poll_until(lambda: ch.details is not None, what="details")
        click(ch.start)
        await poll_until(lambda: sh.current_name() == "started", 60, what="started")
        flow = ctx.flow
        key, code = flow.visit.key, flow.visit.code
        await poll_until(lambda: flow.visit.view is not None and (flow.visit.view.energy_kwh or 0) > 0, 60,
                         what="energy")
        await ctx.sessions.stop(code)
        await poll_until(lambda: ctx.sessions.receipt(key, code=code).kiosk_receipt_number is not None, 90,
                         what="kiosk receipt")
        rec = ctx.sessions.receipt(key, code=code)
        assert rec.receipt_url is None
        set_language("nl")
        rc = sh.screen("receipt")
        flow.visit.receipt = rec
        rc.draw(flow)
        lines = rc.qr.data().splitlines()
        assert lines[0] == f"kiosk:receipt:v1:{rec.kiosk_receipt_number}"
        assert lines[1] == Translator("payload")("Charging receipt", lang="nl")
        start = date_time(rec.started_at, ZoneInfo("Europe/Amsterdam"))
        assert any(line.endswith(start) for line in lines)            # the venue's time zone
        total = rc.rows["total"][1].text()
        assert any(line.endswith(total) for line in lines) and "€" in total
        set_language("en")

    ui_loop.run_until_complete(scenario())
