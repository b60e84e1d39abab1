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


# --- PySide6's import hook that reads every module's source -------------------------------

import subprocess  # noqa: E402
import textwrap  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, folder: Path) -> str:
    env = {"QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": f"{folder}:{ROOT}", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_modules_imported_after_the_kiosk_ui_are_not_read_for_pyside_features(tmp_path):
    (tmp_path / "fresh_before.py").write_text("X = 1  # PySide6\n")
    (tmp_path / "fresh_after.py").write_text("X = 2  # PySide6\n")
    out = _run("""
        import linecache
        import PySide6.QtWidgets
        import fresh_before      # PySide6's hook reads this one's source
        import kiosk.ui
        import fresh_after       # not this one's
        print(sorted(k.rsplit('/', 1)[-1] for k in linecache.cache if 'fresh_' in k))
    """, tmp_path)
    if "fresh_before.py" not in out:
        import pytest

        pytest.skip("this PySide6 does not read imported modules' sources: nothing to skip")
    assert out == "['fresh_before.py']"


def test_a_module_may_still_select_pyside_features(tmp_path):
    (tmp_path / "snake.py").write_text(textwrap.dedent("""
        from __feature__ import snake_case
        from PySide6.QtWidgets import QApplication, QWidget
        app = QApplication([])
        w = QWidget()
        w.set_window_title("snake")
        TITLE = w.window_title()
    """))
    assert _run("import kiosk.ui, snake; print(snake.TITLE)", tmp_path) == "snake"


def test_a_module_imported_after_one_with_features_keeps_the_plain_names(tmp_path):
    """PySide6 switches features by the calling module's entry in its table, and a module
    with no entry inherits the last module's selection: an unscanned module imported after
    a snake_case one lost ``setWindowTitle``. Each module gets the plain entry (0) instead."""
    (tmp_path / "snake2.py").write_text(textwrap.dedent("""
        from __feature__ import snake_case
        from PySide6.QtWidgets import QApplication, QWidget
        app = QApplication([])
        w = QWidget()
        w.set_window_title("snake")
    """))
    (tmp_path / "plain.py").write_text(textwrap.dedent("""
        from PySide6.QtWidgets import QWidget
        def title():
            w = QWidget()
            w.setWindowTitle("plain")
            return w.windowTitle()
    """))
    assert _run("import kiosk.ui, snake2, plain; print(plain.title())", tmp_path) == "plain"


def test_no_kiosk_module_selects_a_pyside_feature():
    # skip_feature_scan relies on it: a module that did would need the scan's table entry
    users = [str(p.relative_to(ROOT)) for p in (ROOT / "kiosk").rglob("*.py")
             if any(line.strip().startswith(("from __feature__", "import __feature__"))
                    for line in p.read_text(encoding="utf-8").splitlines())]
    assert users == []
