"""The messages' forms, read with ``portal.core.forms``: a new conversation and a reply,
with what they carry (a file sent, or a document of the patient's library).

Reading stores nothing and asks nothing: the route looks up the library document the form
names (through the door, ``named_document``) before the form is read, and once the form
is right it files the new file in the patient's library and sends the message.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from portal.core.forms import FormReader, FormResult, one_line
from portal.core.i18n import gettext as _
from portal.documents import services as documents
from portal.messages import services

# The longest title a file sent with a message is filed under.
FILE_TITLE_MAX = 120


@dataclass(frozen=True)
class NewFile:
    """A file sent with a message, checked, to be filed in the patient's library."""

    content: bytes
    media_type: str
    category: str
    title: str
    filed_on: date  # today, where the people live


@dataclass(frozen=True)
class Message:
    """A message as its form says it, checked: what to send (``subject`` and ``to``: a new
    conversation's; ``to``, the professionals a patient's side chose)."""

    subject: str
    body: str
    to: list[uuid.UUID]
    document: uuid.UUID | None  # a document of the library, checked
    new_file: NewFile | None  # a file sent, checked, not filed yet


# --------------------------------------------------------------------------- what each field says


def _too_long_body(count: int, length: int) -> str:
    return _(
        "Your message is %(length)d characters long: the longest is %(count)d. "
        "Shorten it, or send it in two messages.",
        length=length,
        count=count,
    )


def _gone() -> str:
    return _("This document is no longer in your library. Choose another one.")


def _hidden() -> str:
    # The professionals could not open it (the patient hid it from them).
    return _(
        "This document is hidden from professionals: they could not open it. "
        "Show it to them in the documents first, or choose another one."
    )


def closed() -> str:
    return _(
        "This conversation is closed: it can be read, not answered. Your text is kept as a draft: "
        "you may copy it into a new conversation."
    )


# --------------------------------------------------------------------------- drafts


def _typed(sent: Any, name: str) -> str:
    value = sent.get(name, "")
    return value if isinstance(value, str) else ""


def offered_to(sent: Any, offered: Collection[str]) -> list[str]:
    """The professionals ticked among those ``offered`` (a patient's side): one who stopped
    receiving new conversations since the page was shown is left out, quietly."""
    getall = getattr(sent, "getall", None)
    ticked = getall("to", []) if getall is not None else [sent.get("to", "")]
    return [value for value in ticked if isinstance(value, str) and value in offered]


def draft_of(sent: Any, to: Collection[str] = (), *, new: bool = True) -> services.Draft:
    """What a message's form holds, kept as a draft whether it is right or not: the text
    as typed, and for a new conversation (``new``) the subject on one line and the
    professionals chosen (``offered_to``)."""
    if not new:
        return services.Draft(body=_typed(sent, "body"))
    return services.Draft(subject=one_line(_typed(sent, "subject")), body=_typed(sent, "body"), to=tuple(to))


def unsent(body: str) -> FormResult:
    """A reply's form in a closed conversation: the text typed, kept, and why it did not go."""
    form = FormResult.filled({"body": body})
    form.error("body", closed())
    return form


# --------------------------------------------------------------------------- reading


def named_document(sent: Any) -> str:
    """The library document the form names, as sent ("" for none)."""
    return _typed(sent, "document").strip()


def carries_file(form: FormResult) -> bool:
    """Whether a file came with the form read (right or not): filing it is writing in the
    patient's documents, which the door decides."""
    return "file" in form.data or "file" in form.errors


def _file_title(file_name: str) -> str:
    """The title a file sent is filed under: its name, without its extension, in words."""
    return " ".join(file_name.rsplit(".", 1)[0].replace("_", " ").split())[:FILE_TITLE_MAX]


async def _attachments(
    reader: FormReader,
    *,
    library: Mapping[str, documents.DocumentInfo] | None,
    max_bytes: int,
    today: date,
) -> tuple[uuid.UUID | None, NewFile | None]:
    """What the message carries: a file sent (filed under the kind chosen, else "other"),
    and, on the patient's side (``library``: the document named, as the route found it),
    one of the library's documents the professionals may open."""
    upload = await reader.file("file", max_bytes=max_bytes, required=False)
    category = reader.choice("category", documents.CATEGORIES, fallback="other")
    new_file = None
    if upload is not None:
        new_file = NewFile(
            upload.content,
            upload.media_type,
            category,
            _file_title(upload.file_name) or _("Document sent in a message"),
            today,
        )
    if library is None:  # a professional picks no document of the library
        return None, new_file
    named = named_document(reader.sent)
    found = library.get(named)
    usable = found is not None and found.deleted_at is None and not found.hidden
    is_hidden = found is not None and found.deleted_at is None and found.hidden
    reader.choice("document", [named] if usable else [], unknown=_hidden() if is_hidden else _gone())
    return (found.id if found is not None and usable else None), new_file


async def read_message(
    sent: Any,
    *,
    new: bool,
    offered: Collection[str] | None,
    library: Mapping[str, documents.DocumentInfo] | None,
    max_bytes: int,
    today: date,
) -> tuple[FormResult, Message | None]:
    """A message's form, in the order of the page: whom to (``offered``: the professionals
    a patient's side may choose, None for a professional), the subject (``new``: a new
    conversation), the text, a file and its kind, a document of the library (``library``:
    the one named, looked up; None for a professional)."""
    reader = FormReader(sent)
    form = reader.result
    to: list[str] = []
    if offered is not None:
        to = offered_to(sent, offered)
        form.order.append("to")
        form.keep("to", to)
        if not to:
            form.error("to", _("Choose at least one professional to write to."))
    subject = ""
    if new:
        subject = reader.text(
            "subject",
            max_length=services.SUBJECT_MAX,
            required=True,
            missing=_('Say what it is about, for example "My blood test results".'),
        )
    body = reader.long_text(
        "body",
        max_length=services.BODY_MAX,
        required=True,
        missing=_("Write your message."),
        too_long=_too_long_body,
    )
    document, new_file = await _attachments(reader, library=library, max_bytes=max_bytes, today=today)
    if not form.ok:
        return form, None
    return form, Message(subject, body, [uuid.UUID(value) for value in to], document, new_file)
