"""A conversation's page, on both sides: its messages (and their refresh), replying and
its draft, downloading what a message carries; archiving (the patient's side) and closing
(a professional)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.core.access import Access, Action, Area, Reach
from portal.core.addresses import paged_url, url_for
from portal.core.forms import FormResult
from portal.core.kiosk import on_kiosk
from portal.core.web import page
from portal.documents import actions as document_actions
from portal.documents import services as documents
from portal.documents.web import describe_file, file_response, refuse_download
from portal.messages import actions, forms, services
from portal.messages.sides import (
    BOTH,
    PATIENT_BASE,
    PRO_BASE,
    PROFESSIONALS,
    SPACE,
    both,
    page_asked,
    reached_conversation,
    side_name,
)
from portal.messages.writing import file_attachments, form_context, read_message


async def _conversation_page(
    request: Request[Any, Any, Any],
    access: Access,
    reach: Reach,
    place: services.Membership,
    *,
    written: FormResult | None = None,
    status: int = 200,
    fragment: str | None = None,
    saved_at: datetime | None = None,
    page_number: int | None = None,
) -> Template:
    keyring, actor = reach.keyring, reach.actor
    may_write = await access.allows(Area.MESSAGES, Action.WRITE, subject=place.patient)
    documents_open = await access.allows(Area.DOCUMENTS, Action.READ, subject=place.patient)
    shown = await services.thread(
        keyring,
        place,
        actor.account_id,
        documents_open=documents_open,
        for_professional=reach.by_professional,
        page=page_number,
    )
    # Someone who may only read (a carer with a read-only delegation) leaves the patient's
    # "new" marks as they are: the patient still sees what came.
    newly_read = may_write and await services.mark_read(place, shown)
    if newly_read or fragment is None:
        await services.record(actor.account_id, place.patient, actions.READ, place.conversation)
    header = request.scope.get("state", {}).get("portal_header")
    if newly_read and header:
        header["unread"] = await services.unread_count(place.account)  # the header counted before
    if written is not None or fragment or not may_write:  # no form: no draft nor documents to read
        draft = services.Draft(saved_at=saved_at)
    else:
        draft = await services.load_draft(keyring, actor.account_id, place.patient, place.conversation)
    writing_context = await form_context(
        request, access, reach, with_form=may_write and not (place.closed or fragment)
    )
    return page(
        request,
        "messages/conversation.html",
        fragment=fragment,
        status=status,
        thread=shown,
        page_href=paged_url(side_name(actor, "conversation"), conversation=place.conversation),
        # The refresh of the newest page: what came after its newest message.
        refresh_href=url_for(
            side_name(actor, "conversation_messages"),
            conversation=place.conversation,
            after=shown.refresh_mark or None,
        ),
        place=place,
        may_write=may_write,
        **(written if written is not None else FormResult.filled({"body": draft.body})).shown(),
        draft=draft,
        describe=describe_file,
        done=request.query_params.get("done"),
        **writing_context,
    )


@both(get, "/{conversation:uuid}", name="conversation", guards=BOTH)
async def show_conversation(
    request: Request[Any, Any, Any], access: Access, conversation: FromPath[uuid.UUID]
) -> Template:
    reach, place = await reached_conversation(request, access, conversation, Action.READ)
    return await _conversation_page(request, access, reach, place, page_number=page_asked(request))


@both(get, "/{conversation:uuid}/messages", name="conversation_messages", guards=BOTH)
async def conversation_messages(
    request: Request[Any, Any, Any], access: Access, conversation: FromPath[uuid.UUID]
) -> Response[Any]:
    """The messages alone, for the open page's refresh: nothing (204) when none came."""
    reach, place = await reached_conversation(request, access, conversation, Action.READ)
    after = request.query_params.get("after", "")
    newest = await services.newest_message_at(conversation)
    if after and newest is not None and newest.isoformat() == after and not place.closed:
        return Response(content=b"", status_code=204)
    return await _conversation_page(request, access, reach, place, fragment="messages/_thread.html")


@both(post, "/{conversation:uuid}/reply", name="reply", guards=BOTH, status_code=303)
async def send_reply(
    request: Request[Any, Any, Any], access: Access, conversation: FromPath[uuid.UUID]
) -> Response[Any]:
    reach, place = await reached_conversation(request, access, conversation, Action.WRITE)
    keyring, author = reach.keyring, reach.actor.account_id
    sent = await request.form()
    draft = forms.draft_of(sent, new=False)
    here = side_name(reach.actor, "conversation")
    if place.closed:
        saved = await services.save_draft(keyring, author, place.patient, conversation, draft)
        return await _conversation_page(
            request, access, reach, place, written=forms.unsent(draft.body), status=409, saved_at=saved
        )
    if sent.get("action") == "save":
        await services.save_draft(keyring, author, place.patient, conversation, draft)
        return Redirect(path=url_for(here, conversation=conversation, done="saved"), status_code=303)
    form, message = await read_message(request, access, reach, sent)
    if message is None:
        saved = await services.save_draft(keyring, author, place.patient, conversation, draft)
        return await _conversation_page(
            request, access, reach, place, written=form, status=400, saved_at=saved
        )
    await services.reply(keyring, place, author, message.body, await file_attachments(reach, message))
    await services.delete_draft(author, place.patient, conversation)
    await services.tell_members(request.app.state.settings, keyring, conversation, place.account)
    # With htmx the browser follows this to the conversation, whose page replaces the form's
    # in place: the message sent appears where it was written.
    return Redirect(path=url_for(here, conversation=conversation, done="sent"), status_code=303)


@both(post, "/{conversation:uuid}/draft", name="reply_draft", guards=BOTH)
async def reply_draft(
    request: Request[Any, Any, Any], access: Access, conversation: FromPath[uuid.UUID]
) -> Template:
    """Keep a reply's text as it is typed (htmx), as the draft of who acts."""
    reach, place = await reached_conversation(request, access, conversation, Action.WRITE)
    form = await request.form()
    saved = await services.save_draft(
        reach.keyring,
        reach.actor.account_id,
        place.patient,
        conversation,
        services.Draft(body=str(form.get("body", ""))),
    )
    return page(request, "messages/_draft_status.html", draft=services.Draft(saved_at=saved))


async def _archive(
    request: Request[Any, Any, Any], access: Access, conversation: uuid.UUID, *, archived: bool
) -> Redirect:
    """The patient's side puts a conversation away, or takes it back (a new message brings it back too)."""
    reach, place = await reached_conversation(request, access, conversation, Action.WRITE)
    await services.set_archived(place, reach.actor.account_id, archived)
    if archived:
        return Redirect(path=url_for("inbox", done="archived"), status_code=303)
    return Redirect(
        path=url_for("conversation", conversation=conversation, done="unarchived"), status_code=303
    )


@post(PATIENT_BASE + "/{conversation:uuid}/archive", name="archive", guards=SPACE, status_code=303)
async def put_away(
    request: Request[Any, Any, Any], access: Access, conversation: FromPath[uuid.UUID]
) -> Redirect:
    return await _archive(request, access, conversation, archived=True)


@post(PATIENT_BASE + "/{conversation:uuid}/unarchive", name="unarchive", guards=SPACE, status_code=303)
async def take_back(
    request: Request[Any, Any, Any], access: Access, conversation: FromPath[uuid.UUID]
) -> Redirect:
    return await _archive(request, access, conversation, archived=False)


@post(
    PRO_BASE + "/{conversation:uuid}/close", name="close_conversation", guards=PROFESSIONALS, status_code=303
)
async def close_conversation(
    request: Request[Any, Any, Any], access: Access, conversation: FromPath[uuid.UUID]
) -> Redirect:
    reach, place = await reached_conversation(request, access, conversation, Action.WRITE)
    if not place.closed:
        await services.close(place, reach.actor.account_id)
    return Redirect(
        path=url_for("pro_conversation", conversation=conversation, done="closed"), status_code=303
    )


@both(get, "/{conversation:uuid}/attachments/{document:uuid}", name="attachment", guards=BOTH)
async def attachment(
    request: Request[Any, Any, Any],
    access: Access,
    conversation: FromPath[uuid.UUID],
    document: FromPath[uuid.UUID],
) -> Response[Any]:
    """A document sent in the conversation, downloaded by one of its members. It is a
    document of the patient's library: the documents area decides too, and a professional
    never gets one the patient hid from professionals."""
    reach, place = await reached_conversation(request, access, conversation, Action.READ)
    object_id = f"document:{document}"
    library = await access.require(Area.DOCUMENTS, Action.READ, subject=place.patient, object_id=object_id)
    info = None
    if await services.attachment_in(conversation, document):
        info = await documents.get_document(
            reach.keyring, place.patient, document, for_professional=reach.by_professional
        )
    if info is None or info.deleted_at is not None:
        await access.refuse(Area.DOCUMENTS, Action.READ, subject=place.patient, object_id=object_id)
    if on_kiosk(request):
        # KioskMiddleware would keep the file from leaving anyway; this answer also offers
        # to print it or send it to one's phone, and records no download.
        return refuse_download(request, info, library)
    response = await file_response(reach.keyring, info, download=True)
    await documents.record(reach.actor.account_id, place.patient, document_actions.DOWNLOAD, document)
    return response
