"""The screen's physical size and what follows from it: orientation, layout mode, the type
scale and the touch target size.

Text is sized so that a capital letter subtends at least 16 minutes of arc at 60 cm (ISO
9241-303's minimum character height): 2 x 600 mm x tan(8') = 2.79 mm. The pixels that takes
come from the panel's pixel density: the display's reported physical size when it is
plausible, else the ``panel_diagonal_in`` setting, else a guess from the resolution (the
smallest panel usually sold at that resolution, so text is never too small).

Layout modes: ``portrait`` (taller than wide: lobby totems), ``compact`` (landscape below
1024x700: the Pi's 7" 800x480) and ``normal``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: ISO 9241-303: minimum character (capital) height, 16 arc minutes at 60 cm, in mm.
MIN_CAP_MM = 2 * 600 * math.tan(math.radians(16 / 60) / 2)
#: Touch targets: at least this many px, and at least TOUCH_MM on the panel.
TOUCH_PX = 56
TOUCH_MM = 9.0
#: Below this width or height a landscape window uses the compact layout.
COMPACT_BELOW = (1024, 700)
#: Part of a portrait screen, from the top, above the reach zone (ISO 9241-910 / EN 301 549:
#: a wheelchair user reaches up to ~122 cm; on a 43" totem that is the lower 55 %).
REACH_TOP = 0.45
#: Cap height of the UI font as a fraction of its pixel size (DejaVu Sans: 0.729); the shell
#: measures the real font and replaces this.
DEFAULT_CAP_RATIO = 0.73


def guess_diagonal(width: int, height: int) -> float:
    """The panel diagonal (inches) assumed when neither the display nor the settings say it:
    the smallest panel commonly sold at that resolution (text then errs on the large side)."""
    long_side = max(width, height)
    if height > width and long_side >= 1800:
        return 32.0          # portrait totems: 32" to 55"
    if long_side <= 1024:
        return 7.0           # the Raspberry Pi touchscreen (800x480), 7" 1024x600
    if long_side <= 1280:
        return 10.1          # 10" kiosk panels (1280x800)
    return 15.6              # 1920x1080: 15.6" panels and up


def plausible_diagonal(mm_w: float, mm_h: float) -> float | None:
    """The diagonal in inches of a reported physical size, or None when it is not believable
    (0 x 0, or a made-up 96-dpi figure from a virtual display)."""
    if mm_w <= 0 or mm_h <= 0:
        return None
    inches = math.hypot(mm_w, mm_h) / 25.4
    return inches if 3.0 <= inches <= 110.0 else None


@dataclass(frozen=True)
class Metrics:
    width: int
    height: int
    diagonal_in: float
    px_per_mm: float
    mode: str                 # "normal", "compact" or "portrait"
    min_text_px: int          # the smallest font size (px) that meets 16 arc minutes
    caption: int
    body: int
    subtitle: int
    title: int
    big: int
    touch: int                # minimum touch target side, px

    @property
    def portrait(self) -> bool:
        return self.mode == "portrait"

    @property
    def compact(self) -> bool:
        return self.mode == "compact"

    @property
    def reach_top(self) -> int:
        """y (px) where the reach zone of a portrait window starts."""
        return round(self.height * REACH_TOP)

    def mm(self, px: float) -> float:
        return px / self.px_per_mm


def layout_mode(width: int, height: int, orientation: str = "auto") -> str:
    portrait = height > width if orientation == "auto" else orientation == "portrait"
    if portrait:
        return "portrait"
    return "compact" if width < COMPACT_BELOW[0] or height < COMPACT_BELOW[1] else "normal"


def metrics(width: int, height: int, *, diagonal_in: float | None = None, panel_px: tuple[int, int] | None = None,
            orientation: str = "auto", cap_ratio: float = DEFAULT_CAP_RATIO) -> Metrics:
    """The metrics of a ``width`` x ``height`` window on a panel of ``diagonal_in`` inches
    whose resolution is ``panel_px`` (default: the window fills the panel, as in kiosk mode)."""
    pw, ph = panel_px or (width, height)
    diag = diagonal_in or guess_diagonal(pw, ph)
    px_per_mm = math.hypot(pw, ph) / (diag * 25.4)
    min_text = math.ceil(MIN_CAP_MM * px_per_mm / cap_ratio)
    mode = layout_mode(width, height, orientation)
    # what the window's size suggests (arm's length on a 10" panel: 20 px at 800 px high),
    # never below the physical minimum
    short = min(width, height)
    from_window = round(short * 0.025) if mode != "portrait" else round(width * 0.024)
    body = max(min_text + 1, min(from_window, 28))
    caption = max(min_text, round(body * 0.85))
    scale = 1.2 if mode == "compact" else 1.35
    return Metrics(width=width, height=height, diagonal_in=round(diag, 2), px_per_mm=px_per_mm, mode=mode,
                   min_text_px=min_text, caption=caption, body=body, subtitle=round(body * 1.15),
                   title=round(body * scale), big=round(body * (1.5 if mode == "compact" else 1.8)),
                   touch=max(TOUCH_PX, math.ceil(TOUCH_MM * px_per_mm)))
