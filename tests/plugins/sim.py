"""Fixtures for the Charge Assist simulator (available to every test).

``sim``: a fresh SimServer per test on a free loopback port, speed 50, seed 1.
``sim_factory(**kwargs)``: make more (or differently configured) servers; all stopped at teardown.
"""

from __future__ import annotations

import pytest

from kiosk.sim import SimServer


@pytest.fixture
def sim_factory():
    servers: list[SimServer] = []

    def make(**kwargs) -> SimServer:
        kwargs.setdefault("host", "127.0.0.1")
        kwargs.setdefault("port", 0)
        kwargs.setdefault("seed", 1)
        kwargs.setdefault("speed", 50.0)
        srv = SimServer(**kwargs).start()
        servers.append(srv)
        return srv

    yield make
    for srv in servers:
        srv.stop()
    for srv in servers:
        assert not srv.errors, "the simulator raised:\n" + "\n".join(srv.errors)


@pytest.fixture
def sim(sim_factory) -> SimServer:
    return sim_factory()
