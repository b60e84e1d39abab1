"""The journal on both backends (SQLite, a venue's PostgreSQL): one open session per EVSE,
crash-consistent writes, audit, persisted values, receipt numbers, schema versions."""

import os
import subprocess
import sys
import threading

import pytest

from kiosk.core.journal import EvseBusy, Journal
from kiosk.core.session import State
from tests.plugins.postgres import open_test_journal


def _intent(j, evse="EVSE-1", **kw):
    return j.create_intent(location_id="LOC", evse_uid=evse, connector_id="1", payment_method_id="pm", **kw)


def test_second_start_on_same_evse_is_refused(journal_backend):
    j = open_test_journal(journal_backend)
    a = _intent(j)
    with pytest.raises(EvseBusy) as ei:
        _intent(j)
    assert ei.value.key == a.key
    _intent(j, evse="EVSE-2")  # another EVSE is fine
    # once the first one ended the EVSE is free again
    j.record_started(a.key, "CS-1")
    j.update(a.key, state=State.COMPLETED, event="status")
    b = _intent(j)
    assert b.key != a.key
    assert b.key in {r.key for r in j.sessions(open_only=True)}
    assert a.key not in {r.key for r in j.sessions(open_only=True)}


def test_second_process_cannot_start_on_the_same_evse(journal_backend):
    j = open_test_journal(journal_backend)
    _intent(j)
    code = (
        "import os, sys\nfrom kiosk.core.journal import open_journal, EvseBusy\n"
        f"j = open_journal({str(journal_backend['target'])!r}, password=os.environ.get('PGTEST_PASSWORD'))\n"
        "try:\n    j.create_intent(location_id='LOC', evse_uid='EVSE-1', connector_id='1', payment_method_id='pm')\n"
        "except EvseBusy:\n    sys.exit(3)\n"
    )
    env = dict(os.environ, PGTEST_PASSWORD=journal_backend["password"] or "")
    assert subprocess.run([sys.executable, "-c", code], timeout=60, env=env).returncode == 3


def test_rows_survive_reopen_and_events_are_kept(journal_backend):
    j = open_test_journal(journal_backend)
    a = _intent(j, tag="room 12", code_hash="scrypt$x")
    j.mark_ambiguous(a.key, "timeout")
    j.close()
    j2 = open_test_journal(journal_backend)
    row = j2.get(a.key)
    assert row.start_phase == "ambiguous" and row.tag == "room 12" and row.state == State.PENDING
    assert [e[2] for e in j2.events(a.key)] == ["intent", "ambiguous"]
    j2.close_not_started(a.key, "not found")
    assert j2.get(a.key).state == State.NOT_STARTED and not j2.get(a.key).open
    assert j2.sessions(not_final=True) == []


def test_adoption_and_foreign_sessions(journal_backend):
    j = open_test_journal(journal_backend)
    a = _intent(j)
    j.mark_ambiguous(a.key, "timeout")
    j.record_started(a.key, "CS-9", adopted=True)
    row = j.by_charge_session_id("CS-9")
    assert row.key == a.key and row.adopted and row.start_phase == "confirmed"
    # a running session nobody owns: recorded once, and not on an EVSE that has an open row
    assert j.record_foreign(charge_session_id="CS-X", location_id="LOC", evse_uid="EVSE-1", connector_id="1",
                            state=State.CHARGING) is None
    f = j.record_foreign(charge_session_id="CS-Y", location_id="LOC", evse_uid="EVSE-3", connector_id="1",
                         state=State.CHARGING)
    assert f.start_phase == "foreign" and j.open_on_evse("EVSE-3").key == f.key


def test_audit_and_kv(journal_backend):
    j = open_test_journal(journal_backend)
    j.audit("desk", "session.stop", "k1", "guest left")
    j.audit("desk", "pin.change")
    e = j.audit_entries()
    assert [x.action for x in e] == ["pin.change", "session.stop"]
    assert e[1].session_key == "k1" and e[1].detail == "guest left"
    j.kv_set("lock", {"failures": 4})
    j.kv_set("lock", {"failures": 5})
    assert j.kv_get("lock") == {"failures": 5} and j.kv_get("nope") is None
    j.kv_set("setting:prices", {"a": 1})
    assert j.kv_prefixed("setting:") == {"setting:prices": {"a": 1}}


def test_receipt_numbers_are_gapless_across_writers(journal_backend):
    """Four writers (four screens of a venue, or threads on one file) finishing sessions at
    once take numbers 1..N of one series without a gap or a duplicate; a session keeps its
    number when finished again."""
    journals = [open_test_journal(journal_backend) for _ in range(4)]
    keys = [_intent(journals[0], evse=f"E{i}").key for i in range(24)]
    errors = []

    def finish(j, mine):
        try:
            for k in mine:
                j.issue_receipt(k, series="K1", year=2026, token="t" + k, basis="final", guest={})
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=finish, args=(j, keys[i::4] + keys[(i + 1) % 4::4]))
               for i, j in enumerate(journals)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    rows = journals[1].receipt_rows(series="K1")
    assert sorted(r["seq"] for r in rows) == list(range(1, 25))
    assert len({r["key"] for r in rows}) == 24


def test_schema_versions_are_recorded(journal_backend):
    j = open_test_journal(journal_backend)
    versions = [r["version"] for r in j.schema_versions()]
    assert versions == [1, 2]


def test_a_newer_compatible_schema_is_used_and_an_incompatible_one_refused(journal_backend):
    from kiosk.core.journal import MIGRATIONS, JournalUnavailable, Migration

    nxt = Migration(3, 2, "a column the next release adds",
                    ("ALTER TABLE sessions ADD COLUMN plate TEXT",), ("ALTER TABLE sessions ADD COLUMN plate TEXT",))
    newer = open_test_journal(journal_backend, migrations=(*MIGRATIONS, nxt))
    a = _intent(newer)
    newer.close()
    old = open_test_journal(journal_backend)        # this release on the next one's database
    assert old.get(a.key).key == a.key
    _intent(old, evse="EVSE-2")
    old.close()
    breaking = Migration(4, 4, "drops something", ("CREATE TABLE x4 (a TEXT)",), ("CREATE TABLE x4 (a TEXT)",))
    open_test_journal(journal_backend, migrations=(*MIGRATIONS, nxt, breaking)).close()
    with pytest.raises(JournalUnavailable) as ei:
        open_test_journal(journal_backend)
    assert ei.value.reason == "schema"


def test_poll_leases(journal_backend):
    j = open_test_journal(journal_backend)
    a = _intent(j, origin="A", lease_s=30)
    assert j.lease_holder(a.key)[0] == "A"
    assert not j.lease_acquire(a.key, "B", 30)       # A holds it
    assert j.unleased() == []
    assert j.lease_acquire(a.key, "A", 0.01)         # A renews it (short)
    import time

    time.sleep(0.05)
    assert j.unleased() == [a.key]                   # A is gone
    assert j.lease_acquire(a.key, "B", 30) and j.lease_holder(a.key)[0] == "B"
    assert j.lease_renew("A", 30) == set()
    assert j.lease_renew("B", 30) == {a.key}


def test_wal_mode(tmp_path):
    j = Journal(tmp_path / "j.sqlite3")
    assert j._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_journal_of_the_release_before_the_version_table_is_upgraded_in_place(tmp_path):
    """Today's kiosks have a SQLite journal without schema_version: it opens, gets versions
    1 and 2 recorded, and its rows stay as they were."""
    import sqlite3

    from kiosk.core.journal import MIGRATIONS

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    for stmt in MIGRATIONS[0].sqlite:
        db.execute(stmt)
    db.execute("INSERT INTO sessions (key, created_at, location_id, evse_uid, connector_id, payment_method_id,"
               " charge_session_id, start_phase, state, known_state, updated_at) VALUES"
               " ('k1', '2026-11-01T10:00:00+00:00', 'L', 'E', '1', 'pm', 'CS1', 'confirmed', 'CHARGING', 'CHARGING',"
               " '2026-11-01T10:00:00+00:00')")
    db.commit()
    db.close()
    j = Journal(path)
    assert [r["version"] for r in j.schema_versions()] == [1, 2]
    row = j.get("k1")
    assert row.charge_session_id == "CS1" and row.state == State.CHARGING and row.origin is None
    with pytest.raises(EvseBusy):
        _intent(j, evse="E")
