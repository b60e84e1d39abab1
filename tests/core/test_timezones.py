"""The service's Windows zone names become zones the kiosk can compute with."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk.core.timezones import WINDOWS_TO_IANA, iana_zone


def test_the_documents_example_is_amsterdams_offset():
    zone = ZoneInfo(iana_zone("W. Europe Standard Time"))
    summer = datetime(2021, 7, 4, 8, 27, 15)
    assert zone.utcoffset(summer) == ZoneInfo("Europe/Amsterdam").utcoffset(summer)


@pytest.mark.parametrize(("name", "expected"), [
    ("Europe/Amsterdam", "Europe/Amsterdam"), ("Romance Standard Time", "Europe/Paris"),
    ("GMT Standard Time", "Europe/London"), ("Mars/Olympus", None), ("", None), (None, None), ("../etc", None),
])
def test_names(name, expected):
    assert iana_zone(name) == expected


def test_every_mapped_zone_exists():
    for iana in WINDOWS_TO_IANA.values():
        ZoneInfo(iana)
