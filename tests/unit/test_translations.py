"""Every text people read goes through the catalogue, and French translates all of it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from portal.app import template_environment
from portal.core.i18n import TRANSLATIONS_DIR, translations, use_locale
from portal.core.i18n import gettext as _
from portal.core.web import TEMPLATES_DIR
from portal.settings import PROJECT_ROOT

WORDS = re.compile(r"[^\W\d_]{2,}")
PLACEHOLDER = "\x00"
# Attributes whose values people read or hear.
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "content", "aria-description"}


# Attribute text a macro writes between tags: not prose.
ATTRIBUTE_TEXT = re.compile(
    r'[\w:-]+="[^"]*"|</?\w+|\b(?:checked|selected|disabled|autofocus|required|hidden|multiple|readonly|open|novalidate)\b'
)


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_data(self, data: str) -> None:
        if WORDS.search(ATTRIBUTE_TEXT.sub(" ", data.replace(PLACEHOLDER, " "))):
            self.found.append(data.strip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value and WORDS.search(value.replace(PLACEHOLDER, " ")):
                if tag == "meta" and name == "content" and dict(attrs).get("name") != "description":
                    continue
                self.found.append(f'{name}="{value}"')


def untranslated_text(source: str) -> list[str]:
    """Text outside ``{{ _(...) }}`` and ``{% trans %}`` that a person would read."""
    env = template_environment()
    outside: list[str] = []
    in_trans = False
    previous = ""
    for _line, kind, value in env.lex(source):
        if kind == "whitespace":
            continue
        if kind == "name" and previous == "block_begin":
            if value == "trans":
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        if kind == "data" and not in_trans:
            outside.append(value)
        elif kind in ("variable_begin", "block_begin"):
            outside.append(PLACEHOLDER)
        previous = kind
    finder = _TextFinder()
    finder.feed("".join(outside))
    return finder.found


def test_the_checker_finds_text_outside_the_catalogue():
    assert untranslated_text("<p>Hello there</p>") == ["Hello there"]
    assert untranslated_text('<img alt="A doctor" src="x">') == ['alt="A doctor"']
    assert untranslated_text("<p>{{ _('Hello') }}</p>") == []
    assert untranslated_text("{% trans %}Hello {{ name }}{% endtrans %}") == []
    assert untranslated_text('<a href="/help" class="nav-link">{{ x }}</a> 0 800 00 00 00') == []


@pytest.mark.parametrize(
    "template", sorted(p.relative_to(TEMPLATES_DIR).as_posix() for p in TEMPLATES_DIR.rglob("*.html"))
)
def test_templates_hold_no_untranslated_text(template):
    source = (TEMPLATES_DIR / template).read_text(encoding="utf-8")
    assert untranslated_text(source) == []


def _extracted_messages() -> dict[str, tuple[str, ...]]:
    with (PROJECT_ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    found: dict[str, tuple[str, ...]] = {}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), method_map, options_map, keywords=keywords
    ):
        ids = message if isinstance(message, tuple) else (message,)
        found[ids[0]] = ids
    return found


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[sd]", text))


def test_the_french_catalogue_translates_every_text():
    extracted = _extracted_messages()
    assert len(extracted) > 50
    with (TRANSLATIONS_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    problems = []
    for msgid, ids in extracted.items():
        message = catalogue.get(ids if len(ids) > 1 else msgid)
        if message is None:
            problems.append(f"missing: {msgid!r} (run `make translations`, then translate it)")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"not translated: {msgid!r}")
        elif any(_placeholders(s) != _placeholders(ids[-1]) for s in strings):
            problems.append(f"placeholders differ: {msgid!r}")
    assert not problems, "\n".join(problems)


def test_english_is_the_text_itself_and_french_is_translated():
    with use_locale("en"):
        assert _("Help and contact") == "Help and contact"
    with use_locale("fr"):
        assert _("Help and contact") == "Aide et contact"
        assert (
            translations("fr").ngettext("%(num)d help point", "%(num)d help points", 2)
            == "%(num)d lieux d'aide"
        )


def test_a_stale_compiled_catalogue_is_not_used(tmp_path: Path):
    po = TRANSLATIONS_DIR / "fr" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if mo.exists():
        assert mo.stat().st_mtime >= po.stat().st_mtime or translations("fr").gettext("Help") == "Aide"
    with use_locale("fr"):
        assert _("Help") == "Aide"
