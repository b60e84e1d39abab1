"""Session lifecycle: a Qt-free state machine per charging session.

States are the API's session statuses plus three kiosk-local ones:

- ``PENDING``: the start intent is journaled and the POST is in flight (no id yet);
- ``UNKNOWN``: the service cannot be reached, the last known state is kept aside;
- ``NOT_STARTED``: the start never produced a session (refused, or the answer was lost and
  the service's history shows no session for it). Final.

The API may skip states (a poll can go straight from REQUESTED to CHARGING, or from
CHARGING to COMPLETED) and a late answer may carry an older state than one already seen.
:meth:`Lifecycle.apply` accepts every forward move, CHARGING <-> PARKING, and any move to a
failure state from a non-final state; it ignores backward moves (stale answers).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kiosk.i18n import N_, Translator

_ = Translator("core")


class State(StrEnum):
    PENDING = "PENDING"
    REQUESTED = "REQUESTED"
    STARTING = "STARTING"
    CHARGING = "CHARGING"
    PARKING = "PARKING"
    STOPPING = "STOPPING"
    COMPLETED = "COMPLETED"
    CDR_AVAILABLE = "CDR_AVAILABLE"
    REJECTED = "REJECTED"
    TIMEOUT = "TIMEOUT"
    CANCELLED = "CANCELLED"
    ERROR = "ERROR"
    UNKNOWN = "UNKNOWN"
    NOT_STARTED = "NOT_STARTED"


#: The API's own session statuses, in lifecycle order (what the service sends and filters by).
API_STATES: tuple[State, ...] = (State.REQUESTED, State.STARTING, State.CHARGING, State.PARKING, State.STOPPING,
                                 State.COMPLETED, State.CDR_AVAILABLE, State.REJECTED, State.TIMEOUT,
                                 State.CANCELLED, State.ERROR)
#: States after which nothing changes any more (polling stops).
FINAL = frozenset({State.CDR_AVAILABLE, State.REJECTED, State.TIMEOUT, State.CANCELLED, State.ERROR,
                   State.NOT_STARTED})
#: The charge has ended (the EVSE is free for the next guest; costs may still come).
ENDED = FINAL | {State.COMPLETED}
#: The start failed or the session was cut short before or without charging.
FAILURES = frozenset({State.REJECTED, State.TIMEOUT, State.CANCELLED, State.ERROR, State.NOT_STARTED})
#: Before energy flows: poll every few seconds.
STARTUP = frozenset({State.PENDING, State.REQUESTED, State.STARTING})
#: The car is connected and the session runs (charging, or full and parked).
RUNNING = frozenset({State.CHARGING, State.PARKING})
#: In progress on the service (what its history calls active): not ended, not local-only.
ACTIVE = frozenset({State.REQUESTED, State.STARTING, State.CHARGING, State.PARKING, State.STOPPING})
#: A guest (or attendant) may ask to stop.
STOPPABLE = frozenset({State.REQUESTED, State.STARTING, State.CHARGING, State.PARKING, State.UNKNOWN})


def _in(group: frozenset[State], state: object) -> bool:
    st = parse_state(state)
    return st is not None and st in group


def is_final(state: object) -> bool:
    """Nothing changes any more (final costs known, or the session failed)."""
    return _in(FINAL, state)


def has_ended(state: object) -> bool:
    """The charge is over: the bay is free (COMPLETED may still wait for its costs)."""
    return _in(ENDED, state)


def is_failure(state: object) -> bool:
    """The start failed or the session was cut short (REJECTED, TIMEOUT, ...)."""
    return _in(FAILURES, state)


def is_startup(state: object) -> bool:
    """Asked to start, energy not flowing yet."""
    return _in(STARTUP, state)


def is_running(state: object) -> bool:
    """Charging or parked with the car connected."""
    return _in(RUNNING, state)


def is_active(state: object) -> bool:
    """In progress on the service (requested up to stopping)."""
    return _in(ACTIVE, state)


def can_stop(state: object) -> bool:
    """A stop may be sent (the state before STOPPING; UNKNOWN: maybe still running)."""
    return _in(STOPPABLE, state)


_RANK = {
    State.PENDING: 0, State.REQUESTED: 1, State.STARTING: 2, State.CHARGING: 3, State.PARKING: 3,
    State.STOPPING: 4, State.COMPLETED: 5, State.CDR_AVAILABLE: 6,
}


def parse_state(value: object) -> State | None:
    """The State for an API status value (str or StrEnum); None for an unknown value."""
    if value is None:
        return None
    try:
        return State(str(getattr(value, "value", value)).upper())
    except ValueError:
        return None


def can_transition(old: State, new: State) -> bool:
    """Whether a report of ``new`` should move a session that is in ``old``."""
    if old == new:
        return False
    if new == State.UNKNOWN:
        return old not in FINAL
    if new == State.PENDING:
        return False
    if old in FINAL:
        # a failed session may still get its charge detail record (costs)
        return old in (State.ERROR, State.CANCELLED) and new == State.CDR_AVAILABLE
    if new in FAILURES:
        return True
    if {old, new} == {State.CHARGING, State.PARKING}:
        return True
    return _RANK.get(new, -1) > _RANK.get(old, -1)


@dataclass
class Lifecycle:
    """State of one session; ``known`` is the last state the service reported."""

    state: State = State.PENDING
    known: State = State.PENDING

    @property
    def is_final(self) -> bool:
        return self.state in FINAL

    @property
    def has_ended(self) -> bool:
        return self.state in ENDED or (self.state == State.UNKNOWN and self.known in ENDED)

    def apply(self, status: object) -> bool:
        """Apply a status the service reported; True when the state changed."""
        new = parse_state(status)
        if new is None or new == State.UNKNOWN:
            return False
        base = self.known if self.state == State.UNKNOWN else self.state
        if new == base:
            changed = self.state != new
            self.state = new
            return changed
        if not can_transition(base, new):
            if self.state == State.UNKNOWN:  # back in touch, nothing new
                self.state = base
                return True
            return False
        self.state = self.known = new
        return True

    def unreachable(self) -> bool:
        """The service cannot be reached: show UNKNOWN (keeps the last known state)."""
        if self.state in FINAL or self.state == State.UNKNOWN:
            return False
        self.known = self.state
        self.state = State.UNKNOWN
        return True

    def not_started(self) -> None:
        self.state = self.known = State.NOT_STARTED


@dataclass(frozen=True)
class StateText:
    title: str
    explanation: str
    next_step: str


_TEXTS: dict[State, tuple[str, str, str]] = {
    State.PENDING: (N_("Starting"), N_("We are asking the charger to start."),
                    N_("Make sure the cable is plugged into your car. This takes a few seconds.")),
    State.REQUESTED: (N_("Requested"), N_("The charger has received the start request."),
                      N_("Plug the cable into your car if you have not done so yet.")),
    State.STARTING: (N_("Starting"), N_("The charger accepted the request and is starting."),
                     N_("Keep the cable plugged in. Charging begins in a moment.")),
    State.CHARGING: (N_("Charging"), N_("Energy is flowing to your car."),
                     N_("You can leave. Come back and enter your code to see the progress or stop.")),
    State.PARKING: (N_("Parked, not charging"),
                    N_("Your car is connected but is not taking energy (it may be full)."),
                    N_("Stop the session with your code when you leave; parking time may be charged.")),
    State.STOPPING: (N_("Stopping"), N_("The charger is ending the session."),
                     N_("Wait a moment before you unplug the cable.")),
    State.COMPLETED: (N_("Completed"), N_("Charging has ended."),
                      N_("You can unplug the cable. The final cost follows shortly.")),
    State.CDR_AVAILABLE: (N_("Finished"), N_("The session is finished and the final cost is known."),
                          N_("Unplug the cable and take your receipt.")),
    State.REJECTED: (N_("Not started"), N_("The charger refused to start (payment not accepted or charger blocked)."),
                     N_("Try another charger or ask the front desk for help.")),
    State.TIMEOUT: (N_("Not started"), N_("The charger did not detect a car in time."),
                    N_("Plug the cable firmly into your car and start again.")),
    State.CANCELLED: (N_("Cancelled"), N_("The session was cancelled."),
                      N_("Start again if you still want to charge, or ask the front desk.")),
    State.ERROR: (N_("Problem"), N_("The charger reported a problem with this session."),
                  N_("Ask the front desk for help. You will not be charged for energy you did not receive.")),
    State.UNKNOWN: (N_("Checking"), N_("We cannot reach the charging service right now."),
                    N_("Your session continues on the charger. We keep trying; check again in a minute.")),
    State.NOT_STARTED: (N_("Not started"), N_("No charging session was started."),
                        N_("Try again, or ask the front desk for help.")),
}


def describe_state(state: State | str, lang: str | None = None) -> StateText:
    """Guest-facing title, explanation and next step of a state (translated)."""
    st = parse_state(state) or State.UNKNOWN
    title, expl, nxt = _TEXTS[st]
    return StateText(_(title, lang=lang), _(expl, lang=lang), _(nxt, lang=lang))


def state_title(status: str) -> str:
    """A status as staff and guests read it ("CHARGING" -> "Charging", in the language on
    screen); a status this release does not know, capitalised as it came."""
    st = parse_state(status)
    return describe_state(st).title if st is not None else str(status).capitalize()
