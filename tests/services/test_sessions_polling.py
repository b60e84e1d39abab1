"""The service polls as the API asks: every few seconds until CHARGING, then at
nextStatusCall read against the server's Date, all divided by time_scale."""

import asyncio

from tests.plugins.sessions import wait_for


def test_waits_follow_the_api_guidance_in_server_seconds(charge_env):
    env = charge_env(speed=100.0)
    evse = env.evses()[0]
    waits: list[tuple[str, float]] = []

    async def scenario():
        async with env.client() as client:
            svc = None

            async def sleep(seconds: float) -> None:
                if svc is not None and svc.active():
                    waits.append((svc.active()[0].state, seconds))
                await asyncio.sleep(min(seconds, 0.05))

            svc = env.service(client, sleep=sleep, time_scale=100.0)
            st = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            await wait_for(lambda: sum(1 for s, _ in waits if s == "CHARGING") >= 3, timeout=30)
            await svc.aclose()

    env.run(scenario)
    before = [w for s, w in waits if s in ("REQUESTED", "STARTING")]
    during = [w for s, w in waits if s == "CHARGING"]
    assert before and all(abs(w - 4.0 / 100) < 1e-9 for w in before)
    # the simulator asks for the next call 30-60 server seconds ahead (Date has whole seconds)
    assert during and all(0.28 <= w <= 0.61 for w in during), during


def test_a_stop_is_followed_up_at_the_stop_answers_next_call(charge_env):
    """The stop's answer asks for the next call a few seconds ahead (the charge ends in
    seconds); waiting out the charging interval instead (30-60 server s here, as on the
    service) kept the guest on the Stopping screen that long before the receipt."""
    env = charge_env(speed=10.0)
    evse = env.evses()[0]

    async def scenario():
        async with env.client() as client:
            svc = env.service(client, time_scale=10.0)
            st = await svc.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            await wait_for(lambda: svc.attach_known(st.code).state == "CHARGING", timeout=30)
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            await svc.stop(st.code)
            await wait_for(lambda: svc.attach_known(st.code).state in ("COMPLETED", "CDR_AVAILABLE"), timeout=30)
            took = loop.time() - t0
            await svc.aclose()
            # next call 5 server s after the stop (0.5 s here); the charging interval left
            # when the stop was sent right after CHARGING: 3-6 s
            assert took < 2.0, took

    env.run(scenario)
