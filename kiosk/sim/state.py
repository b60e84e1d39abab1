"""Everything the simulator knows and how it evolves: tokens, wallets, sessions, EVSE
statuses, the scenario switches. No HTTP here; :mod:`kiosk.sim.server` maps requests on
these methods and holds ``SimState.lock`` (one lock around all state) while calling them.

Nothing runs in the background: every call first brings the state up to the virtual
``now`` (sessions are integrated in small virtual-time slices), so the outcome depends
only on the seed, the requests and the virtual times at which they arrive.
"""

from __future__ import annotations

import math
import random
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.sim import tariffs as tariff_data
from kiosk.sim.billing import Bill, Slice, compute_bill
from kiosk.sim.clock import VirtualClock, iso, iso_offset, iso_plus00, local_seven
from kiosk.sim.venue import Evse, Venue, distance_km

# Session timing, in virtual seconds.
ACCEPT_S = 2.0  # REQUESTED -> STARTING (or REJECTED)
PLUG_MIN_S, PLUG_MAX_S = 3.0, 6.0  # STARTING -> CHARGING (car plugged in, energy flows)
TIMEOUT_S = 30.0  # STARTING -> TIMEOUT when no car is plugged in
STOPPING_S = 3.0  # STOPPING -> COMPLETED
CDR_S = 8.0  # COMPLETED -> CDR_AVAILABLE
STEP_S = 10.0  # integration slice while charging
PARKING_STEP_S = 600.0  # slice and data-point interval while parked (nothing changes)
DATAPOINT_S = 60.0  # one data point a virtual minute while charging
CARD_VERIFY_S = 5.0  # a new charge card is PENDING this long
POLL_STARTING_S = 4.0
POLL_CHARGING_S = (30, 60)
POLL_ENDING_S = 5.0
POLL_FINAL_S = 300.0
TRAFFIC_SLOT_S = 1200  # other drivers come and go in 20-minute slots
TRAFFIC_BUSY = 0.35  # chance that a traffic bay is taken in a slot
AC_EFFICIENCY, DC_EFFICIENCY = 0.90, 0.95

FINAL = {"REJECTED", "TIMEOUT", "CANCELLED", "ERROR", "CDR_AVAILABLE"}
ON_EVSE = {"REQUESTED", "STARTING", "CHARGING", "PARKING", "STOPPING"}
SESSION_STATUSES = (
    "REQUESTED", "REJECTED", "STARTING", "CHARGING", "STOPPING", "COMPLETED",
    "CDR_AVAILABLE", "PARKING", "TIMEOUT", "CANCELLED", "ERROR",
)

# Charge card visual numbers: eMAIDs (NL-GFX-C12345678-X, also without dashes or with "*")
# and the numeric numbers printed on RFID cards (the guide's example is 770674109963002836),
# 12 to 20 digits, possibly grouped by spaces or dashes.
CARD_RE = re.compile(r"^([A-Z]{2})[-*]?([A-Z0-9]{3})[-*]?(C[A-Z0-9]{8})(?:[-*]?([A-Z0-9]))?$")
NUMERIC_CARD_RE = re.compile(r"^[0-9]{12,20}$")
# IANA zone -> the Windows zone name the service sends in ``timeZone``.
WINDOWS_ZONES = {
    "Europe/Amsterdam": "W. Europe Standard Time", "Europe/Berlin": "W. Europe Standard Time",
    "Europe/Brussels": "Romance Standard Time", "Europe/Paris": "Romance Standard Time",
    "Europe/London": "GMT Standard Time", "UTC": "UTC",
}
APP_TOKEN_RE = re.compile(r"^[A-Za-z0-9._:@+\-]{1,128}$")


class ApiError(Exception):
    """An answer other than 2xx. ``messages`` are (code, message) validation messages."""

    def __init__(self, status: int, message: str, messages: list[tuple[str, str]] | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.messages = messages or []
        self.code = code


def bad(message: str, code: str = "VALIDATION_ERROR", status: int = 400) -> ApiError:
    return ApiError(status, message, [(code, message)], code)


@dataclass
class Car:
    battery_kwh: float
    soc: float  # 0..1
    ac_max_kw: float
    dc_max_kw: float


@dataclass
class PaymentMethod:
    id: str
    type: str  # CHARGE_CARD or EXTERNAL
    created: datetime
    visual_number: str | None = None
    external_ref: str | None = None
    display_name: str | None = None
    card_alias: str | None = None
    verify_at: datetime | None = None
    final_status: str = "VALID"

    def status(self, now: datetime) -> str:
        if self.verify_at is not None and now < self.verify_at:
            return "PENDING"
        return self.final_status

    def hint(self) -> tuple[str | None, str | None]:
        if self.type == "CHARGE_CARD" and self.visual_number:
            tail = re.sub(r"[-*]", "", self.visual_number)[-4:]
            return f"****{tail}", tail
        return None, None

    def to_json(self, now: datetime, compatible: bool | None = True, default: bool = False,
                stamp=iso) -> dict[str, Any]:
        status = self.status(now)
        card_hint, short = self.hint()
        return {
            "id": self.id,
            "externalPaymentMethodId": self.external_ref,
            "cardAlias": self.card_alias,
            "type": self.type,
            "chargeCardIssuer": "GreenFlux" if self.type == "CHARGE_CARD" else None,
            "cardHint": card_hint,
            "cardShortHint": short,
            "cardExpiryHint": None,
            "authId": None,
            "isCompatible": compatible,
            "isVidMapped": False,
            "isAccountPaymentMethod": False,
            "verificationStatus": status,
            "driverName": None,
            "linkedPaymentMethodId": None,
            "expirationDate": None,
            "createdDate": stamp(self.created),
            "isDefault": default,
            "displayName": self.display_name,
            "preferredNetwork": None,
            "isValid": status == "VALID",
        }


@dataclass
class Token:
    app_token: str
    created: datetime
    shareable_id: str
    auth_id: str
    driver_id: str | None = None
    emsp_id: str | None = None
    email: str | None = None
    wallet: list[PaymentMethod] = field(default_factory=list)
    default_pm: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "appToken": self.app_token,
            "shareableId": self.shareable_id,
            "authId": self.auth_id,
            "groups": [],
            "groupFilterString": None,
            "settings": {"defaultPaymentMethodId": self.default_pm, "defaultLanguageCode": "en"},
            "email": self.email,
        }


@dataclass
class DataPoint:
    at: datetime
    energy_kwh: float
    power_kw: float
    status: str
    soc: float | None


@dataclass
class Session:
    id: str
    app_token: str
    location_id: str
    evse: Evse
    connector_id: str
    pm_id: str
    pm_snapshot: dict[str, Any] | None
    created: datetime
    car: Car
    plug_s: float
    poll_charging_s: float
    reject: tuple[str, str] | None = None  # (error, errorMessage)
    no_car: bool = False
    status: str = "REQUESTED"
    status_since: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    stop_at: datetime | None = None
    cursor: datetime | None = None
    energy_wh: float = 0.0
    power_kw: float = 0.0
    error: str | None = None
    error_message: str | None = None
    slices: list[Slice] = field(default_factory=list)
    points: list[DataPoint] = field(default_factory=list)
    bill: Bill | None = None
    receipt: str | None = None
    next_point: datetime | None = None

    @property
    def connector(self):
        return self.evse.connector(self.connector_id)

    @property
    def is_dc(self) -> bool:
        return self.connector.power_type == "DC"

    def soc_percent(self) -> float | None:
        return round(self.car.soc * 100, 1) if self.is_dc and self.start_time else None


class Scenario:
    """Switches that shape what happens next. Thread-safe through the state's lock."""

    def __init__(self, state: SimState) -> None:
        self._state = state
        self.external_payments = True  # PUT /payment/.../external allowed (the demo hotel bills rooms)
        self.traffic = True  # other (simulated) drivers occupy and free bays
        self.busy_rejects = False  # a start on a bay taken by another driver is REJECTED (else they leave)
        # The guide's tariff example: the venue's charge card gets validity UNKNOWN and no tariff.
        self.card_without_tariff = False
        # The default token (GET /tariff/evse/...) pays by charge card: 204 everywhere.
        self.default_token_card = False
        # Content type of error bodies: None cycles through the documented ones per
        # operation and status; "text/plain", "application/json" or "text/json" pins one.
        self.error_content_type: str | None = None
        self._no_car: set[str] = set()
        self._blocked: set[str] = set()
        self._cars: dict[str, Car] = {}

    def _uid(self, evse_uid: str) -> str:
        evse = self._state.venue.evse(evse_uid)
        if evse is None:
            raise KeyError(f"unknown EVSE {evse_uid!r}")
        return evse.evse_uid

    def no_car(self, evse_uid: str) -> None:
        """The next start on this EVSE ends in TIMEOUT: nobody plugs in."""
        with self._state.lock:
            self._no_car.add(self._uid(evse_uid))

    def block(self, evse_uid: str, blocked: bool = True) -> None:
        """Starts on this EVSE are REJECTED; its status reads BLOCKED."""
        with self._state.lock:
            uid = self._uid(evse_uid)
            (self._blocked.add if blocked else self._blocked.discard)(uid)

    def unblock(self, evse_uid: str) -> None:
        self.block(evse_uid, False)

    def is_blocked(self, evse_uid: str) -> bool:
        return evse_uid in self._blocked

    def car(self, evse_uid: str, *, battery_kwh: float = 60.0, soc: float = 0.5,
            ac_max_kw: float = 11.0, dc_max_kw: float = 150.0) -> None:
        """The car of the next session on this EVSE (``soc`` 0..1)."""
        if not (0 <= soc <= 1 and battery_kwh > 0):
            raise ValueError("soc must be within 0..1 and battery_kwh > 0")
        with self._state.lock:
            self._cars[self._uid(evse_uid)] = Car(battery_kwh, soc, ac_max_kw, dc_max_kw)

    def unplug(self, evse_uid: str) -> bool:
        """The driver pulls the cable: the running session there ends (STOPPING ->
        COMPLETED -> CDR_AVAILABLE) without a stop command. False if none was running."""
        st = self._state
        with st.lock:
            now = st.now()
            st.advance(now)
            s = st.kiosk_session_on(st.venue.evse(self._uid(evse_uid)))
            if s is None or s.status not in ("STARTING", "CHARGING", "PARKING"):
                return False
            s.stop_at = now
            st._advance_session(s, now)
            return True

    def fault(self, evse_uid: str, message: str = "The charger reported a fault and stopped charging.") -> bool:
        """The station fails: the running session there ends in ERROR (no receipt)."""
        st = self._state
        with st.lock:
            now = st.now()
            st.advance(now)
            s = st.kiosk_session_on(st.venue.evse(self._uid(evse_uid)))
            if s is None:
                return False
            s.error, s.error_message = "UNKNOWN", message
            s.power_kw = 0.0
            s.end_time = now
            st._set(s, "ERROR", now)
            return True

    def take_no_car(self, uid: str) -> bool:
        if uid in self._no_car:
            self._no_car.discard(uid)
            return True
        return False

    def take_car(self, uid: str) -> Car | None:
        return self._cars.pop(uid, None)

    def reset(self) -> None:
        with self._state.lock:
            self._no_car.clear()
            self._blocked.clear()
            self._cars.clear()
            self.external_payments, self.traffic, self.busy_rejects = True, True, False
            self.card_without_tariff = self._state.initial_card_without_tariff
            self.default_token_card = False
            self.error_content_type = None

    def to_json(self) -> dict[str, Any]:
        return {
            "externalPayments": self.external_payments,
            "traffic": self.traffic,
            "busyRejects": self.busy_rejects,
            "cardWithoutTariff": self.card_without_tariff,
            "defaultTokenCard": self.default_token_card,
            "errorContentType": self.error_content_type,
            "noCar": sorted(self._no_car),
            "blocked": sorted(self._blocked),
            "cars": {k: vars(v) for k, v in self._cars.items()},
        }


class SimState:
    """``strict``: today's tidy answers (RFC 3339 UTC everywhere, IANA zones, costs from
    COMPLETED, a receiptNumber for every session, no quirks). Default: answers shaped like
    the upstream document's own examples (see the simulator's README)."""

    def __init__(self, venue: Venue, clock: VirtualClock, seed: int = 1, strict: bool = False,
                 card_without_tariff: bool = False) -> None:
        self.lock = threading.RLock()
        self.venue = venue
        self.clock = clock
        self.seed = seed
        self.strict = strict
        self.initial_card_without_tariff = card_without_tariff
        self.rng = random.Random(f"kiosk-sim-state:{seed}")
        self.scenario = Scenario(self)
        self.scenario.card_without_tariff = card_without_tariff
        self.tokens: dict[str, Token] = {}
        self.sessions: dict[str, Session] = {}
        self.receipts = 0
        self._suppressed: set[tuple[str, int]] = set()  # (evse uid, slot) freed for a kiosk session

    # --- helpers ----------------------------------------------------------------------

    def zone(self, location_id: str) -> ZoneInfo:
        loc = self.venue.locations.get(location_id)
        return ZoneInfo((loc.static.get("timeZone") if loc else None) or "Europe/Amsterdam")

    def zone_name(self, iana: str | None) -> str | None:
        """``timeZone`` as sent: the Windows name by default, the IANA id when strict."""
        if iana is None or self.strict:
            return iana
        return WINDOWS_ZONES.get(iana, iana)

    def session_time(self, t: datetime | None, location_id: str) -> str | None:
        """startTime/endTime: in the location's time zone with its offset (the document)."""
        return iso(t) if self.strict else iso_offset(t, self.zone(location_id))

    def utc_stamp(self, t: datetime | None) -> str | None:
        """nextStatusCall, data points, QR createdDate: ``+00:00`` and seven digits."""
        return iso(t) if self.strict else iso_plus00(t)

    def pm_stamp(self, t: datetime | None) -> str | None:
        return iso(t) if self.strict else iso_plus00(t, millis=True)

    def tariff_stamp(self, location_id: str):
        """validFrom/validTo: local time without offset, seven fractional digits."""
        if self.strict:
            return iso
        zone = self.zone(location_id)
        return lambda t: local_seven(t, zone)

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def now(self) -> datetime:
        return self.clock.now()

    def token(self, app_token: str, status: int = 404) -> Token:
        tok = self.tokens.get(app_token)
        if tok is None:
            raise ApiError(status, "appToken is not registered", [("TOKEN_NOT_FOUND", "appToken is not registered")])
        return tok

    def advance(self, now: datetime) -> None:
        for s in self.sessions.values():
            if s.status not in FINAL:
                self._advance_session(s, now)

    # --- tokens ----------------------------------------------------------------------

    def register(self, app_token: str, now: datetime, driver_id=None, emsp_id=None) -> tuple[Token, bool]:
        if not APP_TOKEN_RE.match(app_token):
            raise bad("appToken must be 1 to 128 characters: letters, digits and . _ : @ + -", "INVALID_APP_TOKEN")
        tok = self.tokens.get(app_token)
        if tok is not None:
            return tok, False
        tok = Token(
            app_token=app_token,
            created=now,
            shareable_id=self.new_id()[:8].upper(),
            auth_id=f"NL-GFX-C{self.rng.randrange(10**7, 10**8)}",
            driver_id=driver_id,
            emsp_id=emsp_id,
        )
        self.tokens[app_token] = tok
        return tok, True

    # --- wallet ----------------------------------------------------------------------

    def add_card(self, tok: Token, visual: str, now: datetime, alias=None, display_name=None) -> PaymentMethod:
        norm = re.sub(r"\s+", "", visual or "").upper()
        m = CARD_RE.match(norm)
        digits = re.sub(r"[\s-]", "", visual or "")
        if m:
            canon = "-".join(p for p in m.groups() if p)
            # Demo rule: card numbers whose id part starts with C999 fail verification.
            invalid = m.group(3).startswith("C999")
        elif NUMERIC_CARD_RE.match(digits):
            canon = digits
            invalid = digits.startswith("999")  # demo rule for numeric cards
        else:
            raise bad(
                "visualNumber is not a valid charge card number (expected like NL-GFX-CABCDEFGH-J or "
                "a number of 12 to 20 digits)",
                "INVALID_VISUAL_NUMBER",
            )
        for pm in tok.wallet:
            if pm.type == "CHARGE_CARD" and pm.visual_number == canon:
                return pm
        pm = PaymentMethod(
            id=self.new_id(),
            type="CHARGE_CARD",
            created=now,
            visual_number=canon,
            card_alias=alias,
            display_name=display_name,
            verify_at=now + timedelta(seconds=CARD_VERIFY_S),
            final_status="INVALID" if invalid else "VALID",
        )
        tok.wallet.append(pm)
        tok.default_pm = tok.default_pm or pm.id
        return pm

    def add_external(self, tok: Token, ref: str, now: datetime, display_name=None) -> PaymentMethod:
        if not self.scenario.external_payments:
            raise ApiError(400, "External payment methods are not enabled for this customer")
        if not isinstance(ref, str) or not ref.strip() or len(ref) > 64 or any(ord(c) < 32 for c in ref):
            raise ApiError(400, "externalPaymentMethodId must be 1 to 64 printable characters")
        for pm in tok.wallet:
            if pm.type == "EXTERNAL" and pm.external_ref == ref:
                if display_name:
                    pm.display_name = display_name
                return pm
        pm = PaymentMethod(id=self.new_id(), type="EXTERNAL", created=now, external_ref=ref,
                           display_name=display_name or ref)
        tok.wallet.append(pm)
        tok.default_pm = tok.default_pm or pm.id
        return pm

    def remove_pm(self, tok: Token, pm_id: str) -> None:
        pm = next((p for p in tok.wallet if p.id == pm_id), None)
        if pm is None:
            raise ApiError(404, "Payment method not found")
        for s in self.sessions.values():
            if s.app_token == tok.app_token and s.pm_id == pm_id and s.status not in FINAL | {"COMPLETED"}:
                raise bad("The payment method is in use by an active session", "PAYMENT_METHOD_IN_USE")
        tok.wallet.remove(pm)
        if tok.default_pm == pm_id:
            tok.default_pm = tok.wallet[0].id if tok.wallet else None

    def compatible(self, pm: PaymentMethod, location_id: str | None) -> bool:
        loc = self.venue.locations.get(location_id or "")
        return True if loc is None else pm.type in (loc.static.get("pms") or [])

    def wallet_json(self, tok: Token, now: datetime, location_id: str | None) -> list[dict]:
        return [pm.to_json(now, self.compatible(pm, location_id), pm.id == tok.default_pm, self.pm_stamp)
                for pm in tok.wallet]

    # --- EVSE status -----------------------------------------------------------------

    def _slot(self, t: datetime) -> int:
        return int(t.timestamp() // TRAFFIC_SLOT_S)

    def traffic_busy(self, evse: Evse, t: datetime) -> bool:
        if not (self.scenario.traffic and evse.traffic and evse.base_status == "AVAILABLE"):
            return False
        slot = self._slot(t)
        if (evse.evse_uid, slot) in self._suppressed:
            return False
        return random.Random(f"{self.seed}:{evse.evse_uid}:{slot}").random() < TRAFFIC_BUSY

    def kiosk_session_on(self, evse: Evse) -> Session | None:
        for s in self.sessions.values():
            if s.evse.evse_uid == evse.evse_uid and s.status in ON_EVSE:
                return s
        return None

    def evse_status(self, evse: Evse, now: datetime) -> tuple[str, datetime]:
        """(status, last updated) of an EVSE at ``now``."""
        slot_start = datetime.fromtimestamp(self._slot(now) * TRAFFIC_SLOT_S, UTC)
        if self.scenario.is_blocked(evse.evse_uid):
            return "BLOCKED", slot_start
        if evse.base_status != "AVAILABLE":
            return evse.base_status, slot_start - timedelta(days=2)
        s = self.kiosk_session_on(evse)
        if s is not None:
            return "CHARGING", s.created
        if self.traffic_busy(evse, now):
            return "CHARGING", slot_start
        return "AVAILABLE", slot_start

    # --- locations -------------------------------------------------------------------

    def evse_json(self, evse: Evse, now: datetime) -> dict[str, Any]:
        status, lu = self.evse_status(evse, now)
        return {
            "uid": evse.evse_uid,
            "displayName": evse.display_name,
            "status": status,
            "capabilities": list(
                ["REMOTE_START_STOP_CAPABLE", "RFID_READER", "CREDIT_CARD_PAYABLE", "CONTACTLESS_CARD_SUPPORT"]
                if evse.power_type == "DC"
                else ["REMOTE_START_STOP_CAPABLE", "RFID_READER", "UNLOCK_CAPABLE"]
            ),
            "connectors": [c.to_json() for c in evse.connectors],
            "floorLevel": evse.floor_level,
            "coordinates": [{"latitude": evse.latitude, "longitude": evse.longitude}],
            "physicalReference": evse.physical_reference,
            "chargingNotAllowed": False,
            "agreement": True,
            "directions": [{"language": lang, "text": text} for lang, text in evse.directions],
            "parkingRestrictions": list(evse.parking_restrictions),
            "images": [],
            "matchesFilter": None,
            "restrictedAccess": False,
            "remoteCommandsCapable": True,
            "chargerType": evse.charger_type,
            "isPrivateCharger": False,
            "evseId": evse.evse_id,
            "isQrPresent": True,
            "lastUpdated": iso(lu),
        }

    def location_json(self, location_id: str, now: datetime, evse_uid: str | None = None) -> dict[str, Any]:
        loc = self.venue.locations[location_id]
        evses = self.venue.evses_at(location_id)
        if evse_uid is not None:
            evses = [e for e in evses if evse_uid in (e.evse_uid, e.evse_id)]
        out = dict(loc.static)
        out["timeZone"] = self.zone_name(out.get("timeZone"))
        if self.strict:  # fields the condensed contract did not have
            out.pop("openingHours", None)
            out.pop("customProperties", None)
        out["evses"] = [self.evse_json(e, now) for e in evses]
        all_status = [self.evse_status(e, now)[0] for e in self.venue.evses_at(location_id)]
        free = sum(st == "AVAILABLE" for st in all_status)
        ratio = free / len(all_status) if all_status else 0
        out["availability"] = "NONE" if free == 0 else "LOW" if ratio < 0.34 else "MODERATE" if ratio < 0.67 else "HIGH"
        return out

    def summary_json(self, location_id: str, now: datetime) -> dict[str, Any]:
        loc = self.venue.locations[location_id]
        st = loc.static
        evses = self.venue.evses_at(location_id)
        statuses = [self.evse_status(e, now)[0] for e in evses]
        return {
            "id": loc.id,
            "type": st["type"],
            "name": st["name"],
            "displayName": st.get("displayName"),
            "add": st.get("address"),
            "city": st.get("city"),
            "country": st.get("country"),
            "lat": st["coordinates"]["latitude"],
            "lng": st["coordinates"]["longitude"],
            "conAvail": sum(s == "AVAILABLE" for s in statuses),
            "conTot": len(evses),
            "dp": st.get("dp", False),
            "rfid": st.get("rfid", True),
            "brandingId": loc.branding_id,
            "isHomeCharger": False,
            "isPrivateLocation": bool(st.get("isPrivateLocation")),
            "evses": [
                {
                    "uid": e.evse_uid,
                    "chargerType": e.charger_type,
                    "status": s,
                    "agreement": True,
                    "connectors": [c.summary_json() for c in e.connectors],
                    "evseId": e.evse_id,
                    "displayName": e.display_name,
                }
                for e, s in zip(evses, statuses, strict=True)
            ],
            "timeZone": self.zone_name(st.get("timeZone")),
        }

    def nearby(self, lat: float, lng: float, now: datetime, available=None, power_type=None) -> list[dict]:
        found = []
        for loc_id, loc in self.venue.locations.items():
            c = loc.static["coordinates"]
            d = distance_km(lat, lng, c["latitude"], c["longitude"])
            if d > 50:
                continue
            if power_type and not any(e.power_type == power_type for e in self.venue.evses_at(loc_id)):
                continue
            summary = self.summary_json(loc_id, now)
            if available and summary["conAvail"] == 0:
                continue
            found.append((d, loc_id, summary))
        found.sort(key=lambda x: (x[0], x[1]))
        return [s for _, _, s in found[:25]]

    def in_box(self, bl_lat, bl_lng, tr_lat, tr_lng, now: datetime, available=None) -> list[str]:
        ids = []
        for loc_id, loc in sorted(self.venue.locations.items()):
            c = loc.static["coordinates"]
            if bl_lat <= c["latitude"] <= tr_lat and bl_lng <= c["longitude"] <= tr_lng:
                if available and self.summary_json(loc_id, now)["conAvail"] == 0:
                    continue
                ids.append(loc_id)
        return ids

    def availability_json(self, location_id: str, now: datetime) -> dict[str, Any]:
        evses = self.venue.evses_at(location_id)
        out, latest = [], None
        for e in evses:
            status, lu = self.evse_status(e, now)
            latest = lu if latest is None or lu > latest else latest
            out.append({
                "status": status,
                "evseId": e.evse_id,
                "parkingRestrictions": list(e.parking_restrictions),
                "restrictedAccess": False,
                "uid": e.evse_uid,
                "lu": iso(lu),
            })
        return {"id": location_id, "evses": out, "lu": iso(latest or now)}

    # --- tariffs ---------------------------------------------------------------------

    def tariff_items(self, tok: Token, location_id: str, evse: Evse, connector_id: str | None, now: datetime) -> list:
        conns = [evse.connector(connector_id)] if connector_id else list(evse.connectors)
        tariff_id = conns[0].tariff_id
        items = []
        for pm in tok.wallet:
            compatible = self.compatible(pm, location_id)
            status = pm.status(now)
            current, future = tariff_data.published(tariff_id, now, self.tariff_stamp(location_id))
            if not compatible or status == "INVALID":
                validity = "NOT_COMPATIBLE"
                current, future = None, []
            elif pm.type == "CHARGE_CARD" and self.scenario.card_without_tariff:
                # the guide's example: the card's price is not known to the service
                validity = "UNKNOWN"
                current, future = None, None
            else:
                validity = "UNKNOWN" if status == "PENDING" else "VALID"
            item = {
                "tariff": current,
                "tariffWholeSale": None,
                "validity": validity,
                "paymentMethod": pm.to_json(now, compatible and status != "INVALID", pm.id == tok.default_pm,
                                            self.pm_stamp),
                "futureTariffs": future,
                "isDefaultTariff": False,
            }
            if current is None:
                del item["tariff"]
                del item["tariffWholeSale"]
            items.append(item)
        return items

    def default_tariff_item(self, location_id: str, evse: Evse, connector_id: str | None,
                            now: datetime) -> dict[str, Any] | None:
        """``GET /tariff/evse/...``: the price for the operator's default token (the public
        price); None (204) when that token pays by charge card here, whose price is unknown."""
        loc = self.venue.locations[location_id]
        pms = loc.static.get("pms") or []
        if self.scenario.default_token_card or (pms and set(pms) <= {"CHARGE_CARD"}):
            return None
        conn = evse.connector(connector_id) if connector_id else evse.connectors[0]
        current, future = tariff_data.published(conn.tariff_id, now, self.tariff_stamp(location_id))
        return {"tariff": current, "validity": "VALID", "futureTariffs": future, "isDefaultTariff": True}

    def bulk_tariffs(self, tok: Token, pm: PaymentMethod, pairs: list[tuple[str, str]], now: datetime) -> list[dict]:
        """``POST /bulktariff/...``: one item per known (location, EVSE) pair, with the
        tariff of this payment method there (none when it cannot be used or is unknown)."""
        out = []
        for location_id, evse_uid in pairs:
            evse = self.venue.evse(evse_uid)
            if location_id not in self.venue.locations or evse is None or evse.location_id != location_id:
                continue
            item: dict[str, Any] = {"locationId": location_id, "evseUid": evse.evse_uid}
            usable = self.compatible(pm, location_id) and pm.status(now) != "INVALID"
            unknown = pm.type == "CHARGE_CARD" and self.scenario.card_without_tariff
            if usable and not unknown:
                item["tariff"], _future = tariff_data.published(evse.connectors[0].tariff_id, now,
                                                                self.tariff_stamp(location_id))
            out.append(item)
        return out

    # --- sessions --------------------------------------------------------------------

    def start(self, tok: Token, location_id: str, evse: Evse, connector_id: str, pm_id: str, now: datetime) -> Session:
        pm = next((p for p in tok.wallet if p.id == pm_id), None)
        reject = None
        uid = evse.evse_uid
        busy = self.kiosk_session_on(evse)
        if self.scenario.is_blocked(uid) or evse.base_status != "AVAILABLE":
            reject = ("EVSE_NOT_AVAILABLE", "The charger is not available (blocked or out of order).")
        elif busy is not None:
            reject = ("EVSE_NOT_AVAILABLE", "The charger is in use by another session.")
        elif self.traffic_busy(evse, now) and self.scenario.busy_rejects:
            reject = ("EVSE_NOT_AVAILABLE", "The charger is in use by another driver.")
        elif pm is None:
            reject = ("INVALID_TOKEN", "Unknown payment method.")
        elif pm.status(now) == "PENDING":
            reject = ("INVALID_TOKEN", "The charge card has not been verified yet.")
        elif pm.status(now) == "INVALID":
            reject = ("INVALID_TOKEN", "The charge card is invalid.")
        elif not self.compatible(pm, location_id):
            reject = ("INVALID_TOKEN", "This payment method cannot be used at this location.")
        if reject is None and self.traffic_busy(evse, now):
            self._suppressed.add((uid, self._slot(now)))  # the other driver moves on
        car = self.scenario.take_car(uid)
        if car is None:
            r = self.rng
            car = Car(
                battery_kwh=r.choice([40.0, 52.0, 58.0, 64.0, 77.0, 82.0]),
                soc=round(r.uniform(0.12, 0.6), 3),
                ac_max_kw=r.choice([7.4, 11.0, 11.0, 11.0, 22.0]),
                dc_max_kw=r.choice([50.0, 100.0, 135.0, 175.0]),
            )
        s = Session(
            id=self.new_id(),
            app_token=tok.app_token,
            location_id=location_id,
            evse=evse,
            connector_id=connector_id,
            pm_id=pm_id,
            pm_snapshot=self._pm_snapshot(pm) if pm else None,
            created=now,
            car=car,
            plug_s=round(self.rng.uniform(PLUG_MIN_S, PLUG_MAX_S), 1),
            poll_charging_s=self.rng.randint(*POLL_CHARGING_S),
            reject=reject,
            no_car=self.scenario.take_no_car(uid) if reject is None else False,
            status_since=now,
        )
        s.points.append(DataPoint(now, 0.0, 0.0, "REQUESTED", None))
        self.sessions[s.id] = s
        return s

    def _pm_snapshot(self, pm: PaymentMethod) -> dict[str, Any]:
        hint, _ = pm.hint()
        return {
            "id": pm.id,
            "type": pm.type,
            "cardHint": hint,
            "chargeCardVisualNumber": pm.visual_number,
            "externalPaymentMethodId": pm.external_ref,
            "displayName": pm.display_name,
        }

    def stop(self, s: Session, now: datetime) -> None:
        if s.status in ("REJECTED", "TIMEOUT", "CANCELLED", "ERROR"):
            raise bad("The session is not active", "SESSION_NOT_ACTIVE")
        if s.stop_at is None and s.status in ON_EVSE:
            s.stop_at = now
        self._advance_session(s, now)

    def _set(self, s: Session, status: str, at: datetime) -> None:
        s.status, s.status_since = status, at
        s.points.append(DataPoint(at, round(s.energy_wh / 1000, 3), round(s.power_kw, 2), status, s.soc_percent()))

    def _advance_session(self, s: Session, now: datetime) -> None:
        while True:
            if s.status == "REQUESTED":
                t = s.created + timedelta(seconds=ACCEPT_S)
                if s.stop_at is not None and s.stop_at < t:
                    self._set(s, "STOPPING", s.stop_at)
                    continue
                if now < t:
                    return
                if s.reject:
                    s.error, s.error_message = s.reject
                    s.end_time = t
                    self._set(s, "REJECTED", t)
                    return
                self._set(s, "STARTING", t)
            elif s.status == "STARTING":
                if s.no_car:
                    t = s.created + timedelta(seconds=TIMEOUT_S)
                else:
                    t = s.created + timedelta(seconds=ACCEPT_S + s.plug_s)
                if s.stop_at is not None and s.stop_at < t:
                    self._set(s, "STOPPING", s.stop_at)
                    continue
                if now < t:
                    return
                if s.no_car:
                    s.error = "SOFT_TIME_OUT"
                    s.error_message = "No car was plugged in within 30 seconds; the charger gave up."
                    s.end_time = t
                    self._set(s, "TIMEOUT", t)
                    return
                s.start_time = s.cursor = t
                s.next_point = t + timedelta(seconds=DATAPOINT_S)
                s.power_kw = self._power(s)
                self._set(s, "CHARGING", t)
            elif s.status in ("CHARGING", "PARKING"):
                until = now if s.stop_at is None else min(now, s.stop_at)
                self._integrate(s, until)
                if s.stop_at is not None and now >= s.stop_at:
                    s.power_kw = 0.0
                    s.end_time = s.stop_at
                    self._set(s, "STOPPING", s.stop_at)
                    continue
                return
            elif s.status == "STOPPING":
                t = s.status_since + timedelta(seconds=STOPPING_S)
                if now < t:
                    return
                if s.start_time is None:
                    s.end_time = s.end_time or t
                    self._set(s, "CANCELLED", t)
                    return
                s.bill = compute_bill(
                    lambda at, tid=s.connector.tariff_id: tariff_data.in_force(tid, at), s.start_time, s.slices
                )
                s.slices = []   # billed: the slices are not needed again (a long demo would pile them up)
                self._set(s, "COMPLETED", t)
            elif s.status == "COMPLETED":
                t = s.status_since + timedelta(seconds=CDR_S)
                if now < t:
                    return
                self.receipts += 1
                s.receipt = f"GFX-{t.strftime('%Y%m%d')}-{self.receipts:05d}"
                self._set(s, "CDR_AVAILABLE", t)
                return
            else:
                return

    def _power(self, s: Session) -> float:
        """kW the car draws now: the connector and the car limit it; it tapers with SoC."""
        soc = s.car.soc
        conn = s.connector
        if soc >= 1.0:
            return 0.0
        if conn.power_type == "DC":
            p_max = min(conn.kw, s.car.dc_max_kw)
            if soc < 0.5:
                f = 1.0
            elif soc < 0.8:
                f = 1.0 - (soc - 0.5) / 0.3 * 0.55
            else:
                f = 0.45 - (soc - 0.8) / 0.2 * 0.40
        else:
            p_max = min(conn.kw, s.car.ac_max_kw)
            f = 1.0 if soc < 0.9 else 1.0 - (soc - 0.9) / 0.1 * 0.85
        return max(0.5, p_max * f)

    def _current(self, s: Session, p_kw: float) -> float:
        conn = s.connector
        if conn.power_type == "DC":
            return p_kw * 1000 / 400.0
        return p_kw * 1000 / (230.0 * max(1, conn.phases))

    def _integrate(self, s: Session, until: datetime) -> None:
        eff = DC_EFFICIENCY if s.is_dc else AC_EFFICIENCY
        tariff_id = s.connector.tariff_id
        while s.cursor < until:
            # Slices lie on a grid from the start (so duration restrictions such as "after 45
            # minutes" fall on slice edges) and never straddle a time-of-use switch.
            step = STEP_S if s.status == "CHARGING" else PARKING_STEP_S
            since = (s.cursor - s.start_time).total_seconds()
            dt = (math.floor(since / step + 1e-9) + 1) * step - since
            switch = tariff_data.next_switch(tariff_id, s.cursor)
            if switch is not None:
                dt = min(dt, (switch - s.cursor).total_seconds())
            dt = min(dt, (until - s.cursor).total_seconds())
            if dt <= 1e-6:
                break
            slice_start, wh_before, soc_before = s.cursor, s.energy_wh, s.car.soc
            full = False
            if s.status == "CHARGING":
                p = self._power(s)
                need_kwh = (1.0 - s.car.soc) * s.car.battery_kwh / eff
                e_kwh = p * dt / 3600
                full = e_kwh >= need_kwh
                if full:
                    dt = max(need_kwh / p * 3600, 0.001)
                    e_kwh = need_kwh
                s.slices.append(Slice(s.cursor, dt, e_kwh * 1000, p, self._current(s, p), True))
                s.energy_wh += e_kwh * 1000
                s.car.soc = 1.0 if full else min(1.0, s.car.soc + e_kwh * eff / s.car.battery_kwh)
                s.power_kw = p
                s.cursor += timedelta(seconds=dt)
                if full:
                    s.power_kw = 0.0  # PARKING is set below, after the data points of this slice
                else:
                    s.power_kw = self._power(s)
            else:
                s.slices.append(Slice(s.cursor, dt, 0.0, 0.0, 0.0, False))
                s.cursor += timedelta(seconds=dt)
            # A data point carries the energy (and SoC) at its own timestamp: interpolated inside
            # the slice just integrated (power is constant over a slice), not the slice's end value.
            while s.next_point is not None and s.next_point <= s.cursor:
                f = (s.next_point - slice_start) / (s.cursor - slice_start)
                wh = wh_before + (s.energy_wh - wh_before) * f
                soc = soc_before + (s.car.soc - soc_before) * f
                inside = s.next_point < s.cursor
                power = s.slices[-1].power_kw if inside else s.power_kw
                status = "CHARGING" if inside and s.slices[-1].charging else ("PARKING" if full else s.status)
                s.points.append(
                    DataPoint(s.next_point, round(wh / 1000, 3), round(power, 2), status,
                              round(soc * 100, 1) if s.is_dc else None)
                )
                s.next_point += timedelta(seconds=DATAPOINT_S if s.status == "CHARGING" else PARKING_STEP_S)
            if full:
                self._set(s, "PARKING", s.cursor)

    def next_call(self, s: Session, now: datetime) -> datetime:
        if s.status in ("REQUESTED", "STARTING"):
            secs = POLL_STARTING_S
        elif s.status in ("CHARGING", "PARKING"):
            secs = s.poll_charging_s
        elif s.status in ("STOPPING", "COMPLETED"):
            secs = POLL_ENDING_S
        else:
            secs = POLL_FINAL_S
        return now + timedelta(seconds=secs)

    def status_json(self, s: Session, now: datetime, max_points: int = 15) -> dict[str, Any]:
        pts = s.points
        if max_points <= 0:
            chosen: list[DataPoint] = []
        elif len(pts) <= max_points:
            chosen = list(pts)
        elif max_points == 1:
            chosen = [pts[-1]]
        else:
            idx = sorted({round(i * (len(pts) - 1) / (max_points - 1)) for i in range(max_points)})
            chosen = [pts[i] for i in idx]
        energies = [p.energy_kwh for p in pts]
        powers = [p.power_kw for p in pts]
        tok = self.tokens.get(s.app_token)
        strict = self.strict
        # The document: costs "available when the session status is cdr_available"; the
        # strict simulator shows them from COMPLETED.
        costs = s.bill is not None and (strict or s.status == "CDR_AVAILABLE")
        cdr = s.bill is not None and s.status == "CDR_AVAILABLE"
        end_time = self.session_time(s.end_time, s.location_id)
        return {
            "sessionId": s.id,
            "appToken": s.app_token,
            "externalSessionId": None,
            "locationId": s.location_id,
            "evseUid": s.evse.evse_uid,
            "connectorId": s.connector_id,
            "authId": tok.auth_id if tok else None,
            "status": s.status,
            "canRateSession": False,
            # the document's example for "no error" is "" (not in the enum)
            "error": s.error if s.error or strict else "",
            "errorMessage": s.error_message if s.error_message or strict else "",
            "energyInKwh": round(s.energy_wh / 1000, 3),
            "currentPowerInKw": round(s.power_kw, 2) if s.status in ("CHARGING", "PARKING") else 0.0,
            "totalCosts": float(s.bill.total_incl) if costs else None,
            "totalVat": float(s.bill.total_vat) if costs else None,
            "vatPercentage": s.bill.vat_percentage if costs else None,
            "currency": s.bill.currency if costs else None,
            "startTime": self.session_time(s.start_time, s.location_id),
            # the document's example for "not ended yet" is "" (not a date-time)
            "endTime": end_time if end_time or strict else "",
            "nextStatusCall": self.utc_stamp(self.next_call(s, now)),
            "usageSummary": {
                "maxEnergyInKwh": max(energies),
                "maxPowerInKw": max(powers),
                "minEnergyInKwh": min(energies),
                "minPowerInKw": min(powers),
                "dataPoints": [
                    {
                        "timestamp": self.utc_stamp(p.at),
                        "energyInKwh": p.energy_kwh,
                        "powerInKw": p.power_kw,
                        "status": p.status,
                        "stateOfCharge": p.soc,
                    }
                    for p in chosen
                ],
            },
            "smartChargingEnabled": False,
            # the document's example is "false" (not in the enum)
            "prioritySessionStatus": "NOT_APPLICABLE" if strict else "false",
            "vidStatus": "VID_NOT_AVAILABLE",
            "paymentMethodId": s.pm_id,
            "paymentMethod": s.pm_snapshot or {"id": s.pm_id},
            "chargingNotAllowed": False,
            "stateOfCharge": s.soc_percent(),
            # "available after the session status is cdr_available and direct payment is
            # successful": a charge card or an external reference never gets one
            "receiptNumber": s.receipt if strict else None,
            "couponStatus": "NOT_APPLICABLE",
            "mileage": None,
            "startMethod": "APP",
            **({} if strict else {
                "transactionDetails": self._transaction_json(s),
                "pspPreAuthTransactionId": None,
            }),
            "isPrivateCharger": False,
            **({} if strict else {"location": self._session_location_json(s)}),
            "costBreakdown": s.bill.cost_breakdown(s.start_time, iso) if (s.receipt if strict else cdr) and s.bill
            else None,
        }

    def _transaction_json(self, s: Session) -> dict[str, Any]:
        pm_type = (s.pm_snapshot or {}).get("type")
        done = s.status == "CDR_AVAILABLE"
        return {
            "paymentMethod": s.pm_snapshot or {"id": s.pm_id},
            "pspTransactionId": None,
            "totalCostsCharged": None,  # nothing is charged directly: the eMSP or the venue bills
            "paymentConfirmationTime": None,
            "paymentStatus": ("External" if pm_type == "EXTERNAL" else "EmspInvoice") if done else "Pending",
            "creditWalletId": None,
            "externalCdrId": None,
        }

    def _session_location_json(self, s: Session) -> dict[str, Any]:
        st = self.venue.locations[s.location_id].static
        b = st.get("branding")
        return {
            "coordinates": dict(st["coordinates"]),
            "name": st.get("name"),
            "address": st.get("address"),
            "city": st.get("city"),
            "country": st.get("country"),
            "timeZone": self.zone_name(st.get("timeZone")),
            "powerType": s.connector.power_type,
            "branding": None if b is None else {k: b.get(k) for k in (
                "displayName", "logoUrl", "supportPhone", "supportEmail", "supportWebsite")},
        }

    def history_json(self, s: Session, now: datetime) -> dict[str, Any]:
        tok = self.tokens.get(s.app_token)
        pm = next((p for p in tok.wallet if p.id == s.pm_id), None) if tok else None
        pm_json = pm.to_json(now, stamp=self.pm_stamp) if pm else {
            "id": s.pm_id, "type": (s.pm_snapshot or {}).get("type", "CHARGE_CARD"),
            "isAccountPaymentMethod": False, "verificationStatus": "VALID", "isValid": False,
        }
        costs = s.bill is not None and (self.strict or s.status == "CDR_AVAILABLE")
        return {
            "chargeSessionId": s.id,
            "status": s.status,
            "location": self.location_json(s.location_id, now, s.evse.evse_uid),
            "evseUid": s.evse.evse_uid,
            "connectorId": s.connector_id,
            "paymentMethod": pm_json,
            "startTime": self.session_time(s.start_time or s.created, s.location_id),
            "endTime": self.session_time(s.end_time, s.location_id),
            "retailCostInclVat": float(s.bill.total_incl) if costs else None,
            "currency": s.bill.currency if costs else None,
            "energyInKwh": round(s.energy_wh / 1000, 3),
            "vatAmount": float(s.bill.total_vat) if costs else None,
            "vatPercentage": s.bill.vat_percentage if costs else None,
            "prioritySessionEnabled": False,
            "hasMoreDetails": s.status == "CDR_AVAILABLE",
            "paymentConfirmationTime": iso(s.status_since) if s.status == "CDR_AVAILABLE" else None,
            "vidStatus": "VID_NOT_AVAILABLE",
        }


def month_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
