"""The audit actions: every action the trail records, declared once by the feature that records it.

A declaration says the action's area, its name (the exact word stored in
``audit_event.action``: never change one, old events keep their wording through
it), what the activity page says of it for each outcome it is recorded with
(``Wording``: when the person did it themselves, and when someone else did), or
that the page does not show it (``hidden``). ``portal.core.audit.record`` refuses
an action, or an outcome of it, that nobody declared: a typo is a programming
error that any test recording it finds.

Wordings are kept as msgids and translated when the activity shows them (the
language is the request's). A declaring module marks them for extraction with
``from portal.core.actions import msgid as _``: ``_`` there translates nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from portal.core.i18n import gettext

OUTCOMES = ("allowed", "denied", "failed")


def msgid(message: str) -> str:
    """Marks ``message`` for the catalogue and returns it untranslated."""
    return message


@dataclass(frozen=True)
class Wording:
    """What to say when the person did it themselves, and when someone else did
    (``%(who)s``). ``%(object)s`` names what the action was about."""

    you: str
    other: str

    def translated(self) -> Wording:
        return Wording(gettext(self.you), gettext(self.other))


class ActionError(ValueError):
    """An action declared twice, or recorded without being declared."""


@dataclass(frozen=True)
class AuditAction:
    """One declared action. Make it with ``declare`` or ``hidden``, never directly."""

    area: str
    name: str
    wordings: Mapping[str, Wording] = field(default_factory=dict)
    """Outcome -> wording (msgids), for an action the activity shows."""
    outcomes: frozenset[str] = frozenset()
    """The outcomes it is recorded with."""
    shown: bool = True

    def wording(self, outcome: str) -> Wording | None:
        """The wording of ``outcome``, in the current language (None for a hidden action)."""
        found = self.wordings.get(outcome)
        return found.translated() if found is not None else None


_DECLARED: dict[tuple[str, str], AuditAction] = {}


def _add(action: AuditAction) -> AuditAction:
    if (action.area, action.name) in _DECLARED:
        raise ActionError(f"the audit action {action.area}/{action.name} is declared twice")
    if not action.outcomes or not action.outcomes <= set(OUTCOMES):
        raise ActionError(f"the audit action {action.area}/{action.name} needs outcomes among {OUTCOMES}")
    _DECLARED[(action.area, action.name)] = action
    return action


def declare(
    area: str,
    name: str,
    *,
    allowed: Wording | None = None,
    denied: Wording | None = None,
    failed: Wording | None = None,
) -> AuditAction:
    """Declare an action the activity shows, with its wording for each outcome it is recorded with."""
    given = {"allowed": allowed, "denied": denied, "failed": failed}
    wordings = {outcome: wording for outcome, wording in given.items() if wording is not None}
    return _add(AuditAction(area, name, wordings, frozenset(wordings)))


def hidden(area: str, name: str, *outcomes: str) -> AuditAction:
    """Declare an action kept in the trail as proof that the activity does not show."""
    return _add(AuditAction(area, name, {}, frozenset(outcomes or ("allowed",)), shown=False))


def declared() -> list[AuditAction]:
    """Every action declared so far (by the modules imported so far)."""
    return list(_DECLARED.values())


def find(area: str, name: str) -> AuditAction | None:
    return _DECLARED.get((area, name))


def hidden_names() -> list[str]:
    """The names of the actions the activity leaves out, sorted."""
    return sorted({action.name for action in _DECLARED.values() if not action.shown})


def resolve(action: AuditAction | str, area: str | None, outcome: str) -> AuditAction:
    """The declared action a call to ``record`` names, or ``ActionError``.

    A declared object is the normal way; a name and an area (old callers, tests) must
    name a declared action too. The message names the action (a fixed word of the code,
    never personal data) so the mistake is found at once."""
    if isinstance(action, AuditAction):
        found = _DECLARED.get((action.area, action.name))
        if found is not action or (area is not None and area != action.area):
            raise ActionError(f"the audit action {action.area}/{action.name} is not the declared one")
    else:
        if area is None:
            raise ActionError("an audit action given by name needs its area")
        found = _DECLARED.get((area, action))
        if found is None:
            raise ActionError(f"the audit action {area}/{action} is not declared (portal.core.actions)")
    if outcome not in found.outcomes:
        raise ActionError(f"the audit action {found.area}/{found.name} is not declared with this outcome")
    return found
