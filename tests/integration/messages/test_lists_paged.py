"""The inbox and a conversation open only what they show: the database picks, counts and
pages them (20 a page), and only the page's subjects or messages are read and opened.

Counted on the real app: the rows the engine returns for the page's statement, and the
sealed values opened (``Keyring.open``, the real one, watched), by table. The plan of a
conversation's page is checked on both databases with 20,000 messages: walked on the
index ``message_conversation_sent`` (conversation, sent_at, id), nothing sorted.
"""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from portal.circle.services import set_blocked
from portal.core.access import Role
from portal.messages.services import THREAD_PAGE, membership, messages_page, reply
from tests.html import page
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
from tests.integration.documents.test_lists_paged import watching
from tests.people import make_person, portal_client, run, sign_in_as
from tests.space import add_conversations, join

ROW = 'class="row conversation-row'
MESSAGE = '<li class="message'


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


def conversations(client: Any, patient: uuid.UUID, pro: uuid.UUID, count: int) -> list[uuid.UUID]:
    """``count`` conversations started by ``pro`` (in the circle), a day apart, the oldest first."""
    join(client, patient, [pro])
    return add_conversations(client, patient, [pro], count)


def subjects(text: str) -> list[str]:
    return page(text).texts('h2.row-title > a[href^="/space/messages/"]')


def bodies(text: str) -> list[str]:
    return page(text).texts("div.message-body")


INBOX_STATEMENT = "SELECT c.id, c.patient, c.sealed_subject"
THREAD_STATEMENT = "SELECT m.id, m.author, m.sealed_body"


def test_a_page_of_the_inbox_reads_and_opens_only_its_conversations(app):
    patient, pro = (
        make_person(app),
        make_person(app, Role.PROFESSIONAL, given_names="Anne", profession="general_practitioner"),
    )
    conversations(app, patient, pro, 25)
    sign_in_as(app, patient)
    app.get("/space/messages")
    with watching(app) as seen:
        first = app.get("/space/messages")
    assert subjects(first.text) == [f"Vos résultats {n}" for n in range(24, 4, -1)]  # newest first
    assert "Page 1 of 2" in first.text and 'href="/space/messages?page=2"' in first.text
    assert seen.rows_of(INBOX_STATEMENT) == [20] and seen.opened.count("conversation") == 20
    with watching(app) as seen:
        second = app.get("/space/messages?page=2")
    assert subjects(second.text) == [f"Vos résultats {n}" for n in range(4, -1, -1)]
    assert seen.rows_of(INBOX_STATEMENT) == [5] and seen.opened.count("conversation") == 5
    # The refresh asks for the same page; a page past the end is the last one.
    assert 'hx-get="/space/messages?page=2"' in second.text
    assert subjects(app.get("/space/messages?page=7").text) == subjects(second.text)
    # The professional's inbox is paged the same way, and leaves out who blocked them.
    other = make_person(app)
    conversations(app, other, pro, 3)

    async def block() -> None:
        async with app.app.state.engine.transaction():
            await set_blocked(patient=patient, professional=pro, blocked=True)

    run(app, block)
    sign_in_as(app, pro, Role.PROFESSIONAL)
    listed = app.get("/pro/messages").text
    assert listed.count(ROW) == 3 and "Page 1 of" not in listed  # the blocked patient's 25 are not there


def test_a_conversation_shows_its_newest_page_and_older_ones_by_plain_links(app):
    patient, pro = (
        make_person(app),
        make_person(app, Role.PROFESSIONAL, given_names="Anne", profession="general_practitioner"),
    )
    (conversation,) = conversations(app, patient, pro, 1)

    async def write() -> None:
        async with app.app.state.engine.transaction():
            place = await membership(conversation, pro)
            assert place is not None
            now = datetime.now(UTC)
            for number in range(1, 45):
                await reply(
                    KEYRING, place, pro, f"Message {number:02d}", [], now=now + timedelta(seconds=number)
                )

    run(app, write)  # 45 messages: "Bonjour, tout est normal." then "Message 01" to "Message 44"
    sign_in_as(app, patient)
    path = f"/space/messages/{conversation}"
    app.get(path)  # the read mark is set once
    with watching(app) as seen:
        newest = app.get(path)
    assert bodies(newest.text) == [f"Message {n:02d}" for n in range(25, 45)]  # oldest first on the page
    assert seen.rows_of(THREAD_STATEMENT) == [THREAD_PAGE] and seen.opened.count("message") == THREAD_PAGE
    assert "Page 3 of 3" in newest.text and f'href="{path}?page=2"' in newest.text
    assert 'data-refresh-every="5"' in newest.text  # the newest page refreshes itself
    with watching(app) as seen:
        oldest = app.get(f"{path}?page=1")
    assert bodies(oldest.text) == ["Bonjour, tout est normal.", *(f"Message {n:02d}" for n in range(1, 5))]
    assert seen.rows_of(THREAD_STATEMENT) == [5] and seen.opened.count("message") == 5
    assert "Page 1 of 3" in oldest.text and 'data-refresh-every="5"' not in oldest.text
    # The refresh of the open page is the newest page, as before.
    refreshed = app.get(f"{path}/messages", headers={"HX-Request": "true"})
    assert bodies(refreshed.text) == bodies(newest.text)


POSTGRES_FILL = [
    """INSERT INTO conversation (id, patient, sealed_subject, started_at, last_message_at)
    SELECT ('20000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid,
    ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, '\\x00', now(), now()
    FROM generate_series(1, 200) n""",
    """INSERT INTO message (id, conversation, sealed_body, sent_at)
    SELECT ('30000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid,
    ('20000000-0000-4000-8000-' || lpad((n % 10 + 1)::text, 12, '0'))::uuid, '\\x00',
    now() - n * interval '1 minute' FROM generate_series(1, 20000) n""",
    "ANALYZE",
]
SQLITE_FILL = [
    """WITH RECURSIVE n(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM n WHERE n < 200)
    INSERT INTO conversation (id, patient, sealed_subject, started_at, last_message_at)
    SELECT printf('20000000-0000-4000-8000-%012d', n), printf('00000000-0000-4000-8000-%012d', n),
    x'00', '2026-01-01', '2026-01-01' FROM n""",
    """WITH RECURSIVE n(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM n WHERE n < 20000)
    INSERT INTO message (id, conversation, sealed_body, sent_at)
    SELECT printf('30000000-0000-4000-8000-%012d', n), printf('20000000-0000-4000-8000-%012d', n % 10 + 1),
    x'00', printf('2026-01-01 %02d:%02d:%02d', n / 3600 % 24, n / 60 % 60, n % 60) FROM n""",
    "ANALYZE",
]


async def test_a_conversation_page_is_walked_on_its_index(throwaway, monkeypatch):  # noqa: F811
    """Long conversations: 20,000 messages in ten of them (on top of the throwaway's
    people, events and documents); a page of one, three pages back from the newest."""
    if throwaway.kind == "postgres":
        conn = await asyncpg.connect(throwaway.url)
        try:
            for statement in POSTGRES_FILL:
                await conn.execute(statement)
        finally:
            await conn.close()
    else:
        with closing(sqlite3.connect(throwaway.url.removeprefix("sqlite:///"))) as conn, conn:
            for statement in SQLITE_FILL:
                conn.execute(statement)
    conversation = uuid.UUID("20000000-0000-4000-8000-000000000007")
    query = await first_statement(throwaway.engine, monkeypatch, lambda: messages_page(conversation, 3))
    assert "FROM message m" in query.sql and "LIMIT" in query.sql
    plan = await throwaway.explain(query.sql, query.values)
    assert_walks(throwaway.kind, plan, "message_conversation_sent")
