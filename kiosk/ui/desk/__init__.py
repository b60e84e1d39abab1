"""The attendant-operated desktop (``kiosk desk``): see ``README.md`` beside this file.
The window is imported on first use (the kiosk's touch desk borrows only ``pages``)."""

from typing import Any

__all__ = ["ACTIONS", "DeskOptions", "DeskWindow"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import window

        return getattr(window, name)
    raise AttributeError(name)
