"""The access matrix's oracle: who should reach each page of the portal, declared here by
hand, independently of ``portal.core.access`` (the test must be able to disagree with it).

``ROUTES`` says, for every address of the app that is not public, whose page it is (its
*side*), which areas of the patient's record it touches, and what object of hers its
address names. ``reaches(rule, persona, method, names)`` turns that into the expected
answer for one person; ``MARKERS`` are the distinctive words written into her record, and
``sees(persona, marker)`` says who may ever read each of them. A new route missing
from ``ROUTES`` makes the matrix fail with a message asking to declare it.

The people (``personas()``): Jeanne the patient; a carer per delegable area, read only and
read and write (12); a legal representative (every area); a professional of each
profession in her circle, all in a conversation with her, and a colleague of her circle
who is not in it; a general practitioner she blocked (who is the doctor of
another patient); a professional outside her circle; another patient; a mediator; an
analyst; and nobody signed in.

Sides:

- ``space``: a page of the patient's own space (``/space/...``): the patient; a carer or
  legal representative whose delegation gives every area of the rule with the action
  asked, and every area of ``reads`` to read (no delegation gives the circle: sharing a
  note stays hers); another patient reaches the same address in *their own* space, unless
  the address names an object of Jeanne's (then 404).
- ``pro``: a page about a patient for the professionals of her circle whose profession
  has every area of the rule (``any_area``: one is enough), the profile section of the
  page, and the object (``only``: its author, or whom a note is shared with; ``hidden``:
  a document she hid from professionals).
- ``pro_own``: a professional's own work (their patients, their inbox, their settings):
  every professional, blocked or outside or not.
- ``mine``: what only the patient herself manages (circle, carers, activity, closing the
  space): never a carer, never a professional (another patient: their own, as above).
- ``person``: the signed-in person's own pages as a person (the people they help, "your
  space is ready"): the patient in her own space, never a carer while acting for
  someone, never a professional (another patient: their own, as above).
- ``in_a_space``: anyone in a space (the patient, a carer acting): leaving someone's space.
- ``signed_in``: anyone signed in (signing out, more time).
- ``mediator``, ``analyst``: their own pages.
- ``kiosk``: only a session begun on a kiosk terminal (none of these people).
- ``nobody``: an address whose object none of these people holds (an invitation token).

Action: READ for GET, WRITE otherwise; a GET that is a form to change or remove something
(``act=WRITE``) is a WRITE too, so a read-only carer does not get a form they cannot send.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from uuid import UUID

from portal.core.access import DELEGABLE_AREAS, PROFESSIONAL_AREAS, PROFILE_SECTIONS, Action, Area

DOCUMENTS, MESSAGES, PROFILE = Area.DOCUMENTS, Area.MESSAGES, Area.PROFILE
AGENDA, NOTES, CATALOGUE, CIRCLE = Area.AGENDA, Area.NOTES, Area.CATALOGUE, Area.CIRCLE
GP = "general_practitioner"
PROFESSIONS = ("general_practitioner", "specialist", "pharmacist", "nurse", "physiotherapist")

# --------------------------------------------------------------------------- what is hers


@dataclass(frozen=True)
class Marker:
    """A word written into one object of Jeanne's record. Who may see it: a carer reading
    any of ``areas``; a professional of her circle of one of ``professions``; with
    ``members``, the professionals of the conversation."""

    text: str
    areas: frozenset[Area]
    professions: frozenset[str] = frozenset()
    members: bool = False


def _professions_with(area: Area) -> frozenset[str]:
    return frozenset(p for p in PROFESSIONS if area in PROFESSIONAL_AREAS.get(p, frozenset()))


def _professions_reading(section: str) -> frozenset[str]:
    return frozenset(p for p in PROFESSIONS if section in PROFILE_SECTIONS.get(p, frozenset()))


# Her family name: everyone who reaches her record (a carer, a professional of her circle).
NAME = Marker("Quenouillard", frozenset(DELEGABLE_AREAS), frozenset(PROFESSIONS))
DOC = Marker("Qzradiodoc", frozenset({DOCUMENTS}), _professions_with(DOCUMENTS))
HIDDEN_DOC = Marker("Qzhiddendoc", frozenset({DOCUMENTS}))
DEPOSIT = Marker("Qzdepositdoc", frozenset({DOCUMENTS}), _professions_with(DOCUMENTS))
# Files sent in the conversation are documents of her library: their very names are for
# those who may read her documents (not a carer of the messages alone, nor a physiotherapist,
# nor anyone when she hid the file from professionals).
ATTACHMENT = Marker("Qzattachdoc", frozenset({DOCUMENTS}), _professions_with(DOCUMENTS))
HIDDEN_ATTACHMENT = Marker("Qzattachhidden", frozenset({DOCUMENTS}))
SUBJECT = Marker("Qzsubject", frozenset({MESSAGES}), members=True)
BODY = Marker("Qzmessagebody", frozenset({MESSAGES}), members=True)
SHARED_NOTE = Marker("Qznoteshared", frozenset({NOTES}), frozenset({GP}))
PRIVATE_NOTE = Marker("Qznoteprivate", frozenset({NOTES}))
ALLERGY = Marker("Qzallergy", frozenset({PROFILE}), _professions_reading("allergies"))
GP_ALLERGY = Marker("Qzgpallergy", frozenset({PROFILE}), _professions_reading("allergies"))
LIFESTYLE = Marker("Qzlifestyle", frozenset({PROFILE}), _professions_reading("lifestyle"))
APPOINTMENT = Marker("Qzappointment", frozenset({AGENDA}))
MEDICINE = Marker("Qzmedicine", frozenset({AGENDA}))
MARKERS = (
    NAME,
    DOC,
    HIDDEN_DOC,
    DEPOSIT,
    ATTACHMENT,
    HIDDEN_ATTACHMENT,
    SUBJECT,
    BODY,
    SHARED_NOTE,
    PRIVATE_NOTE,
    ALLERGY,
    GP_ALLERGY,
    LIFESTYLE,
    APPOINTMENT,
    MEDICINE,
)

# --------------------------------------------------------------------------- the people


@dataclass
class Persona:
    """One person of the matrix. ``kind``: patient, proxy (a carer or the legal
    representative, acting in her space), pro (of her circle), blocked, outside, other
    (another patient), mediator, analyst, anonymous."""

    key: str
    kind: str
    areas: dict[Area, Action] = field(default_factory=dict)
    profession: str | None = None
    member: bool = True  # a professional of her circle: one of the conversation
    account: UUID | None = None
    token: str | None = None


def personas() -> list[Persona]:
    """Every person of the matrix, without accounts yet (the test makes them)."""
    people = [Persona("patient", "patient")]
    for area in DELEGABLE_AREAS:
        for action in (Action.READ, Action.WRITE):
            people.append(Persona(f"carer {area.value}:{action.value}", "proxy", {area: action}))
    people.append(Persona("legal representative", "proxy", dict.fromkeys(DELEGABLE_AREAS, Action.WRITE)))
    for profession in PROFESSIONS:
        people.append(Persona(profession, "pro", profession=profession))
    people += [
        Persona("specialist outside the conversation", "pro", profession="specialist", member=False),
        Persona("blocked general_practitioner", "blocked", profession=GP),
        Persona("professional outside her circle", "outside", profession=GP),
        Persona("another patient", "other"),
        Persona("mediator", "mediator"),
        Persona("analyst", "analyst"),
        Persona("no session", "anonymous"),
    ]
    return people


def sees(persona: Persona, marker: Marker) -> bool:
    """Whether ``persona`` may ever read ``marker`` (on some page)."""
    if persona.kind == "patient":
        return True
    if persona.kind == "proxy":
        return bool(marker.areas & persona.areas.keys())
    if persona.kind == "pro":
        return persona.profession in marker.professions or (marker.members and persona.member)
    return False


# --------------------------------------------------------------------------- the routes

# What each path parameter is, by default: a kind of object of the world the test builds
# (``hers``: an object of Jeanne's record, so another patient gets a 404), or a literal.
PARAMETERS: Mapping[str, str] = MappingProxyType(
    {
        "document_id": "doc",
        "conversation": "conversation",
        "document": "attachment",
        "note": "shared_note",
        "entry_id": "allergy",
        "section": "=allergies",
        "appointment_id": "appointment",
        "reminder_id": "medicine",
        "consent": "consent",
        "patient": "jeanne",
        "professional": "circle_professional",
        "change": "=show",
        "delegation": "delegation",
        "account_id": "jeanne",
        "service": "=glyco-suivi",
        "slug": "=end",
        "link_id": "=00000000-0000-4000-8000-000000000000",
        "token": "=not-a-real-invitation",
    }
)
HERS = frozenset(
    {
        "doc",
        "hidden_doc",
        "deposit",
        "conversation",
        "attachment",
        "hidden_attachment",
        "shared_note",
        "private_note",
        "allergy",
        "gp_allergy",
        "appointment",
        "medicine",
        "consent",
        "jeanne",
        "circle_professional",
        "delegation",
    }
)


@dataclass(frozen=True)
class Rule:
    """Who reaches one address (see the module's docstring)."""

    side: str
    areas: tuple[Area, ...] = ()
    reads: tuple[Area, ...] = ()  # also needed, read only (filing the profile's summary reads it)
    any_area: bool = False
    act: Action | None = None  # the action whatever the method (a form to write is a WRITE)
    section: str | None = None
    only: frozenset[str] | None = None
    hidden: bool = False
    also: str | None = None  # a second side that reaches it too
    consumes: str | None = None  # the kind of object an allowed write uses up
    ends_session: bool = False
    form: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    label: str = ""

    def action(self, method: str) -> Action:
        if self.act is not None:
            return self.act
        return Action.READ if method in ("GET", "HEAD") else Action.WRITE

    def kinds(self, names: list[str]) -> dict[str, str]:
        """The object kind (or ``=literal``) of each path parameter in ``names``."""
        return {name: self.params.get(name, PARAMETERS[name]) for name in names}


def space(*areas: Area, **more: object) -> Rule:
    return Rule("space", areas, **more)  # type: ignore[arg-type]


def pro(*areas: Area, **more: object) -> Rule:
    return Rule("pro", areas, **more)  # type: ignore[arg-type]


def side(name: str, **more: object) -> Rule:
    return Rule(name, **more)  # type: ignore[arg-type]


W = {"act": Action.WRITE}
ONLY_GP = frozenset({GP})
MEMBERS = frozenset(PROFESSIONS)  # the keys of the professionals in her conversation
NOBODY = frozenset[str]()

# The one table: every address that is not public, with its rule (or its cases, each a
# different object of hers named in the address).
ROUTES: Mapping[str, Rule | tuple[Rule, ...]] = MappingProxyType(
    {
        # ---- the patient's space: home, circle, carers, activity, closing
        "/space": space(),
        "/space/activity": side("mine"),
        "/space/circle": side("mine"),
        "/space/circle/find": side("mine", act=Action.WRITE),
        "/space/circle/add": side("mine", form={"professional": "spare_professional"}),
        "/space/circle/{professional:uuid}/{change:str}": side("mine", params={"change": "=block"}),
        "/space/close": side("mine", act=Action.WRITE),
        "/space/carers": side("mine"),
        "/space/carers/invite": side("mine", act=Action.WRITE),
        "/space/carers/{delegation:uuid}/end": side("mine", consumes="delegation"),
        "/space/helping": side("person"),
        "/activate/done": side("person"),  # "your space is ready": the person themselves
        # Answering, ending, entering: only the carer of that delegation (none of these people).
        "/space/helping/{delegation:uuid}/answer": side("person", only=NOBODY, form={"answer": "=refuse"}),
        # A delegation ends from either side: the patient who gave it may end it here too.
        "/space/helping/{delegation:uuid}/end": side("person", consumes="delegation"),
        "/space/helping/{delegation:uuid}/enter": side("person", only=NOBODY, ends_session=True),
        "/space/acting-for/stop": side("in_a_space", ends_session=True),
        "/carers/accept/{token:str}": side("nobody"),
        # ---- documents
        "/space/documents": space(DOCUMENTS),
        "/space/documents/add": space(DOCUMENTS, **W),
        "/space/documents/bin": space(DOCUMENTS),
        "/space/documents/settings": space(DOCUMENTS),
        "/space/documents/{document_id:uuid}": space(DOCUMENTS),
        "/space/documents/{document_id:uuid}/file": space(DOCUMENTS),
        "/space/documents/{document_id:uuid}/print": space(DOCUMENTS),
        "/space/documents/{document_id:uuid}/{change:str}": space(DOCUMENTS),
        # ---- messages
        "/messages/unread": space(MESSAGES, also="pro_own"),
        "/space/messages": space(MESSAGES),
        "/space/messages/new": space(MESSAGES, **W),
        "/space/messages/new/draft": space(MESSAGES),
        "/space/messages/{conversation:uuid}": space(MESSAGES),
        "/space/messages/{conversation:uuid}/messages": space(MESSAGES),
        "/space/messages/{conversation:uuid}/reply": space(MESSAGES),
        "/space/messages/{conversation:uuid}/draft": space(MESSAGES),
        "/space/messages/{conversation:uuid}/archive": space(MESSAGES),
        "/space/messages/{conversation:uuid}/unarchive": space(MESSAGES),
        # A file sent in a message is a document: downloading it reads both areas.
        "/space/messages/{conversation:uuid}/attachments/{document:uuid}": (
            space(MESSAGES, DOCUMENTS, label="a file she sent"),
            space(MESSAGES, DOCUMENTS, label="a file she hid", params={"document": "hidden_attachment"}),
        ),
        "/pro/messages": side("pro_own"),
        "/pro/messages/settings": side("pro_own"),
        "/pro/messages/new": side("pro_own"),  # GET: the form, a professional chooses among their patients
        "/pro/messages/new/draft": pro(MESSAGES, form={"patient": "jeanne"}),
        # The conversation: the professionals in it (every profession of her circle), not
        # a colleague of her circle who is not.
        "/pro/messages/{conversation:uuid}": pro(MESSAGES, only=MEMBERS),
        "/pro/messages/{conversation:uuid}/messages": pro(MESSAGES, only=MEMBERS),
        "/pro/messages/{conversation:uuid}/reply": pro(MESSAGES, only=MEMBERS),
        "/pro/messages/{conversation:uuid}/draft": pro(MESSAGES, only=MEMBERS),
        "/pro/messages/{conversation:uuid}/close": pro(MESSAGES, only=MEMBERS),
        "/pro/messages/{conversation:uuid}/attachments/{document:uuid}": (
            pro(MESSAGES, DOCUMENTS, only=MEMBERS, label="a file she sent"),
            pro(
                MESSAGES,
                DOCUMENTS,
                only=MEMBERS,
                hidden=True,
                label="a file she hid from professionals",
                params={"document": "hidden_attachment"},
            ),
        ),
        # ---- notes
        "/space/notes": space(NOTES),
        "/space/notes/new": space(NOTES, **W),
        "/space/notes/new/draft": space(NOTES),
        "/space/notes/{note:uuid}": space(NOTES),
        "/space/notes/{note:uuid}/draft": space(NOTES),
        "/space/notes/{note:uuid}/forget": space(NOTES),
        # Whom a note goes to stays her choice: sharing also needs the circle, which no
        # delegation gives.
        "/space/notes/{note:uuid}/share": space(NOTES, reads=(CIRCLE,), form={"share_with": "gp"}),
        "/space/notes/{note:uuid}/unshare": space(NOTES, reads=(CIRCLE,)),
        "/space/notes/{note:uuid}/remove": space(NOTES, act=Action.WRITE, consumes="shared_note"),
        "/pro/patients/{patient:uuid}/notes": pro(NOTES),
        "/pro/patients/{patient:uuid}/notes/{note:uuid}": (
            pro(NOTES, only=ONLY_GP, label="a note shared with her doctor"),
            pro(NOTES, only=NOBODY, label="a note she shares with nobody", params={"note": "private_note"}),
        ),
        # ---- profile
        "/space/profile": space(PROFILE),
        "/space/profile/summary": space(PROFILE),
        "/space/profile/summary.pdf": space(PROFILE),
        "/space/profile/summary/file": space(DOCUMENTS, reads=(PROFILE,)),
        "/space/profile/{section:str}": space(PROFILE),
        "/space/profile/{section:str}/add": space(PROFILE, **W),
        "/space/profile/{section:str}/{entry_id:uuid}/edit": space(PROFILE, **W),
        "/space/profile/{section:str}/{entry_id:uuid}/remove": space(
            PROFILE, act=Action.WRITE, consumes="allergy"
        ),
        "/pro/patients/{patient:uuid}/profile": pro(PROFILE),
        # The summary starts with the treatments: a profession that may not read them does not get it.
        "/pro/patients/{patient:uuid}/profile/summary": pro(PROFILE, section="treatments"),
        "/pro/patients/{patient:uuid}/profile/summary.pdf": pro(PROFILE, section="treatments"),
        "/pro/patients/{patient:uuid}/profile/{section:str}": (
            pro(PROFILE, section="allergies", label="allergies"),
            pro(PROFILE, section="lifestyle", label="way of life", params={"section": "=lifestyle"}),
        ),
        "/pro/patients/{patient:uuid}/profile/{section:str}/add": pro(PROFILE, section="allergies", **W),
        # A professional changes or removes only what they entered: her doctor's entry.
        "/pro/patients/{patient:uuid}/profile/{section:str}/{entry_id:uuid}/edit": pro(
            PROFILE, section="allergies", only=ONLY_GP, params={"entry_id": "gp_allergy"}, **W
        ),
        "/pro/patients/{patient:uuid}/profile/{section:str}/{entry_id:uuid}/remove": pro(
            PROFILE,
            section="allergies",
            only=ONLY_GP,
            act=Action.WRITE,
            consumes="gp_allergy",
            params={"entry_id": "gp_allergy"},
        ),
        # ---- agenda
        "/space/agenda": space(AGENDA),
        "/space/agenda.ics": space(AGENDA),
        "/space/agenda/month": space(AGENDA),
        "/space/agenda/new": space(AGENDA, **W),
        "/space/agenda/{appointment_id:uuid}": space(AGENDA),
        "/space/agenda/{appointment_id:uuid}/change": space(AGENDA, **W),
        "/space/agenda/{appointment_id:uuid}/remove": space(AGENDA, act=Action.WRITE, consumes="appointment"),
        "/space/agenda/medicines": space(AGENDA),
        "/space/agenda/medicines/new": space(AGENDA, **W),
        "/space/agenda/medicines/{reminder_id:uuid}/change": space(AGENDA, **W),
        "/space/agenda/medicines/{reminder_id:uuid}/pause": space(AGENDA),
        "/space/agenda/medicines/{reminder_id:uuid}/resume": space(AGENDA),
        "/space/agenda/medicines/{reminder_id:uuid}/remove": space(
            AGENDA, act=Action.WRITE, consumes="medicine"
        ),
        # ---- connected services
        "/space/catalogue": space(CATALOGUE),
        "/space/catalogue/{service:str}": space(CATALOGUE),
        "/space/catalogue/{service:str}/connect": space(CATALOGUE, **W),
        # A report is about the service, not her record, and does not say who made it.
        "/space/catalogue/{service:str}/report": space(CATALOGUE, act=Action.READ),
        "/space/services": space(CATALOGUE),
        "/space/services/{consent:uuid}/disconnect": space(CATALOGUE, act=Action.WRITE, consumes="consent"),
        # ---- the professional's pages
        "/pro": side("pro_own"),
        "/pro/consultations": side("pro_own"),
        # Her page: her documents, or (a physiotherapist) the links to what the profession may use.
        "/pro/patients/{patient:uuid}": pro(DOCUMENTS, MESSAGES, any_area=True),
        "/pro/patients/{patient:uuid}/documents": pro(DOCUMENTS),
        "/pro/patients/{patient:uuid}/documents/{document_id:uuid}/file": (
            pro(DOCUMENTS, label="a document she added"),
            pro(DOCUMENTS, hidden=True, label="a document she hid", params={"document_id": "hidden_doc"}),
            pro(DOCUMENTS, label="a document her doctor deposited", params={"document_id": "deposit"}),
        ),
        # Only its author takes a deposited document back.
        "/pro/patients/{patient:uuid}/documents/{document_id:uuid}/withdraw": pro(
            DOCUMENTS, only=ONLY_GP, consumes="deposit", params={"document_id": "deposit"}
        ),
        # ---- everyone signed in
        "/sign-out": side("signed_in", ends_session=True),
        "/session/extend": side("signed_in"),
        "/kiosk/more-time": side("signed_in"),
        "/kiosk/phone": side("kiosk"),
        "/kiosk/phone/{link_id:uuid}": side("kiosk"),
        # ---- mediators and analysts
        "/mediator": side("mediator"),
        "/mediator/activated": side("mediator"),
        "/mediator/assist": side("mediator"),
        "/mediator/invite": side("mediator"),
        "/mediator/place": side("mediator"),
        "/mediator/tour": side("mediator"),
        "/mediator/tour/{slug:str}": side("mediator"),
        # A space this mediator made and that is not activated yet: not Jeanne's.
        "/mediator/invitations/{account_id:uuid}/activate": side("mediator", only=NOBODY),
        "/mediator/invitations/{account_id:uuid}/letter": side("mediator", only=NOBODY),
        "/agency": side("analyst"),
        "/agency/figures.csv": side("analyst"),
    }
)

# The new conversation's form and its sending share an address but not a rule: the form
# (GET) is the professional's own page; sending (POST) writes in the patient's record.
METHOD_RULES: Mapping[tuple[str, str], Rule] = MappingProxyType(
    {("/pro/messages/new", "POST"): pro(MESSAGES, form={"patient": "jeanne"})}
)


def cases(path: str, method: str) -> tuple[Rule, ...] | None:
    """The declared rule(s) of ``method path``, or None when it is not declared."""
    if (path, method) in METHOD_RULES:
        return (METHOD_RULES[(path, method)],)
    found = ROUTES.get(path)
    if found is None:
        return None
    return found if isinstance(found, tuple) else (found,)


def _names_hers(rule: Rule, names: list[str]) -> bool:
    kinds = list(rule.kinds(names).values()) + list(rule.form.values())
    return any(kind in HERS for kind in kinds)


def _delegated(persona: Persona, areas: tuple[Area, ...], action: Action, any_area: bool) -> bool:
    def has(area: Area) -> bool:
        given = persona.areas.get(area)
        return given is not None and (action is Action.READ or given is Action.WRITE)

    found = [has(area) for area in areas]
    return (any(found) if any_area else all(found)) if areas else True


def _side_reaches(name: str, rule: Rule, persona: Persona, action: Action, hers: bool) -> bool:
    kind = persona.kind
    if name == "space":
        if kind == "patient":
            return True
        if kind == "proxy":
            return _delegated(persona, rule.areas, action, rule.any_area) and _delegated(
                persona, rule.reads, Action.READ, False
            )
        return kind == "other" and not hers
    if name == "pro":
        if kind != "pro" or persona.profession is None:
            return False
        areas = PROFESSIONAL_AREAS.get(persona.profession, frozenset())
        wanted = [area in areas for area in (*rule.areas, *rule.reads)]
        if not (any(wanted) if rule.any_area else all(wanted)):
            return False
        if rule.section and rule.section not in PROFILE_SECTIONS.get(persona.profession, frozenset()):
            return False
        return not rule.hidden
    if name == "pro_own":
        return kind in ("pro", "blocked", "outside")
    if name == "mine":
        return kind == "patient" or (kind == "other" and not hers)
    if name == "person":
        return kind == "patient" or (kind == "other" and not hers)
    if name == "in_a_space":
        return kind in ("patient", "proxy", "other")
    if name == "signed_in":
        return kind != "anonymous"
    if name == "mediator":
        return kind == "mediator"
    if name == "analyst":
        return kind == "analyst"
    if name in ("kiosk", "nobody"):
        return False
    raise AssertionError(f"unknown side {name!r}")


def reaches(rule: Rule, persona: Persona, method: str, names: list[str]) -> bool:
    """Whether ``persona`` should reach ``method`` on an address of ``rule`` whose path
    parameters are ``names`` (False: a 404, or the sign-in page for nobody signed in)."""
    if persona.kind == "anonymous":
        return False
    action = rule.action(method)
    hers = _names_hers(rule, names)
    reached = any(_side_reaches(name, rule, persona, action, hers) for name in (rule.side, rule.also) if name)
    # The object's own rule: only its author, or whom it is shared with, among those the side lets in.
    return reached and (rule.only is None or persona.key in rule.only)
