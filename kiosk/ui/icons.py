"""Icons: Material Design Icons (the maintained set qtawesome ships as a font), for
connectors, states, payment, language and help.

qtawesome itself is not imported: importing it and drawing its first icon took ~380 ms
(qtpy, and every font it bundles loaded at once), more than the kiosk's whole first frame.
Only its Material Design Icons 6 font is loaded (~16 ms, after the first frame: until then
icons paint nothing and text carries the meaning), with the code points below; the test
``tests/ui/test_icons.py`` checks them against the charmap qtawesome ships.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

log = logging.getLogger(__name__)

FONT_FILE = "materialdesignicons6-webfont-6.9.96.ttf"
CHARMAP_FILE = "materialdesignicons6-webfont-charmap-6.9.96.json"

#: name -> Material Design Icons 6 code point (names as in the set's charmap)
GLYPHS = {
    # connectors
    "ev-plug-type2": 0xF151E, "ev-plug-ccs2": 0xF151A, "ev-plug-chademo": 0xF151B, "ev-plug-type1": 0xF151D,
    "ev-plug-ccs1": 0xF1519, "ev-plug-tesla": 0xF151C, "power-socket-de": 0xF1107, "ev-station": 0xF05F1,
    # states
    "check-circle": 0xF05E0, "alert-circle": 0xF0028, "wrench": 0xF05B7, "lock-outline": 0xF0341,
    "lightning-bolt": 0xF140B, "close-circle": 0xF0159, "progress-clock": 0xF0996, "cloud-off-outline": 0xF0164,
    "check": 0xF012C, "timer-sand": 0xF051F, "help-circle-outline": 0xF0625, "battery-charging": 0xF0084,
    "clock-outline": 0xF0150, "parking": 0xF03E3, "stop-circle-outline": 0xF0667, "play-circle-outline": 0xF040D,
    # payment
    "credit-card-outline": 0xF019B, "bed-outline": 0xF0099, "domain": 0xF01D7, "cash": 0xF0114,
    "receipt-text-outline": 0xF19DC,
    # language, help, navigation
    "translate": 0xF05CA, "phone": 0xF03F2, "map-marker": 0xF034E, "contrast-circle": 0xF0197,
    "qrcode-scan": 0xF0433, "arrow-left": 0xF004D, "eye": 0xF0208, "eye-off": 0xF0209,
    "backspace-outline": 0xF0B5C, "home": 0xF02DC, "account-lock": 0xF115E, "cog": 0xF0493,
    "radiobox-blank": 0xF043D, "radiobox-marked": 0xF043E, "ticket-outline": 0xF0913, "car-clock": 0xF1974,
    "map-marker-outline": 0xF07D9, "hand-coin-outline": 0xF1890,
    "dialpad": 0xF061C,
}

#: connector standard -> icon
CONNECTOR_ICONS = {
    "IEC_62196_T2": "ev-plug-type2", "IEC_62196_T2_COMBO": "ev-plug-ccs2", "CHADEMO": "ev-plug-chademo",
    "IEC_62196_T1": "ev-plug-type1", "IEC_62196_T1_COMBO": "ev-plug-ccs1", "TESLA_S": "ev-plug-tesla",
    "TESLA_R": "ev-plug-tesla", "DOMESTIC_F": "power-socket-de",
}

#: EVSE status -> icon (the text says it too: state never by colour alone)
STATUS_ICONS = {
    "AVAILABLE": "check-circle", "CHARGING": "lightning-bolt", "BLOCKED": "close-circle", "RESERVED": "lock-outline",
    "INOPERATIVE": "wrench", "OUTOFORDER": "wrench", "PLANNED": "progress-clock", "REMOVED": "close-circle",
    "UNKNOWN": "help-circle-outline",
}

_family: str | None = None
_tried = False


def font_dir() -> Path | None:
    """qtawesome's font folder, found without importing qtawesome (and qtpy)."""
    import importlib.util

    spec = importlib.util.find_spec("qtawesome")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "fonts"


def load() -> bool:
    """Load the icon font (once; ~16 ms): called after the first frame."""
    global _family, _tried
    if _tried:
        return _family is not None
    _tried = True
    folder = font_dir()
    if folder is None or not (folder / FONT_FILE).is_file():
        log.warning("icon font not found (qtawesome missing): icons stay blank, texts say everything")
        return False
    fid = QFontDatabase.addApplicationFont(str(folder / FONT_FILE))
    families = QFontDatabase.applicationFontFamilies(fid) if fid >= 0 else []
    _family = families[0] if families else None
    return _family is not None


def ready() -> bool:
    return _family is not None


def glyph(name: str) -> str:
    return chr(GLYPHS[name])


def icon_font(px: int) -> QFont:
    f = QFont(_family or "")
    f.setPixelSize(max(1, int(px)))
    return f


def paint(p: QPainter, rect: QRectF | QRect, name: str, color: QColor | str) -> None:
    if _family is None or not name:
        return
    p.save()
    p.setPen(QColor(color))
    p.setFont(icon_font(int(min(rect.width(), rect.height()))))
    p.drawText(QRectF(rect), Qt.AlignmentFlag.AlignCenter, glyph(name))
    p.restore()


class _GlyphEngine(QIconEngine):
    """A QIcon drawn from the font at any size, in the colour of each mode/state."""

    def __init__(self, name: str, normal: str, disabled: str, on: str | None = None, on_name: str | None = None):
        super().__init__()
        self.name, self.normal, self.disabled, self.on = name, normal, disabled, on or normal
        self.on_name = on_name or name
        self._cache: dict[tuple, QPixmap] = {}

    def paint(self, p: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:  # noqa: D401
        on = state == QIcon.State.On
        color = self.disabled if mode == QIcon.Mode.Disabled else (self.on if on else self.normal)
        paint(p, rect, self.on_name if on else self.name, color)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        """Drawn once per size, mode and state (a button asks at every paint of it)."""
        key = (size.width(), size.height(), mode, state, _family)
        pm = self._cache.get(key)
        if pm is None:
            pm = QPixmap(size)
            pm.fill(Qt.GlobalColor.transparent)
            p = QPainter(pm)
            self.paint(p, QRect(0, 0, size.width(), size.height()), mode, state)
            p.end()
            if len(self._cache) > 16:
                self._cache.clear()
            self._cache[key] = pm
        return pm

    def clone(self) -> QIconEngine:
        return _GlyphEngine(self.name, self.normal, self.disabled, self.on, self.on_name)


def icon(name: str, color: str, disabled: str | None = None, *, on: str | None = None,
         on_name: str | None = None) -> QIcon:
    """A QIcon of ``name`` (``on``/``on_name``: its look when a checkable button is checked)."""
    return QIcon(_GlyphEngine(name, color, disabled or color, on, on_name))


class Icon(QWidget):
    """One icon as a widget, with an accessible name (what it means: it is informative)."""

    def __init__(self, name: str = "", size: int = 32, role: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.setProperty("icon", role or "text")   # the style sheet gives its colour (theme.py)
        self.setFixedSize(size, size)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)

    def set_icon(self, name: str, role: str | None = None) -> None:
        if role is not None and role != self.property("icon"):
            self.setProperty("icon", role)
            self.style().unpolish(self)
            self.style().polish(self)
        if name != self.name:
            self.name = name
            self.update()

    def set_side(self, size: int) -> None:
        if size != self.width():
            self.setFixedSize(size, size)

    def paintEvent(self, ev) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        paint(p, self.rect(), self.name, self.palette().color(self.foregroundRole()))
