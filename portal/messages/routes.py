"""Messages: the same pages for the patient's side (under /space/messages) and professionals
(under /pro/messages): the inbox, a conversation, writing a new one, replying, drafts kept
as one types, attachments, archiving (patient's side) and closing (professional).

Every handler goes through the door (``access: Access``) for the messages area: on
/space/messages the subject is the space shown (the patient, also when a carer acts for
them under a delegation: the carer takes the patient's place in their conversations, and is
the author of what they write); on /pro/messages it is the conversation's patient. What a
message carries belongs to the documents area, which decides too: picking a document of
the library to send is reading it, sending a new file files it in the library (writing),
and downloading an attachment is reading it (never, for a professional, a document the
patient hid from professionals).

With htmx the inbox, the open conversation and the unread count in the header
refresh every few seconds while the tab is shown (``data-refresh-every`` in
portal.js), a draft is saved as one types, and a message sent appears in place;
without it every action is a plain form or link. Background refreshes do not keep
a session alive (``x-portal-refresh``: ``portal.core.sessions.REFRESH_HEADER``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.circle.services import members_of
from portal.core.access import Access, Action, Actor, Area, Reach, Role, decide
from portal.core.forms import FormResult
from portal.core.i18n import today
from portal.core.kiosk import on_kiosk
from portal.core.sessions import SPACE_ROLES, SignedIn, requires_role
from portal.core.web import bounded_int, is_htmx, page
from portal.documents import actions as document_actions
from portal.documents import services as documents
from portal.documents.web import describe_file, file_response, refuse_download
from portal.messages import actions, forms, services
from portal.pro.services import patients_of

PATIENT_BASE = "/space/messages"
PRO_BASE = "/pro/messages"
BOTH = [requires_role(*SPACE_ROLES, Role.PROFESSIONAL)]
SPACE = [requires_role(*SPACE_ROLES)]
PROFESSIONALS = [requires_role(Role.PROFESSIONAL)]
# A page number beyond any inbox or conversation.
MAX_PAGE = 10_000


def _base(actor: Actor) -> str:
    return PRO_BASE if actor.role is Role.PROFESSIONAL else PATIENT_BASE


def _own_side(request: Request[Any, Any, Any], access: Access) -> Actor:
    """The actor, on the side of the site that is theirs (else 404): a professional under
    /pro/messages, anyone in a patient's space under /space/messages."""
    actor = access.actor
    if not request.url.path.startswith(_base(actor)):
        raise NotFoundException()
    return actor


def both(path: str) -> list[str]:
    return [PATIENT_BASE + path, PRO_BASE + path]


async def _conversation(
    request: Request[Any, Any, Any], access: Access, conversation: uuid.UUID, action: Action
) -> tuple[Reach, services.Membership]:
    """The conversation as the actor reaches it, through the door. On the patient's side the
    member is the subject (the patient, whoever acts for them), on a professional's the
    professional. Someone outside it, or a professional the patient blocked or who left the
    circle, gets a 404, audited."""
    actor = _own_side(request, access)
    object_id = f"conversation:{conversation}"
    if actor.role is Role.PROFESSIONAL:
        place = await services.membership(conversation, actor.account_id)
        if place is None:
            await access.refuse(Area.MESSAGES, action, object_id=object_id)
        reach = await access.require(Area.MESSAGES, action, subject=place.patient, object_id=object_id)
        return reach, place
    # The patient's side: nothing is looked up for someone the area is closed to.
    reach = await access.require(Area.MESSAGES, action, object_id=object_id)
    found = await services.membership(conversation, reach.subject)
    if found is None:
        await access.refuse(Area.MESSAGES, action, object_id=object_id)
    return reach, found


# --------------------------------------------------------------------------- the header


async def header_counts(request: Request[Any, Any, Any]) -> None:
    """Before a page: the unread count for the header of a patient's space or a professional's
    pages: the professional's own conversations (of the patients who still let them read),
    or the space's, shown to whoever may read its messages (a carer only when delegated)."""
    user = request.scope.get("user")
    if not isinstance(user, SignedIn) or user.role not in (*SPACE_ROLES, Role.PROFESSIONAL):
        return
    if request.method != "GET" or (is_htmx(request) and request.url.path != "/messages/unread"):
        return
    actor = user.actor
    if actor.role is not Role.PROFESSIONAL and not await decide(
        actor, user.subject, Area.MESSAGES, Action.READ
    ):
        return
    member = actor.account_id if actor.role is Role.PROFESSIONAL else user.subject
    state = request.scope.setdefault("state", {})
    state["portal_header"] = {"inbox": _base(actor), "unread": await services.unread_count(member)}


@get("/messages/unread", name="unread_count", guards=BOTH)
async def unread(request: Request[Any, Any, Any], access: Access) -> Template:
    """The header's link to the inbox, with its count (refreshed by htmx)."""
    if access.actor.role is Role.PROFESSIONAL:
        access.own(Role.PROFESSIONAL)
    else:
        await access.require(Area.MESSAGES, Action.READ)
    return page(request, "messages/_unread.html")


# --------------------------------------------------------------------------- inbox


def _page_asked(request: Request[Any, Any, Any]) -> int | None:
    """The page number in the address (``page``), or None when there is none (or it is no number)."""
    return bounded_int(request.query_params.get("page"), default=0, low=1, high=MAX_PAGE) or None


@get(both(""), name="inbox", guards=BOTH)
async def show_inbox(request: Request[Any, Any, Any], access: Access) -> Template:
    actor = _own_side(request, access)
    if actor.role is Role.PROFESSIONAL:
        # Their own conversations, across patients: each patient's is kept only while the
        # policy still lets them read it (services.inbox).
        access.own(Role.PROFESSIONAL)
        member, archived, may_write = actor.account_id, False, True
        accepts_new: bool | None = await services.accepts_new(actor.account_id)
    else:
        reach = await access.require(Area.MESSAGES, Action.READ)
        member, archived = reach.subject, request.query_params.get("archived") == "1"
        may_write = await access.allows(Area.MESSAGES, Action.WRITE)
        accepts_new = None
    found = await services.inbox(
        access.keyring,
        member,
        archived=archived,
        page=_page_asked(request) or 1,
        professional=actor.role is Role.PROFESSIONAL,
    )
    return page(
        request,
        "messages/inbox.html",
        fragment="messages/_inbox.html",
        inbox=found,
        conversations=found.conversations,
        archived=archived,
        base=_base(actor),
        may_write=may_write,
        accepts_new=accepts_new,
        done=request.query_params.get("done"),
    )


@post(PRO_BASE + "/settings", name="message_settings", guards=PROFESSIONALS, status_code=303)
async def save_settings(request: Request[Any, Any, Any], access: Access) -> Redirect:
    actor = access.own(Role.PROFESSIONAL)
    form = await request.form()
    await services.set_accepts_new(actor.account_id, form.get("accepts_new") == "1")
    return Redirect(path=f"{PRO_BASE}?done=settings", status_code=303)


# --------------------------------------------------------------------------- writing: shared steps


async def _named_in_library(
    access: Access, reach: Reach, sent: Any
) -> dict[str, documents.DocumentInfo] | None:
    """The library document the form names, looked up (None for a professional: they pick
    none). Picking one is reading the patient's documents, which the door decides: asked
    for without it allowing it (the form did not offer it), it is an audited 404."""
    if reach.by_professional:
        return None
    named = forms.named_document(sent)
    if not named:
        return {}
    await access.require(Area.DOCUMENTS, Action.READ, subject=reach.subject)
    try:
        document_id = uuid.UUID(named)
    except ValueError:
        return {}
    found = (await documents.documents_by_id(reach.keyring, reach.subject, [document_id])).get(document_id)
    return {named: found} if found is not None else {}


async def _read_message(
    request: Request[Any, Any, Any],
    access: Access,
    reach: Reach,
    sent: Any,
    *,
    offered: set[str] | None = None,
    new: bool = False,
) -> tuple[FormResult, forms.Message | None]:
    """A message's form, read (nothing stored), and the door asked for what it carries: a
    document of the library is read there, a new file would be filed there (written)."""
    settings = request.app.state.settings
    form, message = await forms.read_message(
        sent,
        new=new,
        offered=offered,
        library=await _named_in_library(access, reach, sent),
        max_bytes=settings.max_document_bytes,
        today=today(settings.timezone),
    )
    if forms.carries_file(form):
        await access.require(Area.DOCUMENTS, Action.WRITE, subject=reach.subject)
    return form, message


async def _file_attachments(reach: Reach, message: forms.Message) -> list[uuid.UUID]:
    """Once the form is right and the message can go: file the new file in the patient's
    library, by who acts, and return every document the message carries."""
    attached = [message.document] if message.document else []
    new_file = message.new_file
    if new_file is None:
        return attached
    if reach.by_subject:
        author_role = "patient"
    elif reach.by_professional:
        author_role = "professional"
    else:
        author_role = "carer"
    document = await documents.add_document(
        reach.keyring,
        patient=reach.subject,
        author=reach.actor.account_id,
        author_role=author_role,
        details=documents.Details(
            title=new_file.title,
            category=new_file.category,
            document_date=new_file.filed_on.isoformat(),
            media_type=new_file.media_type,
        ),
        content=new_file.content,
    )
    return [*attached, document]


async def _form_context(
    request: Request[Any, Any, Any], access: Access, reach: Reach, *, with_form: bool = True
) -> dict[str, Any]:
    """What the writing forms offer: the file field only to whoever may file documents in
    the patient's library, the library picker only to the patient's side when it may read
    them. Without a form to show (a refresh, a closed conversation), no document is opened."""
    may_file = with_form and await access.allows(Area.DOCUMENTS, Action.WRITE, subject=reach.subject)
    return {
        "categories": documents.category_names(),
        "max_size": request.app.state.settings.max_document_bytes,
        "base": _base(reach.actor),
        "patient_side": not reach.by_professional,
        "own_space": reach.by_subject,
        "may_file": may_file,
        "library": await _library_choices(access, reach) if with_form else [],
    }


async def _library_choices(access: Access, reach: Reach) -> list[tuple[str, str]]:
    """The documents the patient's side may pick in the form: (id, title), the 30 last added
    first, without those hidden from professionals (they could not open them). Only those
    are opened: a library of hundreds would make every conversation slow."""
    if reach.by_professional or not await access.allows(Area.DOCUMENTS, Action.READ, subject=reach.subject):
        return []
    found = await documents.recent_documents(reach.keyring, reach.subject)
    return [(str(d.id), d.details.title) for d in found if not d.hidden]


# --------------------------------------------------------------------------- a new conversation


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
    actor = _own_side(request, access)
    if actor.role is not Role.PROFESSIONAL:
        return await access.require(Area.MESSAGES, Action.WRITE)
    chosen = _chosen_patient(patient)
    if chosen is None:
        raise NotFoundException()
    return await access.require(Area.MESSAGES, Action.WRITE, subject=chosen)


@get(both("/new"), name="new_conversation", guards=BOTH)
async def new_conversation(request: Request[Any, Any, Any], access: Access) -> Template:
    actor = _own_side(request, access)
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
            base=PRO_BASE,
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
        **await _form_context(request, access, reach),
        patient=reach.subject,
        form=FormResult.filled({"subject": draft.subject, "body": draft.body, "to": list(draft.to)}),
        draft=draft,
        done=request.query_params.get("done"),
    )


@post(both("/new"), name="start_conversation", guards=BOTH, status_code=303)
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
        where = f"{_base(actor)}/new?done=saved" + (f"&patient={patient}" if reach.by_professional else "")
        return Redirect(path=where, status_code=303)
    form, message = await _read_message(request, access, reach, sent, offered=offered, new=True)
    if message is None:
        # Nothing typed is lost: the draft keeps it, and the page shows it again.
        saved = await services.save_draft(access.keyring, actor.account_id, patient, None, draft)
        return page(
            request,
            "messages/new.html",
            status=400,
            **context,
            **await _form_context(request, access, reach),
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
        attachments=await _file_attachments(reach, message),
    )
    await services.delete_draft(actor.account_id, patient, None)
    side = actor.account_id if reach.by_professional else patient
    await services.tell_members(request.app.state.settings, access.keyring, conversation, side)
    return _after_sending(request, f"{_base(actor)}/{conversation}?done=sent")


@post(both("/new/draft"), name="new_conversation_draft", guards=BOTH)
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


# --------------------------------------------------------------------------- a conversation


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
    form_context = await _form_context(
        request, access, reach, with_form=may_write and not (place.closed or fragment)
    )
    return page(
        request,
        "messages/conversation.html",
        fragment=fragment,
        status=status,
        thread=shown,
        place=place,
        may_write=may_write,
        **(written if written is not None else FormResult.filled({"body": draft.body})).shown(),
        draft=draft,
        describe=describe_file,
        done=request.query_params.get("done"),
        **form_context,
    )


@get(both("/{conversation:uuid}"), name="conversation", guards=BOTH)
async def show_conversation(
    request: Request[Any, Any, Any], access: Access, conversation: FromPath[uuid.UUID]
) -> Template:
    reach, place = await _conversation(request, access, conversation, Action.READ)
    return await _conversation_page(request, access, reach, place, page_number=_page_asked(request))


@get(both("/{conversation:uuid}/messages"), name="conversation_messages", guards=BOTH)
async def conversation_messages(
    request: Request[Any, Any, Any], access: Access, conversation: FromPath[uuid.UUID]
) -> Response[Any]:
    """The messages alone, for the open page's refresh: nothing (204) when none came."""
    reach, place = await _conversation(request, access, conversation, Action.READ)
    after = request.query_params.get("after", "")
    newest = await services.newest_message_at(conversation)
    if after and newest is not None and newest.isoformat() == after and not place.closed:
        return Response(content=b"", status_code=204)
    return await _conversation_page(request, access, reach, place, fragment="messages/_thread.html")


@post(both("/{conversation:uuid}/reply"), name="reply", guards=BOTH, status_code=303)
async def send_reply(
    request: Request[Any, Any, Any], access: Access, conversation: FromPath[uuid.UUID]
) -> Response[Any]:
    reach, place = await _conversation(request, access, conversation, Action.WRITE)
    keyring, author = reach.keyring, reach.actor.account_id
    sent = await request.form()
    draft = forms.draft_of(sent, new=False)
    base = f"{_base(reach.actor)}/{conversation}"
    if place.closed:
        saved = await services.save_draft(keyring, author, place.patient, conversation, draft)
        return await _conversation_page(
            request, access, reach, place, written=forms.unsent(draft.body), status=409, saved_at=saved
        )
    if sent.get("action") == "save":
        await services.save_draft(keyring, author, place.patient, conversation, draft)
        return Redirect(path=f"{base}?done=saved", status_code=303)
    form, message = await _read_message(request, access, reach, sent)
    if message is None:
        saved = await services.save_draft(keyring, author, place.patient, conversation, draft)
        return await _conversation_page(
            request, access, reach, place, written=form, status=400, saved_at=saved
        )
    await services.reply(keyring, place, author, message.body, await _file_attachments(reach, message))
    await services.delete_draft(author, place.patient, conversation)
    await services.tell_members(request.app.state.settings, keyring, conversation, place.account)
    # With htmx the browser follows this to the conversation, whose page replaces the form's
    # in place: the message sent appears where it was written.
    return Redirect(path=f"{base}?done=sent", status_code=303)


@post(both("/{conversation:uuid}/draft"), name="reply_draft", guards=BOTH)
async def reply_draft(
    request: Request[Any, Any, Any], access: Access, conversation: FromPath[uuid.UUID]
) -> Template:
    """Keep a reply's text as it is typed (htmx), as the draft of who acts."""
    reach, place = await _conversation(request, access, conversation, Action.WRITE)
    form = await request.form()
    saved = await services.save_draft(
        reach.keyring,
        reach.actor.account_id,
        place.patient,
        conversation,
        services.Draft(body=str(form.get("body", ""))),
    )
    return page(request, "messages/_draft_status.html", draft=services.Draft(saved_at=saved))


@post(
    [PATIENT_BASE + "/{conversation:uuid}/archive", PATIENT_BASE + "/{conversation:uuid}/unarchive"],
    name="archive",
    guards=SPACE,
    status_code=303,
)
async def archive(
    request: Request[Any, Any, Any], access: Access, conversation: FromPath[uuid.UUID]
) -> Redirect:
    """The patient's side puts a conversation away, or takes it back (a new message brings it back too)."""
    reach, place = await _conversation(request, access, conversation, Action.WRITE)
    archived = not request.url.path.endswith("/unarchive")
    await services.set_archived(place, reach.actor.account_id, archived)
    if archived:
        return Redirect(path=f"{PATIENT_BASE}?done=archived", status_code=303)
    return Redirect(path=f"{PATIENT_BASE}/{conversation}?done=unarchived", status_code=303)


@post(
    PRO_BASE + "/{conversation:uuid}/close", name="close_conversation", guards=PROFESSIONALS, status_code=303
)
async def close_conversation(
    request: Request[Any, Any, Any], access: Access, conversation: FromPath[uuid.UUID]
) -> Redirect:
    reach, place = await _conversation(request, access, conversation, Action.WRITE)
    if not place.closed:
        await services.close(place, reach.actor.account_id)
    return Redirect(path=f"{PRO_BASE}/{conversation}?done=closed", status_code=303)


@get(both("/{conversation:uuid}/attachments/{document:uuid}"), name="attachment", guards=BOTH)
async def attachment(
    request: Request[Any, Any, Any],
    access: Access,
    conversation: FromPath[uuid.UUID],
    document: FromPath[uuid.UUID],
) -> Response[Any]:
    """A document sent in the conversation, downloaded by one of its members. It is a
    document of the patient's library: the documents area decides too, and a professional
    never gets one the patient hid from professionals."""
    reach, place = await _conversation(request, access, conversation, Action.READ)
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


ROUTES = [
    unread,
    show_inbox,
    save_settings,
    new_conversation,
    start_conversation,
    new_conversation_draft,
    show_conversation,
    conversation_messages,
    send_reply,
    reply_draft,
    archive,
    close_conversation,
    attachment,
]
