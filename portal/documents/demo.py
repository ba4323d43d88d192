"""Demo documents for Jeanne: a prescription her doctor deposited (new for her), and
papers she added herself. Small one-page PDFs made here, so the demo needs no file."""

from __future__ import annotations

from fpdf import FPDF

from portal.accounts.demo import DEMO_PEOPLE
from portal.accounts.services import find_account_id
from portal.core.keys import Keyring
from portal.documents.changes import add_document
from portal.documents.details import Details
from portal.documents.tables import Document

# (title, category, date, by the doctor?, the lines of the page)
DEMO_DOCUMENTS = [
    (
        "Ordonnance du Dr Martin",
        "prescriptions",
        "2026-11-12",
        True,
        ["Paracétamol 1 g", "1 comprimé matin et soir"],
    ),
    (
        "Prise de sang",
        "lab_results",
        "2026-10-03",
        False,
        ["Glycémie à jeun : 0,95 g/L", "Cholestérol total : 1,9 g/L"],
    ),
    (
        "Compte rendu d'hospitalisation",
        "reports",
        "2025-06-18",
        False,
        ["Service de cardiologie, CH de Guéret"],
    ),
    ("Carnet de vaccination", "vaccination", "2024-10-15", False, ["Grippe saisonnière : 15/10/2024"]),
]


def demo_pdf(title: str, lines: list[str]) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=20)
    pdf.cell(0, 12, title.encode("latin-1", "replace").decode("latin-1"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=14)
    for line in lines:
        pdf.cell(0, 10, line.encode("latin-1", "replace").decode("latin-1"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


async def seed_demo_documents(keyring: Keyring) -> int:
    """Jeanne's documents, once: nothing is added when she has some already."""
    jeanne_email, anne_email = DEMO_PEOPLE["jeanne"].identity.email, DEMO_PEOPLE["anne"].identity.email
    assert jeanne_email and anne_email
    jeanne = await find_account_id(keyring, jeanne_email)
    anne = await find_account_id(keyring, anne_email)
    if jeanne is None or anne is None or await Document.exists().where(Document.patient == jeanne):
        return 0
    for title, category, day, by_doctor, lines in DEMO_DOCUMENTS:
        await add_document(
            keyring,
            patient=jeanne,
            author=anne if by_doctor else jeanne,
            author_role="professional" if by_doctor else "patient",
            details=Details(title=title, category=category, document_date=day, media_type="application/pdf"),
            content=demo_pdf(title, lines),
        )
    return len(DEMO_DOCUMENTS)
