"""The demo venue as data: Grand Hotel Amstelkade (Amsterdam) with a front car park and a
courtyard (10 AC EVSEs), the ParkCentraal garage next door (4 DC + 2 AC EVSEs), and a
dozen public on-street locations around the city so that nearby/bounding-box searches and
paging have something to find.

The layout, names, prices and texts are fixed; the seed chooses the ids (location ids,
EVSE numbers, QR uuids) and which bays see other (simulated) drivers. The same seed
always gives the same ids.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

# The document's form of a printed code: https://greenflux.app/qr/gsop/greenflux/<uuid>. The
# guide's acceptance example uses a.greenflux.app; qr.greenflux.com is accepted too.
QR_BASE = "https://greenflux.app/qr/gsop"
QR_OPERATOR = "greenflux"
QR_HOSTS = ("greenflux.app", "a.greenflux.app", "qr.greenflux.com")
# A second operator's code format (the roaming partner of the nl-eno street chargers):
# the EVSE id in the path of the operator's own QR host. POST /qr answers datasource
# "OCPI" and operator "LaadNet" for these.
OTHER_QR_BASE = "https://qr.laadnet.example/evse"
OTHER_QR_HOST = "qr.laadnet.example"
OTHER_QR_OPERATOR = "LaadNet"

AC_CAPS = ["REMOTE_START_STOP_CAPABLE", "RFID_READER", "UNLOCK_CAPABLE"]
DC_CAPS = ["REMOTE_START_STOP_CAPABLE", "RFID_READER", "CREDIT_CARD_PAYABLE", "CONTACTLESS_CARD_SUPPORT"]


def texts(en: str, nl: str, de: str, fr: str) -> list[dict[str, str]]:
    return [
        {"language": "en", "text": en},
        {"language": "nl", "text": nl},
        {"language": "de", "text": de},
        {"language": "fr", "text": fr},
    ]


@dataclass(frozen=True)
class Connector:
    id: str
    standard: str
    format: str
    power_type: str  # AC_1_PHASE, AC_3_PHASE, DC
    kw: float
    voltage: int
    amperage: int
    tariff_id: str

    @property
    def phases(self) -> int:
        return 3 if self.power_type == "AC_3_PHASE" else 1 if self.power_type == "AC_1_PHASE" else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "standard": self.standard,
            "format": self.format,
            "powerType": self.power_type,
            "phases": self.phases,
            "kw": int(round(self.kw)),
            "powerInKw": self.kw,
            "voltage": self.voltage,
            "amperage": self.amperage,
            "tariffId": self.tariff_id,
            "termsAndConditions": "https://www.greenflux.com/terms",
            "matchesFilter": None,
        }

    def summary_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "standard": self.standard,
            "kw": int(round(self.kw)),
            "powerInKw": self.kw,
            "powerType": self.power_type,
        }


@dataclass(frozen=True)
class Evse:
    location_id: str
    evse_uid: str
    evse_id: str
    display_name: str
    physical_reference: str
    floor_level: str
    connectors: tuple[Connector, ...]
    qr_uuid: str
    latitude: float
    longitude: float
    directions: tuple[tuple[str, str], ...] = ()
    traffic: bool = True  # other (simulated) drivers use this bay now and then
    base_status: str = "AVAILABLE"  # OUTOFORDER for a broken one
    parking_restrictions: tuple[str, ...] = ("EV_ONLY",)
    qr_style: str = "gsop"  # "gsop": GreenFlux's printed codes; "other": the second operator's

    @property
    def qr_url(self) -> str:
        if self.qr_style == "other":
            return f"{OTHER_QR_BASE}/{self.evse_id}"
        return f"{QR_BASE}/{QR_OPERATOR}/{self.qr_uuid}"

    @property
    def connector_ids(self) -> list[str]:
        return [c.id for c in self.connectors]

    @property
    def power_type(self) -> str:
        return "DC" if self.connectors[0].power_type == "DC" else "AC"

    @property
    def max_kw(self) -> float:
        return max(c.kw for c in self.connectors)

    def connector(self, connector_id: str) -> Connector | None:
        return next((c for c in self.connectors if c.id == connector_id), None)

    @property
    def charger_type(self) -> str:
        return "DC" if self.power_type == "DC" else "AC"


@dataclass
class Location:
    id: str
    static: dict[str, Any]  # the LocationModel fields that do not change
    evse_uids: list[str]
    in_venue: bool
    branding_id: str | None


@dataclass
class Venue:
    seed: int
    locations: dict[str, Location] = field(default_factory=dict)
    all_evses: list[Evse] = field(default_factory=list)  # venue, public and private EVSEs
    location_ids: list[str] = field(default_factory=list)  # the venue's own locations
    hotel_location_ids: list[str] = field(default_factory=list)
    garage_location_id: str = ""
    private_location_id: str = ""  # a private location: 403 for everything but availability

    def __post_init__(self) -> None:
        self._by_uid: dict[str, Evse] = {}
        self._by_evse_id: dict[str, Evse] = {}
        self._by_qr: dict[str, Evse] = {}

    def _index(self) -> None:
        self._by_uid = {e.evse_uid: e for e in self.all_evses}
        self._by_evse_id = {e.evse_id: e for e in self.all_evses}
        self._by_qr = {e.qr_uuid.lower(): e for e in self.all_evses if e.qr_style == "gsop"}

    def evse(self, uid_or_evse_id: str) -> Evse | None:
        """An EVSE by its uid or its evseId (case sensitive, like the service)."""
        return self._by_uid.get(uid_or_evse_id) or self._by_evse_id.get(uid_or_evse_id)

    def evse_by_qr_uuid(self, qr_uuid: str) -> Evse | None:
        return self._by_qr.get(qr_uuid.lower())

    def venue_evses(self) -> list[Evse]:
        return [e for e in self.all_evses if e.location_id in self.location_ids]

    @property
    def evses(self) -> list[Evse]:
        """The venue's own EVSEs (hotel and garage), in board order."""
        return self.venue_evses()

    def evses_at(self, location_id: str) -> list[Evse]:
        loc = self.locations.get(location_id)
        return [self._by_uid[u] for u in loc.evse_uids] if loc else []

    def qr_urls(self) -> list[str]:
        """The printed QR URL of every EVSE of the venue, in board order."""
        return [e.qr_url for e in self.venue_evses()]

    def describe(self) -> dict[str, Any]:
        """A JSON-able overview (the ``/_sim/venue`` answer and ``kiosk sim`` output)."""
        return {
            "seed": self.seed,
            "locationIds": list(self.location_ids),
            "hotelLocationIds": list(self.hotel_location_ids),
            "garageLocationId": self.garage_location_id,
            "privateLocationId": self.private_location_id,
            "locations": [
                {
                    "id": loc_id,
                    "name": self.locations[loc_id].static["name"],
                    "evses": [
                        {
                            "locationId": e.location_id,
                            "evseUid": e.evse_uid,
                            "evseId": e.evse_id,
                            "displayName": e.display_name,
                            "powerType": e.power_type,
                            "maxKw": e.max_kw,
                            "connectorIds": e.connector_ids,
                            "tariffIds": sorted({c.tariff_id for c in e.connectors}),
                            "qrUrl": e.qr_url,
                            "traffic": e.traffic,
                            "baseStatus": e.base_status,
                        }
                        for e in self.evses_at(loc_id)
                    ],
                }
                for loc_id in self.location_ids
            ],
        }


# --- branding and business details ------------------------------------------------------

HOTEL_BRANDING = {
    "id": "brand-amstelkade",
    "displayName": "Grand Hotel Amstelkade",
    "primaryColorHex": "#7A1F3D",
    "logoUrl": "https://assets.amstelkade-hotel.example/brand/logo-480.png",
    "supportPhone": "+31 20 555 0100",
    "supportEmail": "reception@amstelkade-hotel.example",
    "supportWebsite": "https://www.amstelkade-hotel.example/ev-charging",
}
GARAGE_BRANDING = {
    "id": "brand-parkcentraal",
    "displayName": "ParkCentraal Amstel",
    "primaryColorHex": "#1F4E9A",
    "logoUrl": "https://assets.parkcentraal.example/logo.png",
    "supportPhone": "+31 20 555 0199",
    "supportEmail": "service@parkcentraal.example",
    "supportWebsite": "https://www.parkcentraal.example",
}
GREENFLUX = {
    "name": "GreenFlux",
    "website": "https://www.greenflux.com",
    "logo": {
        "url": "https://www.greenflux.com/logo.png",
        "thumbnail": None,
        "category": "OPERATOR",
        "type": "png",
        "width": 512,
        "height": 512,
    },
    "phone_number": "+31 20 555 0000",
    "email": "support@greenflux.example",
}
HOTEL_OWNER = {
    "name": "Grand Hotel Amstelkade B.V.",
    "website": "https://www.amstelkade-hotel.example",
    "logo": {
        "url": HOTEL_BRANDING["logoUrl"],
        "thumbnail": None,
        "category": "OWNER",
        "type": "png",
        "width": 480,
        "height": 160,
    },
    "phone_number": HOTEL_BRANDING["supportPhone"],
    "email": HOTEL_BRANDING["supportEmail"],
}
GARAGE_OWNER = {
    "name": "ParkCentraal B.V.",
    "website": GARAGE_BRANDING["supportWebsite"],
    "logo": {
        "url": GARAGE_BRANDING["logoUrl"],
        "thumbnail": None,
        "category": "OWNER",
        "type": "png",
        "width": 400,
        "height": 400,
    },
    "phone_number": GARAGE_BRANDING["supportPhone"],
    "email": GARAGE_BRANDING["supportEmail"],
}

# --- texts ----------------------------------------------------------------------------

FRONT_DIRECTIONS = texts(
    "Drive past the main entrance and turn left: the chargers stand along the hedge.",
    "Rijd langs de hoofdingang en sla linksaf: de laadpalen staan langs de heg.",
    "Fahren Sie am Haupteingang vorbei und biegen Sie links ab: die Ladesäulen stehen an der Hecke.",
    "Passez devant l'entrée principale et tournez à gauche : les bornes sont le long de la haie.",
)
COURTYARD_DIRECTIONS = texts(
    "Go through the gate beside reception; the courtyard is behind the hotel.",
    "Rijd door de poort naast de receptie; de binnenplaats ligt achter het hotel.",
    "Fahren Sie durch das Tor neben der Rezeption; der Innenhof liegt hinter dem Hotel.",
    "Passez le portail à côté de la réception ; la cour se trouve derrière l'hôtel.",
)
GARAGE_DIRECTIONS = texts(
    "Enter the garage from the Amstelkade; fast chargers on level -1, slow chargers on level -2.",
    "Rijd de garage in vanaf de Amstelkade; snelladers op niveau -1, gewone laadpalen op niveau -2.",
    "Einfahrt von der Amstelkade; Schnelllader auf Ebene -1, normale Ladepunkte auf Ebene -2.",
    "Entrée par l'Amstelkade ; bornes rapides au niveau -1, bornes normales au niveau -2.",
)


def _bay_directions(where: str, n: str) -> tuple[tuple[str, str], ...]:
    by_lang = {
        "front": (
            f"Bay {n}, along the hedge left of the entrance.",
            f"Vak {n}, langs de heg links van de ingang.",
            f"Stellplatz {n}, an der Hecke links vom Eingang.",
            f"Place {n}, le long de la haie à gauche de l'entrée.",
        ),
        "courtyard": (
            f"Bay {n} in the courtyard, behind the hotel.",
            f"Vak {n} op de binnenplaats, achter het hotel.",
            f"Stellplatz {n} im Innenhof, hinter dem Hotel.",
            f"Place {n} dans la cour, derrière l'hôtel.",
        ),
        "garage-dc": (
            f"Level -1, fast charger {n}, next to the lifts.",
            f"Niveau -1, snellader {n}, naast de liften.",
            f"Ebene -1, Schnelllader {n}, neben den Aufzügen.",
            f"Niveau -1, borne rapide {n}, à côté des ascenseurs.",
        ),
        "garage-ac": (
            f"Level -2, bay {n}, opposite the pay station.",
            f"Niveau -2, vak {n}, tegenover de betaalautomaat.",
            f"Ebene -2, Stellplatz {n}, gegenüber dem Kassenautomaten.",
            f"Niveau -2, place {n}, en face de la caisse automatique.",
        ),
    }[where]
    return tuple(zip(("en", "nl", "de", "fr"), by_lang, strict=True))


# --- building --------------------------------------------------------------------------


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _loc_id(rng: random.Random, prefix: str = "nl-gfx") -> str:
    return f"{prefix}-{rng.getrandbits(32):08x}"


def _evse_numbers(rng: random.Random, n: int) -> list[int]:
    base = rng.randrange(10000, 89999 - n)
    return [base + i for i in range(n)]


T2_11 = ("IEC_62196_T2", "SOCKET", "AC_3_PHASE", 11.0, 400, 16)
T2_22 = ("IEC_62196_T2", "SOCKET", "AC_3_PHASE", 22.0, 400, 32)
T2_7 = ("IEC_62196_T2", "CABLE", "AC_1_PHASE", 7.4, 230, 32)
CCS_50 = ("IEC_62196_T2_COMBO", "CABLE", "DC", 50.0, 500, 125)
CHADEMO_50 = ("CHADEMO", "CABLE", "DC", 50.0, 500, 125)
CCS_150 = ("IEC_62196_T2_COMBO", "CABLE", "DC", 150.0, 920, 200)


def _conn(cid: str, spec: tuple, tariff_id: str) -> Connector:
    std, fmt, pt, kw, v, a = spec
    return Connector(cid, std, fmt, pt, kw, v, a, tariff_id)


def build_venue(seed: int = 1) -> Venue:
    rng = random.Random(f"kiosk-sim-venue:{seed}")
    venue = Venue(seed=seed)
    front_id, court_id, garage_id = _loc_id(rng), _loc_id(rng), _loc_id(rng)
    venue.location_ids = [front_id, court_id, garage_id]
    venue.hotel_location_ids = [front_id, court_id]
    venue.garage_location_id = garage_id
    numbers = iter(_evse_numbers(rng, 16 + 14 + 1))

    def make_evse(loc_id, where, n, conns, floor, lat, lng, **kw) -> Evse:
        num = next(numbers)
        return Evse(
            location_id=loc_id,
            evse_uid=f"NL-GFX-E{num}-1",
            evse_id=f"NL*GFX*E{num}*1",
            display_name=kw.pop("display_name", f"Bay {n}"),
            physical_reference=kw.pop("ref", str(n)),
            floor_level=floor,
            connectors=tuple(conns),
            qr_uuid=_uuid(rng),
            latitude=lat,
            longitude=lng,
            directions=_bay_directions(where, str(n)),
            **kw,
        )

    hotel_lat, hotel_lng = 52.35121, 4.90392
    # Front car park: 6 bays, 4 x 11 kW and 2 x 22 kW. Bay 1 never sees other drivers
    # (a stable choice for tests and demos).
    front = []
    for i in range(1, 7):
        spec = T2_22 if i in (5, 6) else T2_11
        front.append(
            make_evse(
                front_id, "front", i, [_conn("1", spec, "AMSTELKADE-AC")], "0",
                hotel_lat + 0.00008 * i, hotel_lng - 0.0002,
                ref=f"F{i}", traffic=i != 1,
            )
        )
    # Courtyard: prices include VAT; one 7.4 kW single-phase cable.
    court = []
    court_specs = [T2_11, T2_11, T2_22, T2_7]
    for i, spec in enumerate(court_specs, start=1):
        court.append(
            make_evse(
                court_id, "courtyard", i, [_conn("1", spec, "AMSTELKADE-COURTYARD")], "0",
                hotel_lat - 0.0003, hotel_lng + 0.00006 * i,
                ref=f"C{i}", traffic=i != 1,
            )
        )
    garage_lat, garage_lng = 52.35062, 4.90518
    garage = [
        make_evse(
            garage_id, "garage-dc", 1,
            [_conn("1", CCS_50, "PARKCENTRAAL-DC"), _conn("2", CHADEMO_50, "PARKCENTRAAL-DC")],
            "-1", garage_lat, garage_lng, display_name="Fast charger 1", ref="DC1", traffic=False,
        ),
        make_evse(
            garage_id, "garage-dc", 2,
            [_conn("1", CCS_50, "PARKCENTRAAL-DC"), _conn("2", CHADEMO_50, "PARKCENTRAAL-DC")],
            "-1", garage_lat, garage_lng + 0.00005, display_name="Fast charger 2", ref="DC2",
        ),
        # The time-of-use one: cheaper energy at night (futureTariffs).
        make_evse(
            garage_id, "garage-dc", 3, [_conn("1", CCS_150, "PARKCENTRAAL-HPC")],
            "-1", garage_lat, garage_lng + 0.0001, display_name="Fast charger 3", ref="DC3", traffic=False,
        ),
        make_evse(
            garage_id, "garage-dc", 4, [_conn("1", CCS_150, "PARKCENTRAAL-HPC")],
            "-1", garage_lat, garage_lng + 0.00015, display_name="Fast charger 4", ref="DC4",
            traffic=False, base_status="OUTOFORDER",
        ),
        make_evse(
            garage_id, "garage-ac", 1, [_conn("1", T2_11, "PARKCENTRAAL-AC")],
            "-2", garage_lat - 0.00005, garage_lng, display_name="Level -2 bay 1", ref="B1",
        ),
        make_evse(
            garage_id, "garage-ac", 2, [_conn("1", T2_11, "PARKCENTRAAL-AC")],
            "-2", garage_lat - 0.00005, garage_lng + 0.00005, display_name="Level -2 bay 2", ref="B2",
        ),
    ]
    common = {
        "country": "NLD",
        "city": "Amsterdam",
        "postalCode": "1078 AE",
        "operator": GREENFLUX,
        "suboperator": None,
        "smartChargingEnabled": False,
        "reservationEnabled": False,
        "dp": False,
        "rfid": True,
        "isPrivateLocation": False,
        "pms": ["CHARGE_CARD", "EXTERNAL"],
        "issuers": ["GFX"],
        "isHomeCharger": False,
        "timeZone": "Europe/Amsterdam",  # sent as the Windows name "W. Europe Standard Time"
        "openingHours": {"twentyfourseven": True},
        "customProperties": [],
        "preAuthAmountInCents": None,
        "cpsoId": "GFX",
        "images": [],
    }
    for loc_id, name, display, typ, evses, dirs, brand, owner, facilities, addr, lat, lng in (
        (front_id, "Grand Hotel Amstelkade - Front car park", "Hotel front car park", "PARKING_LOT",
         front, FRONT_DIRECTIONS, HOTEL_BRANDING, HOTEL_OWNER, ["HOTEL", "RESTAURANT", "WIFI"],
         "Amstelkade 12", hotel_lat, hotel_lng),
        (court_id, "Grand Hotel Amstelkade - Courtyard", "Hotel courtyard", "OTHER",
         court, COURTYARD_DIRECTIONS, HOTEL_BRANDING, HOTEL_OWNER, ["HOTEL", "RESTAURANT", "WIFI"],
         "Amstelkade 12", hotel_lat - 0.0003, hotel_lng + 0.0002),
        (garage_id, "ParkCentraal Amstel garage", "Parking garage (fast chargers)", "UNDERGROUND_GARAGE",
         garage, GARAGE_DIRECTIONS, GARAGE_BRANDING, GARAGE_OWNER, ["HOTEL", "PARKING_LOT"],
         "Amstelkade 16", garage_lat, garage_lng),
    ):
        static = dict(common)
        static.update(
            id=loc_id, type=typ, name=name, displayName=display, address=addr,
            coordinates={"latitude": lat, "longitude": lng}, directions=dirs, owner=owner,
            branding=brand, facilities=facilities, cpoCustomerId="CUST-AMSTELKADE",
        )
        if loc_id == court_id:  # the courtyard gate is open 07:00-23:00 (reported, not enforced)
            static["openingHours"] = {
                "twentyfourseven": False,
                "regularHours": [{"weekday": d, "periods": [{"periodBegin": "07:00", "periodEnd": "23:00"}]}
                                 for d in range(1, 8)],
                "exceptionalOpenings": [], "exceptionalClosings": [],
            }
        venue.locations[loc_id] = Location(loc_id, static, [e.evse_uid for e in evses], True, brand["id"])
        venue.all_evses.extend(evses)

    # Public on-street chargers around Amsterdam (not part of the venue), plus two in
    # Rotterdam and Utrecht: outside / inside the 50 km of /locations/nearby.
    streets = [
        ("Ceintuurbaan", 52.3547, 4.8951), ("Van Woustraat", 52.3530, 4.9010),
        ("Sarphatipark", 52.3540, 4.8960), ("Weesperzijde", 52.3530, 4.9120),
        ("Stadhouderskade", 52.3600, 4.8900), ("Rijnstraat", 52.3440, 4.9060),
        ("Ferdinand Bolstraat", 52.3550, 4.8910), ("Linnaeusstraat", 52.3600, 4.9260),
        ("Amstelveenseweg", 52.3450, 4.8580), ("Plantage Middenlaan", 52.3660, 4.9120),
        ("IJburglaan", 52.3550, 5.0000), ("Buikslotermeerplein", 52.4000, 4.9330),
        ("Oudegracht", 52.0900, 5.1200), ("Coolsingel", 51.9225, 4.4792),
    ]
    for i, (street, lat, lng) in enumerate(streets):
        prefix = "nl-gfx" if i % 3 else "nl-eno"
        loc_id = _loc_id(rng, prefix)
        nums = [next(numbers)]
        evses = []
        for j in (1, 2):
            num = nums[0]
            evses.append(
                Evse(
                    location_id=loc_id,
                    evse_uid=f"NL-GFX-E{num}-{j}",
                    evse_id=f"NL*GFX*E{num}*{j}",
                    display_name=f"{street} {j}",
                    physical_reference=str(j),
                    floor_level="0",
                    connectors=(_conn("1", T2_11, "PUBLIC-AC"),),
                    qr_uuid=_uuid(rng),
                    latitude=lat,
                    longitude=lng,
                    qr_style="gsop" if prefix == "nl-gfx" else "other",
                )
            )
        city = "Utrecht" if street == "Oudegracht" else "Rotterdam" if street == "Coolsingel" else "Amsterdam"
        static = dict(common)
        static.update(
            id=loc_id, type="ON_STREET", name=f"{street} {10 + i}", displayName=None,
            address=f"{street} {10 + i}", city=city, postalCode=None,
            coordinates={"latitude": lat, "longitude": lng}, directions=[], owner=None,
            branding=None, facilities=[], pms=["CHARGE_CARD"], cpoCustomerId=None,
            issuers=["GFX"] if prefix == "nl-gfx" else ["ENO"],
        )
        venue.locations[loc_id] = Location(loc_id, static, [e.evse_uid for e in evses], False, None)
        venue.all_evses.extend(evses)
    # The hotel manager's private charger: published, but not for the public (403).
    priv_id = _loc_id(rng)
    num = next(numbers)
    priv = Evse(
        location_id=priv_id, evse_uid=f"NL-GFX-E{num}-1", evse_id=f"NL*GFX*E{num}*1",
        display_name="Staff bay", physical_reference="S1", floor_level="0",
        connectors=(_conn("1", T2_11, "AMSTELKADE-AC"),), qr_uuid=_uuid(rng),
        latitude=hotel_lat + 0.0006, longitude=hotel_lng + 0.0004, traffic=False,
    )
    static = dict(common)
    static.update(
        id=priv_id, type="ON_DRIVEWAY", name="Grand Hotel Amstelkade - Staff (private)", displayName=None,
        address="Amstelkade 14", coordinates={"latitude": priv.latitude, "longitude": priv.longitude},
        directions=[], owner=HOTEL_OWNER, branding=HOTEL_BRANDING, facilities=[], isPrivateLocation=True,
        cpoCustomerId="CUST-AMSTELKADE",
    )
    venue.locations[priv_id] = Location(priv_id, static, [priv.evse_uid], False, HOTEL_BRANDING["id"])
    venue.all_evses.append(priv)
    venue.private_location_id = priv_id
    venue._index()
    return venue


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))
