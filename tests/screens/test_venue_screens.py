"""Screens of one venue on one shared journal (PostgreSQL) over the simulator (issue 17):
each screen is a SessionService with its own API client and its own journal connection,
as separate kiosk processes have; they share only the database and the service.

What a guest and the venue notice: a code from one screen opens and stops the session at
another; two screens starting one charger at the same instant send one start; a guesser
gains nothing by walking to the other screen; a board follows the others within a second;
one screen polls each session, and another takes over when it dies.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from kiosk.services.sessions import StartPending, WrongCode
from tests.plugins.sessions import wait_for

START = ("POST /session/start", 200)


def _count(sim, endpoint: str) -> int:
    return sum(n for (ep, _st), n in sim.stats.items() if ep == endpoint)


class Venue:
    """Screens A, B, ... on one venue database."""

    def __init__(self, env, db, lease_s: float = 15.0):
        self.env, self.db, self.lease_s = env, db, lease_s
        self.clients: list = []
        self.screens: dict[str, object] = {}

    async def screen(self, name: str, **kw):
        client = self.env.client()
        await client.__aenter__()
        self.clients.append(client)
        kw.setdefault("lease_s", self.lease_s)
        svc = self.env.service(client, journal_path=self.db.url, journal_password=self.db.password, screen=name,
                               **kw)
        await svc.resume_all()
        self.screens[name] = svc
        return svc

    async def close(self):
        for svc in self.screens.values():
            await svc.aclose()
        for c in self.clients:
            await c.__aexit__(None, None, None)


def _polls_here(svc, key: str) -> bool:
    live = svc.registry.maybe(key)
    return live is not None and live.task is not None and not live.task.done()


def test_start_at_a_view_and_stop_at_b_and_boards_follow_within_a_second(charge_env, pg_db):
    env = charge_env()
    evse = env.evses()[0]

    async def scenario():
        v = Venue(env, pg_db)
        a, b = await v.screen("A"), await v.screen("B")
        seen_at_b: dict[str, float] = {}
        b.subscribe(lambda u: seen_at_b.setdefault(u.entry.state, time.monotonic()))
        t0 = time.monotonic()
        started = await a.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id, tag="214")
        t_started = time.monotonic()
        key = started.session.key
        # B's board shows the bay in use, within a second of A's start returning
        await wait_for(lambda: any(e.key == key for e in b.active()), timeout=5)
        lag = time.monotonic() - t_started
        assert lag < 1.0, f"B saw A's start after {lag:.3f} s"
        # the desk (here: B's) sees the session with its room tag and the screen it came from
        from kiosk.services.attendant import SessionsDesk

        desk = SessionsDesk(b, b.client, b.attendant_login("2468", name="desk"))
        row = next(r for r in await desk.rows() if r.key == key)
        assert row.tag == "214" and row.origin == "A"
        # the guest walks to B: the code opens the session there and stops it
        view = await b.attach(started.code, evse.evse_uid)
        assert view.key == key and view.tag == "214"
        await wait_for(lambda: b.attach_known(started.code).state == "CHARGING"
                       or a.attach_known(started.code).state == "CHARGING", timeout=20)
        await wait_for(lambda: b.attach_known(started.code).charge_session_id is not None, timeout=5)
        stops_before = _count(env.sim, "POST /session/stop")
        await b.stop(started.code)
        assert _count(env.sim, "POST /session/stop") == stops_before + 1
        # A polls it (its lease) and sees the end; B's board follows
        assert _polls_here(a, key) or a.registry.maybe(key).lifecycle.is_final
        assert not _polls_here(b, key)
        await wait_for(lambda: a.attach_known(started.code).state == "CDR_AVAILABLE", timeout=30)
        await wait_for(lambda: b.attach_known(started.code).state == "CDR_AVAILABLE", timeout=5)
        row = b.journal.get(key)
        assert row.origin == "A" and row.state.value == "CDR_AVAILABLE"
        assert _count(env.sim, "POST /session/stop") == stops_before + 1
        # every change A (or B) committed reached B's board within a second (commit to board)
        lags = sorted(b.venue.follow_latency)
        assert lags and lags[-1] < 1.0, lags
        print(f"\nboard at B after A's start returned: {lag * 1000:.0f} ms (start call {t_started - t0:.3f} s); "
              f"commit at one screen to board at B: median {lags[len(lags) // 2] * 1000:.1f} ms, "
              f"max {lags[-1] * 1000:.1f} ms over {len(lags)} changes")
        await v.close()

    env.run(scenario, timeout=90)


def test_two_screens_starting_one_charger_at_once_send_one_start_each_round(charge_env, pg_db):
    env = charge_env()
    evses = env.evses()

    async def scenario():
        v = Venue(env, pg_db)
        a, b = await v.screen("A"), await v.screen("B")
        rounds = 30
        for i in range(rounds):
            evse = evses[i % len(evses)]
            open_row = a.journal.open_on_evse(evse.evse_uid)
            if open_row is not None:    # the charger of an earlier round: stop it and let it end
                owner = a if a.registry.maybe(open_row.key) is not None and _polls_here(a, open_row.key) else b
                att = owner.attendant_login("2468")
                await owner.attendant_stop(open_row.key, att, "next round")
                await wait_for(lambda ev=evse: a.journal.open_on_evse(ev.evse_uid) is None, timeout=30)
            before = _count(env.sim, "POST /session/start")
            res = await asyncio.gather(
                a.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id),
                b.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id),
                return_exceptions=True)
            ok = [r for r in res if not isinstance(r, BaseException)]
            refused = [r for r in res if isinstance(r, StartPending)]
            assert len(ok) == 1 and len(refused) == 1, res
            assert _count(env.sim, "POST /session/start") == before + 1, f"round {i}"
        await v.close()

    env.run(scenario, timeout=240)


def test_a_guesser_at_two_screens_gets_no_more_guesses_than_at_one(charge_env, pg_db):
    env = charge_env()
    evse = env.evses()[0]

    async def scenario():
        v = Venue(env, pg_db)
        a, b = await v.screen("A"), await v.screen("B")
        started = await a.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
        wrong = "000000" if started.code != "000000" else "111111"
        for _ in range(6):
            res = await asyncio.gather(a.attach(wrong, evse.evse_uid), b.attach(wrong, evse.evse_uid),
                                       return_exceptions=True)
            assert all(isinstance(r, WrongCode) for r in res), res
        state = a.journal.kv_get("guess:evse:" + evse.evse_uid)
        counted = len(state["times"])
        # one screen counts 6 wrong codes (5 free, the 6th locks); two screens together no more
        assert counted == 6, state
        # B keeps the charger locked like A (the guest with the right code uses A, where
        # it was issued, or the desk)
        with pytest.raises(WrongCode) as ei:
            await b.attach(started.code, evse.evse_uid)
        assert ei.value.locked_s > 0
        await v.close()

    env.run(scenario, timeout=90)


def test_three_screens_poll_each_session_once_and_take_over_a_dead_screen(charge_env, pg_db):
    env = charge_env()
    evse = env.evses()[0]

    async def scenario():
        v = Venue(env, pg_db, lease_s=1.5)
        a = await v.screen("A")
        started = await a.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
        key = started.session.key
        await wait_for(lambda: a.attach_known(started.code).state == "CHARGING", timeout=20)
        # one screen: status requests in 3 s
        n0 = _count(env.sim, "GET /session/status")
        await asyncio.sleep(3)
        one = _count(env.sim, "GET /session/status") - n0
        b, c = await v.screen("B"), await v.screen("C")
        n0 = _count(env.sim, "GET /session/status")
        await asyncio.sleep(3)
        three = _count(env.sim, "GET /session/status") - n0
        assert [_polls_here(s, key) for s in (a, b, c)] == [True, False, False]
        assert three <= one + 2, (one, three)
        # A dies (no goodbye: its leases are not released, nothing renews them)
        for t in list(a.venue._tasks):
            t.cancel()
        if a.venue._stop_listening:
            a.venue._stop_listening()
        await a.poller.close()
        died = time.monotonic()
        await wait_for(lambda: _polls_here(b, key) or _polls_here(c, key), timeout=30)
        took = time.monotonic() - died
        assert took <= 1.5 * 4 / 3 + 1.0, took
        n0 = _count(env.sim, "GET /session/status")
        await wait_for(lambda: _count(env.sim, "GET /session/status") > n0, timeout=10)
        print(f"\nstatus requests in 3 s: one screen {one}, three screens {three}; take-over after {took:.2f} s "
              f"(lease 1.5 s)")
        a.venue.held.clear()
        await v.close()

    env.run(scenario, timeout=120)


def test_database_away_no_crash_stops_reach_the_service_starts_refused_then_resync(charge_env, pg_db):
    """The venue database stops mid-session (a few seconds here; ``bench/venue.py`` and the
    README's figures: 60 s): the screens keep running, the guest's stop reaches the service,
    starts are refused with the clear message, and once the database is back the journal
    and the other screen's board catch up within one poll."""
    from kiosk.core.session import State
    from kiosk.services.sessions import StartFailed
    from kiosk.services.sessions.start import NO_STORAGE

    env = charge_env()
    e0, e1, e2 = env.evses(3)

    async def scenario():
        v = Venue(env, pg_db)
        a, b = await v.screen("A"), await v.screen("B")
        s1 = await a.start(e0.location_id, e0.evse_uid, e0.connectors[0].id, env.pm_id)
        key = s1.session.key
        s3 = await b.start(e2.location_id, e2.evse_uid, e2.connectors[0].id, env.pm_id)
        await wait_for(lambda: a.attach_known(s1.code).state == "CHARGING", timeout=20)
        await wait_for(lambda: b.attach_known(s3.code).charge_session_id is not None, timeout=20)
        await asyncio.to_thread(pg_db.server.stop)
        try:
            # staff at B stop a guest's charge: the PIN is checked at B (the venue's count is
            # away), the stop reaches the service and the audit line that cannot be written
            # does not hold it back (nor the screen: it is written off the loop)
            att = await asyncio.to_thread(b.attendant_login, "2468")
            stops = _count(env.sim, "POST /session/stop")
            t = time.monotonic()
            await b.attendant_stop(s3.session.key, att, "the guest asked at the desk")
            assert _count(env.sim, "POST /session/stop") == stops + 1
            assert time.monotonic() - t < 5
            for svc in (a, b):
                with pytest.raises(StartFailed) as ei:
                    await svc.start(e1.location_id, e1.evse_uid, e1.connectors[0].id, env.pm_id)
                assert str(ei.value) == NO_STORAGE
            assert a.journal.problem is not None and "password" not in a.journal.problem.lower()
            stops = _count(env.sim, "POST /session/stop")
            view = await a.stop(s1.code)              # the guest's stop reaches the service
            assert _count(env.sim, "POST /session/stop") == stops + 1
            assert view.stop_requested
            # A goes on from memory: it polls the session to its end
            await wait_for(lambda: a.attach_known(s1.code).has_ended, timeout=30)
            await asyncio.sleep(2.0)
        finally:
            await asyncio.to_thread(pg_db.server.restart)
        back = time.monotonic()
        # resync: A's next poll writes what it saw meanwhile; B's board follows
        await wait_for(lambda: b.registry.maybe(key) is not None
                       and b.registry.maybe(key).lifecycle.is_final, timeout=60)
        print(f"\ndatabase back: B's board final after {time.monotonic() - back:.2f} s")
        assert (await asyncio.to_thread(b.journal.get, key)).state == State.CDR_AVAILABLE
        # starts work again
        s2 = await b.start(e1.location_id, e1.evse_uid, e1.connectors[0].id, env.pm_id)
        assert s2.session.key
        await v.close()

    env.run(scenario, timeout=150)


class CuttableLink:
    """A TCP relay between one screen and the venue database: ``cut()`` is that screen's
    cable pulled (its connections drop, new ones are refused at once), ``mend()`` puts it
    back. The other screens connect directly and keep the database."""

    def __init__(self, target_port: int):
        import socket
        import threading

        self.target = target_port
        self.up = True
        self.conns: list = []
        self.srv = socket.create_server(("127.0.0.1", 0))
        self.port = self.srv.getsockname()[1]
        self._socket, self._threading = socket, threading
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            if not self.up:
                c.close()
                continue
            u = self._socket.create_connection(("127.0.0.1", self.target))
            self.conns += [c, u]
            for a, b in ((c, u), (u, c)):
                self._threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for x in (a, b):
            try:
                x.close()
            except OSError:
                pass

    def cut(self):
        self.up = False
        for c in self.conns:
            try:
                c.shutdown(self._socket.SHUT_RDWR)
            except OSError:
                pass
        self.conns = []

    def mend(self):
        self.up = True

    def close(self):
        self.cut()
        self.srv.close()


def test_a_screen_cut_off_from_the_database_keeps_polling_its_sessions_and_drops_them_when_back(charge_env, pg_db):
    """A's cable to the database is pulled while B keeps it: A goes on polling its guest's
    session (the guest's stop at A reaches the service), B takes the session over after the
    lease, so both poll it for a while; once A is back it leaves the session to B."""
    from urllib.parse import urlsplit, urlunsplit

    env = charge_env()
    evse, e2 = env.evses(2)
    lease = 1.5

    async def scenario():
        v = Venue(env, pg_db, lease_s=lease)
        u = urlsplit(pg_db.url)
        link = CuttableLink(u.port)
        a_url = urlunsplit(u._replace(netloc=f"{u.username}@127.0.0.1:{link.port}"))
        client = env.client()
        await client.__aenter__()
        v.clients.append(client)
        a = env.service(client, journal_path=a_url, journal_password=pg_db.password, screen="A", lease_s=lease)
        await a.resume_all()
        v.screens["A"] = a
        b = await v.screen("B")
        try:
            s1 = await a.start(evse.location_id, evse.evse_uid, evse.connectors[0].id, env.pm_id)
            s2 = await a.start(e2.location_id, e2.evse_uid, e2.connectors[0].id, env.pm_id)
            await wait_for(lambda: a.attach_known(s1.code).charge_session_id is not None, timeout=20)
            key1, key2 = s1.session.key, s2.session.key
            assert _polls_here(a, key1) and not _polls_here(b, key1)
            link.cut()
            await wait_for(lambda: _polls_here(b, key1) and _polls_here(b, key2), timeout=lease * 4 / 3 + 5)
            assert _polls_here(a, key1)                       # cut off: it still polls its guests' sessions
            stops = _count(env.sim, "POST /session/stop")
            await a.stop(s1.code)                             # the guest at A stops: it reaches the service
            assert _count(env.sim, "POST /session/stop") == stops + 1
            link.mend()
            await wait_for(lambda: not _polls_here(a, key2), timeout=lease * 2 + 10)   # back: B's now
            assert _polls_here(b, key2)
        finally:
            await v.close()
            link.close()

    env.run(scenario, timeout=90)


def test_the_venue_shares_prices_payment_and_language_and_each_screen_keeps_its_own(charge_env, pg_db, tmp_path):
    from kiosk.services.runtime import JournalSettings, RuntimeSettings

    env = charge_env()

    async def scenario():
        v = Venue(env, pg_db)
        a, b = await v.screen("A"), await v.screen("B")
        rt = {}
        for name, svc in (("A", a), ("B", b)):
            rt[name] = RuntimeSettings(tmp_path / name / "runtime.json")
            rt[name].share(JournalSettings(svc.journal))
            svc.venue.setting_listeners.append(rt[name].reload_shared)
        heard = []
        rt["B"].subscribe(heard.append)
        rt["A"].update(default_language="nl", price_unknown_start=False, idle_timeout_s=90)
        await wait_for(lambda: rt["B"].get("default_language") == "nl", timeout=5)
        assert rt["B"].get("price_unknown_start") is False
        assert rt["B"].get("idle_timeout_s") == 60          # per screen: A's own
        assert rt["A"].get("idle_timeout_s") == 90
        assert any(h.get("default_language") == "nl" for h in heard)   # B's screen hears it
        rt["A"].reset()
        await wait_for(lambda: rt["B"].get("default_language") == "en", timeout=5)
        await v.close()

    env.run(scenario, timeout=60)


def test_wrong_pins_count_at_every_screen_of_the_venue(charge_env, pg_db):
    from kiosk.services.sessions import AttendantLocked, WrongPin

    env = charge_env()

    async def scenario():
        v = Venue(env, pg_db)
        a, b = await v.screen("A"), await v.screen("B")
        for svc in (a, b):
            with pytest.raises(WrongPin):
                svc.attendant_login("0000")
        with pytest.raises(AttendantLocked):   # the third wrong PIN of the venue locks
            a.attendant_login("1111")
        with pytest.raises(AttendantLocked):   # at B too, even with the right PIN
            b.attendant_login("2468")
        assert b.lockout_remaining() > 0
        await v.close()

    env.run(scenario, timeout=60)


class ScreenProcess:
    """A kiosk screen in its own process (tests/screens/screen_worker.py), driven by JSON
    commands: its own interpreter, API client, journal connection, poller and LISTEN."""

    def __init__(self, env, db, name: str, lease_s: float = 15.0):
        import os
        import subprocess
        import sys
        from pathlib import Path

        root = Path(__file__).resolve().parents[2]
        self.name = name
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.screens.screen_worker", env.sim.base_url, env.sim.api_key, env.app_token,
             env.pm_id, db.url, name, str(env.sim.clock.speed), str(lease_s)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=str(root),
            env=dict(os.environ, PYTHONPATH=str(root)))
        self.proc.stdin.write((db.password or "") + "\n")
        self.proc.stdin.flush()

    async def ready(self) -> None:
        assert (await self._read()).get("ready") == self.name

    async def _read(self) -> dict:
        import json

        line = await asyncio.wait_for(asyncio.to_thread(self.proc.stdout.readline), 60)
        assert line, f"screen {self.name} ended"
        return json.loads(line)

    def send(self, **cmd) -> None:
        import json

        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    async def ask(self, **cmd) -> dict:
        self.send(**cmd)
        return await self._read()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send(op="quit")
                self.proc.wait(15)
            except Exception:  # noqa: BLE001
                self.proc.kill()


def test_two_kiosk_processes_and_a_desk_start_view_stop_and_start_one_charger_at_once(charge_env, pg_db):
    """Kiosks A and B are separate processes; the desk is this one (its own service on the
    same database). A guest starts at A and stops at B with the code; the desk sees the
    session with its room and origin; 30 rounds of A and B starting one charger at the same
    instant send one POST /session/start each round (counted at the simulator)."""
    env = charge_env()
    evses = env.evses()

    async def scenario():
        v = Venue(env, pg_db)
        desk_svc = await v.screen("DESK")
        a, b = ScreenProcess(env, pg_db, "A"), ScreenProcess(env, pg_db, "B")
        try:
            await asyncio.gather(a.ready(), b.ready())
            evse = evses[0]
            started = await a.ask(op="start", loc=evse.location_id, evse=evse.evse_uid,
                                  conn=evse.connectors[0].id, tag="214")
            assert started["ok"], started
            from kiosk.services.attendant import SessionsDesk

            desk = SessionsDesk(desk_svc, desk_svc.client, desk_svc.attendant_login("2468", name="desk"))
            await wait_for(lambda: desk_svc.registry.maybe(started["key"]) is not None, timeout=5)
            row = next(r for r in await desk.rows() if r.key == started["key"])
            assert row.tag == "214" and row.origin == "A"
            seen = await b.ask(op="attach", code=started["code"], evse=evse.evse_uid)
            assert seen == {"ok": True, "key": started["key"], "tag": "214"}
            wrong = await b.ask(op="attach", code="000000" if started["code"] != "000000" else "111111",
                                evse=evse.evse_uid)
            assert not wrong["ok"] and wrong["error"] == "WrongCode"
            await wait_for(lambda: (desk_svc.registry.maybe(started["key"]) is not None
                                    and desk_svc.registry.maybe(started["key"]).charge_session_id is not None),
                           timeout=20)
            stops = _count(env.sim, "POST /session/stop")
            assert (await b.ask(op="stop", code=started["code"]))["ok"]
            assert _count(env.sim, "POST /session/stop") == stops + 1
            await wait_for(lambda: desk_svc.journal.get(started["key"]).state.value == "CDR_AVAILABLE", timeout=30)
            # the same charger at the same instant, 30 rounds
            codes: dict[str, tuple[ScreenProcess, str]] = {}
            for i in range(30):
                evse = evses[(i + 1) % len(evses)]
                if evse.evse_uid in codes:      # an earlier round's session: stopped, and ended
                    owner, code = codes.pop(evse.evse_uid)
                    res = await owner.ask(op="stop", code=code)
                    assert res["ok"] or res["error"] in ("StopPending", "SessionError"), res
                    await wait_for(lambda ev=evse: desk_svc.journal.open_on_evse(ev.evse_uid) is None, timeout=30)
                before = _count(env.sim, "POST /session/start")
                cmd = dict(op="start", loc=evse.location_id, evse=evse.evse_uid, conn=evse.connectors[0].id)
                a.send(**cmd)
                b.send(**cmd)
                ra, rb = await asyncio.gather(a._read(), b._read())
                ok = [(s, r) for s, r in ((a, ra), (b, rb)) if r["ok"]]
                assert len(ok) == 1 and [r for r in (ra, rb) if not r["ok"]][0]["error"] == "StartPending", (ra, rb)
                assert _count(env.sim, "POST /session/start") == before + 1, f"round {i}"
                codes[evse.evse_uid] = (ok[0][0], ok[0][1]["code"])
        finally:
            a.close()
            b.close()
            await v.close()

    env.run(scenario, timeout=300)


def test_pins_tried_at_two_screens_at_the_same_instant_are_each_counted(charge_env, pg_db):
    """A guesser with a helper at the other screen, both typing at once: the venue's lockout
    answers "wrong, try again" twice in all (three wrong PINs lock), as at one screen."""
    from kiosk.services.sessions import AttendantLocked, WrongPin

    env = charge_env()

    async def scenario():
        v = Venue(env, pg_db)
        a, b = await v.screen("A"), await v.screen("B")
        answers = []
        for _ in range(3):
            answers += await asyncio.gather(asyncio.to_thread(a.attendant_login, "0000"),
                                            asyncio.to_thread(b.attendant_login, "1357"), return_exceptions=True)
        wrong = [r for r in answers if isinstance(r, WrongPin)]
        locked = [r for r in answers if isinstance(r, AttendantLocked)]
        assert len(wrong) == 2 and len(locked) == 4, answers
        assert sorted(r.attempts_left for r in wrong) == [1, 2]
        await v.close()

    env.run(scenario, timeout=60)


def test_after_sigkill_of_the_polling_screen_process_another_screen_polls_within_the_lease(charge_env, pg_db):
    """Screen D is a separate process that started a session and polls it; SIGKILL (no
    goodbye, no lease released): B takes the session over within lease_s * 4/3 and the
    simulator sees its requests. 3 s leases here; 15 s by default (20 s bound)."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    env = charge_env()
    evse = env.evses()[0]
    lease = 3.0

    async def scenario():
        v = Venue(env, pg_db, lease_s=lease)
        b = await v.screen("B")
        root = Path(__file__).resolve().parents[2]
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.screens.screen_worker", env.sim.base_url, env.sim.api_key, env.app_token,
             env.pm_id, pg_db.url, "D", str(env.sim.clock.speed), str(lease), evse.location_id, evse.evse_uid,
             evse.connectors[0].id], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=str(root),
            env=dict(os.environ, PYTHONPATH=str(root)))
        try:
            child.stdin.write(pg_db.password + "\n")
            child.stdin.flush()
            key = (await asyncio.to_thread(child.stdout.readline)).strip()
            assert key
            await wait_for(lambda: b.registry.maybe(key) is not None, timeout=5)   # B follows it...
            await asyncio.sleep(lease)
            assert not _polls_here(b, key)                                         # ...and D polls it
            os.kill(child.pid, signal.SIGKILL)
            child.wait(10)
            died = time.monotonic()
            await wait_for(lambda: _polls_here(b, key), timeout=30)
            n0 = _count(env.sim, "GET /session/status")
            await wait_for(lambda: _count(env.sim, "GET /session/status") > n0, timeout=10)
            took = time.monotonic() - died
            print(f"\nB polls after D's SIGKILL: {took:.2f} s (lease {lease} s, bound {lease * 4 / 3:.1f} s)")
            assert took <= lease * 4 / 3 + 4.0   # (the issue asks for 30 s with the default lease)
        finally:
            if child.poll() is None:
                child.kill()
        await v.close()

    env.run(scenario, timeout=90)


def test_a_screen_that_begins_listening_late_still_takes_the_venues_settings(charge_env, pg_db, tmp_path,
                                                                              monkeypatch):
    """A change written after screen B read the shared settings but before B's LISTEN was in
    place is never announced to B: B reads the settings again once it listens (a busy Pi
    missed the venue's language this way)."""
    import threading

    from kiosk.core.journal.postgres import PgJournal
    from kiosk.services.runtime import JournalSettings, RuntimeSettings

    env = charge_env()
    gate = threading.Event()
    orig = PgJournal.listen

    def late_listen(self, on_change, on_reconnect=None):
        holder = {}

        def later():
            gate.wait(10)
            holder["cancel"] = orig(self, on_change, on_reconnect)
        threading.Thread(target=later, daemon=True).start()

        def cancel():
            gate.set()
            for _ in range(50):
                if "cancel" in holder:
                    return holder["cancel"]()
                time.sleep(0.02)
        return cancel

    async def scenario():
        v = Venue(env, pg_db)
        a = await v.screen("A")
        monkeypatch.setattr(PgJournal, "listen", late_listen)
        b = await v.screen("B")
        monkeypatch.setattr(PgJournal, "listen", orig)
        rt = {}
        for name, svc in (("A", a), ("B", b)):
            rt[name] = RuntimeSettings(tmp_path / name / "runtime.json")
            rt[name].share(JournalSettings(svc.journal))
            svc.venue.setting_listeners.append(rt[name].reload_shared)
        rt["A"].update(default_language="de")
        await asyncio.sleep(0.3)                       # announced while B does not listen yet
        assert rt["B"].get("default_language") != "de"
        gate.set()                                     # B's LISTEN is in place now
        await wait_for(lambda: rt["B"].get("default_language") == "de", timeout=5)
        await v.close()

    env.run(scenario, timeout=60)
