"""A cache of the code that ``@dataclass`` compiles, kept across starts of the kiosk.

Python caches the bytecode of every module in ``__pycache__``, but not the methods that
``dataclasses`` writes as source text and compiles on every start (``__init__``,
``__repr__``, ``__eq__``, ``__hash__``, a frozen class's ``__setattr__``/``__delattr__``).
The kiosk's start loads ~130 dataclasses (its own, pydantic's, annotated-types', anyio's,
h11's): compiling their methods is ~85 ms of CPU before the board is filled, more than any
other single piece (measured with ``bench/ui.py``; on a Raspberry Pi it is several times
that). The same need is python-attrs/attrs#575; CPython 3.13 only merged the compiles of a
class into one (gh-109870), and the kiosk runs on Debian 12's Python 3.11.

:func:`install` gives the ``dataclasses`` module an ``exec`` of its own (a module global
found before the builtin): for a source text it has seen it runs the code object compiled
from exactly that text before, otherwise it compiles as ``exec`` does and remembers the
result. A text is the whole key, so a hit is the code ``exec`` would have compiled; nothing
else of ``dataclasses`` is replaced, so a Python whose ``dataclasses`` writes other methods
(3.13 writes one text per class) only misses once. :func:`save` writes the texts and code
objects this run used, and only those (``marshal``, the format of a .pyc, headed by this
Python's bytecode magic number), atomically; a damaged or foreign file is read as empty, a
damaged entry is compiled again.

Where: ``$CACHE_DIRECTORY`` (systemd's ``CacheDirectory=``, see the unit), else the XDG
cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``), ``charge-assist-kiosk/``; one file per
command. ``KIOSK_DATACLASS_CACHE=0`` turns it off. After an upgrade of Python the first
start compiles everything again (the magic number differs), after a library's only what
that library's dataclasses write differently; either start writes the new file. The file holds only
code compiled from ``dataclasses``' own texts and is as trusted as ``__pycache__``: it
lives in a folder only the kiosk's user writes to.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import logging
import marshal
import os
import sys
import threading
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

APP_NAME = "charge-assist-kiosk"      # kiosk.config.APP_NAME (not imported: it defines dataclasses)
#: what the file starts with: the format of this module, then the bytecode's own magic number
#: (another Python version reads the file as empty) and the optimisation level
_HEADER = b"KDC1" + MAGIC_NUMBER + bytes([sys.flags.optimize])


class _Cache:
    def __init__(self, path: Path | None, known: dict[str, bytes]) -> None:
        self.path = path
        self.known: dict[str, Any] = known  # text -> its code, marshalled (from the file) or not
        self.used: dict[str, Any] = {}      # what this run ran: what save() writes
        self.compiled = 0                   # misses (compiled this run)
        self.lock = threading.Lock()        # dataclasses are made on the UI thread and on workers

    def code(self, source: str) -> Any:
        code = self.known.get(source)
        if isinstance(code, bytes):         # read from the file: unmarshalled on first use
            raw = code
            try:
                code = marshal.loads(raw)
            except (EOFError, ValueError, TypeError):
                code = None
            if hasattr(code, "co_code"):
                self.known[source], self.used[source] = code, raw   # (saved again as it was read)
                return code
            code = None
        if code is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)
            with self.lock:
                self.known[source] = code
                self.compiled += 1
        self.used.setdefault(source, code)
        return code

    def exec(self, source: Any, globals: Any = None, locals: Any = None, /) -> None:
        """``exec`` as dataclasses calls it: its own generated text, compiled once."""
        builtins.exec(self.code(source) if isinstance(source, str) else source, globals, locals)  # noqa: S102


_cache: _Cache | None = None


def cache_dir() -> Path:
    """systemd's cache folder for the unit, else the user's XDG cache folder (what
    platformdirs answers on Linux; not imported for this, ~4 ms before the first frame)."""
    systemd = os.environ.get("CACHE_DIRECTORY", "").split(":")[0]
    if systemd:
        return Path(systemd)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / APP_NAME


def _read(path: Path) -> dict[str, bytes]:
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    if not data.startswith(_HEADER):
        return {}
    try:
        known = marshal.loads(memoryview(data)[len(_HEADER):])
    except (EOFError, ValueError, TypeError):
        log.info("dataclass cache %s is damaged: compiling again", path)
        return {}
    if not isinstance(known, dict):
        return {}
    return {k: v for k, v in known.items() if isinstance(k, str) and isinstance(v, bytes)}


def install(name: str, directory: Path | None = None) -> bool:
    """Serve ``dataclasses``' compiles from the cache file of command ``name`` (read now).
    Returns False (and changes nothing) when turned off or already installed."""
    global _cache
    if _cache is not None or os.environ.get("KIOSK_DATACLASS_CACHE", "1") == "0":
        return False
    if "exec" in vars(dataclasses):       # someone else's hook: leave it alone
        return False
    try:
        path: Path | None = (directory or cache_dir()) / f"dataclasses-{name}.marshal"
    except (RuntimeError, KeyError):      # no home folder to find the cache in
        path = None
    _cache = _Cache(path, _read(path) if path is not None else {})
    dataclasses.exec = _cache.exec  # type: ignore[attr-defined]
    return True


def uninstall() -> None:
    """``dataclasses`` compiles on its own again (tests; the file stays)."""
    global _cache
    if _cache is not None and vars(dataclasses).get("exec") == _cache.exec:
        del dataclasses.exec  # type: ignore[attr-defined]
    _cache = None


def stats() -> dict[str, int]:
    """How many texts this run ran from the cache and how many it compiled."""
    if _cache is None:
        return {"hits": 0, "compiled": 0}
    return {"hits": len(_cache.used) - _cache.compiled, "compiled": _cache.compiled}


def save() -> bool:
    """Write what this run used, when it compiled anything new (or used less than the file
    holds); atomic (a reader sees the old file or the new one). Never raises: without the
    file the next start compiles as Python does. Returns whether it wrote."""
    cache = _cache
    if cache is None or cache.path is None:
        return False
    with cache.lock:
        if not cache.compiled and len(cache.used) == len(cache.known):
            return False
        used = {text: code if isinstance(code, bytes) else marshal.dumps(code)
                for text, code in cache.used.items()}
        cache.known = dict(cache.used)
        cache.compiled = 0
    tmp = cache.path.with_name(f".{cache.path.name}.{os.getpid()}")
    try:
        cache.path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(_HEADER + marshal.dumps(used))
        os.replace(tmp, cache.path)
    except OSError as exc:
        log.info("dataclass cache not written (%s): the next start compiles again", exc)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return False
    return True
