"""The "out of order, staff notified" screen: ``python -m kiosk.deploy.recovery``.

systemd starts it (``charge-assist-kiosk-recovery.service``, via ``OnFailure=``) when the
kiosk failed too often in a row. It must work when the kiosk does not, so it is a separate,
minimal Qt program: no network, no journal, settings only if they load (a broken setting
may be why the kiosk failed). It shows the message in every offered guest language at once,
logs one critical line for the journal, and exits after ``--retry-after`` seconds so that
the service gives the kiosk another chance.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from kiosk.i18n import LANGUAGES, N_, Translator

_ = Translator("deploy")

TITLE = N_("Out of order")
MESSAGE = N_("This charging kiosk is temporarily out of order. Staff have been notified.")
NEXT_STEP = N_("Charging that has already started continues. Please ask staff to stop it or for a receipt.")

DEFAULT_COLOR = "#0b7a53"


def texts(lang: str) -> tuple[str, str, str]:
    """The three lines of the screen in ``lang``."""
    return _(TITLE, lang=lang), _(MESSAGE, lang=lang), _(NEXT_STEP, lang=lang)


def _venue() -> tuple[list[str], str, str]:
    """Languages, colour and venue name from the settings, or safe defaults."""
    try:
        from kiosk.config import load_settings

        s = load_settings()
        return list(s.languages), s.venue_color, s.venue_name
    except Exception:  # noqa: BLE001 - broken settings must not break this screen
        return list(LANGUAGES), DEFAULT_COLOR, ""


def build_window(languages: Sequence[str], color: str = DEFAULT_COLOR, venue_name: str = ""):
    """The screen as a widget (not shown). Closing it is refused unless ``allow_close``."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

    class RecoveryWindow(QWidget):
        allow_close = False

        def closeEvent(self, event):  # noqa: N802 - Qt API
            if self.allow_close:
                event.accept()
            else:
                event.ignore()

        def keyPressEvent(self, event):  # noqa: N802 - swallow every key (Escape, Alt+F4...)
            event.accept()

    win = RecoveryWindow()
    win.setObjectName("recovery")
    win.setWindowTitle(_(TITLE, lang=languages[0]))
    win.setStyleSheet(
        f"QWidget#recovery {{ background: {color}; }}"
        " QLabel { color: white; }"
        " QLabel[role='title'] { font-size: 30px; font-weight: bold; }"
        " QLabel[role='message'] { font-size: 18px; }"
        " QLabel[role='next'] { font-size: 15px; }"
        " QFrame[role='cell'] { border-left: 4px solid rgba(255,255,255,0.6); }"
    )
    outer = QVBoxLayout(win)
    outer.setContentsMargins(24, 16, 24, 16)
    if venue_name:
        name = QLabel(venue_name)
        name.setProperty("role", "next")
        outer.addWidget(name, alignment=Qt.AlignmentFlag.AlignHCenter)
    grid = QGridLayout()
    grid.setHorizontalSpacing(24)
    grid.setVerticalSpacing(16)
    outer.addLayout(grid, 1)
    columns = 1 if len(languages) == 1 else 2
    for i, lang in enumerate(languages):
        cell = QFrame()
        cell.setProperty("role", "cell")
        box = QVBoxLayout(cell)
        box.setContentsMargins(12, 8, 12, 8)
        for role, text in zip(("title", "message", "next"), texts(lang)):
            label = QLabel(text)
            label.setProperty("role", role)
            label.setProperty("lang", lang)
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            box.addWidget(label)
        box.addStretch(1)
        grid.addWidget(cell, i // columns, i % columns)
    win.setCursor(Qt.CursorShape.BlankCursor)
    return win


def _log_critical(text: str) -> None:
    # "<2>" is syslog priority "crit" for journald (SyslogLevelPrefix=yes by default)
    prefix = "<2>" if os.environ.get("INVOCATION_ID") else ""
    print(f"{prefix}{text}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.deploy.recovery", description=__doc__.splitlines()[0])
    parser.add_argument("--windowed", action="store_true", help="a normal window instead of fullscreen")
    parser.add_argument(
        "--retry-after",
        type=float,
        default=float(os.environ.get("KIOSK_RECOVERY_RETRY_S") or 1800),
        help="exit after this many seconds so the kiosk is tried again (0: never)",
    )
    parser.add_argument("--screenshot", metavar="PNG", help="render the screen into a PNG file and exit")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    languages, color, venue_name = _venue()
    win = build_window(languages, color, venue_name)

    if args.screenshot:
        win.resize(800, 480)  # the official 7" touchscreen
        win.show()
        app.processEvents()
        ok = win.grab().save(args.screenshot)
        win.allow_close = True
        win.close()
        return 0 if ok else 1

    _log_critical("charge-assist-kiosk failed repeatedly: showing the out-of-order screen; staff notified")

    def quit_app(*_args) -> None:
        win.allow_close = True
        app.quit()

    signal.signal(signal.SIGTERM, quit_app)
    signal.signal(signal.SIGINT, quit_app)
    wake = QTimer()  # lets Python run its signal handlers while Qt waits
    wake.start(250)
    wake.timeout.connect(lambda: None)
    if args.retry_after > 0:
        QTimer.singleShot(int(args.retry_after * 1000), quit_app)

    if args.windowed:
        win.resize(800, 480)
        win.show()
    else:
        win.showFullScreen()
    app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main())
