"""``portal kiosk``: shared kiosk terminals: ``enrol`` (make one and print its one-time
code), ``list`` (the terminals and their state) and ``revoke`` (a kiosk no more).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from portal.commands import common
from portal.commands.common import Subparsers
from portal.core.keys import Keyring
from portal.settings import Settings

if TYPE_CHECKING:
    from portal.kiosk.services import NewTerminal, Terminal


async def _kiosk_enrol(settings: Settings, name: str, department: str | None) -> NewTerminal:
    from portal.kiosk.services import create_terminal

    master = common.master_key(settings)
    async with common.database(settings) as engine, engine.transaction():
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

    async with common.database(settings) as engine, engine.transaction():
        return await terminals()


def cmd_kiosk_list(settings: Settings, args: argparse.Namespace) -> int:
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

    async with common.database(settings) as engine, engine.transaction():
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


def add_kiosk(sub: Subparsers) -> None:
    """The ``kiosk`` command: ``enrol``, ``list`` and ``revoke``."""
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
