"""One worker against two, on PostgreSQL with sessions in Redis, loaded with ``wrk``.

    .venv/bin/python -m bench.workers [--duration SECONDS] [--connections N] [--quick]

Creates a fresh PostgreSQL database (dropped at the end), loads the demo in it
(``portal demo``, sessions in Redis), then starts two portals on it side by side:
``portal serve --workers 1`` and ``portal serve --workers 2``, each on a free port. It
signs the demo patient in on each through the real forms, then loads each page in
turn on one portal and the other, a slice at a time (so that noise on a shared
machine hits both alike), with ``wrk`` (a Python client would saturate a core before
the portal does): audited pages (her profile, the agenda's month, her notes: each
view writes an audit event) and pages that are not audited (her space, her circle).

Prints requests per second for each page with 1 and 2 workers and their ratio (the
target is 1.7x or more), how the two workers shared the CPU, and how many cores the
workers used in all: two workers can only double one when the machine has cores to
spare beyond those PostgreSQL, Redis and wrk take (on a two-core machine it has not).
The figures go to ``bench/results/workers.json``. The run fails if any measured
request did not answer 200. Figures are never asserted in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import wrk
from bench.common import (
    BROWSER_HEADERS,
    RESULTS,
    ROOT,
    Server,
    clean_env,
    fmt,
    git_commit,
    launch_portal,
    loadavg,
    portal_command,
    process_cpu,
    sign_in_steps,
    stop,
    table,
    wait_until_ready,
    write_results,
)
from portal.accounts.demo import DEMO_PASSWORD

POSTGRES_ADMIN_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("PORTAL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
JEANNE = "jeanne.dupont@example.org"  # the demo patient (portal/accounts/demo.py)
TARGET = 1.7


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    audited: bool


PAGES = [
    Page("my profile", "/space/profile", audited=True),
    Page("agenda month", "/space/agenda/month", audited=True),
    Page("my notes", "/space/notes", audited=True),
    Page("my space", "/space", audited=False),
    Page("my circle", "/space/circle", audited=False),
]


@dataclass
class Portal:
    workers: int
    server: Server
    cookies: dict[str, str] = field(default_factory=dict)

    def worker_pids(self) -> list[int]:
        """The server's own process with one worker; its children serving it with more."""
        pid = self.server.process.pid
        if self.workers == 1:
            return [pid]
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                    cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in cmdline:
                    found.append(int(entry))
        return sorted(found)


@dataclass
class Figures:
    requests: int = 0
    seconds: float = 0.0
    other_statuses: int = 0
    errors: int = 0
    cpu: dict[int, float] = field(default_factory=dict)  # CPU seconds per worker process

    @property
    def rps(self) -> float | None:
        return self.requests / self.seconds if self.seconds else None

    @property
    def cores(self) -> float | None:
        """CPU the portal's workers used while loaded, in cores (1.0: one core all the time):
        well under the workers' number means something else (the database, the load
        generator, other programs) held the machine's cores."""
        return sum(self.cpu.values()) / self.seconds if self.seconds else None


# ---------------------------------------------------------------------------
# Database and servers


async def _postgres(query: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
    try:
        await conn.execute(query)
    finally:
        await conn.close()


@contextmanager
def fresh_database() -> Iterator[str]:
    name = f"portal_bench_workers_{secrets.token_hex(4)}"
    asyncio.run(_postgres(f"CREATE DATABASE {name}"))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_postgres(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@contextmanager
def serving(env: dict[str, str], data_dir: Path, workers: int, log_path: Path) -> Iterator[Portal]:
    server = launch_portal(env, data_dir, log_path, workers, name=f"{workers} worker(s)")
    try:
        wait_until_ready(server)
        portal = Portal(workers, server)
        deadline = time.monotonic() + 60
        # Every worker started (one answering /healthz is not all of them).
        while log_path.read_text(errors="replace").count("Application startup complete") < workers:
            if server.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"not every worker of {server.name} started:\n{server.log_tail()}")
            time.sleep(0.1)
        yield portal
    finally:
        stop(server)


async def sign_in(portal: Portal, outbox: Path) -> None:
    async with httpx.AsyncClient(
        base_url=portal.server.base_url, headers=BROWSER_HEADERS, timeout=60
    ) as client:
        await sign_in_steps(client, outbox, JEANNE, DEMO_PASSWORD, consume=True)
        portal.cookies = {cookie.name: str(cookie.value) for cookie in client.cookies.jar}
    await check_pages(portal)


async def check_pages(portal: Portal) -> None:
    """Every page answers 200 to the portal's cookies (wrk counts no redirect as a failure:
    a session that ended would have measured the redirect to the sign-in page)."""
    async with httpx.AsyncClient(
        base_url=portal.server.base_url, headers=BROWSER_HEADERS, cookies=portal.cookies, timeout=60
    ) as client:
        for page in PAGES:
            response = await client.get(page.path)
            if response.status_code != 200:
                raise RuntimeError(
                    f"{page.path} answered {response.status_code} on {portal.server.name} "
                    f"({response.headers.get('location', '')}) instead of 200"
                )


# ---------------------------------------------------------------------------
# Loading with wrk


def load(portal: Portal, page: Page, seconds: float, connections: int) -> wrk.Load:
    headers = {**BROWSER_HEADERS, "Cookie": wrk.cookie_header(portal.cookies)}
    return wrk.run(
        portal.server.base_url + page.path, seconds=seconds, connections=connections, headers=headers
    )


def measure(
    portals: list[Portal], duration: float, slice_seconds: float, connections: int
) -> dict[tuple[str, int], Figures]:
    figures = {(page.name, portal.workers): Figures() for page in PAGES for portal in portals}
    for page in PAGES:  # warm-up, not counted
        for portal in portals:
            load(portal, page, 1, connections)
    rounds = max(1, round(duration / slice_seconds))
    for number in range(rounds):
        print(f"  round {number + 1}/{rounds}", file=sys.stderr, flush=True)
        for page in PAGES:
            # Alternate which portal goes first, so neither always follows the other.
            for portal in portals if number % 2 == 0 else reversed(portals):
                pids = portal.worker_pids()
                before = {pid: process_cpu(pid) or 0.0 for pid in pids}
                done = load(portal, page, slice_seconds, connections)
                after = {pid: process_cpu(pid) or 0.0 for pid in pids}
                figure = figures[(page.name, portal.workers)]
                figure.requests += done.requests
                figure.seconds += done.seconds
                figure.other_statuses += done.not_200
                figure.errors += done.socket_errors
                for index, pid in enumerate(pids):
                    figure.cpu[index] = figure.cpu.get(index, 0.0) + after[pid] - before[pid]
    return figures


# ---------------------------------------------------------------------------
# Report


def report(figures: dict[tuple[str, int], Figures], meta: dict[str, Any]) -> list[dict[str, Any]]:
    rows, results = [], []
    for page in PAGES:
        one, two = figures[(page.name, 1)], figures[(page.name, 2)]
        ratio = (two.rps / one.rps) if one.rps and two.rps else None
        total_cpu = sum(two.cpu.values())
        shares = [cpu / total_cpu for cpu in two.cpu.values()] if total_cpu else []
        rows.append(
            [
                page.name,
                page.path,
                "yes" if page.audited else "no",
                fmt(one.rps, "{:.0f}"),
                fmt(two.rps, "{:.0f}"),
                fmt(ratio, "{:.2f}x"),
                "ok" if ratio is not None and ratio >= TARGET else "below",
                " / ".join(f"{share * 100:.0f}%" for share in shares) or "-",
                f"{fmt(one.cores, '{:.2f}')} / {fmt(two.cores, '{:.2f}')}",
            ]
        )
        results.append(
            {
                "page": page.name,
                "path": page.path,
                "audited": page.audited,
                "rps_1_worker": one.rps,
                "rps_2_workers": two.rps,
                "ratio": ratio,
                "target": TARGET,
                "requests": {"1": one.requests, "2": two.requests},
                "cpu_seconds_per_worker_2": list(two.cpu.values()),
                "cpu_seconds_1": list(one.cpu.values()),
                "cores_used": {"1": one.cores, "2": two.cores},
            }
        )
    print(
        f"\nbench.workers: PostgreSQL + Redis sessions, {meta['connections']} connections (wrk), "
        f"{meta['duration_s']} s per target, commit {meta['commit']}, load {meta['loadavg_before']}, "
        f"{meta['cpus']} CPUs\n"
    )
    headers = [
        "page",
        "path",
        "audited",
        "1 worker rps",
        "2 workers rps",
        "2w/1w",
        f">= {TARGET}x",
        "CPU per worker (2w)",
        "cores used 1w / 2w",
    ]
    print(table(headers, rows, right={3, 4, 5}))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.workers", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration", type=float, default=10.0, help="measured seconds per target (default 10)"
    )
    parser.add_argument(
        "--slice", type=float, default=2.0, help="seconds on one target before the next (default 2)"
    )
    parser.add_argument("--connections", type=int, default=16, help="wrk's connections (default 16)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 s per target, 1 s slices")
    parser.add_argument("--output", type=Path, default=RESULTS / "workers.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.slice = 2.0, 1.0
    if shutil.which("wrk") is None:
        print("bench.workers: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    try:
        asyncio.run(_postgres("SELECT 1"))
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"bench.workers: PostgreSQL does not answer at {POSTGRES_ADMIN_URL}: {exc}", file=sys.stderr)
        return 2
    if not redis_answers(REDIS_URL):
        print(f"bench.workers: Redis does not answer at {REDIS_URL}", file=sys.stderr)
        return 2
    meta: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg_before": loadavg(),
        "duration_s": args.duration,
        "slice_s": args.slice,
        "connections": args.connections,
        "database": "postgresql",
        "sessions": "redis",
        "client": "wrk -t 1",
    }
    with tempfile.TemporaryDirectory(prefix="portal-bench-workers-") as tmp, fresh_database() as url:
        data_dir = Path(tmp) / "portal-data"
        env = clean_env(data_dir)
        env.update({"PORTAL_DATABASE_URL": url, "PORTAL_REDIS_URL": REDIS_URL})
        demo = subprocess.run(
            [*portal_command(), "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        if demo.returncode != 0:
            print(f"portal demo failed:\n{demo.stdout}\n{demo.stderr}", file=sys.stderr)
            return 1
        with ExitStack() as stack:
            portals = [
                stack.enter_context(serving(env, data_dir, workers, Path(tmp) / f"serve-{workers}.log"))
                for workers in (1, 2)
            ]
            for portal in portals:
                asyncio.run(sign_in(portal, data_dir / "outbox"))
            figures = measure(portals, args.duration, args.slice, args.connections)
            for portal in portals:
                asyncio.run(check_pages(portal))
    results = report(figures, meta)
    failures = [
        f"{page}, {workers} worker(s): {figure.other_statuses} answers other than 200, "
        f"{figure.errors} socket errors"
        for (page, workers), figure in figures.items()
        if figure.other_statuses or figure.errors
    ]
    shown = write_results(args.output, {"meta": meta, "pages": results, "failures": failures})
    print(f"\nwritten to {shown}")
    if failures:
        print("\n".join(["not every request answered 200:", *failures]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
