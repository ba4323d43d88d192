"""Starting a conversation, on both sides: on the patient's side with professionals of the
circle who accept new conversations, for a professional with one of their patients; its
draft kept as one types."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Response, Template

from portal.circle.services import members_of
from portal.core.access import Access, Action, Area, Reach, Role
from portal.core.addresses import url_for
from portal.core.forms import FormResult
from portal.core.web import is_htmx, page
from portal.messages import forms, services
from portal.messages.sides import BOTH, both, own_side, side_name
from portal.messages.writing import file_attachments, form_context, read_message
from portal.pro.services import patients_of


async def _new_context(access: Access, reach: Reach | None) -> dict[str, Any]:
    """Who may be written to: on the patient's side, the professionals of the circle who
    accept new conversations; for a professional, their patients."""
    actor = access.actor
    if actor.role is not Role.PROFESSIONAL:
        assert reach is not None
        members = [m for m in await members_of(access.keyring, reach.subject) if m.blocked_at is None]
        open_to = await services.accepting([m.person.account_id for m in members])
        professionals = [m.person for m in members if m.person.account_id in open_to]
        return {
            "professionals": professionals,
            "professional_options": [(str(p.account_id), p.described) for p in professionals],
            "patients": [],
            # The circle's page is the patient's own: a carer is not sent there.
            "circle_link": await access.allows(Area.CIRCLE, Action.READ),
        }
    patients = await patients_of(access.keyring, actor.account_id)
    chosen = next((p for p in patients if reach and p.account_id == reach.subject), None)
    return {
        "professionals": [],
        "patients": patients,
        "patient_options": [(str(p.account_id), p.name) for p in patients],
        "patient_name": chosen.name if chosen else "",
    }


def _chosen_patient(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


async def _writer(request: Request[Any, Any, Any], access: Access, patient: str | None) -> Reach:
    """The door to writing a new conversation: in the space shown (the patient's side), or
    with ``patient`` for a professional (in their circle, not blocked; else an audited 404)."""
    actor = own_side(request, access)
    if actor.role is not Role.PROFESSIONAL:
        return await access.require(Area.MESSAGES, Action.WRITE)
    chosen = _chosen_patient(patient)
    if chosen is None:
        raise NotFoundException()
    return await access.require(Area.MESSAGES, Action.WRITE, subject=chosen)


@both(get, "/new", name="new_conversation", guards=BOTH)
async def new_conversation(request: Request[Any, Any, Any], access: Access) -> Template:
    actor = own_side(request, access)
    reach: Reach | None = None
    if actor.role is not Role.PROFESSIONAL:
        reach = await access.require(Area.MESSAGES, Action.WRITE)
    else:
        access.own(Role.PROFESSIONAL)
        chosen = _chosen_patient(request.query_params.get("patient"))
        patients = await patients_of(access.keyring, actor.account_id)
        if chosen in [p.account_id for p in patients]:
            reach = await access.require(Area.MESSAGES, Action.WRITE, subject=chosen)
    context = await _new_context(access, reach)
    if reach is None:  # a professional chooses the patient first
        return page(
            request,
            "messages/new.html",
            **context,
            side="pro_",
            patient_side=False,
            patient=None,
            form=FormResult(),
            draft=services.Draft(),
            done=None,
        )
    draft = await services.load_draft(access.keyring, actor.account_id, reach.subject, None)
    return page(
        request,
        "messages/new.html",
        **context,
        **await form_context(request, access, reach),
        patient=reach.subject,
        form=FormResult.filled({"subject": draft.subject, "body": draft.body, "to": list(draft.to)}),
        draft=draft,
        done=request.query_params.get("done"),
    )


@both(post, "/new", name="start_conversation", guards=BOTH, status_code=303)
async def start_conversation(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    sent = await request.form()
    reach = await _writer(request, access, str(sent.get("patient", "")))
    actor, patient = reach.actor, reach.subject
    context = await _new_context(access, reach)
    # The professionals a patient's side may write to (a professional writes to the patient).
    offered = None if reach.by_professional else {str(p.account_id) for p in context["professionals"]}
    draft = forms.draft_of(sent, forms.offered_to(sent, offered) if offered is not None else ())
    if sent.get("action") == "save":
        await services.save_draft(access.keyring, actor.account_id, patient, None, draft)
        where = url_for(
            side_name(actor, "new_conversation"),
            done="saved",
            patient=patient if reach.by_professional else None,
        )
        return Redirect(path=where, status_code=303)
    form, message = await read_message(request, access, reach, sent, offered=offered, new=True)
    if message is None:
        # Nothing typed is lost: the draft keeps it, and the page shows it again.
        saved = await services.save_draft(access.keyring, actor.account_id, patient, None, draft)
        return page(
            request,
            "messages/new.html",
            status=400,
            **context,
            **await form_context(request, access, reach),
            patient=patient,
            **form.shown(),
            draft=services.Draft(saved_at=saved),
            done=None,
        )
    conversation = await services.start(
        access.keyring,
        patient=patient,
        author=actor.account_id,
        professionals=[actor.account_id] if reach.by_professional else message.to,
        subject=message.subject,
        body=message.body,
        attachments=await file_attachments(reach, message),
    )
    await services.delete_draft(actor.account_id, patient, None)
    side = actor.account_id if reach.by_professional else patient
    await services.tell_members(request.app.state.settings, access.keyring, conversation, side)
    return _after_sending(
        request, url_for(side_name(actor, "conversation"), conversation=conversation, done="sent")
    )


@both(post, "/new/draft", name="new_conversation_draft", guards=BOTH)
async def new_conversation_draft(request: Request[Any, Any, Any], access: Access) -> Template:
    """Keep a new conversation's text as it is typed (htmx), as the draft of who acts."""
    form = await request.form()
    reach = await _writer(request, access, str(form.get("patient", "")))
    draft = services.Draft(
        subject=str(form.get("subject", "")),
        body=str(form.get("body", "")),
        to=tuple(form.getall("to", [])),
    )
    saved = await services.save_draft(access.keyring, reach.actor.account_id, reach.subject, None, draft)
    return page(request, "messages/_draft_status.html", draft=services.Draft(saved_at=saved))


def _after_sending(request: Request[Any, Any, Any], where: str) -> Response[Any]:
    """After a new conversation, the browser goes on to its page (with htmx, a whole page)."""
    if is_htmx(request):
        return Response(content=b"", status_code=200, headers={"HX-Redirect": where})
    return Redirect(path=where, status_code=303)
