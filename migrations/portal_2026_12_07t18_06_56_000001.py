"""Audit chains and seals, part two: an index on ``(chain, id)`` finds a chain's newest
event, and ``audit_seal`` is append-only like ``audit_event``, by the same kind of
triggers (see the migration that added those, 2026-11-25T19:25:21).

Written by hand (Piccolo's table classes declare no index on two columns, and know
nothing of triggers). Apart from the migration before it because Piccolo runs a
migration's raw statements before its new columns.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T18:06:56:000001"
VERSION = "1.38.0"
DESCRIPTION = "audit chains: their index; seals cannot be changed or removed"

POSTGRES_FORWARDS = [
    "CREATE INDEX IF NOT EXISTS audit_event_chain_id ON audit_event (chain, id)",
    """
    CREATE TRIGGER audit_seal_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_seal
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()
    """,
]

POSTGRES_BACKWARDS = [
    "DROP TRIGGER IF EXISTS audit_seal_append_only ON audit_seal",
    "DROP INDEX IF EXISTS audit_event_chain_id",
]

SQLITE_FORWARDS = [
    "CREATE INDEX IF NOT EXISTS audit_event_chain_id ON audit_event (chain, id)",
    """
    CREATE TRIGGER audit_seal_no_update BEFORE UPDATE ON audit_seal
    BEGIN SELECT RAISE(ABORT, 'audit seals cannot be changed or removed (UPDATE)'); END
    """,
    """
    CREATE TRIGGER audit_seal_no_delete BEFORE DELETE ON audit_seal
    BEGIN SELECT RAISE(ABORT, 'audit seals cannot be changed or removed (DELETE)'); END
    """,
]

SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS audit_seal_no_update",
    "DROP TRIGGER IF EXISTS audit_seal_no_delete",
    "DROP INDEX IF EXISTS audit_event_chain_id",
]


async def _run(statements_by_engine_type):
    # The engine the migration manager runs in, inside its transaction.
    engine = engine_finder()
    for statement in statements_by_engine_type.get(engine.engine_type, []):
        await engine.run_ddl(statement)


async def add_index_and_triggers():
    await _run({"postgres": POSTGRES_FORWARDS, "sqlite": SQLITE_FORWARDS})


async def drop_index_and_triggers():
    await _run({"postgres": POSTGRES_BACKWARDS, "sqlite": SQLITE_BACKWARDS})


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="portal", description=DESCRIPTION)

    manager.add_raw(add_index_and_triggers)
    manager.add_raw_backwards(drop_index_and_triggers)

    return manager
