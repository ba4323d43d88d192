"""Invitations: a space made for a person, and the one-time code that activates it.

The code is 12 digits, easy to read aloud and to type on any keyboard, given by
email or by a large-print letter. Only a keyed index of it is stored. It works
once, for 30 days by default, and together with the person's date of birth;
five wrong dates of birth lock it (the person asks for a new one).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from portal.accounts import actions
from portal.accounts.services import PersonIdentity, create_account, find_account_id, read_identity
from portal.accounts.tables import Account, Invitation
from portal.core import audit
from portal.core.access import Role
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring, key_owner

CODE_DIGITS = 12
VALID_DAYS = 30
MAX_FAILED_ATTEMPTS = 5
CODE_INDEX = "activation-code"


class AlreadyHasASpace(ValueError):
    """The person (same health number) already has a space, invited or active."""


@dataclass(frozen=True)
class Invited:
    account_id: uuid.UUID
    code: str
    expires_at: datetime


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def normalise_code(value: str) -> str:
    """The digits of a code as typed (spaces, dashes and dots ignored)."""
    return "".join(ch for ch in value if ch.isdigit())


def group_code(code: str) -> str:
    """``482177301592`` -> ``4821 7730 1592``: easier to read and to copy."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


async def invite_person(
    keyring: Keyring,
    person: PersonIdentity,
    *,
    delivery: str,
    invited_by: str,
    valid_days: int = VALID_DAYS,
    now: datetime | None = None,
) -> Invited:
    """Create a patient's space in the invited state and an activation code for it.

    Runs in the caller's transaction; deliver the code only after it commits.
    ``invited_by`` is the audit actor ("operator" from the command line, or a
    mediator's account).
    """
    if delivery not in ("email", "letter"):
        raise ValueError("delivery is email or letter")
    if person.nir and await find_account_id(keyring, person.nir) is not None:
        raise AlreadyHasASpace(_("This person already has a space."))
    now = now or datetime.now(UTC)
    account_id = await create_account(keyring, Role.PATIENT, person)
    code = new_code()
    expires_at = now + timedelta(days=valid_days)
    await Invitation.insert(
        Invitation(
            account=account_id,
            code_index=await keyring.index(CODE_INDEX, code),
            delivery=delivery,
            invited_by=invited_by,
            expires_at=expires_at,
        )
    )
    await audit.record(
        actor=invited_by, action=actions.INVITE, outcome="allowed", subject=key_owner(account_id)
    )
    return Invited(account_id=account_id, code=code, expires_at=expires_at)


async def reissue_code(
    keyring: Keyring,
    account_id: uuid.UUID,
    *,
    invited_by: str,
    valid_days: int = VALID_DAYS,
    now: datetime | None = None,
) -> Invited | None:
    """A new code for a space ``invited_by`` made and nobody has activated yet (a letter
    printed again, an email that did not arrive); the code before it stops working.

    None when there is no such invitation. Only a keyed index of a code is kept, so a
    code cannot be shown twice: printing again means a new code.
    """
    now = now or datetime.now(UTC)
    row = (
        await Invitation.select(Invitation.id)
        .where(
            (Invitation.account == account_id)
            & (Invitation.invited_by == invited_by)
            & Invitation.used_at.is_null()
        )
        .order_by(Invitation.id, ascending=False)
        .first()
    )
    status = await Account.select(Account.status).where(Account.id == account_id).first()
    if row is None or status is None or status["status"] != "invited":
        return None
    code = new_code()
    expires_at = now + timedelta(days=valid_days)
    await Invitation.update(
        {
            Invitation.code_index: await keyring.index(CODE_INDEX, code),
            Invitation.expires_at: expires_at,
            Invitation.failed_attempts: 0,
        }
    ).where(Invitation.id == row["id"])
    await audit.record(
        actor=invited_by,
        action=actions.REISSUE_CODE,
        outcome="allowed",
        subject=key_owner(account_id),
    )
    return Invited(account_id=account_id, code=code, expires_at=expires_at)


async def check_activation_code(
    keyring: Keyring, code: str, date_of_birth: date, *, now: datetime | None = None
) -> uuid.UUID | None:
    """The invited account a code opens with this date of birth, or None.

    None for a wrong, used, expired or locked code alike, so the answer tells
    nothing more; a wrong date of birth counts towards the lock. The try is counted
    before the date is compared, in one statement, and given back when it is right:
    tries sent at once cannot all slip under the limit.
    """
    now = now or datetime.now(UTC)
    digits = normalise_code(code)
    if len(digits) != CODE_DIGITS:
        return None
    counted = (
        await Invitation.update({Invitation.failed_attempts: Invitation.failed_attempts + 1})
        .where(Invitation.code_index == await keyring.index(CODE_INDEX, digits))
        .where(Invitation.used_at.is_null())
        .where(Invitation.expires_at > now)
        .where(Invitation.failed_attempts < MAX_FAILED_ATTEMPTS)
        .returning(Invitation.id, Invitation.account)
    )
    if not counted:
        return None
    row = counted[0]
    identity = await read_identity(keyring, row["account"])
    if identity is None or identity.date_of_birth != date_of_birth.isoformat():
        return None
    await Invitation.update({Invitation.failed_attempts: Invitation.failed_attempts - 1}).where(
        Invitation.id == row["id"]
    )
    return uuid.UUID(str(row["account"]))


def activation_email(code: str, expires_on: date, activation_url: str) -> tuple[str, str]:
    """Subject and body of the email that gives a code: no health data, in the current locale."""
    from babel.dates import format_date

    from portal.core.i18n import babel_locale

    subject = _("Your health space is ready")
    body = "\n\n".join(
        [
            _("Hello,"),
            _("Your health space is ready. It is free, and only you decide who sees what is in it."),
            _(
                "To open it, go to %(address)s and type this code and your date of birth:",
                address=activation_url,
            ),
            f"    {group_code(code)}",
            _(
                "This code works until %(date)s. If you do not want a space, "
                "you can say no on the same page.",
                date=format_date(expires_on, format="long", locale=babel_locale()),
            ),
            _("Need help? Call us on 0 800 00 00 00 (free)."),
        ]
    )
    return subject, body + "\n"
