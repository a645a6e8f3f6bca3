"""Releases: published once, stored immutably, the only source of every report page,
export, response rate and survey list."""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import delete, select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.errors import DomainError
from app.instruments.models import InstrumentVersion
from app.reports.models import Release
from app.reports.privacy import find_leaks
from app.reports.publication import publication_cells
from app.reports.queries import list_surveys, response_rates_of, snapshot_of
from app.reports.releases import publish_release
from app.reports.snapshot_format import MAGIC, decode, encode, read_sections
from app.surveys.models import Survey
from app.surveys.services import close_survey, create_survey, import_participants, open_survey
from app.taking.models import Comment, Response
from tests.conftest import AuthActions, csrf_token_from
from tests.reports.answering import answer, release

# Platform 8 people, Data 6, Sales 6; every one at level manager.
PEOPLE = {"Engineering/Platform": 8, "Engineering/Data": 6, "Sales": 6}


def _emails(team: str, count: int, start: int = 0) -> list[str]:
    slug = team.replace("/", "-").lower()
    return [f"{slug}{i}@example.org" for i in range(start, start + count)]


@pytest.fixture
def survey(db_session: Any, bundled_version: InstrumentVersion) -> Survey:
    created = create_survey(
        instrument_key="relational-climate", title="Release wave", k_scores=5, k_comments=5
    )
    lines = ["email,team,level"]
    for team, count in PEOPLE.items():
        lines += [f"{email},{team},manager" for email in _emails(team, count)]
    import_participants(created.id, "\n".join(lines) + "\n")
    open_survey(created.id)
    db_session.commit()
    return created


def _answer_first(survey: Survey, per_team: dict[str, int], value: int = 4) -> None:
    answer(survey, {e: value for team, n in per_team.items() for e in _emails(team, n)})


def test_a_release_is_numbered_dated_and_stores_its_decisions(
    survey: Survey, db_session: Any
) -> None:
    _answer_first(survey, {"Engineering/Platform": 6, "Engineering/Data": 5})
    first = release(survey)
    assert (first.number, first.final, first.responded, first.invited) == (1, False, 11, 20)
    snapshot = snapshot_of(first)
    assert snapshot.decisions.responses[(None, None)] == 11
    assert decode(encode(snapshot)).decisions == snapshot.decisions
    assert decode(encode(snapshot)).aggregates == snapshot.aggregates
    _answer_first(survey, {"Sales": 6})
    second = release(survey)
    assert second.number == 2
    assert snapshot_of(second).publication().view().responses.n == 17


def test_a_release_stores_its_test_family_and_reads_the_earlier_format(survey: Survey) -> None:
    _answer_first(survey, {"Engineering/Platform": 8, "Engineering/Data": 6, "Sales": 6})
    stored = release(survey).snapshot
    assert stored.startswith(MAGIC)
    sections = read_sections(stored)
    assert {"core", "items", "comparisons/all"} <= set(sections)
    snapshot = decode(stored)
    # The stored family is the one the aggregates give (computed again without it).
    recomputed = replace(snapshot, stored_comparisons=None).publication()
    for level in (None, *recomputed.levels):
        assert snapshot.publication().comparisons(level) == recomputed.comparisons(level)
    assert recomputed.comparisons()  # the teams were compared
    # A snapshot stored as one document before sections existed still reads the same.
    core, items = sections["core"], sections["items"]
    document = {
        **core,
        "format": 1,
        "items": items["counts"],
        "shown": {**core["shown"], "items": items["shown"]},
        "comments": {
            name.removeprefix("comments/"): block
            for name, block in sections.items()
            if name.startswith("comments/")
        },
    }
    del document["reasons"]  # kept since release format 2 (why hidden cells are hidden)
    old = decode(zlib.compress(json.dumps(document).encode()))
    untold = {"reasons": {}, "item_reasons": {}}
    assert replace(old.decisions, **untold) == replace(snapshot.decisions, **untold)
    assert old.decisions.reasons == {} and old.aggregates == snapshot.aggregates
    assert old.comments == snapshot.comments
    assert old.publication().comparisons() == snapshot.publication().comparisons()


def test_an_interim_release_that_shows_nothing_new_is_refused(survey: Survey) -> None:
    with pytest.raises(DomainError, match="would disclose nothing"):
        publish_release(survey, actor=None, final=False)  # nobody has answered
    _answer_first(survey, {"Engineering/Platform": 6, "Engineering/Data": 5})
    release(survey)
    with pytest.raises(DomainError, match="nothing new"):
        publish_release(survey, actor=None, final=False)  # nothing arrived since
    answer(survey, {_emails("Sales", 1)[0]: 2})
    with pytest.raises(DomainError, match="nothing new"):
        publish_release(survey, actor=None, final=False)  # one newcomer: all withheld


def test_re_reading_before_and_after_one_submission_gives_nothing(
    survey: Survey, db_session: Any
) -> None:
    """The issue's attack: the pages read the release, so one more response changes no
    number; and a release taken after it withholds every cell that would give it away."""
    _answer_first(survey, {"Engineering/Platform": 6, "Engineering/Data": 5, "Sales": 5})
    first = release(survey)
    answer(survey, {_emails("Sales", 1, start=5)[0]: 1})
    db_session.commit()
    assert snapshot_of(first).publication().view().responses.n == 16  # still the release
    second = publish_release(survey, actor=None, final=True)  # the close's final release
    before, after = snapshot_of(first), snapshot_of(second)
    for key, shown in after.decisions.items.items():
        for cell, n in shown.items():
            assert before.decisions.items[key].get(cell, n) == n
    for cell, n in after.decisions.responses.items():
        assert before.decisions.responses.get(cell, n) == n
        org_mean_before = before.publication().view(*cell).families
        org_mean_after = after.publication().view(*cell).families
        for key, measure in org_mean_after.items():
            if measure.mean is not None and org_mean_before[key].mean is not None:
                assert measure.mean.mean == org_mean_before[key].mean.mean


def test_the_rates_page_and_the_report_are_one_publication(
    db_session: Any, bundled_version: InstrumentVersion
) -> None:
    """org 11 - org at individual contributor 5 - Org/Sub 5 = the one leader directly in
    Org: the rates page's counts are the report's, decided together, so it cannot be."""
    wave = create_survey(instrument_key="relational-climate", title="Rates and report")
    lines = ["email,team,level", "lead@example.org,Org,senior_leader"]
    lines += [f"ic{i}@example.org,Org,individual_contributor" for i in range(5)]
    lines += [f"m{i}@example.org,Org/Sub,manager" for i in range(5)]
    import_participants(wave.id, "\n".join(lines) + "\n")
    open_survey(wave.id)
    everyone = ["lead@example.org"] + [f"ic{i}@example.org" for i in range(5)]
    answer(wave, dict.fromkeys(everyone + [f"m{i}@example.org" for i in range(5)], 4))
    published = release(wave)
    snapshot = snapshot_of(published)
    cells = publication_cells(snapshot.aggregates.parents, snapshot.aggregates.responses)
    rates = response_rates_of(wave)
    shown = {cell for cell, _ in snapshot.decisions.responses.items()}
    shown |= {(team, None) for team, rate in rates.items() if rate.responded.shown}
    assert find_leaks(cells, snapshot.aggregates.responses, shown, 5) == []
    assert rates[None].responded.n == 11


def test_a_release_never_changes(survey: Survey, db_session: Any) -> None:
    _answer_first(survey, {"Engineering/Platform": 6})
    stored = release(survey)
    stored.final = True
    with pytest.raises(DomainError, match="immutable"):
        db_session.flush()
    db_session.rollback()
    db_session.delete(db_session.get(Release, stored.id))
    with pytest.raises(DomainError, match="cannot be deleted"):
        db_session.flush()
    db_session.rollback()


def test_after_the_final_release_nothing_more_is_published(survey: Survey, db_session: Any) -> None:
    _answer_first(survey, {"Engineering/Platform": 6})
    close_survey(survey.id)
    final = publish_release(survey, actor=None, final=True)
    assert final.final and final.number == 1
    with pytest.raises(DomainError, match="final release"):
        publish_release(survey, actor=None, final=True)


def test_lists_read_the_latest_release(survey: Survey, db_session: Any) -> None:
    _answer_first(survey, {"Engineering/Platform": 6})
    ((_, rate),) = [(s, r) for s, r in list_surveys() if s.id == survey.id]
    assert (rate.invited, rate.responded.label) == (20, "no release yet")
    release(survey)
    _answer_first(survey, {"Sales": 6})  # not released: not counted
    ((_, rate),) = [(s, r) for s, r in list_surveys() if s.id == survey.id]
    assert (rate.invited, rate.responded.label) == (20, "6")


def test_pages_say_which_release_they_show(
    client: FlaskClient, auth: AuthActions, make_user: Any, survey: Survey, db_session: Any
) -> None:
    make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    base = f"/reports/surveys/{survey.id}"
    for path in ("/", "/items", "/comments", "/response-rates", f"/teams/{_team_id(db_session)}"):
        page = client.get(base + path)
        assert page.status_code == 200
        assert "No results yet" in page.get_data(as_text=True)
    assert client.get(base + "/export.csv").status_code == 404
    _answer_first(survey, {"Engineering/Platform": 6, "Engineering/Data": 5})
    release(survey)
    _answer_first(survey, {"Sales": 6})
    release(survey)
    html = client.get(base + "/").get_data(as_text=True)
    assert re.search(r"Results as of \d+ \w+ \d{4}, release 2 \(interim\)", html)
    assert "Responses in this view: <strong>17</strong>" in html
    html = client.get(base + "/?release=1").get_data(as_text=True)
    assert "release 1 (interim)" in html and "<strong>11</strong>" in html
    assert client.get(base + "/?release=7").status_code == 404
    rates = client.get(base + "/response-rates?release=1").get_data(as_text=True)
    assert "release 1 (interim)" in rates
    export = client.get(base + "/export.csv?release=1")
    assert "release-1" in export.headers["Content-Disposition"]


def _team_id(db_session: Any) -> int:
    from app.org.models import Team

    return db_session.scalars(select(Team.id).where(Team.path == "Sales")).one()


def test_an_admin_publishes_an_interim_release_from_the_releases_page(
    client: FlaskClient, auth: AuthActions, make_user: Any, survey: Survey, db_session: Any
) -> None:
    url = f"/reports/surveys/{survey.id}/releases"
    make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    page = client.get(url).get_data(as_text=True)
    assert "No release yet" in page and "Publish an interim release" not in page
    assert client.post(url, data={"csrf_token": csrf_token_from(page)}).status_code == 403
    auth.logout()
    admin = make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")
    page = client.get(url).get_data(as_text=True)
    assert "Publish an interim release" in page
    token = {"csrf_token": csrf_token_from(page)}
    assert client.post(url).status_code == 400  # no CSRF token
    refused = client.post(url, data=token)
    assert refused.status_code == 400 and "would disclose nothing" in refused.get_data(as_text=True)
    _answer_first(survey, {"Engineering/Platform": 6})
    db_session.commit()
    done = client.post(url, data=token)
    assert done.status_code == 302 and done.headers["Location"].endswith(url)
    page = client.get(url).get_data(as_text=True)
    assert "interim" in page and "Release 1 is published." in page
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "release.publish")
    ).one()
    assert (event.actor_id, event.object_id) == (admin.id, str(survey.id))


def test_the_release_command(runner: FlaskCliRunner, survey: Survey, db_session: Any) -> None:
    survey_id = survey.id
    refused = runner.invoke(args=["reports", "release", str(survey_id)])
    assert refused.exit_code == 1 and "would disclose nothing" in refused.output
    _answer_first(db_session.get(Survey, survey_id), {"Engineering/Platform": 6})
    db_session.commit()
    done = runner.invoke(args=["reports", "release", str(survey_id)])
    assert done.exit_code == 0, done.output
    assert "release 1 (interim)" in done.output


def test_pages_read_the_release_and_never_the_responses(
    client: FlaskClient, auth: AuthActions, make_user: Any, survey: Survey, db_session: Any
) -> None:
    """With every response and comment gone from the tables, the release still shows
    everything it showed: no page, export or count reads them."""
    everyone = [e for team, n in PEOPLE.items() for e in _emails(team, n)]
    answer(
        survey, dict.fromkeys(everyone, 4), {e: {"change_together": f"Idea {e}"} for e in everyone}
    )
    release(survey)
    make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    base = f"/reports/surveys/{survey.id}"
    pages = ("/", "/items", "/comments", "/heatmap", "/response-rates", "/export.csv")
    before = {page: _without_csrf(client.get(base + page).get_data(as_text=True)) for page in pages}
    assert "Idea " in before["/comments"] and "<strong>20</strong>" in before["/"]
    db_session.execute(delete(Comment))
    db_session.execute(delete(Response))
    db_session.commit()
    for page in pages:
        assert _without_csrf(client.get(base + page).get_data(as_text=True)) == before[page], page


def _without_csrf(page: str) -> str:
    """A page without its CSRF token, which carries the second it was signed in."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1", page)
