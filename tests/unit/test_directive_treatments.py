"""The treatments of the advance directives are the form's (``vocabulary.DIRECTIVE_TREATMENTS``):
the summary and its PDF list the same ones, in the same order, each with its name."""

from __future__ import annotations

from portal.core.i18n import use_locale
from portal.profile.summary import directives_of
from portal.profile.vocabulary import DIRECTIVE_TREATMENTS, directive_treatment_names


def test_the_summary_lists_the_treatments_the_form_asks_in_its_order():
    answers = {treatment: "refuse" for treatment in DIRECTIVE_TREATMENTS}
    with use_locale("en"):
        directives = directives_of({"situation": "ill", **answers})
        names = directive_treatment_names()
    assert [wish.treatment for wish in directives.wishes] == list(DIRECTIVE_TREATMENTS)
    assert all(wish.choice == "refuse" and wish.name == names[wish.treatment] for wish in directives.wishes)
    assert directives.sedation.treatment == "sedation"


def test_every_treatment_the_form_asks_has_a_name_in_the_summary():
    with use_locale("en"):
        assert set(directive_treatment_names()) == set(DIRECTIVE_TREATMENTS)
