"""Issue 11: a full disk, a Pi without a clock, a damaged journal, a failed start, a
triple tap. Over real HTTP against the simulator; the disk tests use a small tmpfs (root
ignores permissions and uses reserved blocks, a tmpfs does neither)."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.core.journal import JournalUnavailable
from kiosk.services.sessions import StartFailed, StartPending
from tests.plugins.sessions import wait_for


class Clock:
    def __init__(self, offset_s: float = 0.0) -> None:
        self.offset = timedelta(seconds=offset_s)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def _count_stops(sim) -> dict[str, int]:
    counts: dict[str, int] = {}
    real = sim.state.stop

    def counting(s, now):
        counts[s.id] = counts.get(s.id, 0) + 1
        real(s, now)
    sim.state.stop = counting
    return counts


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs (root only: CI runs as root); yields (path, fill, read_only)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs")
    mnt = tmp_path / "disk"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")

    def fill() -> None:
        fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass
        finally:
            os.close(fd)

    def read_only() -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)

    try:
        yield mnt, fill, read_only
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_a_full_disk_blocks_neither_the_stop_nor_the_attendant(charge_env, small_disk):
    mnt, fill, _ro = small_disk
    env = charge_env()
    evse = env.evses()[0]
    stops = _count_stops(env.sim)

    async def scenario():
        async with env.client() as client:
            svc = env.service(client, journal_path=mnt / "journal.sqlite3")
            st = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            await wait_for(lambda: svc.attach_known(st.code).state == "CHARGING")
            fill()
            with pytest.raises(sqlite3.OperationalError):     # the disk really is full
                svc.journal.audit("test", "probe")
            view = await svc.stop(st.code)                   # the guest's stop
            assert view.key == st.session.key
            assert stops == {svc.attach_known(st.code).charge_session_id: 1}
            await wait_for(lambda: svc.attach_known(st.code).has_ended, timeout=30)
            att = await asyncio.to_thread(svc.attendant_login, "2468")   # staff get in
            assert att.name == "attendant" and svc.auth.write_errors > 0
            # a new start is refused with a message, before anything is sent
            other = env.evses()[1]
            with pytest.raises(StartFailed, match="cannot record"):
                await svc.start(other.location_id, other.evse_uid, other.connectors[0].id, env.pm_id)
            await svc.aclose()

    env.run(scenario)


def test_a_full_or_read_only_data_folder_is_named_not_a_traceback(tmp_path, small_disk):
    mnt, fill, read_only = small_disk
    fill()
    with pytest.raises(JournalUnavailable) as ei:
        from kiosk.core.journal import Journal
        Journal(mnt / "journal.sqlite3")
    assert ei.value.reason == "full"
    subprocess.run(["rm", "-f", str(mnt / "filler")], check=True)
    read_only()
    with pytest.raises(JournalUnavailable) as ei:
        Journal(mnt / "journal.sqlite3")
    assert ei.value.reason == "read_only"


def test_kiosk_doctor_says_the_data_disk_is_full(tmp_path, small_disk, monkeypatch):
    from kiosk.config import load_settings
    from kiosk.doctor import Level, _journal_check

    mnt, fill, _ro = small_disk
    fill()
    check = _journal_check(load_settings(data_dir=mnt))
    assert check.level is Level.FAIL and "MB free" in check.detail and "free some space" in check.detail


def test_recovery_never_sleeps_on_a_clock_that_came_back_behind(charge_env):
    """A Pi without a real-time clock: power cut during a start, the clock comes back an
    hour behind the journal. Recovery must not wait for the difference (it waited 3,610 s)."""
    env = charge_env()
    evse = env.evses()[0]
    slept: list[float] = []

    async def recording_sleep(s: float) -> None:
        slept.append(s)

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            # the start was sent, then the power went: the intent has no answer
            row = svc.journal.create_intent(location_id=evse.location_id, evse_uid=evse.evse_uid,
                                            connector_id=evse.connectors[0].id, payment_method_id=env.pm_id)
            svc.journal.mark_ambiguous(row.key, "power cut")
            await svc.aclose()
            behind = env.service(client, clock=Clock(-3600), sleep=recording_sleep)
            t0 = asyncio.get_running_loop().time()
            await behind.resume_all()
            assert asyncio.get_running_loop().time() - t0 < 10
            assert max(slept, default=0) <= behind.starter.settle_s
            assert behind.registry.sessions[row.key].lifecycle.is_final   # resolved: never started
            await behind.aclose()

    env.run(scenario)


def test_a_failed_start_never_adopts_another_session(charge_env):
    """Right after launch (no server time known yet) a start answered by a 502 that did
    nothing must not adopt a session of this month on that charger the journal does not own."""
    env = charge_env()
    evse = env.evses()[0]

    async def scenario():
        async with env.client() as client:
            # someone else's session on that charger earlier today, not in this journal
            started = await client.start_session(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            env.sim.clock.advance(600)
            await client.stop_session(started.charge_session_id)
            env.sim.clock.advance(600)
        async with env.client() as client:
            svc = env.service(client)
            env.sim.faults.set("POST /session/start", error_rate=1.0, error_status=502, times=1)
            with pytest.raises(StartFailed):
                await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            assert not any(r.charge_session_id == started.charge_session_id for r in svc.journal.sessions())
            await svc.aclose()

    env.run(scenario)


def test_one_bad_row_does_not_stop_the_kiosk(charge_env):
    env = charge_env()
    a, b = env.evses()[:2]

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            sa = await svc.start(a.location_id, a.evse_uid, a.connectors[0].id, env.pm_id)
            sb = await svc.start(b.location_id, b.evse_uid, b.connectors[0].id, env.pm_id)
            await wait_for(lambda: svc.attach_known(sa.code).state == "CHARGING")
            await svc.aclose()
            db = sqlite3.connect(env.journal_path)
            db.execute("UPDATE sessions SET state='WARP_SPEED' WHERE key=?", (sa.session.key,))
            db.execute("UPDATE sessions SET observations_json='{not json', created_at='yesterday' WHERE key=?",
                       (sb.session.key,))
            db.execute("INSERT OR REPLACE INTO kv (name, value) VALUES ('attendant_lockout', "
                       "'{\"failures\": 2, \"locked_until\": \"soon\"}')")
            db.execute("INSERT OR REPLACE INTO kv (name, value) VALUES ('guess:evse:x', '{broken')")
            db.commit()
            db.close()
            svc2 = env.service(client)                        # starts: no exception
            await svc2.resume_all()
            await wait_for(lambda: svc2.registry.sessions[sa.session.key].lifecycle.state == "CHARGING", 20)
            assert svc2.registry.sessions[sb.session.key].charge_session_id
            assert len(svc2.journal.quarantine_entries()) >= 2
            assert (await asyncio.to_thread(svc2.attendant_login, "2468")).name == "attendant"
            await svc2.aclose()

    env.run(scenario)


def test_a_damaged_journal_is_moved_aside_and_its_running_session_comes_back_as_owner_unknown(charge_env):
    env = charge_env()
    evse = env.evses()[0]

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            st = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            await wait_for(lambda: svc.attach_known(st.code).state == "CHARGING")
            await svc.aclose()
            env.journal_path.write_bytes(b"this is not a database" * 100)
            svc2 = env.service(client)                        # no raw DatabaseError
            assert svc2.journal.damaged_copy is not None and svc2.journal.damaged_copy.exists()
            await svc2.resume_all()
            unknown = [r for r in svc2.journal.sessions() if r.start_phase == "foreign"]
            assert [r.evse_uid for r in unknown] == [evse.evse_uid]
            with pytest.raises(StartPending):                 # that charger is busy, not free
                await svc2.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            await svc2.aclose()

    env.run(scenario)


def test_a_lost_wal_forgets_no_running_session(charge_env):
    """The journal loses its last writes (a -wal file lost in a power cut): the session
    started since runs on; the next start on that charger must not be sent."""
    env = charge_env()
    evse = env.evses()[0]
    starts = []

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            await svc.aclose()
            before = env.journal_path.read_bytes()           # the journal before the start
            svc = env.service(client)
            st = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            await wait_for(lambda: svc.attach_known(st.code).state == "CHARGING")
            await svc.aclose()
            for p in Path(env.journal_path).parent.glob("journal.sqlite3*"):
                p.unlink()
            Path(env.journal_path).write_bytes(before)          # the start's writes are gone
            svc2 = env.service(client)
            await svc2.resume_all()
            real = client.start_session

            async def counting(*a, **kw):
                starts.append(a)
                return await real(*a, **kw)
            client.start_session = counting
            with pytest.raises(StartPending):
                await svc2.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            assert starts == []
            await svc2.aclose()

    env.run(scenario)


def test_a_triple_tapped_stop_sends_one_request(charge_env):
    env = charge_env()
    evse = env.evses()[0]
    stops = _count_stops(env.sim)

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            st = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            await wait_for(lambda: svc.attach_known(st.code).state == "CHARGING")
            env.sim.faults.set("POST /session/stop", latency_s=0.3)
            await asyncio.gather(svc.stop(st.code), svc.stop(st.code), svc.stop(st.code))
            await svc.stop(st.code)
            assert list(stops.values()) == [1]
            await svc.aclose()

    env.run(scenario)


def test_memory_holds_a_bounded_number_of_ended_sessions_however_fast_guests_come():
    """Issue 11: memory grew with every guest (every ended session stayed in memory for a
    day, with its tasks, receipts and price). Ended sessions now leave memory once off the
    board or beyond the newest ``memory_max``; every per-session owner is told."""
    from kiosk.core.estimate import EstimateTracker
    from kiosk.core.session import Lifecycle, State
    from kiosk.services.sessions.live import Live, Registry

    now = datetime(2026, 12, 5, 12, tzinfo=UTC)
    reg = Registry(clock=lambda: now, tz="Europe/Amsterdam", memory_s=600, load_row=lambda key: None,
                   memory_max=50)
    told: set[str] = set()
    reg.on_forget(told.update)

    def live(i: int, state: State, ended_s_ago: float | None) -> Live:
        lv = Live(key=f"k{i:03d}", location_id="L", evse_uid=f"E{i % 8}", connector_id="1", tag=None,
                  code_hash="h", created_at=now - timedelta(hours=1), charge_session_id=f"cs{i}",
                  start_phase="started", lifecycle=Lifecycle(state=state, known=state),
                  tracker=EstimateTracker(tz="Europe/Amsterdam"))
        if ended_s_ago is not None:
            lv.finished_local = now - timedelta(seconds=ended_s_ago)
        return reg.add(lv)

    for i in range(80):                       # 80 guests in the last five minutes
        live(i, State.CDR_AVAILABLE, ended_s_ago=300 - i)
    running = [live(100 + i, State.CHARGING, None) for i in range(3)]
    old = live(200, State.CDR_AVAILABLE, ended_s_ago=700)          # off the board
    reg.forget_old()
    kept = {lv.key for lv in reg.values()}
    assert {lv.key for lv in running} <= kept                       # running ones always stay
    assert len(kept - {lv.key for lv in running}) == 50             # the newest 50 ended ones
    assert {f"k{i:03d}" for i in range(30, 80)} <= kept
    assert told == {f"k{i:03d}" for i in range(30)} | {old.key}     # and every owner heard which left
