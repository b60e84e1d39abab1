"""The steps of a guest's visit, what a guest can do on each (its exits) and how long each
waits for a guest who walked away (its timeout).

Every step but Home has a visible way out and times out to Home; a step that shows the
guest's code warns with a countdown first (the code is shown once). The UI draws the
current step and forwards taps; it never decides where to go next.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Step(StrEnum):
    HOME = "home"                   # scan a charger, pick one on the board, or "My session"
    CHARGER = "charger"             # what the charger is, what it costs, who pays; plug in, then Start
    ROOM = "room"                   # the room number for room billing
    STARTING = "starting"           # the start request is on its way (no code yet)
    CODE = "started"                # the guest's code, shown once, beside the progress of the start
    START_FAILED = "start_failed"   # the start did not happen: why, and the best next action first
    CODE_ENTRY = "code"             # "My session": the guest types (or scans) the code
    LIVE = "live"                   # the guest's session: power, energy, time, cost; stop or receipt
    STOP_CONFIRM = "stop_confirm"   # "Stop charging now?"
    STOPPING = "stopping"           # the stop is sent; waiting for the charger to end the session
    RECEIPT = "receipt"             # the receipt (final once the charge detail record came)


class Action(StrEnum):
    """What a guest can tap. ``GuestFlow.exits()`` lists those available now."""

    SCAN = "scan"
    CHOOSE_CHARGER = "choose_charger"
    MY_SESSION = "my_session"
    LANGUAGE = "language"
    BACK = "back"
    HOME = "home"
    OTHER_CHARGER = "other_charger"
    PAY_VENUE = "pay_venue"
    PAY_ROOM = "pay_room"
    ENTER_ROOM = "enter_room"
    START = "start"
    CANCEL = "cancel"
    NOTED = "noted"
    RETRY = "retry"
    SUBMIT_CODE = "submit_code"
    SHOW_CODE = "show_code"
    STOP = "stop"
    CONFIRM_STOP = "confirm_stop"
    KEEP_CHARGING = "keep_charging"
    RECEIPT = "receipt"
    DONE = "done"


@dataclass(frozen=True)
class Timings:
    """Seconds (the kiosk's own monotonic clock). ``idle_s`` is the venue's setting."""

    idle_s: float = 60.0            # a step with nothing pending: no touch for this long -> Home
    warn_s: float = 10.0            # of which the last seconds show "Still there?" with a countdown
    code_s: float = 180.0           # the code screen stays this long ...
    code_warn_s: float = 30.0       # ... counting down visibly for the last seconds
    failed_s: float = 45.0          # a failed start's explanation (and its "Try again") stays this long
    receipt_s: float = 120.0        # the receipt stays this long
    start_wait_s: float = 90.0      # longest wait for the start request to come back
    stop_wait_s: float = 60.0       # then the Stopping step says the charger has not confirmed yet
    receipt_wait_s: float = 90.0    # then the receipt says the final costs follow later


@dataclass(frozen=True)
class StepSpec:
    exits: frozenset[Action]        # every action the step can offer (some only in some states)
    timeout: str | None             # the Timings field of its timeout (None: Home, no timeout)
    warn: str | None                # the Timings field of its warning before the timeout


SPECS: dict[Step, StepSpec] = {
    Step.HOME: StepSpec(frozenset({Action.SCAN, Action.CHOOSE_CHARGER, Action.MY_SESSION, Action.LANGUAGE}),
                        None, None),
    Step.CHARGER: StepSpec(frozenset({Action.BACK, Action.OTHER_CHARGER, Action.PAY_VENUE, Action.PAY_ROOM,
                                      Action.START, Action.LANGUAGE, Action.MY_SESSION}), "idle_s", "warn_s"),
    Step.ROOM: StepSpec(frozenset({Action.BACK, Action.ENTER_ROOM}), "idle_s", "warn_s"),
    Step.STARTING: StepSpec(frozenset({Action.CANCEL}), "start_wait_s", None),
    Step.CODE: StepSpec(frozenset({Action.NOTED}), "code_s", "code_warn_s"),
    Step.START_FAILED: StepSpec(frozenset({Action.OTHER_CHARGER, Action.RETRY, Action.HOME}), "failed_s", "warn_s"),
    Step.CODE_ENTRY: StepSpec(frozenset({Action.BACK, Action.CHOOSE_CHARGER, Action.SUBMIT_CODE, Action.SHOW_CODE}),
                              "idle_s", "warn_s"),
    Step.LIVE: StepSpec(frozenset({Action.STOP, Action.RECEIPT, Action.DONE}), "idle_s", "warn_s"),
    Step.STOP_CONFIRM: StepSpec(frozenset({Action.CONFIRM_STOP, Action.KEEP_CHARGING}), "idle_s", "warn_s"),
    Step.STOPPING: StepSpec(frozenset({Action.DONE, Action.BACK, Action.RETRY}), "idle_s", "warn_s"),
    Step.RECEIPT: StepSpec(frozenset({Action.DONE}), "receipt_s", "warn_s"),
}

#: Steps that show the guest's code (a countdown before they time out).
SHOWS_CODE = frozenset({Step.CODE})
