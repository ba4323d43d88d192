"""The database and what runs on it: ``portal migrate`` (bring it up to date), ``portal
demo`` (the demo data of every area), ``portal tasks`` (the scheduled tasks, once or
every few minutes), and what the portal keeps for its operator to read: ``portal outbox``
(the messages written instead of sent) and ``portal reports`` (reports people made about
services of the catalogue).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from portal.commands import common
from portal.commands.common import Subparsers
from portal.core.i18n import today
from portal.core.keys import Keyring
from portal.core.notify import read_outbox
from portal.settings import Settings

if TYPE_CHECKING:
    from portal.catalogue.services import Report


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

    master = common.master_key(settings)
    async with common.database(settings) as engine, engine.transaction():
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
    asyncio.run(common.migrate(settings))
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


async def _tasks(settings: Settings) -> list[str]:
    from portal.tasks import run_due_tasks

    master = common.master_key(settings)
    async with common.database(settings) as engine:
        return await run_due_tasks(settings, engine, master)


async def _reports(settings: Settings, limit: int) -> list[Report]:
    from portal.catalogue.services import read_reports

    master = common.master_key(settings)
    async with common.database(settings) as engine, engine.transaction():
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


def add_migrate(sub: Subparsers) -> None:
    """The ``migrate`` command."""
    sub.add_parser("migrate", help="bring the database up to date").set_defaults(handler=cmd_migrate)


def add_demo(sub: Subparsers) -> None:
    """The ``demo`` command."""
    sub.add_parser("demo", help="load demo data (safe to run again)").set_defaults(handler=cmd_demo)


def add_outbox(sub: Subparsers) -> None:
    """The ``outbox`` command and its options."""
    outbox = sub.add_parser("outbox", help="print the newest messages of the outbox")
    outbox.add_argument("-n", "--limit", type=int, default=5, help="how many messages (default 5)")
    outbox.set_defaults(handler=cmd_outbox)


def add_tasks(sub: Subparsers) -> None:
    """The ``tasks`` command and its options."""
    tasks = sub.add_parser("tasks", help="run the scheduled tasks (the document bin...) once")
    tasks.add_argument("--every", type=int, metavar="MINUTES", help="run them every MINUTES, until stopped")
    tasks.set_defaults(handler=cmd_tasks)


def add_reports(sub: Subparsers) -> None:
    """The ``reports`` command and its options."""
    reports = sub.add_parser("reports", help="print the newest reports about services of the catalogue")
    reports.add_argument("-n", type=int, default=50, help="how many (default 50)")
    reports.set_defaults(handler=cmd_reports)
