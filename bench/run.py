"""Load the portal and a bare reference app with the same client, in the same run.

    .venv/bin/python -m bench.run [--duration SECONDS] [--concurrency N] [--quick]

Starts ``portal serve`` (after ``portal demo``, data in a temporary folder) and
``bench.reference_app`` under uvicorn, each one worker on a free port, then
loads them in turn, one short slice each (reference, home, help, help of one
department, the demo patient's space, activity and care circle, her health profile
and its measurements with their charts, the agenda's month, her notes, the
catalogue's search fragment as htmx asks for it, reference again, ...) so that noise on a
shared machine hits every target alike. Pages behind sign-in are loaded by a
client signed in through the real forms first.
Prints requests per second and latency, the ratio of each portal page to the
reference, and the bytes a browser downloads for each page (HTML compressed,
plus the stylesheets and scripts it references, compressed). The same figures
go to ``bench/results/latest.json``; the run fails if any measured request did
not answer 200.

Figures are only meaningful as ratios against the reference measured in the
same run; they are never asserted in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gzip
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from bench import wrk
from bench.common import (
    BROWSER_HEADERS,
    RESULTS,
    ROOT,
    Server,
    clean_env,
    fmt,
    free_port,
    git_commit,
    loadavg,
    outbox_of,
    process_cpu,
    sign_in_steps,
    spread,
    start_portal,
    stop,
    table,
    wait_until_ready,
    write_results,
)
from portal.accounts.demo import DEMO_PASSWORD

KB = 1024
HTML_BUDGET = 14 * KB  # about what the first TCP round trip carries (10 segments)
TOTAL_BUDGET = 50 * KB  # HTML + stylesheets + scripts, compressed, on a first visit

# Prepares a target's client before it is measured (e.g. signs in; the client keeps the cookies).
Setup = Callable[[httpx.AsyncClient], Awaitable[None]]


@dataclass(frozen=True)
class Page:
    """A portal page to measure. Add a signed-in page with one line, e.g.
    ``Page("documents", "/documents", setup=sign_in("demo@example.org"))`` or
    ``Page("documents", "/documents", cookies={"session": "..."})``.

    ``headers``: sent with this page's own GETs only (its check, its load and its
    transfer; not with its setup), on top of the browser's, e.g. ``{"HX-Request": "true"}``
    for the part of a page htmx asks for."""

    name: str
    path: str
    setup: Setup | None = None
    cookies: Mapping[str, str] | None = None
    headers: Mapping[str, str] | None = None


def sign_in(identifier: str, password: str = DEMO_PASSWORD, recipient: str | None = None) -> Setup:
    """A ``setup`` that signs the page's client in as a demo person, through both forms
    (the code read from the portal's outbox; ``recipient``: where the code goes, when
    it is not ``identifier``). The client keeps the session cookie."""

    async def setup(client: httpx.AsyncClient) -> None:
        await sign_in_steps(client, outbox_of(client), identifier, password, recipient)

    return setup


JEANNE = "jeanne.dupont@example.org"  # the demo patient (portal/accounts/demo.py)

PAGES: list[Page] = [
    Page("home", "/"),
    Page("help", "/help"),
    Page("help dept 23", "/help?department=23&page=1"),
    Page("my space", "/space", setup=sign_in(JEANNE)),
    Page("my activity", "/space/activity", setup=sign_in(JEANNE)),
    Page("my circle", "/space/circle", setup=sign_in(JEANNE)),
    # The whole medical profile (28 demo entries, each opened), then its measurements with
    # their server-drawn charts, the agenda's month and the notes.
    Page("my profile", "/space/profile", setup=sign_in(JEANNE)),
    Page("measurements", "/space/profile/measurements", setup=sign_in(JEANNE)),
    Page("agenda month", "/space/agenda/month", setup=sign_in(JEANNE)),
    Page("my notes", "/space/notes", setup=sign_in(JEANNE)),
    # What htmx asks for as one types in the catalogue's search box: the #services fragment
    # (without HX-Request the same address answers 303 to the sealed one, and the run stops).
    Page(
        "catalogue search (htmx)",
        "/space/catalogue?q=vaccin",
        setup=sign_in(JEANNE),
        headers={"HX-Request": "true"},
    ),
]

REFERENCE = Page("reference", "/")

RAN_AGAIN = "ran again as a writer after a write conflict"  # portal.core.db's log line

# ---------------------------------------------------------------------------
# Servers


def start_reference(workdir: Path) -> Server:
    port = free_port()
    log_path = workdir / "reference.log"
    env = clean_env(workdir / "reference-data")
    # The same uvicorn settings as `portal serve` (portal/serve.py): one worker,
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
    client: httpx.AsyncClient | None = None  # signs in and checks the page; wrk loads it
    loads: list[wrk.Load] = field(default_factory=list)
    elapsed: float = 0.0
    client_cpu: float = 0.0  # CPU seconds the load generator (wrk) used while measuring
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


async def prepare(client: httpx.AsyncClient, page: Page) -> None:
    """Run the page's setup, then check the page answers 200 (a page behind sign-in
    whose setup did not sign in would measure the redirect to the sign-in page)."""
    if page.setup is not None:
        await page.setup(client)
    response = await client.get(page.path, headers=page.headers)
    if response.status_code != 200:
        where = response.headers.get("location")
        raise RuntimeError(
            f"{page.name} ({page.path}) answered HTTP {response.status_code}"
            + (f" (to {where})" if where else "")
            + " instead of 200"
            + (" after its setup" if page.setup is not None else "")
        )


def wrk_headers(target: Target) -> dict[str, str]:
    """What the page's client would send: a browser's headers, the page's own, its cookies."""
    assert target.client is not None
    headers = {**BROWSER_HEADERS, **(target.page.headers or {})}
    cookies = {cookie.name: cookie.value for cookie in target.client.cookies.jar}
    if cookies:
        headers["Cookie"] = wrk.cookie_header(cookies)
    return headers


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def hammer(target: Target, concurrency: int, seconds: float, record: bool) -> None:
    """``wrk`` with ``concurrency`` kept-alive connections, sending requests back to back."""
    server_cpu = process_cpu(target.server_pid)
    client_cpu = children_cpu()
    load = await asyncio.to_thread(
        wrk.run,
        target.base_url + target.page.path,
        seconds=seconds,
        connections=concurrency,
        headers=wrk_headers(target),
    )
    client_cpu = children_cpu() - client_cpu
    server_after = process_cpu(target.server_pid)
    if not record:
        return
    target.loads.append(load)
    target.elapsed += load.seconds
    target.client_cpu += client_cpu
    if server_cpu is None or server_after is None or target.server_cpu is None:
        target.server_cpu = None
    else:
        target.server_cpu += server_after - server_cpu
    target.rounds.append({"requests": load.requests, "seconds": load.seconds, "rps": load.rps})
    if load.not_200:
        target.errors["HTTP other than 200"] = target.errors.get("HTTP other than 200", 0) + load.not_200
    if load.socket_errors:
        target.errors["socket errors"] = target.errors.get("socket errors", 0) + load.socket_errors


def summarise(target: Target) -> dict[str, Any]:
    requests = sum(load.requests for load in target.loads)
    rps_rounds = [r["rps"] for r in target.rounds]

    def median_of(name: str) -> float:
        # wrk gives each slice's percentiles, not its latencies: the median across slices.
        return (
            statistics.median(getattr(load, name) for load in target.loads) if target.loads else float("nan")
        )

    return {
        "target": target.label,
        "path": target.page.path,
        "requests": requests,
        "seconds": round(target.elapsed, 3),
        "rps": requests / target.elapsed if target.elapsed else 0.0,
        "p50_ms": median_of("p50_ms"),
        "p90_ms": median_of("p90_ms"),
        "p99_ms": median_of("p99_ms"),
        "max_ms": max((load.max_ms for load in target.loads), default=float("nan")),
        "rps_per_round": [round(x, 1) for x in rps_rounds],
        "client_cpu_pct": 100 * target.client_cpu / target.elapsed if target.elapsed else None,
        "server_cpu_pct": (
            100 * target.server_cpu / target.elapsed
            if target.elapsed and target.server_cpu is not None
            else None
        ),
        "server_cpu_ms_per_request": (
            1000 * target.server_cpu / requests if requests and target.server_cpu is not None else None
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
            await prepare(target.client, target.page)
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


async def fetch_raw(
    client: httpx.AsyncClient, url: str, headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Bytes on the wire for the body (as compressed by the server), and the decoded body."""
    async with client.stream("GET", url, headers=headers) as response:
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
    """What a first visit to each page downloads: the HTML, then each stylesheet and script
    (for an htmx fragment: the fragment, which references none)."""
    results = []
    for page in PAGES:
        async with make_client(portal.base_url, 4, page.cookies) as client:
            await prepare(client, page)
            html = await fetch_raw(client, page.path, page.headers)
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


def kb(value: int) -> str:
    return f"{value / KB:.1f} KB"


def print_report(meta: dict[str, Any], load: list[dict[str, Any]], transfer: list[dict[str, Any]]) -> None:
    print()
    print(
        f"Load: {meta['duration_s']:g} s per target in {meta['rounds']} rounds, "
        f"{meta['concurrency']} connections, "
        f"keep-alive, Accept-Encoding: br, gzip; one uvicorn worker each; {meta['cpus']} CPUs, "
        f"load average {meta['loadavg_before']} before, {meta['loadavg_after']} after; "
        f"client: {meta['client']}."
    )
    print(f"Pages made twice (run again as a writer after a write conflict): {meta['ran_again']}")
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
        "client": "wrk (1 thread, HTTP/1.1 keep-alive)",
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
            # Pages that ran again as writers after SQLite refused a write (``portal.core.db``):
            # each is a page made twice. Read from the portal's log before it is removed.
            meta["ran_again"] = portal.log_path.read_text(errors="replace").count(RAN_AGAIN)
    except RuntimeError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    meta["loadavg_after"] = loadavg()
    meta["order"] = order[: len(PAGES) + 2]
    print_report(meta, load, transfer)

    shown = write_results(
        args.output,
        {
            "meta": meta,
            "budgets": {"html_bytes": HTML_BUDGET, "total_bytes": TOTAL_BUDGET},
            "load": load,
            "transfer": transfer,
        },
    )
    print(f"\nwritten: {shown}")
    # Every measured request must have been the page itself: an answer other than 200
    # (a redirect to sign-in, an error page) means the figures are not the page's.
    wrong = [
        f"{row['target']} ({row['path']}): {what} x{count}"
        for row in load
        for what, count in row["errors"].items()
        if what.startswith("HTTP ")
    ]
    if wrong:
        print("bench: FAILED, some requests did not answer 200: " + "; ".join(wrong), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
