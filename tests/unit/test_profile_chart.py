"""The measurements' chart: an SVG image built as text, named and described, its values
escaped, its lines told apart by more than colour, and scaled on round values."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
from markupsafe import Markup

from portal.profile.chart import HEIGHT, LEFT, WIDTH, Line, line_chart, nice_step
from tests.html import page

SVG = "{http://www.w3.org/2000/svg}"


def chart(*lines: Line, title: str = "Weight (kg)", description: str = "3 measurements") -> str:
    return str(line_chart("chart-weight", title, description, lines, day_label=lambda d: d.isoformat()))


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def weights(*values: str) -> Line:
    return Line("Weight", tuple((date(2026, 1, 1 + 7 * n), Decimal(v)) for n, v in enumerate(values)))


def test_an_image_named_and_described():
    svg = chart(weights("70", "69.5", "69"))
    assert isinstance(line_chart("x", "t", "d", [weights("1")], day_label=str), Markup)
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-weight-title"
    assert root.get("aria-describedby") == "chart-weight-desc"
    assert root.get("viewBox") == f"0 0 {WIDTH} {HEIGHT}"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.get("id") == "chart-weight-title" and title.text == "Weight (kg)"
    assert desc is not None and desc.get("id") == "chart-weight-desc" and desc.text == "3 measurements"
    # First and last days under the axis; no script, no inline style.
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "2026-01-01" in texts and "2026-01-15" in texts
    assert "<script" not in svg and "style=" not in svg


def test_points_follow_time_and_value():
    root = parse(chart(weights("70", "69.5", "69")))
    (polyline,) = root.iter(f"{SVG}polyline")
    points = [tuple(map(float, p.split(","))) for p in polyline.get("points", "").split()]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    assert xs == sorted(xs) and len(set(xs)) == 3
    assert ys == sorted(ys)  # the weight goes down, so the line goes down the picture (y grows)
    assert len(list(root.iter(f"{SVG}circle"))) == 3


def test_two_lines_differ_by_more_than_colour_and_have_a_legend():
    high = Line("Higher number", ((date(2026, 1, 1), Decimal(140)), (date(2026, 2, 1), Decimal(130))))
    low = Line("Lower number", ((date(2026, 1, 1), Decimal(90)), (date(2026, 2, 1), Decimal(80))))
    root = parse(chart(high, low, title="Blood pressure (mmHg)"))
    lines = list(root.iter(f"{SVG}polyline"))
    assert [line.get("class") for line in lines] == ["chart-line chart-line-1", "chart-line chart-line-2"]
    assert lines[0].get("stroke-dasharray") is None and lines[1].get("stroke-dasharray")
    assert len(list(root.iter(f"{SVG}rect"))) == 3  # two points and the legend's marker
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Higher number" in texts and "Lower number" in texts


def test_one_point_and_equal_values():
    root = parse(chart(Line("Weight", ((date(2026, 1, 1), Decimal("70")),))))
    (circle,) = root.iter(f"{SVG}circle")
    assert 0 < float(circle.get("cx", "0")) < WIDTH and 0 < float(circle.get("cy", "0")) < HEIGHT
    assert "<polyline" in chart(weights("70", "70"))


def test_text_is_escaped():
    svg = chart(
        Line('<b>"x"</b>', ((date(2026, 1, 1), Decimal(1)),)),
        title="<script>alert(1)</script>",
        description="a & b",
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg
    parse(svg)  # still well-formed


def test_the_value_axis_is_on_round_numbers():
    root = parse(chart(weights("66.8", "68.4")))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("x") == str(LEFT - 8)]
    assert labels == ["66.5", "67", "67.5", "68", "68.5"]


@pytest.mark.parametrize(
    ("span", "step"), [(1.6, 0.5), (10, 2), (100, 20), (7, 2), (0.3, 0.1), (0, 1.0), (240, 50)]
)
def test_nice_steps(span, step):
    assert nice_step(span) == pytest.approx(step)


def test_chart_sizes_stay_small():
    many = Line(
        "Weight",
        tuple(
            (date(2020, 1, 1).fromordinal(date(2020, 1, 1).toordinal() + n), Decimal(60 + n % 7))
            for n in range(365)
        ),
    )
    svg = chart(many)
    assert len(svg) < 60_000 and page(svg).all("polyline[points]")
