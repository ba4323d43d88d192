"""What the ``portal`` command's subcommands share: the database brought up to date (and
started, for one command: ``database``), the master key, and the data folder's private
paths with what other users may reach of them (``exposed``: ``portal serve`` refuses to
start, other commands only say it).
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeAlias

from piccolo.engine.base import Engine

from portal.core import crypto, db
from portal.settings import Settings

# What ``ArgumentParser.add_subparsers`` gives: each command module adds its own to it.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


async def migrate(settings: Settings) -> None:
    engine = db.engine_for(settings)
    await db.migrate(engine)


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[Engine]:
    """The database brought up to date and started for one command, stopped after it."""
    engine = db.engine_for(settings)
    await db.migrate(engine)
    await db.start(engine)
    try:
        yield engine
    finally:
        await db.stop(engine)


def master_key(settings: Settings) -> bytes:
    return crypto.load_or_create_master_key(settings.data_dir, settings.master_key)


def private_paths(settings: Settings) -> list[Path]:
    """What only the portal's user may reach: the data folder, its key files, its outbox,
    and the SQLite database with the files SQLite keeps beside it."""
    data = settings.data_dir
    paths = [data, data / crypto.KEY_FILE_NAME, data / crypto.NEXT_KEY_FILE_NAME]
    paths += [data / crypto.PREVIOUS_KEY_FILE_NAME, settings.outbox_dir]
    database = settings.sqlite_path
    if database is not None:
        paths += [database, *(Path(f"{database}{suffix}") for suffix in ("-wal", "-shm", "-journal"))]
    return paths


def exposed(settings: Settings) -> str | None:
    """What other users may reach in the data folder, and the command that closes it; None if nothing."""
    exposed = crypto.open_to_others(private_paths(settings))
    return crypto.exposed_message(exposed) if exposed else None
