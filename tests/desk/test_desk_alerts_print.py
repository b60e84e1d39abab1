"""The desk's receipt printed to PDF (read back with poppler's ``pdftotext``) and its
PARKING alert, raised after the time set in the desk's settings tab, on the simulator's
virtual clock: the row highlighted, the banner saying what to do, the bell rung once."""

from __future__ import annotations

import asyncio
import shutil
import subprocess

from kiosk.core.format import kwh, money
from tests.desk.test_desk_start import free_row
from tests.plugins.desk import desk_login
from tests.plugins.ui import click, poll_until


async def start_at(w, row):
    w.table.select_id(row.id)
    click(w.start_panel.start_btn)
    await poll_until(lambda: w.start_panel.code.text(), timeout=20, what="the guest's code")
    return w.start_panel.last


async def pdf_text(path, *opts) -> str:
    """The PDF's text as poppler's pdftotext reads it (off the loop)."""
    assert shutil.which("pdftotext"), "pdftotext missing: apt-get install poppler-utils (make test does)"
    run = subprocess.run
    proc = await asyncio.to_thread(run, ["pdftotext", *opts, str(path), "-"], capture_output=True, text=True,
                                   check=True)
    return proc.stdout


def state_of(ctx, key):
    return next(e.state for e in ctx.sessions.active() if e.key == key)


def test_make_test_installs_pdftotext():
    """`make test` installs poppler-utils (Debian's pdftotext) for the receipt test below."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "system_libs", Path(__file__).resolve().parents[2] / "packaging" / "system_libs.py")
    sl = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sl)
    assert "poppler-utils" in sl.makefile_lists()["DEB_TEST_PACKAGES"]
    assert "libcups2" in sl.makefile_lists()["DEB_PACKAGES"]       # the desk prints through CUPS


def test_receipt_printed_to_pdf(desk_app, sim, ui_loop, tmp_path):
    async def scenario():
        app = desk_app(sim)
        ctx = await app.start()
        w = app.window
        await desk_login(w)
        res = await start_at(w, free_row(w))
        await poll_until(lambda: state_of(ctx, res.key) == "CHARGING", timeout=20, what="charging")
        sim.clock.advance(40 * 60)
        await ctx.sessions.refresh(res.key)
        await w.refresh()
        assert await w.stop(w.table.rows[res.key])
        for _ in range(60):
            sim.clock.advance(60)
            await ctx.sessions.refresh(res.key)
            if ctx.sessions.receipt(res.key, attendant=w.attendant).final:
                break
        # hotel billing numbers the finished session (its own gapless series)
        def numbered():
            r = ctx.sessions.receipt(res.key, attendant=w.attendant)
            return r if r.final and r.kiosk_receipt_number else None

        r = await poll_until(numbered, timeout=20, what="the receipt's number")
        await w.refresh()
        w.table.select_id(res.key)
        pdf = w.print_receipt(pdf=tmp_path / "receipt.pdf")
        assert pdf is not None and pdf.stat().st_size > 0
        text = await pdf_text(pdf, "-layout")
        number = r.kiosk_receipt_number or r.receipt_number
        assert number and number in text
        assert kwh(r.energy_kwh) in text
        total = r.guest_total_incl_vat if r.guest_total_incl_vat is not None else r.total_incl_vat
        vat = r.guest_vat if r.guest_vat is not None else r.total_vat
        cur = r.guest_currency or r.currency
        assert money(total, cur) in text and money(vat, cur) in text
        assert "VAT" in text and "Total" in text
        # the printing is audited (without the code)
        assert any(e.action == "print.receipt" and e.session_key == res.key
                   for e in ctx.sessions.journal.audit_entries(10))
        # the code slip: the guest's code in the guest's language on a narrow thermal page
        w.options.paper_width_mm = 80
        slip = w.print_code(pdf=tmp_path / "code.pdf")
        slip_text = await pdf_text(slip)
        assert res.code in slip_text

    ui_loop.run_until_complete(scenario())


def test_parking_alert_after_the_set_time(desk_app, sim_factory, ui_loop):
    sim = sim_factory(speed=1.0)          # the desk's clock is the service's: only advance() moves it

    async def scenario():
        app = desk_app(sim)
        ctx = await app.start()
        w = app.window
        await desk_login(w)
        # staff set the alert time in the desk's settings tab: 10 minutes
        w.actions_["settings"].trigger()
        settings = w.area.settings_screen
        settings.parking.setValue(10)
        click(settings.save)
        await poll_until(lambda: w.rt.get("desk_parking_alert_min") == 10, what="the setting saved")
        w.actions_["board"].trigger()
        row = free_row(w)
        sim.scenario.car(row.evse_uid, battery_kwh=10, soc=0.97)     # nearly full: PARKING soon
        res = await start_at(w, row)
        for _ in range(40):
            sim.clock.advance(60)
            await ctx.sessions.refresh(res.key)
            if state_of(ctx, res.key) == "PARKING":
                break
        assert state_of(ctx, res.key) == "PARKING"
        await w.refresh()
        assert w.table.rows[res.key].problem == "parked"           # parked, not yet too long
        assert not w.banner.isVisible() or w.banner.alert.kind != "parking"
        assert w.rung == 0 or all(a.kind != "parking" for a in w.alerts.current)
        sim.clock.advance(9 * 60)
        await ctx.sessions.refresh(res.key)
        await w.refresh()
        assert w.table.rows[res.key].problem == "parked"
        rung = w.rung
        sim.clock.advance(2 * 60)                                   # 11 minutes parked
        await ctx.sessions.refresh(res.key)
        await w.refresh()
        assert w.table.rows[res.key].problem == "parking"
        assert w.table.is_highlighted(res.key)
        assert "Parked too long" in w.table.row_texts(res.key)["state"]
        assert w.banner.isVisible() and w.banner.alert.kind == "parking"
        parked_min = int(w.table.rows[res.key].parked_s // 60)
        assert parked_min >= 10 and f"{parked_min} min" in w.banner.text.text()
        assert "move the car" in w.banner.text.text()
        # which bay, with its car park (two car parks may both have a "Bay 1"), as on the board
        bay, car_park = w.table.row_texts(res.key)["charger"].split("\n")
        assert f"{bay} \u00b7 {car_park}" in w.banner.text.text()
        # the shared PIN is no one's name: the status bar does not greet "attendant"
        assert "Logged in with the staff PIN" in w.status.text() and "attendant" not in w.status.text()
        assert w.rung == rung + 1                                   # the bell, once
        await w.refresh()
        assert w.rung == rung + 1                                   # not again for the same alert
        click(w.banner.show_btn)
        assert w.table.selected_id() == res.key
        click(w.banner.ack_btn)
        assert not w.banner.isVisible()
        assert w.table.is_highlighted(res.key)                      # still listed until it ends
        assert any(e.action == "alert.acknowledged" and e.session_key == res.key
                   for e in ctx.sessions.journal.audit_entries(10))

    ui_loop.run_until_complete(scenario())


def test_failed_start_and_unreachable_service_alerts(desk_app, sim, ui_loop):
    async def scenario():
        app = desk_app(sim)
        ctx = await app.start()
        w = app.window
        await desk_login(w)
        row = free_row(w)
        sim.scenario.no_car(row.evse_uid)              # nobody plugs in: the start times out
        res = await start_at(w, row)
        for _ in range(20):
            sim.clock.advance(60)
            await ctx.sessions.refresh(res.key)
            if state_of(ctx, res.key) == "TIMEOUT":
                break
        await w.refresh()
        assert w.table.rows[res.key].problem == "start_failed" and w.table.is_highlighted(res.key)
        assert w.banner.isVisible() and w.banner.alert.kind == "start_failed"
        assert "start failed" in w.banner.text.text()
        rung = w.rung
        # the service stops answering: an alert for the whole desk, said in the status bar too
        sim.faults.set("*", error_rate=1.0, error_status=503)
        await w.refresh()
        assert any(a.kind == "unreachable" for a in w.alerts.current)
        assert "not reachable" in w.status.text()
        assert w.rung == rung + 1
        sim.faults.clear()
        await w.refresh()
        assert not any(a.kind == "unreachable" for a in w.alerts.current)

    ui_loop.run_until_complete(scenario())
