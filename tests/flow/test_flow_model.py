"""Model-based test of the guest flow: generated guests at one kiosk, over the simulator.

Each generated sequence has at least three guests who interleave: choosing a charger
(scanned or from the board), starting (accepted, REJECTED, TIMEOUT, a start never made,
an answer lost), walking away at any step, coming back with their code (or a wrong one),
stopping (double taps included), language switches, idle time and network loss. After
every step the invariants a guest would notice are checked:

- every step offers a way out, and a step left alone leaves within its timeout;
- no guest sees another guest's session, code, room or language;
- the step shown agrees with the session's state;
- a stop tapped on a running session reaches the service exactly once.

``make test`` runs 500 sequences (``KIOSK_FLOW_EXAMPLES`` sets another count:
``KIOSK_FLOW_EXAMPLES=5000 .venv/bin/python -m pytest tests/flow -p no:xdist``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kiosk.core.session import has_ended, is_failure, is_running
from kiosk.flow import Action, Step
from tests.flow.harness import LANGS, FlowEnv

EXAMPLES = int(os.environ.get("KIOSK_FLOW_EXAMPLES", "500"))
#: Shrinking a failing sequence takes minutes; the failure's own step log is printed
#: anyway. KIOSK_FLOW_SHRINK=1 shrinks it to the shortest sequence.
PHASES = tuple(Phase) if os.environ.get("KIOSK_FLOW_SHRINK") else (Phase.explicit, Phase.generate)
OUTCOMES = ("ok", "ok", "ok", "rejected", "timeout", "never_started", "lost_answer", "history_down")
WAITS = (1.0, 3.0, 10.0, 30.0, 75.0)


@dataclass
class Guest:
    name: str
    lang: str = "en"
    code: str | None = None
    key: str | None = None
    room: str | None = None
    codes: dict[str, str] = field(default_factory=dict)    # session key -> its code

    @property
    def keys(self) -> set[str]:
        return set(self.codes)


class KioskModel:
    def __init__(self, env: FlowEnv, data: Any) -> None:
        self.env = env
        self.data = data
        self.flow = env.flow
        self.guests = [Guest(f"guest{i}") for i in range(4)]
        self.present: Guest | None = None
        self.actor: Guest | None = None          # whose visit the flow holds (present, or who just left)
        self.arrived: set[str] = set()
        self.owner: dict[str, Guest] = {}
        self.tapped: set[str] = set()             # sim session ids whose stop a guest confirmed
        self.cancelled: list[str] = []            # sim session ids of starts their guest cancelled mid-flight
        self.outcome = "ok"
        self.down = False
        self.wrong_at: dict[str, int] = {}       # EVSE uid -> wrong codes typed there
        self.log: list[str] = []

    def draw(self, strategy: Any, label: str) -> Any:
        return self.data.draw(strategy, label=label)

    def pick(self, choices: Sequence[Any], label: str) -> Any:
        """One of ``choices``, a list that depends on the simulator and the clock (free
        bays, what may happen now). Drawn as an index from a fixed range, so a replay
        whose list came out one longer or shorter draws the same kind of value (a
        ``sampled_from`` over it would make Hypothesis call the generation flaky)."""
        return choices[self.data.draw(st.integers(0, 719), label=label) % len(choices)]

    # -- what may happen now -----------------------------------------------------------------
    def applicable(self) -> list[str]:
        """The actions possible now, repeated by how likely a guest is to do them."""
        f, g = self.flow, self.present
        ex = f.exits()
        net = ["net_up", "net_up"] if self.down else ["net_down"]
        if g is None:
            return ["arrive"] * 4 + ["wait"] + net
        acts = ["leave", "wait"]
        s = f.step
        if s in (Step.HOME, Step.CHARGER):
            acts.append("language")
        if s == Step.HOME:
            acts += ["my_session"] * (3 if g.codes else 1)
            if self.env.free_evses() and not self._running(g):
                acts += ["choose"] * 4
        if s == Step.CHARGER:
            acts += ["back"] + (["start"] * 5 + ["start_cancel"] if Action.START in ex else [])
            acts += ["room"] if Action.PAY_ROOM in ex else []
            acts += ["other"] if Action.OTHER_CHARGER in ex else []
            acts += net
        if s == Step.ROOM:
            acts += ["back", "enter_room", "enter_room"]
        if s == Step.CODE:
            acts += ["noted", "wait", "wait"]
        if s == Step.START_FAILED:
            acts += ["other", "home"] + (["retry"] if Action.RETRY in ex else [])
        if s == Step.CODE_ENTRY:
            acts += ["back"] + (["submit_code"] * 4 if Action.SUBMIT_CODE in ex else [])
        if s == Step.LIVE:
            acts += ["done", "wait"] + (["stop"] * 3 if Action.STOP in ex else []) + \
                (["receipt"] * 2 if Action.RECEIPT in ex else []) + net
        if s == Step.STOP_CONFIRM:
            acts += ["confirm"] * 3 + ["keep"] + net
        if s in (Step.STOPPING, Step.RECEIPT):
            acts += ["done", "wait"]
        return acts

    def _running(self, g: Guest) -> bool:
        live = self.env.svc.registry.maybe(g.key) if g.key else None
        return live is not None and not live.lifecycle.has_ended

    # -- the invariants --------------------------------------------------------------------------
    def check(self) -> None:
        f, v, env = self.flow, self.flow.visit, self.env
        assert f.exits(), f"{f.step} offers no way out"
        assert f.step != Step.STARTING or f.busy == "starting", "Starting shown with no start in flight"
        if self.present is not None:
            assert v.language == self.present.lang, f"{self.present.name} sees language {v.language}"
        if v.key is not None:
            assert self.owner.get(v.key) is self.actor, \
                f"{self.actor and self.actor.name} sees session {v.key} of {self.owner.get(v.key)}"
        if v.code is not None:
            assert self.actor is not None and v.code in self.actor.codes.values(), "a code of another guest is shown"
        if v.room is not None:
            assert self.actor is not None and v.room == self.actor.room, "a room of another guest is shown"
        live = env.svc.registry.maybe(v.key) if v.key else None
        state = live.lifecycle.state if live is not None else None
        if f.step == Step.CODE:
            assert live is not None and not is_failure(state), f"code step shown for a start that is {state}"
        if f.step in (Step.LIVE, Step.STOP_CONFIRM):
            assert v.view is not None and v.view.state == state.value, f"live shows {v.view.state}, session {state}"
        if f.step == Step.STOP_CONFIRM:
            assert v.view.can_stop, "asked to confirm a stop of a session that cannot stop"
        if f.step == Step.RECEIPT:
            assert live is not None and has_ended(state), f"receipt shown for a session that is {state}"
        if f.step == Step.STOPPING and f.busy is None and v.notice is None:
            assert not has_ended(state), "Stopping shown for a session that has ended"
        over = {sid: n for sid, n in env.stops.items() if n > 1}
        assert not over, f"more than one stop reached the service: {over}"

    async def wait_until_free(self) -> None:
        """Nobody touches the kiosk: every step must leave within its own timeout until Home
        holds nothing of the last guest."""
        f, env = self.flow, self.env
        for _ in range(12):
            v = f.visit
            if f.step == Step.HOME and not v.holds_guest_data() and v.language == f.default_language:
                self.actor = None
                return
            step0, visit0 = f.step, v
            limit = f.timeout_s(step0)
            assert limit is not None, f"{step0} holds guest data and never times out"
            t0 = env.mono()
            while f.step == step0 and f.visit is visit0 and env.mono() - t0 <= limit + 1.5:
                await env.advance(1.0)
            assert not (f.step == step0 and f.visit is visit0), f"{step0} did not leave within {limit:.0f} s"
            self.check()
        raise AssertionError("the kiosk never came back to a clean Home")

    # -- actions -------------------------------------------------------------------------------------
    async def do_arrive(self) -> None:
        waiting = [g for g in self.guests if g.name not in self.arrived] or self.guests
        g = self.pick(waiting, "guest")
        v = self.flow.visit
        assert self.flow.step == Step.HOME and not v.holds_guest_data() and v.language == "en", \
            f"{g.name} arrives at {self.flow.step} holding {v}"
        g.lang = "en"
        self.present = self.actor = g
        self.arrived.add(g.name)

    async def do_leave(self) -> None:
        self.present = None
        await self.wait_until_free()

    async def do_wait(self) -> None:
        await self.env.advance(self.draw(st.sampled_from(WAITS), "seconds"))

    async def do_language(self) -> None:
        lang = self.draw(st.sampled_from(LANGS), "language")
        self.flow.set_language(lang)
        self.present.lang = lang

    async def do_net_down(self) -> None:
        self.env.sim.faults.set("*", error_rate=1.0, error_status=503)
        self.down = True

    async def do_net_up(self) -> None:
        self.env.sim.faults.clear()
        self.down = False

    async def do_choose(self) -> None:
        free = self.env.free_evses()
        if not free:          # the last free bay was taken since the action was drawn
            return
        evse = self.pick(free, "evse")
        self.outcome = self.draw(st.sampled_from(OUTCOMES), "outcome")
        self.present.room = None
        await self.flow.choose_charger(evse.location_id, evse.evse_uid)

    async def do_room(self) -> None:
        self.flow.pay_room()

    async def do_enter_room(self) -> None:
        room = self.draw(st.sampled_from(["101", "214", "3B", "412"]), "room")
        await self.flow.enter_room(room)
        self.present.room = room

    def _arrange(self) -> None:
        """Make the simulator give the drawn outcome to the next start."""
        sim, uid = self.env.sim, self.flow.visit.charger.evse_uid
        if self.down:
            return
        if self.outcome == "rejected":
            sim.scenario.block(uid)
        elif self.outcome == "timeout":
            sim.scenario.no_car(uid)
        elif self.outcome == "never_started":
            sim.faults.set("POST /session/start", error_rate=1.0, error_status=502, times=1)
        elif self.outcome == "lost_answer":
            sim.faults.set("POST /session/start", drop_after_action=True, times=1)
        elif self.outcome == "history_down":
            sim.faults.set("POST /session/start", error_rate=1.0, error_status=502, times=1)
            sim.faults.set("GET /token/{appToken}/sessions", error_rate=1.0, error_status=503, times=3)

    def _started(self) -> None:
        v, g = self.flow.visit, self.present
        if self.flow.step == Step.CODE:
            assert v.code and v.key
            g.code, g.key = v.code, v.key
            g.codes[v.key] = v.code
            self.owner[v.key] = g
        self.outcome = "ok"
        self.env.sim.scenario.unblock(self.flow.visit.charger.evse_uid) if self.flow.visit.charger else None

    async def do_start(self) -> None:
        self._arrange()
        await self.flow.start()
        self._started()

    async def do_retry(self) -> None:
        await self.flow.retry()
        self._started()

    async def do_start_cancel(self) -> None:
        uid = self.flow.visit.charger.evse_uid
        self._arrange()
        before = set(self.env.sim.state.sessions)
        task = asyncio.ensure_future(self.flow.start())
        for _ in range(self.draw(st.integers(0, 6), "ticks before cancel")):
            await asyncio.sleep(0)
        cancelled = self.flow.step == Step.STARTING
        self.flow.cancel()
        await task
        await asyncio.gather(*self.flow._background, return_exceptions=True)
        self.outcome = "ok"
        self.env.sim.scenario.unblock(uid)
        if cancelled:
            self.cancelled += [sid for sid in set(self.env.sim.state.sessions) - before]
        elif self.flow.step == Step.CODE:        # the start came back before the cancel: a normal start
            self._started()

    async def do_noted(self) -> None:
        self.flow.noted()

    async def do_my_session(self) -> None:
        self.flow.my_session()

    async def do_submit_code(self) -> None:
        """The guest names a charger and types a code: their own (at their charger), or,
        a guesser, a made-up one at any charger with a session."""
        g = self.present
        right = bool(g.codes) and self.draw(st.integers(0, 4), "right code") > 0
        if right:
            key = self.pick(list(g.codes), "session")
            evse, code = self.env.svc.registry.maybe(key).evse_uid, g.codes[key]
        else:
            uids = sorted({lv.evse_uid for lv in self.env.svc.registry.values()}) or [self.env.sim.venue.evses[0].evse_uid]
            evse = self.pick(uids, "charger guessed at")
            code = self.draw(st.text("0123456789", min_size=6, max_size=6), "guess")
            if code in self.codes_at(evse):
                code = f"{(int(code) + 1) % 1_000_000:06d}"
            self.wrong_at[evse] = self.wrong_at.get(evse, 0) + 1
        self.flow.choose_code_charger(evse)
        await self.flow.submit_code(code)
        v = self.flow.visit
        if right and self.flow.step == Step.LIVE:
            g.key = v.key
        elif right:
            # only guessing at this very charger may keep its rightful guest out (for a while)
            assert self.wrong_at.get(evse, 0) >= 5, f"{g.name}'s right code refused at {evse}: {v.notice.text()}"
        if not right:
            assert self.flow.step == Step.CODE_ENTRY and v.key is None, "a wrong code opened a session"

    def codes_at(self, evse: str) -> set[str]:
        return {c for g in self.guests for k, c in g.codes.items()
                if (lv := self.env.svc.registry.maybe(k)) is not None and lv.evse_uid == evse}

    async def do_stop(self) -> None:
        self.flow.stop()

    async def do_confirm(self) -> None:
        key = self.flow.visit.key
        await asyncio.gather(self.flow.confirm_stop(), self.flow.confirm_stop())   # a double tap
        v = self.flow.visit
        live = self.env.svc.registry.maybe(key)
        if v.key == key and v.stop_sent and live is not None and live.charge_session_id:
            self.tapped.add(live.charge_session_id)

    async def do_keep(self) -> None:
        self.flow.keep_charging()

    async def do_receipt(self) -> None:
        self.flow.show_receipt()

    async def do_done(self) -> None:
        self.flow.done()

    async def do_back(self) -> None:
        self.flow.back()

    async def do_other(self) -> None:
        self.flow.other_charger()

    async def do_home(self) -> None:
        self.flow.home()

    # -- a whole sequence --------------------------------------------------------------------------------
    async def act(self, name: str) -> None:
        self.log.append(f"{self.present.name if self.present else '-'} {name} @ {self.flow.step}")
        visit = self.flow.visit
        before = set(self.env.sim.state.sessions)
        await getattr(self, "do_" + name)()
        new = set(self.env.sim.state.sessions) - before
        if new:
            self.log[-1] += f" (new session on {', '.join(self.env.sim.state.sessions[n].evse.evse_uid for n in new)})"
        if self.flow.visit is not visit and self.present is not None and name != "arrive":
            # the visit ended (noted, done, a timeout): the kiosk forgot the guest standing there
            self.present.lang = self.flow.visit.language
        self.check()

    async def run(self) -> None:
        for _ in range(self.draw(st.integers(15, 40), "steps")):
            await self.act(self.pick(self.applicable(), "action"))
        # at least three guests each come to the kiosk and try to charge
        if self.down:
            await self.act("net_up")
        while len(self.arrived) < 3:
            if self.present is not None:
                await self.act("leave")
            await self.act("arrive")
            if self.env.free_evses() and not self._running(self.present):
                await self.act("choose")
                if Action.START in self.flow.exits():
                    await self.act("start")
        await self.finish()

    async def finish(self) -> None:
        """Everyone with a running session comes back with the code and stops it."""
        if self.down:
            await self.act("net_up")
        if self.present is not None:
            await self.act("leave")
        await self.env.advance(90.0)      # the poller's back-off after an outage is at most 60 s
        for g in self.guests:
            for key in list(g.codes):
                live = self.env.svc.registry.maybe(key)
                if live is None or not is_running(live.lifecycle.state):
                    continue
                self.present = self.actor = g
                g.lang, g.key = "en", key
                await self.act("my_session")
                self.flow.choose_code_charger(live.evse_uid)
                for _ in range(100):          # a charger someone guessed at opens again later
                    await self.flow.submit_code(g.codes[key])
                    if self.flow.step == Step.LIVE or self.flow.visit.notice is None \
                            or "Too many" not in self.flow.visit.notice.text():
                        break
                    await self.env.advance(60.0)
                    self.flow.touch()
                self.check()
                assert self.flow.step == Step.LIVE and self.flow.visit.key == key, \
                    f"{g.name} cannot open their running session: {self.flow.step} {self.flow.visit.notice}"
                g.code = self.flow.visit.code
                await self.act("stop")
                await self.act("confirm")
                for i in range(120):          # the guest waits for the receipt (and answers "Still there?")
                    if self.flow.step == Step.RECEIPT:
                        break
                    await self.env.advance(1.0)
                    if i % 20 == 19:
                        self.flow.touch()
                assert self.flow.step == Step.RECEIPT, f"stopped, but shows {self.flow.step}"
                self.present = None
                await self.wait_until_free()
        for sid in self.tapped:
            lv = next((lv for lv in self.env.svc.registry.values() if lv.charge_session_id == sid), None)
            ended_by_itself = self.env.sim.state.sessions[sid].status in ("TIMEOUT", "REJECTED", "CANCELLED", "ERROR")
            assert self.env.stops[sid] == 1 or (ended_by_itself and self.env.stops[sid] == 0), (
                f"session {sid}: {self.env.stops[sid]} stops reached the service (kiosk: "
                f"{lv and (lv.lifecycle, lv.stop_requested, lv.stop_sent, lv.failures)}, "
                f"simulator: {self.env.sim.state.sessions[sid].status})")
        for sid in self.cancelled:
            s = self.env.sim.state.sessions[sid]
            if s.status in ("CHARGING", "PARKING", "STARTING", "REQUESTED") and self.env.stops[s.id] == 0:
                lv = next((lv for lv in self.env.svc.registry.values() if lv.charge_session_id == s.id), None)
                raise AssertionError(f"a start cancelled by its guest still runs on {s.evse.evse_uid} ({s.status}; "
                                     f"journal: {lv and (lv.key, lv.lifecycle, lv.start_phase)})")


def _example(data: Any) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="kiosk-flow-"))
    env = FlowEnv(tmp, seed=data.draw(st.integers(1, 3), label="seed"))

    async def main() -> None:
        await env.open()
        model = KioskModel(env, data)
        try:
            await model.run()
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nsteps:\n" + "\n".join(model.log[-40:])) from None
        finally:
            await env.close()
    try:
        asyncio.run(main())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.timeout(max(900, 2 * EXAMPLES))   # the full runs: about 0.3 s a sequence
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, phases=PHASES,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_generated_guests_at_one_kiosk(data):
    _example(data)
