"""The page check every route test runs on every HTML page it gets.

Exactly one h1; the <title> starts with it (after an "Error:" prefix on a page
with errors); ids are unique; every form has action and method; no inline
script, event handler attribute or inline style (the Content-Security-Policy
would block them); the html element has a lang.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

ERROR_PREFIXES = ("Erreur\u00a0: ", "Error: ")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.h1: list[str] = []
        self.title = ""
        self.ids: list[str] = []
        self.problems: list[str] = []
        self.lang: str | None = None
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        if "id" in values:
            self.ids.append(values["id"] or "")
        if tag == "form":
            if not values.get("action"):
                self.problems.append("a form has no action")
            if not values.get("method"):
                self.problems.append("a form has no method")
        if tag == "script" and not values.get("src"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("inline <style>")
        for name, _value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name} on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("hx-on"):
                self.problems.append(f"{name} needs eval, which the CSP forbids")
        if tag in ("h1", "title"):
            self._in.append(tag)
            if tag == "h1":
                self.h1.append("")

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if "title" in self._in:
            self.title += data
        if "h1" in self._in:
            self.h1[-1] += data


def _squash(text: str) -> str:
    # Only ASCII white space: French puts a no-break space before ":" on purpose.
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def check_page(html: str) -> None:
    """Raise AssertionError listing every rule ``html`` breaks."""
    collector = _Collector()
    collector.feed(html)
    problems = list(collector.problems)
    if not collector.lang:
        problems.append("<html> has no lang")
    if len(collector.h1) != 1:
        problems.append(f"expected exactly one h1, found {len(collector.h1)}")
    else:
        h1 = _squash(collector.h1[0])
        title = _squash(collector.title)
        for prefix in ERROR_PREFIXES:
            title = title.removeprefix(prefix)
        if not h1 or not title.startswith(h1):
            problems.append(f"title {collector.title!r} does not start with the h1 {h1!r}")
    seen: set[str] = set()
    for id_ in collector.ids:
        if id_ in seen:
            problems.append(f"duplicate id {id_!r}")
        seen.add(id_)
    assert not problems, "page check failed:\n- " + "\n- ".join(problems)
