"""The cold-start baseline of bench/ui.py: the smallest PySide6 program that shows a
window. Nothing else is imported (a bench helper's own imports would flatter the ratio);
prints READY after its first paint."""

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QWidget

app = QApplication(sys.argv)


class Window(QWidget):
    def paintEvent(self, ev):  # noqa: N802 - Qt API
        super().paintEvent(ev)
        QTimer.singleShot(0, lambda: (print("READY", flush=True), app.quit()))


w = Window()
QLabel("Hello", w)
w.resize(1280, 800)
w.show()
app.exec()
