"""Survey management pages (/admin/surveys), through the real views and the real login."""

from __future__ import annotations

import csv
import datetime as dt
import html as html_lib
import io
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.instruments.models import InstrumentVersion
from app.org.models import Team
from app.outbox.models import OutboxMessage
from app.surveys.models import Invitation, Level, Survey
from app.surveys.services import (
    LINKS_FILE_WARNING,
    MAX_PARTICIPANT_FILE_BYTES,
    create_survey,
    import_participants,
    issue_links,
)
from tests.admin.conftest import (
    assert_admin_opens_every_route,
    assert_admins_only,
    assert_refused,
    audit_events,
    blueprint_routes,
    page_text,
    page_token,
    submit,
)
from tests.conftest import (
    PARTICIPANTS_CSV,
    AuthActions,
    OpenSurvey,
    csrf_token_from,
    invitation_for_token,
)

UTC = dt.UTC


@pytest.fixture
def draft(db_session: Any, bundled_version: InstrumentVersion) -> Survey:
    survey = create_survey(
        instrument_key="relational-climate", title="Draft wave", team_paths=["Sales"]
    )
    db_session.commit()
    return survey


def _count(db: Any, model: type, *where: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(model).where(*where)))


def _settings(version_id: int, **changes: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version_id": str(version_id),
        "title": "Autumn wave",
        "teams": "Engineering/Platform\n  Sales \n\nEngineering/Platform",
        "levels": "ic = Individual contributor\nlead = Team lead\nexec = Executive",
        "opens_at": "2027-03-01T09:00",
        "closes_at": "2027-03-15T17:30",
        "k_scores": "6",
        "k_comments": "12",
    }
    data.update(changes)
    return data


# --- access ---------------------------------------------------------------------------------


def test_every_route_is_for_admins_only(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Any,
    make_team: Any,
    draft: Survey,
    db_session: Any,
) -> None:
    routes = blueprint_routes(app, "admin_surveys", survey_id=draft.id, kind="invitations")
    assert len(routes) >= 8  # list, new (GET, POST), page, edit (GET, POST), state, upload, links

    make_team("Sales")
    assert_admins_only(client, auth, make_user, routes, {"confirm": "y", "understood": "y"})
    db_session.expire_all()
    assert db_session.get(Survey, draft.id).state == "draft"
    assert _count(db_session, Survey) == 1
    assert _count(db_session, Invitation) == 0

    assert_admin_opens_every_route(client, auth, make_user, routes, posted=(400,))
    db_session.expire_all()
    assert db_session.get(Survey, draft.id).state == "draft"


# --- list and create ------------------------------------------------------------------------


def test_list_shows_state_and_response_counts(
    client: FlaskClient, admin: Any, open_survey: OpenSurvey, db_session: Any
) -> None:
    db_session.execute(
        update(Invitation).where(Invitation.email == "ana@example.org").values(responded=True)
    )
    db_session.commit()
    html = client.get("/admin/surveys/").get_data(as_text=True)
    row = re.search(r"Spring wave</a></th>(.*?)</tr>", html, re.S)
    assert row
    cells = [c.strip() for c in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)]
    assert cells[0] == "open"
    # invited, and responded through disclosure control: 1 is below k
    assert cells[-2:] == ["3", "no release yet"]  # counts come from releases only
    assert f'href="/admin/surveys/{open_survey.survey.id}"' in html


def test_create_a_survey_from_a_published_version(
    client: FlaskClient, admin: Any, bundled_version: InstrumentVersion, db_session: Any
) -> None:
    page = client.get("/admin/surveys/new")
    html = page.get_data(as_text=True)
    assert f'<option value="{bundled_version.id}"' in html
    assert "individual_contributor = Individual contributor" in html  # default levels
    assert "UTC" in html and 'type="datetime-local"' in html

    data = _settings(bundled_version.id, csrf_token=csrf_token_from(html))
    response = client.post("/admin/surveys/new", data=data)
    assert response.status_code == 302
    survey = db_session.scalar(select(Survey))
    assert response.location == f"/admin/surveys/{survey.id}"
    assert survey.title == "Autumn wave"
    assert survey.state == "draft"
    assert survey.instrument_version_id == bundled_version.id
    assert survey.opens_at == dt.datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    assert survey.closes_at == dt.datetime(2027, 3, 15, 17, 30, tzinfo=UTC)
    assert (survey.k_scores, survey.k_comments) == (6, 12)
    assert survey.results_expected_on is None  # optional
    assert [t.path for t in survey.teams] == ["Engineering/Platform", "Sales"]
    assert [(lv.key, lv.label, lv.rank) for lv in survey.levels] == [
        ("ic", "Individual contributor", 1),
        ("lead", "Team lead", 2),
        ("exec", "Executive", 3),
    ]
    (event,) = audit_events(db_session, "survey.create")
    assert event.actor_id == admin.id
    assert (event.object_type, event.object_id) == ("survey", str(survey.id))
    assert event.detail["teams"] == ["Engineering/Platform", "Sales"]
    assert event.detail["k_scores"] == 6

    shown = client.get(response.location)
    assert "Survey “Autumn wave” created as a draft." in shown.get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"k_scores": "2"}, "The k for scores is 2; it can never be below 3."),
        ({"k_comments": "1"}, "The k for comments is 1; it can never be below 3."),
        (
            {"opens_at": "2027-03-15T09:00", "closes_at": "2027-03-01T09:00"},
            "The survey must open before it closes.",
        ),
        ({"title": "   "}, "A survey needs a title."),
        ({"levels": "a = A\nA = B"}, "the key 'A' is already level 1"),
        ({"levels": " \n "}, "Give at least one level."),
        ({"teams": "Sales//East"}, "Line 1: 'Sales//East' is not a team path"),
        ({"opens_at": "next tuesday"}, "Not a valid datetime value."),
        ({"k_scores": "five"}, "Not a valid integer value."),
        (
            {"results_expected_on": "2027-03-14"},
            "The results cannot be expected before the survey closes.",
        ),
        (
            {"closes_at": "", "results_expected_on": "2027-02-28"},
            "The results cannot be expected before the survey opens.",
        ),
        ({"results_expected_on": "soon"}, "Not a valid date value."),
    ],
)
@pytest.mark.usefixtures("admin")
def test_bad_settings_are_refused_and_nothing_is_stored(
    client: FlaskClient,
    bundled_version: InstrumentVersion,
    db_session: Any,
    changes: dict[str, str],
    message: str,
) -> None:
    data = _settings(bundled_version.id, teams="Brand/New") | changes
    response = submit(client, "/admin/surveys/new", data)
    assert_refused(response, message, db_session, "survey.create")
    assert 'role="alert"' in response.get_data(as_text=True)
    assert _count(db_session, Survey) == 0
    assert _count(db_session, Team) == 0  # "Brand/New" was not created either


def test_create_without_csrf_token_is_refused(
    client: FlaskClient, admin: Any, bundled_version: InstrumentVersion, db_session: Any
) -> None:
    response = client.post("/admin/surveys/new", data=_settings(bundled_version.id))
    assert response.status_code == 400
    assert _count(db_session, Survey) == 0


def test_create_with_an_unknown_version_is_refused(
    client: FlaskClient, admin: Any, bundled_version: InstrumentVersion, db_session: Any
) -> None:
    response = submit(client, "/admin/surveys/new", _settings(bundled_version.id + 99))
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert _count(db_session, Survey) == 0


# --- editing a draft ------------------------------------------------------------------------


def test_edit_a_draft(client: FlaskClient, admin: Any, draft: Survey, db_session: Any) -> None:
    page = client.get(f"/admin/surveys/{draft.id}/edit")
    html = page.get_data(as_text=True)
    assert 'value="Draft wave"' in html
    assert "manager = Manager" in html
    token = csrf_token_from(html)
    manager_level = next(lv for lv in draft.levels if lv.key == "manager")
    data = {
        "csrf_token": token,
        "title": "Renamed wave",
        "teams": "Sales\nOps/Field",
        # reordered, relabelled, one dropped, one added
        "levels": "manager = People manager\nindividual_contributor\nboard = Board",
        "opens_at": "",
        "closes_at": "2027-06-30T12:00",
        "k_scores": "7",
        "k_comments": "9",
        "results_expected_on": "2027-07-15",
    }
    response = client.post(f"/admin/surveys/{draft.id}/edit", data=data)
    assert response.status_code == 302
    db_session.expire_all()
    survey = db_session.get(Survey, draft.id)
    assert survey.title == "Renamed wave"
    assert [t.path for t in survey.teams] == ["Ops/Field", "Sales"]
    assert [(lv.key, lv.label, lv.rank) for lv in survey.levels] == [
        ("manager", "People manager", 1),
        ("individual_contributor", "individual_contributor", 2),
        ("board", "Board", 3),
    ]
    assert next(lv for lv in survey.levels if lv.key == "manager").id == manager_level.id
    assert survey.opens_at is None
    assert survey.closes_at == dt.datetime(2027, 6, 30, 12, 0, tzinfo=UTC)
    assert (survey.k_scores, survey.k_comments) == (7, 9)
    assert survey.results_expected_on == dt.date(2027, 7, 15)
    (event,) = audit_events(db_session, "survey.update")
    assert event.detail["levels"] == ["manager", "individual_contributor", "board"]
    assert event.detail["results_expected_on"] == "2027-07-15"
    assert 'value="2027-07-15"' in client.get(f"/admin/surveys/{draft.id}/edit").get_data(
        as_text=True
    )


def test_edit_keeps_levels_and_teams_that_invitations_use(
    client: FlaskClient, admin: Any, draft: Survey, db_session: Any
) -> None:
    import_participants(draft.id, PARTICIPANTS_CSV)
    db_session.commit()
    token = page_token(client, f"/admin/surveys/{draft.id}/edit")
    base = {"csrf_token": token, "title": "Draft wave", "k_scores": "5", "k_comments": "10"}
    levels = "individual_contributor\nmanager\nsenior_leader"

    response = client.post(
        f"/admin/surveys/{draft.id}/edit",
        data={**base, "teams": "Engineering/Platform\nSales", "levels": "manager\nsenior_leader"},
    )
    assert response.status_code == 400
    assert "Participants are invited at level(s) individual_contributor" in page_text(response)

    response = client.post(
        f"/admin/surveys/{draft.id}/edit", data={**base, "teams": "Sales", "levels": levels}
    )
    assert response.status_code == 400
    kept = "Participants are invited in Engineering/Platform; keep these teams."
    assert kept in page_text(response)

    db_session.expire_all()
    survey = db_session.get(Survey, draft.id)
    assert [lv.key for lv in survey.levels] == [
        "individual_contributor",
        "manager",
        "senior_leader",
    ]
    assert {t.path for t in survey.teams} == {"Engineering/Platform", "Sales"}
    assert audit_events(db_session, "survey.update") == []


def test_settings_of_an_open_survey_cannot_be_edited(
    client: FlaskClient, admin: Any, open_survey: OpenSurvey
) -> None:
    url = f"/admin/surveys/{open_survey.survey.id}/edit"
    page = client.get(url)
    assert page.status_code == 409
    assert "only a draft's settings change" in page_text(page)
    token = page_token(client, f"/admin/surveys/{open_survey.survey.id}")
    refused = client.post(url, data={"csrf_token": token, "title": "X", "levels": "a"})
    assert refused.status_code == 409
    shown = client.get(f"/admin/surveys/{open_survey.survey.id}").get_data(as_text=True)
    assert f'href="/admin/surveys/{open_survey.survey.id}/edit"' not in shown


# --- lifecycle ------------------------------------------------------------------------------


def test_open_close_and_archive_through_the_buttons(
    client: FlaskClient, admin: Any, draft: Survey, db_session: Any
) -> None:
    import_participants(draft.id, PARTICIPANTS_CSV)
    db_session.commit()
    page_url = f"/admin/surveys/{draft.id}"
    for action, state in (("open", "open"), ("close", "closed"), ("archive", "archived")):
        html = client.get(page_url).get_data(as_text=True)
        action_url = f"/admin/surveys/{draft.id}/{action}"
        assert f'action="{action_url}"' in html  # the one button the state allows
        response = client.post(
            action_url, data={"csrf_token": csrf_token_from(html), "confirm": "y"}
        )
        assert response.status_code == 302, action
        db_session.expire_all()
        assert db_session.get(Survey, draft.id).state == state
        (event,) = audit_events(db_session, f"survey.{action}")
        assert (event.actor_id, event.object_id) == (admin.id, str(draft.id))
    # Closing purged the email addresses.
    assert _count(db_session, Invitation, Invitation.email.is_not(None)) == 0
    final = client.get(page_url).get_data(as_text=True)
    assert "/open" not in final and "/close" not in final and "/archive" not in final
    assert "takes no more participants" in final


def test_a_state_change_needs_the_confirmation(
    client: FlaskClient, admin: Any, draft: Survey, db_session: Any
) -> None:
    token = page_token(client, f"/admin/surveys/{draft.id}")
    response = client.post(f"/admin/surveys/{draft.id}/open", data={"csrf_token": token})
    assert response.status_code == 400
    assert "Tick the box to confirm." in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Survey, draft.id).state == "draft"
    assert audit_events(db_session, "survey.open") == []


def test_closing_a_draft_is_a_clear_conflict(
    client: FlaskClient, admin: Any, draft: Survey, db_session: Any
) -> None:
    token = page_token(client, f"/admin/surveys/{draft.id}")
    response = client.post(
        f"/admin/surveys/{draft.id}/close", data={"csrf_token": token, "confirm": "y"}
    )
    assert response.status_code == 409
    assert f"Survey {draft.id} is draft; it cannot be closed." in response.get_data(as_text=True)
    assert audit_events(db_session, "survey.close") == []


def test_unknown_survey_is_not_found(client: FlaskClient, admin: Any) -> None:
    assert client.get("/admin/surveys/9999").status_code == 404


# --- participants ---------------------------------------------------------------------------


def _upload(
    client: FlaskClient, survey_id: int, content: bytes, name: str = "people.csv", **extra: Any
) -> Any:
    """Post the file as the page's form does. The body is encoded in memory: the test
    client would spool a large one to a temporary file that it never closes."""
    token = page_token(client, f"/admin/surveys/{survey_id}")
    upload = FileStorage(io.BytesIO(content), filename=name, content_type="text/csv")
    fields = {"csrf_token": token, "file": upload, **extra}
    boundary, body = encode_multipart(MultiDict(fields))
    return client.post(
        f"/admin/surveys/{survey_id}/participants",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_good_participants_file_invites_everyone(
    client: FlaskClient, admin: Any, draft: Survey, db_session: Any
) -> None:
    response = _upload(client, draft.id, PARTICIPANTS_CSV.encode())
    assert response.status_code == 302
    emails = set(db_session.scalars(select(Invitation.email)))
    assert emails == {"ana@example.org", "ben@example.org", "cai@example.org"}
    (event,) = audit_events(db_session, "participants.import")
    assert event.detail["invited"] == 3
    assert event.detail["teams_created"] == ["Engineering/Platform"]
    page = client.get(response.location).get_data(as_text=True)
    assert "Invited 3 participants. New teams: Engineering/Platform." in page
    assert re.search(r"<th scope=\"row\">Invited</th><td>3</td>", page)


BAD_CSV = """email,team,level
ana@example.org,Engineering/Platform,individual_contributor
not-an-email,Sales,manager
ben@example.org,Sales//East,manager
cai@example.org,Sales,astronaut
"""


def _report_rows(html: str) -> list[tuple[str, str, str]]:
    table = re.search(r"nothing was imported.*?<tbody>(.*?)</tbody>", html, re.S)
    assert table, "no report table"
    return re.findall(
        r"<tr><th scope=\"row\">(\d+)</th><td>(.*?)</td><td>(.*?)</td></tr>", table.group(1)
    )


def test_bad_participants_file_shows_the_report_and_imports_nothing(
    client: FlaskClient, admin: Any, draft: Survey, db_session: Any
) -> None:
    response = _upload(client, draft.id, BAD_CSV.encode())
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The file has 3 problems; nothing was imported." in html
    rows = [
        (line, column, html_lib.unescape(reason)) for line, column, reason in _report_rows(html)
    ]
    assert [(line, column) for line, column, _ in rows] == [
        ("3", "email"),
        ("4", "team"),
        ("5", "level"),
    ]
    assert rows[0][2] == "'not-an-email' is not an email"
    assert "is not a team path" in rows[1][2]
    assert rows[2][2].startswith("'astronaut' is not a level")
    assert '<th scope="col">Line</th>' in html
    assert _count(db_session, Invitation) == 0
    assert db_session.scalar(select(Team).where(Team.path == "Engineering")) is None
    assert audit_events(db_session, "participants.import") == []


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (PARTICIPANTS_CSV.encode(), "people.xlsx", "The file must be a .csv file."),
        (b"email,team,level\n" + b"x" * MAX_PARTICIPANT_FILE_BYTES, "big.csv", "over 32 MB"),
    ],
)
def test_wrong_kind_or_size_of_file_is_refused(
    client: FlaskClient,
    admin: Any,
    draft: Survey,
    db_session: Any,
    content: bytes,
    name: str,
    message: str,
) -> None:
    response = _upload(client, draft.id, content, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(db_session, Invitation) == 0


def test_upload_without_file_or_csrf_token_is_refused(
    client: FlaskClient, admin: Any, draft: Survey, db_session: Any
) -> None:
    token = page_token(client, f"/admin/surveys/{draft.id}")
    url = f"/admin/surveys/{draft.id}/participants"
    no_file = client.post(url, data={"csrf_token": token}, content_type="multipart/form-data")
    assert no_file.status_code == 400
    assert "Choose a CSV file." in no_file.get_data(as_text=True)
    no_token = client.post(
        url,
        data={"file": (io.BytesIO(PARTICIPANTS_CSV.encode()), "people.csv")},
        content_type="multipart/form-data",
    )
    assert no_token.status_code == 400
    assert "CSRF" in no_token.get_data(as_text=True)
    assert _count(db_session, Invitation) == 0


def test_a_closed_survey_takes_no_participants(
    client: FlaskClient, admin: Any, open_survey: OpenSurvey, db_session: Any
) -> None:
    survey_id = open_survey.survey.id
    token = page_token(client, f"/admin/surveys/{survey_id}")
    client.post(f"/admin/surveys/{survey_id}/close", data={"csrf_token": token, "confirm": "y"})
    response = client.post(
        f"/admin/surveys/{survey_id}/participants",
        data={"csrf_token": token, "file": (io.BytesIO(b"email,team,level\n"), "p.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 409
    assert "cannot be given participants" in response.get_data(as_text=True)


# --- links ----------------------------------------------------------------------------------


def test_links_file_of_a_draft_warns_replaces_earlier_links_and_is_audited(
    client: FlaskClient, admin: Any, draft: Survey, db_session: Any
) -> None:
    import_participants(draft.id, PARTICIPANTS_CSV)
    earlier = dict(issue_links(draft.id))  # an earlier file
    db_session.commit()
    page = client.get(f"/admin/surveys/{draft.id}").get_data(as_text=True)
    assert html_lib.escape(LINKS_FILE_WARNING) in page
    assert "can see who answered" in page and "answer for anyone" in page

    response = client.post(
        f"/admin/surveys/{draft.id}/links",
        data={"csrf_token": csrf_token_from(page), "understood": "y"},
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="survey-{draft.id}-links.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["email", "link"]
    emails = ["ana@example.org", "ben@example.org", "cai@example.org"]
    assert [email for email, _ in rows[1:]] == emails
    new_tokens = []
    for email, link in rows[1:]:
        assert link.startswith("http://survey.test/s/")
        token = link.rsplit("/", 1)[1]
        invitation = invitation_for_token(token)
        assert invitation is not None and invitation.email == email
        new_tokens.append(token)
    for email in emails:
        assert invitation_for_token(earlier[email]) is None  # the earlier file is revoked

    (event,) = audit_events(db_session, "links.download")
    assert (event.actor_id, event.object_id, event.detail) == (
        admin.id,
        str(draft.id),
        {"links": 3},
    )
    logged = json.dumps([e.detail for e in db_session.scalars(select(AuditEvent))])
    assert not any(token in logged for token in new_tokens)


def test_links_file_needs_the_confirmation_and_is_refused_once_open(
    client: FlaskClient, admin: Any, draft: Survey, open_survey: OpenSurvey, db_session: Any
) -> None:
    import_participants(draft.id, PARTICIPANTS_CSV)
    db_session.commit()
    token = page_token(client, f"/admin/surveys/{draft.id}")
    unconfirmed = client.post(f"/admin/surveys/{draft.id}/links", data={"csrf_token": token})
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm." in unconfirmed.get_data(as_text=True)

    survey_id = open_survey.survey.id
    page = client.get(f"/admin/surveys/{survey_id}").get_data(as_text=True)
    assert f"/admin/surveys/{survey_id}/links" not in page  # no form once open
    refused = client.post(
        f"/admin/surveys/{survey_id}/links", data={"csrf_token": token, "understood": "y"}
    )
    assert refused.status_code == 409
    assert "only before the survey opens" in refused.get_data(as_text=True)
    for email, raw in open_survey.tokens.items():
        invitation = invitation_for_token(raw)  # nothing issued, nothing revoked
        assert invitation is not None and invitation.email == email
    assert audit_events(db_session, "links.download") == []


def test_one_persons_new_link_goes_by_email_and_says_nothing_of_answering(
    client: FlaskClient, admin: Any, open_survey: OpenSurvey, db_session: Any
) -> None:
    survey_id = open_survey.survey.id
    db_session.execute(
        update(Invitation).where(Invitation.email == "ben@example.org").values(responded=True)
    )
    db_session.commit()
    token = page_token(client, f"/admin/surveys/{survey_id}")
    pages = {}
    for email in ("ana@example.org", "ben@example.org"):
        sent = client.post(
            f"/admin/surveys/{survey_id}/email/link",
            data={"csrf_token": token, "email": email},
            follow_redirects=True,
        )
        assert sent.status_code == 200
        pages[email] = sent.get_data(as_text=True).replace(email, "EMAIL")
    said = "Unless they have answered already, a new link is on its way to EMAIL"
    assert all(said in page for page in pages.values())  # the same, answered or not
    assert "/s/" not in pages["ana@example.org"]  # the link reaches staff nowhere
    messages = db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.invitation.email, m.kind) for m in messages] == [
        ("ana@example.org", "invitation"),
        ("ben@example.org", "invitation"),
    ]
    # The new link is added: the one in hand keeps working.
    for message in messages:
        assert message.raw_token is not None
        assert invitation_for_token(message.raw_token) is message.invitation
    assert invitation_for_token(open_survey.token("ana@example.org")) is not None
    assert len(audit_events(db_session, "email.queue_link")) == 2

    unknown = client.post(
        f"/admin/surveys/{survey_id}/email/link",
        data={"csrf_token": token, "email": "zed@example.org"},
    )
    assert unknown.status_code == 400
    assert "not invited to this survey" in unknown.get_data(as_text=True)


def test_survey_page_links_to_the_response_rate_dashboard(
    client: FlaskClient, admin: Any, open_survey: OpenSurvey
) -> None:
    survey_id = open_survey.survey.id
    html = client.get(f"/admin/surveys/{survey_id}").get_data(as_text=True)
    dashboard = f"/reports/surveys/{survey_id}/response-rates"
    assert f'href="{dashboard}"' in html
    assert client.get(dashboard).status_code == 200


def test_pages_have_no_inline_script_or_style(
    client: FlaskClient, admin: Any, draft: Survey, db_session: Any
) -> None:
    import_participants(draft.id, PARTICIPANTS_CSV)
    db_session.commit()
    pages = [
        client.get("/admin/surveys/"),
        client.get("/admin/surveys/new"),
        client.get(f"/admin/surveys/{draft.id}"),
        client.get(f"/admin/surveys/{draft.id}/edit"),
        _upload(client, draft.id, BAD_CSV.encode()),
    ]
    for page in pages:
        html = page.get_data(as_text=True)
        assert "<script" not in html and "style=" not in html and "onclick" not in html
        assert "<th>" not in html  # every header cell has its scope
        # Every control has a label.
        for control_id in re.findall(r"<(?:input|select|textarea)[^>]*\bid=\"([^\"]+)\"", html):
            assert f'for="{control_id}"' in html, control_id


def test_editing_levels_leaves_other_surveys_alone(
    client: FlaskClient,
    admin: Any,
    draft: Survey,
    bundled_version: InstrumentVersion,
    db_session: Any,
) -> None:
    other = create_survey(instrument_key="relational-climate", title="Other")
    db_session.commit()
    before = _count(db_session, Level, Level.survey_id == other.id)
    token = page_token(client, f"/admin/surveys/{draft.id}/edit")
    client.post(
        f"/admin/surveys/{draft.id}/edit",
        data={
            "csrf_token": token,
            "title": "T",
            "levels": "one",
            "k_scores": "5",
            "k_comments": "10",
        },
    )
    assert _count(db_session, Level, Level.survey_id == other.id) == before == 3
    assert _count(db_session, Level, Level.survey_id == draft.id) == 1


def test_admin_queues_invitation_and_reminder_emails(
    client: FlaskClient, auth: AuthActions, make_user: Any, open_survey: OpenSurvey, db_session: Any
) -> None:
    make_user("mailer@example.org", Role.ADMIN)
    auth.login("mailer@example.org")
    page = client.get(f"/admin/surveys/{open_survey.survey.id}")
    token = csrf_token_from(page.get_data(as_text=True))
    sent = client.post(
        f"/admin/surveys/{open_survey.survey.id}/email/invitations",
        data={"csrf_token": token, "expected": "3"},
    )
    assert sent.status_code == 302
    queued = db_session.scalars(select(OutboxMessage)).all()
    assert len(queued) == 3  # one per invited person
    shown = client.get(f"/admin/surveys/{open_survey.survey.id}").get_data(as_text=True)
    assert "Invitations are queued for the 3 people who had none" in shown
    assert "Outbox: 3 pending" in shown
    again = client.post(
        f"/admin/surveys/{open_survey.survey.id}/email/invitations",
        data={"csrf_token": token, "expected": "0"},
    )
    assert again.status_code == 302
    assert len(db_session.scalars(select(OutboxMessage)).all()) == 3  # nobody twice
    wrong = client.post(
        f"/admin/surveys/{open_survey.survey.id}/email/spam", data={"csrf_token": token}
    )
    assert wrong.status_code == 404
    assert client.post(f"/admin/surveys/{open_survey.survey.id}/email/reminders").status_code == 400
