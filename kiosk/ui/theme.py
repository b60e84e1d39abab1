"""The look of the kiosk: one Qt style sheet built from the venue colour, in a normal and
a high-contrast variant. Large type for arm's length, no hover states (touch only), every
button at least 56 px high. ``resources/style/extra.qss`` (optional) is appended, so a
venue can adjust details without code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QColor

STYLE_DIR = Path(__file__).resolve().parent.parent.parent / "resources" / "style"


@dataclass(frozen=True)
class Palette:
    primary: str
    on_primary: str
    bg: str
    surface: str
    text: str
    muted: str
    border: str
    danger: str
    warning: str
    ok: str


def _on(color: str) -> str:
    c = QColor(color)
    lum = 0.2126 * c.redF() + 0.7152 * c.greenF() + 0.0722 * c.blueF()
    return "#000000" if lum > 0.5 else "#ffffff"


def palette(venue_color: str = "#0b7a53", high_contrast: bool = False) -> Palette:
    if high_contrast:
        return Palette(primary="#ffff00", on_primary="#000000", bg="#000000", surface="#000000", text="#ffffff",
                       muted="#ffffff", border="#ffffff", danger="#ff6b6b", warning="#ffff00", ok="#00ff66")
    return Palette(primary=venue_color, on_primary=_on(venue_color), bg="#f4f6f5", surface="#ffffff",
                   text="#111816", muted="#4a5550", border="#c5cdc9", danger="#b3261e", warning="#8a5a00",
                   ok="#0b7a53")


def base_px(height: int) -> int:
    """Body text size in px for a window ``height`` px high: 20 at 800 (10" panel), 14 at
    480 (the Pi's 7" touchscreen), at most 26 on a 1080p screen."""
    return max(14, min(26, round(height * 0.025)))


def stylesheet(p: Palette, base_pt: int = 20) -> str:
    big = base_pt * 2
    # Buttons: min-height is the content height; + 2x6 padding + 2x2 border = key_h outside:
    # 72 px at 20 px text (10" panel), the 56-px touch minimum at 14 px (7" 800x480).
    key_h = max(56, round(base_pt * 3.6))
    title = int(base_pt * 1.6)
    sub = int(base_pt * 1.2)
    small = max(12, int(base_pt * 0.8))
    qss = f"""
    QWidget {{ color: {p.text}; font-size: {base_pt}px; }}
    QWidget#shell, QWidget[screen="true"], QScrollArea, QScrollArea > QWidget > QWidget {{ background: {p.bg}; }}
    QLabel {{ background: transparent; }}
    QLabel[role="title"] {{ font-size: {title}px; font-weight: bold; }}
    QLabel[role="subtitle"] {{ font-size: {sub}px; font-weight: bold; }}
    QLabel[role="small"] {{ font-size: {small}px; color: {p.muted}; }}
    QLabel[role="big"] {{ font-size: {big}px; font-weight: bold; }}
    QLabel[role="code"] {{ font-size: {big * 2}px; font-weight: bold; letter-spacing: 8px;
                          font-family: "DejaVu Sans Mono", monospace; }}
    QLabel[role="warning"] {{ color: {p.warning}; font-weight: bold; }}
    QLabel[role="error"] {{ color: {p.danger}; font-weight: bold; }}
    QLabel[role="ok"] {{ color: {p.ok}; font-weight: bold; }}
    QFrame[role="card"] {{ background: {p.surface}; border: 2px solid {p.border}; border-radius: 12px; }}
    QFrame[role="card"] QLabel {{ background: transparent; }}
    QFrame[role="banner"] {{ background: {p.danger}; border-radius: 0px; }}
    QFrame[role="banner"] QLabel {{ color: #ffffff; font-weight: bold; }}
    QFrame[role="header"] {{ background: {p.primary}; }}
    QFrame[role="header"] QLabel {{ color: {p.on_primary}; }}
    QPushButton {{ min-height: {key_h - 16}px; padding: 6px 18px; border-radius: 10px; font-size: {base_pt}px;
                   background: {p.surface}; color: {p.text}; border: 2px solid {p.border}; }}
    QPushButton[role="primary"] {{ background: {p.primary}; color: {p.on_primary}; border: 2px solid {p.primary};
                                   font-weight: bold; }}
    QPushButton[role="danger"] {{ background: {p.danger}; color: #ffffff; border: 2px solid {p.danger};
                                  font-weight: bold; }}
    QPushButton[role="link"] {{ background: transparent; border: none; text-decoration: underline; }}
    QPushButton[role="lang"] {{ min-width: 56px; padding: 6px 8px; }}
    QPushButton[role="lang"]:checked {{ background: {p.primary}; color: {p.on_primary}; }}
    QPushButton[role="choice"]:checked {{ background: {p.primary}; color: {p.on_primary}; }}
    QPushButton[role="key"] {{ font-size: {title}px; min-width: 56px; min-height: {key_h}px; }}
    QPushButton#keypad_ok {{ min-height: {key_h}px; }}
    QPushButton:disabled {{ color: {p.muted}; border-color: {p.border}; background: {p.bg}; }}
    QPushButton[role="corner"] {{ background: transparent; border: none; min-height: 56px; }}
    QScrollArea {{ border: none; }}
    """
    extra = STYLE_DIR / "extra.qss"
    if extra.is_file():
        qss += extra.read_text(encoding="utf-8")
    return qss
