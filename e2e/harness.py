"""Helpers of the browser journeys: axe on every page, form submission, page state.

How axe runs. The site sends a strict Content-Security-Policy (``script-src 'self'``),
which blocks the inline script that ``page.add_script_tag(content=...)`` makes. Rather than
open the contexts with ``bypass_csp=True`` (which would also hide any CSP violation by the
site itself), axe's source is evaluated through Playwright's ``page.evaluate``, which the
page's CSP does not govern. The journeys thus run under the real policy, and a CSP
violation the browser reports fails the test (see ``watch`` and the ``page`` fixture).

With JavaScript off (``java_script_enabled=False``), ``page.evaluate`` still runs
synchronous code, but no promise callback or timer ever fires, so ``axe.run`` never
finishes (checked with Chromium 156 and Playwright 1.65; re-enabling scripts through a CDP
session does not help either). For the ``nojs`` variant the harness therefore copies the
page's live DOM (its scripts removed: they never ran), serves that copy at the same address
in a JavaScript-enabled "checker" page of the same viewport size, and runs axe there. axe
sees what the visitor without JavaScript sees, styled by the live server's stylesheet.

Contrast and target size must hold in every display, so each check runs axe six times: for
each of the three text sizes and both colour schemes, set as the ``html`` classes the server
itself would render (``text-<size> theme-<theme>``); the journeys that press the text size
and contrast buttons also check the pages the server renders after each press.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import pytest
from playwright.sync_api import Browser, Page, Response

E2E_DIR = Path(__file__).resolve().parent
AXE_SOURCE = (E2E_DIR / "vendor" / "axe.min.js").read_text(encoding="utf-8")
DEFAULT_TIMEOUT_MS = 10_000

# The server's display choices (portal/core/web.py) and the body font size each one gives.
TEXT_SIZES = {"standard": "19px", "large": "22px", "larger": "26px"}
THEMES = ("standard", "contrast")
Display = tuple[str, str]
ALL_DISPLAYS: list[Display] = [(size, theme) for size in TEXT_SIZES for theme in THEMES]

AXE_OPTIONS: dict[str, Any] = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"],
    },
    "rules": {"color-contrast-enhanced": {"enabled": True}, "target-size": {"enabled": True}},
}

_INJECT_AXE = """source => {
    if (typeof window.axe === "undefined") {
        (0, eval)(source);
    }
    return typeof window.axe;
}"""

# Runs axe once per display; null size = the page as it is. Restores the classes after.
_RUN_AXE = """async ([options, displays]) => {
    const root = document.documentElement;
    const original = root.className;
    const found = [];
    try {
        for (const [size, theme] of displays) {
            if (size !== null) {
                root.className = `text-${size} theme-${theme}`;
            }
            const result = await axe.run(document, options);
            for (const rule of result.violations) {
                found.push({
                    display: root.className,
                    id: rule.id,
                    impact: rule.impact,
                    help: rule.help,
                    helpUrl: rule.helpUrl,
                    nodes: rule.nodes.map(node => ({
                        target: node.target.map(String),
                        html: node.html,
                        summary: node.failureSummary || "",
                    })),
                });
            }
        }
    } finally {
        root.className = original;
    }
    return found;
}"""

_SNAPSHOT = """() => {
    const copy = document.documentElement.cloneNode(true);
    copy.querySelectorAll("script").forEach(script => script.remove());
    return "<!doctype html>\\n" + copy.outerHTML;
}"""


@dataclass
class PageState:
    """What the harness knows of a journey's page."""

    javascript: bool
    browser: Browser
    problems: list[str] = field(default_factory=list)
    checker: Page | None = None

    def close(self) -> None:
        if self.checker is not None:
            self.checker.context.close()
            self.checker = None


_STATES: WeakKeyDictionary[Page, PageState] = WeakKeyDictionary()


def register(page: Page, javascript: bool, browser: Browser) -> PageState:
    """Called by the ``page`` fixture: remember the page and watch for browser problems."""
    state = PageState(javascript=javascript, browser=browser)
    _STATES[page] = state

    def on_console(message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            state.problems.append(f"{page.url}: {message.text}")

    def on_page_error(error: Any) -> None:
        state.problems.append(f"{page.url}: uncaught error: {error}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    return state


def browser_problems(page: Page) -> list[str]:
    """The CSP violations and uncaught errors seen so far (the ``page`` fixture fails on any)."""
    return _state(page).problems


def _state(page: Page) -> PageState:
    try:
        return _STATES[page]
    except KeyError:
        raise AssertionError("check_axe() needs the page of the `page` fixture") from None


def _format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    """One entry per rule: the displays it failed in, then each element once."""
    rules: dict[str, dict[str, Any]] = {}
    for found in violations:
        rule = rules.setdefault(found["id"], {**found, "displays": [], "nodes": {}})
        rule["displays"].append(found["display"])
        for node in found["nodes"]:
            rule["nodes"].setdefault(" > ".join(node["target"]), node)
    lines = [f"axe found {len(rules)} kind(s) of accessibility violation on {url}:"]
    for rule_id, rule in rules.items():
        lines.append(f"- {rule_id} ({rule['impact']}): {rule['help']}")
        lines.append(f"  {rule['helpUrl']}")
        lines.append(f"  with html class: {' | '.join(rule['displays'])}")
        for target, node in rule["nodes"].items():
            lines.append(f"    at {target}")
            lines.append(f"       {node['html'][:300]}")
            for detail in node["summary"].splitlines():
                if detail.strip():
                    lines.append(f"       | {detail.strip()}")
    return "\n".join(lines)


def _checker_for(page: Page, state: PageState) -> Page:
    """A JavaScript-enabled page of ``page``'s size, to show copies of its DOM to axe."""
    viewport = page.viewport_size
    if state.checker is not None and state.checker.viewport_size != viewport:
        state.close()
    if state.checker is None:
        context = state.browser.new_context(java_script_enabled=True, viewport=viewport)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        state.checker = context.new_page()
    return state.checker


def _run_axe(target: Page, displays: list[Display] | None) -> list[dict[str, Any]]:
    kind = target.evaluate(_INJECT_AXE, AXE_SOURCE)
    assert kind == "object", f"axe could not be loaded into {target.url} (typeof axe: {kind})"
    runs: list[tuple[str | None, str | None]] = list(displays) if displays else [(None, None)]
    return list(target.evaluate(_RUN_AXE, [AXE_OPTIONS, runs]))


def check_axe(page: Page, displays: list[Display] | None = ALL_DISPLAYS) -> None:
    """Fail on any axe violation: WCAG 2.0 to 2.2, A and AA, plus AAA contrast and target size.

    ``displays``: the (text size, colour scheme) pairs to check the page in, all six by
    default; ``None`` checks the page only as it is shown now.
    """
    state = _state(page)
    page.wait_for_load_state("load")
    url = page.url
    if state.javascript:
        violations = _run_axe(page, displays)
    else:
        html = page.evaluate(_SNAPSHOT)
        checker = _checker_for(page, state)
        address = url.split("#", 1)[0]

        def serve_copy(route: Any) -> None:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

        checker.route(address, serve_copy)
        try:
            checker.goto(address, wait_until="load")
        finally:
            checker.unroute(address, serve_copy)
        violations = _run_axe(checker, displays)
    if violations:
        pytest.fail(_format_violations(url, violations), pytrace=False)


def visit(page: Page, path: str, status: int = 200) -> Response:
    """Go to ``path``, check the answer's status, then check the page with axe."""
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    assert response.status == status, f"{path}: expected status {status}, got {response.status}"
    check_axe(page)
    return response


def press(page: Page, selector: str) -> Response | None:
    """Press a link or a button that loads a new page (JavaScript on or off), then check axe."""
    with page.expect_navigation() as navigation:
        page.locator(selector).click()
    response = navigation.value
    check_axe(page)
    return response


def settle(page: Page) -> None:
    """Wait until htmx has no request under way and has finished swapping and settling."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def html_state(page: Page) -> dict[str, Any]:
    """What the journeys read on ``html`` and ``body``: language, classes, text size, background."""
    return dict(
        page.evaluate(
            """() => ({
                lang: document.documentElement.lang,
                classes: [...document.documentElement.classList],
                fontSize: getComputedStyle(document.body).fontSize,
                background: getComputedStyle(document.body).backgroundColor,
            })"""
        )
    )
