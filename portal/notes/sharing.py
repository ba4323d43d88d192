"""Whom a note may be shared with, and whom it is shared with now: the professionals of
the patient's care circle who may read notes and are not blocked (``sharing_of``, for a
note's page), and who each note of the list is shared with (``shared_names``), saying
when they can no longer see it. Only for who may see the care circle (the patient).
"""

from __future__ import annotations

import uuid
from typing import Any

from portal.accounts.people import Person, names_of
from portal.circle.services import members_of
from portal.core.access import PROFESSIONAL_AREAS, Access, Action, Area
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.notes import services


def _may_read_notes(person: Person) -> bool:
    return Area.NOTES in PROFESSIONAL_AREAS.get(person.profession or "", frozenset())


async def sharing_of(access: Access, keyring: Keyring, note: services.NoteView) -> dict[str, Any]:
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


async def shared_names(
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
