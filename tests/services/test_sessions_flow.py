"""SessionService flows over real HTTP against the simulator."""


import pytest


from kiosk.core.session import describe_state
from kiosk.services.sessions import StartFailed, StartPending, WrongCode
from tests.plugins.sessions import wait_for


def test_start_charge_stop_receipt(charge_env):
    env = charge_env()
    evse = env.evses()[0]

    async def scenario():
        updates = []
        async with env.client() as client:
            svc = env.service(client)
            svc.subscribe(updates.append)
            started = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id, tag="101")
            code = started.code
            assert len(code) == 6 and code.isdigit()
            assert started.session.state in ("REQUESTED", "PENDING")
            await wait_for(lambda: svc.attach_known(code).state == "CHARGING")
            await wait_for(lambda: (svc.attach_known(code).energy_kwh or 0) > 0)
            # the estimate is priced off the loop, a moment after the status that fed it
            await wait_for(lambda: svc.active()[0].estimate is not None)
            board = svc.active()
            assert [e.key for e in board] == [started.session.key]
            assert board[0].state == "CHARGING" and board[0].estimate is not None
            assert not board[0].estimate.final
            assert not hasattr(board[0], "tag")
            view = await svc.stop(code)
            assert view.state in ("STOPPING", "COMPLETED", "CHARGING")
            # the final state is journaled, then announced to subscribers (the screen)
            await wait_for(lambda: any(u.entry.state == "CDR_AVAILABLE" for u in updates))
            assert svc.attach_known(code).state == "CDR_AVAILABLE"
            rec = svc.receipt(started.session.key, code=code)
            # an external payment: the service gives no receipt number (only direct payments get one)
            assert rec.final and rec.receipt_number is None and rec.total_incl_vat is not None
            assert rec.tag == "101"
            assert rec.estimate_incl_vat is not None and rec.difference is not None
            states = [u.entry.state for u in updates if u.previous_state]
            assert "CHARGING" in states and states[-1] == "CDR_AVAILABLE"
            kinds = [e[2] for e in svc.journal.events(started.session.key)]
            assert kinds[:2] == ["intent", "started"]
            assert "stop_request" in kinds and "reconciled" in kinds and "receipt" not in kinds   # no number came
            await svc.aclose()

    env.run(scenario)


def test_double_tap_starts_once(charge_env):
    env = charge_env()
    evse = env.evses()[1]

    async def scenario():
        import asyncio

        async with env.client() as client:
            svc = env.service(client)
            res = await asyncio.gather(
                *[svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id) for _ in range(3)],
                return_exceptions=True)
            ok = [r for r in res if not isinstance(r, Exception)]
            refused = [r for r in res if isinstance(r, StartPending)]
            assert len(ok) == 1 and len(refused) == 2
            hist = await client.session_history(sort_desc=True)
            assert len([h for h in hist if h.evse_uid == evse.evse_uid]) == 1
            # a second guest later on the same bay is refused too while it charges
            with pytest.raises(StartPending):
                await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            await svc.aclose()

    env.run(scenario)


def test_rejected_and_timeout_are_explained(charge_env):
    env = charge_env()
    a, b = env.evses()[2], env.evses()[3]
    env.sim.scenario.block(a.evse_uid)
    env.sim.scenario.no_car(b.evse_uid)

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            sa = await svc.start(a.location_id, a.evse_uid, a.connectors[0].id, env.pm_id)
            sb = await svc.start(b.location_id, b.evse_uid, b.connectors[0].id, env.pm_id)
            await wait_for(lambda: svc.attach_known(sa.code).state == "REJECTED")
            await wait_for(lambda: svc.attach_known(sb.code).state == "TIMEOUT", timeout=30)
            va, vb = await svc.attach(sa.code, a.evse_uid), svc.attach_known(sb.code)
            assert va.is_final and describe_state(va.state).next_step and va.error_message
            assert "car" in describe_state(vb.state).explanation.lower()
            # the bay is free again: a new start is accepted
            env.sim.scenario.unblock(a.evse_uid)
            again = await svc.start(a.location_id, a.evse_uid, a.connectors[0].id, env.pm_id)
            assert again.session.key != sa.session.key
            await svc.aclose()

    env.run(scenario)


def test_invalid_start_is_refused_with_a_message(charge_env):
    env = charge_env()
    evse = env.evses()[0]

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            with pytest.raises(StartFailed) as ei:
                await svc.start(evse.location_id, "NO-SUCH-EVSE", "1", env.pm_id)
            assert not ei.value.retryable and str(ei.value)
            assert svc.journal.sessions(open_only=True) == []
            await svc.aclose()

    env.run(scenario)


def test_resume_after_restart_continues_polling(charge_env):
    env = charge_env()
    evse = env.evses()[0]

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            st = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            await wait_for(lambda: svc.attach_known(st.code).state == "CHARGING")
            await svc.aclose()
            svc2 = env.service(client)
            board = await svc2.resume_all()
            assert [e.key for e in board] == [st.session.key]
            assert board[0].state == "CHARGING"
            # the code still works after the restart, a wrong one does not
            assert (await svc2.attach(st.code, evse.evse_uid)).key == st.session.key   # a restart: the full check
            with pytest.raises(WrongCode):
                await svc2.attach("000000" if st.code != "000000" else "111111", evse.evse_uid)
            await svc2.stop(st.code)
            await wait_for(lambda: svc2.attach_known(st.code).state == "CDR_AVAILABLE")
            await svc2.aclose()

    env.run(scenario)


def test_cable_pulled_and_station_fault_end_the_session_and_free_the_bay(charge_env):
    env = charge_env()
    a, b = env.evses()[0], env.evses()[1]

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            sa = await svc.start(a.location_id, a.evse_uid, a.connectors[0].id, env.pm_id)
            sb = await svc.start(b.location_id, b.evse_uid, b.connectors[0].id, env.pm_id)
            await wait_for(lambda: svc.attach_known(sa.code).state == "CHARGING" and svc.attach_known(sb.code).state == "CHARGING")
            assert env.sim.scenario.unplug(a.evse_uid)
            assert env.sim.scenario.fault(b.evse_uid)
            await wait_for(lambda: svc.attach_known(sa.code).state == "CDR_AVAILABLE", timeout=30)
            await wait_for(lambda: svc.attach_known(sb.code).state == "ERROR", timeout=30)
            vb = svc.attach_known(sb.code)
            assert vb.is_final and vb.error_message
            assert svc.receipt(sa.session.key, code=sa.code).total_incl_vat is not None
            # both bays can be started again
            await svc.start(a.location_id, a.evse_uid, a.connectors[0].id, env.pm_id)
            await svc.start(b.location_id, b.evse_uid, b.connectors[0].id, env.pm_id)
            await svc.aclose()

    env.run(scenario)


def test_the_next_guest_can_start_as_soon_as_the_bay_shows_the_last_session_ended(charge_env):
    """The board (memory) and the journal must agree: once a session reads as ended, a start
    on the same charger is accepted, not refused as 'already running', even while the
    journal's disk write of that end is still under way (slow storage, made slow here)."""
    import time

    env = charge_env()
    evse = env.evses()[0]

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            real_update = svc.journal.update

            def slow_update(*args, **kwargs):
                time.sleep(0.05)  # on the journal thread
                return real_update(*args, **kwargs)

            svc.journal.update = slow_update
            first = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            await wait_for(lambda: svc.attach_known(first.code).state == "CHARGING")
            await svc.stop(first.code)
            await wait_for(lambda: next(e for e in svc.active() if e.key == first.session.key).is_final)
            second = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            assert second.session.key != first.session.key
            await svc.aclose()

    env.run(scenario)


def test_finished_sessions_do_not_keep_their_charge_in_memory(charge_env, monkeypatch):
    """Issue 5 (memory over 200 guest cycles): a finished session keeps only what its board
    entry and receipt show; its observations and tariff stay on disk, and guest-code scrypt
    (a 2 MB buffer) always runs on the one code-hash thread instead of spreading over the
    loop's default executor, where every thread kept a buffer of its own."""
    import threading

    import kiosk.services.sessions.codes as sessions_mod

    hashed_on = []
    real_hash = sessions_mod.hash_code

    def recording_hash(code):
        hashed_on.append(threading.current_thread().name)
        return real_hash(code)

    monkeypatch.setattr(sessions_mod, "hash_code", recording_hash)
    env = charge_env()
    a, b = env.evses()[0], env.evses()[1]

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            done = []
            for evse in (a, b):
                st = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
                await wait_for(lambda: (svc.attach_known(st.code).energy_kwh or 0) > 0)
                await wait_for(lambda: svc.active()[0].estimate is not None)
                await svc.stop(st.code)
                await wait_for(lambda: svc.attach_known(st.code).state == "CDR_AVAILABLE")
                done.append(st)
            for st in done:
                key = st.session.key
                live = svc.registry.sessions[key]
                # the state turns final before its journal write returns; the release follows it
                await wait_for(lambda: live.released)
                assert live.tracker.observations == [] and live.tariff is None
                # what the guest sees is unchanged: the receipt with its estimate and the code
                rec = svc.receipt(key, code=st.code)
                assert rec.final and rec.total_incl_vat is not None and rec.estimate_incl_vat is not None
                assert (await svc.attach(st.code, svc.registry.sessions[key].evse_uid)).key == key
                # the journal still has the charge's observations
                assert len(svc.journal.get(key).observations_json or "") > 10
            assert len(hashed_on) == 2 and {n.split("_")[0] for n in hashed_on} == {"kiosk-code-hash"}
            await svc.aclose()

    env.run(scenario)
