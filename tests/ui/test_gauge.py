"""The power gauge draws its whole ring inside the widget (no arc cut off at the edges)."""

from PySide6.QtGui import QColor

from kiosk.ui.widgets.gauge import PowerGauge


def _edge_colours(img):
    w, h = img.width(), img.height()
    pts = [(x, y) for x in range(w) for y in (0, 1)] + [(x, y) for x in (0, 1, w - 2, w - 1) for y in range(h)]
    return {QColor(img.pixel(x, y)).name() for x, y in pts}


def test_ring_is_not_cut_off(qtbot):
    for w, h in ((450, 450), (300, 420), (520, 300)):
        g = PowerGauge()
        qtbot.addWidget(g)
        g.resize(w, h)
        g.set_value(11.0, 11.0, "11.0")          # a full ring: both arcs reach every side
        img = g.grab().toImage()
        edge = _edge_colours(img)
        assert g.color.name() not in edge and g.track.name() not in edge, (w, h, edge)


def test_scale_numbers_are_written_as_the_language_on_screen_writes_them(qtbot):
    """A German guest read "7.5" on the scale beside a reading of "11,0"."""
    from kiosk.i18n import set_language
    from kiosk.ui.widgets.scale import label

    g = PowerGauge()
    qtbot.addWidget(g)
    g.set_value(3.0, 11.0, "3,0")
    try:
        for lang, sep in (("de", ","), ("fr", ","), ("nl", ","), ("en", ".")):
            set_language(lang)
            texts = [label(v) for v in g.scale_ticks()]
            fractional = [t for t in texts if not t.isdigit()]
            assert fractional and all(sep in t for t in fractional), (lang, texts)
    finally:
        set_language("en")
