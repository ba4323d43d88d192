"""The library and a conversation read only the page they show, in order, by index.

The library asks for one person's documents (in the bin or not), newest added first, 20
at a time (``portal.documents.services.library``); a conversation asks for its messages,
newest first, 20 at a time (``portal.messages.services.thread``). With an index on the
person, or on the conversation, alone, the database finds all of them and sorts them to
keep 20; with ``(patient, added_at, id)`` and ``(conversation, sent_at, id)`` it walks
them in order and stops after the page. (The activity's ``audit_event (subject, id)`` came
with 2026-12-07T16:00:00:000001.) The tests in ``tests/integration/documents/
test_lists_paged.py`` and ``tests/integration/messages/test_lists_paged.py`` check the plans.

Written by hand: Piccolo's table classes declare no index on several columns. The same
statements run on SQLite and PostgreSQL. It runs after every migration written before it
(the newest: 2026-12-07T18:06:56:000001): Piccolo runs migrations in the order of their ids.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T18:30:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "indexes for the paged library and conversations"

CREATE = [
    "CREATE INDEX IF NOT EXISTS document_patient_added ON document (patient, added_at, id)",
    "CREATE INDEX IF NOT EXISTS message_conversation_sent ON message (conversation, sent_at, id)",
]
DROP = [
    "DROP INDEX IF EXISTS message_conversation_sent",
    "DROP INDEX IF EXISTS document_patient_added",
]


async def add_indexes():
    # The engine the migration manager runs in, inside its transaction.
    engine = engine_finder()
    for statement in CREATE:
        await engine.run_ddl(statement)


async def drop_indexes():
    engine = engine_finder()
    for statement in DROP:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="portal", description=DESCRIPTION)

    manager.add_raw(add_indexes)
    manager.add_raw_backwards(drop_indexes)

    return manager
