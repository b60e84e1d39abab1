"""Fixtures of the attendant desk tests.

The qasync loop is the UI engineer's ``ui_loop`` (tests/plugins/ui.py): a test writes its
scenario as a coroutine and runs it with ``ui_loop.run_until_complete(...)``, awaiting
:func:`wait_until` between clicks (no sleeps as assertions).

``desk_factory(sim, **kw)``: the attendant area on a real SessionService (journal in
tmp_path), a real ChargeAssistClient and the simulator; built and torn down in separate
``run_until_complete`` calls (closing the session service cancels its polling tasks, which
under qasync must not share a task with closing the HTTP client).
"""

from __future__ import annotations

import asyncio

import pytest


async def wait_until(pred, timeout: float = 10.0, interval: float = 0.01, what: str = "condition"):
    """The UI tests' poll_until with the attendant tests' shorter default timeout (imported
    here: this plugin loads before tests.plugins.ui, which pytest must rewrite first)."""
    from tests.plugins.ui import poll_until

    return await poll_until(pred, timeout, interval, what)


# --- simulator helpers for the attendant tests ----------------------------------------

APP_TOKEN = "kiosk-attendant-test"
CARD = "NL-GFX-C12345678-X"


def att_client(sim, app_token: str = APP_TOKEN):
    """A real ChargeAssistClient on the simulator (create it inside the running loop)."""
    from kiosk.api import ChargeAssistClient

    return ChargeAssistClient(sim.base_url, headers=sim.auth_headers(), app_token=app_token, timeout=5.0)


def venue_evses(sim, n: int):
    evses = [e for e in sim.venue.venue_evses() if e.base_status == "AVAILABLE" and e.power_type == "AC"]
    assert len(evses) >= n
    return evses[:n]


async def wallet_with_card(client, sim, visual: str = CARD) -> str:
    """Register the token, add a charge card and let it verify; returns its id."""
    await client.register_token()
    pm = await client.add_charge_card(visual)
    sim.clock.advance(10)          # verification takes 5 virtual seconds
    return pm.id


async def finished_session(client, sim, evse, pm_id: str, minutes: float = 30) -> str:
    """Start, charge ``minutes`` virtual minutes, stop and wait until CDR_AVAILABLE."""
    started = await client.start_session(evse.location_id, evse.evse_uid, evse.connector_ids[0], pm_id)
    sid = started.charge_session_id
    sim.clock.advance(10)
    st = await client.session_status(sid)
    assert str(st.status) == "CHARGING", st.status
    sim.clock.advance(minutes * 60)
    await client.session_status(sid)
    await client.stop_session(sid)
    sim.clock.advance(20)
    st = await client.session_status(sid)
    assert str(st.status) == "CDR_AVAILABLE", st.status
    return sid


PIN = "2468"


# --- the real shell with its PIN screen, as the kiosk shows it ----------------------------

def build_shell(qtbot, env, closable=True):
    """A Shell with the real PIN screen and ``env.area`` plugged in by ``connect_shell``."""
    from kiosk.ui.attendant import connect_shell
    from kiosk.ui.base import Screen
    from kiosk.ui.screens.pin import PinScreen
    from kiosk.ui.shell import Shell

    shell = Shell(idle_timeout_s=600)
    qtbot.addWidget(shell)
    if closable:
        shell.allow_close()
    shell.add_screen("home", Screen())
    shell.add_screen("pin", PinScreen(shell))
    shell.add_screen("attendant", env.area)
    connect_shell(shell, env.area)
    shell.show()
    shell.go_home()
    return shell


def tap_corner(shell):
    """The hidden corner, three taps."""
    for _ in range(3):
        shell.corner.click()


def enter_pin(shell, pin):
    """Type ``pin`` on the PIN screen's keypad and tap OK."""
    pad = shell.screen("pin").keypad
    pad.clear()
    pad.type(pin)
    pad.ok_btn.click()


class DeskEnv:
    """The attendant area on a real SessionService, client and simulator."""

    def __init__(self, sim, data_dir, qtbot, *, app_token: str = APP_TOKEN, pin: str = PIN,
                 sessions_kw: dict | None = None, **services_kw):
        from kiosk.api import ChargeAssistClient
        from kiosk.services.sessions import SessionService
        from kiosk.ui.attendant import AttendantArea, AttendantServices

        self.sim, self.data_dir, self.pin = sim, data_dir, pin
        self.journal_path = data_dir / "journal.sqlite3"
        self.client = ChargeAssistClient(sim.base_url, headers=sim.auth_headers(), app_token=app_token, timeout=5.0)
        self.sessions = SessionService(self.client, self.journal_path, time_scale=sim.speed, attendant_pin=pin,
                                       **(sessions_kw or {}))
        self.services = AttendantServices.create(sessions=self.sessions, client=self.client, data_dir=data_dir,
                                                 journal_path=self.journal_path, **services_kw)
        self.services.history.clock = sim.now     # "today" is the service's today
        self.area = AttendantArea(self.services)
        qtbot.addWidget(self.area)
        self.area.resize(1280, 800)

    def login(self, name: str = "desk-anna"):
        assert self.area.login(self.pin, name=name), self.area.last_error
        self.area.show()
        self.area.enter()


@pytest.fixture
def desk_factory(ui_loop, qtbot, tmp_path, sim_factory):
    # (sim_factory: the simulators outlive the desks, so in-flight requests end cleanly)
    from kiosk.i18n import current_language, set_language

    before = current_language()
    set_language("en")      # the assertions read English texts
    made: list[DeskEnv] = []

    def make(sim, data_dir=None, **kw) -> DeskEnv:
        env = DeskEnv(sim, data_dir or tmp_path / f"data{len(made)}", qtbot, **kw)
        made.append(env)
        return env

    yield make
    for env in made:
        env.area.logout()
        env.area.close()
    # let slot tasks still in flight (a refresh started by the last click) finish inside the
    # running loop before anything else processes Qt events
    ui_loop.run_until_complete(_drain())
    for env in made:
        ui_loop.run_until_complete(env.sessions.aclose())
        ui_loop.run_until_complete(env.client.aclose())
    set_language(before)


async def _drain(timeout: float = 5.0) -> None:
    me = asyncio.current_task()
    def is_slot(t) -> bool:   # a widget's @asyncSlot coroutine (not the service's pollers)
        code = getattr(t.get_coro(), "cr_code", None)
        return code is not None and "/kiosk/ui/" in code.co_filename

    pending = [t for t in asyncio.all_tasks() if t is not me and not t.done() and is_slot(t)]
    if pending:
        await asyncio.wait(pending, timeout=timeout)


def run_scenario(loop, coro):
    """Run a test scenario on the qasync loop, then let the widgets' slot tasks still in
    flight finish inside the running loop (pytest-qt processes Qt events after the test,
    where a half-done HTTP request would find no running loop)."""

    async def whole():
        try:
            return await coro
        finally:
            await _drain()

    return loop.run_until_complete(whole())
