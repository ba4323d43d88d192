"""``portal keys rotate``: re-wrap every data key under a new master key (the data itself
is not touched), with a key the operator brings or one made in the data folder.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from portal.commands import common
from portal.commands.common import Subparsers
from portal.core import crypto
from portal.settings import Settings


async def _rewrap(settings: Settings, old: bytes, new: bytes) -> int:
    from portal.core.keys import rewrap_all

    async with common.database(settings) as engine, engine.transaction():
        return await rewrap_all(old, new)


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


def add_keys(sub: Subparsers) -> None:
    """The ``keys`` command: ``rotate``."""
    keys = sub.add_parser("keys", help="the master key")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    rotate = keys_sub.add_parser(
        "rotate", help="re-wrap every data key under a new master key (stop the portal first)"
    )
    rotate.add_argument(
        "--new-key-file", help="the new key, when PORTAL_MASTER_KEY(_FILE) gives the current one"
    )
    rotate.set_defaults(handler=cmd_keys_rotate)
