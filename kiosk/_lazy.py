"""Package exports loaded on first use (PEP 562).

``kiosk run`` builds its command line from every area's ``cli`` module; importing a package
whose ``__init__`` pulls in httpx and the pydantic models, OpenCV or the simulator cost
~450 ms before the kiosk could draw anything. Packages list their exports instead::

    __getattr__ = lazy_exports(__name__, {"ChargeAssistClient": "client", "errors": "errors"})

A name that equals its submodule's name is the submodule itself.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    def __getattr__(name: str) -> Any:  # noqa: N807 - the module-level hook of PEP 562
        sub = where.get(name)
        if sub is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(f"{package}.{sub}")
        value = module if sub == name else getattr(module, name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
