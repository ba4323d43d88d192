"""Addresses by name: every page links, posts and redirects to a route by the name its
handler declares (``@get("/space/agenda/{appointment_id:uuid}", name="appointment")``),
never by a path written a second time.

``url_for("appointment", appointment_id=some_id, done="added")`` gives
``/space/agenda/<id>?done=added``: the values the route's path names fill it, the others
become the query (a value of ``None`` is left out). An unknown name or a missing value is a
mistake in the code and raises ``LookupError`` at once, so a page never links to nowhere.

The table is read off the route handlers once (``register``, called where ``portal.app``
declares them); templates have ``url_for`` as a global.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urlencode


class _Handler(Protocol):
    name: str | None
    paths: set[str]


@dataclass(frozen=True, slots=True)
class Address:
    """One path a name leads to: its format (``/space/agenda/{appointment_id}``) and the
    values it needs."""

    form: str
    needs: frozenset[str]


_ADDRESSES: dict[str, Address] = {}


def register(handlers: Iterable[_Handler]) -> None:
    """Read every named route handler's path (``portal.app.FEATURE_ROUTES``, when that module
    is imported: pages, commands and scheduled tasks alike write addresses, in emails too).

    A name that would lead to two addresses (a handler declared on two paths) is refused:
    declare the handler once per path, each with its name. Idempotent."""
    table: dict[str, set[Address]] = {}
    for handler in handlers:
        if handler.name:
            table.setdefault(handler.name, set()).update(_address(path) for path in handler.paths)
    twice = {name: sorted(a.form for a in found) for name, found in table.items() if len(found) > 1}
    if twice:
        raise ValueError(f"a route name must lead to one address: {twice}")
    _ADDRESSES.update({name: found.pop() for name, found in table.items()})


_PARAMETER = re.compile(r"{(\w+):[^}]+}")


def _address(path: str) -> Address:
    """``/space/agenda/{appointment_id:uuid}`` -> ``/space/agenda/{appointment_id}``, which
    needs ``appointment_id``."""
    return Address(form=_PARAMETER.sub(r"{\1}", path) or "/", needs=frozenset(_PARAMETER.findall(path)))


def names() -> frozenset[str]:
    """Every declared name (for the tests that check each is used and each use exists)."""
    return frozenset(_ADDRESSES)


def url_for(name: str, /, **values: Any) -> str:
    """The address of the route called ``name``, filled with ``values`` (see the module)."""
    address = _ADDRESSES.get(name)
    if address is None:
        if not _ADDRESSES:
            raise LookupError(f"no route is declared yet (asked {name!r}): import portal.app first")
        raise LookupError(f"no route is called {name!r}")
    missing = address.needs - {key for key, value in values.items() if value is not None}
    if missing:
        raise LookupError(f"the route {name!r} needs {sorted(missing)}")
    path = address.form.format(**{key: quote(str(values[key]), safe="") for key in address.needs})
    query = {key: value for key, value in values.items() if key not in address.needs and value is not None}
    return f"{path}?{urlencode(query)}" if query else path


# Where ``content.pagination`` puts a page's number.
PAGE = "{page}"


def paged_url(name: str, /, **values: Any) -> str:
    """``url_for`` with ``{page}`` where a page's number goes, for ``content.pagination``:
    ``paged_url("help", department="23")`` -> ``/help?department=23&page={page}``."""
    return url_for(name, **values, page=PAGE).replace(quote(PAGE, safe=""), PAGE)
