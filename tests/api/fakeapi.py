"""A scripted Charge Assist stand-in on httpx.MockTransport, for edge cases the simulator
cannot produce on demand. Routes answer in order; the last answer repeats."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from kiosk.api import ChargeAssistClient, RetryPolicy

BASE = "https://ca.test"
KEY = "sk-test-9f8e7d6c5b4a"
TOKEN = "venue-token-5a7b9c"

Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def reply(status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    if body is None:
        return httpx.Response(status, headers=headers)
    if isinstance(body, bytes):
        return httpx.Response(status, content=body, headers=headers)
    return httpx.Response(status, content=json.dumps(body).encode(),
                          headers={"Content-Type": "application/json", **(headers or {})})


class FakeApi:
    def __init__(self, fallback: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.fallback = fallback  # answers requests no route matches (else 404)
        self.routes: dict[tuple[str, str], list[Answer]] = {}
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def on(self, method: str, path: str, *answers: Answer) -> FakeApi:
        self.routes[(method, path)] = list(answers)
        return self

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answers = self.routes.get((request.method, request.url.path))
        if not answers and self.fallback is not None:
            return self.fallback(request)
        if not answers:
            return reply(404, f"no route {request.method} {request.url.path}")
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer) and not isinstance(answer, httpx.Response):
            return answer(request)
        return answer

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def policy(self, **kwargs: Any) -> RetryPolicy:
        kwargs.setdefault("random", lambda: 0.5)
        return RetryPolicy(sleep=self.sleep, **kwargs)

    def client(self, *, retry: RetryPolicy | None = None, headers: dict[str, str] | None = None,
               app_token: str | None = TOKEN) -> ChargeAssistClient:
        return ChargeAssistClient(
            BASE,
            headers=headers if headers is not None else {"Authorization": f"ApiKey {KEY}"},
            app_token=app_token,
            retry=retry or self.policy(),
            transport=httpx.MockTransport(self.handler),
        )
