"""The attendant-operated desktop (``kiosk desk``): see ``README.md`` beside this file."""

from .window import ACTIONS, DeskOptions, DeskWindow

__all__ = ["ACTIONS", "DeskOptions", "DeskWindow"]
