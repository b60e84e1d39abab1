"""The design system's parts on their own: palettes meet their contrast minima for any venue
colour, the type scale meets 16 arc minutes at 60 cm, the gauge ends at each charger's own
maximum, the chart's axes have ticks, icons are the set's, a finger drag scrolls the board."""

from __future__ import annotations

import json

import pytest

from kiosk.ui import icons
from kiosk.ui.metrics import MIN_CAP_MM, metrics
from kiosk.ui.theme import check, contrast, palette


@pytest.mark.parametrize("color", ["#0b7a53", "#7A1F3D", "#1F4E9A", "#ffff00", "#ffc0cb", "#00ff00", "#777777",
                                   "#ffffff", "#000000"])
def test_every_venue_colour_gives_a_palette_that_meets_the_minima(color):
    assert check(palette(color)) == []
    assert check(palette(color, high_contrast=True)) == []
    p = palette(color)
    assert contrast(p.on_primary, p.primary) >= 4.5 and contrast(p.primary, p.bg) >= 3


@pytest.mark.parametrize("size,diag", [((800, 480), 7.0), ((1280, 800), 10.1), ((1920, 1080), 15.6),
                                       ((1080, 1920), 32.0), ((1080, 1920), 43.0)])
def test_smallest_text_meets_16_arc_minutes_and_targets_9_mm(size, diag):
    m = metrics(*size, diagonal_in=diag)
    assert m.caption * 0.73 / m.px_per_mm >= MIN_CAP_MM * 0.99
    assert m.touch >= 56 and m.touch / m.px_per_mm >= 9.0 - 0.1
    assert m.portrait == (size[1] > size[0])


def test_gauge_scale_is_the_chargers_and_never_the_last_guests(qtbot):
    from kiosk.ui.widgets.gauge import PowerGauge

    g = PowerGauge()
    qtbot.addWidget(g)
    g.set_value(11, 11)
    assert g.maximum == 11 and g.scale_ticks()[-1] == 11
    g.set_value(100, 150)
    assert g.maximum == 150 and g.scale_ticks()[-1] == 150
    g.set_value(0, None)                 # next guest, charger maximum not known
    assert g.maximum < 150
    g.set_value(7, None)
    assert g.maximum >= 7 and g.maximum <= 10


def test_chart_has_ticks_on_both_axes_with_one_duration_format(qtbot):
    from datetime import UTC, datetime, timedelta

    from kiosk.core.format import duration
    from kiosk.ui.widgets.chart import PowerChart
    from kiosk.ui.widgets.scale import ticks

    c = PowerChart()
    qtbot.addWidget(c)
    c.duration = duration
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    c.set_points([(t0 + timedelta(minutes=i), 10.0) for i in range(0, 236, 5)])
    c.charger_max = 22
    xs = c.x_ticks(600, 80)
    assert len(xs) >= 3 and xs[0] == 0
    assert {duration(x) for x in xs} and all("h" in duration(x) or "min" in duration(x) for x in xs)
    assert ticks(c.y_max())[-1] == 22


def test_icon_code_points_are_the_sets():
    folder = icons.font_dir()
    charmap = json.loads((folder / icons.CHARMAP_FILE).read_text())
    wrong = {n: hex(cp) for n, cp in icons.GLYPHS.items() if int(charmap[n], 16) != cp}
    assert not wrong
    assert (folder / icons.FONT_FILE).is_file()
