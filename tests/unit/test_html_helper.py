"""tests/html.py: reading pages in tests."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.html import page

FORM = """
<html lang="fr"><head><title>Erreur : Un rendez-vous</title></head><body><main>
<div class="error-summary" role="alert"><h2 class="error-summary-title">Il y a un problème</h2>
  <ul class="error-summary-list">
    <li><a href="#title">Saisissez un titre</a></li>
    <li><a href="#date-day">La date
      n'existe pas</a></li>
  </ul>
</div>
<h1 class="title-xl">Un
   rendez-vous</h1>
<form method="post" action="/space/agenda/new" id="edit">
  <input type="hidden" name="_csrf_token" value="tok">
  <div class="field field-error">
    <label class="label" for="title">Titre</label>
    <p class="error-message" id="title-error"><span class="visually-hidden">Erreur :</span> Saisissez un titre</p>
    <input class="input" id="title" name="title" type="text" value="">
  </div>
  <fieldset><p class="error-message" id="date-error"><span class="visually-hidden">Erreur :</span>
    La date n'existe pas</p>
    <input name="date-day" type="text" value="31"><input name="date-month" value="2">
  </fieldset>
  <textarea name="notes">
à jeun</textarea>
  <select name="reminder"><option value="">Aucun</option><option value="email" selected>Courriel</option></select>
  <select name="place"><option value="a">A</option><option value="b">B</option></select>
  <input type="checkbox" name="kinds" value="document" checked>
  <input type="checkbox" name="kinds" value="note">
  <input type="checkbox" name="kinds" value="result" checked>
  <input type="radio" name="when" value="now">
  <input type="radio" name="when" value="later" checked>
  <input type="checkbox" name="agree" checked>
  <input type="text" name="off" value="x" disabled>
  <input type="file" name="file">
  <button type="submit" name="go" value="1">Enregistrer</button>
</form>
<template><p>Saisissez un titre caché</p></template>
<!-- Commentaire -->
<nav><a href="/space">Mon espace</a> <a href="/space/agenda">Mon  agenda</a> <a href="/other">Mon espace</a></nav>
</main></body></html>
"""


def test_title_heading_and_text() -> None:
    shown = page(FORM)
    assert shown.title == "Erreur : Un rendez-vous"
    assert shown.heading == "Un rendez-vous"
    assert shown.text(".error-summary-title") == "Il y a un problème"
    assert shown.texts("nav a") == ["Mon espace", "Mon agenda", "Mon espace"]
    # Neither a template's nor a comment's words are on the page.
    assert "caché" not in shown.text() and "Commentaire" not in shown.text()
    assert "Mon agenda" in shown.text("main")


def test_no_break_spaces_are_kept() -> None:
    assert page("<title>Erreur\u00a0:\n  Aide</title>").title == "Erreur\u00a0: Aide"


def test_a_response_is_read_through_its_text() -> None:
    assert page(SimpleNamespace(text="<h1>Bonjour</h1>")).heading == "Bonjour"


def test_one_says_how_many_matched() -> None:
    shown = page(FORM)
    assert shown.one("h1").name == "h1"
    with pytest.raises(AssertionError, match=r"3 elements match 'nav a'"):
        shown.one("nav a")
    with pytest.raises(AssertionError, match=r"0 elements match 'table'"):
        shown.text("table")
    assert shown.has("form#edit") and not shown.has("table")


def test_field_errors_and_the_summary() -> None:
    shown = page(FORM)
    assert shown.field_error("title") == "Saisissez un titre"
    assert shown.field_error("date") == "La date n'existe pas"
    assert shown.field_error("notes") is None
    assert shown.error_summary() == {"title": "Saisissez un titre", "date-day": "La date n'existe pas"}
    assert page("<h1>Tout va bien</h1>").error_summary() == {}


def test_form_fields_as_a_browser_sends_them() -> None:
    shown = page(FORM)
    assert shown.form_fields("#edit") == [
        ("_csrf_token", "tok"),
        ("title", ""),
        ("date-day", "31"),
        ("date-month", "2"),
        ("notes", "à jeun"),
        ("reminder", "email"),
        ("place", "a"),
        ("kinds", "document"),
        ("kinds", "result"),
        ("when", "later"),
        ("agree", "on"),
    ]
    with pytest.raises(AssertionError, match="more than once"):
        shown.form_values("#edit")
    single = page('<form><input name="version" value="3"><textarea name="t">x</textarea></form>')
    assert single.form_values() == {"version": "3", "t": "x"}


def test_links() -> None:
    shown = page(FORM)
    assert shown.links("nav") == {"Mon espace": "/space", "Mon agenda": "/space/agenda"}
    assert shown.links()["Saisissez un titre"] == "#title"


def test_a_summary_list() -> None:
    shown = page(
        '<dl class="summary-list"><div class="summary-row"><dt class="summary-key">Quand</dt>'
        '<dd class="summary-value">Lundi\n 3 mars</dd><dd class="summary-action"><a href="#">Changer</a></dd>'
        '</div><div class="summary-row"><dt class="summary-key">Où</dt><dd class="summary-value">Guéret</dd></div></dl>'
    )
    assert shown.summary() == {"Quand": "Lundi 3 mars", "Où": "Guéret"}
