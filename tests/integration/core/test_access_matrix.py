"""The access matrix: every address of the app, for every kind of person, answers what the
declared table (``tests/integration/core/matrix.py``) says, and shows nothing of the
patient's that the person may not read.

How it runs. Once per database (SQLite, and PostgreSQL when reachable), a module-scoped
world is built: Jeanne, her carers (one per delegable area, read only and read and
write), her legal representative, the professionals of her circle (one per profession,
all in a conversation with her, and a colleague who is not in it), a general practitioner
she blocked (the doctor of another patient), a professional outside her circle, another
patient, a mediator and an analyst; and her objects, made through the real pages as
Jeanne (or her doctor), each carrying a distinctive word (``matrix.MARKERS``): a
document, one hidden from professionals, one her doctor deposited, a conversation holding
two files (the second hidden from professionals), a note shared with her doctor and a
private one, profile entries (allergies, way of life, and one her doctor entered), an
appointment, a medicine reminder, a connected service, a spare delegation and a spare
professional of her circle. Every address is sent with the real ids of those objects in
its path (and, for a POST, a minimal form with the CSRF token).

Order, in four tests. First every read (GET): the people to refuse, held strictly (a
404, the sign-in page for nobody signed in, and none of her words in the body), then the
people who may read (neither 404, 403, 5xx nor the sign-in page, and none of her words
they may not read). Then every write the same way: the people to refuse first, so their
requests change nothing unless a hole lets one through (then whatever object it may have
used up is made again, so the rest still means something); then the people who may
write, whose minimal forms mostly come back with an error: only "past the door" (not
404, 403, 5xx nor the sign-in page) is asserted. All reads come before any write, so no
write can change what a read finds. A write that uses its object up (removing a note, an
entry, an appointment, a reminder, disconnecting a service, withdrawing a document,
ending a delegation) gets a fresh object of its own for each person allowed, so the next
person still finds theirs; writes that end a session (signing out, leaving someone's
space) come last, and the person is signed in again after.

Every failure is reported at once, grouped by address: the address (and which of her
objects it names), the person, what the table expects, and what came back.

The requests use a plain test client, not the page-checking one: the matrix sends some
three thousand requests and is about access, not markup (the feature tests check pages).
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar.handlers import HTTPRouteHandler
from litestar.testing import TestClient

from portal.app import create_app
from portal.circle.services import add_to_circle, set_blocked
from portal.core.access import DELEGABLE_AREAS, Action, Role, format_areas
from portal.core.sessions import cookie_name
from portal.settings import Settings
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.html import page as read_page
from tests.integration.core import matrix
from tests.integration.core.matrix import Persona, Rule
from tests.integration.core.test_routes_are_guarded import PUBLIC_ROUTES
from tests.people import act_for, delegate, make_person, run, sign_in_as, unique_rpps

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"m" * 2048
PARAMETER = re.compile(r"\{(\w+):[^}]+\}")
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


# --------------------------------------------------------------------------- the world


@dataclass
class World:
    """One database's people and objects, and the client that reaches them."""

    client: TestClient
    token: str  # the CSRF token every form sends
    people: dict[str, Persona]
    ids: dict[str, str] = field(default_factory=dict)
    makers: dict[str, Callable[[], str]] = field(default_factory=dict)
    signs_in: dict[str, Callable[[], str]] = field(default_factory=dict)

    def send(
        self,
        persona: Persona,
        method: str,
        path: str,
        form: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
    ) -> Any:
        """``method path`` as ``persona`` (their session alone in the cookie jar)."""
        client = self.client
        host = client.base_url.host
        client.cookies.clear()
        client.cookies.set("csrftoken", self.token, domain=host)
        if persona.token:
            client.cookies.set(cookie_name(client.app.state.settings), persona.token, domain=host)
        if method == "GET":
            return client.get(path, follow_redirects=False)
        data = {"_csrf_token": self.token, **(form or {})}
        return client.request(method, path, data=data, files=files, follow_redirects=False)

    def sign_in_again(self, persona: Persona) -> None:
        if persona.kind != "anonymous":
            persona.token = self.signs_in[persona.key]()


def _location(response: Any) -> str:
    return str(response.headers.get("location") or response.headers.get("hx-redirect") or "")


def _found(pattern: str, text: str, what: str) -> str:
    found = re.search(pattern, text)
    assert found, f"the matrix's world: no {what} in {text[:300]!r}"
    return found.group(1)


def _made(response: Any, pattern: str, what: str) -> str:
    assert response.status_code in (200, 303), f"making {what}: {response.status_code} {response.text[:800]}"
    return _found(pattern, _location(response), what)


def _ids_in(text: str, pattern: str) -> set[str]:
    """The ids ``pattern`` finds in the addresses the page links to or sends to."""
    return {
        found.group(1) for address in read_page(text).addresses() for found in re.finditer(pattern, address)
    }


def _build(client: TestClient) -> World:
    people = {p.key: p for p in matrix.personas()}
    world = World(client=client, token=csrf(client), people=people)
    ids = world.ids

    def person(
        role: Role = Role.PATIENT, given: str = "Claire", family: str = "Aidant", **more: Any
    ) -> uuid.UUID:
        return make_person(client, role, given_names=given, family_name=family, **more)

    def professional(profession: str, family: str) -> uuid.UUID:
        return person(Role.PROFESSIONAL, "Anne", family, profession=profession, rpps=unique_rpps())

    def join(patient: uuid.UUID, pro: uuid.UUID) -> None:
        async def go() -> None:
            async with client.app.state.engine.transaction():
                await add_to_circle(patient=patient, professional=pro, joined_by="invited")

        run(client, go)

    def signer(account: uuid.UUID, role: Role) -> Callable[[], str]:
        return lambda: sign_in_as(client, account, role)

    jeanne = person(given="Jeanne", family=matrix.NAME.text)
    other = person(given="Paul", family="Autrepatient")
    ids["jeanne"] = str(jeanne)
    for p in people.values():
        if p.kind == "patient":
            p.account = jeanne
            world.signs_in[p.key] = signer(jeanne, Role.PATIENT)
        elif p.kind == "proxy":
            p.account = person(family=f"Aidant {len(world.signs_in)}")
            legal = p.key == "legal representative"
            delegate(client, jeanne, p.account, format_areas(p.areas), legal_representative=legal)
            world.signs_in[p.key] = (lambda a: lambda: act_for(client, a, jeanne))(p.account)
        elif p.kind in ("pro", "blocked", "outside"):
            assert p.profession is not None
            p.account = professional(p.profession, f"Soignant {p.key}")
            world.signs_in[p.key] = signer(p.account, Role.PROFESSIONAL)
            if p.kind in ("pro", "blocked"):
                join(jeanne, p.account)
            if p.kind == "blocked":
                join(other, p.account)  # the doctor of another patient, whom Jeanne blocked
        elif p.kind == "other":
            p.account = other
            world.signs_in[p.key] = signer(other, Role.PATIENT)
        elif p.kind in ("mediator", "analyst"):
            role = Role.MEDIATOR if p.kind == "mediator" else Role.ANALYST
            p.account = person(role, "Marie", f"Equipe {p.kind}")
            world.signs_in[p.key] = signer(p.account, role)
        world.sign_in_again(p)
    gp_persona = people[matrix.GP]
    ids["gp"] = str(gp_persona.account)
    spare = professional(matrix.GP, "Soignant en plus")
    join(jeanne, spare)
    ids["circle_professional"] = str(spare)
    ids["spare_professional"] = str(professional("nurse", "Soignant pas encore"))

    me = people["patient"]
    gp = gp_persona

    def new_delegation() -> str:
        return str(delegate(client, jeanne, person(family="Aidant en plus"), "documents:read"))

    def add_document(title: str, persona: Persona = me, path: str = "/space/documents/add") -> Any:
        form = {
            "title": title,
            "category": "lab_results",
            "date-day": "3",
            "date-month": "3",
            "date-year": "2026",
        }
        return world.send(persona, "POST", path, form, {"file": ("scan.pdf", PDF, "application/pdf")})

    def hide(document: str) -> None:
        response = world.send(me, "POST", f"/space/documents/{document}/hide")
        assert response.status_code == 303, f"hiding a document: {response.status_code} {response.text[:500]}"

    def new_note(marker: matrix.Marker, share: bool) -> str:
        form = {"title": f"{marker.text} questions", "body": f"{marker.text} pour le docteur"}
        note = _made(world.send(me, "POST", "/space/notes/new", form), rf"/space/notes/({UUID})", "a note")
        if share:
            shared = world.send(me, "POST", f"/space/notes/{note}/share", {"share_with": ids["gp"]})
            assert shared.status_code == 303, f"sharing a note: {shared.status_code} {shared.text[:500]}"
        return note

    def new_entry(persona: Persona, base: str, section: str, form: dict[str, str]) -> str:
        response = world.send(persona, "POST", f"{base}/{section}/add", form)
        return _made(response, rf"[?&]entry=({UUID})", f"a {section} entry")

    allergy = {"kind": "allergy", "reaction": "Urticaire", "severity": "severe"}

    def new_appointment() -> str:
        form = {
            "date-day": "4",
            "date-month": "4",
            "date-year": "2031",
            "time": "11h00",
            "title": f"{matrix.APPOINTMENT.text} cardiologue",
            "with_whom": "Dr Lefèvre",
            "where": "Hôpital",
            "notes": "",
        }
        response = world.send(me, "POST", "/space/agenda/new", form)
        return _made(response, rf"/space/agenda/({UUID})", "an appointment")

    def new_medicine() -> str:
        pattern = rf"/space/agenda/medicines/({UUID})/"
        before = _ids_in(world.send(me, "GET", "/space/agenda/medicines").text, pattern)
        form = {
            "medicine": matrix.MEDICINE.text,
            "dose": "75 mg",
            "times": "07:30",
            "first-day": "1",
            "first-month": "1",
            "first-year": "2031",
            "channel": "email",
            "note": "",
        }
        response = world.send(me, "POST", "/space/agenda/medicines/new", form)
        assert response.status_code == 303, (
            f"a medicine reminder: {response.status_code} {response.text[:800]}"
        )
        after = _ids_in(world.send(me, "GET", "/space/agenda/medicines").text, pattern)
        return (after - before).pop()

    def new_consent() -> str:
        pattern = rf"/space/services/({UUID})/disconnect"
        before = _ids_in(world.send(me, "GET", "/space/services").text, pattern)
        form = {"kinds": ["profile:measurements"], "action": "review"}
        for action in ("review", "confirm"):
            response = world.send(
                me, "POST", "/space/catalogue/glyco-suivi/connect", {**form, "action": action}
            )
            assert response.status_code == 200, f"connecting a service: {response.status_code}"
        after = _ids_in(world.send(me, "GET", "/space/services").text, pattern)
        return (after - before).pop()

    def new_deposit() -> str:
        page = f"/pro/patients/{jeanne}"
        pattern = rf"{page}/documents/({UUID})/withdraw"
        before = _ids_in(world.send(gp, "GET", page).text, pattern)
        response = add_document(f"{matrix.DEPOSIT.text} compte rendu", gp, f"{page}/documents")
        assert response.status_code == 303, f"depositing: {response.status_code} {response.text[:800]}"
        after = _ids_in(world.send(gp, "GET", page).text, pattern)
        return (after - before).pop()

    # Documents.
    document = rf"/space/documents/({UUID})"
    ids["doc"] = _made(add_document(f"{matrix.DOC.text} genou"), document, "a document")
    ids["hidden_doc"] = _made(add_document(f"{matrix.HIDDEN_DOC.text} secret"), document, "a document")
    hide(ids["hidden_doc"])
    world.makers["deposit"] = new_deposit
    ids["deposit"] = new_deposit()
    # A conversation with every professional of her circle (who accept one), with two files.
    members = [p for p in people.values() if p.kind in ("pro", "blocked") and p.member]
    for p in members:
        answer = world.send(p, "POST", "/pro/messages/settings", {"accepts_new": "1"})
        assert answer.status_code == 303, f"accepting new conversations: {answer.status_code}"
    form = {
        "to": [str(p.account) for p in members],
        "subject": f"{matrix.SUBJECT.text} prise de sang",
        "body": f"{matrix.BODY.text} bonjour docteur",
        "category": "lab_results",
        "action": "send",
    }
    files = {"file": (f"{matrix.ATTACHMENT.text}.pdf", PDF, "application/pdf")}
    sent = world.send(me, "POST", "/space/messages/new", form, files)
    conversation = ids["conversation"] = _made(sent, rf"/space/messages/({UUID})", "a conversation")
    attachments = rf"/space/messages/{conversation}/attachments/({UUID})"
    first = _ids_in(world.send(me, "GET", f"/space/messages/{conversation}").text, attachments)
    assert len(first) == 1, f"the conversation's file: {first}"
    ids["attachment"] = first.pop()
    files = {"file": (f"{matrix.HIDDEN_ATTACHMENT.text}.pdf", PDF, "application/pdf")}
    reply = {"body": "Un autre fichier", "category": "lab_results", "action": "send"}
    answered = world.send(me, "POST", f"/space/messages/{conversation}/reply", reply, files)
    assert answered.status_code == 303, f"replying with a file: {answered.status_code} {answered.text[:800]}"
    both = _ids_in(world.send(me, "GET", f"/space/messages/{conversation}").text, attachments)
    ids["hidden_attachment"] = (both - {ids["attachment"]}).pop()
    hide(ids["hidden_attachment"])

    # Now she blocks one of them.
    async def block() -> None:
        async with client.app.state.engine.transaction():
            blocked = people["blocked general_practitioner"].account
            assert blocked is not None
            await set_blocked(patient=jeanne, professional=blocked, blocked=True)

    run(client, block)
    # Notes, profile, agenda, a connected service, a spare delegation.
    world.makers["shared_note"] = lambda: new_note(matrix.SHARED_NOTE, share=True)
    ids["shared_note"] = world.makers["shared_note"]()
    ids["private_note"] = new_note(matrix.PRIVATE_NOTE, share=False)
    world.makers["allergy"] = lambda: new_entry(
        me, "/space/profile", "allergies", {"substance": matrix.ALLERGY.text, **allergy}
    )
    ids["allergy"] = world.makers["allergy"]()
    new_entry(me, "/space/profile", "lifestyle", {"topic": "tobacco", "details": matrix.LIFESTYLE.text})
    world.makers["gp_allergy"] = lambda: new_entry(
        gp, f"/pro/patients/{jeanne}/profile", "allergies", {"substance": matrix.GP_ALLERGY.text, **allergy}
    )
    ids["gp_allergy"] = world.makers["gp_allergy"]()
    world.makers["appointment"] = new_appointment
    ids["appointment"] = new_appointment()
    world.makers["medicine"] = new_medicine
    ids["medicine"] = new_medicine()
    world.makers["consent"] = new_consent
    ids["consent"] = new_consent()
    world.makers["delegation"] = new_delegation
    ids["delegation"] = new_delegation()
    return world


@pytest.fixture(scope="module")
def world(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The people and objects of the matrix, made once per database."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("matrix"),
        database_url=database_url,
        migrate_on_start=False,
        master_key=base64.b64encode(TEST_MASTER_KEY).decode(),
        default_locale="en",
    )
    with TestClient(create_app(settings), base_url="http://testserver.local") as client:
        yield _build(client)


# --------------------------------------------------------------------------- the route table


@dataclass(frozen=True)
class Case:
    path: str
    method: str
    rule: Rule

    @property
    def names(self) -> list[str]:
        return PARAMETER.findall(self.path)

    @property
    def title(self) -> str:
        return f"{self.method} {self.path}" + (f" [{self.rule.label}]" if self.rule.label else "")

    def address(self, world: World, fresh: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
        """The real address (her objects' ids in it) and the minimal form."""

        def value(kind: str) -> str:
            if kind.startswith("="):
                return kind[1:]
            return (fresh or {}).get(kind) or world.ids[kind]

        kinds = self.rule.kinds(self.names)
        path = PARAMETER.sub(lambda m: value(kinds[m.group(1)]), self.path)
        return path, {name: value(kind) for name, kind in self.rule.form.items()}


def app_routes(app: Any) -> Iterator[tuple[str, str]]:
    """Every (path, method) of the app that the matrix covers: not public, not static."""
    for route in app.routes:
        for handler in route.route_handlers:
            if not isinstance(handler, HTTPRouteHandler):
                continue
            for method in sorted(handler.http_methods):
                if method == "OPTIONS" or route.path.startswith("/static"):
                    continue
                if (route.path, method) not in PUBLIC_ROUTES:
                    yield route.path, method


def all_cases(app: Any) -> list[Case]:
    found = []
    for path, method in app_routes(app):
        for rule in matrix.cases(path, method) or ():
            found.append(Case(path, method, rule))
    return found


def test_every_route_of_the_app_is_declared_in_the_matrix(world):
    routes = list(app_routes(world.client.app))
    undeclared = [f"{method} {path}" for path, method in routes if matrix.cases(path, method) is None]
    assert not undeclared, (
        "Declare these routes in tests/integration/core/matrix.py ROUTES (whose page it is, the areas "
        "it touches, the object of hers its address names), or make them public on purpose "
        "(tests/integration/core/test_routes_are_guarded.py PUBLIC_ROUTES):\n" + "\n".join(undeclared)
    )
    paths = {path for path, _ in routes}
    stale = sorted(set(matrix.ROUTES) - paths) + [
        f"{m} {p}" for p, m in matrix.METHOD_RULES if (p, m) not in set(routes)
    ]
    assert not stale, "The matrix declares routes the app does not have: " + ", ".join(stale)


# --------------------------------------------------------------------------- asking and judging


@dataclass(frozen=True)
class Failure:
    case: Case
    persona: str
    expected: str
    got: str


def _signs_in(response: Any) -> bool:
    location = _location(response)
    return response.status_code == 401 or (
        response.status_code in (302, 303, 307) and location.split("?")[0].endswith("/sign-in")
    )


def _words(persona: Persona, response: Any, refused: bool) -> list[str]:
    """Her words in the body that ``persona`` may not read (when refused: any of her
    record's words, her name aside for those who may know it)."""
    body = response.content.lower()
    return [
        m.text
        for m in matrix.MARKERS
        if m.text.lower().encode() in body
        and (not matrix.sees(persona, m) or (refused and m is not matrix.NAME))
    ]


def judge(case: Case, persona: Persona, reach: bool, response: Any) -> Failure | None:
    status = response.status_code
    got = f"{status}" + (f" to {_location(response)}" if _location(response) else "")
    if persona.kind == "anonymous":
        expected, fine = "the sign-in page", _signs_in(response)
        leaked = _words(persona, response, True)
    elif reach:
        expected = "reached (not 404/403/5xx nor the sign-in page)"
        fine = status not in (403, 404) and status < 500 and not _signs_in(response)
        leaked = _words(persona, response, False)
    else:
        expected, fine = "404", status == 404
        leaked = _words(persona, response, True)
    if fine and not leaked:
        return None
    if leaked:
        got += " showing " + ", ".join(leaked)
    return Failure(case, persona.key, expected, got)


def report(failures: list[Failure]) -> str:
    """The failures grouped by address, one line per person."""
    by_case: dict[str, list[Failure]] = {}
    for failure in failures:
        by_case.setdefault(failure.case.title, []).append(failure)
    lines = [f"{len(failures)} answers differ from the matrix ({len(by_case)} addresses):"]
    for title, found in by_case.items():
        lines.append(title)
        lines += [f"    {f.persona}: expected {f.expected}, got {f.got}" for f in found]
    return "\n".join(lines)


def _ask(world: World, case: Case, persona: Persona, reach: bool) -> Failure | None:
    """Send one request and judge it; make again what a write may have used up, and sign
    the person in again after a request that ends sessions."""
    fresh: dict[str, str] = {}
    consumes = case.rule.consumes if case.method != "GET" else None
    if consumes and reach:
        fresh[consumes] = world.makers[consumes]()  # their own object, so the others keep theirs
    path, form = case.address(world, fresh)
    response = world.send(persona, case.method, path, form)
    if consumes and not reach and response.status_code != 404 and not _signs_in(response):
        world.ids[consumes] = world.makers[consumes]()  # a hole may have used it up
    if case.rule.ends_session or _signs_in(response):
        world.sign_in_again(persona)
    return judge(case, persona, reach, response)


def _run(world: World, reach: bool, writes: bool) -> list[Failure]:
    """Ask every address (its GETs, or its writes) as every person the table expects to be
    refused (``reach=False``) or to reach it (``reach=True``)."""
    cases = [c for c in all_cases(world.client.app) if (c.method != "GET") is writes]
    # Writes that use their object up, then those that end a session, go last.
    cases.sort(key=lambda c: (c.rule.ends_session, c.rule.consumes is not None))
    failures = []
    for case in cases:
        for persona in world.people.values():
            if matrix.reaches(case.rule, persona, case.method, case.names) is reach:
                failure = _ask(world, case, persona, reach)
                if failure:
                    failures.append(failure)
    return failures


# --------------------------------------------------------------------------- the matrix


def test_the_world_is_what_the_matrix_needs(world):
    # Every delegable area has a carer read only and one read and write; the legal
    # representative has them all.
    carers = {(a, act) for p in world.people.values() if p.kind == "proxy" for a, act in p.areas.items()}
    assert carers >= {(a, act) for a in DELEGABLE_AREAS for act in (Action.READ, Action.WRITE)}
    # Her words show where they should, so that their absence elsewhere means something.
    ids = world.ids
    jeanne, conversation = ids["jeanne"], ids["conversation"]
    shown = {
        ("patient", "/space/documents"): (
            matrix.DOC,
            matrix.HIDDEN_DOC,
            matrix.DEPOSIT,
            matrix.ATTACHMENT,
            matrix.HIDDEN_ATTACHMENT,
        ),
        ("patient", "/space/messages"): (matrix.SUBJECT,),
        ("patient", f"/space/messages/{conversation}"): (
            matrix.BODY,
            matrix.ATTACHMENT,
            matrix.HIDDEN_ATTACHMENT,
        ),
        ("patient", "/space/notes"): (matrix.SHARED_NOTE, matrix.PRIVATE_NOTE),
        ("patient", "/space/profile/allergies"): (matrix.ALLERGY, matrix.GP_ALLERGY),
        ("patient", "/space/profile/lifestyle"): (matrix.LIFESTYLE,),
        ("patient", "/space/agenda"): (matrix.APPOINTMENT,),
        ("patient", "/space/agenda/medicines"): (matrix.MEDICINE,),
        (matrix.GP, "/pro"): (matrix.NAME,),
        (matrix.GP, "/pro/messages"): (matrix.SUBJECT,),
        (matrix.GP, f"/pro/patients/{jeanne}"): (matrix.DOC, matrix.DEPOSIT, matrix.ATTACHMENT),
        (matrix.GP, f"/pro/patients/{jeanne}/notes/{ids['shared_note']}"): (matrix.SHARED_NOTE,),
        (matrix.GP, f"/pro/messages/{conversation}"): (matrix.BODY, matrix.ATTACHMENT),
        ("physiotherapist", f"/pro/messages/{conversation}"): (matrix.BODY,),
        ("physiotherapist", f"/pro/patients/{jeanne}/profile/lifestyle"): (matrix.LIFESTYLE,),
    }
    missing = []
    for (key, path), markers in shown.items():
        page = world.send(world.people[key], "GET", path)
        missing += [f"{key} {path}: {m.text}" for m in markers if m.text not in page.text]
    assert not missing, "\n".join(missing)


# Every read comes before any write (a write a hole let through cannot change what a read
# finds), and, among the writes, the people to refuse come first.


def test_whoever_may_not_read_a_page_gets_a_404_and_nothing_of_hers(world):
    failures = _run(world, reach=False, writes=False)
    assert not failures, report(failures)


def test_whoever_may_read_a_page_reads_it_and_nothing_of_hers_they_may_not(world):
    failures = _run(world, reach=True, writes=False)
    assert not failures, report(failures)


def test_whoever_may_not_write_gets_a_404_and_nothing_of_hers(world):
    failures = _run(world, reach=False, writes=True)
    assert not failures, report(failures)


def test_whoever_may_write_reaches_the_door_behind_it(world):
    failures = _run(world, reach=True, writes=True)
    assert not failures, report(failures)


def test_the_matrix_itself_can_fail():
    """The oracle is not the policy: a carer of the messages alone may not download a file
    sent in a message, nor a physiotherapist; the blocked doctor reaches nothing of hers."""
    attachment = "/space/messages/{conversation:uuid}/attachments/{document:uuid}"
    people = {p.key: p for p in matrix.personas()}
    (visible, _hidden) = matrix.cases(attachment, "GET") or ()
    names = PARAMETER.findall(attachment)
    assert not matrix.reaches(visible, people["carer messages:write"], "GET", names)
    assert matrix.reaches(visible, people["legal representative"], "GET", names)
    (pro_file, pro_hidden) = matrix.cases(attachment.replace("/space", "/pro"), "GET") or ()
    assert not matrix.reaches(pro_file, people["physiotherapist"], "GET", names)
    assert matrix.reaches(pro_file, people["nurse"], "GET", names)
    assert not matrix.reaches(pro_hidden, people[matrix.GP], "GET", names)
    assert not matrix.reaches(pro_file, people["blocked general_practitioner"], "GET", names)
    # A read-only carer is refused a write, and a form to write.
    (notes,) = matrix.cases("/space/notes/new", "GET") or ()
    assert not matrix.reaches(notes, people["carer notes:read"], "GET", [])
    assert matrix.reaches(notes, people["carer notes:write"], "GET", [])
    # Another patient reaches their own notes, not hers.
    (note,) = matrix.cases("/space/notes/{note:uuid}", "GET") or ()
    assert matrix.reaches(notes, people["another patient"], "GET", [])
    assert not matrix.reaches(note, people["another patient"], "GET", ["note"])
