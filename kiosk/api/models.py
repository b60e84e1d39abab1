"""Pydantic v2 models of the Charge Assist schemas (``upstream/openapi.json``), built to accept what
the real service sends rather than only what the contract promises:

- every field is optional and nullable (the guide's status payloads omit "required"
  fields such as ``sessionId``), unknown extra fields are kept (``model_extra``);
- ``null`` items inside arrays are dropped;
- an enum value outside the published list stays a plain ``str``; known values become
  :class:`enum.StrEnum` members, so ``status == "CHARGING"`` works either way;
- date-times without a zone are taken as UTC; an unreadable date-time becomes ``None``
  (logged) instead of failing the whole answer; numbers in string fields become strings;
  ``error: ""`` (the document's own example for "no error") is ``None``.

What is refused (the answer is then malformed, :class:`kiosk.api.errors.MalformedResponse`):
non-finite numbers anywhere, and absurd amounts, energies, powers and percentages (a
negative or astronomic cost, negative energy): a guest must never see "€NaN".

Class names are the schema names, attributes the snake_case of the JSON names;
``model_dump(by_alias=True, mode="json")`` gives the API's camelCase JSON back.
"""

# (no ``from __future__ import annotations``: pydantic would compile every field's annotation
# string again (~400 of them, ~10 ms on the way to the board); evaluated here they are read as
# they are)
import logging
import os
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

# The kiosk loads no pydantic plugins: their discovery scans every installed distribution's
# entry points (~10 ms) on the way to the first answer. Set the variable yourself to override.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from pydantic import (  # noqa: E402
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    WrapValidator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core.core_schema import ValidatorFunctionWrapHandler

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------
# enums
# --------------------------------------------------------------------------------------


class SessionStatus(StrEnum):
    REQUESTED = "REQUESTED"
    REJECTED = "REJECTED"
    STARTING = "STARTING"
    CHARGING = "CHARGING"
    STOPPING = "STOPPING"
    COMPLETED = "COMPLETED"
    CDR_AVAILABLE = "CDR_AVAILABLE"
    PARKING = "PARKING"
    TIMEOUT = "TIMEOUT"
    CANCELLED = "CANCELLED"
    ERROR = "ERROR"


class SessionError(StrEnum):
    INVALID_TOKEN = "INVALID_TOKEN"
    EVSE_NOT_AVAILABLE = "EVSE_NOT_AVAILABLE"
    COMMAND_TIMED_OUT = "COMMAND_TIMED_OUT"
    SOFT_TIME_OUT = "SOFT_TIME_OUT"
    UNKNOWN = "UNKNOWN"


class PaymentMethodType(StrEnum):
    CHARGE_CARD = "CHARGE_CARD"
    MASTER_CARD = "MASTER_CARD"
    VISA = "VISA"
    AMEX = "AMEX"
    APPLE_PAY = "APPLE_PAY"
    GOOGLE_PAY = "GOOGLE_PAY"
    IDEAL = "IDEAL"
    BANCONTACT = "BANCONTACT"
    SOFORT = "SOFORT"
    WALLET = "WALLET"
    CARD_OTHER = "CARD_OTHER"
    EXTERNAL = "EXTERNAL"


class VerificationStatus(StrEnum):
    PENDING = "PENDING"
    VALID = "VALID"
    INVALID = "INVALID"


class ValidationStatus(StrEnum):
    VALID = "Valid"
    WARNING = "Warning"
    ERROR = "Error"


class ImageCategory(StrEnum):
    CHARGER = "CHARGER"
    ENTRANCE = "ENTRANCE"
    LOCATION = "LOCATION"
    NETWORK = "NETWORK"
    OPERATOR = "OPERATOR"
    OTHER = "OTHER"
    OWNER = "OWNER"


class ConnectorStandard(StrEnum):
    CHADEMO = "CHADEMO"
    DOMESTIC_A = "DOMESTIC_A"
    DOMESTIC_B = "DOMESTIC_B"
    DOMESTIC_C = "DOMESTIC_C"
    DOMESTIC_D = "DOMESTIC_D"
    DOMESTIC_E = "DOMESTIC_E"
    DOMESTIC_F = "DOMESTIC_F"
    DOMESTIC_G = "DOMESTIC_G"
    DOMESTIC_H = "DOMESTIC_H"
    DOMESTIC_I = "DOMESTIC_I"
    DOMESTIC_J = "DOMESTIC_J"
    DOMESTIC_K = "DOMESTIC_K"
    DOMESTIC_L = "DOMESTIC_L"
    IEC_60309_2_SINGLE_16 = "IEC_60309_2_single_16"
    IEC_60309_2_THREE_16 = "IEC_60309_2_three_16"
    IEC_60309_2_THREE_32 = "IEC_60309_2_three_32"
    IEC_60309_2_THREE_64 = "IEC_60309_2_three_64"
    IEC_62196_T1 = "IEC_62196_T1"
    IEC_62196_T1_COMBO = "IEC_62196_T1_COMBO"
    IEC_62196_T2 = "IEC_62196_T2"
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO"
    IEC_62196_T3A = "IEC_62196_T3A"
    IEC_62196_T3C = "IEC_62196_T3C"
    TESLA_R = "TESLA_R"
    TESLA_S = "TESLA_S"
    PANTOGRAPH_BOTTOM_UP = "PANTOGRAPH_BOTTOM_UP"
    PANTOGRAPH_TOP_DOWN = "PANTOGRAPH_TOP_DOWN"


class ConnectorFormat(StrEnum):
    SOCKET = "SOCKET"
    CABLE = "CABLE"


class ConnectorPowerType(StrEnum):
    AC_1_PHASE = "AC_1_PHASE"
    AC_3_PHASE = "AC_3_PHASE"
    DC = "DC"


class PowerType(StrEnum):
    """The ``filter.powerType`` of the location searches."""

    AC = "AC"
    DC = "DC"


class EvseState(StrEnum):
    """Status of an EVSE (the schema ``EvseStatus`` is the availability object)."""

    AVAILABLE = "AVAILABLE"
    BLOCKED = "BLOCKED"
    CHARGING = "CHARGING"
    INOPERATIVE = "INOPERATIVE"
    OUTOFORDER = "OUTOFORDER"
    PLANNED = "PLANNED"
    REMOVED = "REMOVED"
    RESERVED = "RESERVED"
    UNKNOWN = "UNKNOWN"


class Capability(StrEnum):
    CHARGING_PROFILE_CAPABLE = "CHARGING_PROFILE_CAPABLE"
    CREDIT_CARD_PAYABLE = "CREDIT_CARD_PAYABLE"
    REMOTE_START_STOP_CAPABLE = "REMOTE_START_STOP_CAPABLE"
    RESERVABLE = "RESERVABLE"
    RFID_READER = "RFID_READER"
    UNLOCK_CAPABLE = "UNLOCK_CAPABLE"
    TOKEN_GROUP_CAPABLE = "TOKEN_GROUP_CAPABLE"
    PED_TERMINAL = "PED_TERMINAL"
    DEBIT_CARD_PAYABLE = "DEBIT_CARD_PAYABLE"
    CONTACTLESS_CARD_SUPPORT = "CONTACTLESS_CARD_SUPPORT"
    CHIP_CARD_SUPPORT = "CHIP_CARD_SUPPORT"
    CHARGING_PREFERENCES_CAPABLE = "CHARGING_PREFERENCES_CAPABLE"
    START_SESSION_CONNECTOR_REQUIRED = "START_SESSION_CONNECTOR_REQUIRED"
    ISO_15118_2_PLUG_AND_CHARGE = "ISO_15118_2_PLUG_AND_CHARGE"
    ISO_15118_20_PLUG_AND_CHARGE = "ISO_15118_20_PLUG_AND_CHARGE"


class ParkingRestriction(StrEnum):
    EV_ONLY = "EV_ONLY"
    PLUGGED = "PLUGGED"
    DISABLED = "DISABLED"
    CUSTOMERS = "CUSTOMERS"
    MOTORCYCLES = "MOTORCYCLES"


class LocationType(StrEnum):
    ON_STREET = "ON_STREET"
    PARKING_GARAGE = "PARKING_GARAGE"
    UNDERGROUND_GARAGE = "UNDERGROUND_GARAGE"
    PARKING_LOT = "PARKING_LOT"
    OTHER = "OTHER"
    UNKNOWN = "UNKNOWN"
    ALONG_MOTORWAY = "ALONG_MOTORWAY"
    ON_DRIVEWAY = "ON_DRIVEWAY"


class Facility(StrEnum):
    HOTEL = "HOTEL"
    RESTAURANT = "RESTAURANT"
    CAFE = "CAFE"
    MALL = "MALL"
    SUPERMARKET = "SUPERMARKET"
    SPORT = "SPORT"
    RECREATION_AREA = "RECREATION_AREA"
    NATURE = "NATURE"
    MUSEUM = "MUSEUM"
    BUS_STOP = "BUS_STOP"
    TAXI_STAND = "TAXI_STAND"
    TRAIN_STATION = "TRAIN_STATION"
    AIRPORT = "AIRPORT"
    CARPOOL_PARKING = "CARPOOL_PARKING"
    FUEL_STATION = "FUEL_STATION"
    WIFI = "WIFI"
    BIKE_SHARING = "BIKE_SHARING"
    METRO_STATION = "METRO_STATION"
    PARKING_LOT = "PARKING_LOT"
    TRAM_STOP = "TRAM_STOP"


class AvailabilityLevel(StrEnum):
    NONE = "NONE"
    LOW = "LOW"
    MODERATE = "MODERATE"
    HIGH = "HIGH"


class TariffDimension(StrEnum):
    """``PriceComponentModel.type``."""

    FLAT = "FLAT"
    ENERGY = "ENERGY"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class TariffType(StrEnum):
    WHOLESALE = "WHOLESALE"
    RETAIL = "RETAIL"


class TariffValidity(StrEnum):
    VALID = "VALID"
    UNKNOWN = "UNKNOWN"
    NO_TARIFF_FOUND = "NO_TARIFF_FOUND"
    NOT_COMPATIBLE = "NOT_COMPATIBLE"
    ERROR = "ERROR"


class PrioritySessionStatus(StrEnum):
    NOT_APPLICABLE = "NOT_APPLICABLE"
    OFF = "OFF"
    ON = "ON"


class VidStatus(StrEnum):
    VID_NOT_AVAILABLE = "VID_NOT_AVAILABLE"
    VID_NOT_REGISTERED = "VID_NOT_REGISTERED"
    VID_REGISTRATION_IN_PROGRESS = "VID_REGISTRATION_IN_PROGRESS"
    VID_REGISTERED = "VID_REGISTERED"
    VID_DEREGISTERED = "VID_DEREGISTERED"


class CouponStatus(StrEnum):
    NOT_APPLICABLE = "NOT_APPLICABLE"
    NOT_APPLIED = "NOT_APPLIED"
    APPLIED = "APPLIED"


class StartMethod(StrEnum):
    UNKNOWN = "UNKNOWN"
    APP = "APP"
    NOT_APP = "NOT_APP"


class CdrDimension(StrEnum):
    TIME = "TIME"
    ENERGY = "ENERGY"
    PARKING_TIME = "PARKING_TIME"
    FLAT = "FLAT"
    UNKNOWN = "UNKNOWN"


class CdrUnit(StrEnum):
    MIN = "MIN"
    KWH = "KWH"
    MONEY = "MONEY"
    UNKNOWN = "UNKNOWN"


# --------------------------------------------------------------------------------------
# tolerant field types
# --------------------------------------------------------------------------------------

def _known(enum_cls: type[StrEnum]) -> BeforeValidator:
    """Turn a known value into its enum member; leave anything else as it came."""

    def convert(value: Any) -> Any:
        if isinstance(value, str) and not isinstance(value, enum_cls):
            try:
                return enum_cls(value)
            except ValueError:
                return value
        return value

    return BeforeValidator(convert)


def _lenient_datetime(value: Any, handler: ValidatorFunctionWrapHandler) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed: datetime = handler(value)
    except ValidationError:
        log.warning("ignoring an unreadable date-time in an API answer: %.40r", value)
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


DateTime = Annotated[datetime | None, WrapValidator(_lenient_datetime)]


def _within(low: float, high: float, what: str) -> AfterValidator:
    def check(value: float | None) -> float | None:
        if value is not None and not low <= value <= high:
            raise ValueError(f"{what} {value!r} is outside {low:g}..{high:g}")
        return value

    return AfterValidator(check)


#: Limits of the numbers a guest sees or the kiosk computes with; beyond them the answer
#: is malformed. Generous: a session costing more than EUR 100,000 or drawing more than
#: 10 MW is not a reading, it is a fault.
Money = Annotated[float | None, _within(0, 100_000, "amount")]
UnitPrice = Annotated[float | None, _within(0, 10_000, "price")]
Percent = Annotated[float | None, _within(0, 100, "percentage")]
Energy = Annotated[float | None, _within(0, 1_000_000, "energy (kWh)")]
Power = Annotated[float | None, _within(0, 10_000, "power (kW)")]
Quantity = Annotated[float | None, _within(0, 1_000_000_000, "quantity")]

SessionStatusValue = Annotated[SessionStatus | str, _known(SessionStatus)]
SessionErrorValue = Annotated[SessionError | str, _known(SessionError)]
PaymentMethodTypeValue = Annotated[PaymentMethodType | str, _known(PaymentMethodType)]
VerificationStatusValue = Annotated[VerificationStatus | str, _known(VerificationStatus)]
ValidationStatusValue = Annotated[ValidationStatus | str, _known(ValidationStatus)]
ImageCategoryValue = Annotated[ImageCategory | str, _known(ImageCategory)]
ConnectorStandardValue = Annotated[ConnectorStandard | str, _known(ConnectorStandard)]
ConnectorFormatValue = Annotated[ConnectorFormat | str, _known(ConnectorFormat)]
ConnectorPowerTypeValue = Annotated[ConnectorPowerType | str, _known(ConnectorPowerType)]
EvseStateValue = Annotated[EvseState | str, _known(EvseState)]
CapabilityValue = Annotated[Capability | str, _known(Capability)]
ParkingRestrictionValue = Annotated[ParkingRestriction | str, _known(ParkingRestriction)]
LocationTypeValue = Annotated[LocationType | str, _known(LocationType)]
FacilityValue = Annotated[Facility | str, _known(Facility)]
AvailabilityLevelValue = Annotated[AvailabilityLevel | str, _known(AvailabilityLevel)]
TariffDimensionValue = Annotated[TariffDimension | str, _known(TariffDimension)]
TariffTypeValue = Annotated[TariffType | str, _known(TariffType)]
TariffValidityValue = Annotated[TariffValidity | str, _known(TariffValidity)]
PrioritySessionStatusValue = Annotated[PrioritySessionStatus | str, _known(PrioritySessionStatus)]
VidStatusValue = Annotated[VidStatus | str, _known(VidStatus)]
CouponStatusValue = Annotated[CouponStatus | str, _known(CouponStatus)]
StartMethodValue = Annotated[StartMethod | str, _known(StartMethod)]
CdrDimensionValue = Annotated[CdrDimension | str, _known(CdrDimension)]
CdrUnitValue = Annotated[CdrUnit | str, _known(CdrUnit)]


class ApiModel(BaseModel):
    """Base of every schema model: camelCase aliases, extras kept, lenient input."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="allow",
        coerce_numbers_to_str=True,
        allow_inf_nan=False,
        # validators are built on first use, or by build_schemas(): importing ~70 models'
        # schemas would hold the way to the board for ~60 ms (pydantic >= 2.14 builds
        # deferred models under a lock, so a first use on two threads at once is safe)
        defer_build=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_null_list_items(cls, data: Any) -> Any:
        """``[null, {...}]`` in a declared array field: keep the items that are there."""
        if not isinstance(data, dict):
            return data
        known = _field_keys(cls)
        return {
            k: [i for i in v if i is not None] if isinstance(v, list) and k in known else v
            for k, v in data.items()
        }


@cache
def _field_keys(cls: type[BaseModel]) -> frozenset[str]:
    return frozenset(k for name, f in cls.model_fields.items() for k in (name, f.alias) if k)


class SnakeCaseModel(ApiModel):
    """For the few schemas whose JSON names are already snake_case."""

    model_config = ConfigDict(alias_generator=None)


# --------------------------------------------------------------------------------------
# common
# --------------------------------------------------------------------------------------


class MetaInfo(ApiModel):
    count: int | None = None
    has_more_data: bool | None = None
    continuation_token: str | None = None


# --------------------------------------------------------------------------------------
# token
# --------------------------------------------------------------------------------------


class TokenSettingsModel(ApiModel):
    default_payment_method_id: str | None = None
    default_language_code: str | None = None


class TokenModel(ApiModel):
    app_token: str | None = None
    shareable_id: str | None = None
    auth_id: str | None = None
    groups: list[str] | None = None
    group_filter_string: str | None = None
    settings: TokenSettingsModel | None = None
    email: str | None = None


class TokenModelListResponse(ApiModel):
    data: list[TokenModel] | None = None
    meta: MetaInfo | None = None


# --------------------------------------------------------------------------------------
# payment
# --------------------------------------------------------------------------------------


class LinkedPaymentMethod(ApiModel):
    id: str | None = None
    type: PaymentMethodTypeValue | None = None
    card_hint: str | None = None


class PaymentMethodModel(ApiModel):
    id: str | None = None
    external_payment_method_id: str | None = None
    card_alias: str | None = None
    type: PaymentMethodTypeValue | None = None
    charge_card_issuer: str | None = None
    card_hint: str | None = None
    card_short_hint: str | None = None
    card_expiry_hint: str | None = None
    auth_id: str | None = None
    is_compatible: bool | None = None
    is_vid_mapped: bool | None = None
    is_account_payment_method: bool | None = None
    verification_status: VerificationStatusValue | None = None
    driver_name: str | None = None
    linked_payment_method_id: str | None = None
    linked_payment_method: LinkedPaymentMethod | None = None
    expiration_date: DateTime = None
    created_date: DateTime = None
    is_default: bool | None = None
    display_name: str | None = None
    preferred_network: str | None = None
    is_valid: bool | None = None


# --------------------------------------------------------------------------------------
# locations
# --------------------------------------------------------------------------------------


class GeoLocationModel(ApiModel):
    latitude: float | None = None
    longitude: float | None = None


class DisplayTextModel(ApiModel):
    language: str | None = None
    text: str | None = None


class ImageModel(ApiModel):
    url: str | None = None
    thumbnail: str | None = None
    category: ImageCategoryValue | None = None
    type: str | None = None
    width: int | None = None
    height: int | None = None


class BusinessDetailModel(SnakeCaseModel):
    name: str | None = None
    website: str | None = None
    logo: ImageModel | None = None
    phone_number: str | None = None
    email: str | None = None


class OperatorBrandingModel(ApiModel):
    id: str | None = None
    display_name: str | None = None
    primary_color_hex: str | None = None
    logo_url: str | None = None
    support_phone: str | None = None
    support_email: str | None = None
    support_website: str | None = None


class RegularHourPeriod(ApiModel):
    period_begin: str | None = None  # "07:00", local time
    period_end: str | None = None


class RegularHoursModel(ApiModel):
    weekday: int | None = None  # 1 Monday .. 7 Sunday
    periods: list[RegularHourPeriod] | None = None


class ExceptionalPeriodModel(ApiModel):
    period_begin: DateTime = None
    period_end: DateTime = None


class HoursModel(ApiModel):
    """``LocationModel.openingHours`` (the guide says opening hours are not returned: expect it empty)."""

    regular_hours: list[RegularHoursModel] | None = None
    twentyfourseven: bool | None = None
    exceptional_openings: list[ExceptionalPeriodModel] | None = None
    exceptional_closings: list[ExceptionalPeriodModel] | None = None


class EnergySourceModel(ApiModel):
    source: str | None = None
    percentage: float | None = None
    is_renewable_energy: bool | None = None


class EnvironmentalImpactModel(ApiModel):
    source: str | None = None
    amount: float | None = None


class EnergyMixModel(ApiModel):
    is_green_energy: bool | None = None
    energy_sources: list[EnergySourceModel] | None = None
    environ_impact: list[EnvironmentalImpactModel] | None = None
    supplier_name: str | None = None
    energy_product_name: str | None = None


class CustomPropertyModel(ApiModel):
    name: str | None = None
    value: str | None = None


class ConnectorModel(ApiModel):
    id: str | None = None
    standard: ConnectorStandardValue | None = None
    format: ConnectorFormatValue | None = None
    power_type: ConnectorPowerTypeValue | None = None
    phases: int | None = None
    kw: float | None = None
    power_in_kw: float | None = None
    voltage: int | None = None
    amperage: int | None = None
    tariff_id: str | None = None
    terms_and_conditions: str | None = None
    matches_filter: bool | None = None


class EvseModel(ApiModel):
    uid: str | None = None
    display_name: str | None = None
    status: EvseStateValue | None = None
    capabilities: list[CapabilityValue] | None = None
    connectors: list[ConnectorModel] | None = None
    floor_level: str | None = None
    coordinates: list[GeoLocationModel] | None = None
    physical_reference: str | None = None
    charging_not_allowed: bool | None = None
    agreement: bool | None = None
    directions: list[DisplayTextModel] | None = None
    parking_restrictions: list[ParkingRestrictionValue] | None = None
    images: list[ImageModel] | None = None
    matches_filter: bool | None = None
    restricted_access: bool | None = None
    remote_commands_capable: bool | None = None
    charger_type: str | None = None
    is_private_charger: bool | None = None
    evse_id: str | None = None
    is_qr_present: bool | None = None
    last_updated: DateTime = None


class LocationModel(ApiModel):
    id: str | None = None
    type: LocationTypeValue | None = None
    name: str | None = None
    display_name: str | None = None
    address: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    coordinates: GeoLocationModel | None = None
    evses: list[EvseModel] | None = None
    directions: list[DisplayTextModel] | None = None
    operator: BusinessDetailModel | None = None
    suboperator: BusinessDetailModel | None = None
    owner: BusinessDetailModel | None = None
    facilities: list[FacilityValue] | None = None
    images: list[ImageModel] | None = None
    branding: OperatorBrandingModel | None = None
    smart_charging_enabled: bool | None = None
    reservation_enabled: bool | None = None
    dp: bool | None = None
    rfid: bool | None = None
    is_private_location: bool | None = None
    pms: list[PaymentMethodTypeValue] | None = None
    issuers: list[str] | None = None
    availability: AvailabilityLevelValue | None = None
    is_home_charger: bool | None = None
    #: as the service sends it: a Windows zone name ("W. Europe Standard Time"), see
    #: :func:`kiosk.core.timezones.iana_zone`
    time_zone: str | None = None
    pre_auth_amount_in_cents: int | None = None
    cpso_id: str | None = None
    cpo_customer_id: str | None = None
    opening_hours: HoursModel | None = None
    energy_mix: EnergyMixModel | None = None
    custom_properties: list[CustomPropertyModel] | None = None
    payment_service_provider: str | None = None

    def evse(self, evse_uid: str) -> EvseModel | None:
        """The EVSE with this uid, if the location has it."""
        return next((e for e in self.evses or [] if e.uid == evse_uid), None)


class EvseStatus(ApiModel):
    status: EvseStateValue | None = None
    evse_id: str | None = None
    parking_restrictions: list[ParkingRestrictionValue] | None = None
    restricted_access: bool | None = None
    uid: str | None = None
    lu: DateTime = None


class LocationEvseAvailability(ApiModel):
    id: str | None = None
    evses: list[EvseStatus] | None = None
    lu: DateTime = None


class LocationAvailabilityRequest(ApiModel):
    location_ids: list[str] | None = None


class LocationAvailabilityResponse(ApiModel):
    data: list[LocationEvseAvailability] | None = None


# --------------------------------------------------------------------------------------
# tariff
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------
# sessions
# --------------------------------------------------------------------------------------


class SessionHistoryModel(ApiModel):
    charge_session_id: str | None = None
    status: SessionStatusValue | None = None
    location: LocationModel | None = None
    evse_uid: str | None = None
    connector_id: str | None = None
    payment_method: PaymentMethodModel | None = None
    start_time: DateTime = None
    end_time: DateTime = None
    retail_cost_incl_vat: Money = None
    currency: str | None = None
    energy_in_kwh: Energy = None
    vat_amount: Money = None
    vat_percentage: Percent = None
    priority_session_enabled: bool | None = None
    has_more_details: bool | None = None
    payment_confirmation_time: DateTime = None
    vid_status: VidStatusValue | None = None


class SessionHistoryModelListResponse(ApiModel):
    data: list[SessionHistoryModel] | None = None
    meta: MetaInfo | None = None


#: what the board's first answers are read into (built before the board, see build_schemas)
BOARD_MODELS = ("LocationModel", "LocationAvailabilityRequest", "LocationAvailabilityResponse", "TokenModel",
                "TokenModelListResponse", "SessionHistoryModelListResponse")

#: the models defined in kiosk.api.models_late (after the board), served from here by name
LATE_MODELS = frozenset({
    "BoundingBox",
    "ValidationMessage",
    "ValidationResponse",
    "ValidationResponseV2",
    "ProblemDetails",
    "BadRequestObjectResult",
    "IActionResult",
    "CreateAppTokenRequest",
    "PaymentMethodModelListResponse",
    "PutChargeCardRequest",
    "PutExternalPaymentMethodRequest",
    "ConnectorSummary",
    "EvseSummary",
    "LocationSummary",
    "LocationSummaryGeoListResponse",
    "QrRequest",
    "QrResponse",
    "TariffTypeRestrictionModel",
    "PriceComponentModel",
    "TariffElementModel",
    "TariffModel",
    "WalletTariffItem",
    "WalletTariffItemListResponse",
    "LocationEvseTariffRequest",
    "BulkTariffsRequest",
    "EvseTariffItem",
    "BulkTariffResponse",
    "StartRequest",
    "StartResponse",
    "StopRequest",
    "SessionDataPointModel",
    "SessionDataPointsSummaryModel",
    "SessionPaymentMethodModel",
    "SessionTransactionDetailsModel",
    "SessionLocationCoordinatesModel",
    "SessionBrandingModel",
    "SessionLocationModel",
    "CdrLineItem",
    "CdrSegment",
    "CdrCostBreakdown",
    "StatusResponse",
})


def __getattr__(name: str) -> Any:
    """``models.TariffModel`` and the other models of :data:`LATE_MODELS`: defined in
    :mod:`kiosk.api.models_late`, imported on first use (PEP 562)."""
    if name in LATE_MODELS:
        from kiosk.api import models_late

        return getattr(models_late, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def all_models() -> dict[str, type[BaseModel]]:
    """Every API model by name (imports the late ones)."""
    from kiosk.api import models_late

    found = {}
    for module in (globals(), vars(models_late)):
        for name, cls in module.items():
            if isinstance(cls, type) and issubclass(cls, BaseModel) and cls.__module__ in (__name__, models_late.__name__):
                found[name] = cls
    return found


def build_schemas(names: tuple[str, ...] | None = None) -> int:
    """Build the validators of the named models (all when ``None``, which imports the late
    ones) that are not built yet; returns how many were built. The kiosk calls it on a
    worker thread: the board's models before the board, the rest after it, so no first use
    on the UI thread pays for one."""
    models = all_models() if names is None else {name: globals()[name] for name in names}
    built = 0
    for cls in models.values():
        if not cls.__pydantic_complete__:
            cls.model_rebuild()
            built += 1
    return built


if TYPE_CHECKING:     # (for type checkers; at run time __getattr__ serves them)
    from kiosk.api.models_late import (  # noqa: F401
        BadRequestObjectResult,
        BoundingBox,
        BulkTariffResponse,
        BulkTariffsRequest,
        CdrCostBreakdown,
        CdrLineItem,
        CdrSegment,
        ConnectorSummary,
        CreateAppTokenRequest,
        EvseSummary,
        EvseTariffItem,
        IActionResult,
        LocationEvseTariffRequest,
        LocationSummary,
        LocationSummaryGeoListResponse,
        PaymentMethodModelListResponse,
        PriceComponentModel,
        ProblemDetails,
        PutChargeCardRequest,
        PutExternalPaymentMethodRequest,
        QrRequest,
        QrResponse,
        SessionBrandingModel,
        SessionDataPointModel,
        SessionDataPointsSummaryModel,
        SessionLocationCoordinatesModel,
        SessionLocationModel,
        SessionPaymentMethodModel,
        SessionTransactionDetailsModel,
        StartRequest,
        StartResponse,
        StatusResponse,
        StopRequest,
        TariffElementModel,
        TariffModel,
        TariffTypeRestrictionModel,
        ValidationMessage,
        ValidationResponse,
        ValidationResponseV2,
        WalletTariffItem,
        WalletTariffItemListResponse,
    )
