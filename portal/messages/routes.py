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

The handlers are in modules by page: ``inbox_routes`` (the inbox, the header's count, a
professional's settings), ``new_conversation_routes``, ``conversation_routes`` (a
conversation, replying, archiving, closing, attachments); ``writing`` the steps writing
shares, ``sides`` the two sides' names and the door to a conversation. This module gathers
them for the application.
"""

from __future__ import annotations

from portal.messages.conversation_routes import (
    attachment,
    close_conversation,
    conversation_messages,
    put_away,
    reply_draft,
    send_reply,
    show_conversation,
    take_back,
)
from portal.messages.inbox_routes import header_counts, save_settings, show_inbox, unread
from portal.messages.new_conversation_routes import (
    new_conversation,
    new_conversation_draft,
    start_conversation,
)
from portal.messages.sides import PRO_SIDE, side_name

__all__ = ["ROUTES", "header_counts", "side_name"]

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
    put_away,
    take_back,
    close_conversation,
    attachment,
    *PRO_SIDE,
]
