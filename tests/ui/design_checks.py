"""What the design tests measure, from what a user sees: contrast from the rendered pixels,
touch target and text sizes from the geometry, names from the accessibility tree, the reach
zone of a portrait window. Used by ``test_design.py`` (and printable as figures)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from PySide6.QtCore import QRect
from PySide6.QtGui import QAccessible, QFontMetricsF, QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabBar,
    QWidget,
)

from kiosk.ui.metrics import MIN_CAP_MM


def _lin(c: np.ndarray) -> np.ndarray:
    c = c / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def luminance(rgb: np.ndarray) -> np.ndarray:
    lin = _lin(rgb.astype(np.float64))
    return 0.2126 * lin[..., 0] + 0.7152 * lin[..., 1] + 0.0722 * lin[..., 2]


def image(shell: Any) -> np.ndarray:
    img = shell.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h, bpl = img.width(), img.height(), img.bytesPerLine()
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(h, bpl)[:, : w * 3].reshape(h, w, 3)
    return arr.copy()


def rect_in(shell: Any, w: QWidget, r: QRect | None = None) -> QRect:
    r = r or w.rect()
    return QRect(w.mapTo(shell, r.topLeft()), r.size()).intersected(QRect(0, 0, shell.width(), shell.height()))


def visible_rect(shell: Any, w: QWidget) -> QRect:
    """The part of ``w`` on screen: clipped by every ancestor (scroll areas' viewports)."""
    r = rect_in(shell, w)
    p = w.parentWidget()
    while p is not None and p is not shell:
        r = r.intersected(rect_in(shell, p))
        p = p.parentWidget()
    return r


def text_contrast(px: np.ndarray, r: QRect) -> float | None:
    """Contrast of the text in ``r``: the most common colour is the background, the pixel
    that differs most from it is the text (the core of a glyph stroke)."""
    x, y, w, h = r.x(), r.y(), r.width(), r.height()
    if w < 4 or h < 4:
        return None
    region = px[y:y + h, x:x + w].reshape(-1, 3).astype(np.int32)
    packed = (region[:, 0] << 16) | (region[:, 1] << 8) | region[:, 2]
    vals, counts = np.unique(packed, return_counts=True)
    cols = np.stack([(vals >> 16) & 255, (vals >> 8) & 255, vals & 255], axis=1)
    bg = cols[counts.argmax()]
    lb = luminance(bg[None])[0]
    lum = luminance(cols)
    ratio = (np.maximum(lum, lb) + 0.05) / (np.minimum(lum, lb) + 0.05)
    return float(ratio.max()) if ratio.max() > 1.05 else None


def boundary_contrast(px: np.ndarray, shell: Any, w: QWidget) -> float | None:
    """Contrast of a control's edge (its border or fill, 4 px inside) against what is just
    outside it (most common colour of a 3-px ring around it)."""
    r = rect_in(shell, w)
    x, y, ww, hh = r.x(), r.y(), r.width(), r.height()
    H, W = px.shape[:2]
    if x < 3 or y < 3 or x + ww + 3 > W or y + hh + 3 > H or ww < 12 or hh < 12:
        return None
    outer = np.concatenate([px[y - 3:y, x:x + ww].reshape(-1, 3), px[y + hh:y + hh + 3, x:x + ww].reshape(-1, 3),
                            px[y:y + hh, x - 3:x].reshape(-1, 3), px[y:y + hh, x + ww:x + ww + 3].reshape(-1, 3)])
    cols, counts = np.unique(outer, axis=0, return_counts=True)
    out = cols[counts.argmax()]
    # the edge: the middle of each side, 1 to 4 px inside (rounded corners left out)
    mx, my = x + ww // 2, y + hh // 2
    edge = np.concatenate([px[y + 1:y + 5, mx - 4:mx + 4].reshape(-1, 3), px[y + hh - 5:y + hh - 1, mx - 4:mx + 4]
                           .reshape(-1, 3), px[my - 4:my + 4, x + 1:x + 5].reshape(-1, 3),
                           px[my - 4:my + 4, x + ww - 5:x + ww - 1].reshape(-1, 3)])
    lo = luminance(out[None])[0]
    le = luminance(edge)
    ratio = (np.maximum(le, lo) + 0.05) / (np.minimum(le, lo) + 0.05)
    return float(ratio.max())


def is_large(w: QWidget) -> bool:
    f = w.font()
    px = f.pixelSize() if f.pixelSize() > 0 else f.pointSizeF() * 96 / 72
    return px >= 24 or (f.bold() and px >= 18.66)


def shown(root: QWidget, w: QWidget) -> bool:
    return w.isVisibleTo(root) and w.isVisible() and w.width() > 0 and w.height() > 0


def text_widgets(root: QWidget) -> list[QWidget]:
    out: list[QWidget] = []
    for w in root.findChildren(QLabel) + root.findChildren(QPushButton):
        if shown(root, w) and w.text() and not (isinstance(w, QLabel) and w.pixmap() is not None
                                               and not w.pixmap().isNull()):
            out.append(w)
    return out


def measure_contrast(shell: Any, root: QWidget, text_min: float) -> dict[str, Any]:
    """Minima of text, large text and control boundaries on screen, and what misses them."""
    px = image(shell)
    res: dict[str, Any] = {"text": 99.0, "large": 99.0, "boundary": 99.0, "fails": []}
    for w in text_widgets(root):
        if isinstance(w, QPushButton) and not w.isEnabled():
            continue          # disabled: exempt from the minimum (it must look disabled: tested apart)
        r = visible_rect(shell, w)
        if isinstance(w, QPushButton):
            r = r.adjusted(6, 6, -6, -6)
        if r.height() < w.fontMetrics().height() * 0.9 or r.width() < 8:
            continue          # scrolled mostly out of sight
        c = text_contrast(px, r)
        if c is None:
            continue
        kind = "large" if is_large(w) else "text"
        need = 3.0 if kind == "large" else text_min
        res[kind] = min(res[kind], c)
        if c < need - 0.05:
            res["fails"].append(f"{kind} {w.objectName() or type(w).__name__} {w.text()[:30]!r}: {c:.2f} < {need}")
    for w in root.findChildren(QPushButton):
        if not shown(root, w) or not w.isEnabled() or w.property("role") in ("corner", "link") or w.isFlat():
            continue
        if visible_rect(shell, w) != rect_in(shell, w):
            continue          # partly scrolled away: its edges are not all on screen
        c = boundary_contrast(px, shell, w)
        if c is None:
            continue
        res["boundary"] = min(res["boundary"], c)
        if c < 3.0 - 0.05:
            res["fails"].append(f"boundary {w.objectName() or w.text()[:30]!r}: {c:.2f} < 3")
    return res


def staff_contrast(shell: Any, root: QWidget, text_min: float) -> dict[str, Any]:
    """The staff desk's own controls: tabs, table headers, form fields (text on their fill)."""
    px = image(shell)
    res: dict[str, Any] = {"text": 99.0, "fails": []}
    items: list[tuple[str, QRect, float]] = []
    for bar in root.findChildren(QTabBar):
        if shown(root, bar):
            for i in range(bar.count()):
                items.append((f"tab {bar.tabText(i)}", rect_in(shell, bar, bar.tabRect(i)).adjusted(5, 5, -5, -5),
                              3.0 if i == bar.currentIndex() else text_min))
    for hv in root.findChildren(QHeaderView):
        if shown(root, hv) and hv.orientation().name == "Horizontal":
            for i in range(min(hv.count(), 4)):
                x = hv.sectionViewportPosition(i)
                items.append((f"header {i}", rect_in(shell, hv.viewport(),
                                                     QRect(x + 2, 2, hv.sectionSize(i) - 4, hv.height() - 4)), 3.0))
    for w in root.findChildren(QComboBox) + root.findChildren(QSpinBox) + root.findChildren(QLineEdit):
        if shown(root, w) and w.isEnabled() and (getattr(w, "currentText", lambda: "")() or
                                                  getattr(w, "text", lambda: "")()):
            items.append((w.objectName(), visible_rect(shell, w).adjusted(6, 6, -w.height(), -6), text_min))
    for name, r, need in items:
        c = text_contrast(px, r)
        if c is None:
            continue
        res["text"] = min(res["text"], c)
        if c < need - 0.05:
            res["fails"].append(f"{name}: {c:.2f} < {need}")
    return res


# -- geometry --------------------------------------------------------------------------
def controls(root: QWidget) -> list[QWidget]:
    out = [w for w in root.findChildren(QAbstractButton) if shown(root, w) and w.objectName() != "attendant_corner"]
    return out


def reach_problems(shell: Any, root: QWidget, top: int) -> list[str]:
    bad = []
    for w in controls(root):
        r = visible_rect(shell, w)
        if r.isEmpty():
            continue
        if r.top() < top:
            bad.append(f"{w.objectName() or w.text()!r} at y={r.top()} above {top}")
    return bad


def touch_problems(shell: Any, root: QWidget, minimum: int) -> list[str]:
    bad = []
    fields = [w for w in root.findChildren(QComboBox) + root.findChildren(QLineEdit)
              if shown(root, w) and not isinstance(w.parentWidget(), (QComboBox, QSpinBox))]
    for w in controls(root) + fields:
        if w.height() < minimum - 1 or (isinstance(w, QAbstractButton) and w.width() < minimum - 1):
            bad.append(f"{w.objectName() or w.text()!r}: {w.width()}x{w.height()} < {minimum}")
    for bar in root.findChildren(QTabBar):
        if shown(root, bar):
            for i in range(bar.count()):
                if bar.tabRect(i).height() < minimum - 1:
                    bad.append(f"tab {bar.tabText(i)!r}: {bar.tabRect(i).height()} px high")
    return bad


def text_size_problems(root: QWidget, px_per_mm: float) -> tuple[float, list[str]]:
    """Smallest capital height on screen (mm) and the texts below 16 arc minutes at 60 cm."""
    smallest, bad = 99.0, []
    for w in text_widgets(root):
        cap = QFontMetricsF(w.font()).capHeight() / px_per_mm
        smallest = min(smallest, cap)
        if cap < MIN_CAP_MM * 0.99:
            bad.append(f"{w.objectName() or type(w).__name__} {w.text()[:30]!r}: {cap:.2f} mm")
    return smallest, bad


# -- accessibility tree -----------------------------------------------------------------
R = QAccessible.Role
INTERACTIVE = {R.PushButton, R.CheckBox, R.RadioButton, R.ComboBox, R.SpinBox, R.EditableText, R.PageTab,
               R.Slider, R.ProgressBar, R.List, R.Table, R.ButtonMenu}
INFORMATIVE = {R.StaticText, R.Graphic, R.Chart, R.Animation}


def custom_painted(obj: Any) -> bool:
    """A widget of ours that paints what it shows (gauge, chart, camera, QR code, icon)."""
    if not isinstance(obj, QWidget):
        return False
    for cls in type(obj).__mro__:
        if cls.__module__.startswith("PySide6"):
            return False
        if "paintEvent" in cls.__dict__:
            return True
    return False


def walk(iface: Any, out: list[tuple[Any, Any]], depth: int = 0) -> None:
    if iface is None or not iface.isValid() or depth > 60:
        return
    st = iface.state()
    if st.invisible or st.offscreen:
        return
    out.append((iface, iface.object()))
    for i in range(iface.childCount()):
        walk(iface.child(i), out, depth + 1)


IDENT = re.compile(r"^[a-z][a-z0-9]*([_\-][a-z0-9]+)+$")


def accessible_names(shell: Any, untranslated: set[str]) -> tuple[int, list[str]]:
    """(named elements, problems): every interactive or informative element on screen has a
    human name (not an object name, not an identifier, not left in English)."""
    nodes: list[tuple[Any, Any]] = []
    walk(QAccessible.queryAccessibleInterface(shell), nodes)
    named, bad = 0, []
    for iface, obj in nodes:
        role = iface.role()
        name = (iface.text(QAccessible.Text.Name) or "").strip()
        informative = role in INFORMATIVE or custom_painted(obj)
        if role not in INTERACTIVE and not informative:
            continue
        if role == R.StaticText and not name and isinstance(obj, QLabel) and not obj.text():
            continue           # an empty label shows nothing
        if isinstance(obj, QWidget) and obj.objectName() == "attendant_corner":
            continue           # the hidden staff corner has no name on purpose
        what = f"{type(obj).__name__}#{obj.objectName() if obj is not None else ''} ({role.name})"
        if not name:
            bad.append(f"{what}: no name")
        elif obj is not None and name == obj.objectName():
            bad.append(f"{what}: named by its object name")
        elif IDENT.match(name):
            bad.append(f"{what}: an identifier {name!r}")
        elif name in untranslated:
            bad.append(f"{what}: still English {name!r}")
        else:
            named += 1
    return named, bad


def untranslated_names(lang: str) -> set[str]:
    """English texts that have a different translation in ``lang`` (shown in English there:
    not translated)."""
    if lang == "en":
        return set()
    from babel.messages.pofile import read_po

    from kiosk.i18n import LOCALE_DIR

    out: set[str] = set()
    for domain in ("ui", "attendant"):
        path = LOCALE_DIR / lang / f"{domain}.po"
        for msg in read_po(path.open("rb"), locale=lang):
            if isinstance(msg.id, str) and msg.id and isinstance(msg.string, str) and msg.string \
                    and msg.string != msg.id and "{" not in msg.id:
                out.add(msg.id)
    return out


def shape(w: QWidget) -> np.ndarray:
    """What a button's look is made of, colours aside: the pixels that stand out (>= 2:1) from
    its most common colour (its text's strokes, its outline, its marks)."""
    img = w.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    W, H, bpl = img.width(), img.height(), img.bytesPerLine()
    px = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(H, bpl)[:, : W * 3].reshape(H, W, 3)
    lum = luminance(px)
    vals, counts = np.unique(np.round(lum, 3), return_counts=True)
    bg = vals[counts.argmax()]
    ratio = (np.maximum(lum, bg) + 0.05) / (np.minimum(lum, bg) + 0.05)
    return ratio >= 2.0


def checked_by_shape(b: QAbstractButton) -> bool:
    """A checked button differs from its unchecked self by more than colour: bolder text, a
    thicker outline, a mark (at least 3 % of its pixels change shape)."""
    group = b.group()
    exclusive = group.exclusive() if group is not None else False
    if group is not None:
        group.setExclusive(False)
    blocked = b.blockSignals(True)
    try:
        on = shape(b)
        b.setChecked(False)
        b.style().unpolish(b)
        b.style().polish(b)
        off = shape(b)
    finally:
        b.setChecked(True)
        b.style().unpolish(b)
        b.style().polish(b)
        b.blockSignals(blocked)
        if group is not None:
            group.setExclusive(exclusive)
    return on.shape == off.shape and float(np.mean(on != off)) >= 0.03
