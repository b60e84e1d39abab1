"""Guest ownership and attendant PIN, through the session service over real HTTP."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from kiosk.services.sessions import AttendantLocked, NotAllowed, WrongCode, WrongPin
from tests.plugins.sessions import wait_for


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_wrong_code_can_neither_view_nor_stop(charge_env):
    env = charge_env()
    evse = env.evses()[0]

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            st = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id, tag="AB-123-C")
            await wait_for(lambda: svc.attach_known(st.code).state == "CHARGING")
            bad = _wrong(st.code)
            with pytest.raises(WrongCode):
                await svc.attach(bad, evse.evse_uid)
            with pytest.raises(WrongCode):
                svc.attach_known(bad)
            with pytest.raises(WrongCode):
                await svc.stop(bad)
            with pytest.raises(NotAllowed):
                svc.receipt(st.session.key)
            with pytest.raises(WrongCode):
                svc.receipt(st.session.key, code=bad)
            with pytest.raises(NotAllowed):  # a forged attendant object is refused
                from kiosk.services.sessions import Attendant
                await svc.attendant_stop(st.session.key, Attendant("x", datetime.now(UTC), "forged"), "test")
            # still charging: nothing was stopped
            await svc.refresh(st.session.key)
            assert (await svc.attach(st.code, evse.evse_uid)).state == "CHARGING"
            status = await client.session_status(svc.attach_known(st.code).charge_session_id)
            assert status.status == "CHARGING"
            # the board never carries guest data
            entry = svc.active()[0]
            assert "AB-123-C" not in repr(entry) and st.code not in repr(entry)
            await svc.aclose()

    env.run(scenario)


def test_guessing_at_one_charger_locks_that_charger_only(charge_env):
    """Issue 11: a guesser at one charger never refuses the guests of other chargers; the
    rightful guest of the charger being guessed is told how else to stop; a restart resets
    nothing."""
    env = charge_env()
    a, b = env.evses()[:2]
    clock = FakeClock()

    async def scenario():
        async with env.client() as client:
            svc = env.service(client, clock=clock)
            sa = await svc.start(a.location_id, a.evse_uid, a.connectors[0].id, env.pm_id)
            sb = await svc.start(b.location_id, b.evse_uid, b.connectors[0].id, env.pm_id)
            await svc.aclose()
            svc = env.service(client, clock=clock)      # a restart: no code is known, each is hashed
            bad = _wrong(sa.code)
            for _ in range(5):
                with pytest.raises(WrongCode, match="does not match"):
                    await svc.attach(bad, a.evse_uid)
            with pytest.raises(WrongCode, match="Too many") as ei:
                await svc.attach(bad, a.evse_uid)
            assert "unplug the cable" in str(ei.value) and "front desk" in str(ei.value)
            with pytest.raises(WrongCode, match="Too many"):       # the rightful guest waits too ...
                await svc.attach(sa.code, a.evse_uid)
            assert (await svc.attach(sb.code, b.evse_uid)).key == sb.session.key   # ... not the next charger's
            await svc.aclose()
            svc2 = env.service(client, clock=clock)   # a restart does not reset it
            with pytest.raises(WrongCode, match="Too many"):
                await svc2.attach(sa.code, a.evse_uid)
            clock.now += timedelta(minutes=20)
            assert (await svc2.attach(sa.code, a.evse_uid)).key == sa.session.key
            # a code never opens another charger's session
            with pytest.raises(WrongCode):
                await svc2.attach(sa.code, b.evse_uid)
            await svc2.aclose()

    env.run(scenario)


def test_a_session_gets_at_most_20_guesses_a_day_across_restarts(charge_env, monkeypatch):
    """A patient guesser who waits out every delay (and sees the kiosk restart now and then)
    gets 20 guesses a day at a session, not ~500; the rightful guest's code still works the
    next day."""
    import kiosk.services.sessions.codes as codes_mod

    hashed: list[str] = []
    real = codes_mod.verify_code
    monkeypatch.setattr(codes_mod, "verify_code", lambda c, h: hashed.append(c) or real(c, h))
    env = charge_env()
    evse = env.evses()[0]
    clock = FakeClock()

    async def scenario():
        async with env.client() as client:
            svc = env.service(client, clock=clock)
            st = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            guesses = (f"{n:06d}" for n in range(1000) if f"{n:06d}" != st.code)
            for i in range(60):                          # a guess every 15 minutes for 15 hours
                with pytest.raises(WrongCode):
                    await svc.attach(next(guesses), evse.evse_uid)
                if i % 7 == 6:                           # a restart now and then changes nothing
                    await svc.aclose()
                    svc = env.service(client, clock=clock)
                clock.now += timedelta(minutes=15)
            assert len(hashed) == 20, len(hashed)
            hashed.clear()
            with pytest.raises(WrongCode, match="Too many"):
                await svc.attach(st.code, evse.evse_uid)        # the charger too is done for the day
            clock.now += timedelta(hours=24)
            assert (await svc.attach(st.code, evse.evse_uid)).key == st.session.key
            await svc.aclose()

    env.run(scenario)


def test_attendant_pin_lockout_slows_guessing_and_decays(charge_env, tmp_path):
    env = charge_env()
    clock = FakeClock()

    async def scenario():
        async with env.client() as client:
            svc = env.service(client, clock=clock)
            for left in (2, 1):
                with pytest.raises(WrongPin) as ei:
                    svc.attendant_login("0000")
                assert ei.value.attempts_left == left
            with pytest.raises(AttendantLocked) as ei:
                svc.attendant_login("0000")
            first = ei.value.seconds
            assert first > 0
            await svc.aclose()
            # restart: still locked, even with the right PIN
            svc2 = env.service(client, clock=clock)
            assert svc2.lockout_remaining() == pytest.approx(first)
            with pytest.raises(AttendantLocked):
                svc2.attendant_login("2468")
            clock.now += timedelta(seconds=first + 1)
            with pytest.raises(AttendantLocked) as ei:  # next failure: a longer delay
                svc2.attendant_login("1111")
            assert ei.value.seconds == 2 * first
            # a passer-by who tries one wrong PIN an hour never keeps staff out
            for _ in range(24):
                clock.now += timedelta(hours=1)
                with pytest.raises(WrongPin):
                    svc2.attendant_login("1111")
                assert svc2.lockout_remaining() == 0
            att = svc2.attendant_login("2468")
            actions = [a.action for a in svc2.audit_log(att)]
            assert actions[0] == "attendant.login" and actions.count("attendant.pin_failed") == 4 + 24
            await svc2.aclose()

    env.run(scenario)


def test_concurrent_pin_checks_are_each_counted(charge_env):
    """8 wrong PINs checked at once (the desk and the kiosk's corner): every check is counted,
    so the third locks the rest out (before, they raced and one failure was recorded)."""
    import asyncio

    env = charge_env()
    clock = FakeClock()

    async def scenario():
        async with env.client() as client:
            svc = env.service(client, clock=clock)
            results = await asyncio.gather(*(asyncio.to_thread(svc.attendant_login, f"00{i}0")
                                              for i in range(8)), return_exceptions=True)
            assert sum(isinstance(r, WrongPin) for r in results) == 2
            assert sum(isinstance(r, AttendantLocked) for r in results) == 6
            assert svc.auth._lockout().failures == 3 and svc.lockout_remaining() > 0
            await svc.aclose()

    env.run(scenario)


def test_attendant_can_view_stop_and_reissue_codes_audited(charge_env):
    env = charge_env()
    evse = env.evses()[0]

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            st = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id, tag="312")
            await wait_for(lambda: svc.attach_known(st.code).state == "CHARGING")
            att = svc.attendant_login("2468", name="desk")
            assert svc.view(st.session.key, att).tag == "312"
            new = svc.reissue_code(st.session.key, att)
            with pytest.raises(WrongCode):
                svc.attach_known(st.code)     # the old code no longer works, known or not
            with pytest.raises(WrongCode):
                await svc.attach(st.code, evse.evse_uid)
            assert (await svc.attach(new, evse.evse_uid)).key == st.session.key
            await svc.attendant_stop(st.session.key, att, "guest called the desk")
            await wait_for(lambda: svc.attach_known(new).state == "CDR_AVAILABLE")
            log = svc.audit_log(att)
            assert [(a.action, a.session_key) for a in log[:3]] == [
                ("session.stop", st.session.key), ("session.reissue_code", st.session.key),
                ("session.view", st.session.key)]
            assert "guest called the desk" in log[0].detail
            await svc.aclose()

    env.run(scenario)


def test_codes_and_pins_are_not_stored_in_clear(charge_env):
    env = charge_env()
    evse = env.evses()[0]
    codes = []

    async def scenario():
        async with env.client() as client:
            svc = env.service(client, attendant_pin="97531")
            for e in env.evses()[:3]:
                st = await svc.start(e.location_id, e.evse_uid, e.connectors[0].id, env.pm_id)
                codes.append(st.code)
            att = svc.attendant_login("97531")
            codes.append(svc.reissue_code(svc.active()[0].key, att))
            await svc.aclose()

    env.run(scenario)
    raw = b""
    for p in env.journal_path.parent.glob("journal.sqlite3*"):  # db, -wal, -shm
        raw += p.read_bytes()
    assert len(raw) > 4096
    for secret in codes + ["97531"]:
        assert secret.encode() not in raw, "a guest code or PIN is in the journal in clear"
    assert re.search(rb"scrypt\$", raw)
    assert evse.evse_uid.encode() in raw  # the search itself works on this file


def test_a_known_code_does_not_reset_the_guessing_count(charge_env):
    env = charge_env()
    a, b = env.evses()[0], env.evses()[1]
    clock = FakeClock()

    async def scenario():
        async with env.client() as client:
            svc = env.service(client, clock=clock)
            mine = await svc.start(a.location_id, a.evse_uid, a.connectors[0].id, env.pm_id)
            other = await svc.start(b.location_id, b.evse_uid, b.connectors[0].id, env.pm_id)
            guesses = [f"{n:06d}" for n in range(1000) if f"{n:06d}" not in (mine.code, other.code)]
            locked = False
            for g in guesses[:12]:
                assert (await svc.attach(mine.code, a.evse_uid)).key == mine.session.key   # my own, valid code
                try:
                    await svc.attach(g, b.evse_uid)      # ... alternating with guesses at the next bay
                except WrongCode as exc:
                    if "Too many" in str(exc):
                        locked = True
                        break
            assert locked, "alternating with a valid code must not allow unlimited guesses"
            await svc.aclose()

    env.run(scenario)


def test_refreshing_a_guest_view_hashes_the_code_once(charge_env, monkeypatch):
    """The session screens re-read the guest's view often; a scrypt per read (~6 ms, times
    the sessions tried) would be wasted work. A code this process issued or accepted is
    remembered (keyed by an HMAC, memory only) until the attendant reissues it."""
    import kiosk.services.sessions.codes as sessions_mod

    calls = []
    real = sessions_mod.verify_code
    monkeypatch.setattr(sessions_mod, "verify_code", lambda c, h: calls.append(1) or real(c, h))
    env = charge_env()
    a, b = env.evses()[:2]

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            sa = await svc.start(a.location_id, a.evse_uid, a.connectors[0].id, env.pm_id)
            sb = await svc.start(b.location_id, b.evse_uid, b.connectors[0].id, env.pm_id)
            calls.clear()
            for _ in range(20):
                assert (await svc.attach(sa.code, a.evse_uid)).key == sa.session.key
                assert svc.attach_known(sb.code).key == sb.session.key
            assert calls == []   # issued here: known without a hash
            await svc.aclose()
            svc2 = env.service(client)   # after a restart: each code is hashed once, then known
            with pytest.raises(WrongCode):
                svc2.attach_known(sa.code)   # not accepted in this process yet
            for _ in range(20):
                assert (await svc2.attach(sa.code, a.evse_uid)).key == sa.session.key
                assert (await svc2.attach(sb.code, b.evse_uid)).key == sb.session.key
                assert svc2.attach_known(sa.code).key == sa.session.key
            assert len(calls) == 2  # one hash each: a code is checked against its charger's session only
            assert all(sa.code not in str(v) for v in vars(svc2).values())  # no clear code kept
            await svc2.aclose()

    env.run(scenario)


def test_code_checks_leave_the_event_loop_free(charge_env, monkeypatch):
    """Issue 5 (no stalls): a guest-code check runs its scrypt on the code-hash thread and
    reads nothing from SQLite on the event loop (the journal's connection is shared with the
    journal thread, so a read there waits behind its fsyncs); the lockout count still
    reaches the journal and survives a restart (test_guest_code_guessing_is_throttled)."""
    import threading

    import kiosk.services.sessions.codes as sessions_mod
    from kiosk.core.journal import Journal

    on_loop: list[str] = []
    hashed_on: list[str] = []
    loop_thread = threading.get_ident()
    real_verify = sessions_mod.verify_code

    def verify(c, h):
        hashed_on.append(threading.current_thread().name)
        return real_verify(c, h)

    monkeypatch.setattr(sessions_mod, "verify_code", verify)
    for name in ("get", "kv_get", "kv_set", "sessions", "update", "open_on_evse"):
        real = getattr(Journal, name)

        def spy(self, *a, _real=real, _name=name, **kw):
            if threading.get_ident() == loop_thread and checking:
                on_loop.append(_name)
            return _real(self, *a, **kw)
        monkeypatch.setattr(Journal, name, spy)
    checking = False
    env = charge_env()
    evse = env.evses()[0]

    async def scenario():
        nonlocal checking
        async with env.client() as client:
            svc = env.service(client)
            st = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            await svc.aclose()
            svc2 = env.service(client)   # a restart: the code must be hashed
            await svc2.resume_all()
            checking = True
            bad = _wrong(st.code)
            for _ in range(2):
                with pytest.raises(WrongCode):
                    await svc2.attach(bad, evse.evse_uid)
            assert (await svc2.attach(st.code, evse.evse_uid)).key == st.session.key
            assert svc2.attach_known(st.code).key == st.session.key
            svc2.receipt(st.session.key, code=st.code)
            checking = False
            assert hashed_on and {n.split("_")[0] for n in hashed_on} == {"kiosk-code-hash"}
            assert on_loop == []
            await svc2.aclose()
            # the two wrong codes are on disk: after a restart three more lock this charger's code entry
            svc3 = env.service(client)
            for _ in range(3):
                with pytest.raises(WrongCode, match="does not match"):
                    await svc3.attach(bad, evse.evse_uid)
            with pytest.raises(WrongCode, match="Too many"):
                await svc3.attach(bad, evse.evse_uid)
            await svc3.aclose()

    env.run(scenario)


def test_ended_sessions_are_forgotten_after_the_retention(charge_env):
    """A kiosk runs for months: an ended session leaves memory once it is off the board, yet
    stays openable with its code (the receipt) for ``keep_s`` from the journal; then the code
    no longer opens it (the journal keeps it for the attendant)."""
    env = charge_env()
    evse = env.evses()[0]
    offset = [0.0]

    def clock() -> datetime:
        return datetime.now(UTC) + timedelta(seconds=offset[0])

    async def scenario():
        async with env.client() as client:
            svc = env.service(client, clock=clock, recent_s=60, keep_s=3600)
            st = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            await wait_for(lambda: svc.attach_known(st.code).state == "CHARGING")
            await svc.stop(st.code)
            await wait_for(lambda: svc.attach_known(st.code).state == "CDR_AVAILABLE", timeout=30)
            live = svc.registry.sessions[st.session.key]
            await wait_for(lambda: live.released and (live.task is None or live.task.done()))   # polling over
            offset[0] = 600            # off the board, still within the retention
            assert st.session.key not in [e.key for e in svc.active()]
            assert st.session.key not in svc.registry.sessions      # the point: memory does not grow
            # ...yet the guest holding the code still reads it (from the journal), and a guest
            # typing it at the charger opens it
            assert svc.receipt(st.session.key, code=st.code).final
            assert svc.attach_known(st.code).key == st.session.key
            assert (await svc.attach(st.code, evse.evse_uid)).key == st.session.key
            svc.codes._known.clear()   # (as after a restart: only the hash on disk can open it)
            svc.active()
            assert (await svc.attach(st.code, evse.evse_uid)).key == st.session.key
            offset[0] = 3700           # past the retention
            svc.active()
            assert st.session.key not in svc.registry.sessions
            with pytest.raises(WrongCode):
                svc.attach_known(st.code)
            with pytest.raises(WrongCode):
                await svc.attach(st.code, evse.evse_uid)
            await svc.aclose()
        # a restart does not bring it back either; an open session would be
        async with env.client() as client:
            svc2 = env.service(client, clock=clock, recent_s=60, keep_s=3600)
            assert st.session.key not in svc2.registry.sessions
            await svc2.aclose()

    env.run(scenario)
