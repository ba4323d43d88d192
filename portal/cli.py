"""The ``portal`` command: serve, migrate, demo, outbox, audit, keys."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from portal.core import audit, crypto, db
from portal.core.notify import read_outbox
from portal.settings import Settings, SettingsError

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


async def _demo(settings: Settings) -> dict[str, int]:
    """Load the demo data of every area; safe to run again."""
    from portal.site.services import seed_demo_help_points

    engine = db.engine_for(settings)
    await db.migrate(engine)
    await db.start(engine)
    try:
        async with engine.transaction():
            help_points = await seed_demo_help_points()
    finally:
        await db.stop(engine)
    return {"help points": help_points}


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    asyncio.run(_migrate(settings))
    print("The database is up to date.")
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    crypto.load_or_create_master_key(settings.data_dir, settings.master_key)
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


async def _verify_audit(settings: Settings) -> audit.VerifyResult:
    engine = db.engine_for(settings)
    db.bind_engine(engine)
    await db.start(engine)
    try:
        return await audit.verify()
    finally:
        await db.stop(engine)


def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    result = asyncio.run(_verify_audit(settings))
    print(result.message)
    if result.ok and result.last_id is not None:
        # A copy of this, kept outside the database, shows later whether events were cut from the end.
        print(f"Newest event: #{result.last_id}, hash {result.last_hash}")
    return 0 if result.ok else 1


async def _rewrap(settings: Settings, old: bytes, new: bytes) -> int:
    from portal.core.keys import rewrap_all

    engine = db.engine_for(settings)
    await db.migrate(engine)
    await db.start(engine)
    try:
        async with engine.transaction():
            count = await rewrap_all(old, new)
    finally:
        await db.stop(engine)
    return count


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


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    workers = args.workers or settings.workers
    crypto.load_or_create_master_key(settings.data_dir, settings.master_key)
    if settings.migrate_on_start:
        # Once here, not in each worker: workers started together would race.
        asyncio.run(_migrate(settings))
    os.environ["PORTAL_MIGRATE_ON_START"] = "0"
    os.environ["PORTAL_DATA_DIR"] = str(settings.data_dir)
    log.info(
        "portal listening on http://%s:%s (%s worker%s)", host, port, workers, "s" if workers > 1 else ""
    )
    uvicorn.run(
        "portal.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        server_header=False,
        log_level=settings.log_level.lower(),
        access_log=settings.debug,
    )
    return 0


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

    audit_ = sub.add_parser("audit", help="the audit trail")
    audit_sub = audit_.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser(
        "verify", help="check that no audit event was changed, removed, added or moved"
    ).set_defaults(handler=cmd_audit_verify)

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
    try:
        return int(args.handler(settings, args))
    except (crypto.MasterKeyError, OSError) as exc:
        print(f"portal: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
