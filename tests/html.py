"""Reading a page in a test, with a real HTML parser rather than regexes over the text.

``page(response)`` (or ``page(html)``) gives a ``Page``; its readers name the element they
read (the h1, a field's error, a table cell), so a check fails when the words are missing
where they belong, not only when they are missing from the whole text.
"""

from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup, Tag

# HTML's whitespace: a no-break space is a character of the text (French puts one before ":").
_SPACES = re.compile(r"[ \t\n\r\f]+")
# The input types a browser does not send as a field of the form.
_NOT_SENT = {"submit", "button", "image", "reset", "file"}
# The attributes whose value is an address.
_ADDRESS_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    *(f"hx-{verb}" for verb in ("get", "post", "put", "patch", "delete")),
}


def _normal(text: str) -> str:
    """``text`` with every run of whitespace (not no-break spaces) made one space, trimmed."""
    return _SPACES.sub(" ", text).strip()


def _text_of(element: Tag) -> str:
    """What ``element`` says, whitespace normalised (no comments, scripts or templates)."""
    return _normal(element.get_text(" "))


def _attr(element: Tag, name: str) -> str:
    value = element.get(name)
    if isinstance(value, list):
        return " ".join(value)
    return value or ""


class Page:
    """An HTML page (or an htmx fragment), parsed with Python's ``html.parser``."""

    def __init__(self, html: str) -> None:
        self.html = html
        self.soup = BeautifulSoup(html, "html.parser")

    def all(self, selector: str) -> list[Tag]:
        """Every element that matches the CSS ``selector``, in the page's order."""
        return list(self.soup.select(selector))

    def one(self, selector: str) -> Tag:
        """The one element that matches ``selector``; fails (saying how many) otherwise."""
        found = self.all(selector)
        assert len(found) == 1, f"{len(found)} elements match {selector!r}, expected exactly one"
        return found[0]

    def has(self, selector: str) -> bool:
        """Whether any element matches ``selector``."""
        return self.soup.select_one(selector) is not None

    def text(self, selector: str | None = None) -> str:
        """What the one element matching ``selector`` says (the whole page without one),
        whitespace normalised."""
        if selector is None:
            return _normal(self.soup.get_text(" "))
        return _text_of(self.one(selector))

    def texts(self, selector: str) -> list[str]:
        """What each element matching ``selector`` says, whitespace normalised."""
        return [_text_of(element) for element in self.all(selector)]

    @property
    def title(self) -> str:
        """The document's <title>."""
        return self.text("title")

    @property
    def heading(self) -> str:
        """The page's one h1."""
        return self.text("h1")

    def field_error(self, name: str) -> str | None:
        """The error shown with the field ``name`` (``forms.html``'s ``<p id="<name>-error">``,
        without its hidden "Error:" prefix), or None when the field shows none."""
        found = self.all(f'[id="{name}-error"]')
        if not found:
            return None
        assert len(found) == 1, f"{len(found)} errors shown for the field {name!r}"
        error = found[0]
        assert "error-message" in _attr(error, "class").split(), f"#{name}-error is not an error message"
        words = [
            str(piece)
            for piece in error.find_all(string=True)
            if not any("visually-hidden" in _attr(parent, "class").split() for parent in piece.parents)
        ]
        return _normal(" ".join(words))

    def error_summary(self) -> dict[str, str]:
        """The error summary's messages (``forms.error_summary``): the field each links to
        (``#<id>`` without the ``#``) -> the message, in order; empty when there is none."""
        return {
            _attr(link, "href").removeprefix("#"): _text_of(link)
            for link in self.all(".error-summary .error-summary-list li a")
        }

    def summary(self, selector: str = ".summary-list") -> dict[str, str]:
        """The rows of the one summary list matching ``selector`` (``content.summary_list``):
        each key -> its value."""
        rows = self.one(selector).select(".summary-row")
        return {
            _text_of(row.select_one(".summary-key") or row): _text_of(row.select_one(".summary-value") or row)
            for row in rows
        }

    def rows(self, selector: str = "table") -> list[list[str]]:
        """The body rows of the one table matching ``selector``: each row's cells (header
        cells and data cells, in order), what each says."""
        table = self.one(selector)
        body = table.select("tbody > tr") or [
            row for row in table.select("tr") if not row.find_parent("thead")
        ]
        return [[_text_of(cell) for cell in row.find_all(["th", "td"], recursive=False)] for row in body]

    def form_fields(self, form_selector: str = "form") -> list[tuple[str, str]]:
        """What the one form matching ``form_selector`` would send as a browser sends it:
        (name, value) in order; unchecked boxes, buttons, files and disabled fields left out."""
        form = self.one(form_selector)
        sent: list[tuple[str, str]] = []
        for field in form.find_all(["input", "select", "textarea"]):
            name = _attr(field, "name")
            if not name or field.has_attr("disabled"):
                continue
            if field.name == "input":
                kind = _attr(field, "type").lower() or "text"
                if kind in _NOT_SENT:
                    continue
                if kind in ("checkbox", "radio"):
                    if field.has_attr("checked"):
                        sent.append((name, _attr(field, "value") if field.has_attr("value") else "on"))
                    continue
                sent.append((name, _attr(field, "value")))
            elif field.name == "textarea":
                sent.append((name, field.get_text().removeprefix("\n")))
            else:
                options = field.find_all("option")
                chosen = [option for option in options if option.has_attr("selected")]
                if not chosen and options and not field.has_attr("multiple"):
                    chosen = options[:1]
                for option in chosen if field.has_attr("multiple") else chosen[-1:]:
                    value = _attr(option, "value") if option.has_attr("value") else _text_of(option)
                    sent.append((name, value))
        return sent

    def form_values(self, form_selector: str = "form") -> dict[str, str]:
        """``form_fields`` as name -> value; fails if a name is sent more than once (read
        checkbox groups with ``form_fields``)."""
        pairs = self.form_fields(form_selector)
        values = dict(pairs)
        assert len(values) == len(pairs), f"a name is sent more than once: {pairs}"
        return values

    def links(self, selector: str | None = None) -> dict[str, str]:
        """Each link's text -> its href (the first, for a text given twice), in the page or
        within the one element matching ``selector``."""
        scope: Tag | BeautifulSoup = self.soup if selector is None else self.one(selector)
        found: dict[str, str] = {}
        for link in scope.select("a[href]"):
            found.setdefault(_text_of(link), _attr(link, "href"))
        return found

    def addresses(self) -> list[str]:
        """Every address the page links to, loads or sends to (``href``, ``src``, ``action``,
        ``formaction`` and htmx's ``hx-get``/``hx-post``/... attributes), in the page's order."""
        return [
            _attr(element, name)
            for element in self.soup.find_all(True)
            for name in element.attrs
            if name in _ADDRESS_ATTRIBUTES and _attr(element, name)
        ]


def page(response_or_text: Any) -> Page:
    """The page of a test client's response (its ``.text``), or of HTML given as a string."""
    html = response_or_text if isinstance(response_or_text, str) else response_or_text.text
    return Page(html)
