"""The harness itself: axe must catch what it is there to catch, with JavaScript on and off.

Each test serves a small made-up page at an address of the live server (Playwright answers
the request itself), so the real pages are not involved.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from e2e.harness import browser_problems, check_axe

pytestmark = pytest.mark.e2e

BAD_PAGE = """<!doctype html>
<html lang="en" class="text-standard theme-standard">
<head><meta charset="utf-8"><title>A bad page</title>
<style>
  body { background: #ffffff; color: #0b0c0c; }
  .faint { color: #999999; }
  .aa-only { color: #767676; }
  .theme-contrast body { background: #000000; color: #ffffff; }
  .theme-contrast .dark-only { color: #222222; }
  .tiny a { display: inline-block; width: 10px; height: 10px; font-size: 6px; }
</style></head>
<body><main><h1>A bad page</h1>{body}</main></body>
</html>"""


def _serve(page: Page, body: str, path: str = "/e2e-made-up-page") -> None:
    page.route(
        f"**{path}",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body=BAD_PAGE.replace("{body}", body)
        ),
    )
    page.goto(path)


def _violations(page: Page) -> str:
    with pytest.raises(pytest.fail.Exception) as failure:
        check_axe(page)
    return str(failure.value)


def test_the_harness_reports_each_violation_readably(page: Page) -> None:
    _serve(page, '<p class="faint">Faint text</p><img src="/static/img/favicon.svg">')
    report = _violations(page)
    assert "color-contrast" in report and "(serious)" in report
    assert "image-alt" in report and "(critical)" in report
    assert "at p\n" in report and '<p class="faint">Faint text</p>' in report
    assert "Expected contrast ratio of 4.5:1" in report


def test_the_harness_checks_the_high_contrast_theme_too(page: Page) -> None:
    # Dark text that only the high contrast theme (black background) makes unreadable.
    _serve(page, '<p class="dark-only">Fine on white, unreadable on black</p>')
    report = _violations(page)
    assert "theme-contrast" in report
    assert "theme-standard" not in report


def test_the_harness_holds_small_targets_to_account(page: Page) -> None:
    _serve(page, '<p class="tiny"><a href="/">A</a><a href="/help">B</a></p>')
    assert "target-size" in _violations(page)


def test_the_harness_holds_text_to_the_enhanced_contrast(page: Page) -> None:
    # 4.5:1 passes WCAG AA, but the portal promises AAA (7:1).
    _serve(page, '<p class="aa-only">Grey text</p>')
    report = _violations(page)
    assert "color-contrast-enhanced" in report
    assert "- color-contrast (" not in report


def test_the_harness_notices_a_content_security_policy_violation(page: Page, javascript: bool) -> None:
    if not javascript:
        pytest.skip("without JavaScript no script runs, so none can break the policy")
    page.goto("/")
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.inlineRan = true";
                document.body.append(script);
            }"""
        )
    problems = browser_problems(page)
    assert any("Content Security Policy" in problem for problem in problems), problems
    assert page.evaluate("window.inlineRan") is None
    problems.clear()  # seen: the page fixture would fail the test on it otherwise
