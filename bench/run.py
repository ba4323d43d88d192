"""Load the portal and a bare reference app with the same client, in the same run.

    .venv/bin/python -m bench.run [--duration SECONDS] [--concurrency N] [--quick]

Starts ``portal serve`` (after ``portal demo``, data in a temporary folder) and
``bench.reference_app`` under uvicorn, each one worker on a free port, then
loads them in turn, one short slice each (reference, home, help, help of one
department, reference again, ...) so that noise on a shared machine hits every
target alike. Prints requests per second and latency, the ratio of each portal
page to the reference, and the bytes a browser downloads for each page (HTML
compressed, plus the stylesheets and scripts it references, compressed). The
same figures go to ``bench/results/latest.json``.

Figures are only meaningful as ratios against the reference measured in the
same run; they are never asserted in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gzip
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

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

KB = 1024
HTML_BUDGET = 14 * KB  # about what the first TCP round trip carries (10 segments)
TOTAL_BUDGET = 50 * KB  # HTML + stylesheets + scripts, compressed, on a first visit

# Prepares a target's client before it is measured (e.g. signs in; the client keeps the cookies).
Setup = Callable[[httpx.AsyncClient], Awaitable[None]]


@dataclass(frozen=True)
class Page:
    """A portal page to measure. Add a signed-in page with one line, e.g.
    ``Page("documents", "/documents", setup=sign_in("demo@example.org"))`` or
    ``Page("documents", "/documents", cookies={"session": "..."})``."""

    name: str
    path: str
    setup: Setup | None = None
    cookies: Mapping[str, str] | None = None


PAGES: list[Page] = [
    Page("home", "/"),
    Page("help", "/help"),
    Page("help dept 23", "/help?department=23&page=1"),
]

REFERENCE = Page("reference", "/")

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

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def clean_env(data_dir: Path) -> dict[str, str]:
    """The caller's environment without any PORTAL_* setting, plus a private data folder."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env["PORTAL_DATA_DIR"] = str(data_dir)
    env["PORTAL_DEBUG"] = "0"  # no access log, like production
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def start_portal(workdir: Path) -> Server:
    data_dir = workdir / "portal-data"
    env = clean_env(data_dir)
    demo = subprocess.run(
        [*portal_command(), "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if demo.returncode != 0:
        raise RuntimeError(f"portal demo failed ({demo.returncode}):\n{demo.stdout}\n{demo.stderr}")
    port = free_port()
    log_path = workdir / "portal.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*portal_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Server("portal", f"http://127.0.0.1:{port}", "/healthz", process, log_path)


def start_reference(workdir: Path) -> Server:
    port = free_port()
    log_path = workdir / "reference.log"
    env = clean_env(workdir / "reference-data")
    # The same uvicorn settings as `portal serve` (portal/cli.py): one worker,
    # proxy headers, no Server header, log level info, no access log.
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.reference_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--proxy-headers",
        "--no-server-header",
        "--log-level",
        "info",
        "--no-access-log",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return Server("reference", f"http://127.0.0.1:{port}", "/", process, log_path)


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


@contextlib.contextmanager
def servers() -> Iterator[tuple[Server, Server]]:
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        workdir = Path(tmp)
        started: list[Server] = []
        try:
            started.append(start_reference(workdir))
            started.append(start_portal(workdir))
            for server in started:
                wait_until_ready(server)
            yield started[0], started[1]
        finally:
            for server in reversed(started):
                stop(server)


# ---------------------------------------------------------------------------
# Load


@dataclass
class Target:
    label: str
    page: Page
    base_url: str
    is_reference: bool
    server_pid: int | None = None
    client: httpx.AsyncClient | None = None
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    client_cpu: float = 0.0  # CPU seconds the load generator (this process) used while measuring
    server_cpu: float | None = 0.0  # CPU seconds the server process used while measuring (Linux)
    rounds: list[dict[str, float]] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def make_client(
    base_url: str, concurrency: int, cookies: Mapping[str, str] | None = None
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        headers=BROWSER_HEADERS,
        cookies=dict(cookies or {}),
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        timeout=httpx.Timeout(30.0),
        follow_redirects=False,
    )


async def fetch(target: Target) -> float | None:
    """One GET, body read as sent (compressed, not decoded); its latency, or None on failure."""
    assert target.client is not None
    started = time.perf_counter()
    try:
        async with target.client.stream("GET", target.page.path) as response:
            async for _ in response.aiter_raw():
                pass
            status = response.status_code
    except httpx.HTTPError as exc:
        target.error(type(exc).__name__)
        return None
    if status != 200:
        target.error(f"HTTP {status}")
        return None
    return time.perf_counter() - started


def process_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system) a process has used so far, from /proc (None elsewhere)."""
    if pid is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def hammer(target: Target, concurrency: int, seconds: float, record: bool) -> None:
    """``concurrency`` workers, each sending requests back to back on its own kept-alive connection."""
    # Every worker first gets a live connection (idle ones may have been closed since the last slice).
    await asyncio.gather(*(fetch(target) for _ in range(concurrency)))
    latencies: list[float] = []
    server_cpu = process_cpu(target.server_pid)
    client_cpu = time.process_time()
    started = time.perf_counter()
    deadline = started + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            latency = await fetch(target)
            if latency is not None:
                latencies.append(latency)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu
    server_after = process_cpu(target.server_pid)
    if record:
        target.latencies.extend(latencies)
        target.elapsed += elapsed
        target.client_cpu += client_cpu
        if server_cpu is None or server_after is None or target.server_cpu is None:
            target.server_cpu = None
        else:
            target.server_cpu += server_after - server_cpu
        target.rounds.append(
            {"requests": len(latencies), "seconds": elapsed, "rps": len(latencies) / elapsed}
        )


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = fraction * (len(sorted_values) - 1)
    low = int(index)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (index - low)


def summarise(target: Target) -> dict[str, Any]:
    values = sorted(target.latencies)
    rps_rounds = [r["rps"] for r in target.rounds]
    return {
        "target": target.label,
        "path": target.page.path,
        "requests": len(values),
        "seconds": round(target.elapsed, 3),
        "rps": len(values) / target.elapsed if target.elapsed else 0.0,
        "p50_ms": percentile(values, 0.50) * 1000,
        "p90_ms": percentile(values, 0.90) * 1000,
        "p99_ms": percentile(values, 0.99) * 1000,
        "max_ms": (values[-1] * 1000) if values else float("nan"),
        "rps_per_round": [round(x, 1) for x in rps_rounds],
        "client_cpu_pct": 100 * target.client_cpu / target.elapsed if target.elapsed else None,
        "server_cpu_pct": (
            100 * target.server_cpu / target.elapsed
            if target.elapsed and target.server_cpu is not None
            else None
        ),
        "server_cpu_ms_per_request": (
            1000 * target.server_cpu / len(values) if values and target.server_cpu is not None else None
        ),
        "errors": dict(target.errors),
    }


async def measure_load(
    reference: Server, portal: Server, duration: float, concurrency: int, slice_seconds: float, warmup: float
) -> tuple[list[dict[str, Any]], list[str]]:
    targets = [Target("reference /", REFERENCE, reference.base_url, True, reference.process.pid)]
    targets += [
        Target(f"portal {page.name}", page, portal.base_url, False, portal.process.pid) for page in PAGES
    ]
    rounds = max(1, round(duration / slice_seconds))
    slice_len = duration / rounds
    order: list[str] = []
    try:
        for target in targets:
            target.client = make_client(target.base_url, concurrency, target.page.cookies)
            if target.page.setup is not None:
                await target.page.setup(target.client)
        for target in targets:
            await hammer(target, concurrency, warmup, record=False)
        for number in range(rounds):
            print(f"  round {number + 1}/{rounds}", file=sys.stderr, flush=True)
            for target in targets:
                order.append(target.label)
                await hammer(target, concurrency, slice_len, record=True)
    finally:
        for target in targets:
            if target.client is not None:
                await target.client.aclose()
    rows = [summarise(target) for target in targets]
    base = rows[0]
    for row, target in zip(rows, targets, strict=True):
        row["rps_ratio"] = row["rps"] / base["rps"] if base["rps"] else float("nan")
        row["p50_ratio"] = row["p50_ms"] / base["p50_ms"] if base["p50_ms"] else float("nan")
        # The same ratio taken round by round (each portal slice against the reference slice of its round).
        paired = [
            mine["rps"] / ref["rps"]
            for mine, ref in zip(target.rounds, targets[0].rounds, strict=False)
            if ref["rps"]
        ]
        row["rps_ratio_per_round"] = [round(x, 3) for x in paired]
        mine_cpu, base_cpu = row["server_cpu_ms_per_request"], base["server_cpu_ms_per_request"]
        row["server_cpu_ratio"] = mine_cpu / base_cpu if mine_cpu is not None and base_cpu else None
    return rows, order


# ---------------------------------------------------------------------------
# Transfer size


class AssetFinder(HTMLParser):
    """Stylesheets (<link rel=stylesheet href>) and scripts (<script src>) of a page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if (
            tag == "link"
            and "stylesheet" in attributes.get("rel", "").lower().split()
            and attributes.get("href")
        ):
            self.assets.append(("css", attributes["href"]))
        elif tag == "script" and attributes.get("src"):
            self.assets.append(("js", attributes["src"]))


def decode(body: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding == "br":
        import brotli

        return bytes(brotli.decompress(body))
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    return body


async def fetch_raw(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    """Bytes on the wire for the body (as compressed by the server), and the decoded body."""
    async with client.stream("GET", url) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
        downloaded = response.num_bytes_downloaded
        encoding = response.headers.get("content-encoding", "identity")
        status = response.status_code
        content_type = response.headers.get("content-type", "")
    body = decode(raw, encoding)
    return {
        "url": url,
        "status": status,
        "content_type": content_type,
        "encoding": encoding,
        "bytes": downloaded,
        "decoded_bytes": len(body),
        "body": body,
    }


async def measure_transfer(portal: Server) -> list[dict[str, Any]]:
    """What a first visit to each page downloads: the HTML, then each stylesheet and script."""
    results = []
    for page in PAGES:
        async with make_client(portal.base_url, 4, page.cookies) as client:
            if page.setup is not None:
                await page.setup(client)
            html = await fetch_raw(client, page.path)
            finder = AssetFinder()
            finder.feed(html["body"].decode("utf-8", errors="replace"))
            assets: list[dict[str, Any]] = []
            seen: set[str] = set()
            page_url = urljoin(portal.base_url, page.path)
            for kind, href in finder.assets:
                url = urljoin(page_url, href)
                if url in seen:
                    continue
                seen.add(url)
                if urlsplit(url).netloc != urlsplit(portal.base_url).netloc:
                    assets.append(
                        {"kind": kind, "url": url, "bytes": None, "note": "other site, not fetched"}
                    )
                    continue
                asset = await fetch_raw(client, url)
                del asset["body"]
                asset["kind"] = kind
                asset["url"] = href
                assets.append(asset)
        html_bytes = html["bytes"]
        assets_bytes = sum(a["bytes"] or 0 for a in assets)
        total = html_bytes + assets_bytes
        flags = []
        if html_bytes > HTML_BUDGET:
            flags.append(f"HTML over {HTML_BUDGET // KB} KB")
        if total > TOTAL_BUDGET:
            flags.append(f"total over {TOTAL_BUDGET // KB} KB")
        failures = [a["url"] for a in assets if a.get("status") not in (None, 200)]
        if html["status"] != 200:
            flags.append(f"page answered HTTP {html['status']}")
        if failures:
            flags.append(f"{len(failures)} asset(s) not 200")
        results.append(
            {
                "page": page.name,
                "path": page.path,
                "html_bytes": html_bytes,
                "html_decoded_bytes": html["decoded_bytes"],
                "html_encoding": html["encoding"],
                "assets_bytes": assets_bytes,
                "total_bytes": total,
                "assets": assets,
                "flags": flags,
            }
        )
    return results


# ---------------------------------------------------------------------------
# Report


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


def kb(value: int) -> str:
    return f"{value / KB:.1f} KB"


def spread(values: list[float]) -> str:
    if len(values) < 2:
        return "-"
    ordered = sorted(values)
    middle = percentile(ordered, 0.5)
    return f"±{(ordered[-1] - ordered[0]) / 2 / middle * 100:.0f}%" if middle else "-"


def print_report(meta: dict[str, Any], load: list[dict[str, Any]], transfer: list[dict[str, Any]]) -> None:
    print()
    print(
        f"Load: {meta['duration_s']:g} s per target in {meta['rounds']} rounds, "
        f"{meta['concurrency']} connections, "
        f"keep-alive, Accept-Encoding: br, gzip; one uvicorn worker each; {meta['cpus']} CPUs, "
        f"load average {meta['loadavg_before']} before, {meta['loadavg_after']} after."
    )
    rows = []
    for row in load:
        is_ref = row is load[0]
        rows.append(
            [
                row["target"] + ("" if is_ref else f" ({row['path']})"),
                f"{row['rps']:.0f}",
                f"{row['p50_ms']:.1f}",
                f"{row['p99_ms']:.1f}",
                "1.00" if is_ref else f"{row['rps_ratio']:.2f}",
                "1.00" if is_ref else f"{row['p50_ratio']:.2f}",
                fmt(row["server_cpu_ms_per_request"], "{:.2f}"),
                "1.00" if is_ref else fmt(row["server_cpu_ratio"], "{:.2f}"),
                fmt(row["server_cpu_pct"], "{:.0f}%"),
                fmt(row["client_cpu_pct"], "{:.0f}%"),
                spread(row["rps_per_round"]),
                str(sum(row["errors"].values())),
            ]
        )
    print(
        table(
            [
                "target",
                "req/s",
                "p50 ms",
                "p99 ms",
                "rps ratio",
                "p50 ratio",
                "srv CPU ms/req",
                "CPU ratio",
                "server CPU",
                "client CPU",
                "rounds",
                "errors",
            ],
            rows,
            right=set(range(1, 12)),
        )
    )
    print("ratios: portal / reference (rps ratio below 1 and p50 ratio above 1 = slower than the baseline);")
    print("srv CPU ms/req: server process CPU time per request (CPU ratio: portal / reference), the figure")
    print(
        "  least moved by the client or by other load; server CPU / client CPU: share of one core each used."
    )
    print("rounds: half the min-max range of req/s across rounds, against the median (noise indicator).")
    for row in load:
        if row["errors"]:
            print(f"errors on {row['target']}: {row['errors']}")

    print()
    print(
        f"Transfer on a first visit (compressed bodies, headers not counted; "
        f"budget: HTML {HTML_BUDGET // KB} KB, "
        f"total {TOTAL_BUDGET // KB} KB, 1 KB = {KB} bytes):"
    )
    rows = []
    for item in transfer:
        rows.append(
            [
                f"{item['page']} ({item['path']})",
                f"{kb(item['html_bytes'])} {item['html_encoding']}",
                kb(item["html_decoded_bytes"]),
                f"{kb(item['assets_bytes'])} ({len(item['assets'])} files)",
                kb(item["total_bytes"]),
                "; ".join(item["flags"]) or "ok",
            ]
        )
    print(table(["page", "HTML", "HTML raw", "CSS + JS", "total", "budget"], rows, right={1, 2, 3, 4}))
    seen: set[str] = set()
    for item in transfer:
        for asset in item["assets"]:
            if asset["url"] in seen:
                continue
            seen.add(asset["url"])
            size = (
                "not fetched"
                if asset["bytes"] is None
                else (
                    f"{kb(asset['bytes'])} {asset['encoding']} "
                    f"(raw {kb(asset['decoded_bytes'])}, HTTP {asset['status']})"
                )
            )
            print(f"  {asset['kind']:<3} {asset['url']}: {size}")
    home = next((item for item in transfer if item["path"] == "/"), None)
    if home is not None and home["flags"]:
        print(f"FLAG: the home page is over budget: {'; '.join(home['flags'])}")


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duration", type=float, default=10.0, help="measured seconds per target (default 10)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--quick", action="store_true", help="smoke run: about 2 s per target")
    parser.add_argument(
        "--slice", type=float, default=1.0, help="seconds per target before switching (default 1)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json", help="JSON results file")
    args = parser.parse_args(argv)
    duration = 2.0 if args.quick else args.duration
    warmup = 0.3 if args.quick else 1.0
    if duration <= 0 or args.concurrency < 1 or args.slice <= 0:
        parser.error("--duration and --slice must be positive and --concurrency at least 1")

    meta: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "duration_s": duration,
        "slice_s": args.slice,
        "rounds": max(1, round(duration / args.slice)),
        "warmup_s": warmup,
        "concurrency": args.concurrency,
        "client": f"httpx {httpx.__version__} (asyncio, HTTP/1.1 keep-alive)",
        "loadavg_before": loadavg(),
    }
    print(
        f"Starting the reference app and the portal (commit {meta['commit']})...", file=sys.stderr, flush=True
    )
    try:
        with servers() as (reference, portal):
            print("Measuring transfer sizes...", file=sys.stderr, flush=True)
            transfer = asyncio.run(measure_transfer(portal))
            print("Loading (reference and portal pages in turn)...", file=sys.stderr, flush=True)
            load, order = asyncio.run(
                measure_load(reference, portal, duration, args.concurrency, args.slice, warmup)
            )
    except RuntimeError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    meta["loadavg_after"] = loadavg()
    meta["order"] = order[: len(PAGES) + 2]
    print_report(meta, load, transfer)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "meta": meta,
                "budgets": {"html_bytes": HTML_BUDGET, "total_bytes": TOTAL_BUDGET},
                "load": load,
                "transfer": transfer,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    try:
        shown = args.output.resolve().relative_to(ROOT)
    except ValueError:
        shown = args.output
    print(f"\nwritten: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
