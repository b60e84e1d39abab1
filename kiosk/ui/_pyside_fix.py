"""Work around a reference-count bug of PySide6 6.12 (shiboken6) on CPython < 3.12: every
call of a Qt method returning ``void`` drops one reference to ``None`` that it never took
(measured: 1000 ``QWidget.update()`` calls lower ``sys.getrefcount(None)`` by 1000). On
3.12+ ``None`` is immortal (PEP 683) and nothing happens; on 3.11 the count reaches zero
after enough Qt calls and the interpreter aborts with "Fatal Python error: none_dealloc"
(minutes into a kiosk's life, or at exit after a few autopilot cycles).

:func:`pin_none` gives ``None``, ``True``, ``False`` (and the other objects 3.12 makes
immortal) 2**40 extra references once, which is what PEP 683 does
in effect: it can then never be deallocated. Called when :mod:`kiosk.ui` is imported, so
every Qt user in the program (guest UI, attendant desk, tests) is covered.
"""

from __future__ import annotations

import ctypes
import sys

_PINNED = False
EXTRA = 1 << 40


def pin_none() -> bool:
    """Make ``None`` effectively immortal on CPython < 3.12. Returns True when applied."""
    global _PINNED
    if _PINNED or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    # ob_refcnt is the first field of every PyObject (Py_ssize_t) in release builds.
    # None, True/False and the small ints are immortal from 3.12 on; the bug hits
    # None (void methods) and the bools (e.g. event filters returning False) at least.
    for obj in (None, True, False, Ellipsis, NotImplemented, *range(-5, 257)):
        ctypes.c_ssize_t.from_address(id(obj)).value += EXTRA
    _PINNED = True
    return True
