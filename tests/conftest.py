"""Shared test setup. Each area keeps its fixtures in tests/plugins/<area>.py; every such
file is loaded here, so areas never need to edit this one."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never read the developer's own configuration file.
os.environ["KIOSK_CONFIG"] = str(Path(__file__).parent / "data" / "empty-config.toml")
# ... nor write to their cache (the `kiosk` commands the tests run keep their dataclass cache
# there, kiosk/dataclass_cache.py): one throwaway folder per test process
_cache = tempfile.mkdtemp(prefix="kiosk-test-cache-")
os.environ["XDG_CACHE_HOME"] = _cache
os.environ.pop("CACHE_DIRECTORY", None)
atexit.register(shutil.rmtree, _cache, ignore_errors=True)

pytest_plugins = sorted(
    f"tests.plugins.{p.stem}" for p in (Path(__file__).parent / "plugins").glob("*.py") if p.stem != "__init__"
)
