"""Shared test setup. Each area keeps its fixtures in tests/plugins/<area>.py; every such
file is loaded here, so areas never need to edit this one."""

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never read the developer's own configuration file.
os.environ["KIOSK_CONFIG"] = str(Path(__file__).parent / "data" / "empty-config.toml")

pytest_plugins = sorted(
    f"tests.plugins.{p.stem}" for p in (Path(__file__).parent / "plugins").glob("*.py") if p.stem != "__init__"
)
