"""Charge Assist simulator: a real HTTP server implementing, over a demo venue, the operations the
kiosk uses of the operator's document (upstream/openapi.json), its quirks included (strict=True: tidy).

>>> from kiosk.sim import SimServer
>>> srv = SimServer(port=0, seed=1, speed=50).start()
>>> srv.base_url, srv.venue.qr_urls()[0]
>>> srv.stop()
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk._lazy import lazy_exports

__all__ = ["DEMO_API_KEY", "Evse", "Fault", "Faults", "Scenario", "SimServer", "Venue", "VirtualClock", "build_venue"]

# loaded on first use: `kiosk run` registers `kiosk sim` without importing the simulator
__getattr__ = lazy_exports(__name__, {
    "VirtualClock": "clock", "Fault": "faults", "Faults": "faults", "DEMO_API_KEY": "server", "SimServer": "server",
    "Scenario": "state", "Evse": "venue", "Venue": "venue", "build_venue": "venue"})

if TYPE_CHECKING:
    from kiosk.sim.clock import VirtualClock
    from kiosk.sim.faults import Fault, Faults
    from kiosk.sim.server import DEMO_API_KEY, SimServer
    from kiosk.sim.state import Scenario
    from kiosk.sim.venue import Evse, Venue, build_venue
