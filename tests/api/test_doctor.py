"""kiosk.doctor.run_checks: the structured results the attendant diagnostics screen reuses."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from kiosk.api import ChargeAssistClient, models
from kiosk.api.wallet import card_matches, find_payment_method
from kiosk.config import load_settings
from kiosk.doctor import ACCEPTANCE_GATEWAY, Level, format_report, has_failures, run_checks
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
        "service": Level.OK, "token": Level.OK, "wallet": Level.OK, "data_dir": Level.OK, "journal": Level.OK,
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


# --- the right door: the other header style, the same base URL ---------------------------

class Recording(httpx.AsyncHTTPTransport):
    """A real transport that remembers where each request went and which key header it carried."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        style = "ocp-apim" if "ocp-apim-subscription-key" in request.headers else (
            "authorization" if "authorization" in request.headers else "none")
        self.sent.append((f"{request.url.scheme}://{request.url.netloc.decode()}", style))
        return await super().handle_async_request(request)


def doctor_against(sim, tmp_path, **kw):
    s = load_settings(base_url=sim.base_url, api_key=kw.pop("api_key", sim.api_key), app_token="doctor-door",
                      payment_card=CARD, data_dir=tmp_path / "data", **kw)
    transport = Recording()

    async def go():
        async with ChargeAssistClient.from_settings(s, transport=transport) as c:
            return await run_checks(s, c)

    return {c.key: c for c in asyncio.run(go())}, transport.sent, s


@pytest.mark.parametrize(("accepts", "configured"), [("ocp-apim", "authorization"), ("authorization", "ocp-apim")])
def test_on_401_the_other_header_style_is_tried_and_named(sim_factory, tmp_path, caplog, accepts, configured):
    sim = sim_factory(auth_style=accepts)
    caplog.set_level(logging.DEBUG)
    checks, sent, s = doctor_against(sim, tmp_path, auth_header=configured)
    detail = checks["token"].detail
    assert checks["token"].level is Level.FAIL
    assert f'set auth_header = "{accepts}"' in detail and f"KIOSK_AUTH_HEADER={accepts}" in detail
    assert {where for where, _style in sent} == {sim.base_url}  # the same base URL, nothing else
    assert (sim.base_url, accepts) in sent  # the other style was tried there
    report = format_report(list(checks.values()))
    assert sim.api_key not in report and sim.api_key not in caplog.text


def test_a_refused_key_names_the_gateway_but_never_sends_the_key_there(sim_factory, tmp_path, caplog):
    sim = sim_factory(api_key="the-right-key")
    caplog.set_level(logging.DEBUG)
    checks, sent, s = doctor_against(sim, tmp_path, api_key="a-wrong-key-1234")
    detail = checks["token"].detail
    assert "both header styles" in detail and ACCEPTANCE_GATEWAY in detail and 'auth_header = "ocp-apim"' in detail
    assert {where for where, _style in sent} == {sim.base_url}
    assert not any("azure-api.net" in where for where, _style in sent)
    assert "a-wrong-key-1234" not in format_report(list(checks.values())) and "a-wrong-key-1234" not in caplog.text


def test_the_right_header_gives_no_advice(sim_factory, tmp_path):
    sim = sim_factory(auth_style="ocp-apim")
    checks, sent, _s = doctor_against(sim, tmp_path, auth_header="ocp-apim")
    assert checks["token"].level in (Level.OK, Level.WARN) and "auth_header" not in checks["token"].detail
    assert {style for _w, style in sent} <= {"ocp-apim", "none"}  # only the configured style was sent
