"""Charge Assist kiosk: a touchscreen kiosk and attendant desk for EV charging."""

__version__ = "0.1.0"
