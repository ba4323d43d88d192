"""Notes: the patient's own pages (under /space/notes) and, for the professional a note is
shared with, a page of the notes a patient shares with them (under /pro/patients).

A patient writes, changes and removes their notes, and shares one with at most one
professional of their care circle at a time. A carer the patient delegated the notes to
reads them (read only), or writes them too (read and write): what they write is theirs
("Written by your daughter Claire Dupont"); choosing whom a note is shared with stays the
patient's (it reaches the care circle, which no delegation gives). Every handler asks the
door (``access.require(Area.NOTES, ...)``).

With htmx what is typed is kept as a draft as one types (the answer is only the small
status saying when), saving a note's changes, or a form with mistakes, replaces the page's
main part in place (a new note once saved loads its own page), and sharing replaces only
the sharing part; without it every action is a plain form. No lost update: a note's form
carries the version it was read at; saving over a newer version saves nothing and shows
both (409), and a draft kept over an older version says so where the status is. A
professional reads the notes shared with them and nothing else: anything else is a 404,
audited.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.accounts.people import Person, names_of
from portal.carers.services import author_names
from portal.circle.services import members_of
from portal.core.access import PROFESSIONAL_AREAS, Access, Action, Area, Reach, Role
from portal.core.forms import FormReader, FormResult
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.core.records import read_version
from portal.core.sessions import SPACE_ROLES, requires_role
from portal.core.web import is_htmx, page
from portal.notes import actions, services

BASE = "/space/notes"
# The patient's side: the patient, or whoever acts for them (the policy decides the rest).
SPACE = [requires_role(*SPACE_ROLES)]
PROFESSIONALS = [requires_role(Role.PROFESSIONAL)]
DONE = frozenset({"added", "saved", "forgotten", "shared", "unshared", "removed"})


def _done(request: Request[Any, Any, Any]) -> str | None:
    done = request.query_params.get("done")
    return done if done in DONE else None


async def _note(access: Access, note: uuid.UUID, action: Action) -> tuple[Reach, services.NoteView]:
    """One note of the subject's space; another's, or none, is refused like a missing page, audited."""
    reach = await access.require(Area.NOTES, action, object_id=services.object_id(note))
    found = await services.get_note(reach.keyring, reach.subject, note)
    if found is None:
        await access.refuse(Area.NOTES, action, object_id=services.object_id(note))
    return reach, found


async def _authors(reach: Reach, notes: list[services.NoteView]) -> dict[uuid.UUID, str]:
    """Who last wrote each note, in words for the one who reads."""
    return await author_names(reach.keyring, reach.actor.account_id, reach.subject, [n.author for n in notes])


# --------------------------------------------------------------------------- what is typed


def _too_long_title(count: int, length: int) -> str:
    return _("The title is %(length)d characters long: write at most %(count)d.", length=length, count=count)


def _too_long_body(count: int, length: int) -> str:
    return _(
        "Your note is %(length)d characters long: the longest is %(count)d. "
        "Shorten it, or write the rest in a second note.",
        length=length,
        count=count,
    )


def read_note(sent: Any) -> FormResult:
    """A note's form, checked: its title and its text."""
    reader = FormReader(sent)
    reader.text(
        "title",
        max_length=services.TITLE_MAX,
        required=True,
        missing=_('Give your note a title, for example "Questions for Dr Martin".'),
        too_long=_too_long_title,
    )
    reader.long_text(
        "body",
        max_length=services.BODY_MAX,
        required=True,
        missing=_("Write the text of your note."),
        too_long=_too_long_body,
    )
    return reader.result


def _draft_of(form: FormResult) -> services.Draft:
    """What a note's form holds, to keep as a draft (checked or not)."""
    return services.Draft(title=form.value("title"), body=form.value("body"))


def _note_form(title: str, body: str) -> FormResult:
    return FormResult.filled({"title": title, "body": body})


def _typed(form: Any) -> services.Draft:
    """What an autosave sends, kept as it is (a draft is checked only when saved)."""
    return services.Draft(
        title=str(form.get("title", "")), body=str(form.get("body", "")).replace("\r\n", "\n")
    )


# --------------------------------------------------------------------------- sharing


def _may_read_notes(person: Person) -> bool:
    return Area.NOTES in PROFESSIONAL_AREAS.get(person.profession or "", frozenset())


async def _sharing(access: Access, keyring: Keyring, note: services.NoteView) -> dict[str, Any]:
    """Who the note may be shared with (the professionals of the circle who are not
    blocked), and who it is shared with now, and whether they can see it. Only for who may
    see the care circle (the patient): a carer learns only whether the note is shared."""
    if not await access.allows(Area.CIRCLE, Action.READ):
        return {"may_share": False, "choices": [], "shared_person": None, "standing": None}
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
        "may_share": True,
        "choices": [(str(p.account_id), p.described) for p in choices],
        "shared_person": shared_person,
        "standing": standing,
    }


async def _shared_names(
    access: Access, keyring: Keyring, patient: uuid.UUID, notes: list[services.NoteView]
) -> dict[uuid.UUID, str]:
    """For the list: who each shared note is shared with, and whether they can see it (for
    who may see the care circle; nobody's name for a carer)."""
    wanted = {n.shared_with for n in notes if n.shared_with is not None}
    if not wanted or not await access.allows(Area.CIRCLE, Action.READ):
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


@get(BASE, name="notes", guards=SPACE)
async def show_notes(request: Request[Any, Any, Any], access: Access) -> Template:
    reach = await access.require(Area.NOTES, Action.READ)
    viewer = reach.actor.account_id
    notes = await services.notes_of(reach.keyring, reach.subject)
    if notes:
        await services.record(viewer, reach.subject, actions.LIST, None)
    may_write = await access.allows(Area.NOTES, Action.WRITE)
    return page(
        request,
        "notes/notes.html",
        notes=notes,
        shared_names=await _shared_names(access, reach.keyring, reach.subject, notes),
        may_share=await access.allows(Area.CIRCLE, Action.READ),
        written_by=await _authors(reach, notes),
        drafted={n.id for n in notes if n.draft_of(viewer) is not None},
        viewer=viewer,
        by_proxy=reach.by_proxy,
        may_write=may_write,
        begun=await services.new_draft(reach.keyring, reach.subject, viewer) if may_write else None,
        done=_done(request),
    )


def _new_page(
    request: Request[Any, Any, Any],
    reach: Reach,
    form: FormResult,
    *,
    saved_at: Any = None,
    status: int = 200,
) -> Template:
    return page(
        request,
        "notes/new.html",
        status=status,
        **form.shown(),
        saved_at=saved_at,
        by_proxy=reach.by_proxy,
        title_max=services.TITLE_MAX,
        body_max=services.BODY_MAX,
    )


@get(BASE + "/new", name="new_note", guards=SPACE)
async def new_note(request: Request[Any, Any, Any], access: Access) -> Template:
    reach = await access.require(Area.NOTES, Action.WRITE)
    draft = await services.new_draft(reach.keyring, reach.subject, reach.actor.account_id)
    if draft is None:
        return _new_page(request, reach, _note_form("", ""))
    await services.record(reach.actor.account_id, reach.subject, actions.READ, None)
    return _new_page(request, reach, _note_form(draft.title, draft.body), saved_at=draft.saved_at)


@post(BASE + "/new", name="add_note", guards=SPACE, status_code=303)
async def add_note(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    reach = await access.require(Area.NOTES, Action.WRITE)
    form = read_note(await request.form())
    if not form.ok:
        # Nothing typed is lost: the draft keeps it, and the page shows it again.
        saved_at = await services.save_new_draft(
            reach.keyring, reach.subject, reach.actor.account_id, _draft_of(form)
        )
        return _new_page(request, reach, form, saved_at=saved_at, status=400)
    note = await services.add_note(
        reach.keyring, reach.subject, reach.actor.account_id, form.data["title"], form.data["body"]
    )
    where = f"{BASE}/{note}?done=added"
    if is_htmx(request):
        # A new address: the whole page goes there, so that nothing on it (the display
        # forms' way back) still points at the form.
        return Response(content=b"", status_code=200, headers={"HX-Redirect": where})
    return Redirect(path=where, status_code=303)


@post(BASE + "/new/draft", name="new_note_draft", guards=SPACE)
async def new_note_draft(request: Request[Any, Any, Any], access: Access) -> Template:
    """Keep a new note's text as it is typed (htmx): the answer is only the status."""
    reach = await access.require(Area.NOTES, Action.WRITE)
    saved_at = await services.save_new_draft(
        reach.keyring, reach.subject, reach.actor.account_id, _typed(await request.form())
    )
    return page(request, "notes/_draft_status.html", saved_at=saved_at)


async def _note_page(
    request: Request[Any, Any, Any],
    access: Access,
    reach: Reach,
    note: services.NoteView,
    *,
    written: FormResult | None = None,
    typed_over: int = 0,
    share: FormResult | None = None,
    saved_at: Any = None,
    conflict: bool = False,
    status: int = 200,
    fragment: str | None = None,
    done: str | None = None,
) -> Template:
    """A note's page. Its form holds what was typed (``written``, over the version
    ``typed_over``), or the viewer's draft, or the note as saved; and the version it
    carries is the one that text was typed over, except in a conflict (``conflict``, or a
    draft typed over an older version): then the note as saved now is shown too, and the
    form carries the version saved now, so that saving it again keeps what was typed, on
    purpose. ``share``: the sharing form, sent with a mistake."""
    viewer = reach.actor.account_id
    may_write = await access.allows(Area.NOTES, Action.WRITE)
    mine = note.draft_of(viewer) if may_write else None
    version = note.version
    if written is not None:
        form, has_draft = written, True
        if not conflict:
            version = typed_over
    elif mine is not None:
        form, has_draft = _note_form(mine.title, mine.body), True
        saved_at = mine.saved_at
        conflict = note.outdated(mine)
    else:
        form, has_draft = _note_form(note.title, note.body), False
    share = share or FormResult()
    return page(
        request,
        "notes/note.html",
        fragment=fragment,
        status=status,
        note=note,
        form=form,
        share=share,
        # The page's title says "Error:" when either form has one.
        errors={**form.errors, **share.errors},
        version=version,
        has_draft=has_draft,
        conflict=conflict,
        saved_at=saved_at,
        in_place=fragment is not None and is_htmx(request),
        done=done,
        may_write=may_write,
        by_proxy=reach.by_proxy,
        written_by=await _authors(reach, [note]),
        title_max=services.TITLE_MAX,
        body_max=services.BODY_MAX,
        **await _sharing(access, reach.keyring, note),
    )


@get(BASE + "/{note:uuid}", name="note", guards=SPACE)
async def show_note(request: Request[Any, Any, Any], access: Access, note: FromPath[uuid.UUID]) -> Template:
    reach, found = await _note(access, note, Action.READ)
    await services.record(reach.actor.account_id, found.patient, actions.READ, found.id)
    return await _note_page(request, access, reach, found, done=_done(request))


@post(BASE + "/{note:uuid}", name="change_note", guards=SPACE, status_code=303)
async def change_note(
    request: Request[Any, Any, Any], access: Access, note: FromPath[uuid.UUID]
) -> Response[Any]:
    reach, found = await _note(access, note, Action.WRITE)
    writer = reach.actor.account_id
    sent = await request.form()
    form, version = read_note(sent), read_version(sent)
    if not form.ok:
        saved_at, _outdated = await services.save_draft(
            reach.keyring, found, writer, _draft_of(form), version
        )
        return await _note_page(
            request, access, reach, found, written=form, typed_over=version, saved_at=saved_at, status=400
        )
    if not await services.change_note(
        reach.keyring, found, writer, version, form.data["title"], form.data["body"]
    ):
        # Someone saved the note since this form was read: nothing is saved over it. What
        # was typed is kept as a draft, and shown with the note as it is saved now (409).
        saved_at, _outdated = await services.save_draft(
            reach.keyring, found, writer, _draft_of(form), version
        )
        current = await services.get_note(reach.keyring, reach.subject, found.id)
        if current is None:
            raise NotFoundException()
        return await _note_page(
            request, access, reach, current, written=form, saved_at=saved_at, conflict=True, status=409
        )
    # With htmx the browser follows this, and the note's main part is replaced in place.
    return Redirect(path=f"{BASE}/{found.id}?done=saved", status_code=303)


@post(BASE + "/{note:uuid}/draft", name="note_draft", guards=SPACE)
async def note_draft(request: Request[Any, Any, Any], access: Access, note: FromPath[uuid.UUID]) -> Template:
    """Keep a note's changes as they are typed (htmx): the answer is only the status. When
    someone saved the note since the form was read, the draft is kept all the same and
    the status says so (409): saving then shows both versions."""
    reach, found = await _note(access, note, Action.WRITE)
    form = await request.form()
    saved_at, outdated = await services.save_draft(
        reach.keyring, found, reach.actor.account_id, _typed(form), read_version(form)
    )
    return page(
        request,
        "notes/_draft_status.html",
        status=409 if outdated else 200,
        saved_at=saved_at,
        outdated=outdated,
    )


@post(BASE + "/{note:uuid}/forget", name="forget_note_changes", guards=SPACE, status_code=303)
async def forget_changes(
    request: Request[Any, Any, Any], access: Access, note: FromPath[uuid.UUID]
) -> Redirect:
    """Drop the viewer's changes not saved: the note as it is saved comes back in the form
    (also "keep what is saved", after someone else saved it)."""
    reach, found = await _note(access, note, Action.WRITE)
    if found.draft_of(reach.actor.account_id) is not None:
        await services.forget_draft(reach.keyring, found, reach.actor.account_id)
    return Redirect(path=f"{BASE}/{found.id}?done=forgotten", status_code=303)


async def _after_sharing(
    request: Request[Any, Any, Any], access: Access, reach: Reach, note: uuid.UUID, done: str
) -> Response[Any]:
    """With htmx, the sharing part of the page, replaced in place; without, the page."""
    if is_htmx(request):
        found = await services.get_note(reach.keyring, reach.subject, note)
        if found is None:
            raise NotFoundException()
        return await _note_page(request, access, reach, found, fragment="notes/_sharing.html", done=done)
    return Redirect(path=f"{BASE}/{note}?done={done}#sharing", status_code=303)


async def _for_sharing(access: Access, note: uuid.UUID) -> tuple[Reach, services.NoteView]:
    """A note to share or stop sharing: writing in the notes, and seeing the care circle
    (which no delegation gives: whom a note goes to stays the patient's choice)."""
    reach, found = await _note(access, note, Action.WRITE)
    await access.require(Area.CIRCLE, Action.READ, object_id=services.object_id(note))
    return reach, found


@post(BASE + "/{note:uuid}/share", name="share_note", guards=SPACE, status_code=303)
async def share_note(
    request: Request[Any, Any, Any], access: Access, note: FromPath[uuid.UUID]
) -> Response[Any]:
    """Share the note with one professional of the circle (instead of anyone before)."""
    reach, found = await _for_sharing(access, note)
    sharing = await _sharing(access, reach.keyring, found)
    reader = FormReader(await request.form())
    chosen = reader.choice(
        "share_with",
        {value for value, _text in sharing["choices"]},
        required=True,
        missing=_("Choose the professional to share this note with."),
        unknown=_(
            "You can share a note only with a professional of your care circle. Choose one in the list."
        ),
    )
    if not reader.result.ok:
        # Nobody chosen, or someone who is not (or no longer) a professional of the circle
        # who may be shared with: nothing changes.
        await services.record(reach.actor.account_id, found.patient, actions.SHARE, found.id, "denied")
        return await _note_page(
            request,
            access,
            reach,
            found,
            share=reader.result,
            status=400,
            fragment="notes/_sharing.html",
        )
    await services.share(found, uuid.UUID(chosen), reach.actor.account_id)
    return await _after_sharing(request, access, reach, found.id, "shared")


@post(BASE + "/{note:uuid}/unshare", name="unshare_note", guards=SPACE, status_code=303)
async def unshare_note(
    request: Request[Any, Any, Any], access: Access, note: FromPath[uuid.UUID]
) -> Response[Any]:
    reach, found = await _for_sharing(access, note)
    if found.shared_with is not None:
        await services.unshare(found, reach.actor.account_id)
    return await _after_sharing(request, access, reach, found.id, "unshared")


async def _remove_page(
    request: Request[Any, Any, Any], access: Access, reach: Reach, note: services.NoteView, status: int = 200
) -> Template:
    sharing = await _sharing(access, reach.keyring, note)
    return page(
        request,
        "notes/remove.html",
        status=status,
        note=note,
        changed=status == 409,
        shared_person=sharing["shared_person"],
    )


@get(BASE + "/{note:uuid}/remove", name="confirm_remove_note", guards=SPACE)
async def confirm_remove(
    request: Request[Any, Any, Any], access: Access, note: FromPath[uuid.UUID]
) -> Template:
    reach, found = await _note(access, note, Action.WRITE)
    await services.record(reach.actor.account_id, found.patient, actions.READ, found.id)
    return await _remove_page(request, access, reach, found)


@post(BASE + "/{note:uuid}/remove", name="remove_note", guards=SPACE, status_code=303)
async def remove_note(
    request: Request[Any, Any, Any], access: Access, note: FromPath[uuid.UUID]
) -> Response[Any]:
    reach, found = await _note(access, note, Action.WRITE)
    if not await services.remove(found, reach.actor.account_id, read_version(await request.form())):
        # Saved again since the question was asked: ask again, showing it as it is now.
        return await _remove_page(request, access, reach, found, status=409)
    return Redirect(path=f"{BASE}?done=removed", status_code=303)


# --------------------------------------------------------------------------- the professional's pages


async def _back(access: Access, patient: uuid.UUID) -> str:
    """The page to go back to: the patient's, which shows their documents, when the
    professional may see documents; their list of patients otherwise."""
    if await access.allows(Area.DOCUMENTS, Action.READ, subject=patient):
        return f"/pro/patients/{patient}"
    return "/pro"


async def _patient_name(keyring: Keyring, patient: uuid.UUID) -> str:
    person = (await names_of(keyring, [patient])).get(patient)
    return person.name if person else ""


@get("/pro/patients/{patient:uuid}/notes", name="pro_notes", guards=PROFESSIONALS)
async def pro_notes(
    request: Request[Any, Any, Any], access: Access, patient: FromPath[uuid.UUID]
) -> Template:
    reach = await access.require(Area.NOTES, Action.READ, subject=patient)
    professional = reach.actor.account_id
    notes = await services.shared_notes(reach.keyring, patient, professional)
    await services.record(professional, patient, actions.LIST, None)
    return page(
        request,
        "notes/pro_notes.html",
        notes=notes,
        written_by=await _authors(reach, notes),
        patient_id=patient,
        patient_name=await _patient_name(reach.keyring, patient),
        back=await _back(access, patient),
    )


@get("/pro/patients/{patient:uuid}/notes/{note:uuid}", name="pro_note", guards=PROFESSIONALS)
async def pro_note(
    request: Request[Any, Any, Any], access: Access, patient: FromPath[uuid.UUID], note: FromPath[uuid.UUID]
) -> Template:
    """One note the patient shares with this professional; any other is a 404, audited."""
    object_id = services.object_id(note)
    reach = await access.require(Area.NOTES, Action.READ, subject=patient, object_id=object_id)
    professional = reach.actor.account_id
    found = await services.get_note(reach.keyring, patient, note, shared_with=professional)
    if found is None:
        await access.refuse(Area.NOTES, Action.READ, subject=patient, object_id=object_id)
    await services.record(professional, patient, actions.READ, found.id)
    return page(
        request,
        "notes/pro_note.html",
        note=found,
        written_by=await _authors(reach, [found]),
        patient_id=patient,
        patient_name=await _patient_name(reach.keyring, patient),
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
