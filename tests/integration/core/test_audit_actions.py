"""The registry of audit actions (``portal.core.actions``): each action is declared once, by the
feature that records it, worded for the activity page in every outcome it is recorded with, and
``audit.record`` refuses anything else."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import portal
from portal.activity.services import _fallback
from portal.core import actions, audit
from portal.core.access import Role
from portal.core.actions import ActionError, AuditAction, Wording
from portal.core.audit import AuditError
from portal.core.i18n import use_locale
from portal.core.keys import key_owner
from tests.html import page
from tests.people import make_person, portal_client, run, sign_in_as
from tests.trail import audit_events

PORTAL = Path(portal.__file__).parent
# Every module that declares actions: each feature's ``actions.py``, and core's door.
DECLARING = [
    *sorted(f"portal.{path.parent.name}.actions" for path in PORTAL.glob("*/actions.py")),
    "portal.core.access",
]
DOTTED_ACTION = re.compile(r"[a-z_]+(\.[a-z_]+)+")
ACTION_PREFIX = re.compile(r"[a-z_]+(\.[a-z_]+)*\.")  # the start of f"circle.{change}"


def _declared() -> list[AuditAction]:
    for name in DECLARING:
        importlib.import_module(name)
    return actions.declared()


def _declared_in_a_fresh_interpreter(imports: list[str]) -> set[str]:
    code = (
        "import importlib, sys\n"
        "for name in sys.argv[1:]: importlib.import_module(name)\n"
        "from portal.core import actions\n"
        "print('\\n'.join(sorted(f'{a.area}/{a.name}' for a in actions.declared())))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *imports], capture_output=True, text=True, check=True, cwd=PORTAL.parent
    )
    return set(done.stdout.split())


def test_the_app_and_the_tasks_declare_every_action_before_they_record():
    everything = _declared_in_a_fresh_interpreter(DECLARING)
    assert len(everything) > 60 and "documents/document.view" in everything and "notes/read" in everything
    assert _declared_in_a_fresh_interpreter(["portal.app"]) == everything
    # ``portal tasks`` imports what it runs; each task's module declares what it records.
    tasks = ["portal.documents.services", "portal.catalogue.services", "portal.agenda.reminders"]
    recorded_by_tasks = _declared_in_a_fresh_interpreter(tasks)
    assert {"documents/document.purge", "agenda/reminder.send", "agenda/medicine_reminder.send"} <= (
        recorded_by_tasks
    )


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_every_shown_action_is_worded_in_each_outcome_it_is_recorded_with(locale):
    declared = _declared()
    shown = [action for action in declared if action.shown]
    assert shown and len(shown) < len(declared)  # some are kept as proof only
    with use_locale(locale):
        for action in shown:
            for outcome in action.outcomes:
                wording = action.wording(outcome)
                assert wording is not None, (action.name, outcome)
                assert wording != _fallback(outcome), (action.name, outcome)
                assert not {wording.you, wording.other} & {
                    _fallback("allowed").you,
                    _fallback("allowed").other,
                }
                for text in (wording.you, wording.other):
                    said = text % {"who": "Anne", "object": "“Blood test”"}
                    assert "%(" not in said and said.strip(), (action.name, outcome, text)
        for action in declared:
            if not action.shown:
                assert all(action.wording(outcome) is None for outcome in action.outcomes)


def test_an_action_is_declared_once():
    _declared()
    with pytest.raises(ActionError, match="declared twice"):
        actions.declare("documents", "document.view", allowed=Wording("a", "b"))
    with pytest.raises(ActionError, match="declared twice"):
        actions.hidden("notes", "note.list")


def _direct_record_calls() -> list[tuple[Path, ast.Call]]:
    found = []
    for path in PORTAL.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
            ):
                found.append((path, node))
    return found


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def test_no_audit_record_call_passes_an_action_as_a_string():
    calls = _direct_record_calls()
    assert len(calls) > 25
    loose = [
        f"{path.relative_to(PORTAL.parent)}:{call.lineno}"
        for path, call in calls
        for keyword in call.keywords
        if keyword.arg == "action" and _is_text(keyword.value)
    ]
    assert loose == []


def test_no_call_that_records_names_an_action_by_a_dotted_string():
    """The features' own helpers (``services.record``, ``records.record``, ``services.audit``...)
    take the declared object too: no "document.view" or f"circle.{change}" handed to them."""
    loose = []
    for path in PORTAL.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", "")
            if "record" not in name and "audit" not in name:
                continue
            for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    if DOTTED_ACTION.fullmatch(argument.value):
                        loose.append(f"{path.relative_to(PORTAL.parent)}:{node.lineno} {argument.value}")
                elif isinstance(argument, ast.JoinedStr):
                    first = argument.values[0] if argument.values else None
                    if isinstance(first, ast.Constant) and ACTION_PREFIX.fullmatch(str(first.value)):
                        loose.append(f"{path.relative_to(PORTAL.parent)}:{node.lineno} f{first.value!r}...")
    assert loose == []


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


def test_recording_an_undeclared_action_raises_and_writes_nothing(app):
    patient = make_person(app)
    me = key_owner(patient)
    stray = AuditAction("documents", "document.view", {}, frozenset({"allowed"}))
    wrong: list[dict[str, Any]] = [
        {"area": "documents", "action": "document.veiw", "outcome": "allowed"},  # a typo
        {"area": "notes", "action": "document.view", "outcome": "allowed"},  # another area's
        {"area": "documents", "action": "document.view", "outcome": "denied"},  # an undeclared outcome
        {"action": stray, "outcome": "allowed"},  # not the declared object
    ]

    def count() -> int:
        return len(audit_events(app, subject=me))

    before = count()
    for fields in wrong:

        async def attempt(fields: dict[str, Any] = fields) -> None:
            async with app.app.state.engine.transaction():
                await audit.record(actor=me, subject=me, **fields)

        with pytest.raises(ActionError):
            run(app, attempt)

    async def without_area() -> None:
        await audit.record(actor=me, subject=me, action="document.view", outcome="allowed")

    with pytest.raises(AuditError):  # a name without its area
        run(app, without_area)
    assert count() == before


def _record(app: Any, **fields: Any) -> None:
    async def go() -> None:
        async with app.app.state.engine.transaction():
            await audit.record(**fields)

    run(app, go)


def _texts(html: str) -> list[str]:
    """What each event of the activity page says, in order."""
    return page(html).texts(".activity-item .activity-text")


def test_old_events_keep_their_wording(app):
    """Events stored before the registry, named by their area and action as they are in the
    database, are worded exactly as before (tests/integration/space/test_activity.py)."""
    patient = make_person(app)
    doctor = make_person(
        app, Role.PROFESSIONAL, given_names="Anne", family_name="Martin", profession="general_practitioner"
    )
    me, pro = key_owner(patient), key_owner(doctor)
    _record(app, actor="operator", area="account", action="invite", outcome="allowed", subject=me)
    _record(app, actor=me, area="circle", action="circle.block", outcome="allowed", subject=me, object_id=pro)
    _record(app, actor=pro, area="documents", action="read", outcome="denied", subject=me)
    sign_in_as(app, patient)
    assert _texts(app.get("/space/activity").text) == [
        "Dr Anne Martin, general practitioner tried to see your documents and was refused.",
        "You blocked Dr Anne Martin, general practitioner: they can no longer see anything in your space.",
        "The health space team created your space and gave you an activation code.",
    ]
    app.cookies.set("lang", "fr", domain=app.base_url.host)
    french = _texts(app.get("/space/activity").text)
    assert len(french) == 3 and not set(french) & {"You used your space.", "Vous avez utilisé votre espace."}


def test_an_action_no_longer_declared_gets_the_plain_fallback_and_hidden_ones_stay_hidden(app, monkeypatch):
    patient = make_person(app)
    me = key_owner(patient)
    _record(app, actor=me, area="notes", action="note.list", outcome="allowed", subject=me)
    _record(app, actor=me, area="agenda", action="agenda.view", outcome="allowed", subject=me)
    sign_in_as(app, patient)
    assert _texts(app.get("/space/activity").text) == ["You looked at your agenda."]
    # The same event, once its action is no longer declared (old data): the plain fallback.
    monkeypatch.delitem(actions._DECLARED, ("agenda", "agenda.view"))
    assert _texts(app.get("/space/activity").text) == ["You used your space."]
