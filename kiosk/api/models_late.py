"""The API models a guest's visit needs after the board: tariffs, starting, stopping and
following a session, receipts (CDR), QR codes, location search, payment-method requests and
the service's error bodies. Part of :mod:`kiosk.api.models`, which serves every name here
(``models.TariffModel``, ``from kiosk.api.models import StatusResponse``): use them from
there.

Why a module of their own: creating a pydantic model class costs ~0.4 ms even with its
validator deferred, and the kiosk's way from launch to its board needs none of these ~40
(~15 ms less before the board; ``python -X importtime``, ``bench/ui.py``). The kiosk imports
this module on a worker thread once the board is up (``models.build_schemas()``); an earlier
first use imports it where it happens. The tolerant field types and the rules in
:mod:`kiosk.api.models`'s docstring hold here too.
"""

# (no ``from __future__ import annotations``: see kiosk.api.models)
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from kiosk.api.models import (  # the shared types and base models
    ApiModel,
    CdrDimensionValue,
    CdrUnitValue,
    ConnectorPowerTypeValue,
    ConnectorStandardValue,
    CouponStatusValue,
    CustomPropertyModel,
    DateTime,
    DisplayTextModel,
    Energy,
    EvseStateValue,
    LocationTypeValue,
    MetaInfo,
    Money,
    OperatorBrandingModel,
    PaymentMethodModel,
    PaymentMethodTypeValue,
    Percent,
    Power,
    PrioritySessionStatusValue,
    Quantity,
    SessionErrorValue,
    SessionStatusValue,
    SnakeCaseModel,
    StartMethodValue,
    TariffDimensionValue,
    TariffTypeValue,
    TariffValidityValue,
    UnitPrice,
    ValidationStatusValue,
    VidStatusValue,
)

# --------------------------------------------------------------------------------------
# common
# --------------------------------------------------------------------------------------


class BoundingBox(ApiModel):
    bottom_left_lat: float | None = None
    bottom_left_lng: float | None = None
    top_right_lat: float | None = None
    top_right_lng: float | None = None


class ValidationMessage(ApiModel):
    code: str | None = None
    message: str | None = None


class ValidationResponse(ApiModel):
    validation_messages: list[ValidationMessage] | None = None
    message: str | None = None
    developer_message: str | None = None


class ValidationResponseV2(ApiModel):
    message: str | None = None
    code: str | None = None
    context: str | None = None
    validation_status: ValidationStatusValue | None = None


class ProblemDetails(ApiModel):
    type: str | None = None
    title: str | None = None
    status: int | None = None
    detail: str | None = None
    instance: str | None = None


class BadRequestObjectResult(ApiModel):
    """ASP.NET's result object, serialised whole instead of its ``value`` (an error shape of
    ``POST /locations/availability``); the message is in ``value``."""

    value: Any = None
    formatters: list[Any] | None = None
    content_types: list[str] | None = None
    declared_type: str | None = None
    status_code: int | None = None


class IActionResult(ApiModel):
    """The document's (empty) body schema of a 204."""


# --------------------------------------------------------------------------------------
# token
# --------------------------------------------------------------------------------------


class CreateAppTokenRequest(ApiModel):
    app_token: str | None = None
    driver_id: str | None = None
    emsp_id: str | None = None


# --------------------------------------------------------------------------------------
# payment
# --------------------------------------------------------------------------------------


class PaymentMethodModelListResponse(ApiModel):
    data: list[PaymentMethodModel] | None = None
    meta: MetaInfo | None = None


class PutChargeCardRequest(ApiModel):
    visual_number: str | None = None
    token_issuer: str | None = None
    card_alias: str | None = None
    chip_id: str | None = None
    activate: bool | None = None
    display_name: str | None = None


class PutExternalPaymentMethodRequest(ApiModel):
    external_payment_method_id: str | None = None
    display_name: str | None = None


# --------------------------------------------------------------------------------------
# locations
# --------------------------------------------------------------------------------------


class ConnectorSummary(ApiModel):
    id: str | None = None
    standard: ConnectorStandardValue | None = None
    kw: float | None = None
    power_in_kw: float | None = None
    power_type: ConnectorPowerTypeValue | None = None


class EvseSummary(ApiModel):
    uid: str | None = None
    charger_type: str | None = None
    status: EvseStateValue | None = None
    agreement: bool | None = None
    connectors: list[ConnectorSummary] | None = None
    evse_id: str | None = None
    display_name: str | None = None


class LocationSummary(ApiModel):
    id: str | None = None
    type: LocationTypeValue | None = None
    name: str | None = None
    display_name: str | None = None
    add: str | None = None
    city: str | None = None
    country: str | None = None
    lat: float | None = None
    lng: float | None = None
    con_avail: int | None = None
    con_tot: int | None = None
    dp: bool | None = None
    rfid: bool | None = None
    branding: OperatorBrandingModel | None = None
    branding_id: str | None = None
    is_home_charger: bool | None = None
    is_private_location: bool | None = None
    evses: list[EvseSummary] | None = None
    time_zone: str | None = None
    custom_properties: list[CustomPropertyModel] | None = None


class LocationSummaryGeoListResponse(ApiModel):
    bounding_box: BoundingBox | None = None
    data: list[LocationSummary] | None = None
    meta: MetaInfo | None = None


class QrRequest(ApiModel):
    url: str | None = None


class QrResponse(ApiModel):
    valid: bool | None = None
    id: str | None = None
    datasource: str | None = None
    operator: str | None = None
    location_id: str | None = None
    ocpi_location_id: str | None = None
    evse_uid: str | None = None
    connector_id: str | None = None
    url: str | None = None
    embedded_url: str | None = None
    created_date: DateTime = None


# --------------------------------------------------------------------------------------
# tariff
# --------------------------------------------------------------------------------------


class TariffTypeRestrictionModel(SnakeCaseModel):
    min: float | None = None
    max: float | None = None
    min_kwh: float | None = None
    max_kwh: float | None = None
    min_duration: float | None = None
    max_duration: float | None = None
    min_power: float | None = None
    max_power: float | None = None
    min_current: float | None = None
    max_current: float | None = None


class PriceComponentModel(ApiModel):
    price: UnitPrice = None
    price_unrounded: UnitPrice = None
    type: TariffDimensionValue | None = None
    step_size: int | None = None
    vat: Percent = None
    restrictions: TariffTypeRestrictionModel | None = None


class TariffElementModel(ApiModel):
    price_components: list[PriceComponentModel] | None = None


class TariffModel(ApiModel):
    tariff_type: TariffTypeValue | None = None
    vat_percentage: Percent = None
    currency: str | None = None
    is_vat_included: bool | None = None
    country_code: str | None = None
    description_url: str | None = None
    descriptions: list[DisplayTextModel] | None = None
    elements: list[TariffElementModel] | None = None
    valid_from: str | None = None
    valid_to: str | None = None


class WalletTariffItem(ApiModel):
    tariff: TariffModel | None = None
    tariff_whole_sale: TariffModel | None = None
    validity: TariffValidityValue | None = None
    payment_method: PaymentMethodModel | None = None
    future_tariffs: list[TariffModel] | None = None
    is_default_tariff: bool | None = None


class WalletTariffItemListResponse(ApiModel):
    data: list[WalletTariffItem] | None = None
    meta: MetaInfo | None = None


class LocationEvseTariffRequest(ApiModel):
    location_id: str | None = None
    evse_uid: str | None = None


class BulkTariffsRequest(ApiModel):
    location_evses: list[LocationEvseTariffRequest] | None = None


class EvseTariffItem(ApiModel):
    tariff: TariffModel | None = None
    tariff_whole_sale: TariffModel | None = None
    location_id: str | None = None
    evse_uid: str | None = None


class BulkTariffResponse(ApiModel):
    evse_tariffs: list[EvseTariffItem] | None = None


# --------------------------------------------------------------------------------------
# sessions
# --------------------------------------------------------------------------------------


class StartRequest(ApiModel):
    location_id: str | None = None
    evse_uid: str | None = None
    connector_id: str | None = None
    payment_method_id: str | None = None
    adhoc_payment_method_id: str | None = None
    ignore_evse_availablity: bool | None = None  # sic: the API's spelling


class StartResponse(ApiModel):
    charge_session_id: str | None = None
    next_status_call: DateTime = None
    message_id: str | None = None
    #: The server's clock when it answered (HTTP ``Date``); not part of the JSON.
    server_time: datetime | None = Field(default=None, exclude=True)


class StopRequest(ApiModel):
    charge_session_id: str | None = None


class SessionDataPointModel(ApiModel):
    timestamp: DateTime = None
    energy_in_kwh: Energy = None
    power_in_kw: Power = None
    status: SessionStatusValue | None = None
    state_of_charge: Percent = None


class SessionDataPointsSummaryModel(ApiModel):
    max_energy_in_kwh: Energy = None
    max_power_in_kw: Power = None
    min_energy_in_kwh: Energy = None
    min_power_in_kw: Power = None
    data_points: list[SessionDataPointModel] | None = None


class SessionPaymentMethodModel(ApiModel):
    id: str | None = None
    type: PaymentMethodTypeValue | None = None
    card_hint: str | None = None
    charge_card_visual_number: str | None = None
    external_payment_method_id: str | None = None
    display_name: str | None = None


class SessionTransactionDetailsModel(ApiModel):
    payment_method: SessionPaymentMethodModel | None = None
    psp_transaction_id: str | None = None
    total_costs_charged: Money = None
    payment_confirmation_time: DateTime = None
    payment_status: str | None = None  # Pending, Success, EmspInvoice, External, ...
    credit_wallet_id: str | None = None
    external_cdr_id: str | None = None


class SessionLocationCoordinatesModel(ApiModel):
    latitude: float | None = None
    longitude: float | None = None


class SessionBrandingModel(ApiModel):
    display_name: str | None = None
    logo_url: str | None = None
    support_phone: str | None = None
    support_email: str | None = None
    support_website: str | None = None


class SessionLocationModel(ApiModel):
    coordinates: SessionLocationCoordinatesModel | None = None
    name: str | None = None
    address: str | None = None
    city: str | None = None
    country: str | None = None
    time_zone: str | None = None  # a Windows zone name, like LocationModel.time_zone
    power_type: ConnectorPowerTypeValue | None = None
    branding: SessionBrandingModel | None = None


class CdrLineItem(ApiModel):
    dimension: CdrDimensionValue | None = None
    price: UnitPrice = None
    quantity: Quantity = None
    unrounded_cost: Money = None
    rounded_cost: Money = None
    unit: CdrUnitValue | None = None


class CdrSegment(ApiModel):
    segment_id: int | None = None
    from_utc: DateTime = None
    items: list[CdrLineItem] | None = None


class CdrCostBreakdown(ApiModel):
    retail_segments: list[CdrSegment] | None = None


class StatusResponse(ApiModel):
    session_id: str | None = None
    app_token: str | None = None
    external_session_id: str | None = None
    location_id: str | None = None
    evse_uid: str | None = None
    connector_id: str | None = None
    auth_id: str | None = None
    status: SessionStatusValue | None = None
    can_rate_session: bool | None = None
    error: SessionErrorValue | None = None
    error_message: str | None = None
    energy_in_kwh: Energy = None
    current_power_in_kw: Power = None
    total_costs: Money = None
    total_vat: Money = None
    vat_percentage: Percent = None
    currency: str | None = None
    start_time: DateTime = None
    end_time: DateTime = None
    next_status_call: DateTime = None
    usage_summary: SessionDataPointsSummaryModel | None = None
    smart_charging_enabled: bool | None = None
    priority_session_status: PrioritySessionStatusValue | None = None
    vid_status: VidStatusValue | None = None
    payment_method_id: str | None = None
    payment_method: SessionPaymentMethodModel | None = None
    charging_not_allowed: bool | None = None
    state_of_charge: Percent = None
    receipt_number: str | None = None
    coupon_status: CouponStatusValue | None = None
    mileage: str | None = None
    start_method: StartMethodValue | None = None
    transaction_details: SessionTransactionDetailsModel | None = None
    psp_pre_auth_transaction_id: str | None = None
    is_private_charger: bool | None = None
    location: SessionLocationModel | None = None
    cost_breakdown: CdrCostBreakdown | None = None
    #: The server's clock when it answered (HTTP ``Date``); not part of the JSON.
    server_time: datetime | None = Field(default=None, exclude=True)

    @field_validator("error", mode="before")
    @classmethod
    def _no_error(cls, value: Any) -> Any:
        return None if value == "" else value  # the document's example: "" means no error

    @property
    def is_final(self) -> bool:
        """True once the status will not change any more (kiosk.core.session owns the states)."""
        from kiosk.core.session import is_final

        return is_final(self.status)
