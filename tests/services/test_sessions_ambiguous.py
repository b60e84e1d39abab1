"""Lost answers: a start or stop whose answer is dropped after the service acted."""

from kiosk.core.session import State, describe_state
from tests.plugins.sessions import wait_for


def test_lost_start_answer_adopts_the_orphan_and_never_starts_twice(charge_env):
    env = charge_env()
    evse = env.evses()[0]
    env.sim.faults.set("POST /session/start", drop_after_action=True, times=1)

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            st = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            row = svc.journal.get(st.session.key)
            assert row.adopted and row.charge_session_id
            kinds = [e[2] for e in svc.journal.events(st.session.key)]
            assert kinds[:3] == ["intent", "ambiguous", "adopted"]
            await wait_for(lambda: svc.attach_known(st.code).state == "CHARGING")
            hist = await client.session_history()
            assert [h.charge_session_id for h in hist if h.evse_uid == evse.evse_uid] == [row.charge_session_id]
            await svc.aclose()

    env.run(scenario)


def test_crash_between_post_and_record_is_resolved_on_launch(charge_env):
    """The intent is journaled, the POST reached the service, the kiosk died before it
    recorded the id: on launch the orphan is found and adopted, not started again."""
    env = charge_env()
    evse, other = env.evses()[0], env.evses()[1]

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            row = svc.journal.create_intent(location_id=evse.location_id, evse_uid=evse.evse_uid,
                                            connector_id=evse.connectors[0].id, payment_method_id=env.pm_id)
            await client.start_session(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            # and one intent whose POST never left the kiosk
            lost = svc.journal.create_intent(location_id=other.location_id, evse_uid=other.evse_uid,
                                             connector_id=other.connectors[0].id, payment_method_id=env.pm_id)
            await svc.aclose()
            svc2 = env.service(client)
            await svc2.resume_all()
            r1, r2 = svc2.journal.get(row.key), svc2.journal.get(lost.key)
            assert r1.adopted and r1.charge_session_id
            assert r2.state == State.NOT_STARTED and not r2.open
            hist = await client.session_history()
            assert len(hist) == 1 and hist[0].charge_session_id == r1.charge_session_id
            await wait_for(lambda: svc2.journal.get(row.key).state == State.CHARGING)
            await svc2.aclose()

    env.run(scenario)


def test_lost_stop_answer_still_ends_the_session(charge_env):
    env = charge_env()
    evse = env.evses()[0]

    async def scenario():
        async with env.client() as client:
            svc = env.service(client)
            st = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            await wait_for(lambda: svc.attach_known(st.code).state == "CHARGING")
            env.sim.faults.set("POST /session/stop", drop_after_action=True, times=1)
            view = await svc.stop(st.code)  # the answer is lost: no error for the guest
            assert view.key == st.session.key
            await wait_for(lambda: svc.attach_known(st.code).state == "CDR_AVAILABLE", timeout=30)
            rec = svc.receipt(st.session.key, code=st.code)
            assert rec.final and rec.total_incl_vat is not None and rec.total_vat is not None
            await svc.aclose()

    env.run(scenario)


def test_unreachable_service_shows_unknown_then_recovers(charge_env):
    env = charge_env()
    evse = env.evses()[0]

    async def scenario():
        async with env.client(timeout=1.0) as client:
            svc = env.service(client)
            st = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            await wait_for(lambda: svc.attach_known(st.code).state == "CHARGING")
            env.sim.faults.set("GET /session/status", error_rate=1.0, error_status=503)
            await wait_for(lambda: svc.attach_known(st.code).state == "UNKNOWN", timeout=30)
            assert (await svc.attach(st.code, evse.evse_uid)).known_state == "CHARGING"
            env.sim.faults.clear()
            await wait_for(lambda: svc.attach_known(st.code).state == "CHARGING", timeout=30)
            await svc.aclose()

    env.run(scenario)


def test_lost_start_answer_while_history_is_down_resolves_in_the_background(charge_env):
    env = charge_env()
    evse = env.evses()[0]
    env.sim.faults.set("POST /session/start", drop_after_action=True, times=1)
    env.sim.faults.set("GET /token/{appToken}/sessions", error_rate=1.0, error_status=503)

    async def scenario():
        async with env.client(timeout=2.0) as client:
            svc = env.service(client)
            st = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            assert st.session.state == "UNKNOWN" and describe_state(st.session.state).next_step
            # a second start on the bay is refused while the first is unresolved
            import pytest

            from kiosk.services.sessions import StartPending
            with pytest.raises(StartPending):
                await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            env.sim.faults.clear()
            await wait_for(lambda: svc.attach_known(st.code).state == "CHARGING", timeout=30)
            assert svc.journal.get(st.session.key).adopted
            hist = await client.session_history()
            assert len([h for h in hist if h.evse_uid == evse.evse_uid]) == 1
            await svc.aclose()

    env.run(scenario)
