"""The SVG chart module: scales, round ticks, bar and line geometry, labels, escaping and
the accessibility hooks (role, title, desc)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from portal.analytics.charts import (
    LABEL_CHARS,
    WIDTH,
    Bar,
    Series,
    bar_chart,
    line_chart,
    linear_scale,
    nice_domain,
    nice_step,
    ticks,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def test_a_linear_scale_maps_ends_and_middle() -> None:
    x = linear_scale((0, 100), (200, 570))
    assert (x(0), x(50), x(100)) == (200, 385, 570)
    y = linear_scale((-100, 100), (216, 44))  # SVG y grows downwards
    assert (y(-100), y(0), y(100)) == (216, 130, 44)
    with pytest.raises(ValueError):
        linear_scale((5, 5), (0, 1))


@pytest.mark.parametrize(
    ("span", "count", "step"),
    [(100, 4, 25), (100, 5, 20), (7, 4, 2), (0.9, 4, 0.25), (3000, 4, 1000), (200, 4, 50)],
)
def test_steps_are_round_numbers(span: float, count: int, step: float) -> None:
    assert nice_step(span, count) == pytest.approx(step)


def test_domains_start_at_zero_and_end_on_a_tick() -> None:
    assert nice_domain(0, 66.7, 4) == (0, 80, 20)
    assert nice_domain(-35, 60, 4) == (-50, 75, 25)
    assert nice_domain(3.2, 3.2, 4) == (0, 4, 1)
    assert nice_domain(0, 0, 4) == (0, 1, 0.25)
    assert ticks(-50, 75, 25) == [-50, -25, 0, 25, 50, 75]


def test_a_bar_chart_is_an_accessible_image() -> None:
    svg = parse(bar_chart("c1", "On time", "Rate per carrier", [Bar("ups", 50, "50 %")]))
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == "On time"
    assert svg.get("aria-describedby") == "c1-desc"
    assert svg.find(f"{SVG}title").text == "On time"  # type: ignore[union-attr]
    assert svg.find(f"{SVG}desc").text == "Rate per carrier"  # type: ignore[union-attr]
    assert "style" not in str(bar_chart("c1", "t", "d", [Bar("ups", 50, "50 %")]))


def test_bar_lengths_follow_the_values_on_a_fixed_domain() -> None:
    bars = [Bar("ups", 50, "50 %"), Bar("dhl", 100, "100 %"), Bar("fedex", 0, "0 %")]
    svg = parse(bar_chart("c", "t", "d", bars, domain=(0, 100)))
    widths = [float(r.get("width", "")) for r in svg.iter(f"{SVG}rect")]
    plot = WIDTH - 200 - 70
    assert widths == [pytest.approx(plot / 2, abs=0.1), pytest.approx(plot, abs=0.1), 0]
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert [t for t in texts if t in {"ups", "50 %", "dhl", "100 %", "fedex", "0 %"}] == [
        "ups",
        "50 %",
        "dhl",
        "100 %",
        "fedex",
        "0 %",
    ]
    assert {"0", "25", "50", "75", "100"} <= set(texts)  # axis ticks


def test_negative_bars_grow_left_of_zero() -> None:
    svg = parse(bar_chart("c", "t", "d", [Bar("nps", -50, "-50"), Bar("b", 50, "50")],
                          domain=(-100, 100)))  # fmt: skip
    zero = 200 + (WIDTH - 270) / 2
    first, second = list(svg.iter(f"{SVG}rect"))
    assert float(first.get("x", "")) + float(first.get("width", "")) == pytest.approx(zero, 0.01)
    assert float(second.get("x", "")) == pytest.approx(zero, abs=0.1)


def test_a_bar_without_a_value_draws_no_bar_but_keeps_its_label() -> None:
    svg = parse(bar_chart("c", "t", "d", [Bar("dhl", None, "—")]))
    assert list(svg.iter(f"{SVG}rect")) == []
    assert "dhl" in [t.text for t in svg.iter(f"{SVG}text")]


def test_long_labels_are_shortened_but_kept_whole_in_the_tooltip() -> None:
    label = "A very long product name that goes on and on"
    svg = parse(bar_chart("c", "t", "d", [Bar(label, 3, "3")]))
    shown = [t.text or "" for t in svg.iter(f"{SVG}text") if (t.text or "").startswith("A very")]
    assert shown == [label[: LABEL_CHARS - 1] + "…"]
    assert svg.find(f"{SVG}g/{SVG}title").text == f"{label}: 3"  # type: ignore[union-attr]


def test_text_is_escaped() -> None:
    evil = '<script>alert("x")</script> & "quotes"'
    markup = str(bar_chart("c", evil, evil, [Bar(evil, 1, evil)]))
    assert "<script>" not in markup
    svg = parse(markup)  # still well-formed XML
    assert svg.get("aria-label") == evil
    markup = str(line_chart("l", evil, evil, [evil], [Series(evil, [1])], domain=(0, 100)))
    assert "<script>" not in markup
    parse(markup)


def test_a_line_chart_spaces_points_evenly_and_scales_values() -> None:
    svg = parse(line_chart("l", "t", "d", ["w1", "w2", "w3"], [Series("CSAT", [0, 50, 100])],
                           domain=(0, 100)))  # fmt: skip
    points = [(float(c.get("cx", "")), float(c.get("cy", ""))) for c in svg.iter(f"{SVG}circle")]
    left, right, top, bottom = 44, WIDTH - 16, 44, 260 - 40
    assert points == [
        (left, bottom),
        (pytest.approx((left + right) / 2, abs=0.1), pytest.approx((top + bottom) / 2, abs=0.1)),
        (right, top),
    ]
    assert [t.text for t in svg.iter(f"{SVG}text")].count("w2") == 1


def test_gaps_lift_the_pen() -> None:
    svg = parse(line_chart("l", "t", "d", ["a", "b", "c", "d"],
                           [Series("NPS", [10, None, 20, 30])], domain=(-100, 100)))  # fmt: skip
    path = next(svg.iter(f"{SVG}path")).get("d", "")
    assert re.fullmatch(r"M[\d.]+ [\d.]+ M[\d.]+ [\d.]+ L[\d.]+ [\d.]+", path)
    assert len(list(svg.iter(f"{SVG}circle"))) == 3


def test_series_differ_by_colour_and_dash_and_are_named_in_a_legend() -> None:
    series = [Series("CSAT", [1, 2]), Series("NPS", [3, 4]), Series("CES", [5, 6])]
    svg = parse(line_chart("l", "t", "d", ["a", "b"], series, domain=(0, 100)))
    paths = list(svg.iter(f"{SVG}path"))
    assert len({p.get("stroke") for p in paths}) == 3
    assert len({p.get("stroke-dasharray") for p in paths}) == 3
    assert {"CSAT", "NPS", "CES"} <= {t.text for t in svg.iter(f"{SVG}text")}


def test_every_series_needs_one_value_per_label() -> None:
    with pytest.raises(ValueError):
        line_chart("l", "t", "d", ["a", "b"], [Series("CSAT", [1])], domain=(0, 100))


def test_a_single_period_is_drawn_in_the_middle() -> None:
    svg = parse(line_chart("l", "t", "d", ["only"], [Series("CSAT", [40])], domain=(0, 100)))
    (circle,) = svg.iter(f"{SVG}circle")
    assert float(circle.get("cx", "")) == pytest.approx(44 + (WIDTH - 60) / 2, abs=0.1)


def test_a_sparkline_draws_the_trend_with_gaps_and_names_itself() -> None:
    from portal.analytics.charts import sparkline

    svg = str(sparkline([1.0, None, 3.0, 2.0], 'Parcels <"shipped">', width=100, height=20))
    assert 'role="img"' in svg and 'aria-label="Parcels &lt;&#34;shipped&#34;&gt;"' in svg
    path = svg.split(' d="')[1].split('"')[0]
    # The gap lifts the pen: two separate runs, the highest value at the top.
    assert path.startswith("M3 17 ") and path.count("M") == 2 and "M65.7 3" in path
    assert "<circle" in svg  # the last point is marked
    flat = str(sparkline([2.0, 2.0], "Flat"))
    assert "<path" in flat
    assert "<path" not in str(sparkline([None, None], "Empty"))
    assert "<path" not in str(sparkline([5.0], "One week"))
