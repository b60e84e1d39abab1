"""Hotel billing (issue 16): the guest's price, kiosk receipt numbers, rooms that exist and
postings to the guest's bill. See ``README.md`` beside this file.

``BillingService`` composes the parts and hooks them into the session service:

- :class:`~.guest.GuestPricing`: the policy in force, the offer before Start, the guest's
  live estimate (``SessionService.views.guest_cost``);
- :class:`~.rooms.Rooms`: room checks against the PMS file or look-up URL, stays, their
  payment methods, check-outs (``VenueService.rooms``);
- :class:`~.postings.Finalizer`: receipt number and posting when a session reaches its
  final cost (subscribed to ``SessionService``), the late-CDR estimate, the catch-up;
- :class:`~.outbox.Outbox`: signed webhook delivery with backoff;
- :class:`~.desk.BillingDesk`: what the desk sees and does, and the daily CSV.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.core.pricing import PricePolicy

from .desk import BillingDesk, DeskBillingError, PostingRow, journal_guest_lookup, write_daily_csv
from .guest import GuestOffer, GuestPricing
from .messages import RoomRefused
from .outbox import Outbox
from .postings import Finalizer
from .rooms import Rooms, parse_rooms

log = logging.getLogger(__name__)

__all__ = ["BillingConfig", "BillingDesk", "BillingService", "DeskBillingError", "GuestOffer", "GuestPricing",
           "PostingRow", "RoomRefused", "journal_guest_lookup", "Rooms", "parse_rooms", "policy_from_settings"]


def policy_from_settings(s: Any) -> PricePolicy:
    """The price policy the configuration file sets (staff may override it at run time)."""
    return PricePolicy(mode=s.price_policy, margin=str(s.price_margin), vat_percent=str(s.price_vat_percent),
                       currency=s.price_currency, per_kwh=str(s.own_price_per_kwh),
                       per_hour=str(s.own_price_per_hour), per_session=str(s.own_price_per_session),
                       parking_per_hour=str(s.own_parking_per_hour), parking_after_min=s.own_parking_after_min)


@dataclass
class BillingConfig:
    series: str = "K1"
    tz: str = "Europe/Amsterdam"
    receipt_url_template: str | None = None
    rooms_file: Path | None = None
    rooms_url: str | None = None
    rooms_url_auth: str | None = None
    rooms_when_down: str = "refuse"
    rooms_initial: bool = False
    posting_url: str | None = None
    posting_secret: str | None = None
    posting_timeout_s: float = 10.0
    cdr_wait_s: float = 6 * 3600.0
    check_s: float = 60.0
    sweep_s: float = 60.0
    retry_base_s: float = 2.0
    retry_cap_s: float = 600.0
    give_up_s: float = 3 * 86400.0
    export_dir: Path | None = None
    sender_transport: Any = None
    lookup_transport: Any = None

    @classmethod
    def from_settings(cls, s: Any, **extra: Any) -> BillingConfig:
        def secret(v: Any) -> str | None:
            return v.get_secret_value() if v is not None else None

        return cls(series=s.receipt_prefix, receipt_url_template=s.receipt_url_template, rooms_file=s.rooms_file,
                   rooms_url=s.rooms_url, rooms_url_auth=secret(s.rooms_url_auth), rooms_when_down=s.rooms_url_down,
                   rooms_initial=s.rooms_initial, posting_url=s.posting_url, posting_secret=secret(s.posting_secret),
                   cdr_wait_s=float(s.posting_cdr_wait_s), give_up_s=float(s.posting_give_up_h) * 3600,
                   export_dir=Path(s.data_dir) / "exports", **extra)


class BillingService:
    def __init__(self, sessions: Any, config: BillingConfig, *, policy: Callable[[], PricePolicy],
                 allow_unknown: Callable[[], bool] = lambda: True, client: Callable[[], Any] | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.sessions = sessions
        self.config = config
        self.clock = clock or sessions.clock
        self.pricing = GuestPricing(policy, allow_unknown=allow_unknown, tz=config.tz)
        self.pricing.attach(sessions)
        lookup = None
        if config.rooms_url and not config.rooms_file:
            from kiosk.api.webhooks import RoomLookup

            lookup = RoomLookup(config.rooms_url, auth=config.rooms_url_auth, transport=config.lookup_transport)
        self.rooms = Rooms(sessions.io, sessions.journal, client or (lambda: sessions.client), file=config.rooms_file,
                           lookup=lookup, when_down=config.rooms_when_down, require_initial=config.rooms_initial)
        self.finalizer = Finalizer(sessions, self.pricing.policy_of, series=config.series, tz=config.tz,
                                   url_template=config.receipt_url_template, cdr_wait_s=config.cdr_wait_s,
                                   check_s=config.check_s, clock=self.clock,
                                   label=lambda uid: sessions.evse_labels.get(uid, uid), on_posting=self._posted)
        self.finalizer.attach()
        sender = None
        if config.posting_url and config.posting_secret:
            url, secret, timeout, transport = (config.posting_url, config.posting_secret, config.posting_timeout_s,
                                               config.sender_transport)

            def sender() -> Any:
                from kiosk.api.webhooks import WebhookSender

                return WebhookSender(url, secret, timeout=timeout, transport=transport)
        self.outbox = Outbox(sessions.io, sessions.journal, sender, clock=self.clock, base_s=config.retry_base_s,
                             cap_s=config.retry_cap_s, give_up_s=config.give_up_s, on_change=self.changed)
        self.desk = BillingDesk(self)
        sessions.views.receipt_extra = self.receipt_extra
        self._tasks: list[asyncio.Task] = []
        self._csv_task: asyncio.Task | None = None
        self._listeners: list[Callable[[], None]] = []

    # -- running --------------------------------------------------------------------------
    def start(self) -> None:
        """Start the loops (catch-up and late CDRs, delivery, the rooms sweep)."""
        self._tasks = [asyncio.ensure_future(self.finalizer.run()), asyncio.ensure_future(self.outbox.run()),
                       asyncio.ensure_future(self._sweep_loop())]

    async def _sweep_loop(self) -> None:
        while True:
            try:
                await self.rooms.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001
                log.exception("rooms sweep failed")
            await asyncio.sleep(self.config.sweep_s)

    async def aclose(self) -> None:
        await self.finalizer.aclose()
        await self.outbox.aclose()
        await self.pricing.aclose()
        for t in self._tasks + ([self._csv_task] if self._csv_task else []):
            t.cancel()
        for t in self._tasks + ([self._csv_task] if self._csv_task else []):
            try:
                await t
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
        if self.rooms.lookup is not None:
            await self.rooms.lookup.aclose()

    # -- changes ----------------------------------------------------------------------------
    def subscribe(self, cb: Callable[[], None]) -> Callable[[], None]:
        """``cb()`` after a posting was added or changed status (the desk refreshes)."""
        self._listeners.append(cb)
        return lambda: self._listeners.remove(cb) if cb in self._listeners else None

    def _posted(self) -> None:
        self.changed()
        self.outbox.wake()

    def changed(self) -> None:
        for cb in list(self._listeners):
            try:
                cb()
            except Exception:  # noqa: BLE001
                log.exception("billing listener failed")
        if self.config.export_dir is not None and (self._csv_task is None or self._csv_task.done()):
            self._csv_task = asyncio.ensure_future(self._write_csv())

    async def _write_csv(self) -> None:
        await asyncio.sleep(2.0)      # a burst of changes is written once
        day = self.clock().astimezone(ZoneInfo(self.config.tz)).date().isoformat()
        try:
            await asyncio.to_thread(write_daily_csv, self.sessions.journal, self.config.export_dir, day,
                                    self.config.tz)
        except OSError as exc:
            log.warning("daily postings CSV not written: %s", exc)

    # -- the guest's receipt ------------------------------------------------------------------
    def receipt_extra(self, live: Any) -> dict[str, Any]:
        """The Receipt fields of hotel billing (the views call this)."""
        from decimal import Decimal

        out: dict[str, Any] = {"price_policy": self.pricing.policy_of(live.key).mode}
        g = self.pricing.guest_price(live)
        if g is not None:
            out.update(guest_currency=g.currency, guest_estimate_incl_vat=g.incl_vat)
            if live.total_costs is not None and live.lifecycle.state.value == "CDR_AVAILABLE":
                # final costs in, the kiosk receipt a moment later: the guest's final figures already
                out.update(guest_total_excl_vat=g.excl_vat, guest_total_incl_vat=g.incl_vat, guest_vat=g.vat,
                           guest_vat_percentage=g.vat_percent, guest_basis="final")
        info = self.finalizer.receipt_info(live.key)
        if info is not None:
            gd = info["guest"]
            out.update(kiosk_receipt_number=info["number"], receipt_url=info["url"], guest_basis=info["basis"],
                       guest_currency=gd["currency"], guest_total_excl_vat=Decimal(gd["excl_vat"]),
                       guest_total_incl_vat=Decimal(gd["incl_vat"]), guest_vat=Decimal(gd["vat"]),
                       guest_vat_percentage=Decimal(gd["vat_percent"]) if gd.get("vat_percent") else None)
        return out
