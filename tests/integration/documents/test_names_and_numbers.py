"""A document's title in any script names its file (RFC 6266: an ASCII ``filename`` and
the real name as ``filename*``), for the patient and for professionals; numbers read from
an address or a form are bounded, never an error page."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import quote, unquote

import pytest

from portal.circle.services import add_to_circle
from portal.core.access import Role
from portal.core.web import content_disposition
from tests.conftest import csrf
from tests.people import make_person, portal_client, run, sign_in_as

PDF = b"%PDF-1.4\n" + b"n" * 1024
HUGE = "99999999999999999999999"


# --------------------------------------------------------------------------- content_disposition


@pytest.mark.parametrize(
    ("name", "ascii_name"),
    [
        ("Prise-de-sang-2026-03-03.pdf", "Prise-de-sang-2026-03-03.pdf"),
        ("Échographie-du-cœur-2026-03-03.pdf", "Echographie-du-coeur-2026-03-03.pdf"),
        ("تحليل-الدم-2026-03-03.pdf", "_____-____-2026-03-03.pdf"),
        ('a "quoted"; name\\.pdf', "a _quoted__ name_.pdf"),
    ],
)
def test_content_disposition_gives_an_ascii_name_and_the_real_one_in_utf8(name, ascii_name):
    value = content_disposition("attachment", name)
    assert value == f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    value.encode("latin-1")  # a header the server can send
    assert unquote(value.split("filename*=UTF-8''", 1)[1]) == name


def test_content_disposition_never_gives_an_empty_name():
    assert content_disposition("inline", "★").startswith('inline; filename="_"')
    assert content_disposition("inline", "").startswith('inline; filename="file"')


# --------------------------------------------------------------------------- through the pages


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


@pytest.fixture
def people(app: Any) -> dict[str, uuid.UUID]:
    patient = make_person(app)
    doctor = make_person(app, Role.PROFESSIONAL, family_name="Martin", profession="general_practitioner")

    async def join() -> None:
        async with app.app.state.engine.transaction():
            await add_to_circle(patient=patient, professional=doctor, joined_by="invited")

    run(app, join)
    return {"patient": patient, "doctor": doctor}


def _add(app: Any, title: str, **fields: str) -> Any:
    data = {
        "_csrf_token": csrf(app),
        "title": title,
        "category": "imaging",
        "date-day": "3",
        "date-month": "3",
        "date-year": "2026",
        **fields,
    }
    return app.post(
        "/space/documents/add",
        data=data,
        files={"file": ("scan.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )


@pytest.mark.parametrize(
    ("title", "stem"),
    [("Échographie du cœur", "Échographie-du-cœur"), ("تحليل الدم", "تحليل-الدم")],
)
def test_a_title_in_any_script_is_viewed_and_downloaded_by_the_patient_and_the_professional(
    app, people, title, stem
):
    patient, doctor = people["patient"], people["doctor"]
    sign_in_as(app, patient)
    added = _add(app, title=title)
    assert added.status_code == 303
    document = re.search(r"/space/documents/([0-9a-f-]{36})", added.headers["location"]).group(1)
    real = quote(f"{stem}-2026-03-03.pdf", safe="")
    page = app.get(f"/space/documents/{document}")
    assert page.status_code == 200 and title in page.text
    assert app.get(f"/space/documents/{document}/print").status_code == 200
    shown = app.get(f"/space/documents/{document}/file")
    assert shown.status_code == 200 and shown.content == PDF
    assert shown.headers["content-disposition"].startswith("inline; filename=")
    assert shown.headers["content-disposition"].endswith(f"filename*=UTF-8''{real}")
    download = app.get(f"/space/documents/{document}/file?download=1")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment; filename=")
    assert download.headers["content-disposition"].endswith(f"filename*=UTF-8''{real}")
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    listed = app.get(f"/pro/patients/{patient}")
    assert listed.status_code == 200 and title in listed.text
    pro = app.get(f"/pro/patients/{patient}/documents/{document}/file")
    assert pro.status_code == 200 and pro.content == PDF
    assert pro.headers["content-disposition"].startswith("attachment; filename=")
    assert pro.headers["content-disposition"].endswith(f"filename*=UTF-8''{real}")


def test_a_page_number_too_large_for_any_database_shows_the_first_page(app, people):
    patient, doctor = people["patient"], people["doctor"]
    sign_in_as(app, patient)
    _add(app, title="Radio du genou")
    for path in (
        f"/space/documents?page={HUGE}",
        f"/space/documents?page=-{HUGE}",
        "/space/documents?page=1e9",
        f"/space/documents/bin?page={HUGE}",
    ):
        response = app.get(path)
        assert response.status_code == 200, path
    assert "Radio du genou" in app.get(f"/space/documents?page={HUGE}").text
    fragment = app.get(f"/space/documents?page={HUGE}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "Radio du genou" in fragment.text
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    pro = app.get(f"/pro/patients/{patient}?page={HUGE}")
    assert pro.status_code == 200 and "Radio du genou" in pro.text


def test_a_year_too_large_is_explained_at_its_field(app, people):
    sign_in_as(app, people["patient"])
    response = _add(app, title="Radio", **{"date-year": HUGE, "date-day": HUGE})
    assert response.status_code == 400 and 'href="#date-day"' in response.text
