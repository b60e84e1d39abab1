"""Plain-language tariff texts for guests in English, Dutch, German and French."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.core.tariff import describe, example_cost, from_charge_assist, from_ocpi
from kiosk.i18n import current_language, set_language

DATA = Path(__file__).parent / "data" / "tariffs"
AMS = ZoneInfo("Europe/Amsterdam")
NBSP = "\xa0"
LANGS = ("en", "nl", "de", "fr")


def venue_tariff(energy=0.35):
    """The issue's example: €0.35 per kWh, €1.00 per session, parking €2.00 per hour, VAT included."""
    return from_charge_assist({
        "currency": "EUR", "vatPercentage": 21, "isVatIncluded": True,
        "elements": [{"priceComponents": [
            {"type": "ENERGY", "price": energy, "stepSize": 1, "vat": 21},
            {"type": "FLAT", "price": 1.00, "stepSize": 1, "vat": 21},
            {"type": "PARKING_TIME", "price": 2.00, "stepSize": 60, "vat": 21},
        ]}],
    })


EXPECTED = {
    "en": "€0.35 per kWh, €1.00 per session, parking €2.00 per hour once charging ends, VAT included.",
    "nl": f"€{NBSP}0,35 per kWh, €{NBSP}1,00 per laadsessie, parkeren €{NBSP}2,00 per uur zodra het laden klaar is, "
          "inclusief btw.",
    "de": f"0,35{NBSP}€ pro kWh, 1,00{NBSP}€ pro Ladevorgang, Parken 2,00{NBSP}€ pro Stunde, sobald das Laden "
          "beendet ist, inklusive MwSt.",
    "fr": f"0,35{NBSP}€ par kWh, 1,00{NBSP}€ par recharge, stationnement 2,00{NBSP}€ par heure une fois la "
          "recharge terminée, TVA comprise.",
}

EXAMPLE = {
    "en": "a 2-hour charge of 20 kWh costs about €8.20",
    "nl": f"een laadbeurt van 2 uur met 20 kWh kost ongeveer €{NBSP}8,20",
    "de": f"eine Ladung von 2 Stunden mit 20 kWh kostet etwa 8,20{NBSP}€",
    "fr": f"une recharge de 2 heures et 20 kWh coûte environ 8,20{NBSP}€",
}


@pytest.mark.parametrize("lang", LANGS)
def test_describe_the_issue_example_in_each_language(lang):
    assert describe(venue_tariff(), lang) == EXPECTED[lang]


@pytest.mark.parametrize("lang", LANGS)
def test_example_cost_in_each_language(lang):
    start = dt.datetime(2026, 11, 24, 10, 0, tzinfo=AMS)
    # 1.00 + 20 x 0.36 = 8.20
    assert example_cost(venue_tariff(0.36), hours=2, kwh=20, lang=lang, start=start) == EXAMPLE[lang]


def test_example_cost_singular_and_fractional_hours():
    start = dt.datetime(2026, 11, 24, 10, 0, tzinfo=AMS)
    t = venue_tariff()
    assert example_cost(t, hours=1, kwh=10, lang="de", start=start).startswith("eine Ladung von 1 Stunde mit")
    assert example_cost(t, hours=1.5, kwh=10, lang="de", start=start).startswith("eine Ladung von 1,5 Stunden mit")
    assert example_cost(t, hours=1.5, kwh=10, lang="fr", start=start).startswith("une recharge de 1,5 heure et")


def test_example_cost_follows_time_of_use_at_the_chosen_start():
    t = from_ocpi({"currency": "EUR", "elements": [
        {"price_components": [{"type": "ENERGY", "price": 0.20, "step_size": 1}],
         "restrictions": {"start_time": "22:00", "end_time": "07:00"}},
        {"price_components": [{"type": "ENERGY", "price": 0.40, "step_size": 1}]}]})
    night = example_cost(t, lang="en", start=dt.datetime(2026, 11, 24, 23, 0, tzinfo=AMS))
    day = example_cost(t, lang="en", start=dt.datetime(2026, 11, 24, 12, 0, tzinfo=AMS))
    assert night.endswith("€4.00") and day.endswith("€8.00")


@pytest.mark.parametrize(
    "lang, window, prices",
    [
        ("en", "; from 22:00 to 07:00: €0.20 per kWh", "€0.40 per kWh"),
        ("nl", f"; van 22:00 tot 07:00: €{NBSP}0,20 per kWh", f"€{NBSP}0,40 per kWh"),
        ("de", f"; von 22:00 bis 07:00: 0,20{NBSP}€ pro kWh", f"0,40{NBSP}€ pro kWh"),
        ("fr", f"; de 22:00 à 07:00 : 0,20{NBSP}€ par kWh", f"0,40{NBSP}€ par kWh"),
    ],
)
def test_time_of_use_is_mentioned(lang, window, prices):
    t = from_ocpi({"currency": "EUR", "elements": [
        {"price_components": [{"type": "ENERGY", "price": 0.20, "step_size": 1}],
         "restrictions": {"start_time": "22:00", "end_time": "07:00"}},
        {"price_components": [{"type": "ENERGY", "price": 0.40, "step_size": 1}]}]})
    text = describe(t, lang)
    assert window in text and prices in text


@pytest.mark.parametrize(
    "lang, today, later",
    [
        ("en", "From 22:00: ", "From 23 Nov 2026 22:00: "),
        ("nl", "Vanaf 22:00: ", "Vanaf 23 nov 2026 22:00: "),
        ("de", "Ab 22:00: ", "Ab 23.11.2026 22:00: "),
        ("fr", "À partir de 22:00 : ", "À partir de 23 nov. 2026 22:00 : "),
    ],
)
def test_future_tariff_is_announced_with_its_start(lang, today, later):
    sched = from_charge_assist(json.loads((DATA / "ca_wallet_item_future.json").read_text()))
    same_day = describe(sched, lang, now=dt.datetime(2026, 11, 23, 18, 0, tzinfo=AMS))
    day_before = describe(sched, lang, now=dt.datetime(2026, 11, 22, 18, 0, tzinfo=AMS))
    assert today in same_day
    assert later in day_before
    cheaper = {"en": "€0.25", "nl": f"€{NBSP}0,25", "de": f"0,25{NBSP}€", "fr": f"0,25{NBSP}€"}[lang]
    assert same_day.index(today) < same_day.index(cheaper)


def test_after_the_switch_only_the_new_tariff_is_described():
    sched = from_charge_assist(json.loads((DATA / "ca_wallet_item_future.json").read_text()))
    text = describe(sched, "en", now=dt.datetime(2026, 11, 23, 23, 0, tzinfo=AMS))
    assert "€0.25 per kWh" in text and "€0.35" not in text and "From" not in text


def test_prices_excluding_vat_are_shown_as_the_guest_pays_them():
    t = from_ocpi(json.loads((DATA / "tariff_10_025kwh_parking_start.json").read_text()))
    assert describe(t, "en") == (
        "€0.60 per session, €0.275 per kWh (billed per 0.1 kWh), "
        "parking €2.40 per hour once charging ends (billed per 15 minutes), VAT included."
    )


def test_without_vat_information_no_vat_claim_is_made():
    t = from_ocpi(json.loads((DATA / "tariff_14_step_size.json").read_text()))
    text = describe(t, "en")
    assert "VAT" not in text
    assert text.startswith("From 00:00 to 17:00: €1.20 per hour of charging (billed per 30 minutes)")


@pytest.mark.parametrize("lang, text", [("en", "Free of charge."), ("nl", "Gratis."), ("de", "Kostenlos."), ("fr", "Gratuit.")])
def test_free_of_charge(lang, text):
    t = from_ocpi(json.loads((DATA / "tariff_5_free_of_charge.json").read_text()))
    assert describe(t, lang) == text


@pytest.mark.parametrize("lang", LANGS)
def test_restrictions_are_translated(lang):
    tariffs = [from_ocpi(json.loads((DATA / f"{n}.json").read_text())) for n in (
        "tariff_4_complex", "tariff_7_first_hour_kwh_free", "tariffrestriction_example_max_power",
        "tariff_12_025kwh_min_price", "tariff_6_025kwh_start_max_price")]
    texts = [describe(t, lang) for t in tariffs]
    english_words = ("charging", "parking", "session", "weekdays", "after plugging", "per hour", "VAT")
    if lang != "en":
        for text in texts:
            assert not any(w in text for w in english_words), text
    assert all(texts)


def test_current_language_is_the_default():
    before = current_language()
    try:
        set_language("de")
        assert describe(venue_tariff()) == EXPECTED["de"]
    finally:
        set_language(before)


def test_guest_prices_are_rounded_for_display_only():
    t = from_charge_assist({"currency": "EUR", "vatPercentage": 21, "isVatIncluded": False, "elements": [
        {"priceComponents": [{"type": "ENERGY", "price": 0.32, "stepSize": 1},
                             {"type": "PARKING_TIME", "price": 1.20, "stepSize": 300}]}]})
    assert describe(t, "en") == (
        "€0.387 per kWh, parking €1.45 per hour once charging ends (billed per 5 minutes), VAT included."
    )
    # the example cost is priced exactly: 20 x 0.3872 = 7.744
    start = dt.datetime(2026, 11, 24, 10, 0, tzinfo=AMS)
    assert example_cost(t, hours=2, kwh=20, lang="en", start=start) == "a 2-hour charge of 20 kWh costs about €7.74"
