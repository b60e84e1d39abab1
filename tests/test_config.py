import os

import pytest

from kiosk.config import SettingsError, load_settings


def test_invalid_setting_names_the_setting(monkeypatch):
    monkeypatch.setenv("KIOSK_IDLE_TIMEOUT_S", "3")
    with pytest.raises(SettingsError) as exc:
        load_settings()
    assert "idle_timeout_s" in str(exc.value) and "KIOSK_IDLE_TIMEOUT_S" in str(exc.value)


def test_bad_url_is_one_clear_message(monkeypatch):
    monkeypatch.setenv("KIOSK_BASE_URL", "ftp://x")
    with pytest.raises(SettingsError, match="base_url.*http"):
        load_settings()


def test_api_key_from_file_and_credentials(tmp_path, monkeypatch):
    key = tmp_path / "key"
    key.write_text("s3cret-key\n")
    s = load_settings(api_key_file=key)
    assert s.api_key.get_secret_value() == "s3cret-key"
    assert "s3cret" not in repr(s) and "s3cret" not in str(s)
    cred = tmp_path / "creds"
    cred.mkdir()
    (cred / "kiosk_api_key").write_text("from-systemd")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(cred))
    assert load_settings().api_key.get_secret_value() == "from-systemd"


def test_missing_key_file_is_named(tmp_path):
    with pytest.raises(SettingsError, match="api_key_file"):
        load_settings(api_key_file=tmp_path / "nope")


def test_auth_header_styles():
    s = load_settings(api_key="k1", auth_header="ocp-apim")
    assert s.auth_headers() == {"Ocp-Apim-Subscription-Key": "k1"}
    assert load_settings(api_key="k1").auth_headers() == {"Authorization": "ApiKey k1"}


def test_toml_file(tmp_path, monkeypatch):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('venue_name = "Hotel Test"\nidle_timeout_s = 90\n')
    monkeypatch.setenv("KIOSK_CONFIG", str(cfg))
    s = load_settings()
    assert (s.venue_name, s.idle_timeout_s) == ("Hotel Test", 90)
    monkeypatch.setenv("KIOSK_IDLE_TIMEOUT_S", "120")
    assert load_settings().idle_timeout_s == 120  # environment wins over the file


def test_demo_defaults():
    s = load_settings(demo=True)
    assert s.api_key is not None and s.app_token


def test_every_setting_is_documented_in_the_readme():
    from pathlib import Path

    from kiosk.config import setting_fields

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    undocumented = [n for n in [f.name for f in setting_fields()] if f"`KIOSK_{n.upper()}`" not in readme]
    assert not undocumented, f"settings missing from the README table: {undocumented}"


def test_environment_values_are_typed_and_checked(monkeypatch):
    monkeypatch.setenv("KIOSK_VENUE_LOCATION_IDS", "LOC-1, LOC-2")
    monkeypatch.setenv("KIOSK_LANGUAGES", '["nl", "en", "nl"]')
    monkeypatch.setenv("KIOSK_HIGH_CONTRAST", "yes")
    monkeypatch.setenv("KIOSK_REQUEST_TIMEOUT_S", "2.5")
    monkeypatch.setenv("KIOSK_APP_TOKEN", "")
    s = load_settings()
    assert s.venue_location_ids == ["LOC-1", "LOC-2"]
    assert s.languages == ["nl", "en"]            # duplicates dropped, order kept
    assert s.high_contrast is True and s.request_timeout_s == 2.5 and s.app_token is None
    monkeypatch.setenv("KIOSK_HIGH_CONTRAST", "maybe")
    with pytest.raises(SettingsError, match="high_contrast.*true or false"):
        load_settings()


@pytest.mark.parametrize("overrides, match", [
    ({"venue_color": "green"}, "venue_color"),
    ({"languages": ["en", "es"]}, "languages.*one of"),
    ({"default_language": "fr", "languages": ["en", "nl"]}, "default_language.*not in languages"),
    ({"camera_fps": 0}, "camera_fps.*at least 1"),
    ({"request_timeout_s": 0}, "request_timeout_s.*greater than 0"),
    ({"idle_timout_s": 90}, "idle_timout_s.*not a setting"),
])
def test_bad_values_name_the_setting(overrides, match):
    with pytest.raises(SettingsError, match=match):
        load_settings(**overrides)


def test_unknown_key_in_the_file_is_named(tmp_path, monkeypatch):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('venue_nmae = "Typo"\n')
    monkeypatch.setenv("KIOSK_CONFIG", str(cfg))
    with pytest.raises(SettingsError, match="venue_nmae"):
        load_settings()
    cfg.write_text('venue_name = "unterminated\n')
    with pytest.raises(SettingsError, match="config file"):
        load_settings()


def test_replace_checks_and_records_what_was_given():
    s = load_settings(venue_name="A")
    assert "venue_name" in s.explicit and "room_payment" not in s.explicit
    t = s.replace(room_payment=True)
    assert t.room_payment and {"venue_name", "room_payment"} <= t.explicit and not s.room_payment
    with pytest.raises(SettingsError, match="idle_timeout_s"):
        s.replace(idle_timeout_s=1)


def test_secrets_never_print(tmp_path):
    s = load_settings(api_key="k-123456", payment_card="NL-GFX-C12345678-X", attendant_pin="4711")
    shown = repr(s) + str(s)
    assert not any(v in shown for v in ("k-123456", "C12345678", "4711"))
    assert set(s.secrets()) >= {"k-123456", "NL-GFX-C12345678-X", "4711"}



# -- issue 11: settings that are wrong but were accepted ----------------------------------------

@pytest.mark.parametrize("pin", ["abcd", "12", "12 34", "1234567890123", "١٢٣٤"])
def test_an_attendant_pin_the_keypad_cannot_type_is_refused(pin):
    with pytest.raises(SettingsError, match="attendant_pin.*digits"):
        load_settings(attendant_pin=pin)


def test_a_named_config_file_that_does_not_exist_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "kisok.toml"))      # a typo
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings()


@pytest.mark.parametrize("url", ["http://api.example.com", "http://10.0.0.5:8400", "http://kiosk-sim.local"])
def test_plain_http_only_to_this_machine(url):
    with pytest.raises(SettingsError, match="base_url.*https"):
        load_settings(base_url=url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8400", "http://localhost:8400", "http://[::1]:8400"])
def test_plain_http_to_loopback_is_fine(url):
    assert load_settings(base_url=url).base_url == url


def test_a_key_file_that_is_not_text_is_named(tmp_path):
    f = tmp_path / "key"
    f.write_bytes(b"\xff\xfe\x00k\x00e\x00y")
    with pytest.raises(SettingsError, match="api_key_file.*not UTF-8"):
        load_settings(api_key_file=f)


def test_a_port_out_of_range_is_named():
    with pytest.raises(SettingsError, match="base_url.*valid address"):
        load_settings(base_url="https://localhost:99999")


def test_doctor_with_a_port_out_of_range_says_so_without_a_traceback(monkeypatch):
    import subprocess
    import sys

    env = dict(os.environ, KIOSK_BASE_URL="https://localhost:99999")
    r = subprocess.run([sys.executable, "-m", "kiosk", "doctor"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode != 0
    assert "base_url" in r.stderr + r.stdout and "Traceback" not in r.stderr
