"""Touch scrolling on every scroll area (``kiosk.ui.base.kinetic``): a tap on a control in a
scrollable area is a tap at once, a drag that starts on a control scrolls and is no tap."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton, QScrollArea, QVBoxLayout, QWidget


def _area(qtbot):
    from kiosk.ui.base import kinetic

    area = QScrollArea()
    area.resize(320, 300)
    area.setWidgetResizable(True)
    inner = QWidget()
    lay = QVBoxLayout(inner)
    buttons = [QPushButton(f"b{i}") for i in range(12)]
    for b in buttons:
        b.setMinimumHeight(80)
        lay.addWidget(b)
    area.setWidget(inner)
    kinetic(area)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    return area, buttons


def test_a_tap_in_a_scrollable_area_is_a_tap(qtbot):
    area, buttons = _area(qtbot)
    assert area.verticalScrollBar().maximum() > 0          # it does scroll
    taps = []
    buttons[1].clicked.connect(lambda: taps.append(1))
    qtbot.mouseClick(buttons[1], Qt.MouseButton.LeftButton)
    assert taps == [1]


def test_a_drag_starting_on_a_button_scrolls_and_does_not_press_it(qtbot):
    area, buttons = _area(qtbot)
    taps = []
    buttons[2].clicked.connect(lambda: taps.append(1))
    win = area.windowHandle()
    start = buttons[2].mapTo(area.window(), buttons[2].rect().center())
    QTest.mousePress(win, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for dy in range(0, 200, 10):
        QTest.mouseMove(win, start - QPoint(0, dy), 15)
    QTest.mouseRelease(win, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start - QPoint(0, 200), 15)
    qtbot.waitUntil(lambda: area.verticalScrollBar().value() > 50, timeout=3000)
    assert taps == []
