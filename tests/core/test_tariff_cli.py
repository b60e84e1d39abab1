"""``kiosk tariff quote`` / ``kiosk tariff describe`` as support staff use them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kiosk.cli import main

DATA = Path(__file__).parent / "data" / "tariffs"
ROOT = Path(__file__).resolve().parents[2]


def write_profile(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


STEP_PROFILE = {
    "start": "2026-11-23T16:55",
    "time_zone": "Europe/Amsterdam",
    "periods": [{"minutes": 10, "kwh": 2, "power_kw": 12}, {"parking": True, "minutes": 2}],
}


def test_quote_prints_lines_adjustments_and_totals(tmp_path, capsys):
    profile = write_profile(tmp_path, STEP_PROFILE)
    rc = main(["tariff", "quote", "--tariff", str(DATA / "tariff_14_step_size.json"), "--profile", str(profile)])
    out = capsys.readouterr().out
    assert rc == 0
    lines = out.splitlines()
    time_rows = [ln for ln in lines if ln.strip().startswith("TIME ")]
    assert len(time_rows) == 2
    assert "1.20/h" in time_rows[0] and "16:55-17:00" in time_rows[0]
    assert "2.40/h" in time_rows[1] and "17:00-17:05" in time_rows[1]
    parking = next(ln for ln in lines if ln.strip().startswith("PARKING_TIME"))
    assert "0:15:00 h" in parking and "round-up of 0:13:00 h" in parking
    assert "PARKING_TIME: 2 min rounded up to 15 min" in out
    assert "TIME not rounded: parking follows charging" in out
    assert "Total excl. VAT    EUR 0.55" in out
    assert "Total incl. VAT    EUR 0.55" in out


def test_quote_json(tmp_path, capsys):
    profile = write_profile(tmp_path, {
        "start": "2026-11-23T10:00:00+01:00",
        "periods": [{"hours": 2, "kwh": 20}, {"parking": True, "minutes": 40}],
    })
    rc = main(["tariff", "quote", "--tariff", str(DATA / "tariff_10_025kwh_parking_start.json"),
               "--profile", str(profile), "--json"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["excl_vat"], data["incl_vat"], data["vat"]) == ("7.00", "7.90", "0.90")
    assert [ln["dimension"] for ln in data["lines"]] == ["FLAT", "ENERGY", "PARKING_TIME"]
    parking = data["lines"][2]
    assert (parking["quantity"], parking["rounded_up"], parking["excl_vat"]) == ("0.75", "0.0833333333", "1.5")
    assert data["profile"]["energy_kwh"] == "20"
    assert data["profile"]["parking_seconds"] == "2400"


def test_quote_with_a_charge_assist_item_and_its_future_tariff(tmp_path, capsys):
    profile = write_profile(tmp_path, {
        "start": "2026-11-23T21:00", "time_zone": "Europe/Amsterdam",
        "periods": [{"hours": 2, "kwh": 20}],
    })
    rc = main(["tariff", "quote", "--tariff", str(DATA / "ca_wallet_item_future.json"),
               "--profile", str(profile), "--json"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert data["incl_vat"] == "7.00"
    energy = [ln for ln in data["lines"] if ln["dimension"] == "ENERGY"]
    assert [(ln["tariff_id"], ln["unit_price_incl_vat"], ln["quantity"]) for ln in energy] == [
        ("tariff", "0.35", "10"),
        ("futureTariffs[0]", "0.25", "10"),
    ]


def test_describe_in_german(capsys):
    rc = main(["tariff", "describe", "--tariff", str(DATA / "tariff_9_025kwh_start.json"), "--lang", "de",
               "--at", "2026-11-24T10:00"])
    out = capsys.readouterr().out.splitlines()
    assert rc == 0
    assert out[0] == "0,60\xa0€ pro Ladevorgang, 0,275\xa0€ pro kWh, inklusive MwSt."
    assert out[1] == "eine Ladung von 2 Stunden mit 20 kWh kostet etwa 6,10\xa0€"


def test_unreadable_inputs_give_a_message_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    profile = write_profile(tmp_path, STEP_PROFILE)
    assert main(["tariff", "quote", "--tariff", str(bad), "--profile", str(profile)]) == 2
    assert "bad.json is not valid JSON" in capsys.readouterr().err
    assert main(["tariff", "quote", "--tariff", str(tmp_path / "missing.json"), "--profile", str(profile)]) == 2
    assert "cannot read" in capsys.readouterr().err
    no_tariff = tmp_path / "none.json"
    no_tariff.write_text(json.dumps({"tariff": None, "validity": "NOT_COMPATIBLE"}), encoding="utf-8")
    assert main(["tariff", "quote", "--tariff", str(no_tariff), "--profile", str(profile)]) == 2
    assert "NOT_COMPATIBLE" in capsys.readouterr().err
    wrong_profile = write_profile(tmp_path, {"periods": []})
    assert main(["tariff", "quote", "--tariff", str(DATA / "tariff_1_simple_2hour.json"),
                 "--profile", str(wrong_profile)]) == 2
    assert "not a charging profile" in capsys.readouterr().err


def test_real_command_line_entry_point(tmp_path):
    profile = write_profile(tmp_path, STEP_PROFILE)
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "tariff", "quote", "--tariff", str(DATA / "tariff_14_step_size.json"),
         "--profile", str(profile), "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["excl_vat"] == "0.55"
