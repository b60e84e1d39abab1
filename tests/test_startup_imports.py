"""What the kiosk imports before its first frame (issue 5's cold-start goal: at most twice a
bare PySide6 window, measured by bench/ui.py). These guard the decisions that got it there:
every `kiosk` command builds its command line without httpx, pydantic, OpenCV or the
simulator, and the settings load without pydantic."""

import ast
import subprocess
import sys

HEAVY = ("httpx", "pydantic", "pydantic_settings", "cv2", "numpy", "zxingcpp", "babel", "kiosk.sim.server",
         "kiosk.api.models", "kiosk.services.sessions")


def _imported_after(code: str) -> list[str]:
    probe = code + "; import sys; print(' '.join(m for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}).stdout.split()
    return sorted(m for m in HEAVY if m in out)


def test_building_the_command_line_imports_nothing_heavy():
    assert _imported_after("from kiosk.cli import build_parser; build_parser()") == []


def test_loading_settings_imports_nothing_heavy():
    assert _imported_after("import kiosk.config as c; c.load_settings()") == []


def test_packages_load_their_parts_on_first_use():
    assert _imported_after("import kiosk.api, kiosk.scan, kiosk.sim") == []
    code = ("from kiosk.api import ChargeAssistClient, errors; from kiosk.scan import SyntheticSource; "
            "from kiosk.sim import SimServer, DEMO_API_KEY; assert DEMO_API_KEY == 'demo-key'")
    assert {"httpx", "pydantic", "numpy", "kiosk.sim.server"} <= set(_imported_after(code))


def test_scan_command_offers_the_decoders_that_exist():
    from kiosk.scan.cli import DECODER_NAMES as offered
    from kiosk.scan.decoders import DECODER_NAMES

    assert offered == DECODER_NAMES


def test_each_command_is_built_from_the_module_that_registers_it():
    """`kiosk run` builds only its own module's parsers (COMMANDS): the map names every
    command of every module, and `kiosk --help` still lists them all."""
    from kiosk.cli import COMMAND_MODULES, COMMANDS, build_parser

    def commands(parser):
        return set(next(a for a in parser._actions if a.dest == "command").choices)

    assert commands(build_parser()) == set(COMMANDS)
    for module in COMMAND_MODULES:
        own = {c for c, m in COMMANDS.items() if m == module}
        for command in own:
            assert commands(build_parser(command)) == own
    assert commands(build_parser("no-such-command")) == set(COMMANDS)     # argparse then says what exists


def test_the_kiosk_command_line_imports_no_other_area():
    others = ("kiosk.api.cli", "kiosk.sim.cli", "kiosk.scan.cli", "kiosk.core.cli")
    probe = ("from kiosk.cli import build_parser; build_parser('run').parse_args(['run', '--windowed']); "
             "import sys; print(' '.join(m for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}).stdout.split()
    assert [m for m in others if m in out] == []


def test_the_board_is_filled_without_the_models_a_visit_needs_later():
    """kiosk.api.models_late (tariffs, sessions, CDRs, ...: ~15 ms of class creation) is not
    on the way to the board: nothing before the kiosk's after-board step imports it, and
    that step does (on its worker thread)."""
    probe = r"""
import asyncio, sys, tempfile
import qasync
from PySide6.QtWidgets import QApplication
from kiosk.app import AppOptions, KioskApp
from kiosk.config import load_settings
from kiosk.sim import SimServer

sim = SimServer(host="127.0.0.1", port=0, api_key="k").start()
app = QApplication([])
loop = qasync.QEventLoop(app)
asyncio.set_event_loop(loop)
tmp = tempfile.mkdtemp()
settings = load_settings(base_url=sim.base_url, api_key="k", app_token="t", data_dir=tmp, log_dir=tmp,
                         venue_location_ids=list(sim.venue.location_ids), payment_external_ref="venue-demo",
                         camera="none")
kiosk = KioskApp(settings, options=AppOptions(start_camera=False))
seen = {}
after_board = KioskApp._after_board

def spy(self):
    home = self.ctx.shell.screen("home")
    seen["bays"] = len(home.bay_buttons)
    seen["late before"] = "kiosk.api.models_late" in sys.modules
    after_board(self)
    seen["late after"] = "kiosk.api.models_late" in sys.modules

KioskApp._after_board = spy

async def main():
    await kiosk.start()
    await kiosk.aclose()

loop.run_until_complete(main())
sim.stop()
print(seen, flush=True)
import os; os._exit(0)      # (as bench/ui.py's child: no teardown of Qt by the interpreter)
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-3000:]
    seen = ast.literal_eval(out.stdout.strip().splitlines()[-1])
    assert seen["bays"] > 0 and seen["late before"] is False and seen["late after"] is True, seen
