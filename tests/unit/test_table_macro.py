"""The table component (``content.table``): the frame of every data table (its box, caption
and column titles), with rows given as cells or written by the caller when their cells
carry attributes of their own."""

from __future__ import annotations

import pytest

from portal.app import template_environment
from portal.core.i18n import use_locale


@pytest.fixture
def render():
    env = template_environment()

    def render(source: str, **context) -> str:
        header = '{% import "components/content.html" as content %}'
        with use_locale("en"):
            return env.from_string(header + source).render(**context)

    return render


def test_rows_written_by_the_caller_go_in_the_table_s_body(render):
    html = render(
        '{% call content.table("By age band", ["Age band", "Spaces"], numeric=[1], id="band", classes="figures-table",'
        ' wrap_classes="figures-wide", region=true) %}'
        '<tr data-row="0-17"><th scope="row">0-17</th><td class="numeric" data-value="10">10</td></tr>'
        "{% endcall %}"
    )
    assert (
        '<div class="table-wrap figures-wide" role="region" aria-labelledby="band-caption" tabindex="0">'
        in html
    )
    assert '<table class="table figures-table" id="band">' in html
    assert '<caption class="table-caption" id="band-caption">By age band</caption>' in html
    assert '<th scope="col">Age band</th><th scope="col" class="numeric">Spaces</th>' in html
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    assert (
        '<tr data-row="0-17"><th scope="row">0-17</th><td class="numeric" data-value="10">10</td></tr>'
        in body
    )


def test_a_table_named_by_a_heading_keeps_its_caption_for_screen_readers(render):
    html = render(
        '{{ content.table("Allergies", ["Substance", "Morning", "Severity"], [["Peanut", "", "Severe"]],'
        ' head_classes={1: "summary-time"}, id="allergies-table", caption_hidden=true, region="allergies",'
        ' attrs={"data-row": "total"}) }}'
    )
    assert '<div class="table-wrap" role="region" aria-labelledby="allergies" tabindex="0">' in html
    assert '<table class="table" id="allergies-table" data-row="total">' in html
    assert '<caption class="visually-hidden">Allergies</caption>' in html
    assert '<th scope="col" class="summary-time">Morning</th>' in html
    assert '<th scope="row">Peanut</th>' in html


def test_a_table_may_go_without_its_box(render):
    html = render('{{ content.table("My documents", ["Document"], [["Letter"]], wrap=false) }}')
    assert "table-wrap" not in html
    assert html.strip().startswith('<table class="table">')
    assert '<caption class="table-caption">My documents</caption>' in html
