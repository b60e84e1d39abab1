"""The journal's schema as numbered migrations, the same tables on SQLite and PostgreSQL.

Each database records the migrations applied to it in ``schema_version`` (version, when,
by which release, and ``min_compatible``: the oldest schema version whose release still
works on this one). A release applies what it knows and is missing, in order, each in one
transaction (on PostgreSQL under an advisory lock, so screens that start together migrate
once). A database NEWER than the release is used as it is when its ``min_compatible`` is
not above the release's own version, and refused (``JournalUnavailable('schema')``)
otherwise: during a venue's upgrade the screens still on the previous release keep working
until they are updated.

That works because migrations only EXPAND: new tables, new nullable columns or columns
with a default, new indexes. Readers ignore columns they do not know
(``SessionRow.from_db``), every INSERT names its columns, and nothing is renamed or
dropped in the same release that stops using it (a contracting migration comes one
release later and raises ``min_compatible``). Version 2 (this release) raises it to 2: the
release before it (SQLite only, no version table) built its rows from every column.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    min_compatible: int
    what: str
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]


VERSION_TABLE = {
    "sqlite": "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL,"
              " release TEXT, min_compatible INTEGER NOT NULL)",
    "postgres": "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL,"
                " release TEXT, min_compatible INTEGER NOT NULL)",
}


def _tables(serial: str) -> tuple[str, ...]:
    """Version 1: the journal as it was before the venue database (issues 1-16)."""
    return (
        """CREATE TABLE IF NOT EXISTS sessions (
            key TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            location_id TEXT NOT NULL,
            evse_uid TEXT NOT NULL,
            connector_id TEXT NOT NULL,
            payment_method_id TEXT NOT NULL,
            tag TEXT,
            code_hash TEXT,
            charge_session_id TEXT UNIQUE,
            start_phase TEXT NOT NULL DEFAULT 'posting',
            adopted INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL DEFAULT 'PENDING',
            known_state TEXT NOT NULL DEFAULT 'PENDING',
            open INTEGER NOT NULL DEFAULT 1,
            tariff_json TEXT,
            started_at TEXT,
            ended_at TEXT,
            energy_kwh TEXT,
            power_kw TEXT,
            soc TEXT,
            estimate_json TEXT,
            observations_json TEXT,
            final_json TEXT,
            error_message TEXT,
            stop_requested_at TEXT,
            intent_server_at TEXT,
            updated_at TEXT NOT NULL)""",
        # one open session per EVSE, atomic across processes and screens
        "CREATE UNIQUE INDEX IF NOT EXISTS one_open_per_evse ON sessions(evse_uid) WHERE open = 1",
        f"CREATE TABLE IF NOT EXISTS events (id {serial}, key TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,"
        " detail TEXT)",
        "CREATE INDEX IF NOT EXISTS events_key ON events(key)",
        f"CREATE TABLE IF NOT EXISTS audit (id {serial}, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
        " session_key TEXT, detail TEXT)",
        "CREATE TABLE IF NOT EXISTS kv (name TEXT PRIMARY KEY, value TEXT)",
        f"CREATE TABLE IF NOT EXISTS quarantine (id {serial}, at TEXT NOT NULL, tbl TEXT NOT NULL, key TEXT,"
        " raw TEXT NOT NULL, reason TEXT NOT NULL)",
        # hotel billing (issue 16): kiosk receipt numbers, the postings outbox, room stays, desk flags
        "CREATE TABLE IF NOT EXISTS receipt_counters (series TEXT NOT NULL, year INTEGER NOT NULL,"
        " last INTEGER NOT NULL, PRIMARY KEY (series, year))",
        "CREATE TABLE IF NOT EXISTS receipts (key TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, series TEXT NOT NULL,"
        " year INTEGER NOT NULL, seq INTEGER NOT NULL, token TEXT NOT NULL UNIQUE, issued_at TEXT NOT NULL,"
        " basis TEXT NOT NULL, guest_json TEXT NOT NULL, UNIQUE (series, year, seq))",
        "CREATE TABLE IF NOT EXISTS postings (id TEXT PRIMARY KEY, key TEXT NOT NULL, kind TEXT NOT NULL,"
        " reverses TEXT, created_at TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'waiting',"
        " attempts INTEGER NOT NULL DEFAULT 0, next_at TEXT NOT NULL, last_error TEXT, delivered_at TEXT)",
        "CREATE UNIQUE INDEX IF NOT EXISTS one_charge_posting_per_session ON postings(key) WHERE kind = 'charge'",
        "CREATE INDEX IF NOT EXISTS postings_due ON postings(status, next_at)",
        "CREATE TABLE IF NOT EXISTS room_stays (id TEXT PRIMARY KEY, room TEXT NOT NULL, initial TEXT,"
        " source TEXT NOT NULL, verified INTEGER NOT NULL DEFAULT 1, started_at TEXT NOT NULL, ended_at TEXT,"
        " external_ref TEXT, payment_method_id TEXT, pms_ref TEXT, wallet_removed INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE IF NOT EXISTS session_prices (key TEXT PRIMARY KEY, policy_json TEXT NOT NULL, at TEXT NOT NULL)",
        "CREATE UNIQUE INDEX IF NOT EXISTS one_open_stay_per_room ON room_stays(room) WHERE ended_at IS NULL",
        f"CREATE TABLE IF NOT EXISTS desk_flags (id {serial}, at TEXT NOT NULL, kind TEXT NOT NULL, room TEXT,"
        " session_key TEXT, detail TEXT, cleared_at TEXT, cleared_by TEXT)",
    )


def _venue(real: str) -> tuple[str, ...]:
    """Version 2: the venue database (issue 17)."""
    return (
        # the screen that started a session (the desk shows it; None on a single screen's journal)
        "ALTER TABLE sessions ADD COLUMN origin TEXT",
        # one poller per session: the screen holding the lease polls it, the others follow the
        # journal; a lease not renewed in time is taken over
        f"CREATE TABLE IF NOT EXISTS poll_leases (key TEXT PRIMARY KEY, holder TEXT NOT NULL, expires {real} NOT NULL)",
        "CREATE INDEX IF NOT EXISTS poll_leases_holder ON poll_leases(holder)",
        # the venue's screens as they last reported (release, schema): the desk and doctor show them
        f"CREATE TABLE IF NOT EXISTS screens (id TEXT PRIMARY KEY, seen {real} NOT NULL, release TEXT, info TEXT)",
        "CREATE INDEX IF NOT EXISTS sessions_evse ON sessions(evse_uid, created_at)",
    )


_PG_NOTIFY = (
    # Every change of a session row is announced to the venue's screens (delivered at commit;
    # no guest data: key, charger, state, open). Settings shared by the venue (kv 'setting:*')
    # too. The screens LISTEN on a dedicated connection.
    """CREATE OR REPLACE FUNCTION kiosk_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('kiosk_journal', json_build_object('t', 's', 'k', NEW.key, 'e', NEW.evse_uid,
                                                             's', NEW.state, 'o', NEW.open)::text);
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS sessions_changed ON sessions",
    "CREATE TRIGGER sessions_changed AFTER INSERT OR UPDATE ON sessions FOR EACH ROW"
    " EXECUTE FUNCTION kiosk_session_changed()",
    """CREATE OR REPLACE FUNCTION kiosk_kv_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE n TEXT;
    BEGIN
        IF TG_OP = 'DELETE' THEN n := OLD.name; ELSE n := NEW.name; END IF;
        IF n LIKE 'setting:%' THEN
            PERFORM pg_notify('kiosk_journal', json_build_object('t', 'kv', 'n', n)::text);
        END IF;
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS kv_changed ON kv",
    "CREATE TRIGGER kv_changed AFTER INSERT OR UPDATE OR DELETE ON kv FOR EACH ROW"
    " EXECUTE FUNCTION kiosk_kv_changed()",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, 1, "sessions, events, audit, kv, quarantine, hotel billing",
              _tables("INTEGER PRIMARY KEY AUTOINCREMENT"),
              _tables("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")),
    Migration(2, 2, "venue database: session origin, poll leases, screens, change notifications",
              _venue("REAL"), _venue("DOUBLE PRECISION") + _PG_NOTIFY),
)

#: The schema version this release writes and knows.
SCHEMA_VERSION = MIGRATIONS[-1].version
