"""``kiosk api ...`` and ``kiosk doctor`` against the simulator, through kiosk.cli.main."""

from __future__ import annotations

import json
import time

import pytest

from kiosk.cli import main
from tests.api.flows import CARD

TOKEN = "cli-test-venue-3"


@pytest.fixture
def env(sim, monkeypatch, tmp_path):
    """Settings from the environment, as an integrator would set them."""
    for name, value in {
        "KIOSK_BASE_URL": sim.base_url,
        "KIOSK_API_KEY": sim.api_key,
        "KIOSK_APP_TOKEN": TOKEN,
        "KIOSK_PAYMENT_CARD": CARD,
        "KIOSK_DATA_DIR": str(tmp_path / "data"),
        "KIOSK_REQUEST_TIMEOUT_S": "5",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    return sim


def kiosk(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def add_valid_card(capsys) -> str:
    code, out, _ = kiosk(capsys, "api", "add-card", CARD, "--json")
    assert code == 0
    card_id = json.loads(out)["id"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        wallet = json.loads(kiosk(capsys, "api", "wallet", "--json")[1])
        if wallet[0]["verificationStatus"] == "VALID":
            return card_id
        time.sleep(0.05)
    raise AssertionError("card never became VALID")


def test_register_wallet_and_card_numbers_stay_masked(env, capsys):
    code, out, _ = kiosk(capsys, "api", "register")
    assert code == 0 and "appToken registered" in out
    code, out, _ = kiosk(capsys, "api", "add-card", CARD)
    assert code == 0
    assert "card …78-X added" in out and "PENDING" in out
    assert "C12345678" not in out
    code, out, _ = kiosk(capsys, "api", "wallet")
    assert code == 0 and "CHARGE_CARD" in out and "C12345678" not in out


def test_json_output_is_the_apis_json(env, capsys):
    kiosk(capsys, "api", "register")
    code, out, _ = kiosk(capsys, "api", "location", env.venue.location_ids[0], "--json")
    assert code == 0
    data = json.loads(out)
    assert data["id"] == env.venue.location_ids[0]
    assert {"evses", "branding", "name"} <= data.keys()
    assert "evseUid" not in data and data["evses"][0]["uid"]  # camelCase as sent, not snake_case
    code, out, _ = kiosk(capsys, "api", "availability", *env.venue.location_ids, "--json")
    assert code == 0
    assert {a["id"] for a in json.loads(out)} == set(env.venue.location_ids)


def test_qr_location_tariff_in_text(env, capsys):
    kiosk(capsys, "api", "register")
    add_valid_card(capsys)
    evse = env.venue.evses[0]
    code, out, _ = kiosk(capsys, "api", "qr", env.venue.qr_urls()[0])
    assert code == 0 and evse.location_id in out and evse.evse_uid in out
    code, out, _ = kiosk(capsys, "api", "location", evse.location_id, "--evse", evse.evse_uid)
    assert code == 0 and f"EVSE {evse.evse_uid}" in out and "connector" in out
    code, out, _ = kiosk(capsys, "api", "tariff", evse.location_id, evse.evse_uid)
    assert code == 0 and "VALID" in out and "ENERGY" in out and "per kWh" in out
    code, out, _ = kiosk(capsys, "api", "qr", "https://example.com/not-a-charger")
    assert code == 0 and "not a valid charger QR code" in out


def test_start_status_stop_sessions(env, capsys):
    kiosk(capsys, "api", "register")
    add_valid_card(capsys)
    evse = env.venue.evses[1]
    code, out, _ = kiosk(capsys, "api", "start", evse.location_id, evse.evse_uid, "--json")
    assert code == 0
    session_id = json.loads(out)["chargeSessionId"]
    code, out, _ = kiosk(capsys, "api", "status", session_id)
    assert code == 0 and f"session {session_id}:" in out
    code, out, _ = kiosk(capsys, "api", "stop", session_id)
    assert code == 0 and any(s in out for s in ("STOPPING", "COMPLETED", "CDR_AVAILABLE", "CANCELLED"))
    code, out, _ = kiosk(capsys, "api", "sessions", "--json")
    assert code == 0 and [s["chargeSessionId"] for s in json.loads(out)] == [session_id]
    code, out, _ = kiosk(capsys, "api", "sessions", "--status", "CHARGING")
    assert code == 0 and session_id not in out


def test_errors_print_the_apis_message_and_exit_non_zero(env, capsys, monkeypatch):
    kiosk(capsys, "api", "register")
    code, out, err = kiosk(capsys, "api", "location", "nl-gfx-nope")
    assert code == 1 and out == ""
    assert "Location not found" in err and "404" in err
    code, _, err = kiosk(capsys, "api", "add-card", "NOT-A-CARD")
    assert code == 1 and "not a valid charge card number" in err
    code, _, err = kiosk(capsys, "api", "status", "no-such-session")
    assert code == 1 and "Session not found" in err
    monkeypatch.setenv("KIOSK_API_KEY", "wrong-key-123")
    code, _, err = kiosk(capsys, "api", "wallet")
    assert code == 1 and "Access denied" in err and "wrong-key-123" not in err


def test_lost_start_says_it_may_have_taken_effect(env, capsys):
    kiosk(capsys, "api", "register")
    card_id = add_valid_card(capsys)
    env.faults.set("POST /session/start", drop_after_action=True, times=1)
    evse = env.venue.evses[3]
    code, _, err = kiosk(capsys, "api", "start", evse.location_id, evse.evse_uid, "--payment", card_id)
    assert code == 1
    assert "may have taken effect" in err and "kiosk api sessions" in err


def test_unreachable_service_is_an_error_not_a_crash(env, capsys, monkeypatch):
    monkeypatch.setenv("KIOSK_BASE_URL", "http://127.0.0.1:9")
    code, _, err = kiosk(capsys, "api", "wallet")
    assert code == 1 and "connection failed" in err


def test_bounding_box_all_pages(env, capsys):
    code, out, _ = kiosk(capsys, "api", "bbox", "50", "3", "54", "8", "--page-size", "2", "--json")
    assert code == 0 and len(json.loads(out)) == 2
    code, out, _ = kiosk(capsys, "api", "bbox", "50", "3", "54", "8", "--page-size", "2", "--all", "--json")
    ids = [s["id"] for s in json.loads(out)]
    assert code == 0 and len(ids) > 2 and set(env.venue.location_ids) <= set(ids)
    code, out, _ = kiosk(capsys, "api", "nearby", "52.3512", "4.9037")
    assert code == 0 and env.venue.location_ids[0] in out


def test_verbose_logs_requests_without_secrets(env, capsys):
    import logging

    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    root.handlers[:] = []  # as in a terminal: no pytest handler, so the CLI adds its console one
    try:
        code, _, err = kiosk(capsys, "api", "register", "-v")
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
    assert code == 0
    assert "PUT /token/*** -> 200" in err
    assert TOKEN not in err and env.api_key not in err


def test_doctor_all_ok(env, capsys):
    kiosk(capsys, "api", "register")
    add_valid_card(capsys)
    code, out, _ = kiosk(capsys, "doctor")
    assert code == 0, out
    assert "FAIL" not in out
    assert "All checks passed" in out
    for title in ("API key", "appToken", "Charge Assist service", "Venue payment method in wallet", "Data directory"):
        assert title in out
    assert "C12345678" not in out and TOKEN not in out


def test_doctor_registers_an_unknown_token_and_fails_without_the_card(env, capsys):
    code, out, _ = kiosk(capsys, "doctor", "--json")
    checks = {c["key"]: c for c in json.loads(out)}
    assert code == 1
    assert checks["token"]["level"] == "WARN" and "registered it now" in checks["token"]["detail"]
    assert checks["wallet"]["level"] == "FAIL" and "add-card" in checks["wallet"]["detail"]
    assert checks["service"]["level"] == "OK"
    code, out, _ = kiosk(capsys, "doctor", "--json")  # now registered
    assert {c["key"]: c for c in json.loads(out)}["token"]["level"] == "OK"


def test_doctor_without_key_and_service_down(env, capsys, monkeypatch):
    monkeypatch.delenv("KIOSK_API_KEY")
    monkeypatch.delenv("KIOSK_PAYMENT_CARD")
    monkeypatch.setenv("KIOSK_BASE_URL", "http://127.0.0.1:9")
    code, out, _ = kiosk(capsys, "doctor")
    assert code == 1
    lines = out.splitlines()
    assert any(line.startswith("FAIL") and "API key" in line for line in lines)
    assert any(line.startswith("FAIL") and "Venue payment method" in line for line in lines)
    assert any(line.startswith("FAIL") and "Charge Assist service" in line and "no answer" in line for line in lines)
    assert any(line.startswith("SKIP") and "appToken registration" in line for line in lines)
    assert "problem(s) to fix" in out


def test_external_payment_add_and_remove(env, capsys):
    kiosk(capsys, "api", "register")
    env.scenario.external_payments = False
    code, _, err = kiosk(capsys, "api", "add-external", "ROOM-204")
    assert code == 1 and "not enabled" in err
    env.scenario.external_payments = True
    code, out, _ = kiosk(capsys, "api", "add-external", "ROOM-204", "--name", "Room 204", "--json")
    assert code == 0
    method = json.loads(out)
    assert method["type"] == "EXTERNAL" and method["externalPaymentMethodId"] == "ROOM-204"
    code, out, _ = kiosk(capsys, "api", "remove-payment", method["id"])
    assert code == 0 and f"payment method {method['id']} removed" in out
    code, out, _ = kiosk(capsys, "api", "wallet")
    assert code == 0 and out.strip() == "the wallet is empty"
    code, _, err = kiosk(capsys, "api", "remove-payment", method["id"])
    assert code == 1 and "404" in err
