"""The QR codes a guest photographs (the code, the receipt) read back as their text, at
every size the screens use, and a receipt's code is ready without waiting for a thread."""

import numpy as np
import zxingcpp
from PySide6.QtGui import QImage

from kiosk.ui.widgets.qr import QrView

RECEIPT = ("Charging receipt\nReceipt number: R-2026-000123\nVenue: Grand Hôtel Amsterdam\n"
           "Charger: Bay 12\nStart: 2026-11-23T12:00:00+00:00\nEnd: 2026-11-23T14:00:00+00:00\n"
           "Energy: 20.5 kWh\nTotal: €8.20\nVAT: €1.42")


def _read(view: QrView) -> list[str]:
    img = view.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    w, h, bpl = img.width(), img.height(), img.bytesPerLine()
    pixels = np.frombuffer(bytes(img.constBits()), dtype=np.uint8).reshape(h, bpl)[:, :w].copy()
    return [r.text for r in zxingcpp.read_barcodes(pixels)]


def test_codes_read_back_at_every_size(qtbot, ui_loop):
    async def scenario():
        for text in ("482913", RECEIPT):
            for side in (240, 220, 160, 150):     # receipt / started, normal and compact
                view = QrView("", side)
                qtbot.addWidget(view)
                view.set_data(text)
                assert view.ready()               # encoded at once: no thread, no waiting
                assert _read(view) == [text], (text[:20], side)

    ui_loop.run_until_complete(scenario())


def test_a_new_text_replaces_the_old_code_and_empty_clears_it(qtbot):
    view = QrView("111111", 220)
    qtbot.addWidget(view)
    view.set_data("222222")
    assert _read(view) == ["222222"]
    view.set_data("")
    assert _read(view) == [] and view.ready()
