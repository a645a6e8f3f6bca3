"""plotly.js from our own origin (no CDN: intranets are offline).

The file is plotly.js's cartesian bundle (scatter, bar, heatmap and a few more trace types;
no maps, 3D or WebGL), vendored in app/static/vendor/plotly/ (see its README.md: the npm
package and version). It is served at ``/assets/plotly-<version>-<digest>.min.js``, where
the version is plotly.js's and the digest starts the file's SHA-256: the path changes
whenever the file does, so the response may be cached for a year as immutable. It carries a
strong ETag (from the content) and, for clients that accept gzip, a body compressed once on
first use and kept in memory (about 1.5 MB raw, 496 kB gzipped; the full plotly.min.js of
the plotly Python package was 4.8 MB and 1.5 MB).

plotly.js also injects its own stylesheet as a ``<style>`` element, which a
Content-Security-Policy without ``style-src 'unsafe-inline'`` blocks (plots then overlap and
the mode bar never hides). Its rules are therefore also served as a file,
``/assets/plotly-<version>-<digest>.css``, extracted from the same bundle; a
``<link id="plotly.js-style-global" class="no-inline-styles">`` tells plotly.js not to inject
them (plotly.js looks for that element and class before injecting).

Templates use ``chart_scripts()`` from macros/charts.html, or the Jinja globals this
blueprint registers: ``plotly_js_url()`` and ``plotly_css_url()``.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

bp = Blueprint("assets", __name__, url_prefix="/assets")
log = logging.getLogger(__name__)

CACHE_FOREVER = "public, max-age=31536000, immutable"
JS_MIMETYPE = "text/javascript"
CSS_MIMETYPE = "text/css"


# The vendored bundle; app/static/vendor/plotly/README.md says where it comes from.
BUNDLE = (
    Path(__file__).resolve().parents[1] / "static" / "vendor" / "plotly" / "plotly-cartesian.min.js"
)
_BUNDLE_VERSION = re.compile(
    rb"\A/\*\*\s*\*\s*plotly\.js \(cartesian - minified\) v(\d+\.\d+\.\d+)\s"
)
DIGEST_LENGTH = 12


def bundle_version(source: bytes) -> str:
    """The plotly.js version a cartesian bundle's header names (ValueError if none)."""
    found = _BUNDLE_VERSION.match(source)
    if found is None:
        raise ValueError("not plotly.js's minified cartesian bundle")
    return found.group(1).decode("ascii")


@functools.cache
def plotly_version() -> str:
    """The bundle's version in URLs: plotly.js's version, then the start of the file's
    SHA-256, so that any change of the file changes its URL."""
    source = _plotly_source()
    return f"{bundle_version(source)}-{hashlib.sha256(source).hexdigest()[:DIGEST_LENGTH]}"


@dataclass(frozen=True, slots=True)
class _Asset:
    body: bytes
    gzipped: bytes | None
    etag: str


_lock = threading.Lock()
_cache: dict[str, _Asset | None] = {}


def _plotly_source() -> bytes:
    return BUNDLE.read_bytes()


def _cached(name: str, build: Callable[[], _Asset | None]) -> _Asset | None:
    """Build an asset once per process (lazily, thread-safe) and keep it in memory."""
    if name in _cache:
        return _cache[name]
    with _lock:
        if name not in _cache:
            _cache[name] = build()
        return _cache[name]


def _build_js() -> _Asset:
    body = _plotly_source()
    return _Asset(
        body=body,
        gzipped=gzip.compress(body, compresslevel=9, mtime=0),
        etag=hashlib.sha256(body).hexdigest()[:32],
    )


def _build_css() -> _Asset | None:
    css = plotly_stylesheet(_plotly_source().decode("utf-8"))
    if css is None:
        log.warning("could not find plotly.js's style rules; it will inject them inline")
        return None
    body = css.encode("utf-8")
    return _Asset(body=body, gzipped=None, etag=hashlib.sha256(body).hexdigest()[:32])


_JS_STRING = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'""")
_JS_KEY = re.compile(rf"{_JS_STRING.pattern}|[A-Za-z_$][\w$]*")
_RULES_START = '{"X,X div":'


def _js_string(literal: str) -> str:
    """Decode a JavaScript string literal (single or double quotes, JSON-like escapes)."""
    inner = literal[1:-1]
    if literal[0] == "'":
        inner = re.sub(r"\\'", "'", inner).replace('"', '\\"')
    inner = re.sub(r"\\x([0-9a-fA-F]{2})", r"\\u00\1", inner)
    value = json.loads(f'"{inner}"')
    if not isinstance(value, str):
        raise ValueError(literal)
    return value


def plotly_stylesheet(source: str) -> str | None:
    """The stylesheet plotly.js would inject, from its source; None if it is not found.

    plotly.js keeps its rules in one object literal, ``{"X,X div": "...", ...}``, and
    inserts each one with ``insertRule(selector + "{" + rule + "}", 0)`` after replacing
    ``X`` by ``.js-plotly-plot .plotly`` and ``Y`` by ``.plotly-notifier``. Inserting at
    index 0 reverses their order, which this reproduces.
    """
    start = source.find(_RULES_START)
    if start < 0:
        return None
    try:
        rules = _parse_rules(source, start + 1)
    except (IndexError, ValueError):
        return None
    if rules is None:
        return None
    return "\n".join(reversed(rules)) + "\n"


def _parse_rules(source: str, position: int) -> list[str] | None:
    """The rules of the object literal whose first key starts at ``position``."""
    rules: list[str] = []
    while True:
        key = _JS_KEY.match(source, position)
        if key is None or source[key.end()] != ":":
            return None
        value = _JS_STRING.match(source, key.end() + 1)
        if value is None:
            return None
        name = key.group()
        selector = re.sub(r"^,", " ,", _js_string(name) if name[0] in "'\"" else name)
        selector = selector.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        rules.append(f"{selector}{{{_js_string(value.group())}}}")
        position = value.end()
        if source[position] == "}":
            break
        if source[position] != ",":
            return None
        position += 1
    return rules


def _accepts_gzip() -> bool:
    return request.accept_encodings.quality("gzip") > 0


@bp.route("/plotly-<version>.min.js")
def plotly_js(version: str) -> BaseResponse:
    return _serve("plotly_js", version, "plotly.js", _build_js, JS_MIMETYPE)


@bp.route("/plotly-<version>.css")
def plotly_css(version: str) -> BaseResponse:
    return _serve("plotly_css", version, "plotly.css", _build_css, CSS_MIMETYPE)


def _serve(
    endpoint: str, version: str, name: str, build: Callable[[], _Asset | None], mimetype: str
) -> BaseResponse:
    """The asset `name` of the current bundle (404 if it cannot be built)."""
    current = plotly_version()
    if version != current:
        # A page rendered before an upgrade: send it to the current file (not cached).
        moved = redirect(url_for(f"assets.{endpoint}", version=current))
        moved.headers["Cache-Control"] = "no-store"
        return moved
    asset = _cached(name, build)
    if asset is None:
        abort(404)
    return _send(asset, mimetype)


def _send(asset: _Asset, mimetype: str) -> BaseResponse:
    """The asset with long caching, a strong ETag per representation, and gzip when the
    client accepts it and a compressed body exists; 304 when the client's copy is current."""
    gzipped = asset.gzipped is not None and _accepts_gzip()
    # One strong tag per representation (RFC 9110, 8.8.3). If-None-Match compares weakly and
    # either tag validates, since both encode the same file; "*" matches too.
    etag = f"{asset.etag}-gzip" if gzipped else asset.etag
    fresh = any(
        request.if_none_match.contains_weak(tag) for tag in (asset.etag, f"{asset.etag}-gzip")
    )
    if fresh:
        response = Response(status=304)
    else:
        body = asset.gzipped if gzipped and asset.gzipped is not None else asset.body
        response = Response(body, mimetype=mimetype)
        if gzipped:
            response.headers["Content-Encoding"] = "gzip"
        response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(etag)
    if asset.gzipped is not None:
        response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = CACHE_FOREVER
    return response


@bp.app_template_global("plotly_js_url")
def plotly_js_url() -> str:
    """The versioned URL of the plotly.js bundle, for ``<script src=... defer>``."""
    return url_for("assets.plotly_js", version=plotly_version())


@bp.app_template_global("plotly_css_url")
def plotly_css_url() -> str | None:
    """The versioned URL of plotly.js's stylesheet; None if it could not be extracted (then
    plotly.js injects its styles itself and the page needs ``style-src 'unsafe-inline'``)."""
    if _cached("plotly.css", _build_css) is None:
        return None
    return url_for("assets.plotly_css", version=plotly_version())
