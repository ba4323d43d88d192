"""Conversations between a patient and professionals of their circle: what the routes,
the demonstration and the tests call, in one place. The code is in the modules by what it
does: ``members`` (a member's place in a conversation, who still reaches it, the audit),
``inbox`` (the inbox, the unread count, who accepts new conversations), ``threads`` (a
conversation's page), ``sending`` (starting, replying, closing, archiving, telling the
members), ``drafts``.

Every function runs in the request's transaction with its keyring. The routes ask
the access policy first (a blocked professional, or one who left the circle, gets
nothing); these functions keep to what it cannot see: only the members of a
conversation reach it, a closed conversation takes no more messages, and an
attachment is reachable only from the conversation it was sent in.

A conversation has two sides: the patient's (the patient, and a carer acting for them
under a delegation, who takes the patient's place in it: their read mark, their archive)
and each professional's. What a carer writes is theirs: they are its author, never the
patient. Lists and counts that span patients (a professional's inbox, the unread count,
the "new message" notices) ask the access policy for each patient, so a professional
the patient blocked, or who left the circle, no longer sees, counts nor hears of them.
"""

from __future__ import annotations

from portal.messages.drafts import Draft, delete_draft, load_draft, save_draft
from portal.messages.inbox import (
    INBOX_PAGE,
    Inbox,
    Summary,
    accepting,
    accepts_new,
    inbox,
    set_accepts_new,
    unread_count,
)
from portal.messages.members import Membership, membership, open_to, pages_of, record
from portal.messages.sending import NOTIFY_AT_MOST_EVERY, close, reply, set_archived, start, tell_members
from portal.messages.threads import (
    THREAD_PAGE,
    Attachment,
    MessageView,
    Thread,
    attachment_in,
    mark_read,
    messages_page,
    newest_message_at,
    thread,
)

SUBJECT_MAX = 120
BODY_MAX = 5000

__all__ = [
    "BODY_MAX",
    "INBOX_PAGE",
    "NOTIFY_AT_MOST_EVERY",
    "SUBJECT_MAX",
    "THREAD_PAGE",
    "Attachment",
    "Draft",
    "Inbox",
    "Membership",
    "MessageView",
    "Summary",
    "Thread",
    "accepting",
    "accepts_new",
    "attachment_in",
    "close",
    "delete_draft",
    "inbox",
    "load_draft",
    "mark_read",
    "membership",
    "messages_page",
    "newest_message_at",
    "open_to",
    "pages_of",
    "record",
    "reply",
    "save_draft",
    "set_accepts_new",
    "set_archived",
    "start",
    "tell_members",
    "thread",
    "unread_count",
]
