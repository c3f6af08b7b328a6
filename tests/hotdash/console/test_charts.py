"""The charts are valid SVG, accessible (title, desc), for empty, sparse and full data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from hotdash.console import charts

NS = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.find(f"{NS}title").text and root.find(f"{NS}desc").text is not None
    labelled = root.get("aria-labelledby").split()
    assert labelled == [f"{root.get('id')}-title", f"{root.get('id')}-desc"]
    return root


def line(values) -> str:
    return charts.line_chart(
        [charts.Series("p95", values), charts.Series("p50", values, "#8250df", "5 3")],
        [f"{h:02d}:00" for h in range(len(values))],
        chart_id="c",
        title="Latency",
        desc="p95 & p50 <ms>",
        unit=" ms",
    )


@pytest.mark.parametrize(
    "values",
    [[], [None] * 24, [120.0] * 24, [None, 5.0, None, 7.0], [float(i) for i in range(720)]],
    ids=["empty", "all-missing", "flat", "sparse", "month"],
)
def test_line_chart__is_valid_svg(values):
    parsed(line(values))


def test_line_chart__without_data_says_so():
    root = parsed(line([None] * 24))
    assert "No data for this window" in "".join(root.itertext())


def test_line_chart__gaps_split_the_line_and_lone_points_are_dots():
    root = parsed(line([10.0, 20.0, None, 30.0, 40.0, None, 50.0]))
    assert len(root.findall(f"{NS}polyline")) == 4  # two runs × two series
    assert len(root.findall(f"{NS}circle")) == 2  # the lone 50.0, once per series


def test_titles_and_descriptions_are_escaped():
    root = parsed(line([1.0, 2.0]))
    assert root.find(f"{NS}desc").text == "p95 & p50 <ms>"


def test_y_axis_runs_to_a_round_tick():
    # 242 / 4 = 60.5 → step 100 → 0, 100, 200, 300 (see test_chart_ticks.py for more).
    assert charts.y_ticks(242)[-1] == 300


@pytest.mark.parametrize("values", [[], [None, None], [0.0, 0.0], [0.0, 12.5, None, 100.0]])
def test_bar_chart__is_valid_svg(values):
    labels = [str(i) for i in range(len(values))]
    root = parsed(charts.bar_chart(values, labels, chart_id="e", title="Errors", desc="d"))
    present = [v for v in values if v is not None]
    assert len(root.findall(f"{NS}rect")) == (len(present) or 1)  # no data: one frame


@pytest.mark.parametrize("values", [[], [None] * 24, [3.0] * 24, [None, 1.0, 2.0]])
def test_sparkline__is_valid_svg(values):
    root = parsed(charts.sparkline(values, chart_id="s", title="t", desc="d"))
    assert root.get("preserveAspectRatio") == "none"
