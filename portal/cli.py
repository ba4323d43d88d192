"""The ``portal`` command: serve, migrate, demo, outbox, invite, kiosk, tasks, audit, keys."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

from piccolo.engine.base import Engine

from portal.accounts.invitations import Invited
from portal.accounts.services import PersonIdentity, find_account_id
from portal.core import audit, crypto, db
from portal.core.i18n import today
from portal.core.keys import Keyring
from portal.core.notify import read_outbox
from portal.settings import Settings, SettingsError

T = TypeVar("T")

if TYPE_CHECKING:
    from portal.catalogue.services import Report
    from portal.kiosk.services import NewTerminal, Terminal

log = logging.getLogger("portal")


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


async def _migrate(settings: Settings) -> None:
    engine = db.engine_for(settings)
    await db.migrate(engine)


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[Engine]:
    """The database brought up to date and started for one command, stopped after it."""
    engine = db.engine_for(settings)
    await db.migrate(engine)
    await db.start(engine)
    try:
        yield engine
    finally:
        await db.stop(engine)


def _master_key(settings: Settings) -> bytes:
    return crypto.load_or_create_master_key(settings.data_dir, settings.master_key)


async def _demo(settings: Settings) -> dict[str, int]:
    """Load the demo data of every area; safe to run again."""
    from portal.accounts.demo import seed_demo_people
    from portal.agenda.demo import seed_demo_agenda
    from portal.circle.demo import seed_demo_circle
    from portal.documents.demo import seed_demo_documents
    from portal.messages.demo import seed_demo_messages
    from portal.notes.demo import seed_demo_notes
    from portal.profile.demo import seed_demo_profile
    from portal.site.services import seed_demo_help_points

    master = _master_key(settings)
    async with _database(settings) as engine, engine.transaction():
        help_points = await seed_demo_help_points()
        keyring = Keyring(master)
        people = await seed_demo_people(keyring)
        await seed_demo_circle(keyring)
        documents = await seed_demo_documents(keyring)
        conversations = await seed_demo_messages(keyring)
        profile = await seed_demo_profile(keyring, today(settings.timezone))
        agenda = await seed_demo_agenda(keyring)
        notes = await seed_demo_notes(keyring)
    return {
        "help points": help_points,
        "people": people,
        "documents": documents,
        "conversations": conversations,
        "profile entries": profile,
        "agenda items": agenda,
        "notes": notes,
    }


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    asyncio.run(_migrate(settings))
    print("The database is up to date.")
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    changed = asyncio.run(_demo(settings))
    for what, count in changed.items():
        print(f"demo {what}: {count} added or updated")
    return 0


def cmd_outbox(settings: Settings, args: argparse.Namespace) -> int:
    messages = read_outbox(settings.outbox_dir, limit=args.limit)
    if not messages:
        print(f"The outbox is empty ({settings.outbox_dir}).")
        return 0
    for message in messages:
        print("=" * 72)
        print(f"Date:    {message.sent_at:%Y-%m-%d %H:%M:%S} UTC")
        print(f"To:      {message.to}")
        print(f"Subject: {message.subject}")
        print()
        print(message.body.rstrip())
    print("=" * 72)
    return 0


async def _on_audit(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    engine = db.engine_for(settings)
    db.bind_engine(engine)
    await db.start(engine)
    try:
        return await work()
    finally:
        await db.stop(engine)


def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    result = asyncio.run(_on_audit(settings, audit.verify))
    print(result.message)
    if result.ok and result.last_id is not None:
        print(f"Newest event: #{result.last_id}")
    if result.ok and result.seal_id is not None:
        # A copy of this, kept outside the database, shows later that the seals were not rewritten.
        print(f"Newest seal: #{result.seal_id}, hash {result.seal_hash}")
    return 0 if result.ok else 1


def cmd_audit_seal(settings: Settings, args: argparse.Namespace) -> int:
    made = asyncio.run(_on_audit(settings, audit.seal))
    print(f"Sealed the newest event of every chain: seal #{made.id}, hash {made.hash}")
    return 0


async def _rewrap(settings: Settings, old: bytes, new: bytes) -> int:
    from portal.core.keys import rewrap_all

    async with _database(settings) as engine, engine.transaction():
        return await rewrap_all(old, new)


async def _tasks(settings: Settings) -> list[str]:
    from portal.tasks import run_due_tasks

    master = _master_key(settings)
    async with _database(settings) as engine:
        return await run_due_tasks(settings, engine, master)


async def _reports(settings: Settings, limit: int) -> list[Report]:
    from portal.catalogue.services import read_reports

    master = _master_key(settings)
    async with _database(settings) as engine, engine.transaction():
        return await read_reports(Keyring(master), limit)


def cmd_reports(settings: Settings, args: argparse.Namespace) -> int:
    """Print the newest reports people made about services of the catalogue (for the operator)."""
    reports = asyncio.run(_reports(settings, args.n))
    if not reports:
        print("No report about a service.")
    for report in reports:
        print(f"{report.reported_at:%Y-%m-%d %H:%M} UTC  {report.service}  {report.reason}")
        if report.details:
            print("    " + report.details.replace("\n", "\n    "))
    return 0


def cmd_tasks(settings: Settings, args: argparse.Namespace) -> int:
    """Run the scheduled tasks once, or every ``--every`` minutes until stopped."""
    import time

    while True:
        lines = asyncio.run(_tasks(settings))
        for line in lines:
            print(line, flush=True)
        if not args.every:
            return 1 if any(line.endswith("FAILED (see the log)") for line in lines) else 0
        time.sleep(args.every * 60)


def cmd_keys_rotate(settings: Settings, args: argparse.Namespace) -> int:
    """Re-wrap every data key under a new master key; the data itself is not touched.

    The portal must be stopped: a running process would go on wrapping new keys
    with the old master key. Interrupted, the command can simply be run again.
    """
    old = crypto.load_or_create_master_key(settings.data_dir, settings.master_key)
    if settings.master_key:
        # The key comes from the environment: the operator brings the new one.
        if not args.new_key_file:
            print(
                "portal: the master key is set by PORTAL_MASTER_KEY(_FILE); make a new key file "
                "(mode 600, 32 random bytes in base64) and pass it with --new-key-file",
                file=sys.stderr,
            )
            return 2
        new = crypto.decode_key(Path(args.new_key_file).read_text(encoding="ascii"))
        count = asyncio.run(_rewrap(settings, old, new))
        print(f"{count} data keys now wrapped by the new master key.")
        print("Point PORTAL_MASTER_KEY_FILE at the new key and restart; keep the old one")
        print("as long as backups taken before now may need restoring, then destroy it.")
        return 0
    new = crypto.stage_next_master_key(settings.data_dir)
    count = asyncio.run(_rewrap(settings, old, new))
    previous = crypto.promote_next_master_key(settings.data_dir)
    key_file = settings.data_dir / crypto.KEY_FILE_NAME
    print(f"{count} data keys now wrapped by the new master key, in {key_file}.")
    print(f"The old key is in {previous}: keep it as long as backups taken before now")
    print("may need restoring, then delete it. Restart the portal to use the new key.")
    return 0


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

    master = _master_key(settings)
    async with _database(settings) as engine, engine.transaction():
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

    keyring = Keyring(_master_key(settings))
    async with _database(settings) as engine, engine.transaction():
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


async def _kiosk_enrol(settings: Settings, name: str, department: str | None) -> NewTerminal:
    from portal.kiosk.services import create_terminal

    master = _master_key(settings)
    async with _database(settings) as engine, engine.transaction():
        return await create_terminal(Keyring(master), name, department)


def cmd_kiosk_enrol(settings: Settings, args: argparse.Namespace) -> int:
    """Make a kiosk terminal and print its one-time code, to type at the terminal."""
    from portal.kiosk.services import EnrolmentError, check_terminal, format_code

    try:
        name, department = check_terminal(args.name, args.department)
    except EnrolmentError as exc:
        print(f"portal kiosk enrol: {exc}", file=sys.stderr)
        return 2
    terminal = asyncio.run(_kiosk_enrol(settings, name, department))
    print(f"Terminal {terminal.terminal_id} made.")
    print(f"On the terminal, open {settings.base_url}/kiosk/enrol and type this code:")
    print()
    print(f"    {format_code(terminal.code)}")
    print()
    print(f"It works once, until {terminal.expires_at:%Y-%m-%d %H:%M} UTC.")
    return 0


async def _kiosk_terminals(settings: Settings) -> list[Terminal]:
    from portal.kiosk.services import terminals

    async with _database(settings) as engine, engine.transaction():
        return await terminals()


def cmd_kiosk_list(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    found = asyncio.run(_kiosk_terminals(settings))
    if not found:
        print("No kiosk terminal. Make one with `portal kiosk enrol --name NAME`.")
    now = datetime.now(UTC)
    for terminal in found:
        where = f" (department {terminal.department})" if terminal.department else ""
        print(f"{terminal.id}  {terminal.name}{where}: {terminal.state(now)}")
    return 0


async def _kiosk_revoke(settings: Settings, terminal_id: uuid.UUID) -> bool:
    from portal.kiosk.services import revoke

    async with _database(settings) as engine, engine.transaction():
        return await revoke(terminal_id)


def cmd_kiosk_revoke(settings: Settings, args: argparse.Namespace) -> int:
    """The terminal is a kiosk no more: its cookie opens nothing (sessions begun there keep
    their short time-out until they end)."""
    try:
        terminal_id = uuid.UUID(args.terminal_id)
    except ValueError:
        print(
            "portal kiosk revoke: give the terminal's id, as `portal kiosk list` prints it", file=sys.stderr
        )
        return 2
    if not asyncio.run(_kiosk_revoke(settings, terminal_id)):
        print(f"portal kiosk revoke: no terminal {terminal_id} that is not already revoked", file=sys.stderr)
        return 1
    print(f"Terminal {terminal_id} revoked: it is no longer a kiosk.")
    return 0


def _private_paths(settings: Settings) -> list[Path]:
    """What only the portal's user may reach: the data folder, its key files, its outbox,
    and the SQLite database with the files SQLite keeps beside it."""
    data = settings.data_dir
    paths = [data, data / crypto.KEY_FILE_NAME, data / crypto.NEXT_KEY_FILE_NAME]
    paths += [data / crypto.PREVIOUS_KEY_FILE_NAME, settings.outbox_dir]
    database = settings.sqlite_path
    if database is not None:
        paths += [database, *(Path(f"{database}{suffix}") for suffix in ("-wal", "-shm", "-journal"))]
    return paths


def _exposed(settings: Settings) -> str | None:
    """What other users may reach in the data folder, and the command that closes it; None if nothing."""
    exposed = crypto.open_to_others(_private_paths(settings))
    return crypto.exposed_message(exposed) if exposed else None


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from portal import serve

    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    workers = args.workers or settings.workers
    exposed = _exposed(settings)
    if exposed:
        print(f"portal serve: {exposed}", file=sys.stderr)
        return 2
    crypto.make_private_folder(settings.data_dir)
    crypto.load_or_create_master_key(settings.data_dir, settings.master_key)
    if settings.migrate_on_start:
        # Once here, not in each worker: workers started together would race.
        asyncio.run(_migrate(settings))
    os.environ["PORTAL_MIGRATE_ON_START"] = "0"
    os.environ["PORTAL_DATA_DIR"] = str(settings.data_dir)
    log.info(
        "portal listening on http://%s:%s (%s worker%s)", host, port, workers, "s" if workers > 1 else ""
    )
    proxies = list(settings.trusted_proxies)
    if os.environ.get("FORWARDED_ALLOW_IPS"):
        log.warning("FORWARDED_ALLOW_IPS is ignored: the proxies believed are PORTAL_TRUSTED_PROXIES")
    if proxies:
        log.info("X-Forwarded-For and X-Forwarded-Proto believed from %s only", ", ".join(proxies))
    return serve.run(
        serve.ServeOptions(
            host=host,
            port=port,
            workers=workers,
            trusted_proxies=tuple(proxies),
            log_level=settings.log_level,
            access_log=settings.debug,
        )
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal", description="The personal health space.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the web server (runs pending migrations first)")
    serve.add_argument("--host", help="address to listen on (PORTAL_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (PORTAL_PORT)")
    serve.add_argument("--workers", type=int, help="number of processes (PORTAL_WORKERS)")
    serve.set_defaults(handler=cmd_serve)

    sub.add_parser("migrate", help="bring the database up to date").set_defaults(handler=cmd_migrate)
    sub.add_parser("demo", help="load demo data (safe to run again)").set_defaults(handler=cmd_demo)

    outbox = sub.add_parser("outbox", help="print the newest messages of the outbox")
    outbox.add_argument("-n", "--limit", type=int, default=5, help="how many messages (default 5)")
    outbox.set_defaults(handler=cmd_outbox)

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

    represent = sub.add_parser(
        "represent", help="record the legal representative of a minor (acts for them in every area)"
    )
    represent.add_argument("--child-nir", required=True, help="the minor's social security number")
    represent.add_argument("--representative-nir", required=True, help="the representative's")
    represent.add_argument("--until", help="last day, 2032-05-01 (for example the child's 18th birthday)")
    represent.set_defaults(handler=cmd_represent)

    kiosk = sub.add_parser("kiosk", help="shared kiosk terminals")
    kiosk_sub = kiosk.add_subparsers(dest="kiosk_command", required=True)
    enrol = kiosk_sub.add_parser("enrol", help="make a terminal and print its one-time code (valid 1 hour)")
    enrol.add_argument("--name", required=True, help='where it is: "Maison de santé de Guéret, accueil"')
    enrol.add_argument("--department", help="its department number: 23, 2A, 974...")
    enrol.set_defaults(handler=cmd_kiosk_enrol)
    kiosk_sub.add_parser("list", help="list the terminals and their state").set_defaults(
        handler=cmd_kiosk_list
    )
    revoke = kiosk_sub.add_parser("revoke", help="make a terminal an ordinary computer again")
    revoke.add_argument("terminal_id", metavar="ID", help="the terminal's id (portal kiosk list)")
    revoke.set_defaults(handler=cmd_kiosk_revoke)

    tasks = sub.add_parser("tasks", help="run the scheduled tasks (the document bin...) once")
    tasks.add_argument("--every", type=int, metavar="MINUTES", help="run them every MINUTES, until stopped")
    tasks.set_defaults(handler=cmd_tasks)

    reports = sub.add_parser("reports", help="print the newest reports about services of the catalogue")
    reports.add_argument("-n", type=int, default=50, help="how many (default 50)")
    reports.set_defaults(handler=cmd_reports)

    audit_ = sub.add_parser("audit", help="the audit trail")
    audit_sub = audit_.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser(
        "verify", help="check that no audit event was changed, removed, added or moved"
    ).set_defaults(handler=cmd_audit_verify)
    audit_sub.add_parser(
        "seal", help="seal the newest event of every chain (portal tasks does it each time it runs)"
    ).set_defaults(handler=cmd_audit_seal)

    keys = sub.add_parser("keys", help="the master key")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    rotate = keys_sub.add_parser(
        "rotate", help="re-wrap every data key under a new master key (stop the portal first)"
    )
    rotate.add_argument(
        "--new-key-file", help="the new key, when PORTAL_MASTER_KEY(_FILE) gives the current one"
    )
    rotate.set_defaults(handler=cmd_keys_rotate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"portal: {exc}", file=sys.stderr)
        return 2
    _configure_logging(settings)
    if args.handler is not cmd_serve:
        # `portal serve` refuses to start; other commands only say it.
        exposed = _exposed(settings)
        if exposed:
            log.warning("%s", exposed)
    try:
        return int(args.handler(settings, args))
    except (crypto.MasterKeyError, OSError) as exc:
        print(f"portal: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
