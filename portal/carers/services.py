"""Delegations between a patient and their carers: inviting, accepting, ending, listing.

A carer is a person with their own space. The patient finds them by name, date of
birth and national health number (NIR), or invites them by email. An invitation by email
never looks the address up (who has a space, and their name, is not the patient's to learn
by typing addresses): it stays addressed to the email typed, a link goes to it (at most one
such email a day per address, whoever invites), and it becomes a carer's once the person
accepts it, from the link or, when the address is the one of their own space, from their
page of the people they help. A patient has at most ``MAX_PENDING_INVITATIONS`` invitations
waiting for an answer at once. The access policy reads
the live delegations on every request (``live_delegation``, registered with the access
policy by ``portal.app``), so ending
one, or its end date passing, takes effect on the carer's very next request.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from portal.accounts.people import names_of
from portal.accounts.services import find_account_id, read_identity
from portal.accounts.tables import Account
from portal.carers import actions
from portal.carers.tables import Delegation, InvitationMail
from portal.core import audit
from portal.core.access import (
    DELEGABLE_AREAS,
    Action,
    Area,
    Role,
    format_areas,
    parse_areas,
)
from portal.core.access import Delegation as Granted
from portal.core.access import delegation as delegated
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring, key_owner
from portal.core.records import open_json, place, record, seal_json

AREA = "account"
LIVE = ["invited", "active"]
# Invitations a patient may have waiting for an answer at once (either way of inviting).
MAX_PENDING_INVITATIONS = 3
# An invitation emailed to an address: at most one such email per address in this time.
MAIL_EVERY = timedelta(days=1)
# Blind index purposes: the address an invitation went to, and the record of emails sent.
INVITED_EMAIL = "carer-invite"
INVITATION_MAIL = "carer-invite-mail"


async def live_delegation(carer: uuid.UUID, patient: uuid.UUID, now: datetime) -> Granted | None:
    """What ``carer`` may do in ``patient``'s space at ``now``, or None when no delegation
    between them is live: one indexed query, on every request of a carer."""
    rows = await Delegation.select(
        Delegation.areas, Delegation.legal_representative, Delegation.ends_at
    ).where((Delegation.carer == carer) & (Delegation.patient == patient) & (Delegation.status == "active"))
    for row in rows:
        ends_at = row["ends_at"]
        if ends_at is not None and (ends_at if ends_at.tzinfo else ends_at.replace(tzinfo=UTC)) <= now:
            continue
        if row["legal_representative"]:
            return Granted(dict.fromkeys(DELEGABLE_AREAS, Action.WRITE), legal_representative=True)
        return Granted(parse_areas(row["areas"]))
    return None


def relation_words() -> dict[str, str]:
    """Who a carer is to the patient, as the activity page says it ("your daughter ...")."""
    return {
        "daughter": _("your daughter"),
        "son": _("your son"),
        "spouse": _("your spouse"),
        "parent": _("your parent"),
        "sibling": _("your brother or sister"),
        "grandchild": _("your grandchild"),
        "relative": _("a relative of yours"),
        "friend": _("your friend"),
        "neighbour": _("your neighbour"),
        "legal_guardian": _("your legal guardian"),
        "other": _("your carer"),
    }


class DelegationError(ValueError):
    """An invitation that cannot be made or used; ``field`` is where to say it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class DelegationInfo:
    """A delegation as one side sees it: ``other`` is the carer (for the patient) or the
    patient (for the carer), by name; ``relation`` is what the patient wrote."""

    id: uuid.UUID
    patient: uuid.UUID
    carer: uuid.UUID | None
    other_name: str
    relation: str
    email: str
    areas: dict[Area, Action]
    legal_representative: bool
    status: str
    ends_at: datetime | None
    invited_at: datetime

    @property
    def live(self) -> bool:
        return self.status == "active" and (self.ends_at is None or self.ends_at > datetime.now(UTC))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _uuid(value: object) -> uuid.UUID | None:
    if value is None:
        return None
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _place(delegation: object, patient: uuid.UUID) -> Any:
    return place("delegation", "sealed_details", delegation, patient)


async def _count(*condition: Any) -> int:
    where = condition[0]
    for more in condition[1:]:
        where = where & more
    return int(await Delegation.count().where(where))


async def pending_invitations(patient: uuid.UUID) -> int:
    """How many of the patient's invitations wait for an answer."""
    return await _count(Delegation.patient == patient, Delegation.status == "invited")


def too_many_pending() -> DelegationError:
    return DelegationError(
        "who",
        _(
            "You have already invited %(count)d people who have not answered yet. Wait for "
            "their answer, or cancel one of these invitations from your list of carers, before "
            "you invite someone else.",
            count=MAX_PENDING_INVITATIONS,
        ),
    )


async def own_invitation_index(keyring: Keyring, account: uuid.UUID) -> str | None:
    """The blind index an invitation by email to the address of ``account``'s own space
    carries (None when the account has no email): how a person finds, on their page of
    the people they help, an invitation sent to their address."""
    person = await read_identity(keyring, account)
    return await keyring.index(INVITED_EMAIL, person.email) if person and person.email else None


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


async def _info(
    keyring: Keyring, row: dict[str, Any], names: dict[uuid.UUID, Any], side: str
) -> DelegationInfo:
    patient = _uuid(row["patient"])
    assert patient is not None
    carer = _uuid(row["carer"])
    details = await open_json(keyring, _place(row["id"], patient), row["sealed_details"])
    whom = carer if side == "patient" else patient
    other = names.get(whom) if whom is not None else None
    return DelegationInfo(
        id=_uuid(row["id"]) or uuid.uuid4(),
        patient=patient,
        carer=carer,
        other_name=other.name if other else "",
        relation=str(details.get("relation", "")),
        email=str(details.get("email", "")),
        areas=parse_areas(row["areas"]),
        legal_representative=bool(row["legal_representative"]),
        status=row["status"],
        ends_at=_utc(row["ends_at"]),
        invited_at=_utc(row["invited_at"]) or datetime.now(UTC),
    )


async def _listed(keyring: Keyring, where: Any, side: str) -> list[DelegationInfo]:
    rows = (
        await Delegation.select().where(where & Delegation.status.is_in(LIVE)).order_by(Delegation.invited_at)
    )
    people = {_uuid(r["carer"] if side == "patient" else r["patient"]) for r in rows} - {None}
    names = await names_of(keyring, [p for p in people if p is not None])
    return [await _info(keyring, row, names, side) for row in rows]


async def carers_of(keyring: Keyring, patient: uuid.UUID) -> list[DelegationInfo]:
    """The patient's carers, active and invited."""
    return await _listed(keyring, Delegation.patient == patient, "patient")


def _addressed_to(carer: uuid.UUID, invited_index: str | None) -> Any:
    """The delegations of ``carer``, and the invitations by email to the address of their own
    space (``invited_index``: ``own_invitation_index``) not yet answered by anyone."""
    mine = Delegation.carer == carer
    if invited_index is None:
        return mine
    return mine | (
        Delegation.carer.is_null()
        & (Delegation.invited_email_index == invited_index)
        & (Delegation.status == "invited")
        & (Delegation.patient != carer)
    )


async def helped_by(
    keyring: Keyring, carer: uuid.UUID, invited_index: str | None = None
) -> list[DelegationInfo]:
    """The people ``carer`` helps or is invited to help (also by email to the address of their
    own space, when ``invited_index`` is given)."""
    return await _listed(keyring, _addressed_to(carer, invited_index), "carer")


async def by_token(keyring: Keyring, token: str) -> DelegationInfo | None:
    """The invitation an emailed link names, while it waits for an answer."""
    row = (
        await Delegation.select()
        .where((Delegation.token_hash == token_hash(token)) & (Delegation.status == "invited"))
        .first()
    )
    if row is None:
        return None
    patient = _uuid(row["patient"])
    names = await names_of(keyring, [patient] if patient else [])
    return await _info(keyring, row, names, "carer")


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


async def may_enter(carer: uuid.UUID, delegation: uuid.UUID) -> uuid.UUID | None:
    """The patient whose space ``carer`` may enter through ``delegation``, or None."""
    row = (
        await Delegation.select(Delegation.patient)
        .where((Delegation.id == delegation) & (Delegation.carer == carer) & (Delegation.status == "active"))
        .first()
    )
    patient = _uuid(row["patient"]) if row else None
    if patient is None or await delegated(carer, patient) is None:
        return None
    return patient


async def relations(keyring: Keyring, patient: uuid.UUID) -> dict[uuid.UUID, str]:
    """For the patient's activity page: each carer (ever) and what the patient called them."""
    rows = await Delegation.select(Delegation.id, Delegation.carer, Delegation.sealed_details).where(
        (Delegation.patient == patient) & Delegation.carer.is_not_null()
    )
    found: dict[uuid.UUID, str] = {}
    for row in rows:
        carer = _uuid(row["carer"])
        if carer is not None:
            details = await open_json(keyring, _place(row["id"], patient), row["sealed_details"])
            found[carer] = str(details.get("relation", ""))
    return found


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


async def author_names(
    keyring: Keyring, viewer: uuid.UUID, subject: uuid.UUID, authors: list[uuid.UUID | None]
) -> dict[uuid.UUID, str]:
    """Who wrote each thing of ``subject``'s record, in words for ``viewer`` (everywhere an
    author is shown: profile entries, messages, documents, notes, appointments):

    - the viewer themselves: "you";
    - a carer of the subject, to the subject: "your daughter Claire Dupont"; to anyone else:
      "Claire Dupont for Jeanne Dupont" (a carer writes for someone, never as them);
    - the subject, to anyone else: their name; a professional: "Dr Anne Martin".

    Authors are the actors that wrote (``Reach.actor``), never the subject standing in for a
    carer. An author whose space is closed reads "a person whose space is closed".
    """
    wanted = [a for a in dict.fromkeys(authors) if a is not None]
    others = [a for a in wanted if a != viewer]
    people = await names_of(keyring, others) if others else {}
    # Someone who is neither the subject nor a professional wrote as a carer: only then are
    # the relations and the subject's name needed (most pages show none).
    proxies = [a for a, p in people.items() if a != subject and p.role is not Role.PROFESSIONAL]
    carers = await relations(keyring, subject) if proxies else {}
    if proxies and subject not in people:
        people.update(await names_of(keyring, [subject]))
    words = relation_words()
    subject_name = people[subject].name if subject in people else ""
    found: dict[uuid.UUID, str] = {}
    for author in wanted:
        person = people.get(author)
        if author == viewer:
            found[author] = _("you")
        elif person is None or not person.name:
            found[author] = _("a person whose space is closed")
        elif author in carers and viewer == subject and carers[author] in words:
            found[author] = _("%(relation)s %(name)s", relation=words[carers[author]], name=person.name)
        elif author in carers:
            found[author] = _("%(carer)s for %(patient)s", carer=person.name, patient=subject_name)
        else:
            found[author] = person.described if person.role is Role.PROFESSIONAL else person.name
    return found
