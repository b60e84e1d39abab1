"""Fixtures of the hotel billing tests: a session service with billing over the simulator,
and a real local receiver of postings."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from tests.billing.receiver import Receiver

SECRET = "whsec_" + base64.b64encode(b"kiosk-billing-test-secret-0123456789").decode()


@pytest.fixture
def receiver():
    rec = Receiver(SECRET)
    yield rec
    rec.stop()


def make_billing(env: Any, svc: Any, *, policy: Any = None, receiver: Receiver | None = None, tmp: Path | None = None,
                 allow_unknown: bool = True, **cfg: Any) -> Any:
    from kiosk.core.pricing import PricePolicy
    from kiosk.services.billing import BillingConfig, BillingService

    config = BillingConfig(posting_url=receiver.url if receiver else None, posting_secret=SECRET if receiver else None,
                           retry_base_s=cfg.pop("retry_base_s", 0.05), retry_cap_s=cfg.pop("retry_cap_s", 0.5),
                           check_s=cfg.pop("check_s", 0.2), sweep_s=cfg.pop("sweep_s", 0.2),
                           export_dir=(tmp / "exports") if tmp else None, **cfg)
    pol = policy or PricePolicy()
    return BillingService(svc, config, policy=lambda: pol, allow_unknown=lambda: allow_unknown,
                          client=lambda: svc.client)
