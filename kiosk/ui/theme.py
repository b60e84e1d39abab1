"""The look of the kiosk, guest and staff screens alike: one theme model (a palette of
checked colours, normal and high contrast) and one Qt style sheet built from it and the
type scale of :mod:`kiosk.ui.metrics`.

Colour rules (checked here for every venue colour, and measured from the pixels by
``tests/ui/test_contrast.py``): text at least 4.5:1 against what it sits on (7:1 in high
contrast, so high contrast is never worse than normal), large text and control boundaries
at least 3:1. A venue colour that misses them is darkened until it meets them. State is
never shown by colour alone (checked buttons are bold with a thicker border and a check
mark, bays and statuses carry an icon and a word) and disabled controls look disabled
(no fill, a dashed outline). No hover states (touch only). ``resources/style/extra.qss``
(optional) is appended, so a venue can adjust details without code.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from PySide6.QtGui import QColor

from kiosk.ui.metrics import Metrics, metrics

STYLE_DIR = Path(__file__).resolve().parent.parent.parent / "resources" / "style"
DEFAULT_COLOR = "#0b7a53"

#: minimum contrast ratios (WCAG 2.1 1.4.3, 1.4.6 and 1.4.11)
TEXT_MIN = 4.5
TEXT_MIN_HIGH = 7.0
LARGE_MIN = 3.0
BOUNDARY_MIN = 3.0


@dataclass(frozen=True)
class Palette:
    name: str            # "normal" or "high"
    primary: str         # primary buttons, checked choices, the scan frame, the gauge
    on_primary: str
    bg: str              # the page
    surface: str         # cards, secondary buttons
    text: str
    muted: str           # captions (still >= the text minimum)
    border: str          # control boundaries (>= 3:1 against bg and surface)
    danger: str          # Stop buttons
    on_danger: str
    error: str           # error text
    warning: str         # warning text
    ok: str              # "available" text and icons
    header: str          # the venue header
    on_header: str
    disabled: str        # disabled text and dashed outline
    track: str           # the gauge's track and the chart's grid (decoration, not information)

    @property
    def text_min(self) -> float:
        return TEXT_MIN_HIGH if self.name == "high" else TEXT_MIN


def luminance(color: str | QColor) -> float:
    c = QColor(color)

    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def contrast(a: str | QColor, b: str | QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _on(color: str) -> str:
    return "#000000" if contrast(color, "#000000") >= contrast(color, "#ffffff") else "#ffffff"


def accessible_primary(color: str, bg: str, surface: str) -> str:
    """The venue colour, darkened (or lightened) in steps until white or black text on it
    reaches 4.5:1 and it stands 4.5:1 against the page and cards (it is also a text colour)."""
    c = QColor(color)
    if not c.isValid():
        c = QColor(DEFAULT_COLOR)
    h, s, l, _a = c.getHslF()
    for _ in range(40):
        cand = QColor.fromHslF(max(h, 0.0), s, l).name()
        if (contrast(cand, _on(cand)) >= TEXT_MIN and contrast(cand, bg) >= TEXT_MIN
                and contrast(cand, surface) >= TEXT_MIN):
            return cand
        l = max(0.0, l - 0.03)
    return "#1b1f1d"


def palette(venue_color: str = DEFAULT_COLOR, high_contrast: bool = False) -> Palette:
    if high_contrast:
        return Palette(name="high", primary="#ffff00", on_primary="#000000", bg="#000000", surface="#000000",
                       text="#ffffff", muted="#e6e6e6", border="#ffffff", danger="#ff8a80", on_danger="#000000",
                       error="#ff8a80", warning="#ffff00", ok="#66ff99", header="#000000", on_header="#ffffff",
                       disabled="#c0c0c0", track="#5c5c5c")
    bg, surface = "#f4f6f5", "#ffffff"
    primary = accessible_primary(venue_color, bg, surface)
    return Palette(name="normal", primary=primary, on_primary=_on(primary), bg=bg, surface=surface, text="#111816",
                   muted="#4a5550", border="#6b7671", danger="#b3261e", on_danger="#ffffff", error="#b3261e",
                   warning="#8a5a00", ok="#0b6b49", header=primary, on_header=_on(primary), disabled="#4a5550",
                   track="#d5dbd8")


def check(p: Palette) -> list[str]:
    """The palette's pairs that miss their minimum (empty: the palette is fine)."""
    t = p.text_min
    pairs = [("text", p.text, p.bg, t), ("text on cards", p.text, p.surface, t), ("muted", p.muted, p.bg, t),
             ("muted on cards", p.muted, p.surface, t), ("primary button", p.on_primary, p.primary, t),
             ("danger button", p.on_danger, p.danger, t), ("error", p.error, p.bg, t), ("warning", p.warning, p.bg, t),
             ("ok", p.ok, p.bg, t), ("header", p.on_header, p.header, t), ("disabled", p.disabled, p.bg, TEXT_MIN),
             ("border", p.border, p.bg, BOUNDARY_MIN), ("border on cards", p.border, p.surface, BOUNDARY_MIN),
             ("primary boundary", p.primary, p.bg, BOUNDARY_MIN), ("danger boundary", p.danger, p.bg, BOUNDARY_MIN)]
    return [f"{name}: {fg} on {bg} = {contrast(fg, bg):.2f} < {need}" for name, fg, bg, need in pairs
            if contrast(fg, bg) < need]


def base_px(height: int) -> int:
    """Body text size for a window ``height`` px high on the panel guessed for it (kept for
    callers of the old API; the shell uses :func:`kiosk.ui.metrics.metrics`)."""
    return metrics(round(height * 1.6), height).body


def stylesheet(p: Palette, m: Metrics | int = 20) -> str:
    if isinstance(m, int):     # the old signature: a body size
        m = metrics(1280, 800)
    key_h = max(m.touch, round(m.body * 2.6))
    pad = max(6, m.body // 3)
    thin, thick = 2, 4
    qss = f"""
    QWidget {{ color: {p.text}; font-size: {m.body}px; }}
    QWidget#shell, QWidget[screen="true"], QScrollArea, QScrollArea > QWidget > QWidget, QStackedWidget,
    QWidget#page_stack {{
        background: {p.bg}; }}
    QLabel {{ background: transparent; }}
    QLabel[role="title"] {{ font-size: {m.title}px; font-weight: bold; }}
    QLabel[role="subtitle"] {{ font-size: {m.subtitle}px; font-weight: bold; }}
    QLabel[role="small"] {{ font-size: {m.caption}px; color: {p.muted}; }}
    QLabel[role="big"] {{ font-size: {m.big}px; font-weight: bold; }}
    QLabel[role="code"] {{ font-size: {m.big * 2}px; font-weight: bold; letter-spacing: 8px;
                          font-family: "DejaVu Sans Mono", monospace; }}
    QLabel[role="warning"] {{ color: {p.warning}; font-weight: bold; }}
    QLabel[role="error"] {{ color: {p.error}; font-weight: bold; }}
    QLabel[role="ok"] {{ color: {p.ok}; font-weight: bold; }}
    QWidget[icon="text"] {{ color: {p.text}; }}
    QWidget[icon="muted"] {{ color: {p.muted}; }}
    QWidget[icon="ok"] {{ color: {p.ok}; }}
    QWidget[icon="warning"] {{ color: {p.warning}; }}
    QWidget[icon="error"] {{ color: {p.error}; }}
    QWidget[icon="primary"] {{ color: {p.primary}; }}
    QWidget[icon="header"] {{ color: {p.on_header}; }}
    QFrame[role="card"] {{ background: {p.surface}; border: {thin}px solid {p.border}; border-radius: 12px; }}
    QFrame[role="card"] QLabel, QFrame[role="card"] QWidget[icon] {{ background: transparent; border: none; }}
    QFrame[role="banner"] {{ background: {p.surface}; border: {thick}px solid {p.error}; border-radius: 8px; }}
    QFrame[role="banner"] QLabel {{ color: {p.error}; font-weight: bold; }}
    QFrame[role="header"] {{ background: {p.header}; border-bottom: {thin}px solid {p.border}; }}
    QFrame[role="header"] QLabel {{ color: {p.on_header}; }}
    QFrame[role="scrim"] {{ background: rgba(0, 0, 0, 150); }}
    QPushButton {{ min-height: {key_h - 2 * pad - 2 * thin}px; padding: {pad}px {pad * 2}px; border-radius: 10px;
                   font-size: {m.body}px; background: {p.surface}; color: {p.text};
                   border: {thin}px solid {p.border}; }}
    QPushButton[role="primary"] {{ background: {p.primary}; color: {p.on_primary}; border: {thin}px solid {p.border};
                                   font-weight: bold; }}
    QPushButton[role="danger"] {{ background: {p.danger}; color: {p.on_danger}; border: {thin}px solid {p.danger};
                                  font-weight: bold; }}
    QPushButton[role="link"] {{ background: transparent; border: none; text-decoration: underline; }}
    QPushButton[role="lang"], QPushButton[role="choice"] {{ padding: {pad}px {pad}px; }}
    QPushButton:checked, QPushButton[role="lang"]:checked, QPushButton[role="choice"]:checked {{
        background: {p.primary}; color: {p.on_primary}; border: {thick}px solid {p.text}; font-weight: bold;
        text-decoration: underline; }}
    QPushButton[role="bay"] {{ text-align: left; padding: {pad}px; }}
    QPushButton[role="bay"][state="available"] {{ border: {thick}px solid {p.primary}; }}
    QPushButton[role="key"] {{ font-size: {m.title}px; min-width: {m.touch}px; min-height: {key_h - 2 * thin}px;
                               padding: 0px; }}
    QPushButton#keypad_ok {{ min-height: {key_h - 2 * thin}px; padding: 0px; }}
    QPushButton:disabled, QPushButton[role="primary"]:disabled, QPushButton[role="danger"]:disabled {{
        color: {p.disabled}; background: {p.bg}; border: {thin}px dashed {p.disabled}; font-weight: normal; }}
    QPushButton[role="corner"] {{ background: transparent; border: none; min-height: 56px; }}
    QScrollArea {{ border: none; }}
    QScrollBar:vertical {{ background: {p.bg}; width: {max(12, m.touch // 4)}px; border: none; margin: 0px; }}
    QScrollBar:horizontal {{ background: {p.bg}; height: {max(12, m.touch // 4)}px; border: none; margin: 0px; }}
    QScrollBar::handle {{ background: {p.border}; border-radius: 4px; min-height: {m.touch}px; min-width: {m.touch}px; }}
    QScrollBar::add-line, QScrollBar::sub-line {{ width: 0px; height: 0px; }}
    QScrollBar::add-page, QScrollBar::sub-page {{ background: none; }}
    QProgressBar {{ border: {thin}px solid {p.border}; border-radius: 6px; background: {p.surface};
                    min-height: {m.touch // 2}px; }}
    QProgressBar::chunk {{ background: {p.primary}; }}
    /* staff screens: the same palette */
    QTabWidget::pane {{ border: {thin}px solid {p.border}; background: {p.bg}; }}
    QTabBar::tab {{ background: {p.surface}; color: {p.text}; border: {thin}px solid {p.border}; padding: 0 {pad * 2}px;
                    min-height: {m.touch - 2 * thin}px; min-width: 96px; }}
    QTabBar::tab:selected {{ background: {p.primary}; color: {p.on_primary}; border: {thick}px solid {p.text};
                             font-weight: bold; text-decoration: underline; }}
    QTabBar QToolButton {{ min-width: {m.touch}px; background: {p.surface}; border: {thin}px solid {p.border}; }}
    QTabBar::scroller {{ width: {2 * (m.touch + 2 * thick)}px; }}
    QTabBar::tab:disabled {{ color: {p.disabled}; border-style: dashed; }}
    QTableWidget, QTableView, QListWidget, QPlainTextEdit {{ background: {p.surface}; color: {p.text};
        border: {thin}px solid {p.border}; gridline-color: {p.track}; selection-background-color: {p.primary};
        selection-color: {p.on_primary}; alternate-background-color: {p.bg}; }}
    QHeaderView::section {{ background: {p.bg}; color: {p.text}; border: none; border-bottom: {thin}px solid {p.border};
                            padding: {pad}px; font-weight: bold; }}
    QTableCornerButton::section {{ background: {p.bg}; border: none; }}
    QLineEdit, QComboBox, QSpinBox, QDateEdit {{ background: {p.surface}; color: {p.text};
        border: {thin}px solid {p.border}; border-radius: 6px; padding: 0 {pad}px; min-height: {m.touch - 2 * thin}px;
        selection-background-color: {p.primary}; selection-color: {p.on_primary}; }}
    QLineEdit:disabled, QComboBox:disabled, QSpinBox:disabled, QDateEdit:disabled {{ color: {p.disabled};
        background: {p.bg}; border-style: dashed; }}
    QComboBox QAbstractItemView {{ background: {p.surface}; color: {p.text}; selection-background-color: {p.primary};
        selection-color: {p.on_primary}; }}
    QSpinBox::up-button, QSpinBox::down-button {{ width: {m.touch}px; border-left: {thin}px solid {p.border}; }}
    QCheckBox {{ spacing: {pad}px; }}
    QCheckBox::indicator {{ width: {m.touch * 2 // 3}px; height: {m.touch * 2 // 3}px;
                            border: {thin}px solid {p.border}; background: {p.surface}; border-radius: 4px; }}
    QCheckBox::indicator:checked {{ background: {p.primary}; border: {thick}px solid {p.text}; }}
    QLabel[role="message-error"] {{ color: {p.error}; font-weight: bold; }}
    """
    extra = STYLE_DIR / "extra.qss"
    if extra.is_file():
        qss += extra.read_text(encoding="utf-8")
    return qss


def palette_fields() -> list[str]:
    return [f.name for f in fields(Palette)]
