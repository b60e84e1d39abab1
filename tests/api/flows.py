"""Helpers for flows over real HTTP against the simulator."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Container

from kiosk.api import ChargeAssistClient, models

CARD = "NL-GFX-C12345678-X"


async def wait_card_valid(client: ChargeAssistClient, card_id: str, timeout_s: float = 10.0) -> models.PaymentMethodModel:
    deadline = time.monotonic() + timeout_s
    while True:
        method = next(m for m in await client.wallet() if m.id == card_id)
        if method.verification_status != models.VerificationStatus.PENDING or time.monotonic() > deadline:
            return method
        await asyncio.sleep(0.05)


async def poll_until(client: ChargeAssistClient, session_id: str, wanted: Container[str], *, speed: float,
                     timeout_s: float = 30.0) -> list[models.StatusResponse]:
    """Poll as the API asks (nextStatusCall against the server's Date, scaled by the
    simulator's speed, clamped to 20-500 ms) until the status is in ``wanted``."""
    seen: list[models.StatusResponse] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = await client.session_status(session_id)
        seen.append(status)
        if status.status in wanted:
            return seen
        wait = 0.1
        if status.next_status_call and status.server_time:
            wait = (status.next_status_call - status.server_time).total_seconds() / speed
        await asyncio.sleep(min(0.5, max(0.02, wait)))
    raise AssertionError(f"session never reached {wanted}; last: {[s.status for s in seen[-5:]]}")
