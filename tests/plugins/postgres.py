"""PostgreSQL for the tests (available to every test).

``pg_server``: ONE throwaway cluster per test process (``kiosk.deploy.localpg``: initdb and
postgres from Debian's ``postgresql`` package on a free loopback port, run as ``nobody``
when the tests run as root), started on first use, removed at the end.
``pg_db``: a fresh database on it per test (``.url`` without a password, ``.password``),
dropped afterwards. ``journal_backend``: parametrizes a test over ``sqlite`` and
``postgres``; ``open_test_journal(backend, tmp_path)`` opens (or reopens) its journal.

A test skips only when PostgreSQL cannot run here at all (not installed, no ``setpriv``),
with the reason; ``make test`` installs the ``postgresql`` package.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class PgDb:
    server: Any
    name: str
    url: str
    password: str

    def connect(self) -> Any:
        import psycopg

        return psycopg.connect(self.url, password=self.password, autocommit=True)


@pytest.fixture(scope="session")
def pg_server():
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install -e '.[test]' installs it)")
    from kiosk.deploy.localpg import LocalPostgres, Unavailable

    try:
        server = LocalPostgres().start()
    except Unavailable as exc:
        pytest.skip(f"PostgreSQL cannot run here: {exc}")
    yield server
    server.remove()


@pytest.fixture
def pg_db(pg_server):
    import psycopg

    name = "t_" + secrets.token_hex(5)
    admin = pg_server.url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, password=pg_server.password, autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    yield PgDb(pg_server, name, pg_server.url.rsplit("/", 1)[0] + "/" + name, pg_server.password)
    with psycopg.connect(admin, password=pg_server.password, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgres"])
def journal_backend(request, tmp_path):
    """The journal's target on each backend: a SQLite file, or a fresh venue database."""
    if request.param == "sqlite":
        return {"target": tmp_path / "j.sqlite3", "password": None, "name": "sqlite"}
    db = request.getfixturevalue("pg_db")
    return {"target": db.url, "password": db.password, "name": "postgres", "db": db}


def open_test_journal(backend: dict[str, Any], **kw: Any) -> Any:
    from kiosk.core.journal import open_journal

    return open_journal(backend["target"], password=backend["password"], **kw)
