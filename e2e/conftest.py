"""The browser test harness: a live portal, a real Chromium, every journey with and without JavaScript.

* ``live_server`` (session): ``portal demo`` then ``portal serve`` on a free port, with a
  fresh data folder. The database is, in this order: ``PORTAL_DATABASE_URL`` when it is set;
  a fresh PostgreSQL database when ``PORTAL_E2E_DATABASE=postgres`` (made on the server of
  ``PORTAL_TEST_POSTGRES_URL``, as for the integration tests, and dropped at the end);
  otherwise a SQLite file in the data folder.
* ``browser`` (session): Debian's Chromium, ``/usr/bin/chromium`` (Playwright cannot
  download its own here); ``PORTAL_E2E_CHROMIUM`` names another.
* ``page``: a fresh context and page, once with JavaScript on (id ``js``) and once with it
  off (id ``nojs``). It fails the test if the browser reported a Content-Security-Policy
  violation or an uncaught script error.
* A failing journey leaves a screenshot and the page's HTML in ``e2e/artifacts/``.
* Each test fails after ``PORTAL_E2E_TEST_TIMEOUT`` seconds (120 by default) rather than
  hang: a browser call that never answers would otherwise stall CI until its time limit.

The helpers the journeys use (``visit``, ``press``, ``check_axe``) are in ``e2e/harness.py``.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from e2e.harness import DEFAULT_TIMEOUT_MS, register

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT_ROOT / "e2e" / "artifacts"
CHROMIUM = os.environ.get("PORTAL_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
STARTUP_TIMEOUT = 30.0
# A journey stuck on a browser that never answers fails after this long instead of hanging.
TEST_TIMEOUT = int(os.environ.get("PORTAL_E2E_TEST_TIMEOUT", "120"))
POSTGRES_ADMIN_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    data_dir: Path
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    """The server's environment: a ``portal`` command run with it reaches the same data."""

    def url(self, path: str) -> str:
        return self.base_url + path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _postgres(query: str) -> None:
    """Run one statement on the PostgreSQL server, in a thread of its own: Playwright's sync
    API keeps an event loop running in this one, so ``asyncio.run`` cannot be used here."""

    async def run() -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
        try:
            await conn.execute(query)
        finally:
            await conn.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str | None]:
    """The database URL to give the server; None to leave the environment's choice as it is."""
    if os.environ.get("PORTAL_DATABASE_URL") or os.environ.get("PORTAL_DATABASE_URL_FILE"):
        yield None  # the server reads it from the environment
        return
    if os.environ.get("PORTAL_E2E_DATABASE", "sqlite") != "postgres":
        yield None
        return
    name = f"portal_e2e_{secrets.token_hex(4)}"
    try:
        _postgres(f"CREATE DATABASE {name}")
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        pytest.fail(
            f"PORTAL_E2E_DATABASE=postgres, but PostgreSQL at {POSTGRES_ADMIN_URL} is not usable: {exc}"
        )
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        _postgres(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, database_url: str | None) -> Iterator[LiveServer]:
    """The portal with its demo data, served by ``portal serve`` on a free port."""
    data_dir = tmp_path_factory.mktemp("portal-data")
    log_path = data_dir.parent / f"{data_dir.name}-serve.log"
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update(
        {
            "PORTAL_DATA_DIR": str(data_dir),
            "PORTAL_BASE_URL": base_url,  # plain http, so the cookies are not marked Secure
            "PORTAL_DEFAULT_LOCALE": "fr",
            "PORTAL_WORKERS": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if database_url:
        env["PORTAL_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "portal.cli"]

    demo = subprocess.run(
        [*command, "demo"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if demo.returncode != 0:
        pytest.fail(f"`portal demo` failed ({demo.returncode}):\n{demo.stdout}\n{demo.stderr}")

    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _healthy(base_url + "/healthz"):
            if server.poll() is not None:
                pytest.fail(f"`portal serve` stopped ({server.returncode}):\n{_log_tail(log_path)}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"`portal serve` gave no /healthz in {STARTUP_TIMEOUT:.0f} s:\n{_log_tail(log_path)}"
                )
            time.sleep(0.1)
        yield LiveServer(base_url=base_url, data_dir=data_dir, log_path=log_path, env=env)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: `sh .ci/setup --test` installs it (or set PORTAL_E2E_CHROMIUM)"
        )
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def _time_limit() -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"this browser test took more than {TEST_TIMEOUT} s (PORTAL_E2E_TEST_TIMEOUT)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TEST_TIMEOUT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def javascript(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def context(browser: Browser, live_server: LiveServer, javascript: bool) -> Iterator[BrowserContext]:
    """A fresh browser context (no cookies: French, standard text, standard colours)."""
    context = browser.new_context(java_script_enabled=javascript, base_url=live_server.base_url)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    context.close()


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


def _keep_artifacts(page: Page, node_id: str) -> None:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", node_id.split("::", 1)[-1])
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        (ARTIFACTS / f"{name}.html").write_text(f"<!-- {page.url} -->\n{page.content()}", encoding="utf-8")
    except Exception as exc:  # the test's own failure matters more than its pictures
        print(f"could not keep artifacts of {node_id}: {exc}", file=sys.stderr)


@pytest.fixture
def page(
    request: pytest.FixtureRequest, context: BrowserContext, browser: Browser, javascript: bool
) -> Iterator[Page]:
    page = context.new_page()
    state = register(page, javascript, browser)
    yield page
    if request.node.stash.get(_FAILED, False):
        _keep_artifacts(page, request.node.nodeid)
    state.close()
    assert not state.problems, "the browser reported problems:\n" + "\n".join(state.problems)
