"""The lists open what they show by index: the plans of the activity's and the library's
queries, as the portal sends them, on both databases.

Each test fills a throwaway database of the session's kind (migrated, then dropped) with
what the plans need to be those of a real service: twenty thousand audit events of two
hundred people, a hundred documents each (with their keys), statistics gathered. The
query is taken from the service itself (its first statement, caught before it runs) and
explained with its own values.

- The activity (``portal.activity.services.activity_of``): a person's newest events,
  older than a mark, 21 at a time, must be walked from the newest on the index
  ``audit_event_subject_id`` (subject, id) and stop there: no sort of all the person's
  events, no scan of everyone's. (Without it PostgreSQL either read everyone's newest
  events backwards on the primary key, or sorted all of the person's; SQLite, whose
  ``id`` is the rowid, already walked its index on ``subject`` alone in order.)
- The library (``portal.documents.services.library``): a person's documents and their
  keys, found by the indexes on ``document.patient`` and ``data_key.owner``; no table is
  read whole and nothing is sorted. (It still opens every document of the person, not
  just the page it shows: titles are sealed, the search runs after opening them.)
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from portal import piccolo_conf
from portal.activity.services import activity_of
from portal.core import db
from portal.core.keys import Keyring
from portal.documents.services import Filters, library
from portal.settings import Settings
from tests.conftest import POSTGRES_ADMIN_URL, TEST_MASTER_KEY

PEOPLE = 200
EVENTS = 20_000  # a hundred per person, everyone's interleaved as they happen
DOCUMENTS = 20_000  # a hundred per person


def person(number: int) -> uuid.UUID:
    return uuid.UUID(f"00000000-0000-4000-8000-{number:012d}")


# The same rows on both databases: person n is 00000000-0000-4000-8000-<n, 12 digits>.
POSTGRES_FILL = [
    f"""INSERT INTO account (id, role, status)
    SELECT ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'patient', 'active'
    FROM generate_series(1, {PEOPLE}) n""",
    f"""INSERT INTO audit_event (occurred_at, actor, subject, area, action, outcome, prev_hash, hash)
    SELECT now(), 'operator', 'account:00000000-0000-4000-8000-' || lpad((n % {PEOPLE} + 1)::text, 12, '0'),
    'profile', 'profile.view', 'allowed', '', md5(n::text)
    FROM generate_series(1, {EVENTS}) n""",
    f"""INSERT INTO document (id, patient, author_role, sealed_details, size, chunk_count, hidden, is_new)
    SELECT ('10000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid,
    ('00000000-0000-4000-8000-' || lpad((n % {PEOPLE} + 1)::text, 12, '0'))::uuid,
    'patient', '\\x00', 1, 1, false, false
    FROM generate_series(1, {DOCUMENTS}) n""",
    """INSERT INTO data_key (key_id, owner, wrapped, master_key_id, created_at)
    SELECT md5(d.id::text), 'document:' || d.id, '\\x00', 'test', now() FROM document d""",
    "ANALYZE",
]

SQLITE_FILL = [
    f"""WITH RECURSIVE n(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM n WHERE n < {PEOPLE})
    INSERT INTO account (id, role, status, created_at)
    SELECT printf('00000000-0000-4000-8000-%012d', n), 'patient', 'active', '2026-01-01' FROM n""",
    f"""WITH RECURSIVE n(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM n WHERE n < {EVENTS})
    INSERT INTO audit_event (occurred_at, actor, subject, area, action, outcome, prev_hash, hash)
    SELECT '2026-01-01', 'operator', printf('account:00000000-0000-4000-8000-%012d', n % {PEOPLE} + 1),
    'profile', 'profile.view', 'allowed', '', 'event ' || n FROM n""",
    f"""WITH RECURSIVE n(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM n WHERE n < {DOCUMENTS})
    INSERT INTO document (id, patient, author_role, sealed_details, size, chunk_count, added_at, hidden, is_new)
    SELECT printf('10000000-0000-4000-8000-%012d', n), printf('00000000-0000-4000-8000-%012d', n % {PEOPLE} + 1),
    'patient', x'00', 1, 1, '2026-01-01', 0, 0 FROM n""",
    """INSERT INTO data_key (key_id, owner, wrapped, master_key_id, created_at)
    SELECT 'key ' || d.id, 'document:' || d.id, x'00', 'test', '2026-01-01' FROM document d""",
    "ANALYZE",
]


@dataclass
class Throwaway:
    """A migrated database of its own, filled, bound to the tables while the test runs."""

    kind: str  # "sqlite" or "postgres"
    url: str
    engine: Any

    async def explain(self, sql: str, args: list[Any]) -> Any:
        """PostgreSQL: the plan's tree (JSON); SQLite: the lines of EXPLAIN QUERY PLAN."""
        if self.kind == "postgres":
            conn = await asyncpg.connect(self.url)
            try:
                return json.loads(await conn.fetchval("EXPLAIN (FORMAT JSON) " + sql, *args))[0]["Plan"]
            finally:
                await conn.close()
        with closing(sqlite3.connect(self.url.removeprefix("sqlite:///"))) as conn:
            return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, args)]


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
async def throwaway(database_url: str, tmp_path: Path) -> AsyncIterator[Throwaway]:
    if database_url.startswith("sqlite"):
        kind, url = "sqlite", f"sqlite:///{tmp_path / 'plans.sqlite'}"
    else:
        kind, name = "postgres", f"portal_plans_{secrets.token_hex(4)}"
        await _admin(f"CREATE DATABASE {name}")
        url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    before = piccolo_conf.DB  # the tables go back to it after the test
    try:
        engine = db.engine_for(Settings(data_dir=tmp_path / "data", database_url=url, migrate_on_start=False))
        await db.migrate(engine)
        if kind == "postgres":
            conn = await asyncpg.connect(url)
            try:
                for statement in POSTGRES_FILL:
                    await conn.execute(statement)
            finally:
                await conn.close()
        else:
            with closing(sqlite3.connect(tmp_path / "plans.sqlite")) as conn, conn:
                for statement in SQLITE_FILL:
                    conn.execute(statement)
        yield Throwaway(kind, url, engine)
    finally:
        db.bind_engine(before)
        if kind == "postgres":
            await _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Caught(Exception):
    """The first statement a service sent, stopped before it ran."""

    def __init__(self, sql: str, values: list[Any]) -> None:
        super().__init__(sql)
        self.sql, self.values = sql, values


async def first_statement(engine: Any, monkeypatch: pytest.MonkeyPatch, work: Any) -> Caught:
    """The SQL and values of the first statement ``work()`` sends, exactly as Piccolo sends it."""

    async def catch(querystring: Any, *args: Any, **kwargs: Any) -> Any:
        raise Caught(*querystring.compile_string(engine.engine_type))

    monkeypatch.setattr(engine, "run_querystring", catch)
    with pytest.raises(Caught) as caught:
        await work()
    monkeypatch.undo()
    return caught.value


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node of a PostgreSQL plan, depth first."""
    return [plan, *(node for child in plan.get("Plans", []) for node in nodes(child))]


def described(plan: dict[str, Any]) -> list[str]:
    return [
        " ".join(
            filter(
                None, (n["Node Type"], n.get("Scan Direction"), n.get("Index Name") or n.get("Relation Name"))
            )
        )
        for n in nodes(plan)
    ]


def sorts_or_reads_whole(plan: dict[str, Any]) -> list[str]:
    """The nodes of a PostgreSQL plan that sort rows or read a whole table."""
    return [n["Node Type"] for n in nodes(plan) if "Sort" in n["Node Type"] or n["Node Type"] == "Seq Scan"]


def assert_walks(kind: str, plan: Any, *indexes: str, scans: tuple[str, ...] = ()) -> None:
    """The plan walks each of ``indexes`` and neither sorts nor reads a whole table (on
    SQLite, no SCAN but those named in ``scans``: a subquery's own few rows)."""
    if kind == "postgres":
        used = {n.get("Index Name") for n in nodes(plan) if n["Node Type"].endswith("Index Scan")}
        assert set(indexes) <= used, described(plan)
        assert not sorts_or_reads_whole(plan), described(plan)
        return
    for index in indexes:
        assert any(f"INDEX {index}" in line for line in plan), plan
    assert not [
        row for row in plan if "TEMP B-TREE" in row or (row.startswith("SCAN") and row not in scans)
    ], plan


KEYRING = Keyring(TEST_MASTER_KEY)


@pytest.mark.parametrize("older", [False, True], ids=["newest", "older"])
async def test_the_activity_walks_the_persons_newest_events_on_its_index(throwaway, monkeypatch, older):
    someone = person(7)
    # An older page: the events before the middle of the trail (half of theirs).
    mark = EVENTS // 2 if older else None
    query = await first_statement(
        throwaway.engine,
        monkeypatch,
        lambda: activity_of(KEYRING, someone, before=mark, timezone="Europe/Paris"),
    )
    assert 'FROM "audit_event"' in query.sql and "LIMIT" in query.sql
    plan = await throwaway.explain(query.sql, query.values)
    assert_walks(throwaway.kind, plan, "audit_event_subject_id")


async def test_the_library_finds_the_persons_documents_and_their_keys_by_index(throwaway, monkeypatch):
    query = await first_statement(
        throwaway.engine, monkeypatch, lambda: library(KEYRING, person(7), Filters())
    )
    assert "FROM document d" in query.sql
    plan = await throwaway.explain(query.sql, query.values)
    # "SCAN p": the page of 20 rows the subquery chose, not a table.
    assert_walks(throwaway.kind, plan, "document_patient_added", "data_key_owner", scans=("SCAN p",))
