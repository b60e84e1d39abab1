"""Guest texts of hotel billing for the charger and receipt screens (translation domain
``billing``): the guest's price list with an example, who pays what, the receipt's numbers
and total. Text only: the screens decide where it goes."""

from __future__ import annotations

from typing import Any

from kiosk.core.format import money, number
from kiosk.i18n import Translator, current_language

_ = Translator("billing")


def offer_title(offer: Any) -> str:
    if offer.mode == "free":
        return _("Free for you")
    return _("What you pay")


def offer_list(offer: Any, lang: str | None = None) -> str:
    """The short price list, one price a line ("• €0.363 per kWh"), or the plain statement
    that the price is not known before charging."""
    lang = lang or current_language()
    if offer.unknown:
        if offer.start_allowed:
            return _("The price is not known before charging: the charging service has not given one for this "
                     "charger. Your receipt shows what you pay.", lang=lang)
        return _("The price is not known before charging, so this charger cannot be started here. Choose another "
                 "charger, or ask the front desk.", lang=lang)
    return "\n".join("\u2022 " + line for line in offer.lines(lang))


def offer_example(offer: Any, lang: str | None = None) -> str:
    return "" if offer.unknown or offer.mode == "free" else offer.example(lang)


def offer_vat(offer: Any) -> str:
    if offer.unknown or offer.mode == "free":
        return ""
    pct = offer.vat_percent
    return _("Prices include VAT.") if pct is None else _("Prices include {vat}% VAT.", vat=number(pct, 0))


def payer_line(offer: Any, payment: str, room: str | None) -> str:
    """Who pays what, in one sentence."""
    if offer.mode == "free":
        return _("Charging is free for you: the venue pays.")
    if payment == "room" and room:
        if offer.unknown:
            return _("Room {room}: the cost goes on your room bill.", room=room)
        return _("Room {room}: the price above goes on your room bill.", room=room)
    if payment == "room":
        return ""
    return _("The venue pays the charging service; you settle the price above with the venue.")


def receipt_number(kiosk_number: str | None, api_number: str | None) -> str:
    """The kiosk's receipt number, with the charging service's beside it when there is one."""
    if kiosk_number and api_number:
        return _("{number} (charging service: {service})", number=kiosk_number, service=api_number)
    return kiosk_number or api_number or "–"


def receipt_total(r: Any) -> str | None:
    """The guest's total (None: no guest price, the screen shows the operator's)."""
    if r.guest_total_incl_vat is not None:
        return money(r.guest_total_incl_vat, r.guest_currency)
    if r.guest_estimate_incl_vat is not None:
        return _("about {amount}", amount=money(r.guest_estimate_incl_vat, r.guest_currency))
    return None


def receipt_vat(r: Any) -> str | None:
    if r.guest_vat is None:
        return None
    pct = f" ({number(r.guest_vat_percentage, 0)}%)" if r.guest_vat_percentage is not None else ""
    return money(r.guest_vat, r.guest_currency) + pct


def receipt_note(r: Any) -> str:
    if r.guest_basis == "estimate":
        return _("The charging service sent no final cost, so this total is based on the last estimate.")
    if r.price_policy == "free" and r.kiosk_receipt_number:
        return _("Charging was free for you.")
    return ""


def receipt_qr_hint(has_url: bool) -> str:
    return _("Scan to open this receipt on your phone.") if has_url else ""
