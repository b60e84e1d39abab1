"""The journal: one open session per EVSE, crash-consistent writes, audit, persisted values."""

import subprocess
import sys

import pytest

from kiosk.core.journal import EvseBusy, Journal
from kiosk.core.session import State


def _intent(j, evse="EVSE-1", **kw):
    return j.create_intent(location_id="LOC", evse_uid=evse, connector_id="1", payment_method_id="pm", **kw)


def test_second_start_on_same_evse_is_refused(tmp_path):
    j = Journal(tmp_path / "j.sqlite3")
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
    assert [r.key for r in j.sessions(open_only=True)] == [b.key] or {r.key for r in j.sessions(open_only=True)} >= {b.key}


def test_second_process_cannot_start_on_the_same_evse(tmp_path):
    path = tmp_path / "j.sqlite3"
    j = Journal(path)
    _intent(j)
    code = (
        "import sys\nfrom kiosk.core.journal import Journal, EvseBusy\n"
        f"j = Journal({str(path)!r})\n"
        "try:\n    j.create_intent(location_id='LOC', evse_uid='EVSE-1', connector_id='1', payment_method_id='pm')\n"
        "except EvseBusy:\n    sys.exit(3)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 3


def test_rows_survive_reopen_and_events_are_kept(tmp_path):
    path = tmp_path / "j.sqlite3"
    j = Journal(path)
    a = _intent(j, tag="room 12", code_hash="scrypt$x")
    j.mark_ambiguous(a.key, "timeout")
    j.close()
    j2 = Journal(path)
    row = j2.get(a.key)
    assert row.start_phase == "ambiguous" and row.tag == "room 12" and row.state == State.PENDING
    assert [e[2] for e in j2.events(a.key)] == ["intent", "ambiguous"]
    j2.close_not_started(a.key, "not found")
    assert j2.get(a.key).state == State.NOT_STARTED and not j2.get(a.key).open
    assert j2.sessions(not_final=True) == []


def test_audit_and_kv(tmp_path):
    j = Journal(tmp_path / "j.sqlite3")
    j.audit("desk", "session.stop", "k1", "guest left")
    j.audit("desk", "pin.change")
    e = j.audit_entries()
    assert [x.action for x in e] == ["pin.change", "session.stop"]
    assert e[1].session_key == "k1" and e[1].detail == "guest left"
    j.kv_set("lock", {"failures": 4})
    j.kv_set("lock", {"failures": 5})
    assert j.kv_get("lock") == {"failures": 5} and j.kv_get("nope") is None


def test_wal_mode(tmp_path):
    j = Journal(tmp_path / "j.sqlite3")
    assert j._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
