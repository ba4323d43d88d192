"""`portal serve --workers 2` spreads connections over its workers, and a session ended
through one server process is refused through another on the very next request.

Run against live servers (``portal demo``, then ``portal serve``), on SQLite with sessions
in the database and on PostgreSQL with sessions in Redis.

Which process serves a connection is read from Linux's ``/proc``, never from the answer:
the server's end of an accepted connection is a socket that exactly one worker holds
among its file descriptors, and ``/proc/net/tcp`` ties it to the client's port. Nothing
is timed; the only waits are for a server to be ready and for a connection to be accepted.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx
import pytest

from bench.common import (
    ROOT,
    Server,
    clean_env,
    launch_portal,
    portal_command,
    sign_in_steps,
    stop,
    wait_until_ready,
)
from portal.accounts.demo import DEMO_PASSWORD
from tests.conftest import POSTGRES_ADMIN_URL, REQUIRE_POSTGRES, _postgres, _postgres_reachable
from tests.tamper import as_database_owner

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)"),
]

REDIS_URL = "redis://127.0.0.1:6379/0"
JEANNE = "jeanne.dupont@example.org"  # the demo patient
# Fresh connections opened at once: with two workers, all of them on one worker by chance
# would happen once in 2**39 runs (the kernel picks a socket by a hash of the client's port).
CONNECTIONS = 40
WAIT = 60.0  # seconds a server may take to start, or a connection to be accepted, at most


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass(frozen=True)
class Backend:
    """A data folder with the demo loaded, and the environment of a portal that uses it."""

    name: str
    env: dict[str, str]
    data_dir: Path

    @property
    def outbox(self) -> Path:
        return self.data_dir / "outbox"


@pytest.fixture(scope="module", params=["sqlite", "postgres+redis"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    data_dir = tmp_path_factory.mktemp(f"workers-{request.param.replace('+', '-')}") / "portal-data"
    env = clean_env(data_dir)
    database = None
    if request.param == "postgres+redis":
        if not _postgres_reachable():
            if REQUIRE_POSTGRES:
                pytest.fail(f"PostgreSQL is required but not reachable at {POSTGRES_ADMIN_URL}")
            pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
        if not _redis_reachable():
            pytest.skip(f"Redis not reachable at {REDIS_URL}")
        database = f"portal_workers_{secrets.token_hex(4)}"
        asyncio.run(_postgres(f"CREATE DATABASE {database}"))
        env["PORTAL_DATABASE_URL"] = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"
        env["PORTAL_REDIS_URL"] = REDIS_URL
    try:
        demo = subprocess.run(
            [*portal_command(), "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert demo.returncode == 0, f"portal demo failed:\n{demo.stdout}\n{demo.stderr}"
        yield Backend(request.param, env, data_dir)
    finally:
        if database:
            try:
                asyncio.run(_postgres(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
            except asyncpg.PostgresError:
                pass


@contextmanager
def serving(backend: Backend, workers: int, log_path: Path) -> Iterator[Server]:
    """``portal serve --workers N`` on a free port, every worker listening, until the block ends."""
    server = launch_portal(backend.env, backend.data_dir, log_path, workers)
    process = server.process
    try:
        wait_until_ready(server, timeout=WAIT)
        if workers > 1:
            deadline = time.monotonic() + WAIT
            while len(listeners(server)) < workers:
                assert process.poll() is None, server.log_tail()
                assert time.monotonic() < deadline, f"not every worker listens:\n{server.log_tail()}"
                time.sleep(0.1)
        yield server
    finally:
        stop(server)
        assert process.returncode is not None


# ---------------------------------------------------------------------------
# Reading /proc


def port_of(server: Server) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def sockets_of(pid: int) -> set[int]:
    """The inodes of the sockets a process holds."""
    inodes = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:[") : -1]))
    return inodes


LISTEN, ESTABLISHED = "0A", "01"


def tcp_sockets(port: int) -> list[tuple[str, int, int]]:
    """(state, remote port, inode) of every TCP socket whose local port is ``port``."""
    rows = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                rows.append((fields[3], int(fields[2].rsplit(":", 1)[1], 16), int(fields[9])))
    return rows


def listeners(server: Server) -> dict[int, set[int]]:
    """The processes of ``server`` (itself or its children) that hold a listening socket on
    its port, with the inodes of those listening sockets."""
    listening = {inode for state, _, inode in tcp_sockets(port_of(server)) if state == LISTEN}
    found = {}
    for pid in [server.process.pid, *children(server.process.pid)]:
        held = sockets_of(pid) & listening
        if held:
            found[pid] = held
    return found


def holder(server: Server, conn: socket.socket, workers: list[int]) -> int:
    """The worker that accepted ``conn`` (waiting until one has)."""
    client_port = conn.getsockname()[1]
    deadline = time.monotonic() + WAIT
    while True:
        ends = {
            inode
            for state, remote, inode in tcp_sockets(port_of(server))
            if state == ESTABLISHED and remote == client_port and inode
        }
        owners = [pid for pid in workers if sockets_of(pid) & ends]
        if owners:
            assert len(owners) == 1, owners
            return owners[0]
        assert time.monotonic() < deadline, f"no worker accepted the connection from port {client_port}"
        time.sleep(0.01)


# ---------------------------------------------------------------------------
# HTTP over a connection we chose


def exchange(conn: socket.socket, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send one HTTP/1.1 request; the status, headers (lower-case names) and body answered."""
    conn.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        assert chunk, f"the connection closed before an answer: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        assert chunk, "the connection closed in the middle of the body"
        body += chunk
    return int(lines[0].split()[1]), headers, body


def get(path: str, cookies: dict[str, str] | None = None) -> bytes:
    cookie = "; ".join(f"{name}={value}" for name, value in (cookies or {}).items())
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n"
    ).encode()


def post(path: str, form: dict[str, str], cookies: dict[str, str]) -> bytes:
    encoded = urlencode(form).encode()
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(encoded)}\r\n\r\n"
    ).encode() + encoded


# A way to reach one given server process: a fresh connection that it (and no other) accepted.
Door = Callable[[], socket.socket]


def door_to_server(server: Server) -> Door:
    return lambda: socket.create_connection(("127.0.0.1", port_of(server)), timeout=WAIT)


def door_to_worker(server: Server, worker: int, workers: list[int]) -> Door:
    def connect() -> socket.socket:
        while True:  # the kernel picks the worker: try fresh connections until it is this one
            conn = socket.create_connection(("127.0.0.1", port_of(server)), timeout=WAIT)
            if holder(server, conn, workers) == worker:
                return conn
            conn.close()

    return connect


def through(door: Door, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with door() as conn:
        return exchange(conn, request)


# ---------------------------------------------------------------------------
# Tests


def test_two_workers_each_listen_on_their_own_socket_and_both_answer(
    backend: Backend, tmp_path: Path
) -> None:
    with serving(backend, 2, tmp_path / "serve.log") as server:
        listening = listeners(server)
        # Two workers, each with a listening socket of its own (uvicorn's --workers shares
        # one socket, made by the parent); the supervisor itself listens on nothing.
        assert server.process.pid not in listening, listening
        assert len(listening) == 2, listening
        assert all(len(held) == 1 for held in listening.values()), listening
        assert len(set.union(*listening.values())) == 2, listening
        workers = sorted(listening)

        # Every connection opened before any is used, as a load tester opens its connections.
        connections = [
            socket.create_connection(("127.0.0.1", port_of(server)), timeout=WAIT) for _ in range(CONNECTIONS)
        ]
        answered_by: Counter[int] = Counter()
        try:
            for conn in connections:
                worker = holder(server, conn, workers)
                status, _, body = exchange(conn, get("/healthz"))
                assert status == 200, body
                answered_by[worker] += 1
        finally:
            for conn in connections:
                conn.close()
        assert set(answered_by) == set(workers), answered_by
        assert sum(answered_by.values()) == CONNECTIONS

    # Stopped by SIGTERM to the supervisor: no worker is left behind.
    assert all(not Path(f"/proc/{pid}").exists() or _is_zombie(pid) for pid in workers)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _signed_in_cookies(server: Server, backend: Backend) -> dict[str, str]:
    """Sign Jeanne in through the forms (any worker of ``server``); her cookies."""

    async def sign_in() -> dict[str, str]:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=WAIT) as client:
            await sign_in_steps(client, backend.outbox, JEANNE, DEMO_PASSWORD, consume=True)
            return {cookie.name: str(cookie.value) for cookie in client.cookies.jar}

    cookies = asyncio.run(sign_in())
    assert "session" in cookies and "csrftoken" in cookies, sorted(cookies)
    return cookies


def _sign_out_through_one_then_refused_through_other(cookies: dict[str, str], one: Door, other: Door) -> None:
    # Both processes let her in (each has now read her session at least once).
    for door in (one, other, other):
        status, headers, _ = through(door, get("/space", cookies))
        assert status == 200, (status, headers.get("location"))
    status, headers, body = through(one, post("/sign-out", {"_csrf_token": cookies["csrftoken"]}, cookies))
    assert status == 303, (status, body[:300])
    # Her browser forgot the cookie; someone who kept it is refused by the other process at once.
    status, headers, _ = through(other, get("/space", cookies))
    assert status in (302, 303), status
    assert headers["location"].startswith("/sign-in"), headers["location"]


def test_a_session_ended_through_one_server_is_refused_by_another_at_once(
    backend: Backend, tmp_path: Path
) -> None:
    """Two `portal serve` processes on two ports, one database (and Redis) between them."""
    with serving(backend, 1, tmp_path / "a.log") as first, serving(backend, 1, tmp_path / "b.log") as second:
        cookies = _signed_in_cookies(first, backend)
        _sign_out_through_one_then_refused_through_other(
            cookies, door_to_server(first), door_to_server(second)
        )


def test_a_session_ended_through_one_worker_is_refused_by_the_other_at_once(
    backend: Backend, tmp_path: Path
) -> None:
    """The two workers of one `portal serve --workers 2`."""
    with serving(backend, 2, tmp_path / "serve.log") as server:
        workers = sorted(listeners(server))
        cookies = _signed_in_cookies(server, backend)
        _sign_out_through_one_then_refused_through_other(
            cookies, door_to_worker(server, workers[0], workers), door_to_worker(server, workers[1], workers)
        )


# ---------------------------------------------------------------------------
# The audit trail under two workers

AUDITED = ("/space/profile", "/space/agenda/month", "/space/notes")
READS_EACH = 24  # audited pages asked through each worker, 8 at a time


def _audit(backend: Backend, *command: str) -> tuple[int, str]:
    done = subprocess.run(
        [*portal_command(), "audit", *command], cwd=ROOT, env=backend.env, capture_output=True, text=True
    )
    return done.returncode, done.stdout


def _events(backend: Backend) -> int:
    status, out = _audit(backend, "verify")
    assert status == 0, out
    return int(out.split("intact: ", 1)[1].split(" event", 1)[0])


def _as_database_owner(backend: Backend, sql: str, *args: object) -> list[dict[str, object]]:
    url = backend.env.get("PORTAL_DATABASE_URL")
    sqlite_path = backend.data_dir / "portal.sqlite" if url is None else None
    return asyncio.run(as_database_owner(sqlite_path, url or "", sql, *args))


def test_the_audit_trail_stays_whole_when_two_workers_append_at_once(
    backend: Backend, tmp_path: Path
) -> None:
    """Audited pages read at the same time through both workers: every event is chained (and
    no page ran twice); then a changed event and a removed one each break the trail."""
    from concurrent.futures import ThreadPoolExecutor

    before = _events(backend)
    with serving(backend, 2, tmp_path / "serve.log") as server:
        workers = sorted(listeners(server))
        cookies = _signed_in_cookies(server, backend)
        doors = [door_to_worker(server, worker, workers) for worker in workers]
        asked = [(doors[n % 2], AUDITED[n % len(AUDITED)]) for n in range(2 * READS_EACH)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda job: through(job[0], get(job[1], cookies))[0], asked))
        assert statuses == [200] * len(asked)
        log = server.log_path.read_text(errors="replace")
    assert "ran again as a writer" not in log
    after = _events(backend)
    assert after - before >= len(asked)  # at least one read event per page, none lost

    status, out = _audit(backend, "seal")
    assert status == 0, out
    assert "1 seal." in _audit(backend, "verify")[1]

    # Changed, then changed back: the event's own hash no longer matches, then does again.
    flip = "UPDATE audit_event SET outcome = CASE outcome WHEN 'allowed' THEN 'denied' ELSE 'allowed' END"
    # The first new event of the newest event's chain (Jeanne's reads): others follow it.
    ((middle,),) = [
        tuple(row.values())
        for row in _as_database_owner(
            backend,
            "SELECT min(id) FROM audit_event WHERE id > ? AND chain ="
            " (SELECT chain FROM audit_event ORDER BY id DESC LIMIT 1)",
            before,
        )
    ]
    _as_database_owner(backend, f"{flip} WHERE id = ?", middle)
    status, out = _audit(backend, "verify")
    assert status == 1 and f"broken at event #{middle}:" in out and "was changed" in out, out
    _as_database_owner(backend, f"{flip} WHERE id = ?", middle)
    assert _audit(backend, "verify")[0] == 0

    # Removed, then put back: the next event of its chain follows a missing one.
    (row,) = _as_database_owner(backend, "SELECT * FROM audit_event WHERE id = ?", middle)
    _as_database_owner(backend, "DELETE FROM audit_event WHERE id = ?", middle)
    status, out = _audit(backend, "verify")
    assert status == 1 and "the event it follows is missing" in out, out
    columns = ", ".join(row)
    _as_database_owner(
        backend,
        f"INSERT INTO audit_event ({columns}) VALUES ({', '.join('?' * len(row))})",
        *row.values(),
    )
    assert _audit(backend, "verify")[0] == 0
