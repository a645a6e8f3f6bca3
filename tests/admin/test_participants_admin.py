"""The participants page: the list (paged, searched, the same whether people answered or
not), one person added or removed, with every refusal; each change audited without the
person's address."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.auth.models import StaffUser
from app.surveys.models import Invitation, Survey
from app.surveys.services import close_survey, create_survey, import_participants
from tests.admin.conftest import audit_events, page_text, page_token, submit
from tests.conftest import PARTICIPANTS_CSV, OpenSurvey


def _count(db: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(Invitation)))


def _without_csrf(response: Any) -> str:
    """The page without its CSRF tokens, which carry the second they were made."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))


@pytest.fixture
def draft(db_session: Any, bundled_version: Any) -> Survey:
    survey = create_survey(instrument_key="relational-climate", title="Spring wave")
    import_participants(survey.id, PARTICIPANTS_CSV)
    db_session.commit()
    return survey


def _invitation(db: Any, email: str) -> Invitation:
    invitation = db.scalar(select(Invitation).where(Invitation.email == email))
    assert invitation is not None
    return invitation


def test_the_list_shows_address_team_level_and_whether_invited(
    client: FlaskClient, admin: StaffUser, open_survey: OpenSurvey, db_session: Any
) -> None:
    url = f"/admin/surveys/{open_survey.survey.id}/participants"
    page = page_text(client.get(url))
    assert "3 people; page 1 of 1." in page
    assert "ana@example.org" in page and "Engineering/Platform" in page and "Manager" in page
    assert page.count("yes: holds a link") == 3
    assert "answered" not in page.replace("has answered", "").replace("not answered", "")
    # Nothing on the page changes when someone answers.
    before = _without_csrf(client.get(url))
    _invitation(db_session, "ben@example.org").responded = True
    db_session.commit()
    assert _without_csrf(client.get(url)) == before


def test_the_list_is_paged_and_searched(
    client: FlaskClient, admin: StaffUser, draft: Survey, db_session: Any
) -> None:
    import_participants(
        draft.id,
        "email,team,level\n" + "".join(f"p{n:03}@example.org,Sales,manager\n" for n in range(60)),
    )
    db_session.commit()
    url = f"/admin/surveys/{draft.id}/participants"
    first = page_text(client.get(url))
    assert "63 people; page 1 of 2." in first and "Next page" in first
    second = page_text(client.get(url + "?page=2"))
    assert "page 2 of 2" in second and "Previous page" in second and "p059@example.org" in second
    found = page_text(client.get(url + "?q=P05"))
    assert "10 people whose address contains “P05”" in found
    nobody = page_text(client.get(url + "?q=zzz"))
    assert "Nobody's address contains “zzz”." in nobody
    # A bad page number or search reads as none.
    for query in ("?page=abc", "?page=0", "?page=99999999999", "?q=%00"):
        assert client.get(url + query).status_code == 200, query


def test_one_person_is_added_and_audited_without_their_address(
    client: FlaskClient, admin: StaffUser, open_survey: OpenSurvey, db_session: Any
) -> None:
    survey = open_survey.survey
    url = f"/admin/surveys/{survey.id}/participants"
    added = submit(
        client,
        f"{url}/add",
        {"email": "Dee@Example.org", "team": "Sales", "level": "manager", "language": "es"},
        page=url,
    )
    assert added.status_code == 302
    assert "dee@example.org is on the survey" in page_text(client.get(added.location))
    invitation = _invitation(db_session, "dee@example.org")
    assert (invitation.team.path, invitation.level.key, invitation.language) == (
        "Sales",
        "manager",
        "es",
    )
    (event,) = audit_events(db_session, "participant.add")
    assert event.detail == {"participant": invitation.id, "team": "Sales", "level": "manager"}
    assert "dee@" not in str(event.detail)


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"email": "not an address"}, 400, "Email: 'not an address' is not an email."),
        ({"email": "x@example.org\x00"}, 400, "contains a control character"),
        ({"team": ""}, 400, "This field is required."),
        ({"team": "Marketing"}, 400, "Marketing is not in this survey, which is open"),
        ({"team": "Sales//East"}, 400, "is not a team path"),
        ({"level": "chief"}, 400, "Not a valid choice."),
        ({"language": "fr"}, 400, "Not a valid choice."),
        ({"email": "ana@example.org"}, 409, "ana@example.org is already invited to this survey."),
    ],
)
def test_adding_bad_input_is_refused_with_a_message_and_nothing_stored(
    client: FlaskClient,
    admin: StaffUser,
    open_survey: OpenSurvey,
    db_session: Any,
    data: dict[str, str],
    status: int,
    message: str,
) -> None:
    url = f"/admin/surveys/{open_survey.survey.id}/participants"
    values = {"email": "dee@example.org", "team": "Sales", "level": "manager", "language": ""}
    response = submit(client, f"{url}/add", values | data, page=url)
    assert response.status_code == status
    assert message in page_text(response)
    assert _count(db_session) == 3
    assert audit_events(db_session, "participant.add") == []


def test_a_person_not_invited_is_removed_and_an_invited_one_is_refused(
    client: FlaskClient, admin: StaffUser, draft: Survey, db_session: Any
) -> None:
    url = f"/admin/surveys/{draft.id}/participants"
    page = page_text(client.get(url))
    assert page.count(">Remove</button>") == 3  # nobody invited yet
    ben = _invitation(db_session, "ben@example.org")
    removed = submit(client, f"{url}/{ben.id}/remove", {}, page=url)
    assert removed.status_code == 302
    assert "ben@example.org is no longer on the survey." in page_text(client.get(removed.location))
    assert _count(db_session) == 2
    (event,) = audit_events(db_session, "participant.remove")
    assert event.detail == {
        "participant": ben.id,
        "team": "Engineering/Platform",
        "level": "manager",
    }

    # The links file gives everyone a link: from then on nobody is removed.
    token = page_token(client, f"/admin/surveys/{draft.id}")
    client.post(f"/admin/surveys/{draft.id}/links", data={"csrf_token": token, "understood": "y"})
    assert ">Remove</button>" not in page_text(client.get(url))
    ana = _invitation(db_session, "ana@example.org")
    refused = submit(client, f"{url}/{ana.id}/remove", {}, page=url)
    assert refused.status_code == 409
    assert "only people not invited yet can be removed" in page_text(refused)
    assert _count(db_session) == 2
    assert len(audit_events(db_session, "participant.remove")) == 1


def test_removing_needs_the_csrf_token_and_a_person_of_this_survey(
    client: FlaskClient, admin: StaffUser, draft: Survey, db_session: Any, bundled_version: Any
) -> None:
    url = f"/admin/surveys/{draft.id}/participants"
    ana = _invitation(db_session, "ana@example.org")
    assert client.post(f"{url}/{ana.id}/remove").status_code == 400  # no CSRF token
    other = create_survey(instrument_key="relational-climate", title="Other")
    db_session.commit()
    wrong = submit(client, f"/admin/surveys/{other.id}/participants/{ana.id}/remove", {}, page=url)
    assert wrong.status_code == 404
    assert submit(client, f"{url}/999999/remove", {}, page=url).status_code == 404
    assert _count(db_session) == 3


def test_a_closed_survey_lists_teams_without_addresses_and_takes_no_change(
    client: FlaskClient, admin: StaffUser, open_survey: OpenSurvey, db_session: Any
) -> None:
    from app.surveys.services import purge_contacts

    survey = open_survey.survey
    close_survey(survey.id)
    purge_contacts(survey.id)
    db_session.commit()
    url = f"/admin/surveys/{survey.id}/participants"
    page = page_text(client.get(url))
    assert page.count("(deleted at the close)") == 3
    assert "it takes no more participants" in page and "Add one person" not in page
    added = submit(
        client,
        f"{url}/add",
        {"email": "dee@example.org", "team": "Sales", "level": "manager"},
        page=url,
    )
    assert added.status_code == 409
    assert "is closed; it cannot be given participants" in page_text(added)
    assert _count(db_session) == 3
