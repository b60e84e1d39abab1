"""Fixtures of the API area (available to every test).

``api_client_factory(**kwargs)``: make a :class:`ChargeAssistClient` on the ``sim`` fixture's
server (its key, appToken ``kiosk-test-venue`` unless given, fast retries).
``client``: one such client. httpx binds connections to the event loop that used them:
use a client in ONE loop and close it there (``async with client: ...``). A client that
was never used is closed at teardown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kiosk.api import ChargeAssistClient, RetryPolicy

TEST_APP_TOKEN = "kiosk-test-venue"


def fast_retry(**kwargs: Any) -> RetryPolicy:
    """Retries with millisecond backoff, for tests."""
    kwargs.setdefault("base_delay", 0.005)
    kwargs.setdefault("max_delay", 0.02)
    return RetryPolicy(**kwargs)


@pytest.fixture
def api_client_factory(sim) -> Iterator[Callable[..., ChargeAssistClient]]:
    made: list[ChargeAssistClient] = []

    def make(**kwargs: Any) -> ChargeAssistClient:
        kwargs.setdefault("headers", sim.auth_headers())
        kwargs.setdefault("app_token", TEST_APP_TOKEN)
        kwargs.setdefault("retry", fast_retry())
        kwargs.setdefault("timeout", 10.0)
        client = ChargeAssistClient(kwargs.pop("base_url", sim.base_url), **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        if not client.is_closed:
            try:
                asyncio.run(client.aclose())
            except RuntimeError:
                pytest.fail("a ChargeAssistClient was used but not closed in its event loop")


@pytest.fixture
def client(api_client_factory) -> ChargeAssistClient:
    return api_client_factory()
