"""When a page warns that its session is about to end is the server's choice
(``portal.core.sessions.warn_before_seconds``): the page says it in words, and portal.js
waits for it, both from the value the server wrote in the page; a kiosk's "Are you still
there?" comes at the kiosk's own time."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from portal.core import sessions
from portal.core.access import Role
from portal.core.sessions import cookie_name, start_session
from portal.core.web import STATIC_DIR
from tests.html import page
from tests.people import make_person, portal_client, run, sign_in_as

# portal.js with a pretend page holding only the warning banner: prints the delays of the
# timers it sets once the page is loaded (in milliseconds).
RUN_SCRIPT = """
const fs = require("fs");
const [script, expiresIn, warn] = process.argv.slice(1);
const handlers = {};
const delays = [];
const banner = {
  hidden: true,
  attributes: {"data-session-expires-in": expiresIn, "data-session-warn": warn},
  getAttribute(name) { return name in this.attributes ? this.attributes[name] : null; },
  querySelector() { return null; },
};
globalThis.document = {
  body: {},
  activeElement: null,
  visibilityState: "hidden",
  addEventListener(type, handler) { (handlers[type] = handlers[type] || []).push(handler); },
  querySelector(selector) { return selector === "[data-session-expires-in]" ? banner : null; },
  querySelectorAll() { return []; },
};
globalThis.window = {
  setTimeout(callback, delay) { delays.push(delay); },
  setInterval() {},
};
eval(fs.readFileSync(script, "utf8"));
(handlers.DOMContentLoaded || []).forEach((handler) => handler());
console.log(JSON.stringify(delays));
"""


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


def _banner(client: Any) -> tuple[int, int, str]:
    """The time left, the warning time and the warning's words on a signed-in page."""
    shown = page(client.get("/help"))
    banner = shown.one("[data-session-warn][data-session-expires-in]")
    assert banner.has_attr("hidden")
    words = shown.text("[data-session-warn] p[data-session-warning]")
    return int(banner["data-session-expires-in"]), int(banner["data-session-warn"]), words


def _timers_of_the_script(expires_in: int, warn: int) -> list[int]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is needed to run portal.js")
    done = subprocess.run(
        [node, "-e", RUN_SCRIPT, str(STATIC_DIR / "js" / "portal.js"), str(expires_in), str(warn)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return list(json.loads(done.stdout))


def test_the_page_warns_when_the_server_says(app, monkeypatch):
    sign_in_as(app, make_person(app))
    expires_in, warn, words = _banner(app)
    assert warn == sessions.WARN_BEFORE_SECONDS == 120
    assert words == "You will be signed out in 2 minutes."

    monkeypatch.setattr(sessions, "WARN_BEFORE_SECONDS", 300)
    expires_in, warn, words = _banner(app)
    assert warn == 300
    assert words == "You will be signed out in 5 minutes."

    monkeypatch.setattr(sessions, "WARN_BEFORE_SECONDS", 60)
    _, warn, words = _banner(app)
    assert warn == 60
    assert words == "You will be signed out in 1 minute."


def test_the_script_waits_for_the_time_the_page_says(app, monkeypatch):
    sign_in_as(app, make_person(app))
    expires_in, warn, _ = _banner(app)
    assert _timers_of_the_script(expires_in, warn) == [(expires_in - 120) * 1000]

    monkeypatch.setattr(sessions, "WARN_BEFORE_SECONDS", 300)
    expires_in, warn, _ = _banner(app)
    assert warn == 300
    assert _timers_of_the_script(expires_in, warn) == [(expires_in - 300) * 1000]


def test_a_kiosk_session_is_asked_at_the_kiosk_s_time(make_client):
    """A 1-minute kiosk time-out: "Are you still there?" 30 seconds before the end, not the
    ordinary 2 minutes (which would be before the session even began)."""
    client = portal_client(make_client, kiosk=True, kiosk_idle_minutes=1)
    patient = make_person(client)

    async def go() -> str:
        async with client.app.state.engine.transaction():
            return await start_session(client.app.state.sessions, patient, Role.PATIENT, kiosk=True)

    client.cookies.set(cookie_name(client.app.state.settings), run(client, go), domain=client.base_url.host)
    shown = page(client.get("/space"))
    assert shown.one("[data-kiosk-warn]")["data-kiosk-warn"] == "30"
    assert not shown.has("[data-session-warn]")
    assert sessions.warn_before_seconds(client.app.state.settings, kiosk=True) == 30
    assert (
        sessions.warn_before_seconds(client.app.state.settings, kiosk=False) == sessions.WARN_BEFORE_SECONDS
    )
