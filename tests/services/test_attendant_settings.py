"""Runtime settings staff change in the attendant area: validated, persisted in the data
dir, applied at once to listeners, and still there after a restart."""

import json

import pytest

from kiosk.config import load_settings
from kiosk.services.attendant import RuntimeSettingError, RuntimeSettings


def test_defaults_come_from_the_configuration(tmp_path):
    settings = load_settings(data_dir=tmp_path, idle_timeout_s=90, default_language="de", high_contrast=True,
                             desk_parking_alert_min=20)
    rt = RuntimeSettings.from_settings(settings)
    assert rt.as_dict() == {"idle_timeout_s": 90, "default_language": "de", "payment_method_id": None,
                            "high_contrast": True, "guest_price": None, "price_unknown_start": True,
                            "desk_parking_alert_min": 20}
    with pytest.raises(RuntimeSettingError):
        rt.update(desk_parking_alert_min=0)


def test_change_is_announced_persisted_and_survives_restart(tmp_path):
    rt = RuntimeSettings(tmp_path / "rt.json", {"idle_timeout_s": 60})
    seen = []
    rt.subscribe(seen.append)
    changed = rt.update(idle_timeout_s="120", default_language="fr")
    assert changed == {"idle_timeout_s": 120, "default_language": "fr"}
    assert seen == [changed]
    assert rt.idle_timeout_s == 120
    # a restart reads the file; the configuration's value does not win over a staff choice
    again = RuntimeSettings(tmp_path / "rt.json", {"idle_timeout_s": 60, "default_language": "en"})
    assert again.idle_timeout_s == 120 and again.default_language == "fr"
    # no change: no announcement
    assert rt.update(idle_timeout_s=120) == {}
    assert len(seen) == 1


@pytest.mark.parametrize("name,value", [("idle_timeout_s", 5), ("idle_timeout_s", "abc"),
                                        ("default_language", "xx"), ("high_contrast", "maybe")])
def test_bad_values_are_refused_and_nothing_changes(tmp_path, name, value):
    rt = RuntimeSettings(tmp_path / "rt.json")
    before = rt.as_dict()
    with pytest.raises(RuntimeSettingError) as exc:
        rt.update(**{"high_contrast": True, name: value} if name != "high_contrast" else {"idle_timeout_s": 30, name: value})
    assert exc.value.name == name and str(exc.value)
    assert rt.as_dict() == before
    assert not (tmp_path / "rt.json").exists()


def test_reset_returns_to_configuration_and_corrupt_file_is_ignored(tmp_path):
    path = tmp_path / "rt.json"
    rt = RuntimeSettings(path, {"high_contrast": False})
    rt.update(high_contrast=True)
    assert json.loads(path.read_text())["high_contrast"] is True
    assert rt.reset() == {"high_contrast": False}
    path.write_text("{not json")
    assert RuntimeSettings(path, {"high_contrast": False}).high_contrast is False
