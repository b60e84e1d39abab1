"""Two PySide6 workarounds, applied when :mod:`kiosk.ui` is imported.

1. :func:`skip_feature_scan`: PySide6's import hook reads the source of every module.
2. :func:`pin_none`: a reference-count bug of 6.12 on CPython < 3.12.

Work around a reference-count bug of PySide6 6.12 (shiboken6) on CPython < 3.12: every
call of a Qt method returning ``void`` drops one reference to ``None`` that it never took
(measured: 1000 ``QWidget.update()`` calls lower ``sys.getrefcount(None)`` by 1000). On
3.12+ ``None`` is immortal (PEP 683) and nothing happens; on 3.11 the count reaches zero
after enough Qt calls and the interpreter aborts with "Fatal Python error: none_dealloc"
(minutes into a kiosk's life, or at exit after a few autopilot cycles).

Applied ONLY when ``PySide6.__version__`` is 6.12.x and Python is older than 3.12 (CPython).
pyproject.toml excludes PySide6 6.12 on Python < 3.12 (6.11.3 and 6.8.0.2 were measured
clean), so this guards only installs that get 6.12 anyway (a pip override, a system
package). Everywhere else it does nothing.

:func:`pin_none` then gives ``None``, ``True``, ``False`` (and the other objects 3.12 makes
immortal) 2**40 extra references once, which is what PEP 683 does in effect: they can then
never be deallocated. Called when :mod:`kiosk.ui` is imported, so every Qt user in the
program (guest UI, attendant desk, tests) is covered.
"""

from __future__ import annotations

import ctypes
import sys

_PINNED = False
EXTRA = 1 << 40


def affected(pyside_version: str, python: tuple[int, ...] = tuple(sys.version_info[:2]),
             implementation: str = sys.implementation.name) -> bool:
    """Whether this PySide6 / Python combination has the ``None`` refcount bug."""
    parts = pyside_version.split(".")
    return (implementation == "cpython" and tuple(python[:2]) < (3, 12)
            and len(parts) >= 2 and parts[0] == "6" and parts[1] == "12")


def pin_none() -> bool:
    """Make ``None`` effectively immortal when :func:`affected`. Returns True when applied."""
    global _PINNED
    if _PINNED:
        return False
    try:
        import PySide6
    except ImportError:
        return False
    if not affected(getattr(PySide6, "__version__", "")):
        return False
    # ob_refcnt is the first field of every PyObject (Py_ssize_t) in release builds.
    # None, True/False and the small ints are immortal from 3.12 on; the bug hits
    # None (void methods) and the bools (e.g. event filters returning False) at least.
    for obj in (None, True, False, Ellipsis, NotImplemented, *range(-5, 257)):
        ctypes.c_ssize_t.from_address(id(obj)).value += EXTRA
    _PINNED = True
    return True


def skip_feature_scan() -> bool:
    """Stop PySide6 reading the source of every module imported after it.

    PySide6 replaces ``__import__`` so that a module may write ``from __feature__ import
    snake_case, true_property``. For the modules that do not, its hook
    ``shibokensupport.feature.feature_imported`` enters each newly imported module in its
    feature table: 0 ("no features") when the module's source mentions "PySide6", else -1
    ("ignore"; a module without an entry is ignored too: it runs with whatever the last
    module selected). To tell them apart it reads the module's whole source
    (``inspect.getsource``). The kiosk selects no feature (tests/ui/test_pyside_fix.py checks
    its sources), so the reading is pure cost: ~20 ms before the first frame, ~30 ms more until
    the board (httpx, pydantic and the services load after PySide6), and the sources of ~250
    modules (~5 MB of text) kept in ``linecache``. The replacement enters every new module
    with 0, unread: a module that never selects a feature always gets the plain names,
    even right after one that did (never "ignore", which would inherit that selection).
    ``from __feature__ import`` goes through another function (``feature_import``), which
    sets its module's entry, and still works. Returns True when the hook was replaced
    (PySide6 6.4 and later on CPython have it)."""
    feature = sys.modules.get("shibokensupport.feature")
    table = getattr(feature, "pyside_feature_dict", None)
    if feature is None or not callable(getattr(feature, "feature_imported", None)) or not isinstance(table, dict):
        return False
    if getattr(feature.feature_imported, "_kiosk_skip", False):
        return False

    def feature_imported(module: object) -> None:
        name = getattr(module, "__name__", None)
        if name is not None:
            table.setdefault(name, 0)

    # the C side calls the loader's wrapper, which looks this name up on every call
    feature_imported._kiosk_skip = True  # type: ignore[attr-defined]
    feature.feature_imported = feature_imported
    return True
