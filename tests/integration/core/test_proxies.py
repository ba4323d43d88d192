"""Proxies are declared, never guessed: `portal serve` believes X-Forwarded-For and
X-Forwarded-Proto only from the addresses of PORTAL_TRUSTED_PROXIES.

What the application sees is read where it shows without any feature's code: uvicorn's
access log (``PORTAL_DEBUG=1``) prints the client address the application receives
(``scope["client"]``, which ``request.client.host`` reads), and the portal adds HSTS only
to a request it sees arriving over https (``portal.core.web.add_security_headers``).
"""

from __future__ import annotations

import re

import httpx
import pytest

from portal.cli import main
from tests.integration.core.test_cli import running_portal, serve_environment

FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


@pytest.mark.parametrize(
    ("trusted", "seen_from"),
    [
        ("", "127.0.0.1"),  # none declared: the headers are nobody's word
        ("192.0.2.1", "127.0.0.1"),  # a proxy elsewhere: this machine is not it
        ("127.0.0.1", "203.0.113.9"),  # the proxy on this machine: its word counts
    ],
    ids=["none", "another-proxy", "this-machine"],
)
def test_forwarded_headers_count_only_from_the_declared_proxies(tmp_path, trusted, seen_from):
    environ = serve_environment(
        tmp_path / "data",
        PORTAL_DEBUG="1",
        PORTAL_TRUSTED_PROXIES=trusted,
        # uvicorn's own variable would widen its default to anyone: it must change nothing.
        FORWARDED_ALLOW_IPS="*",
    )
    with running_portal(environ, tmp_path / "serve.log") as served:
        forwarded = httpx.get(f"{served.base_url}/healthz?probe=forwarded", headers=FORWARDED)
        direct = httpx.get(f"{served.base_url}/healthz?probe=direct")
    assert forwarded.status_code == direct.status_code == 200
    log = served.log()
    assert re.search(rf'{re.escape(seen_from)}:\d+ - "GET /healthz\?probe=forwarded ', log), log
    assert re.search(r'127\.0\.0\.1:\d+ - "GET /healthz\?probe=direct ', log), log
    believed = seen_from == "203.0.113.9"
    assert ("203.0.113.9" in log) is believed
    # The forwarded scheme is believed with the address, or not at all.
    assert ("strict-transport-security" in forwarded.headers) is believed
    assert "strict-transport-security" not in direct.headers
    assert "FORWARDED_ALLOW_IPS is ignored" in log


def test_a_proxy_that_is_not_an_address_stops_the_portal_at_start(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", "127.0.0.1, proxy.example.org")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "PORTAL_TRUSTED_PROXIES: 'proxy.example.org' is not an address or a network" in err
    assert not (tmp_path / "data").exists()
