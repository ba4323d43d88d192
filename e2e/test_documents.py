"""The document library, in a real Chromium with JavaScript on and off.

A patient adds a PDF (with JavaScript htmx sends it, then the whole page goes on to the
document's page; without, a plain form does), finds it by its title (with JavaScript the list
changes in place and the address follows), opens it, downloads it, hides it from
professionals, puts it in the bin and restores it. A file that is not a PDF, a JPEG or a PNG
is refused. The demo's Dr Anne Martin deposits a document for a patient of her care circle,
who finds it marked "new" until they open it.

Every page, and every list or form replaced in place, is checked with axe; the PDF itself and
the download are not pages of the portal.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fpdf import FPDF
from playwright.sync_api import CDPSession, Page, Request, expect

from e2e.conftest import LiveServer
from e2e.harness import check_axe, press, settle
from e2e.people import (
    SIGN_OUT_BUTTON,
    Patient,
    add_to_circle,
    make_patient,
    path_of,
    sign_in,
)
from portal.core.notify import read_outbox

pytestmark = pytest.mark.e2e

ANNE_EMAIL = "dr.anne.martin@example.org"
ANNE_PASSWORD = "un jardin en Creuse"
ANNE_DESCRIBED = "Dr Anne Martin, médecin généraliste"
TITLE = "Prise de sang de mars"
LAB_RESULTS = "Résultats d'analyses"
DOCUMENT_PATH = re.compile(r"^/space/documents/[0-9a-f-]{36}$")

LIBRARY_LINK = "main a[href='/space/documents']"
BACK_TO_LIBRARY = "a.back-link[href='/space/documents']"
ADD_LINK = "main a[href='/space/documents/add']"
ADD_BUTTON = "main form[action='/space/documents/add'] button[type=submit]"
SEARCH_BUTTON = "main form[role=search] button[type=submit]"
STATUS = "main #document-list > p[role=status]"
ROWS = "main #document-list ul.rows > li.document-row"
BANNER = "main .banner-success"
DOWNLOAD_LINK = "main a[href$='/file?download=1']"
PRINT_LINK = "main .document-actions a[data-print]"
HIDE_BUTTON = "main form[action$='/hide'] button[type=submit]"
BIN_BUTTON = "main form[action$='/delete'] button[type=submit]"
BIN_ROWS = "main ul.rows > li.row"
RESTORE_BUTTON = "main form[action$='/restore'] button[type=submit]"


def make_pdf(path: Path, line: str) -> Path:
    """A one-page PDF saying ``line``."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=14)
    pdf.cell(text=line)
    pdf.output(str(path))
    return path


def path_without_query(page: Page) -> str:
    return urlsplit(page.url).path


def query_of(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def is_upload(request: Request, path: str) -> bool:
    return request.method == "POST" and urlsplit(request.url).path == path


def open_the_library(page: Page, live_server: LiveServer, patient: Patient) -> None:
    """The patient signs in and follows "My documents" from their space."""
    sign_in(page, live_server, patient.email, patient.password)
    assert path_of(page) == "/space"
    press(page, LIBRARY_LINK)
    assert path_of(page) == "/space/documents"
    expect(page.locator("h1")).to_have_text("Mes documents")


def fill_the_form(page: Page, file: Path, title: str) -> None:
    """The file, its title, "Lab results", dated 3 3 2026: on the patient's or the professional's form."""
    page.locator("#file").set_input_files(file)
    page.locator("#title").fill(title)
    page.locator("#category").select_option("lab_results")
    page.locator("#date-day").fill("3")
    page.locator("#date-month").fill("3")
    page.locator("#date-year").fill("2026")


def press_with_the_keyboard(page: Page, selector: str) -> None:
    """Like ``press``, with the Enter key on the focused button rather than the mouse.

    Right after a download, on a page showing a PDF in a frame, Chromium often drops the
    next mouse click: none of its events reach the page (seen with and without JavaScript,
    with no scrolling, never without the PDF frame). The keyboard is not affected, and a
    button must work from the keyboard anyway.
    """
    with page.expect_navigation():
        page.locator(selector).focus()
        page.keyboard.press("Enter")
    check_axe(page)


def search(page: Page, javascript: bool, words: str) -> None:
    """Type ``words`` in the library's search box: with JavaScript the list follows as one
    types, in place; without, the form is sent. Either way the address keeps the view
    (Back works) under a sealed token: what a person looks for is not left in the history."""
    if javascript:
        page.evaluate("() => { window.stillTheSamePage = true; }")
        page.get_by_label("Trouver un document par son titre").fill(words)
        expect(page).to_have_url(re.compile(r"/space/documents\?f=[A-Za-z0-9_-]+$"))
        settle(page)
        assert page.evaluate("() => window.stillTheSamePage === true"), "the page should not be reloaded"
        check_axe(page)
    else:
        page.get_by_label("Trouver un document par son titre").fill(words)
        press(page, SEARCH_BUTTON)
    assert path_without_query(page) == "/space/documents"
    assert "q" not in query_of(page) and query_of(page)["f"]
    # The sealed token is random letters: a short word may turn up in it by chance (1 run
    # in about 100 with "de"); what counts is that the words are nowhere else in the address.
    outside_token = page.url.replace(query_of(page)["f"][0], "")
    for word in words.split():
        assert word not in outside_token
    expect(page.get_by_label("Trouver un document par son titre")).to_have_value(words)


def add_a_pdf(page: Page, javascript: bool, pdf: Path) -> str:
    """The patient adds a PDF with its title, kind and date, and lands on its page; returns its path."""
    # When they add a PDF, its title, its kind and its date
    press(page, ADD_LINK)
    assert path_of(page) == "/space/documents/add"
    expect(page.locator("h1")).to_have_text("Ajouter un document")
    fill_the_form(page, pdf, TITLE)
    with page.expect_request(lambda request: is_upload(request, "/space/documents/add")) as upload:
        press(page, ADD_BUTTON)
    # Then htmx sent it when JavaScript is on, the form itself when it is off
    assert upload.value.headers.get("hx-request") == ("true" if javascript else None)
    # And they are on the document's page, with a banner saying it is in their space
    assert DOCUMENT_PATH.match(path_without_query(page)), page.url
    assert query_of(page) == {"done": ["added"]}
    document_path = path_without_query(page)
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(BANNER)).to_contain_text(
        "Le document est dans votre espace. Vérifiez ci-dessous ce que vous avez tapé."
    )
    summary = page.locator("main .summary-list")
    expect(summary).to_contain_text(LAB_RESULTS)
    expect(summary).to_contain_text("3 mars 2026")
    expect(summary).to_contain_text("Document PDF")
    expect(page.locator(f"main iframe[src='{document_path}/file']")).to_have_attribute("title", TITLE)
    return document_path


def see_it_listed_as_added_by_them(page: Page) -> None:
    """Back in the library, the patient sees the document listed, added by them."""
    # When they go back to their library
    press(page, BACK_TO_LIBRARY)
    # Then the document is listed, added by them
    rows = page.locator(ROWS)
    expect(rows).to_have_count(1)
    expect(rows.first.locator("h2 a")).to_have_text(TITLE)
    expect(rows.first).to_contain_text("Ajouté par vous")


def find_it_by_its_title(page: Page, javascript: bool) -> None:
    """The patient finds nothing with a word not in the title, then the document with words of it."""
    rows = page.locator(ROWS)
    # When they look for a word that is not in its title
    search(page, javascript, "radio")
    # Then nothing is found
    expect(page.locator(STATUS)).to_have_text("Aucun document trouvé.")
    expect(rows).to_have_count(0)
    # When they look for a word of its title
    search(page, javascript, "sang de mars")
    # Then it is found
    expect(page.locator(STATUS)).to_have_text("1 document")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("h2 a")).to_have_text(TITLE)


def open_it_and_print_it(page: Page, javascript: bool, document_path: str) -> None:
    """The patient opens the document and prints it: at once with JavaScript, a page says how without."""
    # When they open it
    press(page, f"{ROWS} h2 a[href='{document_path}']")
    # Then its page shows it, with no banner
    assert path_of(page) == document_path
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(BANNER)).to_have_count(0)
    # And it may be printed
    print_link = page.locator(PRINT_LINK)
    expect(print_link).to_have_text("Imprimer")
    if javascript:
        # When they press Print, the document in its frame is printed at once, from this page
        page.evaluate(
            "() => { const frame = document.querySelector('iframe[data-print-frame]');"
            " window.__printed = 0; frame.contentWindow.print = () => { window.__printed += 1; }; }"
        )
        print_link.click()
        page.wait_for_function("() => window.__printed === 1")
        assert path_of(page) == document_path
    else:
        # When they press Print, a page says how to print it from the browser's reader
        press(page, PRINT_LINK)
        assert path_of(page) == f"{document_path}/print"
        expect(page.locator("h1")).to_have_text(f"Imprimer : {TITLE}")
        reader_link = page.locator("main a.button-primary")
        expect(reader_link).to_have_text("Ouvrir le document pour l'imprimer")
        expect(reader_link).to_have_attribute("href", f"{document_path}/file")
        press(page, f"a.back-link[href='{document_path}']")


def see_it_shown_inline(page: Page, document_path: str) -> None:
    """The document's file is sent to be shown inline as a PDF, never run as a page."""
    # And the document is shown inline there, never run as a page
    shown = page.request.get(f"{document_path}/file")
    assert shown.status == 200
    assert shown.headers["content-type"].startswith("application/pdf")
    assert shown.headers["content-disposition"].startswith("inline")


def download_it(page: Page, document_path: str, pdf: Path) -> None:
    """The patient downloads the very file they added, named after its title, and stays on the page."""
    # When they download it
    expect(page.locator(DOWNLOAD_LINK)).to_have_text("Télécharger")
    with page.expect_download() as download_info:
        page.locator(DOWNLOAD_LINK).click()
    download = download_info.value
    # Then they get the very file they added, named after its title
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    assert download.suggested_filename.startswith("Prise-de-sang-de-mars"), download.suggested_filename
    assert Path(download.path()).read_bytes() == pdf.read_bytes()
    assert path_of(page) == document_path, "downloading should not leave the page"


def hide_it_from_professionals(page: Page, document_path: str) -> None:
    """The patient hides the document from professionals; its page and its row in the library say so."""
    # When they hide it from professionals (from the keyboard: see press_with_the_keyboard)
    expect(page.locator(HIDE_BUTTON)).to_have_text("Le masquer aux professionnels")
    press_with_the_keyboard(page, HIDE_BUTTON)
    # Then the page says so, and offers to show it again
    assert path_of(page) == f"{document_path}?done=hide"
    expect(page.locator(BANNER)).to_contain_text("Le document est masqué aux professionnels.")
    expect(page.locator("main .summary-list")).to_contain_text("Masqué aux professionnels")
    expect(page.locator("main form[action$='/show'] button")).to_have_text("Le montrer aux professionnels")
    # And in the library its row says it is hidden
    press(page, BACK_TO_LIBRARY)
    rows = page.locator(ROWS)
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".tag")).to_have_text("Masqué aux professionnels")


def put_it_in_the_bin(page: Page, document_path: str) -> None:
    """The patient opens the document again and bins it; the library no longer lists it."""
    # When they open it again and put it in the bin
    press(page, f"{ROWS} h2 a[href='{document_path}']")
    expect(page.locator(BIN_BUTTON)).to_have_text("Le mettre à la corbeille")
    press(page, BIN_BUTTON)
    # Then they are back in the library, which says it is in the bin, and no longer lists it
    assert path_of(page) == "/space/documents?done=delete"
    expect(page.locator(BANNER)).to_contain_text(
        "Le document est dans la corbeille pour 30 jours. Vous pouvez l'y restaurer."
    )
    expect(page.locator(STATUS)).to_have_text("Aucun document trouvé.")
    expect(page.locator(ROWS)).to_have_count(0)
    expect(page.locator("main a[href='/space/documents/bin']").last).to_have_text("La corbeille (1)")


def restore_it_from_the_bin(page: Page, document_path: str) -> None:
    """The patient finds the document in the bin and restores it, still hidden from professionals."""
    # When they open the bin
    press(page, f"{BANNER} a[href='/space/documents/bin']")
    # Then the document is there
    assert path_of(page) == "/space/documents/bin"
    expect(page.locator("h1")).to_have_text("La corbeille")
    bin_rows = page.locator(BIN_ROWS)
    expect(bin_rows).to_have_count(1)
    expect(bin_rows.first.locator("h2")).to_have_text(TITLE)
    # When they restore it
    expect(page.locator(RESTORE_BUTTON)).to_have_text("Restaurer")
    press(page, RESTORE_BUTTON)
    # Then its page says it is back
    assert path_of(page) == f"{document_path}?done=restore"
    expect(page.locator(BANNER)).to_contain_text("Le document est de retour dans vos documents.")
    # And it is in the library again, still hidden from professionals, and the bin is empty
    press(page, BACK_TO_LIBRARY)
    rows = page.locator(ROWS)
    expect(rows).to_have_count(1)
    expect(rows.first.locator("h2 a")).to_have_text(TITLE)
    expect(rows.first.locator(".tag")).to_have_text("Masqué aux professionnels")
    expect(page.locator("main a[href='/space/documents/bin']").last).to_have_text("La corbeille (0)")


def test_a_patient_adds_finds_downloads_hides_bins_and_restores_a_document(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool, tmp_path: Path
) -> None:
    pdf = make_pdf(tmp_path / "scan-0042.pdf", "Glycemie a jeun : 0,95 g/L")
    # Given a patient in their library, which is empty
    patient = make_patient(live_server, database_url)
    open_the_library(page, live_server, patient)
    expect(page.locator(STATUS)).to_have_text("Aucun document trouvé.")
    document_path = add_a_pdf(page, javascript, pdf)
    see_it_listed_as_added_by_them(page)
    find_it_by_its_title(page, javascript)
    open_it_and_print_it(page, javascript, document_path)
    see_it_shown_inline(page, document_path)
    download_it(page, document_path, pdf)
    hide_it_from_professionals(page, document_path)
    put_it_in_the_bin(page, document_path)
    restore_it_from_the_bin(page, document_path)


def begin_adding_a_large_scan_over_a_slow_line(
    page: Page, live_server: LiveServer, database_url: str | None, tmp_path: Path
) -> CDPSession:
    """A patient fills in the form with a 12 MB scan, their line sending 3 MB a second; returns the line."""
    scan = tmp_path / "scan-complet.pdf"
    scan.write_bytes(b"%PDF-1.4\n" + b"0" * (12 * 1024 * 1024))
    patient = make_patient(live_server, database_url)
    open_the_library(page, live_server, patient)
    press(page, ADD_LINK)
    fill_the_form(page, scan, "Dossier complet")
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 3 * 1024 * 1024},
    )
    return network


def send_it_watching_the_bar_move(page: Page) -> None:
    """The patient sends the scan: while it goes, a labelled bar says how much has gone, and moves on."""
    bar = page.locator("main [data-progress] progress")
    expect(bar).to_be_hidden()
    # When they send it
    with page.expect_navigation(timeout=60_000):
        page.locator(ADD_BUTTON).click()
        # Then, while it goes, a labelled bar says how much has gone, and it moves on
        expect(bar).to_be_visible()
        page.wait_for_function(
            "() => { const bar = document.querySelector('main [data-progress] progress');"
            " return bar.value >= 10 && bar.value < 90; }"
        )
        expect(page.get_by_label("Envoi du fichier")).to_be_visible()
        check_axe(page, displays=None)
        first = int(bar.get_attribute("value") or "0")
        page.wait_for_function(
            f"() => document.querySelector('main [data-progress] progress').value > {first}"
        )


def test_a_large_upload_shows_how_much_has_gone(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool, tmp_path: Path
) -> None:
    if not javascript:
        pytest.skip("without JavaScript the browser shows its own progress: the form is sent as it is")
    # Given a patient adding a 12 MB scan over a slow line (3 MB a second up)
    network = begin_adding_a_large_scan_over_a_slow_line(page, live_server, database_url, tmp_path)
    send_it_watching_the_bar_move(page)
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    # And once it has all gone they are on the document's page
    assert DOCUMENT_PATH.match(path_without_query(page)), page.url
    expect(page.locator("h1")).to_have_text("Dossier complet")
    expect(page.locator("main .summary-list")).to_contain_text("Document PDF, 12 Mo")
    check_axe(page)


def send_a_text_file_named_like_a_pdf(page: Page, javascript: bool, tmp_path: Path) -> None:
    """The patient sends a text file named like a PDF: refused (in place with JavaScript, a page without)."""
    # When they choose a file named like a PDF that is really text, and send it
    wrong = tmp_path / "analyses.pdf"
    wrong.write_bytes(b"hello\n")
    fill_the_form(page, wrong, TITLE)
    if javascript:
        page.evaluate("() => { window.stillTheSamePage = true; }")
        with page.expect_response(
            lambda response: is_upload(response.request, "/space/documents/add")
        ) as sent:
            page.locator(ADD_BUTTON).click()
        assert sent.value.status == 400
        assert sent.value.request.headers.get("hx-request") == "true"
        expect(page.locator(".error-summary")).to_be_visible()
        settle(page)
        assert page.evaluate("() => window.stillTheSamePage === true"), (
            "htmx should replace the form in place"
        )
        check_axe(page)
    else:
        response = press(page, ADD_BUTTON)
        assert response is not None and response.status == 400


def see_the_file_refused_at_its_field(page: Page) -> None:
    """The form says why at the file's field, through a focused error summary, and keeps what was typed."""
    # Then they stay on the form, where an error summary takes the focus and links to the file
    assert path_of(page) == "/space/documents/add"
    message = "Ce fichier n'est pas un PDF, une photo JPEG ou une image PNG. Choisissez l'un de ceux-là."
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a")).to_have_count(1)
    expect(summary.locator("a[href='#file']")).to_have_text(message)
    expect(page.locator("#file-error")).to_contain_text(message)
    expect(page.locator("#file")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_title(re.compile(r"^Erreur"))
    # And what they typed is kept
    expect(page.locator("#title")).to_have_value(TITLE)
    expect(page.locator("#category")).to_have_value("lab_results")
    expect(page.locator("#date-day")).to_have_value("3")
    expect(page.locator("#date-month")).to_have_value("3")
    expect(page.locator("#date-year")).to_have_value("2026")
    # When they follow the summary's link
    summary.locator("a[href='#file']").click()
    # Then the file field has the focus
    expect(page.locator("#file")).to_be_focused()


def test_a_file_that_is_not_a_pdf_nor_an_image_is_refused(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool, tmp_path: Path
) -> None:
    # Given a patient adding a document
    patient = make_patient(live_server, database_url)
    open_the_library(page, live_server, patient)
    press(page, ADD_LINK)
    send_a_text_file_named_like_a_pdf(page, javascript, tmp_path)
    see_the_file_refused_at_its_field(page)


def deposit_a_pdf_for_the_patient(page: Page, live_server: LiveServer, patient: Patient, pdf: Path) -> None:
    """Dr Martin signs in, opens the patient's page and deposits a PDF, which is listed there."""
    # And Dr Martin, signed in, on the page of this patient
    sign_in(page, live_server, ANNE_EMAIL, ANNE_PASSWORD)
    assert path_of(page) == "/pro"
    expect(page.locator("h1")).to_have_text("Mes patients")
    patient_page = f"/pro/patients/{patient.account_id}"
    press(page, f"main a[href='{patient_page}']")
    assert path_of(page) == patient_page
    expect(page.locator("h1")).to_have_text("Marie Martin")
    expect(page.locator(STATUS)).to_have_text("Aucun document trouvé.")
    # When she deposits a PDF for them
    expect(page.get_by_role("heading", name="Déposer un document")).to_be_visible()
    fill_the_form(page, pdf, TITLE)
    deposit_button = f"main form[action='{patient_page}/documents'] button[type=submit]"
    expect(page.locator(deposit_button)).to_have_text("Déposer ce document")
    press(page, deposit_button)
    # Then a banner says it is in the patient's space, and it is listed
    assert path_of(page) == f"{patient_page}?done=deposited"
    expect(page.locator(BANNER)).to_contain_text(
        "Le document est dans l'espace du patient. Il est prévenu que quelque chose de nouveau s'y trouve."
    )
    pro_rows = page.locator(ROWS)
    expect(pro_rows).to_have_count(1)
    expect(pro_rows.first.locator("h3")).to_have_text(TITLE)
    expect(pro_rows.first).to_contain_text(LAB_RESULTS)


def see_the_patient_was_told_without_the_document(live_server: LiveServer, patient: Patient) -> None:
    """The patient was told by message of something new, with nothing of the document in it."""
    # And the patient was told, with nothing of the document in the message
    told = [m for m in read_outbox(live_server.data_dir / "outbox", limit=1000) if m.to == patient.email]
    assert told, "the patient should be told of the new document"
    assert TITLE not in told[0].subject + told[0].body


def find_it_new_in_the_library(page: Page, live_server: LiveServer, patient: Patient) -> None:
    """The patient signs in and finds the document in their library, new, added by Dr Martin."""
    # When the patient signs in and opens their library
    press(page, SIGN_OUT_BUTTON)
    open_the_library(page, live_server, patient)
    # Then the document is there, new, added by Dr Martin
    expect(page.locator(STATUS)).to_have_text("1 document · 1 nouveau")
    rows = page.locator(ROWS)
    expect(rows).to_have_count(1)
    expect(rows.first.locator("h2 a")).to_have_text(TITLE)
    expect(rows.first.locator("h2 .tag-new")).to_have_text("Nouveau")
    expect(rows.first).to_contain_text(f"Ajouté par {ANNE_DESCRIBED}")


def open_it_and_see_it_no_longer_new(page: Page) -> None:
    """The patient opens the document, sees only Dr Martin may withdraw it, and it is new no more."""
    # When they open it
    press(page, f"{ROWS} h2 a")
    # Then its page says who added it, and that only she may withdraw it
    assert DOCUMENT_PATH.match(path_of(page)), page.url
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("main .summary-list")).to_contain_text(ANNE_DESCRIBED)
    expect(page.locator(BIN_BUTTON)).to_have_count(0)
    # And back in the library it is no longer new
    press(page, BACK_TO_LIBRARY)
    expect(page.locator(STATUS)).to_have_text("1 document")
    rows = page.locator(ROWS)
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".tag-new")).to_have_count(0)


def test_a_professional_deposits_a_document_the_patient_finds_new(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool, tmp_path: Path
) -> None:
    pdf = make_pdf(tmp_path / "resultats.pdf", "Hemoglobine : 14 g/dL")
    # Given a patient who has Dr Anne Martin in their care circle
    patient = make_patient(live_server, database_url)
    add_to_circle(live_server, database_url, patient.account_id, ANNE_EMAIL)
    deposit_a_pdf_for_the_patient(page, live_server, patient, pdf)
    see_the_patient_was_told_without_the_document(live_server, patient)
    find_it_new_in_the_library(page, live_server, patient)
    open_it_and_see_it_no_longer_new(page)
