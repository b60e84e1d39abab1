"""Keyboard ways out of the kiosk: the real ``kiosk run --demo`` process in kiosk mode on an
X server (Xvfb) receives real key presses (XTEST, as from a USB keyboard plugged into the
kiosk) and neither closes nor leaves its fullscreen window.

A control run shows that the same key injection does reach a Qt window and closes an
ordinary one that binds Ctrl+Q/Escape, so "nothing happened" means the kiosk held.

On the device the compositor is cage, which has no window switching, no close binding and
no VT switching (the unit does not pass ``-s``); cage 0.1.4 offers no virtual-keyboard
protocol, so keys cannot be injected through it here: X11 is where real key events reach
the app in a test.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from .units import KIOSK_UNIT, exec_start_argv, parse_unit, unit_environment

XVFB = shutil.which("Xvfb")
XDOTOOL = shutil.which("xdotool")
pytestmark = pytest.mark.skipif(
    not (XVFB and XDOTOOL), reason="needs Xvfb and xdotool (apt-get install xvfb xdotool)"
)
COMBOS = ["alt+F4", "ctrl+q", "Escape", "alt+Tab", "ctrl+alt+BackSpace", "ctrl+w", "F11", "super"]


@pytest.fixture
def xserver():
    r, w = os.pipe()
    proc = subprocess.Popen([XVFB, "-displayfd", str(w), "-screen", "0", "800x480x24", "-nolisten", "tcp"],
                            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    with os.fdopen(r) as f:
        display = ":" + f.readline().strip()
    yield display
    proc.terminate()
    proc.wait(10)


def xdo(display: str, *args: str, check: bool = True) -> str:
    out = subprocess.run([XDOTOOL, *args], env=dict(os.environ, DISPLAY=display), capture_output=True, text=True,
                         timeout=20)
    if check and out.returncode:
        raise AssertionError(f"xdotool {args}: {out.stderr}")
    return out.stdout.strip()


def windows_of(display: str, pid: int) -> list[str]:
    return xdo(display, "search", "--onlyvisible", "--pid", str(pid), check=False).split()


def wait_window(display: str, proc: subprocess.Popen, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"exited {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}"
        wins = windows_of(display, proc.pid)
        if wins:
            return wins[-1]
        time.sleep(0.2)
    raise AssertionError("no window")


def geometry(display: str, win: str) -> tuple[int, int, int, int]:
    """x, y, width, height of a window."""
    out = xdo(display, "getwindowgeometry", win)
    pos = out.split("Position:")[1].split("(")[0].strip()
    size = out.split("Geometry:")[1].strip()
    x, y = (int(v) for v in pos.split(","))
    w, h = (int(v) for v in size.split("x"))
    return x, y, w, h


def press(display: str, win: str, combo: str) -> None:
    xdo(display, "windowfocus", "--sync", win, check=False)
    xdo(display, "key", "--clearmodifiers", combo)


CONTROL = """
import sys
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv)
w = QLabel("an ordinary window"); w.resize(300, 200); w.show()
for seq in ("Ctrl+Q", "Escape"):
    QShortcut(QKeySequence(seq), w, activated=app.quit)
sys.exit(app.exec())
"""


@pytest.mark.timeout(120)
def test_key_injection_reaches_an_ordinary_qt_window(xserver):
    env = dict(os.environ, DISPLAY=xserver, QT_QPA_PLATFORM="xcb")
    proc = subprocess.Popen([sys.executable, "-c", CONTROL], env=env, stderr=subprocess.PIPE, text=True)
    try:
        win = wait_window(xserver, proc)
        press(xserver, win, "ctrl+q")
        assert proc.wait(10) == 0  # the shortcut fired: keys are delivered
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.timeout(180)
def test_key_combinations_do_not_close_or_leave_the_kiosk(xserver, tmp_path, notify_listener):
    env = dict(os.environ)
    env.update(
        DISPLAY=xserver,
        QT_QPA_PLATFORM="xcb",
        KIOSK_DATA_DIR=str(tmp_path / "data"),
        KIOSK_LOG_DIR=str(tmp_path / "log"),
        KIOSK_CAMERA="none",
        NOTIFY_SOCKET=str(notify_listener.path),
    )
    env.pop("WAYLAND_DISPLAY", None)
    # the service's arguments to `kiosk run` (no --windowed), plus demo mode
    unit = parse_unit(KIOSK_UNIT)
    argv = exec_start_argv(unit, unit_environment(unit))
    run_args = argv[argv.index("/usr/bin/kiosk") + 1 :]
    assert run_args == ["run"]
    assert "-s" not in argv[: argv.index("--")], "cage must not allow VT switching"
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", *run_args, "--demo"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert notify_listener.wait_for("READY=1", timeout=90), proc.stderr.read() if proc.poll() else "no READY=1"
        win = wait_window(xserver, proc)
        full = geometry(xserver, win)
        x, y, w, h = full
        # without a window manager Qt keeps its own size; it must still cover the screen
        assert x <= 0 and y <= 0 and x + w >= 800 and y + h >= 480, f"kiosk window {full} does not cover the screen"
        for combo in COMBOS:
            press(xserver, win, combo)
            time.sleep(0.4)
            assert proc.poll() is None, f"{combo} ended the kiosk"
            assert win in windows_of(xserver, proc.pid), f"{combo} hid the kiosk window"
            assert geometry(xserver, win) == full, f"{combo} left fullscreen"
            assert notify_listener.count("STOPPING=1") == 0, f"{combo} made the kiosk quit"
        # and it still answers: SIGTERM (systemctl stop) ends it cleanly
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        assert notify_listener.wait_for("STOPPING=1", timeout=2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
