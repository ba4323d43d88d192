"""Sign-ins per second against raw argon2 verifications per second, in the same run.

    .venv/bin/python -m bench.sign_in [--duration SECONDS] [--levels 1,2,4] [--quick]

Starts ``portal serve --workers 1`` (after ``portal demo``, data in a temporary
folder). At each concurrency level N, it alternates short slices of two loads
so that noise on a shared machine hits both alike:

- raw: N tasks in this process calling ``portal.accounts.passwords.verify_password``
  back to back on a hash made by ``hash_password`` (the portal's parameters). It is
  the server's own path to argon2: a worker thread under the same limiter of
  ``HASHING_SLOTS`` verifications at once, so min(N, HASHING_SLOTS) run together;
- sign-in: N clients, each with its own demo account, doing the whole sign-in back
  to back: POST /sign-in (identifier and password), the code read from the
  outbox, POST /sign-in/code. Every step must answer what a right password and a
  right code get, or the run stops.

Prints sign-ins per second, raw verifications per second and their ratio (the
goal is at least 0.90), the latency of a sign-in and the CPU time each costs.

Then "same time for anyone": one request at a time, each from its own address
(``X-Forwarded-For``, believed because the portal runs with
``PORTAL_TRUSTED_PROXIES=127.0.0.1``), a known identifier with a wrong password
against one that has no space (POST /sign-in), then a forgotten password for a
known identifier against one with no space (POST /sign-in/forgot), interleaved
(known, unknown, known, ...): the median and p90 of each, and the ratio of the
medians (the goal: they differ by less than a third).

The same figures go to ``bench/results/sign_in.json``. They are never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import itertools
import os
import platform
import secrets
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import argon2
import httpx

from bench.common import (
    BROWSER_HEADERS,
    RESULTS,
    Server,
    csrf_token,
    fmt,
    forget_session,
    git_commit,
    loadavg,
    outbox_of,
    percentile,
    portal_server,
    process_cpu,
    sign_in_steps,
    spread,
    table,
    write_results,
)
from portal.accounts import passwords
from portal.accounts.demo import DEMO_PASSWORD, DEMO_PEOPLE

# The demo's active accounts: (what is typed as identifier, where the code goes).
ACCOUNTS = [
    (
        str(person.identity.email),
        str(person.identity.mobile if person.code_channel == "sms" else person.identity.email),
    )
    for person in DEMO_PEOPLE.values()
]

EMAILS = [identifier for identifier, _recipient in ACCOUNTS]

STEPS = ("password", "outbox", "code")


@dataclass
class Tally:
    """One kind of load (raw or sign-in) at one concurrency level, over all its slices."""

    concurrency: int
    count: float = 0.0  # operations' worth of work done inside the measured windows
    seconds: float = 0.0  # total length of the measured windows
    latencies: list[float] = field(default_factory=list)
    steps: dict[str, list[float]] = field(default_factory=lambda: {step: [] for step in STEPS})
    rounds: list[float] = field(default_factory=list)  # operations per second, slice by slice
    cpu: float | None = 0.0  # CPU seconds of the process doing the work (the server; this one for raw)
    client_cpu: float = 0.0  # CPU seconds of this process during the sign-in windows

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


# An operation: worker number -> the seconds its parts took (one part for a raw
# verification, the three STEPS for a sign-in).
Operation = Callable[[int], Awaitable[tuple[float, ...]]]


@dataclass
class Slice:
    count: float  # operations' worth of work done inside the window (see run_slice)
    seconds: float
    parts: list[tuple[float, ...]]  # of the operations that completed inside the window
    server_cpu: float | None
    own_cpu: float


async def run_slice(concurrency: int, operation: Operation, seconds: float, server_pid: int) -> Slice:
    """``concurrency`` workers doing ``operation`` back to back, measured over a window of ``seconds``.

    The window opens once every worker has completed one operation, so the load is
    steady (with more workers than hashing slots, some first wait for a slot), and
    closes ``seconds`` later; workers finish the operation they are in, then stop.
    Each operation counts for the share of its duration that falls inside the
    window, so the count over the window's length is the steady rate, without the
    rounding of whole operations (a few a second here), a ramp-up or an idle tail.
    """
    opened, closed = asyncio.Event(), asyncio.Event()
    window: list[float] = []  # [start, end]
    cpu: list[tuple[float | None, float]] = []  # (server, this process) at open and at close
    first_done: set[int] = set()  # workers that have completed an operation
    done: list[tuple[float, float, tuple[float, ...]]] = []  # (start, end, parts) once the window is open

    def read_cpu() -> None:
        cpu.append((process_cpu(server_pid), time.process_time()))

    async def worker(number: int) -> None:
        while not closed.is_set():
            started = time.perf_counter()
            taken = await operation(number)
            now = time.perf_counter()
            if opened.is_set():
                done.append((started, now, taken))
            elif number not in first_done:
                first_done.add(number)
                if len(first_done) == concurrency:
                    window.extend([now, now + seconds])
                    read_cpu()
                    opened.set()

    async def closer() -> None:
        await opened.wait()
        await asyncio.sleep(max(0.0, window[1] - time.perf_counter()))
        read_cpu()
        closed.set()

    await asyncio.gather(closer(), *(worker(n) for n in range(concurrency)))
    low, high = window
    count = sum(max(0.0, min(end, high) - max(start, low)) / (end - start) for start, end, _ in done)
    parts = [taken for _, end, taken in done if low < end <= high]
    (server_open, own_open), (server_close, own_close) = cpu
    server_cpu = None if server_open is None or server_close is None else server_close - server_open
    return Slice(count, high - low, parts, server_cpu, own_close - own_open)


@dataclass
class Bench:
    server: Server
    stored_hash: str
    clients: list[httpx.AsyncClient]

    async def raw(self, number: int) -> tuple[float, ...]:
        started = time.perf_counter()
        matches, _new_hash = await passwords.verify_password(self.stored_hash, DEMO_PASSWORD)
        if not matches:
            raise RuntimeError("verify_password did not match the hash hash_password made")
        return (time.perf_counter() - started,)

    async def sign_in(self, number: int) -> tuple[float, ...]:
        client = self.clients[number]
        identifier, recipient = ACCOUNTS[number]
        steps = await sign_in_steps(
            client, outbox_of(client), identifier, DEMO_PASSWORD, recipient, consume=True
        )
        forget_session(client)  # the next sign-in starts signed out, like a person arriving
        return steps

    async def measure(self, tally: Tally, seconds: float, record: bool, *, raw: bool) -> None:
        operation = self.raw if raw else self.sign_in
        done = await run_slice(tally.concurrency, operation, seconds, self.server.process.pid)
        if not record:
            return
        tally.count += done.count
        tally.seconds += done.seconds
        tally.rounds.append(done.count / done.seconds)
        tally.latencies.extend(sum(parts) for parts in done.parts)
        if raw:
            # The verifications run in this process's threads.
            tally.cpu = None if tally.cpu is None else tally.cpu + done.own_cpu
            return
        tally.client_cpu += done.own_cpu
        tally.cpu = None if tally.cpu is None or done.server_cpu is None else tally.cpu + done.server_cpu
        for parts in done.parts:
            for step, seconds_taken in zip(STEPS, parts, strict=True):
                tally.steps[step].append(seconds_taken)


def make_client(base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        headers=BROWSER_HEADERS,
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        timeout=httpx.Timeout(60.0),
        follow_redirects=False,
    )


def ms(values: list[float], fraction: float) -> float:
    return percentile(sorted(values), fraction) * 1000


def summarise(raw: Tally, signed: Tally) -> dict[str, Any]:
    ratio = signed.rate / raw.rate if raw.rate else float("nan")
    return {
        "concurrency": signed.concurrency,
        "verifications_at_once": min(signed.concurrency, passwords.HASHING_SLOTS),
        "sign_ins": len(signed.latencies),  # completed inside the windows
        "sign_ins_per_s": signed.rate,
        "raw_verifications": len(raw.latencies),
        "raw_per_s": raw.rate,
        "ratio": ratio,
        "ratio_per_round": [round(s / r, 3) for s, r in zip(signed.rounds, raw.rounds, strict=False) if r],
        "sign_ins_per_s_per_round": [round(x, 2) for x in signed.rounds],
        "raw_per_s_per_round": [round(x, 2) for x in raw.rounds],
        "sign_in_p50_ms": ms(signed.latencies, 0.50),
        "sign_in_p95_ms": ms(signed.latencies, 0.95),
        "sign_in_max_ms": max(signed.latencies, default=float("nan")) * 1000,
        "step_p50_ms": {step: ms(values, 0.50) for step, values in signed.steps.items()},
        "step_p95_ms": {step: ms(values, 0.95) for step, values in signed.steps.items()},
        "raw_p50_ms": ms(raw.latencies, 0.50),
        "raw_p95_ms": ms(raw.latencies, 0.95),
        "server_cpu_ms_per_sign_in": (
            1000 * signed.cpu / signed.count if signed.cpu is not None and signed.count else None
        ),
        "raw_cpu_ms_per_verification": 1000 * raw.cpu / raw.count
        if raw.cpu is not None and raw.count
        else None,
        "server_cpu_pct": 100 * signed.cpu / signed.seconds
        if signed.cpu is not None and signed.seconds
        else None,
        "client_cpu_pct": 100 * signed.client_cpu / signed.seconds if signed.seconds else None,
    }


async def measure(
    server: Server, levels: list[int], duration: float, slice_seconds: float, warmup: float
) -> list[dict[str, Any]]:
    stored_hash = await passwords.hash_password(DEMO_PASSWORD)
    if argon2.extract_parameters(stored_hash) != passwords.PARAMETERS:
        raise RuntimeError("hash_password did not use passwords.PARAMETERS")
    clients = [make_client(server.base_url) for _ in range(max(levels))]
    bench = Bench(server, stored_hash, clients)
    rounds = max(1, round(duration / slice_seconds))
    slice_len = duration / rounds
    rows = []
    try:
        for client in clients:
            await csrf_token(client)
        for level in levels:
            raw, signed = Tally(level), Tally(level)
            await bench.measure(raw, warmup, record=False, raw=True)
            await bench.measure(signed, warmup, record=False, raw=False)
            for number in range(rounds):
                print(f"  {level} at once: round {number + 1}/{rounds}", file=sys.stderr, flush=True)
                # Alternate which goes first, so neither always follows the other.
                for is_raw in (True, False) if number % 2 == 0 else (False, True):
                    await bench.measure(raw if is_raw else signed, slice_len, record=True, raw=is_raw)
            rows.append(summarise(raw, signed))
    finally:
        for client in clients:
            await client.aclose()
    return rows


def print_report(meta: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    print()
    print(
        f"Sign-ins against raw argon2id verifications ({meta['argon2']}), {meta['duration_s']:g} s of each "
        f"per level in {meta['rounds']} alternating rounds; portal serve --workers 1, {meta['database']}; "
        f"{meta['cpus']} CPUs, load average {meta['loadavg_before']} before, {meta['loadavg_after']} after."
    )
    table_rows = []
    for row in rows:
        steps = row["step_p50_ms"]
        table_rows.append(
            [
                str(row["concurrency"]),
                f"{row['sign_ins_per_s']:.2f}",
                f"{row['raw_per_s']:.2f}",
                f"{row['ratio']:.2f}",
                f"{row['sign_in_p50_ms']:.0f}",
                f"{row['sign_in_p95_ms']:.0f}",
                f"{row['raw_p50_ms']:.0f}",
                f"{steps['password']:.0f} / {steps['outbox']:.1f} / {steps['code']:.0f}",
                fmt(row["server_cpu_ms_per_sign_in"], "{:.0f}"),
                fmt(row["raw_cpu_ms_per_verification"], "{:.0f}"),
                spread(row["ratio_per_round"]),
                str(row["sign_ins"]),
            ]
        )
    print(
        table(
            [
                "at once",
                "sign-ins/s",
                "raw verif/s",
                "ratio",
                "p50 ms",
                "p95 ms",
                "raw p50 ms",
                "steps p50 ms",
                "srv CPU ms/sign-in",
                "raw CPU ms/verif",
                "rounds",
                "sign-ins",
            ],
            table_rows,
            right=set(range(12)),
        )
    )
    print(
        f"ratio: sign-ins/s over raw verifications/s at the same level (goal >= {meta['goal']:.2f}); "
        f"raw runs min(N, HASHING_SLOTS={meta['hashing_slots']}) verifications at once, as the server does."
    )
    print("p50/p95: one whole sign-in as the client sees it; steps: POST /sign-in / reading the outbox /")
    print("  POST /sign-in/code; srv CPU: the server process's CPU time per sign-in (all threads), against")
    print("  this process's per raw verification; rounds: spread of the ratio across rounds (noise).")
    below = [row for row in rows if row["ratio"] < meta["goal"]]
    if below:
        levels = ", ".join(f"{row['concurrency']} at once ({row['ratio']:.2f})" for row in below)
        print(f"FLAG: below the goal of {meta['goal']:.2f}: {levels}")


# --------------------------------------------------------------------------- same time for anyone

SAME_TIME_SAMPLES = 30
SAME_TIME_WARMUP = 2  # requests of each kind before the measured ones, not counted
# After each request, whatever its kind: a known identifier's reset code is made and
# sent after its answer (a background task), and must not fall on the next request.
SAME_TIME_PAUSE = 0.05
# Failures an account may take before the bench forgets every try (its lock comes at the
# fifth, portal.core.throttle.FREE_FAILURES): a locked account would answer without argon2.
FAILURES_BEFORE_RESET = 4
# The portal believes X-Forwarded-For from this address only: each request gets its own.
TRUSTED_PROXY = "127.0.0.1"
# "They differ by less than a third": the larger median is under 4/3 of the smaller.
SAME_TIME_GOAL = 4 / 3


@dataclass
class SameTime:
    """Latencies, in seconds, of requests for a known and for an unknown identifier."""

    what: str
    path: str
    known: list[float] = field(default_factory=list)
    unknown: list[float] = field(default_factory=list)

    def summary(self, load: str) -> dict[str, Any]:
        known, unknown = ms(self.known, 0.5), ms(self.unknown, 0.5)
        ratio = known / unknown if unknown else float("nan")
        return {
            "what": self.what,
            "path": self.path,
            "requests_each": len(self.known),
            "known_p50_ms": known,
            "known_p90_ms": ms(self.known, 0.9),
            "unknown_p50_ms": unknown,
            "unknown_p90_ms": ms(self.unknown, 0.9),
            "ratio": ratio,
            "within_goal": 1 / SAME_TIME_GOAL < ratio < SAME_TIME_GOAL,
            "loadavg_before": load,
        }


async def forget_tries(server: Server, database_url: str | None) -> None:
    """What an operator would do: every try counted so far forgotten (no lock, no count)."""
    if database_url:
        await _admin(database_url, "DELETE FROM attempt_counter")
        return
    assert server.data_dir is not None
    with contextlib.closing(sqlite3.connect(server.data_dir / "portal.sqlite", timeout=30)) as db:
        db.execute("DELETE FROM attempt_counter")
        db.commit()


class Addresses:
    """A new client address for every request (10.x.y.z, from a random start)."""

    def __init__(self) -> None:
        self._next = itertools.count(secrets.randbelow(1 << 23))

    def __call__(self) -> str:
        n = next(self._next) % (1 << 24)
        return f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}"


def unknown_email() -> str:
    return f"nobody.{secrets.token_hex(4)}@example.org"


def expect(response: httpx.Response, status: int, what: str, location: str | None = None) -> None:
    """Stop the run when an answer is not the one a wrong password (or a reset) gets."""
    if response.status_code == status and (location is None or response.headers.get("location") == location):
        return
    hint = ""
    if response.status_code == 429:
        hint = " (locked: are X-Forwarded-For addresses believed? PORTAL_TRUSTED_PROXIES=127.0.0.1)"
    raise RuntimeError(
        f"{what} answered HTTP {response.status_code} {response.headers.get('location', '')}, "
        f"not {status} {location or ''}{hint}"
    )


@dataclass
class SameTimeRun:
    """One client, one request at a time, each from a new address."""

    server: Server
    database_url: str | None
    client: httpx.AsyncClient
    token: str
    address: Addresses = field(default_factory=Addresses)
    failures: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EMAILS, 0))

    async def post(self, path: str, data: dict[str, str]) -> tuple[float, httpx.Response]:
        headers = {"X-Forwarded-For": self.address()}
        started = time.perf_counter()
        response = await self.client.post(path, data={"_csrf_token": self.token, **data}, headers=headers)
        return time.perf_counter() - started, response

    async def known_account(self) -> str:
        """The demo account with the fewest failures; when it has taken its share, all start afresh."""
        email = min(EMAILS, key=lambda e: self.failures[e])
        if self.failures[email] >= FAILURES_BEFORE_RESET:
            await forget_tries(self.server, self.database_url)
            self.failures = dict.fromkeys(EMAILS, 0)
        self.failures[email] += 1
        return email

    async def sign_in(self, number: int, known: bool) -> float:
        typed = await self.known_account() if known else unknown_email()
        password = "not the password " + secrets.token_hex(3)
        took, response = await self.post("/sign-in", {"identifier": typed, "password": password})
        expect(response, 400, f"POST /sign-in ({'known' if known else 'unknown'}, wrong password)")
        return took

    async def forgot(self, number: int, known: bool) -> float:
        typed = EMAILS[number % len(EMAILS)] if known else unknown_email()
        took, response = await self.post("/sign-in/forgot", {"identifier": typed})
        where = "/sign-in/forgot/code"
        expect(response, 303, f"POST /sign-in/forgot ({'known' if known else 'unknown'})", where)
        return took

    async def interleaved(self, tally: SameTime | None, request: Any, count: int) -> None:
        """``count`` requests of each kind: known, unknown, known, ... (recorded in ``tally``)."""
        for number in range(count):
            for known in (True, False):
                took = await request(number, known)
                if tally is not None:
                    (tally.known if known else tally.unknown).append(took)
                await asyncio.sleep(SAME_TIME_PAUSE)


async def measure_same_time(server: Server, database_url: str | None, samples: int) -> list[dict[str, Any]]:
    """Known against unknown identifiers, one request at a time, interleaved."""
    sign_in = SameTime("wrong password vs no space", "/sign-in")
    forgot = SameTime("forgotten password", "/sign-in/forgot")
    async with make_client(server.base_url) as client:
        run = SameTimeRun(server, database_url, client, await csrf_token(client))
        sign_in_load = loadavg()
        await run.interleaved(None, run.sign_in, SAME_TIME_WARMUP)
        await run.interleaved(sign_in, run.sign_in, samples)
        forgot_load = loadavg()
        await run.interleaved(None, run.forgot, SAME_TIME_WARMUP)
        await run.interleaved(forgot, run.forgot, samples)
    return [sign_in.summary(sign_in_load), forgot.summary(forgot_load)]


def print_same_time(meta: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    print()
    print(
        f"Same time for anyone: {rows[0]['requests_each']} requests each, one at a time, known and "
        f"unknown interleaved, each from its own client address; load average "
        f"{rows[0]['loadavg_before']} at its start."
    )
    print(
        table(
            ["request", "known p50 ms", "known p90 ms", "unknown p50 ms", "unknown p90 ms", "known/unknown"],
            [
                [
                    f"POST {row['path']} ({row['what']})",
                    f"{row['known_p50_ms']:.1f}",
                    f"{row['known_p90_ms']:.1f}",
                    f"{row['unknown_p50_ms']:.1f}",
                    f"{row['unknown_p90_ms']:.1f}",
                    f"{row['ratio']:.2f}",
                ]
                for row in rows
            ],
            right={1, 2, 3, 4, 5},
        )
    )
    print(
        "known/unknown: the ratio of the medians (goal: they differ by less than a third, "
        f"between {1 / SAME_TIME_GOAL:.2f} and {SAME_TIME_GOAL:.2f}). /sign-in: a demo account's email "
        "with a wrong password against an email that has no space; /sign-in/forgot: a demo account's "
        "email against one with no space (the known one's code is made and sent after its answer, and "
        "not timed)."
    )
    apart = [row for row in rows if not row["within_goal"]]
    if apart:
        paths = ", ".join(f"{row['path']} ({row['ratio']:.2f})" for row in apart)
        print(f"FLAG: known and unknown differ by a third or more: {paths}")


async def _admin(url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(dsn=url, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.contextmanager
def throwaway_postgres(url: str | None) -> Iterator[str | None]:
    """A new, empty database next to the one ``url`` names (dropped afterwards); None: SQLite."""
    if not url:
        yield None
        return
    name = f"portal_bench_{os.getpid()}_{secrets.token_hex(3)}"
    parts = urlsplit(url)
    try:
        asyncio.run(_admin(url, f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # asyncpg's errors, OSError, timeouts: say why, stop
        raise RuntimeError(f"cannot create a throwaway database at {parts.hostname}: {exc}") from exc
    try:
        yield urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
    finally:
        asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def parse_levels(text: str) -> list[int]:
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError("levels must be numbers of at least 1")
    if max(levels) > len(ACCOUNTS):
        # One account per client: two sign-ins of one account at once would end each other's code.
        raise argparse.ArgumentTypeError(f"at most {len(ACCOUNTS)} at once (one demo account each)")
    return levels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sign_in", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duration", type=float, default=10.0, help="measured seconds of each load per level (default 10)"
    )
    parser.add_argument(
        "--levels", type=parse_levels, default=[1, 2, 4], help="clients at once, e.g. 1,2,4 (default)"
    )
    parser.add_argument("--slice", type=float, default=2.0, help="seconds per slice (default 2)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 s of each per level")
    parser.add_argument(
        "--postgres-url",
        help="run the portal on PostgreSQL, in a throwaway database made next to this one (default: SQLite)",
    )
    parser.add_argument(
        "--same-time",
        type=int,
        default=SAME_TIME_SAMPLES,
        metavar="N",
        help=f"requests of each kind in 'same time for anyone' (default {SAME_TIME_SAMPLES}; 0: skip it)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "sign_in.json", help="JSON results file")
    args = parser.parse_args(argv)
    duration = 2.0 if args.quick else args.duration
    slice_seconds = 1.0 if args.quick else args.slice
    warmup = 0.3 if args.quick else 1.0
    if duration <= 0 or slice_seconds <= 0:
        parser.error("--duration and --slice must be positive")
    if args.same_time < 0:
        parser.error("--same-time must be 0 or more")

    meta: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "argon2": (
            f"m={passwords.PARAMETERS.memory_cost} KiB, t={passwords.PARAMETERS.time_cost}, "
            f"p={passwords.PARAMETERS.parallelism}"
        ),
        "hashing_slots": passwords.HASHING_SLOTS,
        "goal": 0.90,
        "levels": args.levels,
        "duration_s": duration,
        "slice_s": slice_seconds,
        "rounds": max(1, round(duration / slice_seconds)),
        "warmup_s": warmup,
        "client": f"httpx {httpx.__version__}, one connection and one demo account per client",
        "database": "PostgreSQL (throwaway database)" if args.postgres_url else "SQLite (WAL)",
        "trusted_proxies": TRUSTED_PROXY,
        "same_time_pause_s": SAME_TIME_PAUSE,
        "loadavg_before": loadavg(),
    }
    print(f"Starting the portal (commit {meta['commit']})...", file=sys.stderr, flush=True)
    same_time: list[dict[str, Any]] = []
    # Each request of "same time for anyone" comes from its own address, as the proxy says.
    settings = {"PORTAL_TRUSTED_PROXIES": TRUSTED_PROXY}
    try:
        with (
            throwaway_postgres(args.postgres_url) as database_url,
            portal_server(database_url, settings) as server,
        ):
            print("Measuring (raw verifications and sign-ins in turn)...", file=sys.stderr, flush=True)
            rows = asyncio.run(measure(server, args.levels, duration, slice_seconds, warmup))
            if args.same_time:
                print("Measuring: same time for anyone...", file=sys.stderr, flush=True)
                same_time = asyncio.run(measure_same_time(server, database_url, args.same_time))
    except RuntimeError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    meta["loadavg_after"] = loadavg()
    print_report(meta, rows)
    if same_time:
        print_same_time(meta, same_time)
    shown = write_results(args.output, {"meta": meta, "levels": rows, "same_time": same_time})
    print(f"\nwritten: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
