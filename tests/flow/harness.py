"""A kiosk without widgets for the flow's tests: the simulator over real HTTP, the real
session and venue services, and :class:`kiosk.flow.GuestFlow`, all on one virtual clock.

Time is the simulator's virtual clock (standing still but for :meth:`FlowEnv.advance`): the
flow's timeouts, the service's clock and its waits (the settle time before looking up a
lost start) all read it, so minutes of a guest's visit take milliseconds. The service's
own polling task is off; :meth:`FlowEnv.poll` does what it does (a status call per live
session, the look-up of starts whose answer was lost), when the test says time passed.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.core.session import State
from kiosk.flow import GuestFlow, Timings
from kiosk.sim import SimServer

APP_TOKEN = "kiosk-flow-test"
LANGS = ("en", "nl", "de", "fr")


class FlowEnv:
    def __init__(self, tmp: Path, *, seed: int = 1, timings: Timings | None = None,
                 room_payment: bool = True) -> None:
        # virtual time stands still but for advance(): a run depends on its draws, not on how
        # fast this machine is (hypothesis replays a failing sequence and needs the same run)
        self.sim = SimServer(host="127.0.0.1", port=0, seed=seed, speed=1e-6,
                             start_time=datetime(2026, 6, 1, 9, 0, tzinfo=UTC)).start()
        self.sim.scenario.traffic = False
        self.tmp = tmp
        self.timings = timings or Timings()
        self.room_payment = room_payment
        self.stops: Counter[str] = Counter()      # POST /session/stop that reached a session, per id
        real_stop = self.sim.state.stop

        def counting_stop(s: Any, now: Any) -> None:
            self.stops[s.id] += 1
            real_stop(s, now)
        self.sim.state.stop = counting_stop       # type: ignore[method-assign]
        self.client: Any = None
        self.svc: Any = None
        self.venue: Any = None
        self.flow: GuestFlow | None = None
        self._due: dict[str, float] = {}          # session key -> virtual time of its next poll

    # -- clock ------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.sim.clock.now()

    def mono(self) -> float:
        return self.sim.clock.now().timestamp()

    async def sleep(self, seconds: float) -> None:
        """The service's waits move the virtual clock instead of waiting."""
        if seconds > 0:
            self.sim.clock.advance(seconds)
        await asyncio.sleep(0)

    # -- building -----------------------------------------------------------------------------
    async def open(self) -> GuestFlow:
        from kiosk.api import ChargeAssistClient
        from kiosk.api.retry import RetryPolicy
        from kiosk.services.sessions import SessionService
        from kiosk.services.venue import VenueService

        self.client = ChargeAssistClient(self.sim.base_url, headers={"Authorization": f"ApiKey {self.sim.api_key}"},
                                         app_token=APP_TOKEN, timeout=5.0, retry=RetryPolicy(sleep=self.sleep))
        await self.client.__aenter__()
        await self.client.register_token()
        self.svc = SessionService(self.client, self.tmp / "journal.sqlite3", time_scale=1.0, clock=self.now,
                                  sleep=self.sleep, poll=False, estimate_interval_s=0.0)
        self.venue = VenueService(self.client, location_ids=list(self.sim.venue.location_ids),
                                  payment_external_ref="VENUE-FLOW", room_payment=self.room_payment,
                                  in_use=lambda: {e.evse_uid for e in self.svc.active() if not e.is_final})
        await self.venue.load()
        self.flow = GuestFlow(self.venue, self.svc, timings=self.timings, now=self.mono,
                              room_payment=self.room_payment, classify_scan=scan_kind)
        return self.flow

    async def close(self) -> None:
        if self.svc is not None:
            await self.svc.aclose()
        if self.client is not None:
            await self.client.aclose()
        # the simulator's shutdown waits for its serve loop's poll (~0.1 s): not on our time
        threading.Thread(target=self.sim.stop, daemon=True).start()

    # -- what the poller would do ----------------------------------------------------------------
    async def poll(self, *, due_only: bool = False) -> None:
        """One round of the service's poller for every live session (``due_only``: those
        whose next poll is due by the poller's own schedule, in virtual seconds)."""
        now = self.mono()
        for live in list(self.svc.registry.values()):
            if live.lifecycle.is_final:
                continue
            if live.wake.is_set():       # woken, as the poller's task is (a stop was sent or asked)
                live.wake.clear()
                replan, live.replan = live.replan, False
                self._due[live.key] = now + self._wait(live) if replan else now
            if due_only and self._due.get(live.key, 0.0) > now:
                continue
            await self.svc.poller.round(live)
            self._due[live.key] = self.mono() + self._wait(live)

    def _wait(self, live: Any) -> float:
        state = live.lifecycle.state if live.charge_session_id else State.PENDING
        wait = self.svc.poller.policy.server_delay(state, server_time=live.server_time,
                                                   next_status_call=live.next_status_call, failures=live.failures)
        return wait if wait is not None else 3600.0

    async def advance(self, seconds: float, *, step: float = 1.0) -> None:
        """Let ``seconds`` pass: the flow ticks every ``step`` seconds; each session is polled
        when the poller's schedule says (every 4 s while starting, then at nextStatusCall)."""
        assert self.flow is not None
        done = 0.0
        while done < seconds:
            dt = min(step, seconds - done)
            self.sim.clock.advance(dt)
            done += dt
            await self.poll(due_only=True)
            self.flow.tick()
        await asyncio.sleep(0)

    # -- the venue -----------------------------------------------------------------------------
    def free_evses(self) -> list[Any]:
        """Venue EVSEs a guest can start on now (available, nothing of ours open on them)."""
        busy = {e.evse_uid for e in self.svc.active() if not e.is_final}
        return [e for e in self.sim.venue.evses if e.base_status == "AVAILABLE" and e.evse_uid not in busy]

    def sim_session(self, key: str) -> Any:
        live = self.svc.registry.maybe(key)
        if live is None or not live.charge_session_id:
            return None
        return self.sim.state.sessions.get(live.charge_session_id)


def scan_kind(text: str) -> tuple[str, str] | None:
    """What a scanned text is to the flow (the kiosk's own QR codes)."""
    from kiosk.core import payload

    classify_own = getattr(payload, "classify_own", None)
    if classify_own is not None:
        return classify_own(text)
    return None
