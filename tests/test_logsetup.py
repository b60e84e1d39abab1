"""Card numbers in every shape stay out of the logs: the redaction knows the numeric shapes
printed on RFID cards (the guide's 770674109963002836) as well as eMAIDs, whether or not the
number was registered in this process; ordinary numbers in log lines stay readable."""

from __future__ import annotations

import logging

import pytest

from kiosk.logsetup import RedactingFilter, redact


@pytest.mark.parametrize(("text", "hidden", "tail"), [
    ("card 770674109963002836 added", "770674109963002836", "2836"),
    ("visualNumber=7706 7410 9963 0028 36", "7706 7410 9963 0028 36", "2836"),
    ('{"visualNumber": "7706-7410-9963-0028-36"}', "7706-7410-9963-0028-36", "2836"),
    ("card:123456789012", "123456789012", "9012"),
    ("NL-GFX-C12345678-X refused", "NL-GFX-C12345678-X", "78-X"),
    ("nlgfx NLGFXC12345678X", "NLGFXC12345678X", "678X"),
    ("NL*GFX*C12345678*X", "NL*GFX*C12345678*X", "78*X"),
])
def test_card_numbers_are_masked_without_being_registered(text, hidden, tail):
    out = redact(text)
    assert hidden not in out and "…" + tail in out
    digits = "".join(ch for ch in hidden if ch.isdigit())
    assert digits[:-4] not in "".join(ch for ch in out if ch.isdigit())


@pytest.mark.parametrize("text", [
    "2026-11-24 10:00:00,123 INFO kiosk.api.client: GET /payment/***/wallet -> 200 in 12 ms",
    "EVSE NL*GFX*E12345*1 at nl-gfx-591623dc, connector 1, 11.04 kW, 0.321 kWh",
    "session 3f2a1b2c-4d5e-4f60-8a7b-9c0d1e2f3a4b on 127.0.0.1:8400",
    "support +31 20 555 0100, total EUR 1234.56, 21 % VAT",
    "receipt GFX-20261124-00012",
])
def test_ordinary_numbers_stay_readable(text):
    assert redact(text) == text


def test_the_logging_filter_masks_numeric_cards_in_messages_and_arguments():
    record = logging.LogRecord("kiosk.test", logging.INFO, __file__, 1, "added %s for %s",
                               ("770674109963002836", "room 12"), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == "added …2836 for room 12"
