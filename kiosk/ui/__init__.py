"""Qt widgets of the kiosk (see README.md). Importing this package applies the PySide6
reference-count workaround of :mod:`kiosk.ui._pyside_fix`."""

from kiosk.ui._pyside_fix import pin_none

pin_none()
