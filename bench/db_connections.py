"""What one transaction per request saves: N small queries on their own connections vs in one transaction.

    .venv/bin/python -m bench.db_connections [--queries 10] [--requests 200] [--concurrency 1,8]
                                             [--postgres-url URL | --no-postgres]

A "request" runs N simple Piccolo queries
(``HelpPoint.select().where(HelpPoint.slug == ...).first()``), either

(a) each on its own connection: Piccolo's default outside a transaction
    (SQLite: a new aiosqlite connection, hence a new thread, per query;
    PostgreSQL: a new server connection per query without a pool, or a pool
    checkout per query with the pool the portal starts), or
(b) all inside one transaction opened exactly as ``portal.core.db.RequestTransaction``
    opens it for a GET (SQLite: BEGIN DEFERRED; PostgreSQL: a pooled connection).

Modes are interleaved in small blocks so noise on a shared machine hits all of
them alike. The database is a SQLite file in a temporary folder and, when a
PostgreSQL server answers, a throwaway database created next to the one given
(dropped afterwards). Only the ratios mean something; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from portal.core import db
from portal.settings import Settings
from portal.site.services import DEMO_HELP_POINTS, seed_demo_help_points
from portal.site.tables import HelpPoint

POSTGRES_URLS = [
    "postgresql://127.0.0.1:5432/test",
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
]
SLUGS = [point["slug"] for point in DEMO_HELP_POINTS]


# ---------------------------------------------------------------------------
# Counting connections


@dataclass
class Counters:
    connects: int = 0  # new database connections (aiosqlite.connect / asyncpg connect)
    acquires: int = 0  # PostgreSQL pool checkouts

    def snapshot(self) -> tuple[int, int]:
        return self.connects, self.acquires


COUNTERS = Counters()


def _counting(original: Callable[..., Any], attribute: str) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        setattr(COUNTERS, attribute, getattr(COUNTERS, attribute) + 1)
        return original(*args, **kwargs)

    wrapper.__wrapped__ = original  # type: ignore[attr-defined]
    return wrapper


@contextlib.contextmanager
def count_connections() -> Iterator[None]:
    """Wrap aiosqlite.connect, asyncpg.connect (Piccolo's new connections), asyncpg's pool
    connect and Pool.acquire, so each call is counted; undone on exit."""
    import aiosqlite
    import asyncpg
    import asyncpg.connection
    import asyncpg.pool
    import piccolo.engine.postgres as piccolo_postgres
    import piccolo.engine.sqlite as piccolo_sqlite

    # Piccolo imports both drivers lazily; make its module globals the real modules,
    # so the wrappers below are what it calls.
    piccolo_sqlite.aiosqlite = aiosqlite  # type: ignore[assignment]
    piccolo_postgres.asyncpg = asyncpg
    patches = [
        (aiosqlite, "connect", "connects"),
        (asyncpg, "connect", "connects"),  # Piccolo's _run_in_new_connection, no pool
        (asyncpg.connection, "connect", "connects"),  # what a Pool opens (looked up when the pool is made)
        (asyncpg.pool.Pool, "acquire", "acquires"),
    ]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    try:
        for owner, name, attribute in patches:
            setattr(owner, name, _counting(getattr(owner, name), attribute))
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


# ---------------------------------------------------------------------------
# One "request"


async def queries(n: int, offset: int) -> None:
    for i in range(n):
        row = await HelpPoint.select().where(HelpPoint.slug == SLUGS[(offset + i) % len(SLUGS)]).first()
        if row is None:
            raise RuntimeError("the demo help points are missing")


def request_per_query(n: int) -> Callable[[int], Awaitable[None]]:
    async def run(offset: int) -> None:
        await queries(n, offset)

    return run


def request_in_transaction(engine: Engine, n: int) -> Callable[[int], Awaitable[None]]:
    # Exactly the transaction the middleware opens for a GET.
    middleware = db.RequestTransaction(app=None, engine=engine)  # type: ignore[arg-type]

    async def run(offset: int) -> None:
        async with middleware.engine.request_transaction("GET"):
            await queries(n, offset)

    return run


@dataclass
class Mode:
    key: str
    label: str
    run: Callable[[int], Awaitable[None]]
    before: Callable[[], Awaitable[None]] | None = None  # e.g. start or stop the pool
    latencies: dict[int, list[float]] = field(default_factory=dict)
    wall: dict[int, float] = field(default_factory=dict)
    connects: dict[int, int] = field(default_factory=dict)
    acquires: dict[int, int] = field(default_factory=dict)


async def run_block(mode: Mode, concurrency: int, per_worker: int, record: bool) -> None:
    if mode.before is not None:
        await mode.before()
    latencies: list[float] = []

    async def worker(number: int) -> None:
        for i in range(per_worker):
            started = time.perf_counter()
            await mode.run(number * 7 + i)
            latencies.append(time.perf_counter() - started)

    connects, acquires = COUNTERS.snapshot()
    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    wall = time.perf_counter() - started
    if record:
        mode.latencies.setdefault(concurrency, []).extend(latencies)
        mode.wall[concurrency] = mode.wall.get(concurrency, 0.0) + wall
        mode.connects[concurrency] = mode.connects.get(concurrency, 0) + COUNTERS.connects - connects
        mode.acquires[concurrency] = mode.acquires.get(concurrency, 0) + COUNTERS.acquires - acquires


async def measure(modes: list[Mode], levels: list[int], requests: int, block: int) -> None:
    for concurrency in levels:
        per_worker = max(1, block // concurrency)
        blocks = max(1, requests // (per_worker * concurrency))
        for mode in modes:  # warm-up: caches, pool, first connections
            await run_block(mode, concurrency, per_worker, record=False)
        for number in range(blocks):
            # Alternate which mode goes first, so neither always follows the other.
            for mode in modes if number % 2 == 0 else list(reversed(modes)):
                await run_block(mode, concurrency, per_worker, record=True)


# ---------------------------------------------------------------------------
# Report


def mode_rows(modes: list[Mode], levels: list[int], baseline: Mode) -> list[list[str]]:
    rows = []
    for concurrency in levels:
        base_mean = statistics.fmean(baseline.latencies[concurrency])
        for mode in modes:
            values = sorted(mode.latencies[concurrency])
            count = len(values)
            mean = statistics.fmean(values)
            p95 = values[min(count - 1, int(0.95 * count))]
            rows.append(
                [
                    mode.label,
                    str(concurrency),
                    str(count),
                    f"{mean * 1000:.2f}",
                    f"{statistics.median(values) * 1000:.2f}",
                    f"{p95 * 1000:.2f}",
                    f"{count / mode.wall[concurrency]:.0f}",
                    f"{mean / base_mean:.2f}",
                    f"{mode.connects[concurrency] / count:.2f}",
                    f"{mode.acquires[concurrency] / count:.2f}" if mode.acquires[concurrency] else "-",
                ]
            )
    return rows


def print_table(title: str, modes: list[Mode], levels: list[int], baseline: Mode) -> None:
    headers = [
        "mode",
        "conc",
        "requests",
        "mean ms",
        "p50 ms",
        "p95 ms",
        "req/s",
        "vs (b)",
        "connects/req",
        "checkouts/req",
    ]
    rows = mode_rows(modes, levels, baseline)
    widths = [max(len(headers[i]), *(len(r[i]) for r in rows)) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    print(title)
    print(line(headers))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))


def summary(modes: list[Mode], levels: list[int], baseline: Mode) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mode in modes:
        out[mode.key] = {
            str(c): {
                "requests": len(mode.latencies[c]),
                "mean_ms": statistics.fmean(mode.latencies[c]) * 1000,
                "p50_ms": statistics.median(mode.latencies[c]) * 1000,
                "rps": len(mode.latencies[c]) / mode.wall[c],
                "ratio_to_transaction": statistics.fmean(mode.latencies[c])
                / statistics.fmean(baseline.latencies[c]),
                "connects_per_request": mode.connects[c] / len(mode.latencies[c]),
                "pool_checkouts_per_request": mode.acquires[c] / len(mode.latencies[c]),
            }
            for c in levels
        }
    return out


# ---------------------------------------------------------------------------
# Databases


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Piccolo's migration runner prints progress to stdout; keep the report clean."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


async def prepare(engine: Engine) -> None:
    db.bind_engine(engine)
    with quiet():
        await db.migrate(engine)
    await db.start(engine)
    async with engine.transaction():
        await seed_demo_help_points()


async def bench_sqlite(args: argparse.Namespace, levels: list[int]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="portal-bench-db-") as tmp:
        engine = db.engine_for(Settings(data_dir=Path(tmp)))
        await prepare(engine)
        modes = [
            Mode("per_query", "(a) own connection per query", request_per_query(args.queries)),
            Mode(
                "transaction", "(b) one transaction per request", request_in_transaction(engine, args.queries)
            ),
        ]
        await measure(modes, levels, args.requests, args.block)
        await db.stop(engine)
    print_table(
        f"SQLite (file in a temporary folder, WAL), {args.queries} queries per request",
        modes,
        levels,
        modes[1],
    )
    for c in levels:
        a, b = (statistics.fmean(m.latencies[c]) for m in modes)
        print(f"  concurrency {c}: (a) / (b) = {a / b:.2f}x per request")
    print(
        "  connects/req: calls to aiosqlite.connect per request "
        "(each one starts a thread and opens the file)."
    )
    return summary(modes, levels, modes[1])


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def find_postgres(candidates: list[str]) -> str | None:
    import asyncpg

    for url in candidates:
        try:
            connection = await asyncpg.connect(dsn=url, timeout=3)
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            print(f"  {url}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        await connection.close()
        return url
    return None


async def bench_postgres(args: argparse.Namespace, levels: list[int], url: str) -> dict[str, Any]:
    import asyncpg

    name = f"portal_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(dsn=url, timeout=5)
    where = urlsplit(url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        dsn = with_database(url, name)
        place = f"throwaway database {name} on {where.hostname}:{where.port or 5432}"
    except asyncpg.PostgresError as exc:
        print(f"  cannot create a throwaway database ({exc}); using {url} itself", file=sys.stderr)
        name, dsn, place = (
            "",
            url,
            f"database {where.path.lstrip('/')} on {where.hostname}:{where.port or 5432}",
        )
    pool_note = ""
    try:
        engine = db.engine_for(Settings(data_dir=Path(tempfile.gettempdir()), database_url=dsn))
        assert isinstance(engine, PostgresEngine)
        await prepare(engine)  # starts the pool as the portal does: min 1, max 10
        sizes: dict[str, Any] = {}

        # Without a pool: a second engine on the same database, never started. Each mode binds
        # the tables to its engine first, so the pooled engine keeps its pool across blocks.
        bare = db.engine_for(Settings(data_dir=Path(tempfile.gettempdir()), database_url=dsn))

        async def use_bare() -> None:
            db.bind_engine(bare)

        async def use_pooled() -> None:
            db.bind_engine(engine)

        modes = [
            Mode(
                "per_query_no_pool",
                "(a) new connection per query, no pool",
                request_per_query(args.queries),
                use_bare,
            ),
            Mode(
                "per_query_pool", "(a) pool checkout per query", request_per_query(args.queries), use_pooled
            ),
            Mode(
                "transaction",
                "(b) one transaction per request, pool",
                request_in_transaction(engine, args.queries),
                use_pooled,
            ),
        ]
        await measure(modes, levels, args.requests, args.block)
        assert engine.pool is not None
        sizes = {
            "min": engine.pool.get_min_size(),
            "max": engine.pool.get_max_size(),
            "open_at_end": engine.pool.get_size(),
            "idle_at_end": engine.pool.get_idle_size(),
        }
        pool_note = (
            f"  pool (portal.core.db.start): min {sizes['min']}, max {sizes['max']}; after the last block it "
            f"held {sizes['open_at_end']} connection(s), {sizes['idle_at_end']} idle."
        )
        await db.stop(engine)
    finally:
        if name:
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except asyncpg.PostgresSyntaxError:  # PostgreSQL before 13
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.close()
    print_table(f"PostgreSQL ({place}), {args.queries} queries per request", modes, levels, modes[2])
    for c in levels:
        a0, a, b = (statistics.fmean(m.latencies[c]) for m in modes)
        print(
            f"  concurrency {c}: (a) no pool / (b) = {a0 / b:.2f}x, (a) pool / (b) = {a / b:.2f}x per request"
        )
    print("  connects/req: new server connections per request (asyncpg connect, by Piccolo or by the pool);")
    print(
        "  checkouts/req: pool.acquire calls per request. Outside a transaction each query takes the pool's"
    )
    print("  next free connection, so one request's queries may land on different connections and cannot")
    print(
        "  see one another's uncommitted writes; in a transaction the request holds one connection "
        "throughout,"
    )
    print("  so at most max_size requests run their queries at once.")
    if pool_note:
        print(pool_note)
    result = summary(modes, levels, modes[2])
    result["pool"] = sizes
    result["database"] = place
    return result


async def main_async(args: argparse.Namespace) -> int:
    levels = [int(x) for x in args.concurrency.split(",") if x.strip()]
    print(
        f"{args.queries} queries per request: HelpPoint.select().where(HelpPoint.slug == ...).first(); "
        f"about {args.requests} requests per mode and concurrency, "
        f"modes interleaved in blocks of {args.block}.\n"
        "mean/p50/p95: time of one request; req/s: requests finished per second of wall time; "
        "vs (b): mean against one transaction per request."
    )
    print()
    results: dict[str, Any] = {"queries_per_request": args.queries, "levels": levels}
    with count_connections():
        results["sqlite"] = await bench_sqlite(args, levels)
        print()
        candidates = [args.postgres_url] if args.postgres_url else POSTGRES_URLS
        url = None if args.no_postgres else await find_postgres(candidates)
        if args.no_postgres:
            print("PostgreSQL: skipped (--no-postgres).")
        elif url is None:
            print(f"PostgreSQL: skipped, no server answered ({', '.join(candidates)}).")
        else:
            results["postgres"] = await bench_postgres(args, levels, url)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.db_connections", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--queries", type=int, default=10, help="queries per request (default 10)")
    parser.add_argument(
        "--requests", type=int, default=200, help="requests per mode and concurrency (default 200)"
    )
    parser.add_argument(
        "--block", type=int, default=20, help="requests per block before switching mode (default 20)"
    )
    parser.add_argument(
        "--concurrency", default="1,8", help="concurrent requests, comma-separated (default 1,8)"
    )
    parser.add_argument(
        "--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL"), help="PostgreSQL server to use"
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--output",
        type=Path,
        default=Path(__file__).resolve().parent / "results" / "db_connections.json",
        help="JSON results file",
    )
    args = parser.parse_args(argv)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
