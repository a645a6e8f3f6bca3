"""Instrument texts carrying script and HTML render as text on every page that shows them,
Plotly labels included."""

from __future__ import annotations

import json
import re
from typing import Any

from flask.testing import FlaskClient

from app.auth.models import Role
from app.instruments.services import publish_instrument_version
from app.instruments.validation import validate_instrument_text
from app.surveys.services import create_survey, import_participants, issue_links, open_survey
from tests.conftest import BUNDLED_INSTRUMENT, AuthActions

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _hostile_document() -> dict[str, Any]:
    data = json.loads(BUNDLED_INSTRUMENT.read_text(encoding="utf-8"))
    data["key"] = "hostile"
    data["title"]["en"] = f"Title {PAYLOAD}"
    data["items"][0]["text"]["en"] = f"Item {PAYLOAD}"
    data["dimensions"][0]["label"]["en"] = f"Dimension {PAYLOAD}"
    data["families"][0]["label"]["en"] = f"Family {PAYLOAD}"
    data["prompts"][0]["text"]["en"] = f"Prompt {PAYLOAD}"
    result = validate_instrument_text(json.dumps(data))
    assert result.ok, result.errors
    return data


def _assert_inert(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert" in html or "\\u003cscript\\u003e" in html


def test_instrument_text_is_escaped_everywhere(
    client: FlaskClient, db_session: Any, auth: AuthActions, make_user: Any
) -> None:
    version = publish_instrument_version(_hostile_document()).version
    survey = create_survey(instrument_key="hostile", title=f"Survey {PAYLOAD}")
    import_participants(survey.id, "email,team,level\na@example.org,Ops,manager\n")
    ((_email, token),) = issue_links(survey.id)
    open_survey(survey.id)
    db_session.commit()

    _assert_inert(client.get(f"/s/{token}").get_data(as_text=True))

    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")
    pages = [
        f"/reports/surveys/{survey.id}/",
        f"/reports/surveys/{survey.id}/heatmap",
        f"/reports/surveys/{survey.id}/items",
        f"/reports/surveys/{survey.id}/standpoint",
        f"/reports/surveys/{survey.id}/comments",
        "/reports/",
        f"/admin/instruments/hostile/versions/{version.version}",
        f"/admin/instruments/hostile/versions/{version.version}/preview",
        "/admin/instruments/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        for block in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S):
            figure = json.dumps(json.loads(block))
            assert "<script>" not in figure, url  # Plotly labels carry escaped text only
            assert "<img" not in figure, url
