"""The activity reads only the page it shows: the person's newest events, 20 and one (which
says whether there are older ones), walked on the index ``audit_event_subject_id``
(subject, id) from the newest, and only what the page says of them (not the chain's hashes).

Counted on the real app: the rows and columns the engine returns for the activity's
statement. The plan is checked on both databases with 20,000 events of 200 people (the
throwaway database of ``tests/integration/core/test_indexes.py``).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from portal.activity.services import PAGE_SIZE
from portal.core import audit
from portal.core.keys import key_owner
from tests.integration.core.test_indexes import (  # noqa: F401 (the fixture)
    KEYRING,
    assert_walks,
    described,
    first_statement,
    nodes,
    person,
    sorts_or_reads_whole,
    throwaway,
)
from tests.people import make_person, portal_client, run, sign_in_as

EVENTS = 60


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


def events(client: Any, patient: uuid.UUID, count: int) -> None:
    async def work() -> None:
        async with client.app.state.engine.transaction():
            for _ in range(count):
                await audit.record(
                    actor=key_owner(patient),
                    area="agenda",
                    action="agenda.view",
                    outcome="allowed",
                    subject=key_owner(patient),
                )

    run(client, work)


def test_a_page_of_the_activity_reads_only_its_events_and_what_it_says(app):
    patient = make_person(app)
    events(app, patient, EVENTS)
    sign_in_as(app, patient)
    engine_class = type(app.app.state.engine)
    real = engine_class.run_querystring
    read: list[tuple[str, list[dict[str, Any]]]] = []

    async def spy(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        result = await real(self, query, *args, **kwargs)
        read.append((query.compile_string(self.engine_type)[0], result if isinstance(result, list) else []))
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine_class, "run_querystring", spy)
        page = app.get("/space/activity")
    assert page.status_code == 200 and page.text.count('class="activity-item') == PAGE_SIZE
    (rows,) = [result for sql, result in read if 'FROM "audit_event"' in sql and "LIMIT" in sql]
    assert len(rows) == PAGE_SIZE + 1
    assert not {"hash", "prev_hash", "subject"} & set(rows[0]), sorted(rows[0])


# The activity's query plan, on its (subject, id) index: tests/integration/core/test_indexes.py.
