"""The ``kiosk`` command. Each area registers its own sub-commands:

=================  ==============================  =========================================
command            module                          what
=================  ==============================  =========================================
run, demo, desk,   kiosk.ui.cli                    the kiosk, the attendant desktop, screenshots
screenshots
sim                kiosk.sim.cli                   the Charge Assist simulator
api, doctor        kiosk.api.cli                   the API from the command line; checks
qr                 kiosk.scan.cli                  decode images, watch the camera
tariff             kiosk.core.cli                  quotes and plain-language tariffs
=================  ==============================  =========================================

A module exposes ``register(subparsers)``, adding parsers whose ``func(args) -> int``
runs the command. Imports stay lazy so ``kiosk sim`` never loads Qt.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from kiosk import __version__, dataclass_cache, gcpause

COMMAND_MODULES = (
    "kiosk.ui.cli",
    "kiosk.sim.cli",
    "kiosk.api.cli",
    "kiosk.scan.cli",
    "kiosk.core.cli",
)

#: which module registers each command (the table above): `kiosk run` builds only its own
#: module's parsers; the other areas' modules and their dozens of parsers cost ~15 ms before
#: the kiosk's first frame (tests/test_startup_imports.py checks this map against the modules)
COMMANDS = {
    "run": "kiosk.ui.cli", "desk": "kiosk.ui.cli", "demo": "kiosk.ui.cli", "screenshots": "kiosk.ui.cli",
    "sim": "kiosk.sim.cli",
    "api": "kiosk.api.cli", "doctor": "kiosk.api.cli",
    "qr": "kiosk.scan.cli",
    "tariff": "kiosk.core.cli",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; with ``command`` (a name of :data:`COMMANDS`) only the parsers of
    the module that registers it (``kiosk --help`` and an unknown command get all)."""
    parser = argparse.ArgumentParser(prog="kiosk", description="EV charging kiosk for Charge Assist")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in (COMMANDS[command],) if command in COMMANDS else COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # that area has no commands (yet)
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # every command starts faster without the cyclic collector (PySide6's import alone makes
    # tens of thousands of objects); the kiosk ends the pause once its board is up, anything
    # else gets the collector back after at most 30 s (kiosk/gcpause.py)
    gcpause.begin()
    args_in = sys.argv[1:] if argv is None else argv
    command = args_in[0] if args_in and args_in[0] in COMMANDS else None
    # before the first dataclass (kiosk.config's settings): ~85 ms of compiling at the kiosk's
    # start come from this command's cache file instead (kiosk/dataclass_cache.py)
    cached = command is not None and argv is None and dataclass_cache.install(command)
    from kiosk.config import SettingsError

    parser = build_parser(command)
    args = parser.parse_args(args_in)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except SettingsError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        if cached:
            dataclass_cache.save()      # what this run compiled new (the kiosk saves once it is up)


if __name__ == "__main__":
    sys.exit(main())
