"""Load from ``wrk`` (a C load generator), for the benches that compare throughput.

A Python client spends more CPU per request than a small page costs the server: on two
cores it saturates before the server does and flatters every ratio. ``wrk`` does not.

``run`` starts ``wrk`` for one address with the given headers (cookies included) and
returns what it measured. A Lua script counts the answers that are not 200 (a redirect
to the sign-in page would otherwise be measured as the page) and prints the figures as
one JSON line, which is read back here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

WRK = "wrk"

_SCRIPT = r"""
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  not_200 = 0
end

function response(status, headers, body)
  if status ~= 200 then
    not_200 = not_200 + 1
  end
end

function done(summary, latency, requests)
  local wrong = 0
  for _, thread in ipairs(threads) do
    wrong = wrong + thread:get("not_200")
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests":%d,"duration_us":%d,"bytes":%d,"not_200":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, wrong,
    errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class Load:
    """What one ``wrk`` run measured."""

    requests: int
    seconds: float
    bytes: int
    not_200: int
    socket_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def available() -> bool:
    return shutil.which(WRK) is not None


def cookie_header(cookies: Mapping[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def run(
    url: str,
    *,
    seconds: float,
    connections: int,
    headers: Mapping[str, str] | None = None,
    threads: int = 1,
) -> Load:
    """Load ``url`` for ``seconds`` with ``connections`` kept-alive connections."""
    if not available():
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_SCRIPT)
    try:
        command = [
            WRK,
            f"-t{max(1, min(threads, connections))}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            script.name,
        ]
        for name, value in (headers or {}).items():
            command += ["-H", f"{name}: {value}"]
        command.append(url)
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next((text for text in done.stdout.splitlines() if text.startswith("WRK-JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    figures = json.loads(line.removeprefix("WRK-JSON "))
    return Load(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        bytes=figures["bytes"],
        not_200=figures["not_200"],
        socket_errors=sum(figures[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")),
        p50_ms=figures["p50_us"] / 1000,
        p90_ms=figures["p90_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
    )
