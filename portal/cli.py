"""The ``portal`` command: serve, migrate, demo, outbox, invite, represent, kiosk, tasks,
reports, audit, keys. Each subcommand lives in ``portal.commands``; this module builds
the parser (in the order ``portal --help`` lists them) and runs the command (``main``,
the entry point).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import portal.app  # noqa: F401  (declares the routes: the addresses commands write in emails)
from portal.commands import common, data, keys, kiosk, people, server, trail
from portal.core import crypto
from portal.settings import Settings, SettingsError

log = logging.getLogger("portal")

# Each adds one subcommand (with its own subcommands and options), in this order.
SUBCOMMANDS = (
    server.add_serve,
    data.add_migrate,
    data.add_demo,
    data.add_outbox,
    people.add_invite,
    people.add_represent,
    kiosk.add_kiosk,
    data.add_tasks,
    data.add_reports,
    trail.add_audit,
    keys.add_keys,
)


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal", description="The personal health space.")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in SUBCOMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"portal: {exc}", file=sys.stderr)
        return 2
    _configure_logging(settings)
    if args.handler is not server.cmd_serve:
        # `portal serve` refuses to start; other commands only say it.
        exposed = common.exposed(settings)
        if exposed:
            log.warning("%s", exposed)
    try:
        return int(args.handler(settings, args))
    except (crypto.MasterKeyError, OSError) as exc:
        print(f"portal: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
