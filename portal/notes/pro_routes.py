"""The professional's pages of the notes, under /pro/patients/{patient}/notes: the notes a
patient shares with them, and one of these. A professional reads the notes shared with
them and nothing else: anything else is a 404, audited.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template

from portal.accounts.people import names_of
from portal.core.access import Access, Action, Area, Role
from portal.core.addresses import url_for
from portal.core.keys import Keyring
from portal.core.sessions import requires_role
from portal.core.web import page
from portal.notes import actions, pages, services

PROFESSIONALS = [requires_role(Role.PROFESSIONAL)]


async def _back(access: Access, patient: uuid.UUID) -> str:
    """The page to go back to: the patient's, which shows their documents, when the
    professional may see documents; their list of patients otherwise."""
    if await access.allows(Area.DOCUMENTS, Action.READ, subject=patient):
        return url_for("pro_patient", patient=patient)
    return url_for("pro")


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
        written_by=await pages.authors(reach, notes),
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
        written_by=await pages.authors(reach, [found]),
        patient_id=patient,
        patient_name=await _patient_name(reach.keyring, patient),
    )
