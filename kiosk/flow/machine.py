"""``GuestFlow``: the guest's visit as one Qt-free state machine.

The flow holds the current :class:`~kiosk.flow.steps.Step` and the :class:`Visit`, calls
the services, and tells its listeners after every change. Screens draw ``flow.step`` with
``flow.visit`` and forward taps to the flow's actions; the flow alone decides where to go.

Rules it keeps (and ``tests/flow`` checks after every generated step):
- every step but Home times out to Home (and Home too while it holds a guest's language);
  ``touch()`` restarts the countdown; ``warning()`` tells the UI when to ask "Still there?";
- a result that comes back after its visit ended (the guest left, the step timed out) is
  dropped, never shown to whoever stands there now; a start that comes back after its
  guest cancelled or left is stopped;
- "Try again" exists only on the failed start's own step, which times out to Home;
- every step offers a way out (:meth:`exits`); the step shown agrees with the session's
  state (a failed start leaves the code step, an ended session leaves Stopping).
"""

from __future__ import annotations

from .charging import ChargerSteps
from .core import FlowCore, ScanClassifier
from .session import SessionSteps

__all__ = ["GuestFlow", "ScanClassifier"]


class GuestFlow(ChargerSteps, SessionSteps, FlowCore):
    """The guest's visit: FlowCore keeps the state, the clock and the exits; ChargerSteps the
    charger and the start; SessionSteps the guest's own session. See the module docstring."""
