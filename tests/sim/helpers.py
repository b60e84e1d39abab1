"""Small raw-httpx helpers for simulator tests (deliberately not kiosk.api)."""

from __future__ import annotations

import time
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx

from tests.sim.contract import validating_hook

CARD = "NL-GFX-C12345678-X"


def parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Flow:
    """A registered appToken with helpers for the common steps."""

    def __init__(self, sim, token: str = "kiosk-test") -> None:
        self.sim = sim
        self.token = token
        # every answer of a documented path is validated against the upstream document on the way in
        self.c = httpx.Client(base_url=sim.base_url, headers=sim.auth_headers(), timeout=10,
                              event_hooks={"response": [validating_hook]})
        self.c.put(f"/token/{token}").raise_for_status()

    def close(self) -> None:
        self.c.close()

    def add_card(self, visual: str = CARD, verified: bool = True) -> dict:
        r = self.c.put(f"/payment/{self.token}/chargecard", json={"visualNumber": visual})
        r.raise_for_status()
        if verified:
            self.sim.clock.advance(6)
        return r.json()

    def wallet(self, **params) -> list[dict]:
        r = self.c.get(f"/payment/{self.token}/wallet", params=params)
        r.raise_for_status()
        return r.json()["data"]

    def start(self, evse, pm_id: str, connector_id: str | None = None) -> dict:
        body = {"locationId": evse.location_id, "evseUid": evse.evse_uid, "paymentMethodId": pm_id}
        if connector_id:
            body["connectorId"] = connector_id
        r = self.c.post("/session/start", params={"appToken": self.token}, json=body)
        assert r.status_code == 200, r.text
        return r.json()

    def status(self, sid: str, **params) -> dict:
        r = self.c.get("/session/status", params={"appToken": self.token, "chargeSessionId": sid, **params})
        assert r.status_code == 200, r.text
        return r.json()

    def status_with_date(self, sid: str) -> tuple[dict, datetime]:
        r = self.c.get("/session/status", params={"appToken": self.token, "chargeSessionId": sid})
        assert r.status_code == 200, r.text
        return r.json(), parsedate_to_datetime(r.headers["Date"])

    def stop(self, sid: str) -> dict:
        r = self.c.post("/session/stop", params={"appToken": self.token}, json={"chargeSessionId": sid})
        assert r.status_code == 200, r.text
        return r.json()

    def wait_for(self, sid: str, wanted: set[str], timeout: float = 10.0) -> dict:
        """Poll as a client would: wait (nextStatusCall - Date) / speed, capped for tests."""
        deadline = time.monotonic() + timeout
        while True:
            st, date = self.status_with_date(sid)
            if st["status"] in wanted:
                return st
            assert time.monotonic() < deadline, f"still {st['status']}, wanted {wanted}"
            wait = (parse_ts(st["nextStatusCall"]) - date).total_seconds() / self.sim.speed
            time.sleep(min(max(wait, 0.01), 0.2))

    def history(self, **params) -> list[dict]:
        r = self.c.get(f"/token/{self.token}/sessions", params=params)
        assert r.status_code == 200, r.text
        return r.json()["data"]
