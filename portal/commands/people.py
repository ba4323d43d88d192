"""People: ``portal invite`` (make a person's space and give them their activation code,
by email or in a large-print letter) and ``portal represent`` (record the legal
representative of a minor, who then acts for them in every area a carer may have).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from portal.accounts.invitations import Invited
from portal.accounts.services import PersonIdentity, find_account_id
from portal.commands import common
from portal.commands.common import Subparsers
from portal.core.i18n import today
from portal.core.keys import Keyring
from portal.settings import Settings


def _person_from_args(args: argparse.Namespace, timezone: str) -> tuple[PersonIdentity, str | None]:
    """The person to invite, checked like the forms check it; the error message if not."""

    from portal.accounts import identity

    try:
        day, month, year = (
            (args.birth_date.split("-")[::-1]) if "-" in args.birth_date else args.birth_date.split()
        )
        birth = identity.parse_date_of_birth(day, month, year, today=today(timezone))
        person = PersonIdentity(
            family_name=args.family_name.strip(),
            given_names=args.given_names.strip(),
            date_of_birth=birth.isoformat(),
            nir=identity.normalise_nir(args.nir),
            email=identity.normalise_email(args.email) if args.email else None,
            mobile=identity.normalise_mobile(args.mobile) if args.mobile else None,
            postal_address="\n".join(args.address_line) if args.address_line else None,
        )
    except identity.IdentityError as exc:
        return PersonIdentity(family_name="", given_names=""), exc.message
    except ValueError:
        return PersonIdentity(family_name="", given_names=""), "--birth-date: write it as 1941-03-27"
    if not person.family_name or not person.given_names:
        return person, "--family-name and --given-names are needed"
    if not person.email and not (args.letter and person.postal_address):
        return person, "give --email, or --letter FILE with --address-line (one per line of the address)"
    return person, None


async def _invite(settings: Settings, person: PersonIdentity, delivery: str) -> Invited:
    from portal.accounts.invitations import invite_person

    master = common.master_key(settings)
    async with common.database(settings) as engine, engine.transaction():
        return await invite_person(Keyring(master), person, delivery=delivery, invited_by="operator")


def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    """Create a space for a person and give them their activation code, by email or letter."""
    from portal.accounts.invitations import AlreadyHasASpace, activation_email
    from portal.accounts.letters import activation_letter_pdf
    from portal.core.i18n import use_locale
    from portal.core.notify import DeliveryError, send_email

    person, error = _person_from_args(args, settings.timezone)
    if error:
        print(f"portal invite: {error}", file=sys.stderr)
        return 2
    delivery = "email" if person.email else "letter"
    try:
        invited = asyncio.run(_invite(settings, person, delivery))
    except AlreadyHasASpace as exc:
        print(f"portal invite: {exc}", file=sys.stderr)
        return 2
    activation_url = f"{settings.base_url}/activate"
    expires_on = invited.expires_at.date()
    if person.email:
        with use_locale(args.locale):
            subject, body = activation_email(invited.code, expires_on, activation_url)
        try:
            asyncio.run(send_email(settings, person.email, subject, body))
        except DeliveryError as exc:
            print(f"portal invite: the space was created but the email was not sent: {exc}", file=sys.stderr)
            return 1
        where = "by email" + (" (read it with `portal outbox`)" if settings.smtp is None else "")
    if args.letter:
        pdf = activation_letter_pdf(
            recipient_name=f"{person.given_names} {person.family_name}",
            address_lines=(person.postal_address or "").split("\n"),
            code=invited.code,
            expires_on=expires_on,
            locale=args.locale,
            activation_url=activation_url,
        )
        # The letter holds a name, an address and a code: readable by its owner only.
        fd = os.open(args.letter, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pdf)
        where = f"in the letter {args.letter}" + (" and by email" if person.email else "")
    print(f"Space created for {person.given_names} {person.family_name}; the code was given {where}.")
    return 0


async def _represent(settings: Settings, child_nir: str, representative_nir: str, until: date | None) -> str:
    from portal.carers.services import DelegationError, make_legal_representative

    keyring = Keyring(common.master_key(settings))
    async with common.database(settings) as engine, engine.transaction():
        child = await find_account_id(keyring, child_nir)
        representative = await find_account_id(keyring, representative_nir)
        if child is None or representative is None:
            return "no space has this social security number" + ("" if child else " (the child's)")
        ends_at = (
            datetime.combine(until, time(23, 59, 59), tzinfo=ZoneInfo(settings.timezone)) if until else None
        )
        try:
            delegation = await make_legal_representative(
                keyring, child=child, representative=representative, until=ends_at
            )
        except DelegationError as exc:
            return exc.message
    return f"ok {delegation}"


def cmd_represent(settings: Settings, args: argparse.Namespace) -> int:
    """Record that a person is the legal representative of a minor (every delegable area)."""
    from portal.accounts.identity import IdentityError, normalise_nir

    try:
        child, representative = normalise_nir(args.child_nir), normalise_nir(args.representative_nir)
        until = date.fromisoformat(args.until) if args.until else None
    except (IdentityError, ValueError) as exc:
        print(f"portal represent: {exc}", file=sys.stderr)
        return 2
    if child == representative:
        print("portal represent: a person cannot be their own legal representative", file=sys.stderr)
        return 2
    result = asyncio.run(_represent(settings, child, representative, until))
    if not result.startswith("ok "):
        print(f"portal represent: {result}", file=sys.stderr)
        return 2
    print(
        "The representative now acts for the child in every area a carer may have"
        + (f", until {until.isoformat()}" if until else "")
        + f' (delegation {result[3:]}). They choose it under "People I help" in their space.'
    )
    return 0


def add_invite(sub: Subparsers) -> None:
    """The ``invite`` command and its options."""
    invite = sub.add_parser("invite", help="create a space for a person and send their activation code")
    invite.add_argument("--family-name", required=True)
    invite.add_argument("--given-names", required=True)
    invite.add_argument("--birth-date", required=True, help="1941-03-27")
    invite.add_argument("--nir", required=True, help="social security number, 15 characters")
    invite.add_argument("--email", help="the code goes by email when given")
    invite.add_argument("--mobile")
    invite.add_argument("--address-line", action="append", help="one line of the postal address (repeat)")
    invite.add_argument("--letter", help="also write a large-print letter with the code to this PDF file")
    invite.add_argument("--locale", choices=["fr", "en"], default="fr")
    invite.set_defaults(handler=cmd_invite)


def add_represent(sub: Subparsers) -> None:
    """The ``represent`` command and its options."""
    represent = sub.add_parser(
        "represent", help="record the legal representative of a minor (acts for them in every area)"
    )
    represent.add_argument("--child-nir", required=True, help="the minor's social security number")
    represent.add_argument("--representative-nir", required=True, help="the representative's")
    represent.add_argument("--until", help="last day, 2032-05-01 (for example the child's 18th birthday)")
    represent.set_defaults(handler=cmd_represent)
