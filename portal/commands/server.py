"""``portal serve``: the web server, started once the data folder is private and the
database is up to date (``portal.serve`` runs the workers).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from portal.commands import common
from portal.commands.common import Subparsers
from portal.core import crypto
from portal.settings import Settings

log = logging.getLogger("portal")


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from portal import serve

    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    workers = args.workers or settings.workers
    exposed = common.exposed(settings)
    if exposed:
        print(f"portal serve: {exposed}", file=sys.stderr)
        return 2
    crypto.make_private_folder(settings.data_dir)
    crypto.load_or_create_master_key(settings.data_dir, settings.master_key)
    if settings.migrate_on_start:
        # Once here, not in each worker: workers started together would race.
        asyncio.run(common.migrate(settings))
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


def add_serve(sub: Subparsers) -> None:
    """The ``serve`` command and its options."""
    serve = sub.add_parser("serve", help="start the web server (runs pending migrations first)")
    serve.add_argument("--host", help="address to listen on (PORTAL_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (PORTAL_PORT)")
    serve.add_argument("--workers", type=int, help="number of processes (PORTAL_WORKERS)")
    serve.set_defaults(handler=cmd_serve)
