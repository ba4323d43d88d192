"""Addresses by name (``portal.core.addresses``): how ``url_for`` fills a route's path, and
that the code writes no address a second time (templates and redirects ask by name, and
every name they ask exists)."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from uuid import UUID

import pytest
from litestar import get

import portal.app  # noqa: F401  (declares the routes)
from portal.core import addresses
from portal.core.addresses import url_for

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
MODULES = sorted((ROOT / "portal").rglob("*.py"))


def test_a_name_gives_its_path_filled_and_the_other_values_as_the_query():
    some = UUID("12345678-1234-5678-1234-567812345678")
    assert url_for("agenda") == "/space/agenda"
    assert url_for("appointment", appointment_id=some) == f"/space/agenda/{some}"
    assert url_for("appointment", appointment_id=some, done="added") == f"/space/agenda/{some}?done=added"
    assert url_for("agenda_month", month="2026-12", past=None) == "/space/agenda/month?month=2026-12"
    assert url_for("sign_in", next="/space/notes?page=2") == "/sign-in?next=%2Fspace%2Fnotes%3Fpage%3D2"


def test_a_value_in_the_path_cannot_leave_its_place():
    assert url_for("pro_patient", patient="a/../b") == "/pro/patients/a%2F..%2Fb"


def test_an_unknown_name_or_a_missing_value_is_a_mistake_said_at_once():
    with pytest.raises(LookupError, match="no route is called 'nowhere'"):
        url_for("nowhere")
    with pytest.raises(LookupError, match=r"needs \['appointment_id'\]"):
        url_for("appointment")
    with pytest.raises(LookupError, match=r"needs \['appointment_id'\]"):
        url_for("appointment", appointment_id=None)


def test_a_name_that_would_lead_to_two_paths_is_refused():
    @get(["/one", "/two"], name="ambiguous", opt={"public": True})
    async def handler() -> None:  # pragma: no cover - never served
        return None

    with pytest.raises(ValueError, match="must lead to one address"):
        addresses.register([handler])
    assert "ambiguous" not in addresses.names()


# ---------------------------------------------------------------- what the code writes

# An address attribute whose value starts with a path: written by hand.
_WRITTEN_IN_TEMPLATE = re.compile(r"""(?:href|action|src|formaction|hx-(?:get|post|put|delete|patch))="/""")
_ASKED = re.compile(r"""url_for\(\s*["']([a-z0-9_]+)["']""")


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def test_no_template_writes_an_address():
    found = [
        f"{path.relative_to(ROOT)}:{_line(text, m.start())}"
        for path in TEMPLATES
        for text in [path.read_text()]
        for m in _WRITTEN_IN_TEMPLATE.finditer(text)
    ]
    assert found == [], "ask url_for('name', ...) instead of writing the path"


def _redirect_written(call: ast.Call) -> bool:
    """``Redirect(path="/...")`` or ``Redirect(path=f"/...")``: a redirect to a written path."""
    if not (isinstance(call.func, ast.Name) and call.func.id == "Redirect"):
        return False
    for keyword in call.keywords:
        if keyword.arg == "path":
            value = keyword.value
            first = value.values[0] if isinstance(value, ast.JoinedStr) and value.values else value
            return isinstance(first, ast.Constant) and str(first.value).startswith("/")
    return False


def test_no_redirect_writes_an_address():
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in MODULES
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and _redirect_written(node)
    ]
    assert found == [], "redirect to url_for('name', ...) instead of a written path"


def test_every_name_asked_for_exists():
    declared = addresses.names()
    asked = {
        (f"{path.relative_to(ROOT)}:{_line(text, m.start())}", m.group(1))
        for path in [*TEMPLATES, *MODULES]
        for text in [path.read_text()]
        for m in _ASKED.finditer(text)
    }
    assert asked, "the scan found no url_for at all"
    assert sorted(where for where, name in asked if name not in declared) == []


# Pages no page of ours links to: they are given to other software (a monitor, a connected service).
ENTRY_POINTS = {"healthz", "api_documents"}


def test_every_name_declared_is_asked_for():
    """A page nothing links to, posts to or redirects to is either an entry point given to
    others, or forgotten. Asked by name in a string, or as a professional's twin of a
    messages page (``pro_<name>``, through ``side_name`` or a template's ``side``)."""
    declaration = re.compile(r"""name=f?["'][a-z0-9_]+["']""")
    code = "\n".join(declaration.sub("", path.read_text()) for path in [*TEMPLATES, *MODULES])
    asked = {name for name in addresses.names() if re.search(rf"""["']{name}["']""", code)}
    twins = {name for name in addresses.names() if name.startswith("pro_") and name[4:] in asked}
    assert sorted(addresses.names() - asked - twins - ENTRY_POINTS) == []
    assert ENTRY_POINTS <= addresses.names()
