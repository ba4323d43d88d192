"""Audit events cannot be changed or removed, by the database's own rules.

Written by hand (Piccolo's auto migrations know nothing of triggers). On
PostgreSQL one statement-level trigger refuses UPDATE, DELETE and TRUNCATE on
audit_event; on SQLite, which has no statement or TRUNCATE triggers, two row
triggers refuse UPDATE and DELETE. Someone who may drop triggers can still
tamper: the hash chain, checked by `portal audit verify`, is what shows it.
A later migration that must rewrite audit rows has to drop these triggers
first and put them back after.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-25T19:25:21:239797"
VERSION = "1.38.0"
DESCRIPTION = "audit events cannot be changed or removed"

POSTGRES_FORWARDS = [
    """
    CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit events cannot be changed or removed (%)', TG_OP;
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()
    """,
]

POSTGRES_BACKWARDS = [
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
]

SQLITE_FORWARDS = [
    """
    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit events cannot be changed or removed (UPDATE)'); END
    """,
    """
    CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit events cannot be changed or removed (DELETE)'); END
    """,
]

SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]


async def _run(statements_by_engine_type):
    # The engine the migration manager runs in, inside its transaction.
    engine = engine_finder()
    for statement in statements_by_engine_type.get(engine.engine_type, []):
        await engine.run_ddl(statement)


async def add_triggers():
    await _run({"postgres": POSTGRES_FORWARDS, "sqlite": SQLITE_FORWARDS})


async def drop_triggers():
    await _run({"postgres": POSTGRES_BACKWARDS, "sqlite": SQLITE_BACKWARDS})


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="portal", description=DESCRIPTION
    )

    manager.add_raw(add_triggers)
    manager.add_raw_backwards(drop_triggers)

    return manager
