"""The profile's one vocabulary: the keys of every choice an entry stores, and their words.

The forms (``definitions``), the words of an entry (``wording``), the pages
(``presenters``), the printable summary (``summary``) and its PDFs (``summary_pdf``) all
take their words from here, so a notion is worded once. Where a choice is asked in the
form in one wording and named in the summary in another (a contact's role, the situation
of the advance directives, the position on organ donation), both are here, side by side.

Every function answers in the current language; the keys are what ``Entry.data`` stores.
"""

from __future__ import annotations

from portal.core.i18n import gettext as _

TIMES = ("morning", "noon", "evening", "bedtime")
KINDS = ("weight", "height", "blood_pressure", "heart_rate", "blood_sugar")
BLOOD_GROUPS = ("A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-")
# The treatments of the advance directives, in the order of the official form.
DIRECTIVE_TREATMENTS = (
    "resuscitation",
    "ventilation",
    "dialysis",
    "artificial_feeding",
    "surgery",
    "transfusion",
)
ANSWERS = ("want", "refuse", "unsure")
CONTACT_ROLES = ("emergency", "trusted_person", "carer", "other")


def time_names() -> dict[str, str]:
    """The times of day a treatment is taken."""
    return {"morning": _("Morning"), "noon": _("Noon"), "evening": _("Evening"), "bedtime": _("Bedtime")}


def kind_names() -> dict[str, str]:
    """What a measurement measures."""
    return {
        "weight": _("Weight"),
        "height": _("Height"),
        "blood_pressure": _("Blood pressure"),
        "heart_rate": _("Heart rate"),
        "blood_sugar": _("Blood sugar"),
    }


def units() -> dict[str, str]:
    """The unit of each kind of measurement."""
    return {
        "weight": _("kg"),
        "height": _("cm"),
        "blood_pressure": _("mmHg"),
        "heart_rate": _("beats/min"),
        "blood_sugar": _("g/L"),
    }


def allergy_kind_answers() -> dict[str, str]:
    """The answers to "Is it an allergy or an intolerance?"."""
    return {"allergy": _("An allergy"), "intolerance": _("An intolerance")}


def allergy_kind_names() -> dict[str, str]:
    """An allergy's kind as a name ("Allergy"), on the pages and in the summary."""
    return {"allergy": _("Allergy"), "intolerance": _("Intolerance")}


def severity_names() -> dict[str, str]:
    """How serious an allergy is: the form's answers and the name shown, alike."""
    return {"mild": _("Mild"), "moderate": _("Moderate"), "severe": _("Severe")}


def topic_names() -> dict[str, str]:
    """What something about the way of life is about."""
    return {
        "tobacco": _("Tobacco"),
        "alcohol": _("Alcohol"),
        "physical_activity": _("Physical activity"),
        "diet": _("Food and diet"),
        "other": _("Something else"),
    }


def answer_names() -> dict[str, str]:
    """The answers about each treatment of the advance directives, and sedation."""
    return {"want": _("I want it"), "refuse": _("I refuse it"), "unsure": _("I do not know yet")}


def directive_treatment_names() -> dict[str, str]:
    """The treatments of the advance directives: the form asks them, the pages, the summary
    and the PDF name them, in these words."""
    return {
        "resuscitation": _("Resuscitation, if my heart or my breathing stops"),
        "ventilation": _("A machine that breathes for me (ventilation)"),
        "dialysis": _("A machine that does the work of my kidneys (dialysis)"),
        "artificial_feeding": _("Food and water through a tube or a drip"),
        "surgery": _("An operation"),
        "transfusion": _("A blood transfusion"),
    }


def sedation_name() -> str:
    """Sedation, as the pages, the summary and the PDF name it (the form asks it at length)."""
    return _("Deep and continuous sedation until death")


def situation_answers() -> dict[str, str]:
    """The answers to "Your situation today" (advance directives)."""
    return {"ill": _("I have a serious illness"), "healthy": _("I do not have a serious illness")}


def situation_names() -> dict[str, str]:
    """The same situations as the summary and the official form's plan say them."""
    return {
        "ill": _("I have a serious illness (form A)."),
        "healthy": _("I do not have a serious illness (form B)."),
    }


def donation_answers() -> dict[str, str]:
    """The answers to "Your position" (organ donation)."""
    return {
        "donor": _("I agree to give my organs"),
        "refuses": _("I refuse to give my organs"),
        "undecided": _("I have not decided"),
    }


def donation_names() -> dict[str, str]:
    """The same positions, as whole sentences, in the summary."""
    return {
        "donor": _("I agree to give my organs after my death."),
        "refuses": _("I refuse to give my organs after my death."),
        "undecided": _("I have not decided about giving my organs."),
    }


def contact_role_answers() -> dict[str, str]:
    """The answers to "Who is this person for you?"."""
    return {
        "emergency": _("The person to call in an emergency"),
        "trusted_person": _("My trusted person (personne de confiance)"),
        "carer": _("My carer"),
        "other": _("Someone else"),
    }


def contact_role_names() -> dict[str, str]:
    """The same roles as the summary names them, in its "Who they are" column."""
    return {
        "emergency": _("Emergency contact"),
        "trusted_person": _("Trusted person"),
        "carer": _("Carer"),
        "other": _("Other contact"),
    }
