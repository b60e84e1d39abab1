"""Time zone names as the service sends them.

The operator's document gives ``timeZone`` as a Windows zone name ("W. Europe Standard
Time"), not an IANA id. :func:`iana_zone` turns either form into an IANA id the standard
library's ``zoneinfo`` knows (the Windows names of Europe and a few others, after CLDR's
``windowsZones.xml``, territory "001"); None when the name is unknown.
"""

from __future__ import annotations

from functools import cache

#: Windows zone name -> IANA id (CLDR windowsZones, the zone of territory 001).
WINDOWS_TO_IANA = {
    "UTC": "Etc/UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "W. Europe Standard Time": "Europe/Berlin",
    "Central Europe Standard Time": "Europe/Budapest",
    "Romance Standard Time": "Europe/Paris",
    "Central European Standard Time": "Europe/Warsaw",
    "E. Europe Standard Time": "Europe/Chisinau",
    "FLE Standard Time": "Europe/Kiev",
    "GTB Standard Time": "Europe/Bucharest",
    "Turkey Standard Time": "Europe/Istanbul",
    "Russian Standard Time": "Europe/Moscow",
    "Kaliningrad Standard Time": "Europe/Kaliningrad",
    "Belarus Standard Time": "Europe/Minsk",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver",
    "Pacific Standard Time": "America/Los_Angeles",
}


@cache
def iana_zone(name: str | None) -> str | None:
    """The IANA id for a Windows zone name or an IANA id; None if unknown or empty."""
    if not name:
        return None
    name = name.strip()
    if name in WINDOWS_TO_IANA:
        return WINDOWS_TO_IANA[name]
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return None
    return name


__all__ = ["WINDOWS_TO_IANA", "iana_zone"]
