"""Shared test setup. Area fixtures live in tests/plugins/ and are loaded here."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never read the developer's own configuration file.
os.environ["KIOSK_CONFIG"] = os.path.join(os.path.dirname(__file__), "data", "no-such-config.toml")

pytest_plugins = [p for p in ("tests.plugins.sim",) if os.path.exists(
    os.path.join(os.path.dirname(__file__), "plugins", p.rsplit(".", 1)[-1] + ".py"))]
