"""Forms, read and checked: one result for every form, and the readers of its fields.

A form sent is read field by field, in the order of the page, by a ``FormReader``: each
reader takes what was typed, checks it, and returns the value cleaned (or ``None`` / ""
when it cannot be used). Everything lands in one ``FormResult``:

- ``values``: what was typed, to show it again (a date: its three boxes, as typed; a
  time understood: as it is written back, "09:00");
- ``errors``: by field name, in plain words that say what to do (``summary`` gives them
  by the id of the box the error summary links to: a date's day box);
- ``data``: the values cleaned, of the fields without error;
- ``ok``: no error.

Readers read and check, nothing more: storing, auditing or sending is the caller's job,
once ``ok``. Every message is in ``Messages`` (``portal.core.form_messages``), through the
catalogue; a caller may say a field's own words (``missing``, ``too_long``, ...), which it
translates. The parsers and the values they make (``parse_date``, ``parse_time``, ``Upload``,
...) are ``portal.core.form_values``'s; this module gives their names too.
The form's page shows it with ``forms.form_layout`` (``templates/components/forms.html``):
the error summary, the heading, and the form.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, TypeVar

from portal.core.form_messages import Messages as Messages
from portal.core.form_values import DATE_PARTS as DATE_PARTS
from portal.core.form_values import DOCUMENT_KINDS as DOCUMENT_KINDS
from portal.core.form_values import EARLIEST_YEAR as EARLIEST_YEAR
from portal.core.form_values import JPEG as JPEG
from portal.core.form_values import LATEST_YEAR as LATEST_YEAR
from portal.core.form_values import PDF as PDF
from portal.core.form_values import PNG as PNG
from portal.core.form_values import TIME_PATTERN as TIME_PATTERN
from portal.core.form_values import FieldError as FieldError
from portal.core.form_values import Upload as Upload
from portal.core.form_values import clock as clock
from portal.core.form_values import date_parts as date_parts
from portal.core.form_values import long_text as long_text
from portal.core.form_values import one_line as one_line
from portal.core.form_values import parse_date as parse_date
from portal.core.form_values import parse_time as parse_time
from portal.core.form_values import sniff as sniff

T = TypeVar("T")


# --------------------------------------------------------------------------- the result


@dataclass
class FormResult:
    """A form read: what was typed (``values``), the errors by field name (``errors``),
    the values cleaned (``data``). A form shown before anything is sent is one too
    (``FormResult.filled``): its values, no error."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    # The fields in the order they were read (the page's), and the id of the box the
    # error summary links to when it is not the field's name (a date's day box).
    order: list[str] = field(default_factory=list)
    anchors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def filled(cls, values: Mapping[str, Any]) -> FormResult:
        """A form to show with ``values`` in it (a date's value: ``date_parts``)."""
        return cls(values=dict(values))

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, name: str, message: str) -> None:
        """Say what is wrong with ``name``: its first error stays (it says what to mend first)."""
        self.errors.setdefault(name, message)

    def keep(self, name: str, value: Any) -> None:
        """Show ``value`` in the field ``name`` and keep it in the data (a caller's own rule)."""
        self.values[name] = value
        self.data[name] = value

    def value(self, name: str) -> str:
        """What the field ``name`` shows (a text, a choice, a time)."""
        found = self.values.get(name, "")
        return found if isinstance(found, str) else ""

    def date_value(self, name: str) -> dict[str, str]:
        """What the three boxes of the date ``name`` show."""
        found = self.values.get(name)
        return {part: str(found.get(part, "")) for part in DATE_PARTS} if isinstance(found, dict) else {}

    def chosen(self, name: str) -> list[str]:
        """The boxes ticked in the checkboxes ``name``."""
        found = self.values.get(name)
        return [str(value) for value in found] if isinstance(found, list) else []

    def as_sent(self) -> dict[str, Any]:
        """The values as the page's form sends them (a date in its three boxes)."""
        sent: dict[str, Any] = {}
        for name, value in self.values.items():
            if isinstance(value, dict):
                sent.update({f"{name}-{part}": str(value.get(part, "")) for part in DATE_PARTS})
            else:
                sent[name] = value
        return sent

    @property
    def summary(self) -> dict[str, str]:
        """The errors for the error summary: by the id each links to, in the order of the page."""
        rank = {name: index for index, name in enumerate(self.order)}
        names = sorted(self.errors, key=lambda name: rank.get(name, len(rank)))
        return {self.anchors.get(name, name): self.errors[name] for name in names}

    def shown(self) -> dict[str, Any]:
        """What a page with this form gives its template: the form, and ``errors`` (the
        layout then starts the page's title with "Error:")."""
        return {"form": self, "errors": self.errors}


# --------------------------------------------------------------------------- the readers


def _text_of(value: Any) -> str:
    return value if isinstance(value, str) else ""


class FormReader:
    """Reads a sent form (the request's form: ``get``, and ``getall`` for checkboxes) into
    ``result``, one field at a time, in the order of the page. Each reader returns the
    value cleaned; the result holds it all."""

    def __init__(self, sent: Any) -> None:
        self.sent = sent
        self.result = FormResult()

    def _typed(self, name: str) -> str:
        self.result.order.append(name)
        return _text_of(self.sent.get(name, ""))

    def _done(self, name: str, shown: Any, cleaned: Any, error: str | None) -> None:
        self.result.values[name] = shown
        if error is None:
            self.result.data[name] = cleaned
        else:
            self.result.error(name, error)

    def text(
        self,
        name: str,
        *,
        max_length: int,
        required: bool = False,
        missing: str | None = None,
        too_long: Callable[[int, int], str] | None = None,
        lines: bool = False,
    ) -> str:
        """One line of text, its spaces put right (or with ``lines``, a text of several lines:
        a textarea), of at most ``max_length`` characters. ``missing``: the field's own words
        when it is required and empty; ``too_long(count, length)``, when it is longer."""
        value = (long_text if lines else one_line)(self._typed(name))
        error = None
        if not value:
            error = (missing or Messages.fill_in()) if required else None
        elif len(value) > max_length:
            error = (too_long or Messages.too_long)(max_length, len(value))
        self._done(name, value, value, error)
        return value

    def long_text(self, name: str, **options: Any) -> str:
        """``text`` of several lines (a textarea)."""
        return self.text(name, lines=True, **options)

    def choice(
        self,
        name: str,
        choices: Collection[str],
        *,
        required: bool = False,
        missing: str | None = None,
        unknown: str | None = None,
        fallback: str | None = None,
    ) -> str:
        """One of ``choices`` (radios, a select). With ``fallback``, anything else (or
        nothing) quietly becomes it; without, nothing is "" (an error when ``required``)
        and anything else is an error."""
        value = self._typed(name).strip()
        if value in choices:
            self._done(name, value, value, None)
            return value
        if fallback is not None:
            self._done(name, fallback, fallback, None)
            return fallback
        if not value:
            self._done(name, "", "", (missing or Messages.choose_one()) if required else None)
        else:
            self._done(name, "", "", unknown or Messages.not_in_the_list())
        return ""

    def checkboxes(
        self, name: str, choices: Iterable[str], *, required: bool = False, missing: str | None = None
    ) -> list[str]:
        """The boxes ticked among ``choices``, in their order."""
        self.result.order.append(name)
        getall = getattr(self.sent, "getall", None)
        sent = getall(name, []) if getall is not None else [self.sent.get(name, "")]
        ticked = {_text_of(value) for value in sent if _text_of(value)}
        known = [value for value in choices if value in ticked]
        error = None
        if len(known) != len(ticked):
            error = Messages.not_among_the_boxes()
        elif not known and required:
            error = missing or Messages.tick_one()
        self._done(name, known, known, error)
        return known

    def date(
        self,
        name: str,
        *,
        required: bool = True,
        missing: str | None = None,
        latest: date | None = None,
        earliest_year: int = EARLIEST_YEAR,
        latest_year: int = LATEST_YEAR,
    ) -> date | None:
        """A date typed in three boxes (``<name>-day``, ``-month``, ``-year``). Not
        ``required``: three empty boxes are no date, and no error; ``missing`` then says
        what to do when some are filled and not all. ``latest``: no date after it (today)."""
        self.result.order.append(name)
        self.result.anchors[name] = f"{name}-day"
        parts = {part: _text_of(self.sent.get(f"{name}-{part}", "")).strip() for part in DATE_PARTS}
        if not required and not any(parts.values()):
            self._done(name, parts, None, None)
            return None
        try:
            when = parse_date(
                parts["day"],
                parts["month"],
                parts["year"],
                missing=missing,
                earliest_year=earliest_year,
                latest_year=latest_year,
                latest=latest,
            )
        except FieldError as error:
            self._done(name, parts, None, error.message)
            return None
        self._done(name, parts, when, None)
        return when

    def time(self, name: str, *, required: bool = True, missing: str | None = None) -> time | None:
        """A time of day ("10:30", "10h30", "9"), written back as "10:30" once understood."""
        typed = self._typed(name)
        if not required and not typed.strip():
            self._done(name, "", None, None)
            return None
        try:
            moment = parse_time(typed, missing=missing)
        except FieldError as error:
            self._done(name, typed, None, error.message)
            return None
        self._done(name, clock(moment), moment, None)
        return moment

    def field(
        self, name: str, parse: Callable[[str], T], *, show: Callable[[T], str] | None = None
    ) -> T | None:
        """A field a feature reads its own way: ``parse`` takes what was typed and returns
        the value, or raises ``FieldError``; ``show`` writes the value back in the box."""
        typed = self._typed(name)
        try:
            value = parse(typed)
        except FieldError as error:
            self._done(name, typed, None, error.message)
            return None
        self._done(name, show(value) if show else typed, value, None)
        return value

    async def file(
        self,
        name: str,
        *,
        max_bytes: int,
        kinds: Iterable[tuple[str, bytes]] = DOCUMENT_KINDS,
        also: Iterable[str] = (),
        required: bool = True,
        missing: str | None = None,
        wrong_kind: str | None = None,
    ) -> Upload | None:
        """A file: the first of the fields ``name`` and ``also`` (a photo taken instead)
        holding one, not empty, at most ``max_bytes``, of one of ``kinds`` by its content.
        Its errors go to ``name``. Nothing is stored: that is the caller's, once ``ok``."""
        self.result.order.append(name)
        upload = next(
            (
                sent
                for sent in (self.sent.get(field_name) for field_name in (name, *also))
                if sent is not None and not isinstance(sent, str) and getattr(sent, "filename", None)
            ),
            None,
        )
        self.result.values[name] = ""  # a file is never shown back: it is chosen again
        if upload is None:
            if required:
                self.result.error(name, missing or Messages.fill_in())
            return None
        content = await upload.read(max_bytes + 1)
        if len(content) > max_bytes:
            self.result.error(name, Messages.file_too_big(max_bytes))
            return None
        if not content:
            self.result.error(name, Messages.file_empty())
            return None
        media_type = sniff(content, kinds)
        if media_type is None:
            self.result.error(name, wrong_kind or Messages.not_a_document())
            return None
        found = Upload(file_name=str(upload.filename), media_type=media_type, content=content)
        self.result.data[name] = found
        return found
