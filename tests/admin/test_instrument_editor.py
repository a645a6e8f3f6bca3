"""The instrument editor, through the real views: access, publishing, validation as you
type, previews, import and export, diffs; and the JSON Pointer -> line helper."""

from __future__ import annotations

import copy
import io
import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.instruments.drafts import STARTER_DOCUMENT, pretty_json
from app.instruments.models import Instrument, InstrumentVersion
from app.instruments.positions import JsonPositions
from app.instruments.validation import MAX_BYTES, validate_instrument_text
from app.surveys.models import Survey
from app.surveys.services import create_survey
from app.taking.models import Response
from tests.conftest import BUNDLED_INSTRUMENT, ROOT, AuthActions, csrf_token_from

BASE = "/admin/instruments"
EDIT = f"{BASE}/relational-climate/edit"
ADMIN = "admin@example.org"
NEW_WORDING = "In my work group, people really try to understand how others feel."

_META_CSRF_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture
def admin(client: FlaskClient, auth: AuthActions, make_user: Any, bundled_version: Any) -> Any:
    user = make_user(ADMIN, Role.ADMIN)
    auth.login(ADMIN)
    return user


def bundled_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(BUNDLED_INSTRUMENT.read_text(encoding="utf-8"))
    return data


def reworded_text() -> str:
    data = bundled_data()
    assert data["items"][0]["key"] == "ea_1"
    data["items"][0]["text"]["en"] = NEW_WORDING
    return pretty_json(data)


def page_token(client: FlaskClient, url: str = EDIT) -> str:
    return csrf_token_from(client.get(url).get_data(as_text=True))


def publish(client: FlaskClient, text: str, url: str = EDIT, base: str = "1", **extra: str) -> Any:
    data = {
        "csrf_token": page_token(client, url),
        "document": text,
        "base_version": base,
        "publish": "Publish",
        "changelog": "A change for the test",
        "accept_break": "y",
        **extra,
    }
    return client.post(url, data=data)


def version_numbers(db_session: Any, key: str = "relational-climate") -> list[int]:
    return list(
        db_session.scalars(
            select(InstrumentVersion.version)
            .join(Instrument)
            .where(Instrument.key == key)
            .order_by(InstrumentVersion.version)
        )
    )


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first occurrence of `needle` in `text`."""
    return text[: text.index(needle)].count("\n") + 1


def textarea_content(html: str) -> str:
    match = re.search(r'<textarea[^>]*name="document"[^>]*>\r?\n?(.*?)</textarea>', html, re.S)
    assert match, "the page has no document textarea"
    return match.group(1)


# --- access ----------------------------------------------------------------------------

PAGES = [
    f"{BASE}/",
    f"{BASE}/new",
    EDIT,
    f"{BASE}/relational-climate/versions",
    f"{BASE}/relational-climate/versions/1",
    f"{BASE}/relational-climate/versions/1.json",
    f"{BASE}/relational-climate/versions/1/preview?lang=en",
    f"{BASE}/relational-climate/diff?from=1&to=1",
]


def test_anonymous_visitors_are_sent_to_the_login_page(
    client: FlaskClient, bundled_version: Any
) -> None:
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login"), url


@pytest.mark.parametrize("role", [Role.HR, Role.MANAGER])
def test_hr_and_managers_are_refused(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Any,
    make_team: Any,
    bundled_version: Any,
    db_session: Any,
    role: Role,
) -> None:
    make_team("Engineering")
    make_user("staff@example.org", role, ["Engineering"] if role is Role.MANAGER else [])
    auth.login("staff@example.org")
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    token = csrf_token_from(client.get("/", follow_redirects=True).get_data(as_text=True))
    answer = client.post(
        f"{BASE}/validate",
        json={"text": "{}", "instrument": ""},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert answer.status_code == 403
    refused = client.post(EDIT, data={"csrf_token": token, "document": reworded_text()})
    assert refused.status_code == 403
    assert version_numbers(db_session) == [1]


# --- list and versions -------------------------------------------------------------------


def test_the_list_and_the_versions_page_show_which_surveys_use_a_version(
    client: FlaskClient, admin: Any, db_session: Any
) -> None:
    create_survey(instrument_key="relational-climate", title="Spring wave")
    db_session.commit()
    listing = client.get(f"{BASE}/").get_data(as_text=True)
    assert "Relational Climate Survey" in listing
    assert f'href="{BASE}/relational-climate/versions/1"' in listing
    assert f'href="{BASE}/new"' in listing
    versions = client.get(f"{BASE}/relational-climate/versions").get_data(as_text=True)
    assert "Version 1" in versions
    assert "Spring wave (draft)" in versions
    assert "in use; never changes" in versions
    assert f"{BASE}/relational-climate/versions/1/preview?lang=es" in versions
    assert f"{BASE}/relational-climate/versions/1.json" in versions


def test_the_editor_starts_from_the_newest_version(client: FlaskClient, admin: Any) -> None:
    html = client.get(EDIT).get_data(as_text=True)
    assert textarea_content(html) == str(escape(pretty_json(bundled_data())))
    assert 'name="base_version" type="hidden" value="1"' in html
    assert '<meta name="csrf-token"' in html
    assert "needs JavaScript" in html  # the <noscript> note of the structure panel


# --- publishing ----------------------------------------------------------------------------


def test_publishing_a_changed_document_makes_version_2_and_writes_the_audit_log(
    client: FlaskClient, admin: Any, db_session: Any, bundled_version: InstrumentVersion
) -> None:
    survey = create_survey(instrument_key="relational-climate", title="Spring wave")
    db_session.commit()
    original = copy.deepcopy(bundled_version.document)

    response = publish(client, reworded_text())

    assert response.status_code == 302
    assert response.headers["Location"] == f"{BASE}/relational-climate/versions/2"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Published version 2 of relational-climate." in page
    assert version_numbers(db_session) == [1, 2]
    db_session.expire_all()
    first, second = db_session.scalars(
        select(InstrumentVersion).order_by(InstrumentVersion.version)
    ).all()
    assert second.document["items"][0]["text"]["en"] == NEW_WORDING
    # The version a survey uses never changes.
    assert first.document == original
    assert db_session.get(Survey, survey.id).instrument_version_id == first.id
    (event,) = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "instrument.publish")
    ).all()
    assert event.actor_id == admin.id
    assert (event.object_type, event.object_id) == ("instrument", "relational-climate")
    assert event.detail == {"version": 2}


def test_publishing_identical_content_makes_no_new_version(
    client: FlaskClient, admin: Any, db_session: Any
) -> None:
    # Other whitespace and key order, same content.
    compact = json.dumps(dict(reversed(list(bundled_data().items()))))
    response = publish(client, compact)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{BASE}/relational-climate/versions/1"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "identical to version 1" in page
    assert "No new version was made." in page
    assert version_numbers(db_session) == [1]
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_invalid_json_is_refused_with_its_errors_and_the_text_is_kept(
    client: FlaskClient, admin: Any, db_session: Any
) -> None:
    text = reworded_text().replace('"schema_version": 1,', '"schema_version": 1,,', 1)
    response = publish(client, text)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The file is not valid JSON" in html
    assert f"line {line_of(text, ',,')}" in html
    assert textarea_content(html) == str(escape(text))
    assert "Nothing was published" in html
    assert version_numbers(db_session) == [1]


def test_every_error_is_listed_with_its_pointer_and_line(
    client: FlaskClient, admin: Any, db_session: Any
) -> None:
    data = bundled_data()
    data["items"][1]["reverse"] = "yes"
    del data["items"][5]["text"]["es"]
    text = pretty_json(data)
    response = publish(client, text)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    reverse_line = line_of(text, '"reverse": "yes"')
    assert f"<code>/items/1/reverse</code> · line {reverse_line}" in html
    assert f'data-line="{reverse_line}"' in html
    item_5_text = line_of(text, '"text": {\n        "en": "' + data["items"][5]["text"]["en"])
    # A missing translation: shown on the line of the text that lacks it.
    assert f"<code>/items/5/text/es</code> · line {item_5_text}" in html
    assert "2 problems" in html
    assert textarea_content(html) == str(escape(text))
    assert version_numbers(db_session) == [1]


def test_a_document_of_another_instrument_is_refused(
    client: FlaskClient, admin: Any, db_session: Any
) -> None:
    data = bundled_data()
    data["key"] = "other-climate"
    response = publish(client, pretty_json(data))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "this editor publishes versions of &#39;relational-climate&#39;" in html
    assert "<code>/key</code>" in html
    assert db_session.scalar(select(Instrument).where(Instrument.key == "other-climate")) is None


def test_a_new_instrument_cannot_take_an_existing_key(
    client: FlaskClient, admin: Any, db_session: Any
) -> None:
    response = publish(client, reworded_text(), url=f"{BASE}/new", base="")
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)
    assert version_numbers(db_session) == [1]


def test_a_new_instrument_is_published_as_its_version_1(
    client: FlaskClient, admin: Any, db_session: Any
) -> None:
    starter = client.get(f"{BASE}/new").get_data(as_text=True)
    assert "new-instrument" in textarea_content(starter)
    data = copy.deepcopy(STARTER_DOCUMENT)
    data["key"] = "pulse"
    response = publish(client, pretty_json(data), url=f"{BASE}/new", base="")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{BASE}/pulse/versions/1"
    assert version_numbers(db_session, "pulse") == [1]
    assert db_session.scalar(
        select(AuditEvent.object_id).where(AuditEvent.action == "instrument.publish")
    ) == ("pulse")


def test_the_starter_document_is_valid() -> None:
    assert validate_instrument_text(pretty_json(STARTER_DOCUMENT)).ok


def test_publishing_over_a_newer_version_asks_first(
    client: FlaskClient, admin: Any, db_session: Any
) -> None:
    assert publish(client, reworded_text()).status_code == 302
    data = bundled_data()
    data["items"][1]["text"]["en"] = "Someone else's change."
    text = pretty_json(data)
    stale = publish(client, text, base="1")
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Version 2 was published after you opened this editor" in html
    assert f"{BASE}/relational-climate/diff?from=1&amp;to=2" in html
    assert textarea_content(html) == str(escape(text))
    assert version_numbers(db_session) == [1, 2]
    anyway = publish(client, text, base="1", overwrite="y")
    assert anyway.status_code == 302
    assert version_numbers(db_session) == [1, 2, 3]


def test_a_draft_larger_than_the_default_form_limits_gets_the_validators_message(
    client: FlaskClient, admin: Any
) -> None:
    text = reworded_text() + " " * (MAX_BYTES + 1000)  # url-encoded: over 1 MB of "+"
    response = publish(client, text)
    assert response.status_code == 400
    assert "an instrument may be at most 1,048,576 bytes" in response.get_data(as_text=True)


# --- validation as you type -----------------------------------------------------------------


def meta_token(client: FlaskClient, url: str = EDIT) -> str:
    match = _META_CSRF_RE.search(client.get(url).get_data(as_text=True))
    assert match
    return match.group(1)


def validate(client: FlaskClient, body: dict[str, Any], token: str | None) -> Any:
    headers = {"Accept": "application/json"}
    if token:
        headers["X-CSRFToken"] = token
    return client.post(f"{BASE}/validate", json=body, headers=headers)


def test_the_validate_endpoint_gives_each_error_its_pointer_and_line(
    client: FlaskClient, admin: Any
) -> None:
    token = meta_token(client)
    data = bundled_data()
    data["items"][3]["dimesion"] = data["items"][3].pop("dimension")
    text = pretty_json(data)
    answer = validate(client, {"text": text, "instrument": "relational-climate"}, token)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["ok"] is False
    by_pointer = {e["pointer"]: e for e in body["errors"]}
    typo = by_pointer["/items/3/dimesion"]
    assert typo["line"] == line_of(text, '"dimesion"')
    assert typo["column"] == text.splitlines()[typo["line"] - 1].index('"empathic') + 1
    assert "Did you mean 'dimension'?" in typo["message"]
    # A missing member is shown at its object.
    missing = by_pointer["/items/3/dimension"]
    assert missing["line"] == line_of(text, '"key": "ea_4"') - 1

    valid = validate(client, {"text": reworded_text(), "instrument": "relational-climate"}, token)
    assert valid.get_json() == {"ok": True, "errors": []}

    broken = validate(client, {"text": '{\n  "key": "x",\n  oops\n}', "instrument": ""}, token)
    (error,) = broken.get_json()["errors"]
    assert (error["pointer"], error["line"], error["column"]) == ("", 3, 3)

    wrong_key = validate(client, {"text": reworded_text(), "instrument": "other"}, token)
    (error,) = wrong_key.get_json()["errors"]
    assert error["pointer"] == "/key"
    assert error["line"] == 4


def test_the_validate_endpoint_accepts_the_editor_form(client: FlaskClient, admin: Any) -> None:
    token = meta_token(client)
    answer = client.post(
        f"{BASE}/validate",
        data={"document": "[]", "instrument": "relational-climate"},
        headers={"X-CSRFToken": token},
    )
    body = answer.get_json()
    assert body["ok"] is False
    assert body["errors"][0]["line"] == 1


def test_the_validate_endpoint_requires_the_csrf_token(client: FlaskClient, admin: Any) -> None:
    answer = validate(client, {"text": "{}", "instrument": ""}, token=None)
    assert answer.status_code == 400
    assert "CSRF" in answer.get_json()["message"]
    wrong = validate(client, {"text": "{}", "instrument": ""}, token="not-the-token")
    assert wrong.status_code == 400


# --- pointer -> line and column --------------------------------------------------------------

SAMPLE = """{
  "a": 1,
  "b": [
    true,
    {"c": "x", "d": null}
  ],
  "e/f": {"g~h": -2.5e3},
  "s": "braces { [ and \\"quotes\\" ] }",
  "t": {}
}
"""


@pytest.mark.parametrize(
    ("pointer", "expected"),
    [
        ("", (1, 1)),
        ("/a", (2, 8)),
        ("/b", (3, 8)),
        ("/b/0", (4, 5)),
        ("/b/1", (5, 5)),
        ("/b/1/c", (5, 11)),
        ("/b/1/d", (5, 21)),
        ("/e~1f", (7, 10)),
        ("/e~1f/g~0h", (7, 18)),
        ("/s", (8, 8)),
        ("/t", (9, 8)),
    ],
)
def test_pointer_position_finds_the_value(pointer: str, expected: tuple[int, int]) -> None:
    assert JsonPositions(SAMPLE).locate(pointer) == expected


def test_a_missing_member_or_index_resolves_to_the_nearest_ancestor() -> None:
    assert JsonPositions(SAMPLE).locate("/b/1/missing") == (5, 5)
    assert JsonPositions(SAMPLE).locate("/b/7") == (3, 8)
    assert JsonPositions(SAMPLE).locate("/t/x/y") == (9, 8)
    assert JsonPositions(SAMPLE).locate("/nothing") == (1, 1)


def test_pointer_position_handles_escapes_duplicates_crlf_and_bom() -> None:
    escaped = '{"\\u0061": 1, "x\\"y": 2}'
    assert JsonPositions(escaped).locate("/a") == (1, 12)
    assert JsonPositions(escaped).locate('/x"y') == (1, 23)
    # A repeated name: the parser keeps the last value, so does the position.
    assert JsonPositions('{"k": 1,\n "k": 2}').locate("/k") == (2, 7)
    assert JsonPositions('{\r\n  "a": [\r\n    1]\r\n}').locate("/a/0") == (3, 5)
    assert JsonPositions('\ufeff{"a": 1}').locate("/a") == (1, 8)


def test_pointer_position_on_text_that_is_not_json() -> None:
    assert JsonPositions("").locate("/a") is None
    assert JsonPositions("   ").locate("") is None
    # What was read before the problem is still found.
    assert JsonPositions('{"a": 1, "b": oops}').locate("/a") == (1, 7)


def test_every_item_key_of_the_bundled_file_is_found_on_its_line() -> None:
    text = BUNDLED_INSTRUMENT.read_text(encoding="utf-8")
    lines = text.splitlines()
    for index, item in enumerate(json.loads(text)["items"]):
        found = JsonPositions(text).locate(f"/items/{index}/key")
        assert found is not None
        line, column = found
        assert lines[line - 1][column - 1 :].startswith(f'"{item["key"]}"')


# --- previews -------------------------------------------------------------------------------


def radio_groups(html: str) -> int:
    return len(re.findall(r'<fieldset class="field question', html))


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Before you start: your privacy", "Part 1 of 13", "Prefer not to answer"]),
        ("es", ["Antes de empezar: su privacidad", "Parte 1 de 13", "Prefiero no responder"]),
    ],
)
def test_the_preview_is_the_employees_form_in_each_language(
    client: FlaskClient, admin: Any, lang: str, words: list[str]
) -> None:
    response = client.get(f"{BASE}/relational-climate/versions/1/preview?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert radio_groups(html) == 52
    assert f'<html lang="{lang}">' in html
    for word in words:
        assert word in html
    # The banner is in the page's language, as the rest of the preview.
    banner = {"en": "Preview — answers are not recorded", "es": "Vista previa: las respuestas"}
    assert banner[lang] in html
    assert 'id="survey-form"' in html
    assert "js/survey.js" not in html  # no respondent draft is kept for a preview
    assert "js/instrument-editor.js" in html  # which disables the submit button


def test_the_preview_form_records_nothing(client: FlaskClient, admin: Any, db_session: Any) -> None:
    url = f"{BASE}/relational-climate/versions/1/preview?lang=en"
    html = client.get(url).get_data(as_text=True)
    assert re.search(r'<form method="post" action=""[^>]*id="survey-form"', html)
    answers = {"csrf_token": csrf_token_from(html), "lang": "en", "item_ea_1": "4"}
    refused = client.post(url, data=answers)  # where the form posts
    assert refused.status_code == 400
    assert "This is a preview: answers are not recorded" in refused.get_data(as_text=True)
    draft_refused = client.post(f"{BASE}/preview", data=answers)
    assert draft_refused.status_code == 400
    assert db_session.scalar(select(func.count()).select_from(Response)) == 0


def test_the_unsaved_text_can_be_previewed(client: FlaskClient, admin: Any) -> None:
    token = page_token(client)
    data = {"csrf_token": token, "document": reworded_text(), "preview_lang": "en"}
    response = client.post(f"{BASE}/preview", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert radio_groups(html) == 52
    assert NEW_WORDING in html
    assert "Preview — answers are not recorded" in html
    spanish = client.post(f"{BASE}/preview", data={**data, "preview_lang": "es"})
    assert "Parte 1 de 13" in spanish.get_data(as_text=True)
    broken = client.post(f"{BASE}/preview", data={**data, "document": '{"key": }'})
    assert broken.status_code == 400
    assert "The file is not valid JSON" in broken.get_data(as_text=True)


# --- export and import ----------------------------------------------------------------------


def test_export_returns_the_stored_document(
    client: FlaskClient, admin: Any, bundled_version: InstrumentVersion
) -> None:
    response = client.get(f"{BASE}/relational-climate/versions/1.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="relational-climate-v1.json"'
    )
    body = response.get_data(as_text=True)
    assert json.loads(body) == bundled_version.document
    assert body.startswith('{\n  "$schema"')
    assert "Encuesta de clima relacional" in body  # UTF-8, not \u escapes


def import_file(
    client: FlaskClient, content: bytes, filename: str = "draft.json", draft: str = "{}"
) -> Any:
    fields = {
        "csrf_token": page_token(client),
        "document": draft,
        "base_version": "1",
        "load": "Load the file into the editor",
        "upload": FileStorage(io.BytesIO(content), filename, content_type="application/json"),
    }
    # Encoded in memory: the test client spools a large body to a temporary file that it
    # never closes (a ResourceWarning, an error here).
    boundary, body = encode_multipart(fields)
    return client.post(EDIT, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_import_puts_the_file_in_the_editor_and_publishes_nothing(
    client: FlaskClient, admin: Any, db_session: Any
) -> None:
    text = reworded_text()
    response = import_file(client, text.encode("utf-8"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert textarea_content(html) == str(escape(text))
    assert "draft.json is in the editor" in html
    assert version_numbers(db_session) == [1]


def test_an_imported_invalid_document_shows_its_problems(client: FlaskClient, admin: Any) -> None:
    text = reworded_text().replace('"likert"', '"likret"', 1)
    response = import_file(client, text.encode("utf-8"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"<code>/items/0/type</code> · line {line_of(text, 'likret')}" in html
    assert textarea_content(html) == str(escape(text))


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"{" + b" " * MAX_BYTES + b"}", "big.json", "larger than 1 MB"),
        ('{"key": "café"}'.encode("latin-1"), "latin.json", "not valid UTF-8"),
        (b"{}", "notes.txt", "Choose a .json file."),
    ],
)
def test_a_bad_import_is_refused_and_the_draft_is_kept(
    client: FlaskClient, admin: Any, content: bytes, filename: str, message: str
) -> None:
    draft = '{"my": "unsaved draft"}'
    response = import_file(client, content, filename, draft=draft)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert textarea_content(html) == str(escape(draft))


def test_import_without_a_file_says_so(client: FlaskClient, admin: Any) -> None:
    data = {"csrf_token": page_token(client), "document": "{}", "load": "Load"}
    response = client.post(EDIT, data=data)
    assert response.status_code == 400
    assert "Choose a .json file to import." in response.get_data(as_text=True)


# --- diff ---------------------------------------------------------------------------------


def test_the_diff_page_lists_a_reworded_item_with_both_texts(
    client: FlaskClient, admin: Any, bundled_version: InstrumentVersion
) -> None:
    old_wording = bundled_version.document["items"][0]["text"]["en"]
    assert publish(client, reworded_text()).status_code == 302
    response = client.get(f"{BASE}/relational-climate/diff?from=1&to=2")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    section = html[html.index("Reworded (1)") :]
    assert "<code>ea_1</code>" in section
    assert str(escape(old_wording)) in section
    assert NEW_WORDING in section
    assert "text in &#39;en&#39; changed" in section
    assert "may compare <strong>51</strong> of 52 items" in html
    # Without parameters: the newest version against the one before it.
    assert "Reworded (1)" in client.get(f"{BASE}/relational-climate/diff").get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/relational-climate/diff?from=1&to=9",
        f"{BASE}/relational-climate/diff?from=one",
        f"{BASE}/relational-climate/versions/2",
        f"{BASE}/relational-climate/versions/2.json",
        f"{BASE}/relational-climate/versions/2/preview",
        f"{BASE}/relational-climate/edit?from=5",
        f"{BASE}/no-such-instrument/versions",
        f"{BASE}/no-such-instrument/edit",
        f"{BASE}/no-such-instrument/diff",
    ],
)
def test_unknown_instruments_and_versions_are_404(
    client: FlaskClient, admin: Any, url: str
) -> None:
    assert client.get(url).status_code == 404


# --- pages ----------------------------------------------------------------------------------


def test_pages_have_no_inline_script(client: FlaskClient, admin: Any) -> None:
    for url in [*PAGES[:5], PAGES[6], PAGES[7]]:
        html = client.get(url).get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
        assert " on" not in " ".join(re.findall(r"<[^>]+\bon[a-z]+=", html)), url


def test_codemirror_is_served_from_our_origin_with_its_licence(client: FlaskClient) -> None:
    vendor = ROOT / "app" / "static" / "vendor" / "codemirror"
    assert "MIT License" in (vendor / "LICENSE").read_text(encoding="utf-8")
    for name in ("codemirror.js", "codemirror.css", "javascript.js", "matchbrackets.js"):
        response = client.get(f"/static/vendor/codemirror/{name}")
        assert response.status_code == 200, name
        response.close()
    editor = (ROOT / "app" / "templates" / "admin" / "instruments" / "editor.html").read_text()
    assert "http://" not in editor and "https://" not in editor


@pytest.mark.parametrize("instrument", ["relational-climate", ""])
def test_a_key_with_a_control_character_is_an_error_not_a_lookup(
    client: FlaskClient, admin: Any, instrument: str
) -> None:
    """PostgreSQL refuses a NUL in a query ("text fields cannot contain NUL"): the key is
    reported by the text rule and never looked up (the fuzz test found the 500)."""
    token = meta_token(client)
    for key in ("k\u0000", "k\u0007ey"):
        answer = validate(
            client, {"text": json.dumps({"key": key}), "instrument": instrument}, token
        )
        assert answer.status_code == 200
        body = answer.get_json()
        assert body["ok"] is False
        assert any(e["pointer"] == "/key" for e in body["errors"]), body
