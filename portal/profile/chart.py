"""A small line chart drawn on the server as inline SVG: no JavaScript, no library.

The picture is an image for assistive technologies (``role="img"``, named by its
``<title>`` and described by its ``<desc>``); the page shows the same figures in a
table next to it. Lines and text take their colours from the stylesheet (classes
``chart-*``), so they follow the high-contrast theme; a second line is dashed and
marked with squares, so the two lines differ by more than their colour.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 320
LEFT = 72
RIGHT = 24
TOP = 24
LEGEND = 34
BOTTOM = 48
FONT = 18


@dataclass(frozen=True)
class Line:
    """One line of the chart: its name (for the legend) and its points, by day."""

    label: str
    points: tuple[tuple[date, Decimal], ...]


def nice_step(span: float, most: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving at most ``most`` intervals."""
    if span <= 0:
        return 1.0
    raw = span / most
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _ticks(low: float, high: float) -> list[float]:
    if low == high:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = nice_step(high - low)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    count = round((last - first) / step)
    return [round(first + step * number, 10) for number in range(count + 1)]


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class _Frame:
    """Where the plot lies in the picture, and the days and values it spans."""

    top: float
    low: float
    high: float
    first_day: date
    span_days: int

    @property
    def width(self) -> float:
        return WIDTH - LEFT - RIGHT

    @property
    def bottom(self) -> float:
        return HEIGHT - BOTTOM

    def x(self, day: date) -> float:
        if self.span_days == 0:
            return LEFT + self.width / 2
        return LEFT + self.width * (day - self.first_day).days / self.span_days

    def y(self, value: float) -> float:
        height = self.bottom - self.top
        return self.top + height * (1 - (value - self.low) / (self.high - self.low))


def _head(chart_id: str, title: str, description: str) -> list[str]:
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    return [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-labelledby="{escape(title_id)}" '
        f'aria-describedby="{escape(desc_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" '
        f'preserveAspectRatio="xMinYMin meet" focusable="false">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
    ]


def _value_axis(frame: _Frame, ticks: list[float], number_label: Callable[[float], str]) -> list[str]:
    """A light line at each round value, with its label; then both axes."""
    parts = []
    for tick in ticks:
        ty = frame.y(tick)
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" y1="{ty:.1f}" x2="{WIDTH - RIGHT}" y2="{ty:.1f}" '
            'stroke="currentColor" stroke-width="1" stroke-dasharray="2 4"/>'
        )
        parts.append(
            f'<text class="chart-text" x="{LEFT - 8}" y="{ty + FONT / 3:.1f}" text-anchor="end" '
            f'font-size="{FONT}" fill="currentColor">{escape(number_label(tick))}</text>'
        )
    top, bottom = frame.top, frame.bottom
    parts.append(
        f'<line class="chart-axis" x1="{LEFT}" y1="{top}" x2="{LEFT}" y2="{bottom}" '
        'stroke="currentColor" stroke-width="2"/>'
    )
    parts.append(
        f'<line class="chart-axis" x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" '
        'stroke="currentColor" stroke-width="2"/>'
    )
    return parts


def _day_labels(frame: _Frame, last_day: date, day_label: Callable[[date], str]) -> list[str]:
    """The days: the first and the last (one in the middle when there is room)."""
    labelled = [frame.first_day] if frame.span_days == 0 else [frame.first_day, last_day]
    parts = []
    for number, day in enumerate(labelled):
        anchor = "middle" if frame.span_days == 0 else ("start" if number == 0 else "end")
        parts.append(
            f'<text class="chart-text" x="{frame.x(day):.1f}" y="{frame.bottom + FONT + 10}" '
            f'text-anchor="{anchor}" '
            f'font-size="{FONT}" fill="currentColor">{escape(day_label(day))}</text>'
        )
    return parts


def _line(frame: _Frame, number: int, line: Line, legend: bool) -> list[str]:
    """One line with its markers (every other line dashed, with squares), and its legend."""
    kind = number % 2 + 1
    points = sorted(line.points)
    coordinates = " ".join(f"{frame.x(day):.1f},{frame.y(float(value)):.1f}" for day, value in points)
    dash = ' stroke-dasharray="10 6"' if kind == 2 else ""
    parts = [
        f'<polyline class="chart-line chart-line-{kind}" points="{coordinates}" fill="none" '
        f'stroke="currentColor" stroke-width="3"{dash}/>'
    ]
    parts += [_marker(kind, frame.x(day), frame.y(float(value))) for day, value in points]
    if legend:
        lx = LEFT + number * (frame.width / 2)
        ly = TOP + LEGEND / 2 - 4
        parts.append(
            f'<line class="chart-line chart-line-{kind}" x1="{lx:.1f}" y1="{ly:.1f}" x2="{lx + 36:.1f}" '
            f'y2="{ly:.1f}" stroke="currentColor" stroke-width="3"{dash}/>'
        )
        parts.append(_marker(kind, lx + 18, ly))
        parts.append(
            f'<text class="chart-text" x="{lx + 46:.1f}" y="{ly + FONT / 3:.1f}" font-size="{FONT}" '
            f'fill="currentColor">{escape(line.label)}</text>'
        )
    return parts


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    lines: Sequence[Line],
    *,
    day_label: Callable[[date], str],
    number_label: Callable[[float], str] = _number,
) -> Markup:
    """The chart as an ``<svg>`` element, safe to put in a page as it is.

    ``chart_id`` starts the ids of its title and description (unique on the page);
    ``day_label`` and ``number_label`` write the axes' days and values.
    """
    shown = [line for line in lines if line.points]
    values = [float(value) for line in shown for _, value in line.points]
    days = sorted({day for line in shown for day, _ in line.points})
    ticks = _ticks(min(values), max(values)) if values else [0.0, 1.0]
    first_day, last_day = (days[0], days[-1]) if days else (date.today(), date.today())
    top = TOP + (LEGEND if len(shown) > 1 else 0)
    frame = _Frame(top, ticks[0], ticks[-1], first_day, (last_day - first_day).days)
    parts = _head(chart_id, title, description)
    parts += _value_axis(frame, ticks, number_label)
    parts += _day_labels(frame, last_day, day_label)
    for number, line in enumerate(shown):
        parts += _line(frame, number, line, len(shown) > 1)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value in it is escaped above


def _marker(kind: int, cx: float, cy: float) -> str:
    if kind == 1:
        return (
            f'<circle class="chart-point chart-point-1" cx="{cx:.1f}" cy="{cy:.1f}" r="5" '
            'fill="currentColor"/>'
        )
    return (
        f'<rect class="chart-point chart-point-2" x="{cx - 5:.1f}" y="{cy - 5:.1f}" width="10" height="10" '
        'fill="currentColor"/>'
    )
