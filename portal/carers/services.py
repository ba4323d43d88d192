"""Delegations between a patient and their carers, read: what a carer may do in someone's
space (``live_delegation``), the lists of carers and of the people one helps, an emailed
invitation by its link, and who wrote something in words (``author_names``).

The access policy reads the live delegations on every request (``live_delegation``,
registered with the access policy by ``portal.app``), so ending one, or its end date
passing, takes effect on the carer's very next request. What a delegation is lives in
``portal.carers.delegations``; inviting, answering and ending in ``portal.carers.changes``
(the names other packages import from here are kept importable here).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from portal.accounts.people import names_of

# ``make_legal_representative``, ``DelegationError`` and ``_place`` (imported ``as`` themselves) stay
# importable from here: the command line and the tests' helpers import them from this module.
from portal.carers.changes import make_legal_representative as make_legal_representative
from portal.carers.delegations import LIVE, DelegationInfo, _addressed_to, _utc, _uuid, token_hash
from portal.carers.delegations import DelegationError as DelegationError
from portal.carers.delegations import _place as _place
from portal.carers.tables import Delegation
from portal.core.access import DELEGABLE_AREAS, Action, Role, parse_areas
from portal.core.access import Delegation as Granted
from portal.core.access import delegation as delegated
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.core.records import open_json


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
