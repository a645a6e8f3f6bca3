"""The language cut through publish_release and the overview, on SQLite and PostgreSQL:
what a release stores, what the page shows and to whom, and bad filter input."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.models import Role
from app.instruments.models import InstrumentVersion
from app.instruments.queries import document_of
from app.org.models import Team
from app.reports.languages import LanguageCut
from app.reports.privacy import find_leaks
from app.reports.privacy.languages import NOT_RECORDED, language_cells
from app.reports.queries import latest_release, snapshot_of
from app.reports.snapshot import Snapshot
from app.surveys.models import Invitation, Survey
from app.surveys.services import create_survey, import_participants, open_survey
from app.taking.services import BatchSubmission, store_responses
from tests.conftest import AuthActions
from tests.reports.answering import release

# team path -> languages of its respondents, in order ("" : not recorded). Platform has one
# Spanish speaker among ten; Spanish is answered in three teams, English in all four.
ORG: dict[str, list[str]] = {
    "Engineering/Platform": ["en"] * 9 + ["es"],
    "Engineering/Data": ["en"] * 4 + ["es"] * 4,
    "Sales/East": ["es"] * 6 + ["en"] * 5 + [NOT_RECORDED] * 5,
    "Sales/West": ["en"] * 7,
}


LANGUAGE_SELECT = re.compile(r'<select[^>]*name="language"')


@dataclass
class LanguageSurvey:
    id: int
    teams: dict[str, int]

    def snapshot(self) -> Snapshot:
        found = latest_release(self.id)
        assert found is not None
        return snapshot_of(found)

    def cut(self) -> LanguageCut:
        cut = self.snapshot().languages()
        assert cut is not None
        return cut


def answered(
    app: Flask,
    db_session: Any,
    version: InstrumentVersion,
    org: Mapping[str, list[str]],
    title: str,
) -> LanguageSurvey:
    """A survey answered by `org` (everyone an individual contributor, every item 4 or 2 by
    team), each response's language sealed as the mixer seals it, and its first release."""
    survey = create_survey(instrument_key="relational-climate", title=title, k_scores=5)
    lines = ["email,team,level"]
    for team, languages in org.items():
        lines += [
            f"{team.replace('/', '-').lower()}-{i}@example.org,{team},individual_contributor"
            for i in range(len(languages))
        ]
    import_participants(survey.id, "\n".join(lines) + "\n")
    open_survey(survey.id)
    document = document_of(version)
    invitations = dict(
        db_session.execute(
            select(Invitation.email, Invitation.id).where(Invitation.survey_id == survey.id)
        ).all()
    )
    submissions = []
    for t, (team, languages) in enumerate(org.items()):
        for i in range(len(languages)):
            value = 4 if t % 2 else 2
            answers: dict[str, int | None] = {item.key: value for item in document.items}
            email = f"{team.replace('/', '-').lower()}-{i}@example.org"
            submissions.append(
                BatchSubmission(
                    invitations[email], answers, {}, dt.date(2027, 3, 3), languages[i] or None
                )
            )
    survey_id = survey.id
    teams = {t.path: t.id for t in db_session.scalars(select(Team))}
    # The app's BALLOT_KEYS seal the languages and the release unseals them.
    with app.app_context():
        store_responses(survey_id, version.id, document, submissions)
        db_session.commit()
        release(db_session.get(Survey, survey_id))
    return LanguageSurvey(survey_id, teams)


@pytest.fixture
def language_survey(
    app: Flask, db_session: Any, bundled_version: InstrumentVersion
) -> LanguageSurvey:
    return answered(app, db_session, bundled_version, ORG, "Language wave")


@pytest.fixture
def hr(auth: AuthActions, make_user: Any) -> Any:
    user = make_user("hr@example.org", Role.HR)
    auth.login("hr@example.org")
    return user


# --- what the release stores ----------------------------------------------------------------


def test_the_release_cuts_by_language_where_k_holds(language_survey: LanguageSurvey) -> None:
    cut = language_survey.cut()
    assert cut.languages == ("en", "es")
    assert cut.shown_languages == ("en", "es")
    assert cut.responses and all(n >= 5 for n in cut.responses.values())
    # the five unrecorded count in Sales/East's total, never as a language
    snapshot = language_survey.snapshot()
    east = language_survey.teams["Sales/East"]
    assert snapshot.publication().responded(east).n == 16
    assert all(language in {"en", "es"} for _, _, language in cut.responses)
    unrecorded = {
        atom: n for atom, n in cut.aggregates.responses.items() if atom[2] == NOT_RECORDED
    }
    assert sum(unrecorded.values()) == 5 and {team for team, _, _ in unrecorded} == {east}


def test_one_spanish_speaker_in_a_team_is_never_shown_nor_by_complement(
    language_survey: LanguageSurvey,
) -> None:
    cut = language_survey.cut()
    platform = language_survey.teams["Engineering/Platform"]
    publication = language_survey.snapshot().publication()
    assert publication.responded(platform).n == 10  # the team's total shows
    for level in (None, *publication.levels):
        assert (platform, level, "es") not in cut.responses
        # ten minus the English cell would be the one Spanish speaker
        assert (platform, level, "en") not in cut.responses
    assert not cut.measure(platform, None, "es", "mutuality").shown


def test_no_difference_of_shown_numbers_equals_a_hidden_cell(
    language_survey: LanguageSurvey,
) -> None:
    """The attack on the stored release: every shown number (team x level totals and
    language cells), every difference of two of them, and every total minus the sum of its
    shown languages; none isolates between 1 and k - 1 responses, so none is a hidden
    cell's count. Then the exact check over the span of everything shown."""
    snapshot = language_survey.snapshot()
    cut = language_survey.cut()
    cells = language_cells(snapshot.aggregates.parents, cut.aggregates.responses, cut.languages)
    counts = cut.aggregates.responses
    shown: dict[object, int] = {**snapshot.decisions.responses, **cut.responses}

    def n_of(cell: object) -> int:
        return sum(counts.get(a, 0) for a in cells[cell])  # type: ignore[index]

    hidden_small = {
        cell: n_of(cell)
        for cell in cells
        if len(cell) == 3 and cell not in cut.responses and 0 < n_of(cell) < 5
    }
    assert hidden_small  # the single Spanish speaker at least
    for a, b in itertools.permutations(shown, 2):
        if cells[b] <= cells[a]:  # type: ignore[index]
            difference = shown[a] - shown[b]
            assert not 0 < difference < 5, (a, b, difference)
    for total in snapshot.decisions.responses:
        languages = [(*total, lang) for lang in cut.languages if (*total, lang) in cut.responses]
        if languages:
            rest = shown[total] - sum(cut.responses[c] for c in languages)  # type: ignore[index]
            assert not 0 < rest < 5, (total, rest)
    assert find_leaks(cells, counts, shown, 5) == []


def test_a_survey_answered_in_one_language_has_no_cut(
    app: Flask,
    db_session: Any,
    bundled_version: InstrumentVersion,
    client: FlaskClient,
    hr: Any,
) -> None:
    org = {"Engineering/Platform": ["en"] * 6, "Sales/East": ["en"] * 5 + [NOT_RECORDED] * 3}
    survey = answered(app, db_session, bundled_version, org, "One language")
    cut = survey.cut()
    assert cut.languages == () and cut.responses == {}
    html = client.get(f"/reports/surveys/{survey.id}/").get_data(as_text=True)
    assert not LANGUAGE_SELECT.search(html) and "By language" not in html
    page = client.get(f"/reports/surveys/{survey.id}/?language=en")
    assert page.status_code == 400
    assert "no results by language" in page.get_data(as_text=True)


def test_the_stored_cut_is_read_back_from_the_release(language_survey: LanguageSurvey) -> None:
    found = latest_release(language_survey.id)
    assert found is not None
    from app.reports.snapshot_format import decode, read_sections

    assert "languages" in read_sections(found.snapshot)
    again = decode(found.snapshot).languages()
    assert again is not None
    assert again.responses == language_survey.cut().responses
    assert again.scores == language_survey.cut().scores


# --- the page -------------------------------------------------------------------------------


def test_the_overview_offers_the_languages_by_name_and_reads_the_filter(
    client: FlaskClient, hr: Any, language_survey: LanguageSurvey
) -> None:
    html = client.get(f"/reports/surveys/{language_survey.id}/").get_data(as_text=True)
    assert LANGUAGE_SELECT.search(html)
    assert ">English</option>" in html and ">Español</option>" in html
    assert "By language" in html
    page = client.get(f"/reports/surveys/{language_survey.id}/?language=es")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    spanish = language_survey.cut().responses[(None, None, "es")]
    assert f"answered in Español: <strong>{spanish}</strong>" in body
    # another page ignores the filter: only the overview reads it
    assert (
        client.get(f"/reports/surveys/{language_survey.id}/heatmap?language=es").status_code == 200
    )


def test_a_hidden_language_cell_says_why(
    client: FlaskClient, hr: Any, language_survey: LanguageSurvey
) -> None:
    platform = language_survey.teams["Engineering/Platform"]
    page = client.get(f"/reports/surveys/{language_survey.id}/?team={platform}&language=es")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "answered in Español: <strong>fewer than 5" in body
    assert "<strong>1</strong>" not in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("language=fr", "shows no results in the language"),
        ("language=zz-%3Cscript%3E", "shows no results in the language"),
        ("language=" + "x" * 300, "shows no results in the language"),
    ],
)
def test_bad_language_filters_get_a_clear_message(
    client: FlaskClient, hr: Any, language_survey: LanguageSurvey, query: str, message: str
) -> None:
    page = client.get(f"/reports/surveys/{language_survey.id}/?{query}")
    assert page.status_code == 400
    body = page.get_data(as_text=True)
    assert message in body and "English, Español" in body
    assert "<script>" not in body.split("</head>")[-1].replace("<script type=", "")


def test_a_language_hidden_everywhere_is_not_offered(
    app: Flask,
    db_session: Any,
    bundled_version: InstrumentVersion,
    client: FlaskClient,
    hr: Any,
) -> None:
    """French is answered in two teams, two people in all: never shown, never offered, and
    a filter on it is refused like an unknown code."""
    org = {**ORG, "Sales/West": ["en"] * 6 + ["fr"], "Sales/East": ORG["Sales/East"] + ["fr"]}
    survey = answered(app, db_session, bundled_version, org, "French pair")
    cut = survey.cut()
    assert "fr" in cut.languages and "fr" not in cut.shown_languages
    html = client.get(f"/reports/surveys/{survey.id}/").get_data(as_text=True)
    assert "Français" not in html
    assert client.get(f"/reports/surveys/{survey.id}/?language=fr").status_code == 400


def test_a_manager_sees_language_cells_only_for_teams_in_scope(
    client: FlaskClient, auth: AuthActions, make_user: Any, language_survey: LanguageSurvey
) -> None:
    make_user("lead@example.org", Role.MANAGER, teams=["Engineering/Data"])
    auth.login("lead@example.org")
    data = language_survey.teams["Engineering/Data"]
    west = language_survey.teams["Sales/West"]
    own = client.get(f"/reports/surveys/{language_survey.id}/?team={data}&language=en")
    assert own.status_code == 200
    assert "By language" in own.get_data(as_text=True)
    other = client.get(f"/reports/surveys/{language_survey.id}/?team={west}&language=en")
    assert other.status_code == 403
    # the view by language lists languages, not teams: no other team's name appears in it
    body = own.get_data(as_text=True)
    table = body.split("By language", 1)[1].split("</table>", 1)[0]
    assert "Sales" not in table and "Platform" not in table


def test_a_second_release_is_decided_with_the_first_ones_cut(
    app: Flask,
    db_session: Any,
    bundled_version: InstrumentVersion,
    language_survey: LanguageSurvey,
) -> None:
    """Six Spanish speakers answer in Engineering/Data after release 1: release 2 reads
    release 1's stored cut and decides with it, so no difference of the two releases'
    language cells (or totals) isolates fewer than k of the newcomers."""
    first = language_survey.snapshot()
    lines = ["email,team,level"] + [
        f"late-{i}@example.org,Engineering/Data,individual_contributor" for i in range(6)
    ]
    import_participants(language_survey.id, "\n".join(lines) + "\n")
    document = document_of(bundled_version)
    invitations = dict(
        db_session.execute(
            select(Invitation.email, Invitation.id).where(
                Invitation.survey_id == language_survey.id, Invitation.email.like("late-%")
            )
        ).all()
    )
    with app.app_context():
        store_responses(
            language_survey.id,
            bundled_version.id,
            document,
            [
                BatchSubmission(
                    invitation,
                    {item.key: 3 for item in document.items},
                    {},
                    dt.date(2027, 3, 4),
                    "es",
                )
                for invitation in invitations.values()
            ],
        )
        db_session.commit()
        release(db_session.get(Survey, language_survey.id))
    second = language_survey.snapshot()
    assert second is not first
    first_cut, second_cut = first.languages(), second.languages()
    assert first_cut is not None and second_cut is not None
    assert second_cut.responses != first_cut.responses  # release 2 shows something new
    # every cell release 1 showed is still shown, with the count it showed then or more
    for cell, n in first_cut.responses.items():
        assert cell not in second_cut.responses or second_cut.responses[cell] >= n
    # the reader keeps both releases: nothing in their span isolates fewer than k
    counts: dict[object, int] = {}
    for r, cut in enumerate((first_cut, second_cut)):
        previous = first_cut.aggregates.responses if r else {}
        for atom, n in cut.aggregates.responses.items():
            if n - previous.get(atom, 0):
                counts[(*atom, r)] = n - previous.get(atom, 0)
    cells: dict[object, frozenset[object]] = {}
    for r, (snapshot, cut) in enumerate(((first, first_cut), (second, second_cut))):
        joint = language_cells(snapshot.aggregates.parents, cut.aggregates.responses, cut.languages)
        for cell in [*snapshot.decisions.responses, *cut.responses]:
            cells[(r, cell)] = frozenset(
                (*atom, i) for atom in joint[cell] for i in range(r + 1) if (*atom, i) in counts
            )
    assert find_leaks(cells, counts, cells, 5) == []
