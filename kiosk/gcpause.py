"""Python's cyclic garbage collector paused while the kiosk starts.

Start-up creates a few hundred thousand objects (PySide6's types and enums, the pydantic
models, the screens) that live as long as the kiosk. Each automatic collection on the way
walks every one of them again: ~40 ms in all between launch and the filled board
(measured with bench/ui.py). :func:`begin` turns the collector off, :func:`end` turns it
back on (the kiosk then collects once and freezes what it built, see ``KioskApp.start``).
Whatever happens in between, the collector is back on after ``limit_s``: a start that never
ends (the journal out of order, an exception) does not leave a long-running process
without it. Reference counting, which frees almost everything, is never paused."""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_timer: threading.Timer | None = None


def begin(limit_s: float = 30.0) -> None:
    """Pause the collector (once: a second call while paused changes nothing); only when
    it is on now, so a host that turned it off keeps it off."""
    global _timer
    with _lock:
        if _timer is not None or not gc.isenabled():
            return
        gc.disable()
        _timer = threading.Timer(limit_s, end)
        _timer.daemon = True
        _timer.start()


def end() -> None:
    """The collector back on, if :func:`begin` paused it."""
    global _timer
    with _lock:
        timer, _timer = _timer, None
        if timer is None:
            return
        timer.cancel()
        gc.enable()


def paused() -> bool:
    return _timer is not None
