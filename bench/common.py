"""What the benchmarks share: starting ``portal serve`` in a private data folder,
signing in as a demo person through the real forms, reading a server's CPU time,
and small helpers to report figures.

Used by ``bench.run`` (pages against a bare app) and ``bench.sign_in`` (sign-ins
against raw argon2). Nothing here imports the portal's code: the portal is
driven as a person (or an operator) would, through ``portal`` and HTTP.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

# What a browser sends; every target gets exactly the same headers.
BROWSER_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Encoding": "br, gzip",
    "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8",
    "User-Agent": "portal-bench/1 (httpx)",
}

# ---------------------------------------------------------------------------
# Servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def portal_command() -> list[str]:
    script = Path(sys.executable).parent / "portal"
    if script.exists():
        return [str(script)]
    found = shutil.which("portal")
    if found:
        return [found]
    return [sys.executable, "-m", "portal.cli"]


@dataclass
class Server:
    name: str
    base_url: str
    health_path: str
    process: subprocess.Popen[bytes]
    log_path: Path
    data_dir: Path | None = None  # the portal's PORTAL_DATA_DIR (its outbox is in there)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


# The outbox folder of each portal started here, by base URL, so that a page's
# ``setup(client)`` can read the code the portal at ``client.base_url`` sent.
OUTBOXES: dict[str, Path] = {}


def outbox_of(client: httpx.AsyncClient) -> Path:
    base = str(client.base_url).rstrip("/")
    try:
        return OUTBOXES[base]
    except KeyError:
        raise RuntimeError(f"no portal started by the benchmark answers at {base}") from None


def clean_env(data_dir: Path) -> dict[str, str]:
    """The caller's environment without any PORTAL_* setting, plus a private data folder."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env["PORTAL_DATA_DIR"] = str(data_dir)
    env["PORTAL_DEBUG"] = "0"  # no access log, like production
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def start_portal(
    workdir: Path, database_url: str | None = None, settings: Mapping[str, str] | None = None
) -> Server:
    """``portal demo`` then ``portal serve --workers 1`` on a free port, data in ``workdir``
    (the database too, SQLite, unless ``database_url`` names another one), with the
    ``PORTAL_*`` ``settings`` given."""
    data_dir = workdir / "portal-data"
    env = clean_env(data_dir)
    if database_url:
        env["PORTAL_DATABASE_URL"] = database_url
    env.update(settings or {})
    demo = subprocess.run(
        [*portal_command(), "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if demo.returncode != 0:
        raise RuntimeError(f"portal demo failed ({demo.returncode}):\n{demo.stdout}\n{demo.stderr}")
    server = launch_portal(env, data_dir, workdir / "portal.log")
    OUTBOXES[server.base_url] = data_dir / "outbox"
    return server


def launch_portal(
    env: Mapping[str, str], data_dir: Path, log_path: Path, workers: int = 1, name: str = "portal"
) -> Server:
    """``portal serve --workers N`` on a free port of 127.0.0.1, its output in ``log_path``
    (started, not yet ready: ``wait_until_ready``)."""
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                *portal_command(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Server(name, f"http://127.0.0.1:{port}", "/healthz", process, log_path, data_dir)


def wait_until_ready(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last_error = ""
    with httpx.Client(base_url=server.base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(
                    f"{server.name} exited with {server.process.returncode}:\n{server.log_tail()}"
                )
            try:
                response = client.get(server.health_path)
                if response.status_code == 200:
                    return
                last_error = f"HTTP {response.status_code}"
            except httpx.TransportError as exc:
                last_error = type(exc).__name__
            time.sleep(0.1)
    raise RuntimeError(
        f"{server.name} did not answer {server.health_path} in {timeout:.0f} s ({last_error}):\n"
        f"{server.log_tail()}"
    )


def stop(server: Server) -> None:
    process = server.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    OUTBOXES.pop(server.base_url, None)


@contextlib.contextmanager
def portal_server(
    database_url: str | None = None, settings: Mapping[str, str] | None = None
) -> Iterator[Server]:
    """The portal alone (demo data, temporary data folder), stopped and removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        server = start_portal(Path(tmp), database_url, settings)
        try:
            wait_until_ready(server)
            yield server
        finally:
            stop(server)


def process_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system, all threads) a process has used so far, from /proc (None elsewhere)."""
    if pid is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------
# Signing in through the forms: password, then the code found in the outbox


class SignInFailed(RuntimeError):
    """A step of the sign-in did not answer what a right password and code get."""


_CODE = re.compile(r"\b(\d{3}) ?(\d{3})\b")
_SESSION_COOKIES = ("session", "__Host-session")


def newest_code(outbox: Path, recipient: str, *, consume: bool = False) -> str:
    """The 6-digit code of the newest message to ``recipient`` (an email address, or a
    mobile number for a code sent by SMS) in a portal's outbox. ``consume`` deletes
    the message once read, so the outbox stays small during a long run."""
    try:
        names = sorted(
            (entry.name for entry in os.scandir(outbox) if entry.name.endswith(".eml")), reverse=True
        )
    except FileNotFoundError:
        names = []
    headers = BytesHeaderParser(policy=policy.default)
    for name in names:
        path = outbox / name
        try:
            raw = path.read_bytes()
        except FileNotFoundError:  # consumed by another client meanwhile
            continue
        if str(headers.parsebytes(raw).get("To", "")) != recipient:
            continue
        message = BytesParser(policy=policy.default).parsebytes(raw)
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        found = _CODE.search(body)
        if found is None:
            raise SignInFailed(f"the newest message to {recipient} ({name}) holds no 6-digit code")
        if consume:
            path.unlink(missing_ok=True)
        return found.group(1) + found.group(2)
    raise SignInFailed(f"no message to {recipient} in {outbox}")


async def csrf_token(client: httpx.AsyncClient) -> str:
    """The client's CSRF token (the ``csrftoken`` cookie), fetched with GET /sign-in if it has none."""
    token = client.cookies.get("csrftoken")
    if token is None:
        response = await client.get("/sign-in")
        if response.status_code != 200:
            raise SignInFailed(f"GET /sign-in answered HTTP {response.status_code}")
        token = client.cookies.get("csrftoken")
        if token is None:
            raise SignInFailed("GET /sign-in set no csrftoken cookie")
    return token


def _refused(step: str, response: httpx.Response) -> SignInFailed:
    where = response.headers.get("location", "")
    return SignInFailed(
        f"{step} answered HTTP {response.status_code}"
        + (f" to {where}" if where else "")
        + f" instead of 303 (body: {response.text[:200]!r})"
    )


async def sign_in_steps(
    client: httpx.AsyncClient,
    outbox: Path,
    identifier: str,
    password: str,
    recipient: str | None = None,
    *,
    consume: bool = False,
) -> tuple[float, float, float]:
    """Sign in through both forms; the client keeps the session cookie. Raises ``SignInFailed``.

    Returns the seconds taken by the password step (POST /sign-in), by reading the
    code from the outbox, and by the code step (POST /sign-in/code). Redirects are
    not followed: each step must answer 303, the password step to /sign-in/code and
    the code step to / with a session cookie.
    """
    token = await csrf_token(client)
    started = time.perf_counter()
    response = await client.post(
        "/sign-in", data={"_csrf_token": token, "identifier": identifier, "password": password}
    )
    if response.status_code != 303 or not response.headers.get("location", "").startswith("/sign-in/code"):
        raise _refused("POST /sign-in", response)
    password_done = time.perf_counter()
    code = newest_code(outbox, recipient or identifier, consume=consume)
    code_read = time.perf_counter()
    response = await client.post("/sign-in/code", data={"_csrf_token": token, "code": code})
    if response.status_code != 303 or response.headers.get("location") != "/":
        raise _refused("POST /sign-in/code", response)
    if not any(name in response.cookies for name in _SESSION_COOKIES):
        raise SignInFailed("POST /sign-in/code set no session cookie")
    done = time.perf_counter()
    return password_done - started, code_read - password_done, done - code_read


def forget_session(client: httpx.AsyncClient) -> None:
    """Drop the session cookie (keep the CSRF token): the next sign-in starts signed out."""
    for cookie in list(client.cookies.jar):
        if cookie.name in _SESSION_COOKIES:
            client.cookies.delete(cookie.name, domain=cookie.domain, path=cookie.path)


# ---------------------------------------------------------------------------
# Figures and report


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = fraction * (len(sorted_values) - 1)
    low = int(index)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (index - low)


def spread(values: list[float]) -> str:
    """Half the min-max range of ``values`` against their median, e.g. "±7%"."""
    if len(values) < 2:
        return "-"
    ordered = sorted(values)
    middle = percentile(ordered, 0.5)
    return f"±{(ordered[-1] - ordered[0]) / 2 / middle * 100:.0f}%" if middle else "-"


def table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(headers[i]), *(len(r[i]) for r in rows)) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def fmt(value: float | None, pattern: str) -> str:
    return "-" if value is None else pattern.format(value)


def git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
        ).stdout
        return commit + ("+changes" if dirty.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def write_results(path: Path, figures: Mapping[str, Any]) -> str:
    """Write ``figures`` as JSON to ``path``; the path to show (relative to the repository)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
