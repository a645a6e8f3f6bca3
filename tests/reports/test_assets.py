"""plotly.js's cartesian bundle and its stylesheet served from our own origin
(app/reports/assets.py), and the bundle itself: its budget, version and trace types.

The tests run against the real app when create_app registers the blueprint, and against a
minimal app of their own until then.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from importlib import resources

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient

from app.reports import assets
from tests.conftest import ROOT

VENDORED = ROOT / "app" / "static" / "vendor" / "plotly"
PLOTLY_JS = (VENDORED / "plotly-cartesian.min.js").read_bytes()
PLOTLY_VERSION = "4.1.1"  # the version app/static/vendor/plotly/README.md names
VERSION = f"{PLOTLY_VERSION}-{hashlib.sha256(PLOTLY_JS).hexdigest()[:12]}"
JS_URL = f"/assets/plotly-{VERSION}.min.js"
CSS_URL = f"/assets/plotly-{VERSION}.css"
# The full plotly.js of the plotly Python package, which the tests validate figures with.
FULL_PLOTLY_JS = (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()
GZIP_BUDGET = 500_000  # bytes: issue 13 (the full bundle was 1.47 MB gzipped)
TRACE_TYPES = {"scatter", "bar", "heatmap"}  # app/reports/figures; tests/e2e draws each page


@pytest.fixture(scope="module")
def assets_app(app: Flask) -> Flask:
    """The real app once it registers the blueprint; until then a minimal app of our own."""
    if "assets" in app.blueprints:
        return app
    own = Flask(
        __name__,
        template_folder=str(ROOT / "app" / "templates"),
        static_folder=str(ROOT / "app" / "static"),
    )
    own.register_blueprint(assets.bp)
    return own


@pytest.fixture
def client(assets_app: Flask) -> FlaskClient:
    return assets_app.test_client()


def test_plotly_js_is_served_gzipped_when_accepted(client: FlaskClient) -> None:
    response = client.get(JS_URL, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.mimetype == "text/javascript"
    assert "accept-encoding" in response.vary  # (the real app adds "Cookie": Flask-Login)
    assert len(response.data) < len(PLOTLY_JS) / 2
    assert gzip.decompress(response.data) == PLOTLY_JS
    assert int(response.headers["Content-Length"]) == len(response.data)


@pytest.mark.parametrize("accept", [None, "identity", "gzip;q=0, br"])
def test_plotly_js_is_served_plain_otherwise(client: FlaskClient, accept: str | None) -> None:
    headers = {"Accept-Encoding": accept} if accept is not None else {}
    response = client.get(JS_URL, headers=headers)
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert response.data == PLOTLY_JS
    assert "accept-encoding" in response.vary  # (the real app adds "Cookie": Flask-Login)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_plotly_js_is_cached_for_a_year_as_immutable(client: FlaskClient) -> None:
    response = client.get(JS_URL)
    cache = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert cache == {"public", "max-age=31536000", "immutable"}


def test_each_representation_has_its_own_strong_etag(client: FlaskClient) -> None:
    plain = client.get(JS_URL).headers["ETag"]
    zipped = client.get(JS_URL, headers={"Accept-Encoding": "gzip"}).headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', plain)
    assert zipped == plain[:-1] + '-gzip"'
    assert client.get(JS_URL).headers["ETag"] == plain  # stable


@pytest.mark.parametrize("gzip_client", [False, True])
def test_a_current_etag_gets_304_without_a_body(client: FlaskClient, gzip_client: bool) -> None:
    accept = {"Accept-Encoding": "gzip"} if gzip_client else {}
    etag = client.get(JS_URL, headers=accept).headers["ETag"]
    for tag in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = client.get(JS_URL, headers={**accept, "If-None-Match": tag})
        assert response.status_code == 304, tag
        assert response.data == b""
        assert response.headers["ETag"] == etag
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert "accept-encoding" in response.vary  # (the real app adds "Cookie": Flask-Login)
    # the other representation's tag validates too: both encode the same file
    other = client.get(JS_URL, headers={} if gzip_client else {"Accept-Encoding": "gzip"})
    response = client.get(JS_URL, headers={**accept, "If-None-Match": other.headers["ETag"]})
    assert response.status_code == 304


def test_a_stale_etag_gets_the_file(client: FlaskClient) -> None:
    response = client.get(JS_URL, headers={"If-None-Match": '"0123456789abcdef"'})
    assert response.status_code == 200
    assert response.data == PLOTLY_JS


def test_head_sends_headers_only(client: FlaskClient) -> None:
    response = client.head(JS_URL, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Encoding"] == "gzip"
    assert int(response.headers["Content-Length"]) < len(PLOTLY_JS)


@pytest.mark.parametrize("url", ["/assets/plotly-0.0.1.min.js", "/assets/plotly-0.0.1.css"])
def test_another_version_redirects_to_the_current_file(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"] == (JS_URL if url.endswith(".js") else CSS_URL)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_url_carries_the_bundle_version_and_digest(assets_app: Flask) -> None:
    assert assets.plotly_version() == VERSION
    with assets_app.test_request_context("/"):
        assert assets.plotly_js_url() == JS_URL
        assert assets.plotly_css_url() == CSS_URL


# --------------------------------------------------------------------------------------------
# The vendored bundle


def test_the_bundle_fits_its_budget_gzipped() -> None:
    size = len(gzip.compress(PLOTLY_JS, compresslevel=9, mtime=0))
    assert size <= GZIP_BUDGET, f"plotly.js bundle is {size:,} bytes gzipped"
    assert len(PLOTLY_JS) < len(FULL_PLOTLY_JS) / 3


def test_the_bundle_is_the_plotly_js_the_python_package_ships() -> None:
    """The figures are built and validated with the plotly Python package: the browser must
    draw them with the same plotly.js version."""
    full = re.match(rb"/\*\*\s*\* plotly\.js v(\S+)\s", FULL_PLOTLY_JS)
    assert full is not None
    assert assets.bundle_version(PLOTLY_JS) == full.group(1).decode() == PLOTLY_VERSION
    readme = (VENDORED / "README.md").read_text()
    assert f"plotly.js-cartesian-dist-min@{PLOTLY_VERSION}" in readme
    assert "MIT License" in (VENDORED / "LICENSE").read_text()


def test_the_bundle_registers_every_trace_type_the_reports_draw() -> None:
    registered = set(re.findall(rb'moduleType:"trace",name:"(\w+)"', PLOTLY_JS))
    assert {name.encode() for name in TRACE_TYPES} <= registered
    assert b"scattergeo" not in registered and b"scatter3d" not in registered  # cartesian only


def test_a_file_that_is_not_the_cartesian_bundle_has_no_version() -> None:
    with pytest.raises(ValueError, match="cartesian bundle"):
        assets.bundle_version(FULL_PLOTLY_JS)


# --------------------------------------------------------------------------------------------
# plotly.js's stylesheet, for a Content-Security-Policy without style-src 'unsafe-inline'


def test_plotly_css_is_served_with_long_caching(client: FlaskClient) -> None:
    response = client.get(CSS_URL)
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert "immutable" in response.headers["Cache-Control"]
    css = response.get_data(as_text=True)
    # the rules that lay out a plot and hide the mode bar until hover
    assert ".js-plotly-plot .plotly .main-svg{position:absolute;" in css
    assert ".js-plotly-plot .plotly .modebar{" in css
    assert ".plotly-notifier{" in css
    assert "X" not in css.replace("X-", "")  # every placeholder was replaced
    assert css.count("{") == css.count("}") > 50
    etag = response.headers["ETag"]
    assert client.get(CSS_URL, headers={"If-None-Match": etag}).status_code == 304


def test_stylesheet_extraction_reproduces_plotly_js() -> None:
    source = (
        'var a=1;var r={"X,X div":"margin:0;",Y:\'font-family:"Open Sans";\','
        '"X .x\\u0041":"color:#fff;"};for(k in r)'
    )
    assert assets.plotly_stylesheet(source) == (
        # inserted at index 0 one after the other, so the last rule comes first
        ".js-plotly-plot .plotly .xA{color:#fff;}\n"
        '.plotly-notifier{font-family:"Open Sans";}\n'
        ".js-plotly-plot .plotly,.js-plotly-plot .plotly div{margin:0;}\n"
    )


@pytest.mark.parametrize(
    "source",
    [
        "no rules here",
        '{"X,X div":"margin:0;"',  # truncated
        '{"X,X div":"margin:0;";}',  # not an object literal
        '{"X,X div":1}',  # not a string
    ],
)
def test_stylesheet_extraction_gives_up_cleanly(source: str) -> None:
    assert assets.plotly_stylesheet(source) is None


def test_chart_scripts_macro_links_the_stylesheet_then_the_deferred_scripts(
    assets_app: Flask,
) -> None:
    with assets_app.test_request_context("/"):
        html = render_template_string(
            '{% from "macros/charts.html" import chart_scripts %}{{ chart_scripts() }}'
        )
    tags = re.findall(r"<(?:link|script)[^>]*>", html)
    assert tags == [
        f'<link rel="stylesheet" id="plotly.js-style-global" class="no-inline-styles" '
        f'href="{CSS_URL}">',
        f'<script src="{JS_URL}" defer>',
        '<script src="/static/js/charts.js" defer>',
    ]
