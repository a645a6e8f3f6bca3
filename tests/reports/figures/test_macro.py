"""The chart macro (macros/charts.html) that renders a ChartSpec."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask, render_template_string

from app.reports.figures import (
    ChartSpec,
)
from tests.conftest import ROOT
from tests.reports.figures.samples import (
    EVIL,
    bars,
    heatmap,
)


@pytest.fixture(scope="module")
def macro_app() -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "app" / "templates"),
        static_folder=str(ROOT / "app" / "static"),
    )
    # The macro's words go through the catalogs: English here, as without flask-babel.
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_null_translations(newstyle=True)
    return app


def render_chart(app: Flask, spec: ChartSpec, chart_id: str = "c1") -> str:
    with app.test_request_context("/"):
        return render_template_string(
            '{% from "macros/charts.html" import chart %}{{ chart(spec, id) }}',
            spec=spec,
            id=chart_id,
        )


def test_macro_renders_caption_plot_data_and_table(macro_app: Flask) -> None:
    spec = bars(EVIL)
    html = render_chart(macro_app, spec)
    assert re.search(r'<figure class="chart" id="c1-figure"', html)
    assert "<figcaption>" in html and f"{spec.title}</strong>" in html
    assert (
        '<div class="chart-plot" id="c1" data-chart-plot role="group" aria-labelledby="c1-title"'
        " hidden></div>"
    ) in html
    block = re.search(
        r'<script type="application/json" id="c1-data" data-chart-for="c1">(.*?)</script>',
        html,
        re.S,
    )
    assert block, html
    assert json.loads(block.group(1)) == json.loads(json.dumps(spec.payload()))
    assert '<details class="chart-table" id="c1-table" open>' in html
    assert html.count('<th scope="col">') == len(spec.table.columns)
    assert html.count('<th scope="row">') == len(spec.table.rows)


def test_macro_cannot_be_broken_out_of_by_the_data(macro_app: Flask) -> None:
    html = render_chart(macro_app, bars(EVIL))
    # one closing tag: the JSON block's own; the label is escaped in the data and the table
    assert html.count("</script>") == 1
    assert "<script>alert" not in html
    assert "<b>x</b>" not in html
    assert '<th scope="row">&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;</th>' in html
    assert "<script" not in html.replace('<script type="application/json"', "")
    assert not re.search(r"\son\w+\s*=", html)  # no inline event handlers


def test_only_a_wide_chart_scrolls_sideways_at_a_minimum_width(macro_app: Flask) -> None:
    assert 'class="chart-scroll"' not in render_chart(macro_app, bars())
    html = render_chart(macro_app, heatmap())
    assert heatmap().wide
    assert re.search(r'<div class="chart-scroll">\s*<div class="chart-plot" id="c1"', html)
    css = (ROOT / "app" / "static" / "css" / "app.css").read_text()
    assert ".chart-scroll { overflow-x: auto; }" in css
    assert re.search(r"\.chart-scroll \.chart-plot \{ min-width: \d+rem; \}", css)
