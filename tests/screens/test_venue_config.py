"""Settings and checks of a venue's shared journal: the password never in the URL or a log
line, doctor names the database and what is wrong with it."""

from __future__ import annotations

import logging

import pytest

from kiosk.config import SettingsError, load_settings


def test_a_password_in_the_url_is_refused_without_repeating_it():
    with pytest.raises(SettingsError) as ei:
        load_settings(journal_url="postgresql://kiosk:s3cret-pw@db.local/kiosk")
    assert "s3cret-pw" not in str(ei.value)


def test_the_password_comes_from_a_file_or_the_credential_and_is_a_secret(tmp_path, monkeypatch):
    (tmp_path / "pw").write_text("from-file\n")
    s = load_settings(journal_url="postgresql://kiosk@db.local/kiosk", journal_password_file=tmp_path / "pw")
    assert s.journal_password() == "from-file" and "from-file" in s.secrets()
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "kiosk_journal_password").write_text("from-systemd")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    assert load_settings(journal_url="postgresql://kiosk@db.local/kiosk").journal_password() == "from-systemd"
    assert load_settings().journal_target() == load_settings().journal_path()   # no URL: SQLite


def test_doctor_names_the_venue_database_and_says_when_it_is_away(pg_db, tmp_path, caplog):
    from kiosk.doctor import Level, _journal_check

    (tmp_path / "pw").write_text(pg_db.password)
    s = load_settings(journal_url=pg_db.url, journal_password_file=tmp_path / "pw")
    ok = _journal_check(s)
    assert ok.level == Level.OK and "schema version 2" in ok.detail
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password")
    with caplog.at_level(logging.DEBUG):
        bad = _journal_check(load_settings(journal_url=pg_db.url, journal_password_file=wrong))
    assert bad.level == Level.FAIL and "not-the-password" not in bad.detail
    assert pg_db.password not in caplog.text and "not-the-password" not in caplog.text
