"""Fixtures for the session service (available to every test).

``charge_env(speed=...)``: a simulator (traffic off), a registered appToken with an external
payment method, and a factory for SessionService/ChargeAssistClient pairs over real HTTP.
Async scenarios run with ``charge_env.run(coro_fn)``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

APP_TOKEN = "kiosk-sessions-test"


@dataclass
class ChargeEnv:
    sim: Any
    tmp: Path
    app_token: str = APP_TOKEN
    pm_id: str = ""
    services: list[Any] = field(default_factory=list)

    @property
    def journal_path(self) -> Path:
        return self.tmp / "data" / "journal.sqlite3"

    def client(self, **kw: Any) -> Any:
        from kiosk.api import ChargeAssistClient

        return ChargeAssistClient(self.sim.base_url, headers={"Authorization": f"ApiKey {self.sim.api_key}"},
                                  app_token=self.app_token, timeout=kw.pop("timeout", 5.0), **kw)

    def service(self, client: Any, **kw: Any) -> Any:
        from kiosk.services.sessions import SessionService

        kw.setdefault("time_scale", self.sim.clock.speed if hasattr(self.sim, "clock") else 50.0)
        kw.setdefault("attendant_pin", "2468")
        svc = SessionService(client, kw.pop("journal_path", self.journal_path), **kw)
        self.services.append(svc)
        return svc

    def evses(self, n: int | None = None) -> list[Any]:
        out = [e for e in self.sim.venue.evses if e.base_status == "AVAILABLE"]
        return out[:n] if n else out

    def run(self, fn: Any, timeout: float = 60.0) -> Any:
        async def main() -> Any:
            return await asyncio.wait_for(fn(), timeout)
        return asyncio.run(main())


async def wait_for(pred: Any, timeout: float = 20.0, step: float = 0.02) -> None:
    """Await until ``pred()`` is true (test helper)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not pred():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(step)


@pytest.fixture
def charge_env(sim_factory, tmp_path):
    def make(**sim_kwargs: Any) -> ChargeEnv:
        sim_kwargs.setdefault("speed", 100.0)
        srv = sim_factory(**sim_kwargs)
        srv.scenario.traffic = False
        env = ChargeEnv(srv, tmp_path)

        async def setup() -> None:
            async with env.client() as c:
                await c.register_token()
                pm = await c.add_external_payment("ROOM-TEST", display_name="Test room")
                env.pm_id = pm.id

        asyncio.run(setup())
        return env

    yield make
