"""Messages: the same pages for patients (under /space/messages) and professionals
(under /pro/messages): the inbox, a conversation, writing a new one, replying,
drafts kept as one types, attachments, archiving (patient) and closing (professional).

With htmx the inbox, the open conversation and the unread count in the header
refresh every few seconds while the tab is shown (``data-refresh-every`` in
portal.js), a draft is saved as one types, and a message sent appears in place;
without it every action is a plain form or link. Background refreshes do not keep
a session alive (``x-portal-refresh``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.accounts.people import actor_of
from portal.circle.services import members_of
from portal.core.access import Action, Area, Role, require
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.core.sessions import SignedIn, requires_role, signed_in
from portal.core.web import is_htmx, page
from portal.documents import services as documents
from portal.documents.web import check_file, chosen_file, describe_file, file_response
from portal.kiosk.routes import refuse_download
from portal.kiosk.web import on_kiosk
from portal.messages import services
from portal.pro.services import patients_of

PATIENT_BASE = "/space/messages"
PRO_BASE = "/pro/messages"
BOTH = [requires_role(Role.PATIENT, Role.PROFESSIONAL)]
PATIENTS = [requires_role(Role.PATIENT)]
PROFESSIONALS = [requires_role(Role.PROFESSIONAL)]
REFRESH_HEADER = "x-portal-refresh"


def _keyring(request: Request[Any, Any, Any]) -> Keyring:
    return Keyring(request.app.state.master_key)


def _base(user: SignedIn) -> str:
    return PATIENT_BASE if user.role is Role.PATIENT else PRO_BASE


def _user(request: Request[Any, Any, Any]) -> SignedIn:
    """The signed-in person, on the side of the site that is theirs (else 404)."""
    user = signed_in(request)
    if not request.url.path.startswith(_base(user)):
        raise NotFoundException()
    return user


def both(path: str) -> list[str]:
    return [PATIENT_BASE + path, PRO_BASE + path]


async def _member(
    request: Request[Any, Any, Any], conversation: uuid.UUID, action: Action
) -> tuple[SignedIn, services.Membership]:
    """The conversation as the signed-in member reaches it. Someone outside it, or a
    professional the patient blocked or who left the circle, gets a 404, audited."""
    user = _user(request)
    place = await services.membership(conversation, user.account_id)
    if place is None:
        await services.record(
            user.account_id, user.account_id, f"message.{action.value}", conversation, "denied"
        )
        raise NotFoundException()
    await require(await actor_of(user), place.patient, Area.MESSAGES, action, f"conversation:{conversation}")
    return user, place


# --------------------------------------------------------------------------- the header


async def header_counts(request: Request[Any, Any, Any]) -> None:
    """Before a page: the unread count for the header of a patient's or professional's pages."""
    user = request.scope.get("user")
    if not isinstance(user, SignedIn) or user.role not in (Role.PATIENT, Role.PROFESSIONAL):
        return
    if request.method != "GET" or (is_htmx(request) and request.url.path != "/messages/unread"):
        return
    state = request.scope.setdefault("state", {})
    if user.acting and Area.MESSAGES not in state.get("portal_acting", {}).get("areas", {}):
        return  # a carer in someone's space sees their messages only when delegated
    state["portal_header"] = {"inbox": _base(user), "unread": await services.unread_count(user.account_id)}


@get("/messages/unread", name="unread_count", guards=BOTH)
async def unread(request: Request[Any, Any, Any]) -> Template:
    """The header's link to the inbox, with its count (refreshed by htmx)."""
    return page(request, "messages/_unread.html")


# --------------------------------------------------------------------------- inbox


@get(both(""), name="inbox", guards=BOTH)
async def show_inbox(request: Request[Any, Any, Any]) -> Template:
    user = _user(request)
    archived = user.role is Role.PATIENT and request.query_params.get("archived") == "1"
    conversations = await services.inbox(_keyring(request), user.account_id, archived=archived)
    return page(
        request,
        "messages/inbox.html",
        fragment="messages/_inbox.html",
        conversations=conversations,
        archived=archived,
        base=_base(user),
        accepts_new=await services.accepts_new(user.account_id) if user.role is Role.PROFESSIONAL else None,
        done=request.query_params.get("done"),
    )


@post(PRO_BASE + "/settings", name="message_settings", guards=PROFESSIONALS, status_code=303)
async def save_settings(request: Request[Any, Any, Any]) -> Redirect:
    user = _user(request)
    form = await request.form()
    await services.set_accepts_new(user.account_id, form.get("accepts_new") == "1")
    return Redirect(path=f"{PRO_BASE}?done=settings", status_code=303)


# --------------------------------------------------------------------------- writing: shared checks


class Written:
    """A message form, checked: errors by field (in the order of the page) and what was typed."""

    def __init__(self, form: Any) -> None:
        self.form = form
        self.values = {name: str(form.get(name, "")) for name in ("subject", "body", "category", "document")}
        self.errors: dict[str, str] = {}
        self.attachments: list[uuid.UUID] = []

    @property
    def body(self) -> str:
        return self.values["body"].strip()

    def check_subject(self) -> None:
        subject = " ".join(self.values["subject"].split())
        if not subject:
            self.errors["subject"] = _('Say what it is about, for example "My blood test results".')
        elif len(subject) > services.SUBJECT_MAX:
            self.errors["subject"] = _("Write at most %(count)d characters.", count=services.SUBJECT_MAX)
        self.values["subject"] = subject

    def check_body(self) -> None:
        if not self.body:
            self.errors["body"] = _("Write your message.")
        elif len(self.body) > services.BODY_MAX:
            self.errors["body"] = _(
                "Your message is %(length)d characters long: the longest is %(count)d. "
                "Shorten it, or send it in two messages.",
                length=len(self.body),
                count=services.BODY_MAX,
            )

    async def check_attachments(
        self, request: Request[Any, Any, Any], user: SignedIn, patient: uuid.UUID
    ) -> None:
        """A file sent with the message goes into the patient's library (under the kind
        chosen), and a patient may also send one of their documents."""
        keyring = _keyring(request)
        chosen = self.values["document"]
        if chosen and user.role is Role.PATIENT:
            try:
                document_id = uuid.UUID(chosen)
            except ValueError:
                document_id = None
            found = await documents.documents_by_id(keyring, patient, [document_id] if document_id else [])
            info = found.get(document_id) if document_id else None
            if info is None or info.deleted_at is not None:
                self.errors["document"] = _("This document is no longer in your library. Choose another one.")
            else:
                self.attachments.append(info.id)
        upload = chosen_file(self.form, "file")
        if upload is None:
            return
        content, media_type, error = await check_file(upload, request.app.state.settings.max_document_bytes)
        if error or media_type is None:
            self.errors["file"] = error or ""
            return
        category = self.values["category"] if self.values["category"] in documents.CATEGORIES else "other"
        if self.errors:
            return  # nothing is stored until the whole message can go
        title = " ".join((upload.filename or "").rsplit(".", 1)[0].replace("_", " ").split())[:120]
        self.attachments.append(
            await documents.add_document(
                keyring,
                patient=patient,
                author=user.account_id,
                author_role="patient" if user.role is Role.PATIENT else "professional",
                details=documents.Details(
                    title=title or _("Document sent in a message"),
                    category=category,
                    document_date=date.today().isoformat(),
                    media_type=media_type,
                ),
                content=content,
            )
        )


def _form_context(request: Request[Any, Any, Any], user: SignedIn, patient: uuid.UUID) -> dict[str, Any]:
    return {
        "categories": documents.category_names(),
        "max_size": request.app.state.settings.max_document_bytes,
        "base": _base(user),
        "is_patient": user.role is Role.PATIENT,
    }


async def _library_choices(request: Request[Any, Any, Any], user: SignedIn) -> list[tuple[str, str]]:
    """The documents a patient may pick in the form: (id, title), the 30 last added first.
    Only those are opened: a library of hundreds would make every conversation slow."""
    if user.role is not Role.PATIENT:
        return []
    found = await documents.recent_documents(_keyring(request), user.account_id)
    return [(str(d.id), d.details.title) for d in found]


# --------------------------------------------------------------------------- a new conversation


async def _new_context(
    request: Request[Any, Any, Any], user: SignedIn, patient: uuid.UUID | None
) -> dict[str, Any]:
    """Who may be written to: for a patient, the professionals of their circle who accept
    new conversations; for a professional, their patients."""
    keyring = _keyring(request)
    if user.role is Role.PATIENT:
        members = [m for m in await members_of(keyring, user.account_id) if m.blocked_at is None]
        open_to = await services.accepting([m.person.account_id for m in members])
        professionals = [m.person for m in members if m.person.account_id in open_to]
        return {
            "professionals": professionals,
            "professional_options": [(str(p.account_id), p.described) for p in professionals],
            "patients": [],
        }
    patients = await patients_of(keyring, user.account_id)
    chosen = next((p for p in patients if p.account_id == patient), None)
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


@get(both("/new"), name="new_conversation", guards=BOTH)
async def new_conversation(request: Request[Any, Any, Any]) -> Template:
    user = _user(request)
    patient = (
        user.account_id if user.role is Role.PATIENT else _chosen_patient(request.query_params.get("patient"))
    )
    context = await _new_context(request, user, patient)
    if user.role is Role.PROFESSIONAL and patient not in [p.account_id for p in context["patients"]]:
        patient = None
    draft = (
        await services.load_draft(_keyring(request), user.account_id, patient, None)
        if patient
        else services.Draft()
    )
    return page(
        request,
        "messages/new.html",
        **context,
        **_form_context(request, user, patient or user.account_id),
        patient=patient,
        values={"subject": draft.subject, "body": draft.body},
        to=list(draft.to),
        draft=draft,
        library=await _library_choices(request, user),
        done=request.query_params.get("done"),
    )


@post(both("/new"), name="start_conversation", guards=BOTH, status_code=303)
async def start_conversation(request: Request[Any, Any, Any]) -> Response[Any]:
    user = _user(request)
    form = await request.form()
    keyring = _keyring(request)
    written = Written(form)
    context = await _new_context(request, user, None)
    if user.role is Role.PATIENT:
        patient: uuid.UUID | None = user.account_id
        allowed = {str(p.account_id) for p in context["professionals"]}
        to = [value for value in form.getall("to", []) if value in allowed]
        professionals = [uuid.UUID(value) for value in to]
        if not professionals:
            written.errors["to"] = _("Choose at least one professional to write to.")
    else:
        patient = _chosen_patient(str(form.get("patient", "")))
        if patient is None or patient not in [p.account_id for p in context["patients"]]:
            raise NotFoundException()
        context = await _new_context(request, user, patient)
        await require(await actor_of(user), patient, Area.MESSAGES, Action.WRITE)
        professionals, to = [user.account_id], []
    assert patient is not None
    written.check_subject()
    draft = services.Draft(subject=written.values["subject"], body=written.values["body"], to=tuple(to))
    if form.get("action") == "save":
        await services.save_draft(keyring, user.account_id, patient, None, draft)
        where = f"{_base(user)}/new?done=saved" + (
            f"&patient={patient}" if user.role is Role.PROFESSIONAL else ""
        )
        return Redirect(path=where, status_code=303)
    written.check_body()
    await written.check_attachments(request, user, patient)
    if written.errors:
        # Nothing typed is lost: the draft keeps it, and the page shows it again.
        saved = await services.save_draft(keyring, user.account_id, patient, None, draft)
        return page(
            request,
            "messages/new.html",
            status=400,
            **context,
            **_form_context(request, user, patient),
            patient=patient,
            values=written.values,
            to=to,
            draft=services.Draft(saved_at=saved),
            errors=written.errors,
            library=await _library_choices(request, user),
            done=None,
        )
    conversation = await services.start(
        keyring,
        patient=patient,
        author=user.account_id,
        professionals=professionals,
        subject=written.values["subject"],
        body=written.body,
        attachments=written.attachments,
    )
    await services.delete_draft(user.account_id, patient, None)
    await services.tell_members(request.app.state.settings, keyring, conversation, user.account_id)
    return _after_sending(request, f"{_base(user)}/{conversation}?done=sent")


@post(both("/new/draft"), name="new_conversation_draft", guards=BOTH)
async def new_conversation_draft(request: Request[Any, Any, Any]) -> Template:
    """Keep a new conversation's text as it is typed (htmx)."""
    user = _user(request)
    form = await request.form()
    patient = user.account_id if user.role is Role.PATIENT else _chosen_patient(str(form.get("patient", "")))
    if user.role is Role.PROFESSIONAL:
        patients = await patients_of(_keyring(request), user.account_id)
        if patient not in [p.account_id for p in patients]:
            raise NotFoundException()
    assert patient is not None
    draft = services.Draft(
        subject=str(form.get("subject", "")),
        body=str(form.get("body", "")),
        to=tuple(form.getall("to", [])),
    )
    saved = await services.save_draft(_keyring(request), user.account_id, patient, None, draft)
    return page(request, "messages/_draft_status.html", draft=services.Draft(saved_at=saved))


def _after_sending(request: Request[Any, Any, Any], where: str) -> Response[Any]:
    """After a new conversation, the browser goes on to its page (with htmx, a whole page)."""
    if is_htmx(request):
        return Response(content=b"", status_code=200, headers={"HX-Redirect": where})
    return Redirect(path=where, status_code=303)


# --------------------------------------------------------------------------- a conversation


async def _conversation_page(
    request: Request[Any, Any, Any],
    user: SignedIn,
    place: services.Membership,
    *,
    written: Written | None = None,
    status: int = 200,
    fragment: str | None = None,
    saved_at: datetime | None = None,
) -> Template:
    keyring = _keyring(request)
    shown = await services.thread(keyring, place, user.account_id)
    newly_read = await services.mark_read(place, user.account_id, shown)
    if newly_read or fragment is None:
        await services.record(user.account_id, place.patient, "message.read", place.conversation)
    header = request.scope.get("state", {}).get("portal_header")
    if newly_read and header:
        header["unread"] = await services.unread_count(user.account_id)  # the header counted before
    if written or fragment:  # a refreshed thread shows no form: no draft nor documents to read
        draft = services.Draft(saved_at=saved_at)
    else:
        draft = await services.load_draft(keyring, user.account_id, place.patient, place.conversation)
    return page(
        request,
        "messages/conversation.html",
        fragment=fragment,
        status=status,
        thread=shown,
        place=place,
        me=user.account_id,
        values=written.values if written else {"body": draft.body},
        errors=written.errors if written else {},
        draft=draft,
        library=await _library_choices(request, user) if not (place.closed or fragment) else [],
        describe=describe_file,
        done=request.query_params.get("done"),
        **_form_context(request, user, place.patient),
    )


@get(both("/{conversation:uuid}"), name="conversation", guards=BOTH)
async def show_conversation(request: Request[Any, Any, Any], conversation: FromPath[uuid.UUID]) -> Template:
    user, place = await _member(request, conversation, Action.READ)
    return await _conversation_page(request, user, place)


@get(both("/{conversation:uuid}/messages"), name="conversation_messages", guards=BOTH)
async def conversation_messages(
    request: Request[Any, Any, Any], conversation: FromPath[uuid.UUID]
) -> Response[Any]:
    """The messages alone, for the open page's refresh: nothing (204) when none came."""
    user, place = await _member(request, conversation, Action.READ)
    after = request.query_params.get("after", "")
    newest = await services.newest_message_at(conversation)
    if after and newest is not None and newest.isoformat() == after and not place.closed:
        return Response(content=b"", status_code=204)
    return await _conversation_page(request, user, place, fragment="messages/_thread.html")


@post(both("/{conversation:uuid}/reply"), name="reply", guards=BOTH, status_code=303)
async def send_reply(request: Request[Any, Any, Any], conversation: FromPath[uuid.UUID]) -> Response[Any]:
    user, place = await _member(request, conversation, Action.WRITE)
    keyring = _keyring(request)
    form = await request.form()
    written = Written(form)
    draft = services.Draft(body=written.values["body"])
    base = f"{_base(user)}/{conversation}"
    if place.closed:
        written.errors["body"] = _(
            "This conversation is closed: it can be read, not answered. Your text is kept as a draft: "
            "you may copy it into a new conversation."
        )
        saved = await services.save_draft(keyring, user.account_id, place.patient, conversation, draft)
        return await _conversation_page(request, user, place, written=written, status=409, saved_at=saved)
    if form.get("action") == "save":
        await services.save_draft(keyring, user.account_id, place.patient, conversation, draft)
        return Redirect(path=f"{base}?done=saved", status_code=303)
    written.check_body()
    await written.check_attachments(request, user, place.patient)
    if written.errors:
        saved = await services.save_draft(keyring, user.account_id, place.patient, conversation, draft)
        return await _conversation_page(request, user, place, written=written, status=400, saved_at=saved)
    await services.reply(keyring, place, user.account_id, written.body, written.attachments)
    await services.delete_draft(user.account_id, place.patient, conversation)
    await services.tell_members(request.app.state.settings, keyring, conversation, user.account_id)
    # With htmx the browser follows this to the conversation, whose page replaces the form's
    # in place: the message sent appears where it was written.
    return Redirect(path=f"{base}?done=sent", status_code=303)


@post(both("/{conversation:uuid}/draft"), name="reply_draft", guards=BOTH)
async def reply_draft(request: Request[Any, Any, Any], conversation: FromPath[uuid.UUID]) -> Template:
    """Keep a reply's text as it is typed (htmx)."""
    user, place = await _member(request, conversation, Action.WRITE)
    form = await request.form()
    saved = await services.save_draft(
        _keyring(request),
        user.account_id,
        place.patient,
        conversation,
        services.Draft(body=str(form.get("body", ""))),
    )
    return page(request, "messages/_draft_status.html", draft=services.Draft(saved_at=saved))


@post(
    [PATIENT_BASE + "/{conversation:uuid}/archive", PATIENT_BASE + "/{conversation:uuid}/unarchive"],
    name="archive",
    guards=PATIENTS,
    status_code=303,
)
async def archive(request: Request[Any, Any, Any], conversation: FromPath[uuid.UUID]) -> Redirect:
    """The patient puts a conversation away, or takes it back (a new message brings it back too)."""
    user, place = await _member(request, conversation, Action.WRITE)
    archived = not request.url.path.endswith("/unarchive")
    await services.set_archived(place, user.account_id, archived)
    if archived:
        return Redirect(path=f"{PATIENT_BASE}?done=archived", status_code=303)
    return Redirect(path=f"{PATIENT_BASE}/{conversation}?done=unarchived", status_code=303)


@post(
    PRO_BASE + "/{conversation:uuid}/close", name="close_conversation", guards=PROFESSIONALS, status_code=303
)
async def close_conversation(request: Request[Any, Any, Any], conversation: FromPath[uuid.UUID]) -> Redirect:
    user, place = await _member(request, conversation, Action.WRITE)
    if not place.closed:
        await services.close(place, user.account_id)
    return Redirect(path=f"{PRO_BASE}/{conversation}?done=closed", status_code=303)


@get(both("/{conversation:uuid}/attachments/{document:uuid}"), name="attachment", guards=BOTH)
async def attachment(
    request: Request[Any, Any, Any], conversation: FromPath[uuid.UUID], document: FromPath[uuid.UUID]
) -> Response[Any]:
    """A document sent in the conversation, downloaded by one of its members."""
    user, place = await _member(request, conversation, Action.READ)
    keyring = _keyring(request)
    info = None
    if await services.attachment_in(conversation, document):
        info = await documents.get_document(keyring, place.patient, document)
    if info is None or info.deleted_at is not None:
        await documents.record(
            user.account_id, place.patient, "document.download", document, outcome="denied"
        )
        raise NotFoundException()
    if on_kiosk(request):
        return refuse_download(request, info)  # a shared terminal keeps no file
    response = await file_response(keyring, info, download=True)
    await documents.record(user.account_id, place.patient, "document.download", document)
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
