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
    assert "s3cret" not in repr(s) and "s3cret" not in str(s.model_dump())
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

    from kiosk.config import Settings

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    undocumented = [n for n in Settings.model_fields if f"`KIOSK_{n.upper()}`" not in readme]
    assert not undocumented, f"settings missing from the README table: {undocumented}"
