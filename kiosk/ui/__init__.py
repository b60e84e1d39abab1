"""Qt widgets of the kiosk (see README.md). Importing this package applies the PySide6
workarounds of :mod:`kiosk.ui._pyside_fix` (no source scan of every import; the reference-count
fix of 6.12 on Python < 3.12)."""

from kiosk.ui._pyside_fix import pin_none, skip_feature_scan

pin_none()
skip_feature_scan()
