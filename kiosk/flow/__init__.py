"""The guest's visit as a Qt-free state machine: steps, exits, timeouts (``steps``), what
the kiosk knows of the guest in front of it (``visit``), what the flow needs from the
services (``ports``), and the machine itself (``machine.GuestFlow``). The screens in
``kiosk.ui`` draw ``flow.step`` and forward taps; ``tests/flow`` drives it over the
simulator with generated guests."""

from .machine import GuestFlow
from .steps import SHOWS_CODE, SPECS, Action, Step, Timings
from .visit import ChargerRef, Failure, Notice, Progress, Visit

__all__ = ["GuestFlow", "Step", "Action", "Timings", "SPECS", "SHOWS_CODE", "Visit", "ChargerRef", "Failure",
           "Notice", "Progress"]
