"""The scheduled tasks, run by ``portal tasks`` (from cron, a systemd timer, or with
``--every MINUTES`` as a small process of its own).

Each task does what is due at the moment it runs and is safe to run again: running
the tasks twice in a row does nothing the second time. Each runs in its own
transaction, so one failing does not undo the others.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from piccolo.engine.base import Engine

from portal.core.keys import Keyring
from portal.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    name: str
    run: Callable[[Settings, Keyring], Awaitable[str]]


async def _empty_the_bin(settings: Settings, keyring: Keyring) -> str:
    from portal.documents.services import BIN_DAYS, purge_old_bin

    purged = await purge_old_bin()
    return f"{purged} documents erased after {BIN_DAYS} days in the bin"


async def _remind_connected_services(settings: Settings, keyring: Keyring) -> str:
    from portal.catalogue.services import remind_all

    told = await remind_all(settings, keyring)
    return f"{told} people reminded of the services connected to their space (every 90 days)"


async def _send_agenda_reminders(settings: Settings, keyring: Keyring) -> str:
    from portal.agenda.reminders import send_due

    counts = await send_due(settings, keyring)
    return f"appointment and medicine reminders: {counts}"


async def _seal_the_audit_trail(settings: Settings, keyring: Keyring) -> str:
    from portal.core.audit import seal

    made = await seal()
    return f"seal #{made.id}: hash {made.hash}"


TASKS = [
    Task("empty the document bin", _empty_the_bin),
    Task("remind people of their connected services", _remind_connected_services),
    Task("send agenda reminders", _send_agenda_reminders),
    # Last, so the seal names the events the tasks before it recorded.
    Task("seal the audit trail", _seal_the_audit_trail),
]


async def run_due_tasks(settings: Settings, engine: Engine, master_key: bytes) -> list[str]:
    """Run every task once; returns one line per task (what it did, or that it failed)."""
    import portal.app  # noqa: F401  (declares the routes: the addresses the messages sent link to)

    lines = []
    for task in TASKS:
        try:
            async with engine.transaction():
                done = await task.run(settings, Keyring(master_key))
        except Exception:  # one task failing must not stop the others
            log.exception("task %r failed", task.name)
            lines.append(f"{task.name}: FAILED (see the log)")
        else:
            lines.append(f"{task.name}: {done}")
    return lines
