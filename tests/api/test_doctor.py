"""kiosk.doctor.run_checks: the structured results the attendant diagnostics screen reuses."""

from __future__ import annotations

import asyncio

import pytest

from kiosk.api import models
from kiosk.api.wallet import card_matches, find_payment_method
from kiosk.config import load_settings
from kiosk.doctor import Level, format_report, has_failures, run_checks
from tests.api.fakeapi import BASE, KEY, TOKEN, FakeApi, reply

CARD = "NL-GFX-C12345678-X"


def settings(tmp_path, **kw):
    kw.setdefault("api_key", KEY)
    kw.setdefault("app_token", TOKEN)
    kw.setdefault("payment_card", CARD)
    kw.setdefault("data_dir", tmp_path / "data")
    return load_settings(base_url=BASE, **kw)


def healthy(wallet: list[dict]) -> FakeApi:
    return (FakeApi()
            .on("GET", "/servicestatus", reply(200))
            .on("GET", f"/v2.1/token/{TOKEN}", reply(200, {"appToken": TOKEN}))
            .on("GET", f"/payment/{TOKEN}/wallet", reply(200, {"data": wallet})))


def checks_for(api: FakeApi, s) -> dict[str, object]:
    async def go():
        async with api.client() as c:
            return await run_checks(s, c)

    return {c.key: c for c in asyncio.run(go())}


def card(status: str, hint: str = "****678X") -> dict:
    return {"id": "pm-1", "type": "CHARGE_CARD", "cardHint": hint, "verificationStatus": status}


def test_ready_kiosk_passes_every_check(tmp_path):
    checks = checks_for(healthy([card("VALID")]), settings(tmp_path))
    assert {k: c.level for k, c in checks.items()} == {
        "settings.api_key": Level.OK, "settings.app_token": Level.OK, "settings.payment": Level.OK,
        "service": Level.OK, "token": Level.OK, "wallet": Level.OK, "data_dir": Level.OK,
    }
    report = format_report(list(checks.values()))
    assert report.splitlines()[-1] == "All checks passed: the kiosk is ready."
    assert "C12345678" not in report and KEY not in report and TOKEN not in report


@pytest.mark.parametrize(("status", "level"), [("PENDING", Level.WARN), ("INVALID", Level.FAIL), ("VALID", Level.OK)])
def test_wallet_card_state(tmp_path, status, level):
    checks = checks_for(healthy([card(status)]), settings(tmp_path))
    assert checks["wallet"].level is level
    assert status in checks["wallet"].detail


def test_card_missing_from_wallet_fails_with_what_to_do(tmp_path):
    checks = checks_for(healthy([card("VALID", hint="****999Z")]), settings(tmp_path))
    assert checks["wallet"].level is Level.FAIL
    assert "kiosk api add-card" in checks["wallet"].detail
    assert has_failures(list(checks.values()))


def test_external_reference_is_found(tmp_path):
    wallet = [{"id": "pm-ext", "type": "EXTERNAL", "externalPaymentMethodId": "HOTEL-PSP-1", "isValid": True}]
    s = settings(tmp_path, payment_card=None, payment_external_ref="HOTEL-PSP-1")
    assert checks_for(healthy(wallet), s)["wallet"].level is Level.OK


def test_service_unavailable_and_unauthorised(tmp_path):
    api = healthy([card("VALID")]).on("GET", "/servicestatus", reply(503, "maintenance"))
    checks = checks_for(api, settings(tmp_path))
    assert checks["service"].level is Level.FAIL and "unavailable" in checks["service"].detail
    api = (FakeApi().on("GET", "/servicestatus", reply(200))
           .on("GET", f"/v2.1/token/{TOKEN}", reply(401, "Access denied"))
           .on("GET", f"/payment/{TOKEN}/wallet", reply(401, "Access denied")))
    checks = checks_for(api, settings(tmp_path))
    assert checks["token"].level is Level.FAIL and "API key was refused" in checks["token"].detail


def test_unknown_token_is_registered(tmp_path):
    api = healthy([card("VALID")])
    api.on("GET", f"/v2.1/token/{TOKEN}", reply(404, {"message": "AppToken not found"}))
    api.on("PUT", f"/token/{TOKEN}", reply(200, {"data": [{"appToken": TOKEN}]}))
    checks = checks_for(api, settings(tmp_path))
    assert checks["token"].level is Level.WARN
    assert len(api.calls("PUT", f"/token/{TOKEN}")) == 1


def test_missing_settings_fail_and_network_checks_are_skipped(tmp_path):
    s = settings(tmp_path, api_key=None, app_token=None, payment_card=None)
    checks = checks_for(healthy([]), s)
    assert checks["settings.api_key"].level is Level.FAIL
    assert checks["settings.app_token"].level is Level.FAIL
    assert checks["settings.payment"].level is Level.FAIL
    assert checks["token"].level is Level.SKIP and checks["wallet"].level is Level.SKIP


def test_data_dir_that_is_a_file_fails(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    checks = checks_for(healthy([card("VALID")]), settings(tmp_path, data_dir=not_a_dir / "sub"))
    assert checks["data_dir"].level is Level.FAIL and "not writable" in checks["data_dir"].detail


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("****678X", True), ("…678-X", True), ("NL-GFX-C12345678-X", True), ("NLGFXC12345678X", True),
     ("****679X", False), ("**8X", False), ("", False), (None, False)],
)
def test_card_hint_matching(hint, expected):
    assert card_matches(hint, CARD) is expected


def test_explicit_payment_method_id_wins():
    wallet = [models.PaymentMethodModel(id="a", card_hint="****678X"), models.PaymentMethodModel(id="b")]
    assert find_payment_method(wallet, payment_method_id="b", card_visual=CARD).id == "b"
    assert find_payment_method(wallet, card_visual=CARD).id == "a"
