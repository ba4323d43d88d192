"""``portal audit``: the audit trail: ``verify`` (no event changed, removed, added or
moved) and ``seal`` (the newest event of every chain).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from portal.commands.common import Subparsers
from portal.core import audit, db
from portal.settings import Settings

T = TypeVar("T")


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


def add_audit(sub: Subparsers) -> None:
    """The ``audit`` command: ``verify`` and ``seal``."""
    audit_ = sub.add_parser("audit", help="the audit trail")
    audit_sub = audit_.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser(
        "verify", help="check that no audit event was changed, removed, added or moved"
    ).set_defaults(handler=cmd_audit_verify)
    audit_sub.add_parser(
        "seal", help="seal the newest event of every chain (portal tasks does it each time it runs)"
    ).set_defaults(handler=cmd_audit_seal)
