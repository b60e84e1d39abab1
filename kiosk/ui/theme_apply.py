"""Icons on buttons follow the theme: each :class:`~kiosk.ui.base.TouchButton` with an
``icon_name`` gets a glyph icon in the colours of its role (text, on-primary, on-danger),
its disabled look, and for checkable choices a check mark when checked (state never by
colour alone). Applied by the shell on every theme change and to screens built later."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QPushButton, QWidget

from kiosk.ui import icons

_state: dict[str, Any] = {"palette": None, "px": 24, "touch": 56}


def set_touch(px: int) -> None:
    """The smallest side of a touch target now (the theme's metrics): a language or choice
    button is at least this wide. Not a style sheet ``min-width``: Qt takes that as the
    widget's explicit minimum, and a layout short of room then squeezed the button below
    its text ("High contras")."""
    _state["touch"] = px


def touch_px() -> int:
    return _state["touch"]


def set_palette(p: Any, icon_px: int) -> None:
    _state["palette"], _state["px"] = p, icon_px


def palette() -> Any:
    """The theme's palette now (None before the shell applied one): for widgets that paint."""
    return _state["palette"]


def button_icon(b: QPushButton) -> None:
    p = _state["palette"]
    name = b.property("icon_name") or ""
    checkable = b.isCheckable() and b.property("role") == "choice"
    if p is None or not (name or checkable):
        return
    role = b.property("role")
    fg = {"primary": p.on_primary, "danger": p.on_danger}.get(role, p.text)
    on = p.on_primary if checkable else fg
    if b.isCheckable() and name:   # its own icon, a check mark when on
        b.setIcon(icons.icon(name, fg, p.disabled, on=p.on_primary, on_name="check-circle"))
    elif checkable:   # a radio mark that fills when chosen: the choice is not shown by colour alone
        b.setIcon(icons.icon("radiobox-blank", fg, p.disabled, on=on, on_name="radiobox-marked"))
    else:
        b.setIcon(icons.icon(name, fg, p.disabled))
    side = _state["px"]
    if b.iconSize() != QSize(side, side):
        b.setIconSize(QSize(side, side))


def apply_icons(root: QWidget) -> None:
    if _state["palette"] is None:
        return
    for b in root.findChildren(QPushButton):
        if b.property("icon_name") or (b.isCheckable() and b.property("role") == "choice"):
            button_icon(b)
