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

This module holds the patient's pages and ``ROUTES``, every page of the notes; the
professional's pages are ``pro_routes``; what the pages share is ``pages``, the form
``forms``, whom a note may be shared with ``sharing``.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.core.access import Access, Action, Area, Reach
from portal.core.addresses import url_for
from portal.core.forms import FormReader
from portal.core.i18n import gettext as _
from portal.core.records import read_version
from portal.core.web import is_htmx, page
from portal.notes import actions, changes, forms, pages, pro_routes, services, sharing
from portal.notes.pages import BASE, SPACE


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
        shared_names=await sharing.shared_names(access, reach.keyring, reach.subject, notes),
        may_share=await access.allows(Area.CIRCLE, Action.READ),
        written_by=await pages.authors(reach, notes),
        drafted={n.id for n in notes if n.draft_of(viewer) is not None},
        viewer=viewer,
        by_proxy=reach.by_proxy,
        may_write=may_write,
        begun=await services.new_draft(reach.keyring, reach.subject, viewer) if may_write else None,
        done=pages.done_of(request),
    )


@get(BASE + "/new", name="new_note", guards=SPACE)
async def new_note(request: Request[Any, Any, Any], access: Access) -> Template:
    reach = await access.require(Area.NOTES, Action.WRITE)
    draft = await services.new_draft(reach.keyring, reach.subject, reach.actor.account_id)
    if draft is None:
        return pages.new_page(request, reach, forms.note_form("", ""))
    await services.record(reach.actor.account_id, reach.subject, actions.READ, None)
    return pages.new_page(request, reach, forms.note_form(draft.title, draft.body), saved_at=draft.saved_at)


@post(BASE + "/new", name="add_note", guards=SPACE, status_code=303)
async def add_note(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    reach = await access.require(Area.NOTES, Action.WRITE)
    form = forms.read_note(await request.form())
    if not form.ok:
        # Nothing typed is lost: the draft keeps it, and the page shows it again.
        saved_at = await changes.save_new_draft(
            reach.keyring, reach.subject, reach.actor.account_id, forms.draft_of(form)
        )
        return pages.new_page(request, reach, form, saved_at=saved_at, status=400)
    note = await changes.add_note(
        reach.keyring, reach.subject, reach.actor.account_id, form.data["title"], form.data["body"]
    )
    where = url_for("note", note=note, done="added")
    if is_htmx(request):
        # A new address: the whole page goes there, so that nothing on it (the display
        # forms' way back) still points at the form.
        return Response(content=b"", status_code=200, headers={"HX-Redirect": where})
    return Redirect(path=where, status_code=303)


@post(BASE + "/new/draft", name="new_note_draft", guards=SPACE)
async def new_note_draft(request: Request[Any, Any, Any], access: Access) -> Template:
    """Keep a new note's text as it is typed (htmx): the answer is only the status."""
    reach = await access.require(Area.NOTES, Action.WRITE)
    saved_at = await changes.save_new_draft(
        reach.keyring, reach.subject, reach.actor.account_id, forms.typed(await request.form())
    )
    return page(request, "notes/_draft_status.html", saved_at=saved_at)


@get(BASE + "/{note:uuid}", name="note", guards=SPACE)
async def show_note(request: Request[Any, Any, Any], access: Access, note: FromPath[uuid.UUID]) -> Template:
    reach, found = await pages.note_of(access, note, Action.READ)
    await services.record(reach.actor.account_id, found.patient, actions.READ, found.id)
    return await pages.note_page(request, access, reach, found, done=pages.done_of(request))


@post(BASE + "/{note:uuid}", name="change_note", guards=SPACE, status_code=303)
async def change_note(
    request: Request[Any, Any, Any], access: Access, note: FromPath[uuid.UUID]
) -> Response[Any]:
    reach, found = await pages.note_of(access, note, Action.WRITE)
    writer = reach.actor.account_id
    sent = await request.form()
    form, version = forms.read_note(sent), read_version(sent)
    if not form.ok:
        saved_at, _outdated = await changes.save_draft(
            reach.keyring, found, writer, forms.draft_of(form), version
        )
        return await pages.note_page(
            request, access, reach, found, written=form, typed_over=version, saved_at=saved_at, status=400
        )
    if not await changes.change_note(
        reach.keyring, found, writer, version, form.data["title"], form.data["body"]
    ):
        # Someone saved the note since this form was read: nothing is saved over it. What
        # was typed is kept as a draft, and shown with the note as it is saved now (409).
        saved_at, _outdated = await changes.save_draft(
            reach.keyring, found, writer, forms.draft_of(form), version
        )
        current = await services.get_note(reach.keyring, reach.subject, found.id)
        if current is None:
            raise NotFoundException()
        return await pages.note_page(
            request, access, reach, current, written=form, saved_at=saved_at, conflict=True, status=409
        )
    # With htmx the browser follows this, and the note's main part is replaced in place.
    return Redirect(path=url_for("note", note=found.id, done="saved"), status_code=303)


@post(BASE + "/{note:uuid}/draft", name="note_draft", guards=SPACE)
async def note_draft(request: Request[Any, Any, Any], access: Access, note: FromPath[uuid.UUID]) -> Template:
    """Keep a note's changes as they are typed (htmx): the answer is only the status. When
    someone saved the note since the form was read, the draft is kept all the same and
    the status says so (409): saving then shows both versions."""
    reach, found = await pages.note_of(access, note, Action.WRITE)
    form = await request.form()
    saved_at, outdated = await changes.save_draft(
        reach.keyring, found, reach.actor.account_id, forms.typed(form), read_version(form)
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
    reach, found = await pages.note_of(access, note, Action.WRITE)
    if found.draft_of(reach.actor.account_id) is not None:
        await changes.forget_draft(reach.keyring, found, reach.actor.account_id)
    return Redirect(path=url_for("note", note=found.id, done="forgotten"), status_code=303)


async def _after_sharing(
    request: Request[Any, Any, Any], access: Access, reach: Reach, note: uuid.UUID, done: str
) -> Response[Any]:
    """With htmx, the sharing part of the page, replaced in place; without, the page."""
    if is_htmx(request):
        found = await services.get_note(reach.keyring, reach.subject, note)
        if found is None:
            raise NotFoundException()
        return await pages.note_page(request, access, reach, found, fragment="notes/_sharing.html", done=done)
    return Redirect(path=url_for("note", note=note, done=done) + "#sharing", status_code=303)


async def _for_sharing(access: Access, note: uuid.UUID) -> tuple[Reach, services.NoteView]:
    """A note to share or stop sharing: writing in the notes, and seeing the care circle
    (which no delegation gives: whom a note goes to stays the patient's choice)."""
    reach, found = await pages.note_of(access, note, Action.WRITE)
    await access.require(Area.CIRCLE, Action.READ, object_id=services.object_id(note))
    return reach, found


@post(BASE + "/{note:uuid}/share", name="share_note", guards=SPACE, status_code=303)
async def share_note(
    request: Request[Any, Any, Any], access: Access, note: FromPath[uuid.UUID]
) -> Response[Any]:
    """Share the note with one professional of the circle (instead of anyone before)."""
    reach, found = await _for_sharing(access, note)
    offered = await sharing.sharing_of(access, reach.keyring, found)
    reader = FormReader(await request.form())
    chosen = reader.choice(
        "share_with",
        {value for value, _text in offered["choices"]},
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
        return await pages.note_page(
            request,
            access,
            reach,
            found,
            share=reader.result,
            status=400,
            fragment="notes/_sharing.html",
        )
    await changes.share(found, uuid.UUID(chosen), reach.actor.account_id)
    return await _after_sharing(request, access, reach, found.id, "shared")


@post(BASE + "/{note:uuid}/unshare", name="unshare_note", guards=SPACE, status_code=303)
async def unshare_note(
    request: Request[Any, Any, Any], access: Access, note: FromPath[uuid.UUID]
) -> Response[Any]:
    reach, found = await _for_sharing(access, note)
    if found.shared_with is not None:
        await changes.unshare(found, reach.actor.account_id)
    return await _after_sharing(request, access, reach, found.id, "unshared")


@get(BASE + "/{note:uuid}/remove", name="confirm_remove_note", guards=SPACE)
async def confirm_remove(
    request: Request[Any, Any, Any], access: Access, note: FromPath[uuid.UUID]
) -> Template:
    reach, found = await pages.note_of(access, note, Action.WRITE)
    await services.record(reach.actor.account_id, found.patient, actions.READ, found.id)
    return await pages.remove_page(request, access, reach, found)


@post(BASE + "/{note:uuid}/remove", name="remove_note", guards=SPACE, status_code=303)
async def remove_note(
    request: Request[Any, Any, Any], access: Access, note: FromPath[uuid.UUID]
) -> Response[Any]:
    reach, found = await pages.note_of(access, note, Action.WRITE)
    if not await changes.remove(found, reach.actor.account_id, read_version(await request.form())):
        # Saved again since the question was asked: ask again, showing it as it is now.
        return await pages.remove_page(request, access, reach, found, status=409)
    return Redirect(path=url_for("notes", done="removed"), status_code=303)


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
    pro_routes.pro_notes,
    pro_routes.pro_note,
]
