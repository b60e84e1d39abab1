"""The guest's price as the screens and the session views see it: the offer before Start
(``GuestOffer`` on :class:`~kiosk.services.venue.ChargerDetails`), the live estimate at the
guest's price, and the policy each session started under (kept in the journal: staff may
change the policy while a guest charges; the guest pays what they were shown).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kiosk.core.pricing import GuestPrice, PricePolicy, display_tariff, example_text, from_operator, guest_quote, \
    price_lines, price_rows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GuestOffer:
    """What the guest will pay, shown before Start. ``unknown``: the policy depends on the
    operator's price and it is not known; ``start_allowed`` is the venue's choice then."""

    policy: PricePolicy
    operator: Any                  # TariffSchedule of the operator's price, or None
    unknown: bool
    start_allowed: bool
    tz: str = "Europe/Amsterdam"

    @property
    def mode(self) -> str:
        return self.policy.mode

    def lines(self, lang: str | None = None) -> list[str]:
        """The short price list (empty when unknown)."""
        t = display_tariff(self.policy, self.operator)
        return [] if t is None else price_lines(t, lang)

    def rows(self, lang: str | None = None) -> list[tuple[str, str]]:
        """The short price list as ``(dimension, line)`` (empty when unknown)."""
        t = display_tariff(self.policy, self.operator)
        return [] if t is None else price_rows(t, lang)

    def example(self, lang: str | None = None) -> str:
        return example_text(self.policy, self.operator, lang, tz=self.tz)

    @property
    def vat_percent(self) -> Decimal | None:
        if self.policy.mode in ("own", "margin_percent", "margin_per_kwh"):
            return self.policy.vat_percent
        return None


class GuestPricing:
    """The policy in force (``policy()``, staff may change it), offers, live guest estimates."""

    def __init__(self, policy: Callable[[], PricePolicy], *, allow_unknown: Callable[[], bool],
                 tz: str = "Europe/Amsterdam") -> None:
        self.policy = policy
        self.allow_unknown = allow_unknown
        self.tz = tz
        self.sessions: Any = None
        self._own: dict[str, tuple[int, Any]] = {}     # key -> (observations seen, GuestPrice) for "own"
        self._busy: set[str] = set()
        self._at: dict[str, float] = {}
        self._policies: dict[str, PricePolicy] = {}
        self._tasks: set[asyncio.Task] = set()

    # -- before Start -------------------------------------------------------------------
    def offer(self, tariff_json: dict | None) -> GuestOffer:
        from kiosk.core.tariff import from_charge_assist

        sched = None
        if tariff_json:
            try:
                sched = from_charge_assist(tariff_json)
            except Exception:  # noqa: BLE001 - an unreadable tariff is an unknown price
                log.warning("the operator's tariff could not be read for the guest price")
        policy = self.policy()
        unknown = policy.depends_on_operator and sched is None
        return GuestOffer(policy, sched, unknown, bool(self.allow_unknown()) or not unknown, self.tz)

    # -- sessions -----------------------------------------------------------------------
    def attach(self, sessions: Any) -> None:
        """Hook into the session service: remember each new session's policy, give the views
        the guest's estimate."""
        self.sessions = sessions
        sessions.views.guest_cost = self.live_cost
        sessions.views.guest_tariff = self.live_tariff
        sessions.subscribe(self._on_update)
        sessions.registry.on_forget(lambda keys: [self.forget(k) for k in keys])

    def policy_of(self, key: str) -> PricePolicy:
        """The policy session ``key`` started under (the current one if it was never kept)."""
        p = self._policies.get(key)
        if p is None and self.sessions is not None:
            data = self.sessions.journal.session_policy(key)
            p = PricePolicy.from_dict(data) if data else self.policy()
            self._policies[key] = p
        return p or self.policy()

    def _on_update(self, update: Any) -> None:
        key = update.entry.key
        if key not in self._policies and not update.entry.is_final:   # (a final one: policy_of reads it)
            p = self.policy()
            self._policies[key] = p
            self._spawn(self.sessions.io.call(self.sessions.journal.remember_policy, key, p.to_dict()))
        if not update.entry.is_final and self._policies[key].mode == "own":
            self._reprice_own(key)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(lambda t: (self._tasks.discard(t), t.cancelled() or t.exception()))

    def _reprice_own(self, key: str) -> None:
        """The own tariff over the observed profile, off the loop, at most once a second."""
        live = self.sessions.registry.maybe(key)
        if live is None or live.released or key in self._busy or time.monotonic() - self._at.get(key, -9) < 1.0:
            return
        seen = len(live.tracker.observations)
        if key in self._own and self._own[key][0] == seen:
            return
        profile = live.tracker.profile()
        if profile is None:
            return
        self._busy.add(key)
        self._at[key] = time.monotonic()
        policy = self._policies[key]

        async def work() -> None:
            try:
                g = await asyncio.to_thread(guest_quote, policy, profile, None)
                if g is not None:
                    self._own[key] = (seen, g)
                    self.sessions.poller.notify(live, None)   # the guest's screen shows the new figure
            finally:
                self._busy.discard(key)
        self._spawn(work())

    def live_tariff(self, live: Any) -> Any:
        """The tariff the guest of session ``live`` pays (its policy over the operator's
        tariff), None when it depends on an unknown operator price."""
        return display_tariff(self.policy_of(live.key), live.tariff)

    def live_cost(self, live: Any) -> Any:
        """The guest's cost so far (or final) as a CostEstimate, for the guest's views."""
        from kiosk.services.sessions.model import CostEstimate

        g = self.guest_price(live)
        if g is None:
            return None
        return CostEstimate(g.currency, g.incl_vat, g.excl_vat, final=live.total_costs is not None)

    def guest_price(self, live: Any) -> GuestPrice | None:
        policy = self.policy_of(live.key)
        if policy.mode == "own":
            hit = self._own.get(live.key)
            return hit[1] if hit else None
        energy = live.energy_kwh
        if live.total_costs is not None:
            vat = live.total_vat or Decimal(0)
            cur = live.currency or policy.currency
            return from_operator(policy, live.total_costs - vat, live.total_costs, energy, cur)
        est = live.estimate
        if est is None:
            if policy.mode == "free":
                return from_operator(policy, Decimal(0), Decimal(0), energy, policy.currency)
            return None
        ex = getattr(est, "exact_excl_vat", None) or est.excl_vat
        inc = getattr(est, "exact_incl_vat", None) or est.incl_vat
        return from_operator(policy, ex, inc, energy, est.currency)

    def forget(self, key: str) -> None:
        """The session left memory (ended, off the board): its policy is in the journal."""
        self._own.pop(key, None)
        self._at.pop(key, None)
        self._policies.pop(key, None)

    async def aclose(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        for t in list(self._tasks):
            try:
                await t
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
