"""The Jinja components every feature builds its pages from."""

from __future__ import annotations

import pytest

from portal.app import template_environment
from portal.core.i18n import use_locale
from portal.core.web import Display
from tests.pagecheck import check_page


@pytest.fixture
def render():
    env = template_environment()
    env.globals["csrf_token"] = lambda: "token-123"

    def render(source: str, **context) -> str:
        header = '{% import "components/forms.html" as forms with context %}{% import "components/content.html" as content %}'
        with use_locale("en"):
            return env.from_string(header + source).render(**context)

    return render


def test_a_button_is_a_real_submit_button(render):
    html = render('{{ forms.button("Save", name="action", value="save") }}')
    assert (
        html == '<button type="submit" class="button button-primary" name="action" value="save">Save</button>'
    )


def test_a_text_input_has_its_label_hint_and_error_tied_to_it(render):
    html = render(
        '{{ forms.text_input("email", "Email", value="a@b", hint="We never share it", error="Enter an email") }}'
    )
    assert '<label class="label" for="email">Email</label>' in html
    assert 'id="email-hint"' in html and 'id="email-error"' in html
    assert 'aria-describedby="email-hint email-error"' in html
    assert 'aria-invalid="true"' in html and 'value="a@b"' in html
    assert '<span class="visually-hidden">Error:</span> Enter an email' in html


def test_a_text_input_without_error_is_quiet(render):
    html = render('{{ forms.text_input("name", "Name") }}')
    assert "aria-invalid" not in html and "aria-describedby" not in html


def test_the_error_summary_takes_focus_and_links_to_each_field(render):
    html = render(
        "{{ forms.error_summary(errors) }}", errors={"email": "Enter an email", "dob-day": "Enter a date"}
    )
    assert 'role="alert"' in html and 'tabindex="-1"' in html and "autofocus" in html
    assert '<a href="#email">Enter an email</a>' in html and '<a href="#dob-day">Enter a date</a>' in html
    assert render("{{ forms.error_summary({}) }}").strip() == ""


def test_radios_are_a_fieldset_with_a_legend_and_the_choice_checked(render):
    html = render(
        '{{ forms.radios("size", "Text size", [("s", "Small"), ("l", "Large", "Easier to read")], selected="l", error="Choose one") }}'
    )
    assert "<legend" in html and "Text size</legend>" in html
    assert 'id="size" name="size" type="radio" value="s">' in html
    assert (
        'id="size-2" name="size" type="radio" value="l" checked aria-describedby="size-2-item-hint"' in html
    )
    assert 'id="size-error"' in html


def test_checkboxes_check_every_chosen_value(render):
    html = render(
        '{{ forms.checkboxes("areas", "Areas", [("a", "A"), ("b", "B"), ("c", "C")], selected=["a", "c"]) }}'
    )
    assert html.count(" checked") == 2
    assert 'type="checkbox" value="b">' in html


def test_a_date_has_three_labelled_boxes(render):
    html = render(
        '{{ forms.date_input("dob", "Date of birth", value={"day": "3", "month": "4", "year": "1942"}, autocomplete_prefix="bday") }}'
    )
    for part, value in [("day", "3"), ("month", "4"), ("year", "1942")]:
        assert f'<label class="label" for="dob-{part}">' in html
        assert f'id="dob-{part}" name="dob-{part}"' in html and f'value="{value}"' in html
        assert f'autocomplete="bday-{part}"' in html
    assert 'inputmode="numeric"' in html and 'role="group"' in html


def test_a_select_marks_the_chosen_option(render):
    html = render(
        '{{ forms.select("d", "Department", [("19", "Corrèze"), ("23", "Creuse")], selected="23") }}'
    )
    assert '<option value="23" selected>Creuse</option>' in html


def test_a_notification_banner_has_a_title_and_content(render):
    html = render(
        '{% call content.notification_banner("Saved", kind="success") %}Your settings are saved.{% endcall %}'
    )
    assert 'role="alert"' in html and "Saved</h2>" in html and "Your settings are saved." in html


def test_a_summary_list_offers_a_change_link_that_says_what_changes(render):
    html = render('{{ content.summary_list([{"key": "Name", "value": "Jeanne", "href": "/name"}]) }}')
    assert "<dt" in html and "Jeanne</dd>" in html
    assert '<a href="/name">Change<span class="visually-hidden"> Name</span></a>' in html


def test_a_table_has_a_caption_and_header_scopes(render):
    html = render('{{ content.table("Weight", ["Date", "kg"], [["1 March", "70"]], numeric=[1]) }}')
    assert "Weight</caption>" in html and '<th scope="col">Date</th>' in html
    assert '<th scope="row">1 March</th>' in html and '<td class="numeric">70</td>' in html


def test_pagination_marks_the_current_page_and_links_its_neighbours(render):
    html = render('{{ content.pagination(2, 3, "/list?page={page}", hx_target="#rows") }}')
    assert 'aria-current="page" href="/list?page=2"' in html
    assert 'rel="prev" href="/list?page=1"' in html and 'rel="next" href="/list?page=3"' in html
    assert 'hx-get="/list?page=3" hx-target="#rows"' in html
    assert render('{{ content.pagination(1, 1, "/x?page={page}") }}').strip() == ""


def test_a_back_link_goes_where_it_says(render):
    assert render('{{ content.back_link("/help") }}') == '<a class="back-link" href="/help">Back</a>'


class _Request:
    scope: dict = {}


def _layout(render, user):
    source = '{% extends "layouts/base.html" %}{% block title %}Test{% endblock %}{% block content %}<h1>Test</h1>{% endblock %}'
    return render(
        source, display=Display(locale="en"), locale="en", here="/", user=user, errors={}, request=_Request()
    )


def test_a_signed_in_page_offers_sign_out(render):
    html = _layout(
        render, user={"name": "Jeanne", "home": "/space", "home_page": {"page": "space", "label": "My space"}}
    )
    assert '<form class="sign-out" method="post" action="/sign-out">' in html
    assert 'name="_csrf_token" value="token-123"' in html
    check_page(html)
    assert '<a class="nav-link" href="/space">My space</a>' in html


def test_a_public_page_has_no_sign_out(render):
    html = _layout(render, user=None)
    assert "sign-out" not in html
    assert '<a class="skip-link" href="#main">' in html and '<main class="main" id="main"' in html
