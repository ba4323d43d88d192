"""Activating an invited space, or refusing it: the state between the steps, and the changes.

Between the first step (the code and the date of birth) and the last (the terms),
the account being activated is remembered in a signed, expiring cookie rather
than a table: it carries the account id, the expiry and the channel chosen for
sign-in codes, never anything secret. The password is hashed and stored on the
account as soon as it is chosen; the space only opens once its status is "active".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from portal.accounts import actions
from portal.accounts.passwords import birth_date_words, hash_password
from portal.accounts.services import PersonIdentity, erase_account
from portal.accounts.tables import Account, Invitation
from portal.core import audit
from portal.core.crypto import read_signed, sign_value
from portal.core.db import release_write_lock
from portal.core.keys import key_owner

STATE_COOKIE = "activation"
STATE_MINUTES = 30
CHANNELS = ("email", "sms")


@dataclass(frozen=True)
class ActivationState:
    """Who is activating their space, until when, and where their sign-in codes will go."""

    account_id: uuid.UUID
    expires_at: int  # seconds since the epoch
    channel: str = ""

    def with_channel(self, channel: str) -> ActivationState:
        return replace(self, channel=channel)


def new_state(account_id: uuid.UUID, now: datetime | None = None) -> ActivationState:
    now = now or datetime.now(UTC)
    return ActivationState(account_id, int((now + timedelta(minutes=STATE_MINUTES)).timestamp()))


def sign_state(master_key: bytes, state: ActivationState) -> str:
    """The cookie value of ``state``: ``<account>.<expiry>.<channel>.<hmac>``."""
    return sign_value(master_key, "activation", f"{state.account_id}.{state.expires_at}.{state.channel}")


def read_state(master_key: bytes, value: str | None, now: datetime | None = None) -> ActivationState | None:
    """The state a cookie carries, or None when it is missing, altered or expired."""
    payload = read_signed(master_key, "activation", value)
    if payload is None:
        return None
    try:
        account, expires, channel = payload.split(".")
        state = ActivationState(uuid.UUID(account), int(expires), channel)
    except ValueError:
        return None
    now = now or datetime.now(UTC)
    if state.expires_at <= now.timestamp() or state.channel not in ("", *CHANNELS):
        return None
    return state


async def invited_account(account_id: uuid.UUID) -> dict[str, object] | None:
    """The account row while it waits for activation (invited, its invitation unused), else None."""
    account = await Account.select().where((Account.id == account_id) & (Account.status == "invited")).first()
    if account is None:
        return None
    unused = await Invitation.exists().where(
        (Invitation.account == account_id) & (Invitation.used_at.is_null())
    )
    return account if unused else None


def code_channels(person: PersonIdentity) -> list[tuple[str, str]]:
    """The ways this person can receive sign-in codes, with the masked address of each."""
    channels = []
    if person.email:
        channels.append(("email", mask_email(person.email)))
    if person.mobile:
        channels.append(("sms", mask_mobile(person.mobile)))
    return channels


def mask_email(email: str) -> str:
    """``jeanne.dupont@example.org`` -> ``j…@example.org``: enough to recognise it."""
    local, _at, domain = email.rpartition("@")
    return f"{local[:1]}…@{domain}"


def mask_mobile(mobile: str) -> str:
    """``+33612345678`` -> ``06 •• •• •• 78``, as people write their number in France."""
    national = "0" + mobile[-9:]
    return f"{national[:2]} •• •• •• {national[-2:]}"


def personal_words(person: PersonIdentity) -> list[str]:
    """What people who know this person could try as their password."""
    words = [person.family_name, person.given_names, person.email or ""]
    if person.date_of_birth:
        words.extend(birth_date_words(date.fromisoformat(person.date_of_birth)))
    return words


async def save_password(account_id: uuid.UUID, password: str) -> None:
    """Store the argon2id hash of the chosen password; the account stays "invited"."""
    # The hash takes about 100 ms: other requests may write meanwhile (SQLite).
    await release_write_lock(Account._meta.db)
    password_hash = await hash_password(password)
    await Account.update({Account.password_hash: password_hash}).where(Account.id == account_id)


async def _use_invitation(account_id: uuid.UUID, now: datetime) -> None:
    await Invitation.update({Invitation.used_at: now}).where(
        (Invitation.account == account_id) & (Invitation.used_at.is_null())
    )


async def activate_account(account_id: uuid.UUID, channel: str, now: datetime | None = None) -> None:
    """Open the space: status "active", where codes go, the invitation used, an audit event."""
    now = now or datetime.now(UTC)
    await Account.update(
        {Account.status: "active", Account.activated_at: now, Account.code_channel: channel}
    ).where(Account.id == account_id)
    await _use_invitation(account_id, now)
    owner = key_owner(account_id)
    await audit.record(actor=owner, action=actions.ACTIVATE, outcome="allowed", subject=owner)


async def refuse_space(account_id: uuid.UUID, now: datetime | None = None) -> None:
    """Record that the person does not want a space, and erase what we hold about them.

    The account row (status "refused") and the audit event are the proof of the choice.
    """
    now = now or datetime.now(UTC)
    await _use_invitation(account_id, now)
    owner = key_owner(account_id)
    await audit.record(actor=owner, action=actions.REFUSE, outcome="allowed", subject=owner)
    # A password chosen before saying no is theirs too.
    await Account.update({Account.password_hash: None}).where(Account.id == account_id)
    await erase_account(account_id, status="refused")
