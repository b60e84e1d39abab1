"""A screen of a venue that starts while the venue's database is away (its host switched off
at night and not up yet): guests read "out of order" in their language, staff read why and
how often the kiosk tries again, and when the database is there the screen serves guests
within one retry, without a restart."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from tests.plugins.ui import poll_until


@pytest.fixture
def later_db(pg_server):
    """A venue database that does not exist yet (``create()`` makes it), dropped at the end."""
    import psycopg

    name = "t_" + secrets.token_hex(5)
    base = pg_server.url.rsplit("/", 1)[0]

    class Later:
        url = f"{base}/{name}"
        password = pg_server.password

        @staticmethod
        def create() -> None:
            with psycopg.connect(base + "/postgres", password=pg_server.password, autocommit=True) as c:
                c.execute(f"CREATE DATABASE {name}")

    yield Later
    with psycopg.connect(base + "/postgres", password=pg_server.password, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_screen_booting_while_the_venue_database_is_away_serves_guests_once_it_is_back(later_db, kiosk_factory,
                                                                                           sim, ui_loop, tmp_path):
    pw = tmp_path / "journal_password"
    pw.write_text(later_db.password)

    async def scenario():
        app = kiosk_factory(sim, journal_url=later_db.url, journal_password_file=pw)
        app.UNREACHABLE_RETRY_S = 0.5          # 10 s in the product
        started = asyncio.ensure_future(app.start())
        await poll_until(lambda: app.ctx is not None and app.ctx.shell.current_name() == "out_of_order", 20,
                         what="out of order")
        oo = app.ctx.shell.screen("out_of_order")
        assert oo.reason == "unreachable"
        assert "database cannot be reached" in oo.staff.text() and "every 10 seconds" in oo.staff.text()
        assert later_db.password not in oo.staff.text()
        assert not started.done()             # still trying
        later_db.create()
        home = app.ctx.shell.screen("home")
        await poll_until(lambda: app.ctx.shell.current_name() == "home" and home.bay_buttons, 20,
                         what="the board once the database is there")
        await asyncio.wait_for(started, 20)
        assert app.ctx.sessions is not None and getattr(app.ctx.sessions.journal, "shared", False)

    ui_loop.run_until_complete(scenario())
