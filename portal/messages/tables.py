"""Conversations, their members, messages, attachments and drafts.

Subjects and bodies are sealed with the patient's data key (closing the space
erases them); an attachment is a document of the patient's library, so its name
is sealed with the document. What stays plain says nothing about health: who
writes to whom and when, read marks, and the flags the server enforces.
"""

from piccolo.columns import UUID, Boolean, Bytea, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.accounts.tables import Account
from portal.documents.tables import Document


class Conversation(Table):
    id = UUID(primary_key=True)
    patient = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    started_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    sealed_subject = Bytea()
    started_at = Timestamptz(default=TimestamptzNow())
    last_message_at = Timestamptz(default=TimestamptzNow(), index=True)
    last_author = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    # A professional closed it: it can be read, not written to.
    closed_at = Timestamptz(null=True, default=None)
    closed_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)


class ConversationMember(Table):
    """The patient and the professionals of a conversation, each with their read mark."""

    conversation = ForeignKey(Conversation, on_delete=OnDelete.cascade, index=True)
    account = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=16)  # "patient" or "professional"
    last_read_at = Timestamptz(null=True, default=None)
    archived = Boolean(default=False)  # the patient put it away; a new message brings it back
    notified_at = Timestamptz(null=True, default=None)  # the last "new message" email or text


class Message(Table):
    id = UUID(primary_key=True)
    conversation = ForeignKey(Conversation, on_delete=OnDelete.cascade, index=True)
    author = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    sealed_body = Bytea()
    sent_at = Timestamptz(default=TimestamptzNow())


class MessageAttachment(Table):
    """A document of the patient's library sent with a message: the members of the
    conversation may open it from there as far as the documents area lets them (a
    professional never opens one the patient hid from professionals)."""

    message = ForeignKey(Message, on_delete=OnDelete.cascade, index=True)
    document = ForeignKey(Document, on_delete=OnDelete.cascade, index=True)


class MessageDraft(Table):
    """What someone is writing: a reply in a conversation, or a new conversation with a
    patient (``conversation`` empty). Sealed with the patient's key, kept until sent."""

    author = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    patient = ForeignKey(Account, on_delete=OnDelete.cascade)
    conversation = ForeignKey(Conversation, null=True, on_delete=OnDelete.cascade)
    sealed_text = Bytea()
    updated_at = Timestamptz(default=TimestamptzNow())


class MessageSettings(Table):
    """A professional's choice: may the patients of their circle start a conversation?"""

    professional = ForeignKey(Account, unique=True, on_delete=OnDelete.cascade)
    accepts_new = Boolean(default=False)
