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
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bench.run import PAGES
from portal.agenda.services import Choice, Medicine, add_appointment, add_medicine
from portal.agenda.services import Details as Visit
from portal.circle.services import add_to_circle
from portal.core import audit
from portal.core.access import Role
from portal.core.keys import Keyring, key_owner
from portal.documents.demo import DEMO_DOCUMENTS, demo_pdf
from portal.documents.services import Details, add_document
from portal.messages.services import membership, reply, set_accepts_new, start
from portal.notes.services import add_note, get_note, share
from portal.profile.demo import _ENTRIES, _measurements
from portal.profile.services import add_entry
from tests.conftest import TEST_MASTER_KEY
from tests.people import make_person, portal_client, run, sign_in_as

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

ZONE = "Europe/Paris"
KEYRING = Keyring(TEST_MASTER_KEY)


# --------------------------------------------------------------------------- counting


@contextmanager
def counting(client: Any) -> Iterator[list[str]]:
    """The statements the app's engine sends while the block runs (their SQL, without values)."""
    sent: list[str] = []
    engine_class = type(client.app.state.engine)
    with pytest.MonkeyPatch.context() as patch:
        for name in ("run_querystring", "run_ddl"):
            real = getattr(engine_class, name)

            async def spy(self: Any, query: Any, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
                sql = query if isinstance(query, str) else query.compile_string(self.engine_type)[0]
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


# --------------------------------------------------------------------------- what a space holds


def _in_transaction(client: Any, work: Callable[[], Any]) -> Any:
    async def go() -> Any:
        async with client.app.state.engine.transaction():
            return await work()

    return run(client, go)


def professional(client: Any, given: str, family: str, profession: str = "general_practitioner") -> uuid.UUID:
    return make_person(
        client, Role.PROFESSIONAL, given_names=given, family_name=family, profession=profession
    )


def join(client: Any, patient: uuid.UUID, pros: list[uuid.UUID]) -> None:
    async def work() -> None:
        me = key_owner(patient)
        for pro in pros:
            await add_to_circle(patient=patient, professional=pro, joined_by="invited")
            await audit.record(
                actor=me,
                area="circle",
                action="circle.add",
                outcome="allowed",
                subject=me,
                object_id=key_owner(pro),
            )

    _in_transaction(client, work)


def add_documents(client: Any, patient: uuid.UUID, authors: list[uuid.UUID], count: int) -> list[uuid.UUID]:
    """``count`` one-page documents, added by each of ``authors`` in turn (the patient's own
    or a professional's deposits)."""

    async def work() -> list[uuid.UUID]:
        made = []
        for number in range(count):
            title, category, day, _by_doctor, lines = DEMO_DOCUMENTS[number % len(DEMO_DOCUMENTS)]
            author = authors[number % len(authors)]
            details = Details(
                title=f"{title} {number}", category=category, document_date=day, media_type="application/pdf"
            )
            made.append(
                await add_document(
                    KEYRING,
                    patient=patient,
                    author=author,
                    author_role="patient" if author == patient else "professional",
                    details=details,
                    content=demo_pdf(title, lines),
                )
            )
        return made

    result: list[uuid.UUID] = _in_transaction(client, work)
    return result


def add_conversations(client: Any, patient: uuid.UUID, pros: list[uuid.UUID], count: int) -> list[uuid.UUID]:
    """``count`` conversations with ``patient``, each started by one of ``pros`` in turn."""

    async def work() -> list[uuid.UUID]:
        made = []
        now = datetime.now(UTC)
        for number in range(count):
            pro = pros[number % len(pros)]
            made.append(
                await start(
                    KEYRING,
                    patient=patient,
                    author=pro,
                    professionals=[pro],
                    subject=f"Vos résultats {number}",
                    body="Bonjour, tout est normal.",
                    attachments=[],
                    now=now - timedelta(days=count - number),
                )
            )
        return made

    result: list[uuid.UUID] = _in_transaction(client, work)
    return result


def add_replies(client: Any, conversation: uuid.UUID, people: list[uuid.UUID], count: int) -> None:
    """``count`` more messages in ``conversation``, written by each of ``people`` in turn."""

    async def work() -> None:
        now = datetime.now(UTC)
        for number in range(count):
            author = people[number % len(people)]
            place = await membership(conversation, author)
            assert place is not None
            await reply(
                KEYRING, place, author, f"Message {number}", [], now=now - timedelta(minutes=count - number)
            )

    _in_transaction(client, work)


def add_views(
    client: Any, patient: uuid.UUID, actors: list[uuid.UUID], document: uuid.UUID, count: int
) -> None:
    """``count`` events the activity shows: each of ``actors`` in turn looked at ``document``."""

    async def work() -> None:
        for number in range(count):
            await audit.record(
                actor=key_owner(actors[number % len(actors)]),
                area="documents",
                action="document.view",
                outcome="allowed",
                subject=key_owner(patient),
                object_id=f"document:{document}",
            )

    _in_transaction(client, work)


def add_appointments(client: Any, patient: uuid.UUID, days: list[date]) -> None:
    async def work() -> None:
        for number, day in enumerate(days):
            await add_appointment(
                KEYRING,
                patient=patient,
                author=patient,
                starts_at=datetime.combine(day, time(8 + number % 10, 30), tzinfo=ZoneInfo(ZONE)),
                details=Visit(f"Consultation {number}", "Dr Anne Martin", "Maison de santé, Guéret", ""),
                choices=[Choice(24 * 60, "email")],
                zone=ZONE,
            )

    _in_transaction(client, work)


def this_month(count: int) -> list[date]:
    """``count`` days of the current month (in the portal's zone), whatever today is."""
    first = datetime.now(ZoneInfo(ZONE)).date().replace(day=1)
    return [first + timedelta(days=number % 28) for number in range(count)]


@dataclass(frozen=True)
class Space:
    patient: uuid.UUID
    conversation: uuid.UUID


def demo_like(client: Any) -> Space:
    """A patient whose space holds what the demo's Jeanne has (``portal demo``)."""
    patient = make_person(client)
    doctor = professional(client, "Anne", "Martin")
    pharmacist = professional(client, "Paul", "Girard", "pharmacist")
    me = key_owner(patient)

    async def activated() -> None:
        await audit.record(actor="operator", area="account", action="invite", outcome="allowed", subject=me)
        await audit.record(actor=me, area="account", action="activate", outcome="allowed", subject=me)

    _in_transaction(client, activated)
    join(client, patient, [doctor, pharmacist])
    documents = add_documents(client, patient, [doctor, patient, patient, patient], len(DEMO_DOCUMENTS))
    _in_transaction(client, lambda: set_accepts_new(doctor, True))
    (conversation,) = add_conversations(client, patient, [doctor], 1)

    async def profile() -> None:
        for section, data, by_doctor in _ENTRIES + _measurements(date.today()):
            await add_entry(
                KEYRING,
                patient=patient,
                section=section,
                data=data,
                author=doctor if by_doctor else patient,
                author_role="professional" if by_doctor else "patient",
            )

    _in_transaction(client, profile)
    today = datetime.now(ZoneInfo(ZONE)).date()
    # Three this month whatever the day, and the demo's: in a week, in 19 days, 12 days ago.
    week, later, before = today + timedelta(days=7), today + timedelta(days=19), today - timedelta(days=12)
    add_appointments(client, patient, [*this_month(3), week, later, before])

    async def medicine_and_notes() -> None:
        await add_medicine(
            KEYRING,
            patient=patient,
            author=patient,
            details=Medicine("Metformine", "500 mg", "Pendant le repas"),
            at_times=[time(8, 0), time(19, 0)],
            first_day=today,
            last_day=None,
            channel="email",
            zone=ZONE,
        )
        shared = await add_note(
            KEYRING, patient, patient, "Questions pour le Dr Martin", "- Le paracétamol ?"
        )
        view = await get_note(KEYRING, patient, shared)
        assert view is not None
        await share(view, doctor, patient)
        await add_note(KEYRING, patient, patient, "Numéro du taxi", "05 55 00 00 00")

    _in_transaction(client, medicine_and_notes)
    # Her newest events: her doctor and her pharmacist looked at a document (the activity names them).
    add_views(client, patient, [doctor, pharmacist], documents[0], 2)
    return Space(patient, conversation)


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
