"""Notes: the patient's own pages (under /space/notes) and, for the professional a note is
shared with, a page of the notes a patient shares with them (under /pro/patients).

A patient writes, changes and removes their notes, and shares one with at most one
professional of their care circle at a time. With htmx what is typed is kept as a draft
as one types (the answer is only the small status saying when), saving a note's changes,
or a form with mistakes, replaces the page's main part in place (a new note once saved
loads its own page), and sharing replaces only the sharing part; without it every action
is a plain form. A professional reads the notes shared with them and nothing
else: anything else is a 404, audited.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.accounts.people import Person, actor_of, names_of
from portal.circle.services import members_of
from portal.core.access import PROFESSIONAL_AREAS, Action, Area, Role, require
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.core.sessions import requires_role, signed_in
from portal.core.web import is_htmx, page
from portal.notes import services

BASE = "/space/notes"
PATIENTS = [requires_role(Role.PATIENT)]
PROFESSIONALS = [requires_role(Role.PROFESSIONAL)]
DONE = frozenset({"added", "saved", "forgotten", "shared", "unshared", "removed"})


def _keyring(request: Request[Any, Any, Any]) -> Keyring:
    return Keyring(request.app.state.master_key)


def _done(request: Request[Any, Any, Any]) -> str | None:
    done = request.query_params.get("done")
    return done if done in DONE else None


async def _patient(
    request: Request[Any, Any, Any], action: Action, note: uuid.UUID | None = None
) -> uuid.UUID:
    """The signed-in patient, once the access policy let them ``action`` in their notes."""
    user = signed_in(request)
    await require(await actor_of(user), user.account_id, Area.NOTES, action, services.object_id(note))
    return user.account_id


async def _own(request: Request[Any, Any, Any], note: uuid.UUID, action: Action) -> services.NoteView:
    """One of the signed-in patient's notes; another's, or none, is a 404 (audited)."""
    patient = await _patient(request, action, note)
    found = await services.get_note(_keyring(request), patient, note)
    if found is None:
        await services.record(patient, patient, f"note.{action.value}", note, "denied")
        raise NotFoundException()
    return found


# --------------------------------------------------------------------------- what is typed


class Written:
    """A note's form, checked: errors by field (in the order of the page) and what was typed."""

    def __init__(self, form: Any) -> None:
        self.title = " ".join(str(form.get("title", "")).split())
        self.body = str(form.get("body", "")).replace("\r\n", "\n").strip()
        self.errors: dict[str, str] = {}

    @property
    def values(self) -> dict[str, str]:
        return {"title": self.title, "body": self.body}

    @property
    def draft(self) -> services.Draft:
        return services.Draft(title=self.title, body=self.body)

    def check(self) -> dict[str, str]:
        if not self.title:
            self.errors["title"] = _('Give your note a title, for example "Questions for Dr Martin".')
        elif len(self.title) > services.TITLE_MAX:
            self.errors["title"] = _(
                "The title is %(length)d characters long: write at most %(count)d.",
                length=len(self.title),
                count=services.TITLE_MAX,
            )
        if not self.body:
            self.errors["body"] = _("Write the text of your note.")
        elif len(self.body) > services.BODY_MAX:
            self.errors["body"] = _(
                "Your note is %(length)d characters long: the longest is %(count)d. "
                "Shorten it, or write the rest in a second note.",
                length=len(self.body),
                count=services.BODY_MAX,
            )
        return self.errors


def _typed(form: Any) -> services.Draft:
    """What an autosave sends, kept as it is (a draft is checked only when saved)."""
    return services.Draft(
        title=str(form.get("title", "")), body=str(form.get("body", "")).replace("\r\n", "\n")
    )


# --------------------------------------------------------------------------- sharing


def _may_read_notes(person: Person) -> bool:
    return Area.NOTES in PROFESSIONAL_AREAS.get(person.profession or "", frozenset())


async def _sharing(keyring: Keyring, note: services.NoteView) -> dict[str, Any]:
    """Who the note may be shared with (the professionals of the circle who are not
    blocked), and who it is shared with now, and whether they can see it."""
    members = await members_of(keyring, note.patient)
    choices = [m.person for m in members if m.blocked_at is None and _may_read_notes(m.person)]
    shared_person: Person | None = None
    standing = None
    if note.shared_with is not None:
        member = next((m for m in members if m.person.account_id == note.shared_with), None)
        if member is not None:
            shared_person, standing = member.person, "blocked" if member.blocked_at else "member"
        else:
            shared_person, standing = (
                (await names_of(keyring, [note.shared_with])).get(note.shared_with),
                "outside",
            )
    return {
        "choices": [(str(p.account_id), p.described) for p in choices],
        "shared_person": shared_person,
        "standing": standing,
    }


async def _shared_names(
    keyring: Keyring, patient: uuid.UUID, notes: list[services.NoteView]
) -> dict[uuid.UUID, str]:
    """For the list: who each shared note is shared with, and whether they can see it."""
    wanted = {n.shared_with for n in notes if n.shared_with is not None}
    if not wanted:
        return {}
    members = {m.person.account_id: m for m in await members_of(keyring, patient)}
    others = await names_of(keyring, [w for w in wanted if w not in members])
    names: dict[uuid.UUID, str] = {}
    for account in wanted:
        member = members.get(account)
        if member is not None and member.blocked_at is None:
            names[account] = member.person.described
        elif member is not None:
            names[account] = _("%(name)s (blocked: they cannot see it)", name=member.person.described)
        elif account in others:
            names[account] = _(
                "%(name)s (no longer in your care circle: they cannot see it)", name=others[account].described
            )
    return names


# --------------------------------------------------------------------------- the patient's pages


@get(BASE, name="notes", guards=PATIENTS)
async def show_notes(request: Request[Any, Any, Any]) -> Template:
    patient = await _patient(request, Action.READ)
    keyring = _keyring(request)
    notes = await services.notes_of(keyring, patient)
    if notes:
        await services.record(patient, patient, "note.list", None)
    return page(
        request,
        "notes/notes.html",
        notes=notes,
        shared_names=await _shared_names(keyring, patient, notes),
        begun=await services.new_draft(keyring, patient),
        done=_done(request),
    )


def _new_page(
    request: Request[Any, Any, Any],
    *,
    values: dict[str, str],
    saved_at: Any = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    return page(
        request,
        "notes/new.html",
        status=status,
        values=values,
        saved_at=saved_at,
        errors=errors or {},
        title_max=services.TITLE_MAX,
        body_max=services.BODY_MAX,
    )


@get(BASE + "/new", name="new_note", guards=PATIENTS)
async def new_note(request: Request[Any, Any, Any]) -> Template:
    patient = await _patient(request, Action.WRITE)
    draft = await services.new_draft(_keyring(request), patient)
    if draft is None:
        return _new_page(request, values={"title": "", "body": ""})
    await services.record(patient, patient, "note.read", None)
    return _new_page(request, values={"title": draft.title, "body": draft.body}, saved_at=draft.saved_at)


@post(BASE + "/new", name="add_note", guards=PATIENTS, status_code=303)
async def add_note(request: Request[Any, Any, Any]) -> Response[Any]:
    patient = await _patient(request, Action.WRITE)
    keyring = _keyring(request)
    written = Written(await request.form())
    if written.check():
        # Nothing typed is lost: the draft keeps it, and the page shows it again.
        saved_at = await services.save_draft(keyring, patient, None, written.draft)
        return _new_page(request, values=written.values, saved_at=saved_at, errors=written.errors, status=400)
    note = await services.add_note(keyring, patient, written.title, written.body)
    where = f"{BASE}/{note}?done=added"
    if is_htmx(request):
        # A new address: the whole page goes there, so that nothing on it (the display
        # forms' way back) still points at the form.
        return Response(content=b"", status_code=200, headers={"HX-Redirect": where})
    return Redirect(path=where, status_code=303)


@post(BASE + "/new/draft", name="new_note_draft", guards=PATIENTS)
async def new_note_draft(request: Request[Any, Any, Any]) -> Template:
    """Keep a new note's text as it is typed (htmx): the answer is only the status."""
    patient = await _patient(request, Action.WRITE)
    saved_at = await services.save_draft(_keyring(request), patient, None, _typed(await request.form()))
    return page(request, "notes/_draft_status.html", saved_at=saved_at)


async def _note_page(
    request: Request[Any, Any, Any],
    note: services.NoteView,
    *,
    written: Written | None = None,
    saved_at: Any = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    fragment: str | None = None,
    done: str | None = None,
) -> Template:
    if written is not None:
        values, has_draft = written.values, True
    elif note.draft is not None:
        values, has_draft = {"title": note.draft.title, "body": note.draft.body}, True
        saved_at = note.draft.saved_at
    else:
        values, has_draft = {"title": note.title, "body": note.body}, False
    return page(
        request,
        "notes/note.html",
        fragment=fragment,
        status=status,
        note=note,
        values=values,
        has_draft=has_draft,
        saved_at=saved_at,
        errors=errors or {},
        in_place=fragment is not None and is_htmx(request),
        done=done,
        title_max=services.TITLE_MAX,
        body_max=services.BODY_MAX,
        **await _sharing(_keyring(request), note),
    )


@get(BASE + "/{note:uuid}", name="note", guards=PATIENTS)
async def show_note(request: Request[Any, Any, Any], note: FromPath[uuid.UUID]) -> Template:
    found = await _own(request, note, Action.READ)
    await services.record(found.patient, found.patient, "note.read", found.id)
    return await _note_page(request, found, done=_done(request))


@post(BASE + "/{note:uuid}", name="change_note", guards=PATIENTS, status_code=303)
async def change_note(request: Request[Any, Any, Any], note: FromPath[uuid.UUID]) -> Response[Any]:
    found = await _own(request, note, Action.WRITE)
    keyring = _keyring(request)
    written = Written(await request.form())
    if written.check():
        saved_at = await services.save_draft(keyring, found.patient, found, written.draft)
        return await _note_page(
            request, found, written=written, saved_at=saved_at, errors=written.errors, status=400
        )
    await services.change_note(keyring, found, written.title, written.body)
    # With htmx the browser follows this, and the note's main part is replaced in place.
    return Redirect(path=f"{BASE}/{found.id}?done=saved", status_code=303)


@post(BASE + "/{note:uuid}/draft", name="note_draft", guards=PATIENTS)
async def note_draft(request: Request[Any, Any, Any], note: FromPath[uuid.UUID]) -> Template:
    """Keep a note's changes as they are typed (htmx): the answer is only the status."""
    found = await _own(request, note, Action.WRITE)
    saved_at = await services.save_draft(
        _keyring(request), found.patient, found, _typed(await request.form())
    )
    return page(request, "notes/_draft_status.html", saved_at=saved_at)


@post(BASE + "/{note:uuid}/forget", name="forget_note_changes", guards=PATIENTS, status_code=303)
async def forget_changes(request: Request[Any, Any, Any], note: FromPath[uuid.UUID]) -> Redirect:
    """Drop the changes not saved: the note as it was saved comes back in the form."""
    found = await _own(request, note, Action.WRITE)
    if found.draft is not None:
        await services.forget_draft(_keyring(request), found)
    return Redirect(path=f"{BASE}/{found.id}?done=forgotten", status_code=303)


async def _after_sharing(request: Request[Any, Any, Any], note: uuid.UUID, done: str) -> Response[Any]:
    """With htmx, the sharing part of the page, replaced in place; without, the page."""
    if is_htmx(request):
        found = await services.get_note(_keyring(request), signed_in(request).account_id, note)
        assert found is not None
        return await _note_page(request, found, fragment="notes/_sharing.html", done=done)
    return Redirect(path=f"{BASE}/{note}?done={done}#sharing", status_code=303)


@post(BASE + "/{note:uuid}/share", name="share_note", guards=PATIENTS, status_code=303)
async def share_note(request: Request[Any, Any, Any], note: FromPath[uuid.UUID]) -> Response[Any]:
    """Share the note with one professional of the circle (instead of anyone before)."""
    found = await _own(request, note, Action.WRITE)
    form = await request.form()
    chosen = str(form.get("share_with", ""))
    sharing = await _sharing(_keyring(request), found)
    if chosen not in {value for value, _text in sharing["choices"]}:
        # Nobody chosen, or someone who is not (or no longer) a professional of the circle
        # who may be shared with: nothing changes.
        message = (
            _("Choose the professional to share this note with.")
            if not chosen
            else _(
                "You can share a note only with a professional of your care circle. Choose one in the list."
            )
        )
        await services.record(found.patient, found.patient, "note.share", found.id, "denied")
        return await _note_page(
            request,
            found,
            errors={"share_with": message},
            status=400,
            fragment="notes/_sharing.html",
        )
    await services.share(found, uuid.UUID(chosen))
    return await _after_sharing(request, found.id, "shared")


@post(BASE + "/{note:uuid}/unshare", name="unshare_note", guards=PATIENTS, status_code=303)
async def unshare_note(request: Request[Any, Any, Any], note: FromPath[uuid.UUID]) -> Response[Any]:
    found = await _own(request, note, Action.WRITE)
    if found.shared_with is not None:
        await services.unshare(found)
    return await _after_sharing(request, found.id, "unshared")


@get(BASE + "/{note:uuid}/remove", name="confirm_remove_note", guards=PATIENTS)
async def confirm_remove(request: Request[Any, Any, Any], note: FromPath[uuid.UUID]) -> Template:
    found = await _own(request, note, Action.READ)
    await services.record(found.patient, found.patient, "note.read", found.id)
    sharing = await _sharing(_keyring(request), found)
    return page(request, "notes/remove.html", note=found, shared_person=sharing["shared_person"])


@post(BASE + "/{note:uuid}/remove", name="remove_note", guards=PATIENTS, status_code=303)
async def remove_note(request: Request[Any, Any, Any], note: FromPath[uuid.UUID]) -> Redirect:
    found = await _own(request, note, Action.WRITE)
    await services.remove(found)
    return Redirect(path=f"{BASE}?done=removed", status_code=303)


# --------------------------------------------------------------------------- the professional's pages


async def _professional(
    request: Request[Any, Any, Any], patient: uuid.UUID, note: uuid.UUID | None = None
) -> tuple[uuid.UUID, str]:
    """The signed-in professional, once the access policy let them read the patient's notes
    (a professional outside the circle, or blocked, gets a 404, audited), and the page to
    go back to: the patient's, which shows their documents, when the profession may see
    documents; their list of patients otherwise."""
    user = signed_in(request)
    actor = await actor_of(user)
    await require(actor, patient, Area.NOTES, Action.READ, services.object_id(note))
    areas = PROFESSIONAL_AREAS.get(actor.profession or "", frozenset())
    return user.account_id, f"/pro/patients/{patient}" if Area.DOCUMENTS in areas else "/pro"


async def _patient_name(keyring: Keyring, patient: uuid.UUID) -> str:
    person = (await names_of(keyring, [patient])).get(patient)
    return person.name if person else ""


@get("/pro/patients/{patient:uuid}/notes", name="pro_notes", guards=PROFESSIONALS)
async def pro_notes(request: Request[Any, Any, Any], patient: FromPath[uuid.UUID]) -> Template:
    professional, back = await _professional(request, patient)
    keyring = _keyring(request)
    notes = await services.shared_notes(keyring, patient, professional)
    await services.record(professional, patient, "note.list", None)
    return page(
        request,
        "notes/pro_notes.html",
        notes=notes,
        patient_id=patient,
        patient_name=await _patient_name(keyring, patient),
        back=back,
    )


@get("/pro/patients/{patient:uuid}/notes/{note:uuid}", name="pro_note", guards=PROFESSIONALS)
async def pro_note(
    request: Request[Any, Any, Any], patient: FromPath[uuid.UUID], note: FromPath[uuid.UUID]
) -> Template:
    """One note the patient shares with this professional; any other is a 404, audited."""
    professional, _back = await _professional(request, patient, note)
    keyring = _keyring(request)
    found = await services.get_note(keyring, patient, note, shared_with=professional)
    if found is None:
        await services.record(professional, patient, "note.read", note, "denied")
        raise NotFoundException()
    await services.record(professional, patient, "note.read", found.id)
    return page(
        request,
        "notes/pro_note.html",
        note=found,
        patient_id=patient,
        patient_name=await _patient_name(keyring, patient),
    )


ROUTES: list[Any] = [
    show_notes,
    new_note,
    add_note,
    new_note_draft,
    show_note,
    change_note,
    note_draft,
    forget_changes,
    share_note,
    unshare_note,
    confirm_remove,
    remove_note,
    pro_notes,
    pro_note,
]
