"""The employee summary: HR publishes it from a release (refused without one), employees read
it from their own link or the survey-wide results link, with no sign-in and no cookie, in
the instrument's languages, and it shows only what the release discloses."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.instruments.models import InstrumentVersion
from app.instruments.queries import document_of
from app.org.models import Team
from app.plans.services import add_action, create_plan
from app.reports.queries import latest_release, snapshot_of
from app.reports.releases import close_with_final_release
from app.reports.summary import CommittedAction, PlannedCommitment, employee_summary
from app.sharing.models import EmployeeSummary
from app.surveys.models import Invitation, Survey
from app.surveys.services import create_survey, import_participants, issue_links, open_survey
from app.surveys.tokens import token_sha256
from app.taking.services import BatchSubmission, store_responses
from tests.conftest import AuthActions, csrf_token_from, survey_answers
from tests.reports.answering import release

# team path -> (people, answer value for every item); Sales/Field is under k = 5.
ORG = {
    "Engineering/Platform": (9, 4),
    "Engineering/Data": (6, 2),
    "Sales/Field": (3, 3),
}
HIDDEN_TEAMS = ("Sales", "Field")


@dataclass
class SharedSurvey:
    survey: Survey
    tokens: dict[str, str]  # email -> raw survey token
    answered: list[str]
    unanswered: list[str]

    @property
    def id(self) -> int:
        return self.survey.id


def _org_survey(db_session: Any, version: InstrumentVersion, *, answer: bool) -> SharedSurvey:
    survey = create_survey(instrument_key="relational-climate", title="Shared wave", k_scores=5)
    lines = ["email,team,level,language"]
    people: list[tuple[str, int]] = []
    for team, (count, value) in ORG.items():
        for i in range(count + 1):  # one more invited than answer
            email = f"{team.replace('/', '-').lower()}-{i}@example.org"
            lines.append(f"{email},{team},individual_contributor,{'es' if i == 0 else ''}")
            if i < count:
                people.append((email, value))
    import_participants(survey.id, "\n".join(lines) + "\n")
    tokens = dict(issue_links(survey.id))
    open_survey(survey.id)
    answered = [email for email, _ in people]
    if answer:
        document = document_of(version)
        ids = dict(
            db_session.execute(
                select(Invitation.email, Invitation.id).where(Invitation.survey_id == survey.id)
            ).all()
        )
        submissions = [
            BatchSubmission(
                ids[email],
                {item.key: value for item in document.items},
                {},
                dt.date(2027, 3, 3),
            )
            for email, value in people
        ]
        store_responses(survey.id, version.id, document, submissions)
    db_session.commit()
    unanswered = sorted(set(tokens) - set(answered))
    return SharedSurvey(survey, tokens, answered, unanswered)


@pytest.fixture
def released(db_session: Any, bundled_version: InstrumentVersion) -> SharedSurvey:
    shared = _org_survey(db_session, bundled_version, answer=True)
    release(shared.survey)
    return shared


@pytest.fixture
def hr(auth: AuthActions, make_user: Any) -> Any:
    user = make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    return user


def _publish(client: FlaskClient, survey_id: int) -> Any:
    page = client.get(f"/reports/surveys/{survey_id}/summary")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(f"/reports/surveys/{survey_id}/summary", data={"csrf_token": token})


def _new_link(client: FlaskClient, survey_id: int) -> str:
    page = client.get(f"/reports/surveys/{survey_id}/summary")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(f"/reports/surveys/{survey_id}/summary/link", data={"csrf_token": token})
    assert response.status_code == 200
    found = re.search(r'value="http://[^"]*/s/results/([A-Za-z0-9_\-]+)"', response.get_data(True))
    assert found, "the page shows the new results link"
    return found.group(1)


def _summary_section(html: str) -> str:
    start = html.index('<section class="employee-summary"')
    return html[start : html.rindex("</section>")]


def _summaries(db_session: Any) -> int:
    return int(db_session.scalar(select(func.count()).select_from(EmployeeSummary)) or 0)


def _audits(db_session: Any, action: str) -> int:
    return int(
        db_session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )
        or 0
    )


# --- HR: publishing ------------------------------------------------------------------------


def test_a_survey_without_a_release_is_refused_with_a_message(
    client: FlaskClient, hr: Any, db_session: Any, bundled_version: InstrumentVersion
) -> None:
    shared = _org_survey(db_session, bundled_version, answer=True)
    page = client.get(f"/reports/surveys/{shared.id}/summary")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "has no release yet" in html
    assert "Publish the summary" not in html

    refused = _publish(client, shared.id)
    assert refused.status_code == 400
    assert "has no release yet: publish a release before sharing" in refused.get_data(True)
    assert _summaries(db_session) == 0
    assert _audits(db_session, "summary.publish") == 0
    # and employees find nothing either
    assert client.get(f"/s/{shared.tokens[shared.answered[0]]}/results").status_code == 404


def test_hr_previews_exactly_what_employees_read_then_publishes(
    client: FlaskClient, hr: Any, released: SharedSurvey, db_session: Any
) -> None:
    preview = client.get(f"/reports/surveys/{released.id}/summary").get_data(as_text=True)
    assert "Nothing is shared with employees yet" in preview
    assert ">Engineering/Platform</h3>" in preview
    assert not any(name in preview for name in HIDDEN_TEAMS)

    published = _publish(client, released.id)
    assert published.status_code == 302
    summary = db_session.scalar(select(EmployeeSummary))
    assert summary.release_id == latest_release(released.id).id
    assert summary.published_by_id == hr.id
    assert _audits(db_session, "summary.publish") == 1

    employees = client.get(f"/s/{released.tokens[released.answered[1]]}/results?lang=en")
    # The summary section of the preview is the employees' page, number for number.
    again = client.get(f"/reports/surveys/{released.id}/summary?lang=en").get_data(True)
    assert _summary_section(employees.get_data(as_text=True)) == _summary_section(again)
    assert "people answered" in _summary_section(again)


def test_managers_may_not_publish(
    client: FlaskClient, auth: AuthActions, make_user: Any, released: SharedSurvey, db_session: Any
) -> None:
    make_user("lead@example.org", Role.MANAGER, ["Engineering"])
    auth.login("lead@example.org")
    assert client.get(f"/reports/surveys/{released.id}/summary").status_code == 403
    assert client.post(f"/reports/surveys/{released.id}/summary").status_code in (400, 403)
    assert _summaries(db_session) == 0


# --- employees ------------------------------------------------------------------------------


@pytest.fixture
def shared(client: FlaskClient, hr: Any, released: SharedSurvey) -> SharedSurvey:
    assert _publish(client, released.id).status_code == 302
    return released


def _employee(app: Any) -> FlaskClient:
    return app.test_client()  # no cookie of anyone


def test_used_and_unused_links_read_the_same_page_and_set_no_cookie(
    app: Any, shared: SharedSurvey, db_session: Any
) -> None:
    client = _employee(app)
    used = client.get(f"/s/{shared.tokens[shared.answered[1]]}/results?lang=en")
    unused = client.get(f"/s/{shared.tokens[shared.unanswered[1]]}/results?lang=en")
    assert used.status_code == unused.status_code == 200
    assert used.get_data() == unused.get_data()
    for response in (used, unused):
        assert "Set-Cookie" not in response.headers
        assert response.headers["Referrer-Policy"] == "no-referrer"
    html = used.get_data(as_text=True)
    assert "Engineering/Platform" in html and "Mutuality" in html
    assert "hr@example.org" not in html  # no staff data
    # The invitation stays as it was.
    assert db_session.scalar(select(func.count()).where(Invitation.responded.is_(True))) == len(
        shared.answered
    )


def test_the_page_is_in_the_link_language_or_the_one_asked_for(
    app: Any, shared: SharedSurvey
) -> None:
    client = _employee(app)
    spanish_link = next(e for e in shared.answered if e.endswith("-0@example.org"))
    html = client.get(f"/s/{shared.tokens[spanish_link]}/results").get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "Mutualidad" in html and "Poder sobre otros" in html  # the document's labels
    assert "Resultados" in html and "Cómo leer estos resultados" in html  # the page's text
    assert re.search(r"\b\d,\d\b", html), "numbers as Spanish writes them"
    english = client.get(f"/s/{shared.tokens[spanish_link]}/results?lang=en").get_data(True)
    assert '<html lang="en">' in english and "How to read these results" in english


def test_the_results_link_opens_the_summary_and_only_its_hash_is_stored(
    app: Any, client: FlaskClient, hr: Any, released: SharedSurvey, db_session: Any
) -> None:
    assert _publish(client, released.id).status_code == 302
    raw = _new_link(client, released.id)
    summary = db_session.scalar(select(EmployeeSummary))
    assert summary.link_sha256 == token_sha256(raw)
    assert _audits(db_session, "summary.link") == 1

    employee = _employee(app)
    page = employee.get(f"/s/results/{raw}")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers
    assert "Engineering/Platform" in page.get_data(as_text=True)

    newer = _new_link(client, released.id)
    assert employee.get(f"/s/results/{raw}").status_code == 404  # replaced
    assert employee.get(f"/s/results/{newer}").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/s/results/not-a-real-link",
        "/s/results/" + "x" * 400,
        "/s/not-a-real-token/results",
    ],
)
def test_unknown_or_garbled_links_answer_a_friendly_404_in_the_employee_language(
    app: Any, shared: SharedSurvey, path: str
) -> None:
    client = _employee(app)
    english = client.get(path)
    assert english.status_code == 404
    assert "Set-Cookie" not in english.headers
    text = english.get_data(as_text=True)
    assert "not valid" in text and "Engineering" not in text
    spanish = client.get(path + "?lang=es")
    assert spanish.status_code == 404
    assert "no es válido" in spanish.get_data(as_text=True)
    browser = client.get(path, headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert "no es válido" in browser.get_data(as_text=True)


def test_a_token_the_router_refuses_is_a_plain_404_without_data(
    app: Any, shared: SharedSurvey
) -> None:
    response = _employee(app).get("/s/results/%00%ff")
    assert response.status_code == 404
    assert "Set-Cookie" not in response.headers
    assert "Engineering" not in response.get_data(as_text=True)


def test_a_link_of_a_survey_with_no_summary_finds_none(app: Any, released: SharedSurvey) -> None:
    response = _employee(app).get(f"/s/{released.tokens[released.answered[0]]}/results?lang=en")
    assert response.status_code == 404
    assert "No results of this survey have been shared yet" in response.get_data(True)
    assert "Engineering" not in response.get_data(True)


# --- privacy --------------------------------------------------------------------------------


def test_only_what_the_release_discloses_appears_also_by_difference(
    app: Any, shared: SharedSurvey, db_session: Any
) -> None:
    html = _employee(app).get(f"/s/{shared.tokens[shared.answered[1]]}/results?lang=en")
    text = html.get_data(as_text=True)
    snapshot = snapshot_of(latest_release(shared.id))
    publication = snapshot.publication()
    paths = {t.id: t.path for t in db_session.scalars(select(Team))}
    for team, path in paths.items():
        heading = f">{path}</h3>"
        assert (heading in text) == publication.responded(team).shown, path
    assert not any(f">{name}" in text for name in HIDDEN_TEAMS)
    # No parent is shown with all its children but one: that one would be the difference.
    parents = snapshot.aggregates.parents
    groups: dict[int | None, list[int]] = {}
    for team, parent in parents.items():
        groups.setdefault(parent, []).append(team)
    for parent, children in groups.items():
        hidden = [c for c in children if not publication.responded(c).shown]
        if publication.responded(parent).shown and len(hidden) == 1:
            raise AssertionError(f"team {hidden[0]} is the difference of {parent} and the rest")
    # Every count on the page is one the release shows.
    counts = {int(n) for n in re.findall(r"(\d+) people answered", text)}
    shown = {d.n for d in publication.responses.values() if d.shown}
    assert counts and counts <= shown


def test_a_team_under_k_is_never_named_and_its_plans_are_never_read(
    db_session: Any, released: SharedSurvey
) -> None:
    snapshot = snapshot_of(latest_release(released.id))
    publication = snapshot.publication()
    document = document_of(released.survey.instrument_version)
    teams = {t.path: t.id for t in db_session.scalars(select(Team))}
    asked: list[int] = []

    def plans_of(team: int) -> list[PlannedCommitment]:
        asked.append(team)
        return [PlannedCommitment(("silencing",), (CommittedAction("Talk", "done", None),))]

    values = employee_summary(publication, snapshot.aggregates.paths, document, "en", plans_of)
    named = {group.name for group in values.teams}
    assert "Sales/Field" not in named and "Sales" not in named
    assert teams["Sales/Field"] not in asked and teams["Sales"] not in asked
    assert sorted(asked) == sorted(group.team for group in values.teams)
    platform = next(group for group in values.teams if group.name == "Engineering/Platform")
    assert platform.commitments[0].focus_areas == ("Silencing",)
    assert platform.commitments[0].actions[0].text == "Talk"


def test_employees_read_the_commitments_of_shown_teams_only(
    app: Any, client: FlaskClient, hr: Any, released: SharedSurvey, db_session: Any
) -> None:
    teams = {t.path: t.id for t in db_session.scalars(select(Team))}
    for path, text in (("Engineering/Platform", "Rotate who chairs"), ("Sales/Field", "Secret")):
        plan = create_plan(hr, released.id, teams[path], ["silencing", "voice_influence"])
        add_action(
            hr, plan, text=text, owner_id=hr.id, due_on=dt.date(2027, 6, 30), notes="private"
        )
    db_session.commit()
    assert _publish(client, released.id).status_code == 302
    for language, focus, due in (
        ("en", "Silencing, Voice and influence", "June 30, 2027"),
        ("es", "Silenciamiento", "30 de junio de 2027"),
    ):
        html = (
            _employee(app)
            .get(f"/s/{released.tokens[released.answered[1]]}/results?lang={language}")
            .get_data(as_text=True)
        )
        assert "Rotate who chairs" in html and due in html and focus in html
        assert "Secret" not in html and "private" not in html  # a hidden team; notes
        assert "hr@example.org" not in html  # no owner


def test_unknown_survey_or_nothing_answered(
    client: FlaskClient, hr: Any, db_session: Any, bundled_version: InstrumentVersion
) -> None:
    assert client.get("/reports/surveys/99999/summary").status_code == 404


# --- reached from the employee's own link ------------------------------------------------


def test_the_used_link_page_offers_the_results_once_shared(
    app: Any, client: FlaskClient, hr: Any, released: SharedSurvey
) -> None:
    employee = _employee(app)
    used = released.tokens[released.answered[1]]
    before = employee.get(f"/s/{used}?lang=en")
    assert before.status_code == 410
    assert "See the results" not in before.get_data(as_text=True)

    assert _publish(client, released.id).status_code == 302
    page = employee.get(f"/s/{used}?lang=en")
    assert page.status_code == 410
    html = page.get_data(as_text=True)
    assert "You have already answered" in html
    assert '<a href="?view=results&amp;lang=en">See the results</a>' in html
    assert used not in html  # the link holds no token
    onward = employee.get(f"/s/{used}?view=results&lang=en")
    assert onward.status_code == 302
    assert onward.location == f"/s/{used}/results?lang=en"
    assert employee.get(onward.location).status_code == 200
    spanish = employee.get(f"/s/{used}?lang=es").get_data(as_text=True)
    assert "Ver los resultados" in spanish


def test_after_the_close_used_and_unused_links_still_answer_the_same(
    app: Any, client: FlaskClient, hr: Any, released: SharedSurvey, db_session: Any
) -> None:
    assert _publish(client, released.id).status_code == 302
    close_with_final_release(released.id, actor=None)
    db_session.commit()
    employee = _employee(app)
    used = released.tokens[released.answered[1]]
    unused = released.tokens[released.unanswered[1]]
    answers = {}
    for name, token in (("used", used), ("unused", unused)):
        response = employee.get(f"/s/{token}?lang=en")
        answers[name] = (response.status_code, response.get_data(as_text=True))
        assert "Set-Cookie" not in response.headers
    assert answers["used"] == answers["unused"]
    status, body = answers["used"]
    assert status == 410 and "This survey is closed" in body and "See the results" in body
    for token in (used, unused):
        assert employee.get(f"/s/{token}/results?lang=en").status_code == 200


def test_the_thank_you_page_offers_the_results_once_shared(
    app: Any, client: FlaskClient, hr: Any, released: SharedSurvey
) -> None:
    assert _publish(client, released.id).status_code == 302
    employee = _employee(app)
    token = released.tokens[released.unanswered[0]]
    html = employee.get(f"/s/{token}?lang=en").get_data(as_text=True)
    document = document_of(released.survey.instrument_version)
    data = {"csrf_token": csrf_token_from(html), "lang": "en"} | survey_answers(document)
    done = employee.post(f"/s/{token}", data=data)
    assert done.status_code == 302
    assert done.location.startswith(f"/s/thanks/{token}?")
    thanks = employee.get(done.location).get_data(as_text=True)
    assert "Thank you" in thanks
    assert f'href="/s/{token}/results?lang=en"' in thanks
    # Without a link, or with a link of no survey with a summary, nothing is offered.
    plain = employee.get("/s/thanks/not-a-real-token?lang=en").get_data(as_text=True)
    assert "Thank you" in plain and "See the results" not in plain


def test_the_releases_page_leads_hr_to_the_employee_summary(
    client: FlaskClient, hr: Any, released: SharedSurvey
) -> None:
    html = client.get(f"/reports/surveys/{released.id}/releases").get_data(as_text=True)
    assert f'href="/reports/surveys/{released.id}/summary"' in html


def test_a_results_link_before_any_summary_is_refused_and_nothing_is_stored(
    client: FlaskClient, hr: Any, released: SharedSurvey, db_session: Any
) -> None:
    page = client.get(f"/reports/surveys/{released.id}/summary").get_data(as_text=True)
    assert "Create a new results link" not in page
    token = csrf_token_from(page)
    refused = client.post(
        f"/reports/surveys/{released.id}/summary/link", data={"csrf_token": token}
    )
    assert refused.status_code == 400
    assert "has no published employee summary: publish one first" in refused.get_data(True)
    assert _summaries(db_session) == 0 and _audits(db_session, "summary.link") == 0
    # Without the CSRF token nothing happens either.
    assert client.post(f"/reports/surveys/{released.id}/summary").status_code == 400
    assert _summaries(db_session) == 0


def test_publishing_again_moves_employees_to_the_newer_release(
    app: Any, client: FlaskClient, hr: Any, released: SharedSurvey, db_session: Any
) -> None:
    assert _publish(client, released.id).status_code == 302
    link = f"/s/{released.tokens[released.answered[1]]}/results?lang=en"
    assert "these are interim results" in _employee(app).get(link).get_data(as_text=True)
    final = close_with_final_release(released.id, actor=None)
    db_session.commit()
    page = client.get(f"/reports/surveys/{released.id}/summary").get_data(as_text=True)
    assert f"Release {final.number} is newer" in page
    assert "interim results" in _employee(app).get(link).get_data(as_text=True)  # not yet
    assert _publish(client, released.id).status_code == 302
    db_session.expire_all()
    assert db_session.scalar(select(EmployeeSummary)).release_id == final.id
    assert "interim results" not in _employee(app).get(link).get_data(as_text=True)
    assert _audits(db_session, "summary.publish") == 2


def test_without_a_link_language_the_browser_chooses_among_the_instrument_languages(
    app: Any, client: FlaskClient, hr: Any, released: SharedSurvey
) -> None:
    # The survey-wide link carries no language, and an invitation's is purged at the close.
    assert _publish(client, released.id).status_code == 302
    raw = _new_link(client, released.id)
    employee = _employee(app)
    spanish = employee.get(f"/s/results/{raw}", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert '<html lang="es">' in spanish.get_data(as_text=True)
    other = employee.get(f"/s/results/{raw}", headers={"Accept-Language": "fr-FR"})
    assert '<html lang="en">' in other.get_data(as_text=True)  # the instrument's default
