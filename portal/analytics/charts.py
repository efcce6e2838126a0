"""Inline SVG charts drawn on the server: a line chart over time and a horizontal bar chart.

No script and no style attributes (the Content-Security-Policy forbids inline styles;
SVG presentation attributes are fine). Each chart is ``role="img"`` with a ``<title>`` and
a ``<desc>``; the page puts the same numbers in a table next to it, which is what screen
reader users read. Series differ by colour *and* by dash pattern, so the chart
survives colour blindness and greyscale printing. All text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Colours with at least 4.5:1 contrast on white, and a dash pattern for each.
PALETTE = ("#1f5fbf", "#b35900", "#1a7f37", "#8250df", "#cf222e", "#57606a")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2")
FONT = 'font-family="system-ui, sans-serif"'
WIDTH = 640
LABEL_CHARS = 26


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float | None
    #: The value as the page shows it (already formatted for the reader's language).
    text: str


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    #: One value per x label; None leaves a gap.
    values: Sequence[float | None]


def linear_scale(
    domain: tuple[float, float], span: tuple[float, float]
) -> Callable[[float], float]:
    """Map ``domain`` linearly onto ``span`` (either may run backwards)."""
    (d0, d1), (r0, r1) = domain, span
    if d0 == d1:
        raise ValueError("a scale needs a domain of non-zero width")
    factor = (r1 - r0) / (d1 - d0)
    return lambda value: r0 + (value - d0) * factor


def nice_step(span: float, count: int) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about ``count`` ticks."""
    if span <= 0 or count < 1:
        raise ValueError("span and count must be positive")
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def nice_domain(low: float, high: float, count: int = 5) -> tuple[float, float, float]:
    """Widen ``[low, high]`` (which always includes 0) to round ends; returns the ends and
    the tick step."""
    low, high = min(low, 0.0), max(high, 0.0)
    if low == high:
        high = 1.0
    step = nice_step(high - low, count)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def ticks(low: float, high: float, step: float) -> list[float]:
    count = round((high - low) / step)
    return [round(low + i * step, 10) for i in range(count + 1)]


def _number(value: float) -> str:
    """A coordinate with at most one decimal."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _tick_text(value: float) -> str:
    return f"{value:g}"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _frame(chart_id: str, title: str, description: str, height: float, body: list[str]) -> Markup:
    t, d = escape(title), escape(description)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {_number(height)}" aria-label="{t}" '
        f'aria-describedby="{escape(chart_id)}-desc">'
        f'<title id="{escape(chart_id)}-title">{t}</title>'
        f'<desc id="{escape(chart_id)}-desc">{d}</desc>' + "".join(body) + "</svg>"
    )


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    *,
    domain: tuple[float, float] | None = None,
) -> Markup:
    """Horizontal bars, one per row, labelled on the left with their value at the end.

    ``domain`` fixes the axis (e.g. 0–100 for rates, −100–100 for NPS); otherwise it runs
    from 0 (or the lowest negative value) to a round number above the highest value.
    """
    row, top, left, right = 28.0, 24.0, 200.0, 70.0
    height = top + row * max(len(bars), 1) + 8
    values = [b.value for b in bars if b.value is not None]
    if domain is None:
        low, high, step = nice_domain(min(values, default=0.0), max(values, default=0.0), 4)
    else:
        low, high = domain
        step = nice_step(high - low, 4)
    x = linear_scale((low, high), (left, WIDTH - right))
    zero = x(max(low, min(0.0, high)))
    body = []
    for tick in ticks(low, high, step):
        tx = _number(x(tick))
        body.append(
            f'<line x1="{tx}" x2="{tx}" y1="{_number(top - 4)}" y2="{_number(height - 8)}" '
            'stroke="#d0d7de" stroke-width="1"/>'
            f'<text x="{tx}" y="{_number(top - 8)}" text-anchor="middle" font-size="11" '
            f'fill="#57606a" {FONT}>{escape(_tick_text(tick))}</text>'
        )
    for i, bar in enumerate(bars):
        y = top + i * row
        label = escape(bar.label)
        body.append(f"<g><title>{label}: {escape(bar.text)}</title>")
        body.append(
            f'<text x="{_number(left - 8)}" y="{_number(y + row / 2 + 4)}" text-anchor="end" '
            f'font-size="12" fill="#1b1f24" {FONT}>{escape(_short(bar.label))}</text>'
        )
        end = zero
        if bar.value is not None:
            end = x(min(max(bar.value, low), high))
            x0, width = min(zero, end), abs(end - zero)
            body.append(
                f'<rect x="{_number(x0)}" y="{_number(y + 5)}" width="{_number(width)}" '
                f'height="{_number(row - 10)}" fill="{PALETTE[0]}"/>'
            )
        body.append(
            f'<text x="{_number(max(end, zero) + 6)}" y="{_number(y + row / 2 + 4)}" '
            f'font-size="12" fill="#1b1f24" {FONT}>{escape(bar.text)}</text></g>'
        )
    body.append(
        f'<line x1="{_number(zero)}" x2="{_number(zero)}" y1="{_number(top - 4)}" '
        f'y2="{_number(height - 8)}" stroke="#1b1f24" stroke-width="1"/>'
    )
    return _frame(chart_id, title, description, height, body)


def _path(points: list[tuple[float, float] | None]) -> str:
    """An SVG path through the points, lifting the pen over gaps (None)."""
    parts, pen_down = [], False
    for point in points:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{_number(point[0])} {_number(point[1])}")
        pen_down = True
    return " ".join(parts)


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    domain: tuple[float, float],
) -> Markup:
    """Lines over evenly spaced x labels (time buckets), with a legend above the plot.

    A bucket without data is a gap in its line; a lone point still shows as a marker.
    """
    if any(len(s.values) != len(labels) for s in series):
        raise ValueError("every series needs one value per label")
    legend, top, bottom, left, right = 22.0, 44.0, 40.0, 44.0, 16.0
    height = 260.0
    low, high = domain
    y = linear_scale((low, high), (height - bottom, top))
    inner = WIDTH - left - right
    x = (
        (lambda i: left + inner / 2)
        if len(labels) <= 1
        else (lambda i: left + i * inner / (len(labels) - 1))
    )
    body = []
    for tick in ticks(low, high, nice_step(high - low, 4)):
        ty = _number(y(tick))
        body.append(
            f'<line x1="{_number(left)}" x2="{_number(WIDTH - right)}" y1="{ty}" y2="{ty}" '
            f'stroke="{"#1b1f24" if tick == 0 else "#d0d7de"}" stroke-width="1"/>'
            f'<text x="{_number(left - 6)}" y="{_number(y(tick) + 4)}" text-anchor="end" '
            f'font-size="11" fill="#57606a" {FONT}>{escape(_tick_text(tick))}</text>'
        )
    every = max(1, math.ceil(len(labels) / 8))
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            # The first and last labels sit at the plot's edges: keep them inside the frame.
            anchor = "middle"
            if len(labels) > 1:
                anchor = "start" if i == 0 else "end" if i == len(labels) - 1 else "middle"
            body.append(
                f'<text x="{_number(x(i))}" y="{_number(height - bottom + 18)}" '
                f'text-anchor="{anchor}" font-size="11" fill="#57606a" {FONT}>'
                f"{escape(label)}</text>"
            )
    for n, s in enumerate(series):
        colour, dash = PALETTE[n % len(PALETTE)], DASHES[n % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        lx = left + n * 150
        body.append(
            f'<line x1="{_number(lx)}" x2="{_number(lx + 28)}" y1="{_number(legend - 4)}" '
            f'y2="{_number(legend - 4)}" stroke="{colour}" stroke-width="3"{dash_attr}/>'
            f'<text x="{_number(lx + 34)}" y="{_number(legend)}" font-size="12" '
            f'fill="#1b1f24" {FONT}>{escape(s.name)}</text>'
        )
        points = [
            None if v is None else (x(i), y(min(max(v, low), high))) for i, v in enumerate(s.values)
        ]
        path = _path(points)
        if path:
            body.append(
                f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
            )
        for point in points:
            if point is not None:
                body.append(
                    f'<circle cx="{_number(point[0])}" cy="{_number(point[1])}" r="3.5" '
                    f'fill="{colour}"/>'
                )
    return _frame(chart_id, title, description, height, body)


def sparkline(
    values: Sequence[float | None], title: str, width: int = 96, height: int = 28
) -> Markup:
    """A tiny line over ``values`` (oldest first), the last point marked: a trend beside a
    figure, not a chart to read values from (the figure and its comparison are the text).

    ``role="img"`` with ``title`` as its accessible name; gaps (None) break the line; a
    flat or single-valued series is drawn as a level line in the middle.
    """
    known = [v for v in values if v is not None]
    pad = 3.0
    if not known or len(values) < 2:
        return Markup(
            f'<svg class="sparkline" width="{width}" height="{height}" viewBox="0 0 {width} '
            f'{height}" role="img" aria-label="{escape(title)}"></svg>'
        )
    low, high = min(known), max(known)
    step = (width - 2 * pad) / (len(values) - 1)

    def y(v: float) -> float:
        if high == low:
            return height / 2
        return pad + (height - 2 * pad) * (1 - (v - low) / (high - low))

    points = [None if v is None else (pad + i * step, y(v)) for i, v in enumerate(values)]
    body = [
        f'<path d="{_path(points)}" fill="none" stroke="{PALETTE[0]}" stroke-width="1.5" '
        'stroke-linejoin="round" stroke-linecap="round"/>'
    ]
    last = points[-1]
    if last is not None:
        body.append(
            f'<circle cx="{_number(last[0])}" cy="{_number(last[1])}" r="2.5" fill="{PALETTE[0]}"/>'
        )
    return Markup(
        f'<svg class="sparkline" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}">{"".join(body)}</svg>'
    )
