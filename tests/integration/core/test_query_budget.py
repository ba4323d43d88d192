"""How many SQL statements a page sends: a budget for each page of ``bench.run`` (and for the
library, the inbox and a conversation, which ``bench.documents`` and ``bench.messages``
load), so an N+1 cannot come back unseen; and lists whose count does not grow with how
much they show.

The pages are asked as the benches ask them, signed in as a person whose space holds what
the demo's Jeanne has: documents, a conversation with her doctor, her profile and
measurements, appointments, a medicine reminder, notes, a care circle, and an activity
that names her doctor and her pharmacist. A statement is one call of the engine's
``run_querystring`` or ``run_ddl``: every Piccolo query, raw ones too (BEGIN, COMMIT and
the PRAGMA a new SQLite connection gets are not counted). Each page is asked twice in a
new session and the second request is counted: the one a person (and the bench) repeats,
after the first has set up what is set up once (a conversation's read mark).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from bench.run import PAGES
from portal.core import db
from tests.people import make_person, portal_client, sign_in_as
from tests.space import (
    ZONE,
    add_appointments,
    add_conversations,
    add_documents,
    add_replies,
    add_views,
    demo_like,
    join,
    professional,
    this_month,
)

# At most this many statements per page, the same on SQLite and PostgreSQL: the counts
# measured when they were written. A page that needs more fails and lists what it sent;
# one that needs fewer is welcome (lower its budget then). Keys: the names of
# ``bench.run.PAGES``, then the pages of ``bench.documents`` and ``bench.messages``.
BUDGETS: dict[str, int] = {
    "home": 0,
    "help": 0,
    "help dept 23": 0,
    "my space": 4,
    "my activity": 8,
    "my circle": 6,
    "my profile": 11,
    "measurements": 10,
    "agenda month": 8,
    "my notes": 12,
    "catalogue search (htmx)": 2,
    "library": 8,
    "inbox": 8,
    "conversation": 17,
}


# --------------------------------------------------------------------------- counting


@contextmanager
def counting(client: Any) -> Iterator[list[str]]:
    """The statements the app's engine sends while the block runs (their SQL, without values)."""
    sent: list[str] = []
    engine_class = type(client.app.state.engine)
    with pytest.MonkeyPatch.context() as patch:
        for name in ("run_querystring", "run_ddl", "run_statement"):
            real = getattr(engine_class, name)

            async def spy(self: Any, query: Any, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
                if isinstance(query, str):
                    sql = query
                elif isinstance(query, db.Statement):
                    sql = query.sql_for(self.engine_type)
                else:
                    sql = query.compile_string(self.engine_type)[0]
                sent.append(" ".join(sql.split()))
                return await _real(self, query, *args, **kwargs)

            patch.setattr(engine_class, name, spy)
        yield sent


def statements_of(
    client: Any, account: uuid.UUID | None, path: str, headers: dict[str, str] | None = None
) -> list[str]:
    """The statements the second of two GETs of ``path`` sends, signed in as ``account``
    (None: nobody) in a new session, which neither request is old enough to touch."""
    client.cookies.clear()
    if account is not None:
        sign_in_as(client, account)
    assert client.get(path, headers=headers, follow_redirects=False).status_code == 200
    with counting(client) as sent:
        response = client.get(path, headers=headers, follow_redirects=False)
    assert response.status_code == 200, f"{path}: {response.status_code}"
    return sent


def described(sent: list[str]) -> str:
    """The statements, the most repeated first, for a failure's message."""
    return "\n".join(f"  {n} x {sql[:240]}" for sql, n in Counter(sent).most_common())


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client, timezone=ZONE)


@pytest.fixture
def pros(app: Any) -> list[uuid.UUID]:
    """Ten professionals, for the lists that name many people."""
    return [professional(app, "Camille", f"Praticien{number}") for number in range(10)]


# --------------------------------------------------------------------------- the budgets

MORE_PAGES = ("library", "inbox", "conversation")


def test_every_page_of_the_benches_has_a_budget():
    assert set(BUDGETS) == {page.name for page in PAGES} | set(MORE_PAGES)


def test_each_page_sends_no_more_statements_than_its_budget(app):
    space = demo_like(app)
    asked = [(page.name, page.path, dict(page.headers or {}), page.setup is not None) for page in PAGES]
    asked += [
        ("library", "/space/documents", {}, True),
        ("inbox", "/space/messages", {}, True),
        ("conversation", f"/space/messages/{space.conversation}", {}, True),
    ]
    over = []
    for name, path, headers, signed_in in asked:
        sent = statements_of(app, space.patient if signed_in else None, path, headers)
        if len(sent) > BUDGETS[name]:
            over.append(
                f"{name} ({path}): {len(sent)} statements, budget {BUDGETS[name]}:\n{described(sent)}"
            )
    assert not over, "\n".join(over)


def test_pages_that_only_read_write_only_on_the_side(app):
    """An audit event, a session's last use, a read mark: a GET writes them ``db.aside``, never
    in its own read transaction, where on SQLite the write would fail once someone else
    wrote since the page began reading (and the page would run twice), and would hold
    the write lock while the page renders."""
    space = demo_like(app)
    engine = app.app.state.engine
    asked = [(page.path, dict(page.headers or {}), page.setup is not None) for page in PAGES]
    asked += [
        ("/space/documents", {}, True),
        ("/space/messages", {}, True),
        (f"/space/messages/{space.conversation}", {}, True),
    ]
    written = {}
    for path, headers, signed_in in asked:
        engine.writes_in_reads.clear()
        statements_of(app, space.patient if signed_in else None, path, headers)
        if engine.writes_in_reads:
            written[path] = list(engine.writes_in_reads)
    assert written == {}


# --------------------------------------------------------------------------- lists that do not grow

# Each case: a page, and what a space holds to show a few or many of its items; the other
# people around are the same, or (``... people``) the items are the same and the people
# they name are more.
Build = Callable[[Any, uuid.UUID, list[uuid.UUID]], str]


def library(documents: int, authors: int) -> Build:
    def build(client: Any, patient: uuid.UUID, pros: list[uuid.UUID]) -> str:
        add_documents(client, patient, [patient, *pros[:authors]], documents)
        return "/space/documents"

    return build


def activity(events: int, actors: int) -> Build:
    def build(client: Any, patient: uuid.UUID, pros: list[uuid.UUID]) -> str:
        (document,) = add_documents(client, patient, [patient], 1)
        add_views(client, patient, [patient, *pros[:actors]], document, events)
        return "/space/activity"

    return build


def inbox(conversations: int, members: int) -> Build:
    def build(client: Any, patient: uuid.UUID, pros: list[uuid.UUID]) -> str:
        add_conversations(client, patient, pros[:members], conversations)
        return "/space/messages"

    return build


def conversation(messages: int) -> Build:
    def build(client: Any, patient: uuid.UUID, pros: list[uuid.UUID]) -> str:
        (made,) = add_conversations(client, patient, pros[:1], 1)
        add_replies(client, made, [patient, pros[0]], messages - 1)
        return f"/space/messages/{made}"

    return build


def agenda_month(appointments: int) -> Build:
    def build(client: Any, patient: uuid.UUID, pros: list[uuid.UUID]) -> str:
        add_appointments(client, patient, this_month(appointments))
        return "/space/agenda/month"

    return build


def circle(members: int) -> Build:
    def build(client: Any, patient: uuid.UUID, pros: list[uuid.UUID]) -> str:
        join(client, patient, pros[:members])
        return "/space/circle"

    return build


@pytest.mark.parametrize(
    ("few", "many"),
    [
        pytest.param(library(3, 1), library(30, 1), id="library 3 vs 30 documents"),
        pytest.param(activity(5, 1), activity(50, 1), id="activity 5 vs 50 events"),
        pytest.param(inbox(2, 1), inbox(20, 1), id="inbox 2 vs 20 conversations"),
        pytest.param(conversation(2), conversation(20), id="conversation 2 vs 20 messages"),
        pytest.param(agenda_month(1), agenda_month(10), id="agenda month 1 vs 10 appointments"),
        pytest.param(library(20, 1), library(20, 10), id="library by 1 vs 10 people"),
        pytest.param(activity(20, 1), activity(20, 10), id="activity of 1 vs 10 people"),
        pytest.param(inbox(10, 1), inbox(10, 10), id="inbox with 1 vs 10 people"),
        pytest.param(circle(1), circle(10), id="circle of 1 vs 10 people"),
    ],
)
def test_a_list_sends_as_many_statements_for_many_items_as_for_a_few(app, pros, few, many):
    counted = {}
    for label, build in (("few", few), ("many", many)):
        patient = make_person(app)
        path = build(app, patient, pros)
        counted[label] = statements_of(app, patient, path)
    assert len(counted["many"]) == len(counted["few"]), (
        f"{len(counted['few'])} statements for a few, {len(counted['many'])} for many:\n"
        f"a few:\n{described(counted['few'])}\nmany:\n{described(counted['many'])}"
    )
