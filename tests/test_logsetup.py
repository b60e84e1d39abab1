"""Card numbers in every shape stay out of the logs: the redaction knows the numeric shapes
printed on RFID cards (the guide's 770674109963002836) as well as eMAIDs, whether or not the
number was registered in this process; ordinary numbers in log lines stay readable.

(The numbers here are used by no other test: one registered as a secret elsewhere in the
same process would come out as *** rather than masked by its shape.)"""

from __future__ import annotations

import logging

import pytest

from kiosk.logsetup import RedactingFilter, redact


@pytest.mark.parametrize(("text", "hidden", "tail"), [
    ("card 880674109963002837 added", "880674109963002837", "2837"),
    ("visualNumber=8806 7410 9963 0028 37", "8806 7410 9963 0028 37", "2837"),
    ('{"visualNumber": "8806-7410-9963-0028-37"}', "8806-7410-9963-0028-37", "2837"),
    ("card:223456789013", "223456789013", "9013"),
    ("NL-XYZ-C87654321-Q refused", "NL-XYZ-C87654321-Q", "21-Q"),
    ("nlgfx NLXYZC87654321Q", "NLXYZC87654321Q", "321Q"),
    ("NL*XYZ*C87654321*Q", "NL*XYZ*C87654321*Q", "21*Q"),
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
                               ("990674109963002838", "room 12"), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == "added …2838 for room 12"
