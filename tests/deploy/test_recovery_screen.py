"""The out-of-order screen systemd shows after repeated failures."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from kiosk.deploy import recovery


def shown_texts(win) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for label in win.findChildren(QLabel):
        if label.property("lang"):
            out.setdefault(label.property("lang"), []).append(label.text())
    return out


def test_shows_the_message_in_every_guest_language(qtbot):
    win = recovery.build_window(["en", "nl", "de", "fr"], venue_name="Hotel Example")
    qtbot.addWidget(win)
    win.resize(800, 480)
    win.show()
    texts = shown_texts(win)
    assert texts["en"][0] == "Out of order"
    assert "Staff have been notified" in texts["en"][1]
    assert texts["nl"][0] == "Buiten gebruik"
    assert texts["de"][0] == "Außer Betrieb"
    assert texts["fr"][0] == "Hors service"
    assert all(len(set(t)) == 3 for t in texts.values())
    # everything fits on the official 7" touchscreen (800x480)
    qtbot.waitUntil(lambda: win.height() == 480)
    for label in win.findChildren(QLabel):
        if label.property("lang"):
            bottom = label.mapTo(win, label.rect().bottomLeft()).y()
            assert bottom <= 480, label.text()
            assert label.height() >= label.heightForWidth(label.width()), f"clipped: {label.text()}"
    win.allow_close = True


def test_keys_and_close_requests_do_not_close_it(qtbot):
    win = recovery.build_window(["en"])
    qtbot.addWidget(win)
    win.show()
    qtbot.keyClick(win, Qt.Key.Key_Escape)
    qtbot.keyClick(win, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
    assert win.close() is False
    assert win.isVisible()
    win.allow_close = True
    assert win.close() is True


def test_offered_languages_only(qtbot):
    win = recovery.build_window(["de", "fr"])
    qtbot.addWidget(win)
    assert set(shown_texts(win)) == {"de", "fr"}
    win.allow_close = True


def test_screenshot_entry_point(tmp_path):
    out = tmp_path / "recovery.png"
    assert recovery.main(["--screenshot", str(out)]) == 0
    assert out.stat().st_size > 1000
