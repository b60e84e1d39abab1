"""The None-refcount workaround applies only to PySide6 6.12.x on CPython < 3.12."""

from __future__ import annotations

import sys

import PySide6

from kiosk.ui import _pyside_fix


def test_only_pyside_612_on_python_before_312_is_affected():
    assert _pyside_fix.affected("6.12.0", (3, 11), "cpython")
    assert _pyside_fix.affected("6.12.1", (3, 10), "cpython")
    assert not _pyside_fix.affected("6.12.0", (3, 12), "cpython")
    assert not _pyside_fix.affected("6.11.3", (3, 11), "cpython")
    assert not _pyside_fix.affected("6.8.0.2", (3, 11), "cpython")
    assert not _pyside_fix.affected("6.1.2", (3, 11), "cpython")
    assert not _pyside_fix.affected("6.12.0", (3, 11), "pypy")


def test_applied_exactly_when_the_installed_pyside_is_affected():
    import kiosk.ui  # noqa: F401 - importing applies it

    expected = _pyside_fix.affected(PySide6.__version__)
    assert _pyside_fix._PINNED is expected
    if not expected:
        # untouched: None's count is an ordinary (small) number, not 2**40 extra
        assert sys.getrefcount(None) < _pyside_fix.EXTRA
