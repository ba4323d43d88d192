"""What the notes' pages share: their address (``BASE``) and guard (``SPACE``), the
banner a page may show (``done_of``), one note of the subject's space or a refusal
(``note_of``), who wrote each note in words (``authors``), and the pages a form answers
with: a new note (``new_page``), a note with its form and sharing (``note_page``), and
the question before removing one (``remove_page``).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request
from litestar.response import Template

from portal.carers.services import author_names
from portal.core.access import Access, Action, Area, Reach
from portal.core.forms import FormResult
from portal.core.sessions import SPACE_ROLES, requires_role
from portal.core.web import is_htmx, page
from portal.notes import forms, services, sharing

BASE = "/space/notes"
# The patient's side: the patient, or whoever acts for them (the policy decides the rest).
SPACE = [requires_role(*SPACE_ROLES)]
DONE = frozenset({"added", "saved", "forgotten", "shared", "unshared", "removed"})


def done_of(request: Request[Any, Any, Any]) -> str | None:
    done = request.query_params.get("done")
    return done if done in DONE else None


async def note_of(access: Access, note: uuid.UUID, action: Action) -> tuple[Reach, services.NoteView]:
    """One note of the subject's space; another's, or none, is refused like a missing page, audited."""
    reach = await access.require(Area.NOTES, action, object_id=services.object_id(note))
    found = await services.get_note(reach.keyring, reach.subject, note)
    if found is None:
        await access.refuse(Area.NOTES, action, object_id=services.object_id(note))
    return reach, found


async def authors(reach: Reach, notes: list[services.NoteView]) -> dict[uuid.UUID, str]:
    """Who last wrote each note, in words for the one who reads."""
    return await author_names(reach.keyring, reach.actor.account_id, reach.subject, [n.author for n in notes])


def new_page(
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


async def note_page(
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
        form, has_draft = forms.note_form(mine.title, mine.body), True
        saved_at = mine.saved_at
        conflict = note.outdated(mine)
    else:
        form, has_draft = forms.note_form(note.title, note.body), False
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
        written_by=await authors(reach, [note]),
        title_max=services.TITLE_MAX,
        body_max=services.BODY_MAX,
        **await sharing.sharing_of(access, reach.keyring, note),
    )


async def remove_page(
    request: Request[Any, Any, Any], access: Access, reach: Reach, note: services.NoteView, status: int = 200
) -> Template:
    shared = await sharing.sharing_of(access, reach.keyring, note)
    return page(
        request,
        "notes/remove.html",
        status=status,
        note=note,
        changed=status == 409,
        shared_person=shared["shared_person"],
    )
