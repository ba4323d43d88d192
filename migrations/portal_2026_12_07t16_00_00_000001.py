"""A person's activity reads their newest audit events without reading them all.

The activity page asks for one subject's events older than a mark, newest first, 21
at a time (``portal.activity.services.activity_of``). With an index on ``subject``
alone the database finds every event of the person, then sorts them all to keep 21;
with one on ``(subject, id)`` it walks that person's events from the newest and stops
after 21, however many there are. ``tests/integration/core/test_indexes.py`` checks
the plan on both databases.

Written by hand: Piccolo's table classes declare no index on two columns. The same
statements run on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T16:00:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "an index on audit events by subject and id, for the activity page"

CREATE = "CREATE INDEX IF NOT EXISTS audit_event_subject_id ON audit_event (subject, id)"
DROP = "DROP INDEX IF EXISTS audit_event_subject_id"


async def add_index():
    # The engine the migration manager runs in, inside its transaction.
    await engine_finder().run_ddl(CREATE)


async def drop_index():
    await engine_finder().run_ddl(DROP)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="portal", description=DESCRIPTION)

    manager.add_raw(add_index)
    manager.add_raw_backwards(drop_index)

    return manager
