"""What a section of the profile is made of: its questions (``Field``) and the section
itself (``Section``: titles, the words of its page, its fields), with the lengths a
text may have and the sections that hold one entry at most.

The sections themselves are defined in ``definitions`` (``sections()``).
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.core.i18n import gettext as _

TEXT_MAX = 200
NOTE_MAX = 2000
SINGLE = frozenset({"blood_group", "directives", "organ_donation"})


@dataclass(frozen=True)
class Field:
    """One question of a section's form."""

    name: str
    kind: str  # text, note, radios, select, checkboxes, date, number, time, phone, email
    label: str
    required: bool = False
    hint: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    past: bool = False  # a date that can only be in the past
    missing: str | None = None  # what to say when a required field is empty

    @property
    def max_length(self) -> int:
        return NOTE_MAX if self.kind == "note" else TEXT_MAX

    @property
    def choice_keys(self) -> frozenset[str]:
        return frozenset(key for key, _ in self.choices)


@dataclass(frozen=True)
class Section:
    key: str
    title: str  # "Current treatments"
    intro: str
    add_label: str  # "Add a treatment"
    add_heading: str  # the title of the form
    change_heading: str
    empty: str  # what the page says when there is nothing
    fields: tuple[Field, ...]

    @property
    def single(self) -> bool:
        return self.key in SINGLE

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def day_hint() -> str:
    """The hint under a date typed in three boxes."""
    return _("For example 27 3 2024. If you do not know the day, write 1.")
