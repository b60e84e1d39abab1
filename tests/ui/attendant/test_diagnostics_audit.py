"""Diagnostics and audit screens through the real widgets."""

import csv
import io
import logging

from kiosk.config import load_settings
from kiosk.logsetup import register_secret, ring, setup_logging
from kiosk.scan import ScanWorker, SyntheticSource, make_decoder
from kiosk.ui.attendant import _doctor_checks
from tests.plugins.attendant import run_scenario, APP_TOKEN, wait_until


def test_diagnostics_shows_doctor_checks_logs_version_and_live_test_scan(qtbot, ui_loop, sim, desk_factory,
                                                                          tmp_path):
    settings = load_settings(base_url=sim.base_url, api_key="demo-key", app_token=APP_TOKEN,
                             data_dir=tmp_path / "data0", log_dir=tmp_path / "logs", camera="synthetic")
    payloads = sim.venue.qr_urls()[:2]
    workers = []

    def scan_factory(on_code, on_state):
        w = ScanWorker(SyntheticSource(payloads, width=640, height=480, fps=15, hold_s=0.6, gap_s=0.2),
                       decoder=make_decoder("zxing"), confirmations=2, on_code=on_code, on_state=on_state)
        workers.append(w)
        return w

    async def scenario():
        env = desk_factory(sim, scan_factory=scan_factory)
        env.services.checks = _doctor_checks(settings, env.client)
        env.area.diagnostics_screen.checks_fn = env.services.checks
        setup_logging("INFO", console=False)
        register_secret("demo-key")
        logging.getLogger("kiosk.test").warning("diagnostics probe with key demo-key inside")
        env.login()
        d = env.area.diagnostics_screen
        env.area.tabs.setCurrentWidget(d)
        await wait_until(lambda: d.table.rowCount() >= 5, timeout=15, what="checks listed")
        names = [d.table.item(r, 0).text() for r in range(d.table.rowCount())]
        verdicts = {d.table.item(r, 0).text(): d.table.item(r, 1).text() for r in range(d.table.rowCount())}
        assert "Charge Assist service" in names and "Session journal" in names and "Disk space" in names
        assert verdicts["Charge Assist service"] == "OK"
        # the service going down is seen on the next run
        sim.faults.set("GET /servicestatus", error_rate=1.0, error_status=503)
        d.run_btn.click()
        await wait_until(lambda: any(d.table.item(r, 0).text() == "Charge Assist service"
                                     and d.table.item(r, 1).text() == "Problem" for r in range(d.table.rowCount())),
                         timeout=20, what="service problem shown")
        assert d.message.is_error
        sim.faults.clear()
        # log lines are the ring buffer's, redacted
        logs = d.logs.toPlainText()
        assert "diagnostics probe" in logs and "demo-key" not in logs
        assert len(logs.splitlines()) <= 200
        assert "Version" in d.version.text()
        # test scan: the camera's decodes appear live, and stopping it ends the worker thread
        d.scan_btn.click()
        await wait_until(lambda: set(d.decodes) >= set(payloads), timeout=20, what="decodes")
        assert d.scan_list.count() >= 2
        d.scan_btn.click()
        assert d.worker is None
        assert not workers[0].running

    try:
        run_scenario(ui_loop, scenario())
    finally:
        for w in workers:
            w.stop(timeout=1.0)
        logging.getLogger().removeHandler(ring)


def test_audit_view_lists_and_exports_who_did_what(qtbot, ui_loop, sim, desk_factory):
    async def scenario():
        env = desk_factory(sim)
        await env.client.register_token()
        env.login("desk-frank")
        env.sessions.audit("desk-frank", "session.stop", "k-123", "reason: Charger fault")
        a = env.area.audit_screen
        env.area.tabs.setCurrentWidget(a)
        await wait_until(lambda: a.table.rowCount() >= 2, what="audit rows")
        rows = [[a.table.item(r, c).text() for c in range(4)] for r in range(a.table.rowCount())]
        # actions in words (the code on hover and in the CSV), in the language on screen
        assert ["desk-frank", "Session stopped: reason: Charger fault", "k-123"] == rows[0][1:]
        assert a.table.item(0, 2).toolTip() == "session.stop"
        assert any(r[2] == "Staff logged in" for r in rows)
        env.sessions.audit("attendant", "settings.change", None, "idle_timeout_s: 60 -> 90")   # the shared PIN
        await a.refresh()
        assert [a.table.item(0, c).text() for c in (1, 2)] == ["Staff PIN",
                                                                "Settings changed: idle_timeout_s: 60 -> 90"]
        from kiosk.i18n import set_language

        try:
            set_language("de")
            env.area.retranslate()
            assert [a.table.item(0, c).text() for c in (1, 2)] == ["Personal-PIN",
                                                                    "Einstellungen geändert: idle_timeout_s: 60 -> 90"]
        finally:
            set_language("en")
            env.area.retranslate()
        a.export_btn.click()
        await wait_until(lambda: a.last_export is not None, what="export")
        data = list(csv.DictReader(io.StringIO(a.last_export.read_text(encoding="utf-8-sig"))))
        assert {"time_utc", "actor", "action", "session", "detail"} == set(data[0])
        assert "attendant" in {r["actor"] for r in data}          # the CSV keeps the codes
        stop = next(r for r in data if r["action"] == "session.stop")
        assert (stop["actor"], stop["session"], stop["detail"]) == ("desk-frank", "k-123", "reason: Charger fault")
        # the export itself is audited
        assert env.sessions.audit_log(env.area.attendant)[0].action == "audit.export"

    run_scenario(ui_loop, scenario())


def test_diagnostics_list_each_check_once_in_the_language_on_screen(qtbot, ui_loop, sim, desk_factory, tmp_path):
    """In Dutch the doctor's "Sessiejournaal" was not recognised as the journal check (it was
    matched by the English word "journal") and the journal was listed twice; the titles stayed
    in the language of the run after a switch."""
    from kiosk.i18n import set_language

    settings = load_settings(base_url=sim.base_url, api_key="demo-key", app_token=APP_TOKEN,
                             data_dir=tmp_path / "data0", log_dir=tmp_path / "logs", camera="none")

    async def scenario():
        env = desk_factory(sim)
        env.services.checks = _doctor_checks(settings, env.client)
        d = env.area.diagnostics_screen
        d.checks_fn = env.services.checks
        d.journal_path = settings.journal_path()
        d.data_dir = settings.data_dir
        env.login()
        try:
            set_language("nl")
            env.area.tabs.setCurrentWidget(d)
            d.run_btn.click()

            def names():
                return [d.table.item(r, 0).text() for r in range(d.table.rowCount())]
            await wait_until(lambda: "Sessiejournaal" in names() and "Schijfruimte" in names(), timeout=15,
                             what="Dutch checks")
            assert len(names()) == len(set(names())), names()
            set_language("fr")
            env.area.retranslate()              # what the shell does on a switch (no new run)
            assert "Espace disque" in names(), names()
            details = [d.table.item(r, 2).text() for r in range(d.table.rowCount())]
            assert any(t.endswith(" Mo libres") for t in details), details      # the disk's detail too
            assert "Journal des sessions" in names(), names()
            assert "Sessiejournaal" not in names() and "Schijfruimte" not in names(), names()
        finally:
            set_language("en")

    run_scenario(ui_loop, scenario())
