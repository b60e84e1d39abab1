"""Where the project's resources (translations, style sheets, icons) are.

In a source checkout or an editable install they are ``resources/`` beside ``kiosk/``. A
wheel installs them as data files under ``<prefix>/share/charge-assist-kiosk/resources``
(pyproject ``[tool.setuptools.data-files]``), which is what a venv in /opt gets.
"""

from __future__ import annotations

import sys
from pathlib import Path

_SOURCE = Path(__file__).resolve().parent.parent / "resources"
_INSTALLED = Path(sys.prefix) / "share" / "charge-assist-kiosk" / "resources"


def resources_dir() -> Path:
    return _SOURCE if _SOURCE.is_dir() else _INSTALLED
