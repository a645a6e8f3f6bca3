"""Who reads what (app.reports.readers), and the comments page that enforces it: a manager
reads the comment groups of their own subtrees, never the organisation's list."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.auth.models import Role
from app.reports import registry
from app.reports.readers import READERS, Reach, readable_comment_groups, reader, receipt_readers
from tests.conftest import AuthActions
from tests.reports import test_pages
from tests.reports.test_pages import ReportSurvey

# 1 -> (2 -> 3), 4: team 1 is a root with the subtree {1, 2, 3}.
SUBTREES = {1: frozenset({1, 2, 3}), 2: frozenset({2, 3}), 3: frozenset({3}), 4: frozenset({4})}
SHOWN_COMMENT = "&lt;b&gt;bold&lt;/b&gt;"  # the start of test_pages.HOSTILE_COMMENT, escaped

# The pages' small organisation: Engineering/Platform's nine people each wrote a comment.
report_survey = test_pages.report_survey


def test_every_role_has_one_rule() -> None:
    assert sorted(r.role for r in READERS) == sorted(role.value for role in Role)


@pytest.mark.parametrize("role", [Role.HR, Role.ADMIN])
def test_hr_and_admins_read_every_group_and_the_organisation(role: Role) -> None:
    assert readable_comment_groups(role, {1, 2, 3, 4}, SUBTREES) == {None, 1, 2, 3, 4}


def test_a_manager_reads_only_whole_subtrees_of_their_own() -> None:
    assert readable_comment_groups(Role.MANAGER, {2, 3}, SUBTREES) == {2, 3}
    # Even a manager who sees every team never reads the organisation's list.
    assert None not in readable_comment_groups(Role.MANAGER, {1, 2, 3, 4}, SUBTREES)
    assert readable_comment_groups(Role.MANAGER, set(), SUBTREES) == frozenset()


def test_an_unknown_role_reads_nothing() -> None:
    with pytest.raises(ValueError, match="no reading rule"):
        reader("auditor")


def test_the_receipt_facts_group_roles_by_reach() -> None:
    facts = receipt_readers()
    assert facts.comments == [
        (Reach.ORGANISATION, ["hr", "admin"]),
        (Reach.OWN_TEAMS, ["manager"]),
    ]
    assert facts.scores == [
        (Reach.ORGANISATION, ["hr", "admin"]),
        (Reach.OWN_TEAMS_AND_TOTAL, ["manager"]),
    ]


def _comments(client: FlaskClient, survey: ReportSurvey, team: int | None = None) -> str:
    query = f"?team={team}" if team is not None else ""
    page = client.get(f"/reports/surveys/{survey.id}/comments{query}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_a_manager_reads_their_subtrees_comments_and_never_the_organisations(
    client: FlaskClient, auth: AuthActions, make_user: Any, report_survey: ReportSurvey
) -> None:
    make_user("lead@example.org", Role.MANAGER, ["Engineering"])
    auth.login("lead@example.org")
    for team in ("Engineering", "Engineering/Platform"):
        assert SHOWN_COMMENT in _comments(client, report_survey, report_survey.teams[team])
    organisation = _comments(client, report_survey)
    assert SHOWN_COMMENT not in organisation
    assert "Choose one of your teams" in organisation
    assert "comments/export.csv" not in organisation  # no link to a 403
    team_page = _comments(client, report_survey, report_survey.teams["Engineering"])
    assert "comments/export.csv" in team_page
    assert "comments: not shown" not in organisation  # not even the organisation's count


def test_a_manager_with_no_team_in_the_survey_is_told_why(
    client: FlaskClient,
    auth: AuthActions,
    make_team: Any,
    make_user: Any,
    report_survey: ReportSurvey,
) -> None:
    make_team("Marketing")
    make_user("elsewhere@example.org", Role.MANAGER, ["Marketing"])
    auth.login("elsewhere@example.org")
    page = _comments(client, report_survey)
    assert SHOWN_COMMENT not in page
    assert "None of this survey's teams is one of yours" in page.replace("&#39;", "'")


@pytest.mark.parametrize("role", [Role.HR, Role.ADMIN])
def test_hr_and_admins_read_the_organisations_list(
    client: FlaskClient, auth: AuthActions, make_user: Any, report_survey: ReportSurvey, role: Role
) -> None:
    make_user("reader@example.org", role)
    auth.login("reader@example.org")
    page = _comments(client, report_survey)
    assert SHOWN_COMMENT in page
    assert "comments-unreadable" not in page


def test_long_comment_lists_come_a_page_at_a_time(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Any,
    report_survey: ReportSurvey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    registry._page_values.clear()  # values cached with the other page size
    monkeypatch.setattr(registry, "COMMENTS_PER_PAGE", 4)
    platform = report_survey.teams["Engineering/Platform"]

    def listed(query: str) -> tuple[int, str]:
        page = client.get(f"/reports/surveys/{report_survey.id}/comments?team={platform}{query}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        return html.count('<li class="comment">'), html

    first, html = listed("")
    assert first == 4 and "Page 1 of 3" in html and "Comments 1–4 of 9." in html
    assert "Next comments" in html and "Previous comments" not in html
    assert f"team={platform}" in html.split("Next comments")[0].rsplit("href=", 1)[1]
    second, _ = listed("&page=2")
    last, html = listed("&page=3")
    assert (second, last) == (4, 1) and "Comments 9–9 of 9." in html
    assert "Next comments" not in html
    assert listed("&page=99")[0] == 1  # past the end: the last page
    for bad in ("&page=abc", "&page=-2", "&page=0"):
        count, html = listed(bad)
        assert count == 4 and "Page 1 of 3" in html
    registry._page_values.clear()
