"""Delegations changed: inviting a carer, answering an invitation, ending a delegation, and
the operator's legal representative.

A carer is a person with their own space. The patient finds them by name, date of
birth and national health number (NIR), or invites them by email. An invitation by email
never looks the address up (who has a space, and their name, is not the patient's to learn
by typing addresses): it stays addressed to the email typed, a link goes to it (at most one
such email a day per address, whoever invites), and it becomes a carer's once the person
accepts it, from the link or, when the address is the one of their own space, from their
page of the people they help. A patient has at most ``MAX_PENDING_INVITATIONS`` invitations
waiting for an answer at once.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from portal.accounts.services import find_account_id, read_identity
from portal.accounts.tables import Account
from portal.carers import actions
from portal.carers.delegations import (
    INVITATION_MAIL,
    INVITED_EMAIL,
    LIVE,
    MAIL_EVERY,
    MAX_PENDING_INVITATIONS,
    DelegationError,
    _addressed_to,
    _count,
    _place,
    _uuid,
    own_invitation_index,
    pending_invitations,
    token_hash,
    too_many_pending,
)
from portal.carers.tables import Delegation, InvitationMail
from portal.core import audit
from portal.core.access import DELEGABLE_AREAS, Action, Area, format_areas
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring, key_owner
from portal.core.records import record, seal_json


async def may_mail_invitation(keyring: Keyring, email: str) -> bool:
    """True, and it is counted, when no invitation to help was emailed to ``email`` in the
    last day (by anyone); False when one was: this one is held back. Safe when two
    requests for one address race: one inserts the row, the other finds it there."""
    now = datetime.now(UTC)
    await InvitationMail.delete().where(InvitationMail.sent_at <= now - MAIL_EVERY)
    inserted = (
        await InvitationMail.insert(
            InvitationMail(key=await keyring.index(INVITATION_MAIL, email), sent_at=now)
        )
        .on_conflict(target=InvitationMail.key, action="DO NOTHING")
        .returning(InvitationMail.key)
    )
    return bool(inserted)


async def find_carer(
    keyring: Keyring, *, family_name: str, given_names: str, date_of_birth: str, nir: str
) -> uuid.UUID | None:
    """The active patient account with this NIR whose name and date of birth also match."""
    account = await find_account_id(keyring, nir)
    if account is None:
        return None
    row = await Account.select(Account.role, Account.status).where(Account.id == account).first()
    if row is None or row["role"] != "patient" or row["status"] != "active":
        return None
    person = await read_identity(keyring, account)

    def same(a: str, b: str) -> bool:
        return " ".join(a.casefold().split()) == " ".join(b.casefold().split())

    if (
        person is None
        or person.date_of_birth != date_of_birth
        or not same(person.family_name, family_name)
        or not same(person.given_names.split()[0] if person.given_names else "", given_names.split()[0])
    ):
        return None
    return account


async def _check_patient_limits(patient: uuid.UUID, max_carers: int) -> None:
    """The patient may invite once more: fewer than ``MAX_PENDING_INVITATIONS`` waiting for an
    answer, and fewer than ``max_carers`` carers, active or invited."""
    if await pending_invitations(patient) >= MAX_PENDING_INVITATIONS:
        raise too_many_pending()
    if await _count(Delegation.patient == patient, Delegation.status.is_in(LIVE)) >= max_carers:
        raise DelegationError(
            "who",
            _(
                "You already have %(count)d carers: end one of them before you invite someone else.",
                count=max_carers,
            ),
        )


async def _check_new_carer(
    patient: uuid.UUID, carer: uuid.UUID | None, invited_index: str | None, max_people: int
) -> None:
    """The person invited is not already the patient's carer, nor invited (``carer`` found by
    identity, else the address of ``invited_index``), and a carer found by identity helps
    fewer than ``max_people`` people."""
    already = _("This person is already your carer, or already invited.")
    if carer is not None:
        if await _count(
            Delegation.patient == patient, Delegation.carer == carer, Delegation.status.is_in(LIVE)
        ):
            raise DelegationError("who", already)
        if await _count(Delegation.carer == carer, Delegation.status.is_in(LIVE)) >= max_people:
            raise DelegationError(
                "who",
                _("This person already helps %(count)d people, the most a carer may help.", count=max_people),
            )
    else:
        # The patient's own invitations only: it says nothing about who holds the address.
        if await _count(
            Delegation.patient == patient,
            Delegation.invited_email_index == invited_index,
            Delegation.status.is_in(LIVE),
        ):
            raise DelegationError("who", already)


async def invite(
    keyring: Keyring,
    *,
    patient: uuid.UUID,
    carer: uuid.UUID | None,
    email: str | None,
    relation: str,
    areas: dict[Area, Action],
    ends_at: datetime | None,
    max_carers: int,
    max_people: int,
    email_as_typed: str | None = None,
    legal_representative: bool = False,
) -> tuple[uuid.UUID, str | None]:
    """Make an invitation: to ``carer`` (found by identity), or to ``email`` (normalised;
    ``email_as_typed`` is what the patient's pages show), never looked up. Returns its id
    and, for an invitation by email, the token of the link to send (only its hash is kept)."""
    if carer is None and not email:
        raise DelegationError("who", _("Enter the email address of the person."))
    # An invitation by email: a blind index of the address (none is looked up with it).
    invited_index = await keyring.index(INVITED_EMAIL, email) if carer is None and email else None
    own_address = invited_index is not None and invited_index == await own_invitation_index(keyring, patient)
    if carer == patient or own_address:
        raise DelegationError("who", _("You cannot be your own carer. Choose someone else."))
    if not areas:
        raise DelegationError("areas", _("Choose at least one part of your space this person may use."))
    await _check_patient_limits(patient, max_carers)
    await _check_new_carer(patient, carer, invited_index, max_people)
    delegation = uuid.uuid4()
    token = secrets.token_urlsafe(24) if carer is None else None
    shown = (email_as_typed or email or "") if carer is None else ""
    await Delegation.insert(
        Delegation(
            id=delegation,
            patient=patient,
            carer=carer,
            sealed_details=await seal_json(
                keyring, _place(delegation, patient), {"relation": relation, "email": shown}
            ),
            areas=format_areas(areas),
            legal_representative=legal_representative,
            ends_at=ends_at,
            status="invited",
            token_hash=token_hash(token) if token else None,
            invited_email_index=invited_index,
        )
    )
    await record(patient, patient, actions.INVITE, f"delegation:{delegation}")
    return delegation, token


async def answer(
    delegation: uuid.UUID,
    carer: uuid.UUID,
    accept: bool,
    *,
    by_link: bool = False,
    invited_index: str | None = None,
    max_people: int | None = None,
) -> bool:
    """The carer accepts or refuses an invitation made to them (or, ``by_link``, sent to them
    by email; or sent to the address of their own space, ``invited_index``); False when there
    is no such invitation for them. Accepting when they already help ``max_people`` people
    raises :class:`DelegationError` (an invitation by email was never checked against it)."""
    who = Delegation.token_hash.is_not_null() if by_link else _addressed_to(carer, invited_index)
    row = (
        await Delegation.select(Delegation.patient)
        .where((Delegation.id == delegation) & (Delegation.status == "invited") & who)
        .first()
    )
    if row is None:
        return False
    patient = _uuid(row["patient"])
    assert patient is not None
    if patient == carer:
        return False
    if (
        accept
        and max_people is not None
        and await _count(
            Delegation.carer == carer,
            Delegation.status == "active",
            Delegation.legal_representative.eq(False),
        )
        >= max_people
    ):
        raise DelegationError(
            "who",
            _(
                "You already help %(count)d people, the most a carer may help. Stop helping someone, "
                "then answer again.",
                count=max_people,
            ),
        )
    await Delegation.update(
        {
            Delegation.status: "active" if accept else "refused",
            Delegation.carer: carer,
            Delegation.accepted_at: datetime.now(UTC) if accept else None,
            Delegation.token_hash: None,
        }
    ).where(Delegation.id == delegation)
    await record(carer, patient, actions.ACCEPT if accept else actions.REFUSE, f"delegation:{delegation}")
    return True


async def end(delegation: uuid.UUID, by: uuid.UUID) -> bool:
    """End a delegation, from either side; it stops at once. False when ``by`` is neither side."""
    row = (
        await Delegation.select(Delegation.patient)
        .where(
            (Delegation.id == delegation)
            & Delegation.status.is_in(LIVE)
            & ((Delegation.patient == by) | (Delegation.carer == by))
        )
        .first()
    )
    if row is None:
        return False
    patient = _uuid(row["patient"])
    assert patient is not None
    await Delegation.update(
        {
            Delegation.status: "ended",
            Delegation.ended_at: datetime.now(UTC),
            Delegation.ended_by: by,
            Delegation.token_hash: None,
        }
    ).where(Delegation.id == delegation)
    await record(by, patient, actions.END, f"delegation:{delegation}")
    return True


async def make_legal_representative(
    keyring: Keyring, *, child: uuid.UUID, representative: uuid.UUID, until: datetime | None
) -> uuid.UUID:
    """The operator records that ``representative`` is the legal representative of the
    minor ``child``: an active delegation with every area a carer may have, until
    ``until`` (the child's 18th birthday, say). It counts in neither side's limits."""
    if child == representative:
        raise DelegationError("who", _("A person cannot be their own legal representative."))
    delegation = uuid.uuid4()
    await Delegation.insert(
        Delegation(
            id=delegation,
            patient=child,
            carer=representative,
            sealed_details=await seal_json(
                keyring, _place(delegation, child), {"relation": "legal_guardian", "email": ""}
            ),
            areas=format_areas(dict.fromkeys(DELEGABLE_AREAS, Action.WRITE)),
            legal_representative=True,
            ends_at=until,
            status="active",
            accepted_at=datetime.now(UTC),
        )
    )
    await audit.record(
        actor="operator",
        action=actions.REPRESENT,
        outcome="allowed",
        subject=key_owner(child),
        object_id=f"delegation:{delegation}",
    )
    return delegation
