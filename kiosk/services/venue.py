"""The venue as the guest screens see it (Qt-free asyncio, called by :mod:`kiosk.ui`).

- :meth:`VenueService.load`: the venue's locations (GET /locations/{id}) and branding.
- :meth:`VenueService.board`: the chargers board, refreshed cheaply through
  POST /locations/availability; marks the service offline (with the last good time) when
  it cannot be reached, and keeps showing the last known board. When the service asks to
  wait (``Retry-After`` on 429/503) it is not asked again before that time has passed
  (``busy_until``).
- :meth:`VenueService.resolve`: a scanned text -> a charger. What can be a charger code
  (a web address on the operator's domains, on a venue host of ``qr_hosts`` or, with
  ``qr_other_hosts``, any other; an EVSE id; a location id) goes to the service:
  POST /qr, whose ``valid`` decides, or the EVSE look-up. The kiosk's own guest-code and
  receipt codes raise :class:`ResolveError` with reason ``guest_code``/``receipt`` and the
  classified ``payload``, so a screen can open its own screen for them.
- :meth:`VenueService.charger`: one EVSE's details, usability and its price: the tariff
  for the venue payment method (``price_source="payment_method"``); when that method has
  none (validity UNKNOWN, NO_TARIFF_FOUND, ...) the charger's public price from the default
  tariff (``price_source="public"``); when neither is known, no tariff and
  ``price_source=None``. In plain words (``kiosk.core.tariff.describe/example_cost``).
- :meth:`VenueService.venue_payment_method` / :meth:`room_payment_method`: the payment
  method to start with: the configured id, the venue card, the venue's external reference,
  or a room number turned into (or reusing) an external payment method.

No texts for guests are produced here except those the tariff engine formats; reasons are
codes (:class:`Unusable`) the UI translates.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from kiosk.services.payments import VenuePayments

log = logging.getLogger(__name__)

#: the location's branding colour as the kiosk last saw it (``venue-brand.json`` in the data
#: folder): a restart paints its first frame in it, and the board does not re-theme the window
#: when the answer brings the same colour (~35 ms; and no colour flash on every restart)
BRAND_FILE = "venue-brand.json"
_HEX_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


def _read_brand(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        color = json.loads(path.read_text(encoding="utf-8")).get("primary_color_hex")
    except (OSError, ValueError, AttributeError):
        return None          # none yet, or unreadable: the configured colour until the answer
    return color if isinstance(color, str) and _HEX_COLOR.fullmatch(color) else None


class Unusable(StrEnum):
    """Why a guest cannot start on an EVSE now."""

    OCCUPIED = "OCCUPIED"            # CHARGING: someone else is connected
    IN_USE_HERE = "IN_USE_HERE"      # a session started through this kiosk runs on it
    BLOCKED = "BLOCKED"
    OUT_OF_ORDER = "OUT_OF_ORDER"    # INOPERATIVE / OUTOFORDER / REMOVED / PLANNED
    RESERVED = "RESERVED"
    NOT_ALLOWED = "NOT_ALLOWED"      # chargingNotAllowed / restricted
    NO_TARIFF = "NO_TARIFF"          # no compatible payment method / tariff
    PRICE_UNKNOWN = "PRICE_UNKNOWN"  # the guest's price depends on an unknown operator price and the venue forbids it


class ResolveError(Exception):
    """A scanned code is not a charger of this venue. ``reason``: invalid, unknown, offline,
    no_payment, or guest_code / receipt for the kiosk's own codes (``payload`` then holds the
    classified code: ``payload.value`` is the guest code or the receipt's reference)."""

    def __init__(self, reason: str, detail: str = "", payload: Any = None) -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.payload = payload


@dataclass
class Bay:
    """One EVSE on the board."""

    location_id: str
    evse_uid: str
    name: str
    status: str
    max_kw: float | None = None
    power_type: str | None = None
    floor: str | None = None
    standards: list[str] = field(default_factory=list)
    in_use_here: bool = False


@dataclass
class ChargerDetails:
    location: Any            # models.LocationModel
    evse: Any                # models.EvseModel
    connector_id: str | None
    status: str
    unusable: Unusable | None
    tariff_json: dict | None
    tariff_text: str
    example_text: str
    vat_included: bool | None
    vat_percent: float | None
    payment_method_id: str | None
    branding: Any = None
    #: where the price comes from: "payment_method" (the venue's payment method's tariff),
    #: "public" (the charger's public price, the default tariff: not the venue's price) or
    #: None (no price known: tariff_json is None)
    price_source: str | None = None
    #: the service's validity of the venue payment method's tariff here (VALID, UNKNOWN,
    #: NO_TARIFF_FOUND, NOT_COMPATIBLE, ERROR), None when not known
    tariff_validity: str | None = None
    #: what the GUEST pays (kiosk.services.billing.GuestOffer: the venue's price policy over
    #: the operator's tariff, a short list and an example), None without hotel billing
    guest_offer: Any = None

    @property
    def name(self) -> str:
        return evse_name(self.evse)


def evse_name(evse: Any) -> str:
    return (getattr(evse, "display_name", None) or getattr(evse, "physical_reference", None)
            or getattr(evse, "evse_id", None) or getattr(evse, "uid", "") or "")


def _status(s: Any) -> str:
    return str(getattr(s, "value", s) or "UNKNOWN")


USABLE_STATUSES = {"AVAILABLE"}


def unusable_reason(status: str, evse: Any = None, in_use_here: bool = False) -> Unusable | None:
    if in_use_here:
        return Unusable.IN_USE_HERE
    if evse is not None and getattr(evse, "charging_not_allowed", False):
        return Unusable.NOT_ALLOWED
    if status in USABLE_STATUSES:
        return None
    if status == "UNKNOWN":
        return None   # the station may just not report; let the guest try
    return {"CHARGING": Unusable.OCCUPIED, "BLOCKED": Unusable.BLOCKED, "RESERVED": Unusable.RESERVED}.get(
        status, Unusable.OUT_OF_ORDER)


class VenueService(VenuePayments):
    def __init__(self, client: Any, *, location_ids: list[str], qr_hosts: list[str] | None = None,
                 qr_other_hosts: bool = False,
                 payment_method_id: str | None = None, payment_card: str | None = None,
                 payment_external_ref: str | None = None, room_payment: bool = False,
                 in_use: Callable[[], set[str]] | None = None, lang: Callable[[], str] | None = None,
                 monotonic: Callable[[], float] = time.monotonic, brand_file: Path | None = None) -> None:
        self.client = client
        self._brand_file = brand_file
        #: the branding colour of the last answer, remembered in ``brand_file`` (None: none known)
        self.remembered_color: str | None = _read_brand(brand_file)
        self.location_ids = list(location_ids)
        self.qr_hosts = list(qr_hosts or [])
        self.qr_other_hosts = qr_other_hosts
        self._monotonic = monotonic
        #: the service asked to wait (Retry-After) until then (UTC); the board is not refreshed before
        self.busy_until: datetime | None = None
        self._not_before: float | None = None
        self.payment_method_id = payment_method_id
        self.payment_card = payment_card
        self.payment_external_ref = payment_external_ref
        self.room_payment = room_payment
        self._in_use = in_use or (lambda: set())
        self._lang = lang
        self.locations: dict[str, Any] = {}
        self.bays: list[Bay] = []
        self.online: bool = True
        self.last_updated: datetime | None = None
        self.last_error: str | None = None
        self._pm_cache: str | None = None
        self._pm_generation = 0      # bumped by set_payment_method: a look-up in flight for the old choice is not cached
        self._lock = asyncio.Lock()
        #: hotel billing (kiosk.services.billing), set by the app: the guest's price on each
        #: charger (``pricing.offer``) and the room check (``rooms.payment_method``)
        self.pricing: Any = None
        self.rooms: Any = None

    # -- venue -----------------------------------------------------------------------------
    @property
    def branding(self) -> Any:
        for loc in self.locations.values():
            b = getattr(loc, "branding", None)
            if b is not None:
                return b
        return None

    def _remember_brand(self) -> None:
        """Keep the loaded locations' branding colour for the next start (only when it changed)."""
        if self._brand_file is None or not self.loaded_all():
            return          # (a partial answer may lack the location that carries the colour)
        color = getattr(self.branding, "primary_color_hex", None)
        color = color if isinstance(color, str) and _HEX_COLOR.fullmatch(color) else None
        if color == self.remembered_color:
            return
        try:
            if color is None:
                self._brand_file.unlink(missing_ok=True)
            else:
                self._brand_file.parent.mkdir(parents=True, exist_ok=True)
                tmp = self._brand_file.with_suffix(".tmp")
                tmp.write_text(json.dumps({"primary_color_hex": color}), encoding="utf-8")
                os.replace(tmp, self._brand_file)
            self.remembered_color = color
        except OSError as exc:      # a full disk: only the next start's first colour is lost
            self._brand_file.with_suffix(".tmp").unlink(missing_ok=True)
            log.warning("branding colour not remembered: %s", exc)

    def loaded_all(self) -> bool:
        """Every location of the venue is known (its last answer had them all)."""
        return bool(self.location_ids) and set(self.location_ids) <= set(self.locations)

    def display_name(self) -> str:
        b = self.branding
        if b is not None and getattr(b, "display_name", None):
            return b.display_name
        for loc in self.locations.values():
            return getattr(loc, "display_name", None) or getattr(loc, "name", None) or ""
        return ""

    def _mark(self, ok: bool, exc: BaseException | None = None) -> None:
        if ok:
            self.online = True
            self.last_updated = datetime.now(UTC)
            self.last_error = None
        else:
            from kiosk.api import errors

            if isinstance(exc, (errors.TransportError, errors.ServerError, errors.RateLimited)):
                self.online = False
            self.last_error = type(exc).__name__ if exc else None

    async def load(self) -> list[Bay]:
        """Fetch the venue's locations (full details). Offline: keep what we have."""
        if self.client is None:
            return self.bays
        results = await asyncio.gather(*(self.client.location(lid) for lid in self.location_ids),
                                       return_exceptions=True)
        for lid, res in zip(self.location_ids, results, strict=True):
            if isinstance(res, BaseException):
                self._mark(False, res)
                self._wait_asked(res)
                log.warning("location %s not loaded: %s", lid, type(res).__name__)
            else:
                self.locations[lid] = res
                self._mark(True)
        self._rebuild()
        self._remember_brand()
        return self.bays

    def _rebuild(self, statuses: dict[tuple[str, str], str] | None = None) -> None:
        in_use = self._in_use()
        bays = []
        for lid, loc in self.locations.items():
            for evse in getattr(loc, "evses", None) or []:
                uid = getattr(evse, "uid", None)
                if not uid:
                    continue
                conns = getattr(evse, "connectors", None) or []
                kws = [c.power_in_kw or c.kw for c in conns if (getattr(c, "power_in_kw", None) or getattr(c, "kw", None))]
                status = (statuses or {}).get((lid, uid)) or _status(getattr(evse, "status", None))
                bays.append(Bay(location_id=lid, evse_uid=uid, name=evse_name(evse), status=status,
                                max_kw=float(max(kws)) if kws else None,
                                power_type=_status(conns[0].power_type) if conns and conns[0].power_type else None,
                                floor=getattr(evse, "floor_level", None),
                                standards=[_status(c.standard) for c in conns if getattr(c, "standard", None)],
                                in_use_here=uid in in_use))
        self.bays = bays

    def _wait_asked(self, exc: BaseException) -> None:
        """Remember a Retry-After (429 or 503): no board refresh before it has passed."""
        seconds = getattr(exc, "retry_after", None)
        if seconds is None or seconds <= 0:
            return
        self._not_before = self._monotonic() + seconds
        self.busy_until = datetime.now(UTC) + timedelta(seconds=seconds)
        log.info("the service asked to wait %.0f s before the next board refresh", seconds)

    def _waiting(self) -> bool:
        if self._not_before is None:
            return False
        if self._monotonic() < self._not_before:
            return True
        self._not_before = None
        self.busy_until = None
        return False

    async def board(self) -> list[Bay]:
        """Refresh the board's availability (POST /locations/availability). While the
        service's Retry-After runs, the last board is kept and nothing is asked (offline)."""
        if self.client is None:      # not connected yet (the window shows before the client exists)
            return self.bays
        if self._waiting():
            self.online = False
            self._rebuild(self._last_statuses())
            return self.bays
        if not self.locations:
            await self.load()
            if not self.locations:
                return self.bays
        try:
            avail = await self.client.availability(list(self.locations))
        except Exception as exc:  # noqa: BLE001 - any failure: keep the last board, say offline
            self._mark(False, exc)
            self._wait_asked(exc)
            self._rebuild(self._last_statuses())
            return self.bays
        statuses: dict[tuple[str, str], str] = {}
        for la in avail or []:
            for st in getattr(la, "evses", None) or []:
                if getattr(st, "uid", None):
                    statuses[(la.id, st.uid)] = _status(st.status)
        self._mark(True)
        self._rebuild(statuses)
        return self.bays

    def _last_statuses(self) -> dict[tuple[str, str], str]:
        return {(b.location_id, b.evse_uid): b.status for b in self.bays}

    async def service_status(self) -> bool:
        try:
            ok = bool(await self.client.service_status())
        except Exception as exc:  # noqa: BLE001
            self._mark(False, exc)
            return False
        if ok:
            self._mark(True)
        else:
            self.online = False
        return ok

    # -- scanning --------------------------------------------------------------------------
    async def resolve(self, text: str) -> tuple[str, str, str | None]:
        """Scanned text -> (location_id, evse_uid, connector_id or None)."""
        from kiosk.api import errors
        from kiosk.core.payload import PayloadKind, classify

        p = classify(text, allowed_hosts=self.qr_hosts, other_hosts=self.qr_other_hosts)
        kind = p.kind
        if kind == PayloadKind.INVALID:
            raise ResolveError("invalid", getattr(p, "message", "") or "", payload=p)
        if kind in (PayloadKind.GUEST_CODE, PayloadKind.RECEIPT):  # the kiosk's own codes: never sent
            raise ResolveError(str(kind), payload=p)
        try:
            if kind == PayloadKind.QR_URL:
                qr = await self.client.parse_qr(p.value)
                if getattr(qr, "valid", False) and qr.location_id and qr.evse_uid:
                    self._mark(True)
                    return qr.location_id, qr.evse_uid, qr.connector_id
                raise ResolveError("unknown")
            if kind == PayloadKind.LOCATION_ID:
                if p.value in self.locations:
                    loc = self.locations[p.value]
                    evses = [e for e in loc.evses or [] if _status(e.status) == "AVAILABLE"] or list(loc.evses or [])
                    if evses:
                        return p.value, evses[0].uid, None
                raise ResolveError("unknown")
            # EVSE id / uid printed on the charger
            for loc in self.locations.values():
                for e in loc.evses or []:
                    if p.value in (e.uid, e.evse_id, (e.evse_id or "").replace("*", "")):
                        return loc.id, e.uid, None
            loc = await self.client.location_by_evse(p.value)
            self._mark(True)
            for e in loc.evses or []:
                if p.value in (e.uid, e.evse_id):
                    return loc.id, e.uid, None
            if loc.evses:
                return loc.id, loc.evses[0].uid, None
            raise ResolveError("unknown")
        except ResolveError:
            raise
        except errors.NotFound as exc:
            raise ResolveError("unknown") from exc
        except (errors.TransportError, errors.ServerError, errors.RateLimited) as exc:
            self._mark(False, exc)
            raise ResolveError("offline") from exc

    def is_ours(self, location_id: str) -> bool:
        return not self.location_ids or location_id in self.location_ids

    # -- charger ---------------------------------------------------------------------------
    async def charger(self, location_id: str, evse_uid: str, connector_id: str | None = None) -> ChargerDetails:
        from kiosk.core.tariff import describe, example_cost, from_charge_assist

        loc = self.locations.get(location_id)
        try:
            fresh = await self.client.location(location_id, evse_uid=evse_uid)
            self._mark(True)
            loc = fresh   # (may hold only this EVSE: never stored as the venue's location)
        except Exception as exc:
            self._mark(False, exc)
            if loc is None:
                raise
        evse = next((e for e in loc.evses or [] if e.uid == evse_uid), None)
        if evse is None:
            raise ResolveError("unknown")
        conns = evse.connectors or []
        if connector_id is None and conns:
            connector_id = conns[0].id
        status = _status(evse.status)
        reason = unusable_reason(status, evse, evse_uid in self._in_use())
        pm_id = None
        priced = None            # the WalletTariffItem whose tariff is shown
        source = validity = None
        text = example = ""
        try:
            pm_id = await self.venue_payment_method()
            items = await self.client.tariffs(location_id, evse_uid, connector_id)
            item = next((i for i in items if i.payment_method and i.payment_method.id == pm_id), None)
            validity = _status(item.validity) if item is not None and item.validity else None
            if item is not None and item.tariff is not None:
                priced, source = item, "payment_method"
            elif validity == "NOT_COMPATIBLE":
                if reason is None:
                    reason = Unusable.NO_TARIFF   # the venue's payment method cannot be used here
            else:   # the venue's method has no known price here: the charger's public price, if any
                priced = await self._public_price(location_id, evse_uid, connector_id)
                source = "public" if priced is not None else None
        except Exception as exc:  # noqa: BLE001 - the details still show; the tariff says unknown
            log.warning("tariff for %s not available: %s", evse_uid, type(exc).__name__)
            self._mark(False, exc)
            priced = source = None
        tariff_json = vat_incl = vat_pct = None
        if priced is not None:
            tariff_json = priced.model_dump(by_alias=True, mode="json")
            lang = self._lang() if self._lang else "en"
            sched = from_charge_assist(tariff_json)
            text = describe(sched, lang=lang)
            example = example_cost(sched, lang=lang)
            vat_incl = getattr(priced.tariff, "is_vat_included", None)
            vat_pct = getattr(priced.tariff, "vat_percentage", None)
        offer = self.pricing.offer(tariff_json) if self.pricing is not None else None
        if offer is not None and offer.unknown and not offer.start_allowed and reason is None:
            reason = Unusable.PRICE_UNKNOWN
        return ChargerDetails(location=loc, evse=evse, connector_id=connector_id, status=status, unusable=reason,
                              tariff_json=tariff_json, tariff_text=text, example_text=example,
                              vat_included=vat_incl, vat_percent=float(vat_pct) if vat_pct is not None else None,
                              payment_method_id=pm_id, branding=getattr(loc, "branding", None),
                              price_source=source, tariff_validity=validity, guest_offer=offer)

    async def _public_price(self, location_id: str, evse_uid: str, connector_id: str | None) -> Any:
        """The default tariff (the operator's default token: the charger's public price), or
        None: 204 (that token pays by card here), 404 (no tariff) or no tariff in the item."""
        from kiosk.api import errors

        try:
            item = await self.client.default_tariff(location_id, evse_uid, connector_id)
        except errors.NotFound:
            return None
        return item if item is not None and item.tariff is not None else None

    def retranslate_tariff(self, details: ChargerDetails, lang: str) -> None:
        """Re-render the plain-words tariff in another language (no network)."""
        if not details.tariff_json:
            return
        from kiosk.core.tariff import describe, example_cost, from_charge_assist

        sched = from_charge_assist(details.tariff_json)
        details.tariff_text = describe(sched, lang=lang)
        details.example_text = example_cost(sched, lang=lang)

    # -- live data -------------------------------------------------------------------------
    async def usage(self, charge_session_id: str, max_points: int = 120) -> list[Any]:
        """usageSummary.dataPoints of a session for the power chart (raises when offline)."""
        try:
            st = await self.client.session_status(charge_session_id, max_data_points=max_points)
        except Exception as exc:
            self._mark(False, exc)
            raise
        self._mark(True)
        us = getattr(st, "usage_summary", None)
        return list(getattr(us, "data_points", None) or [])
