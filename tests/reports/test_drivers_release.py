"""Key drivers at publication: computed once per release for the organisation and every
department the release shows (with enough complete responses), stored as weights and
intervals only, read back by `Snapshot.drivers`; older releases read as "not computed"."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from app.db import Session
from app.instruments.document import InstrumentDocument
from app.instruments.models import InstrumentVersion
from app.instruments.queries import document_of
from app.org.models import Team
from app.reports.drivers import (
    DriverKeys,
    ReleaseDrivers,
    department_of,
    departments,
    driver_keys,
    driver_view,
    release_drivers,
)
from app.reports.queries import driver_scores, snapshot_of
from app.reports.snapshot_format import decode, encode, read_sections
from app.reports.stats.drivers import KeyDrivers, NoDrivers
from app.surveys.models import Invitation, Survey
from app.surveys.services import create_survey, import_participants, open_survey
from app.taking.services import BatchSubmission, store_responses
from tests.reports.answering import release

# Engineering (a department: 130), Sales (a department: 60, under the minimum of 100),
# Solo (a top-level team without teams under it: not a department).
PEOPLE = {
    "Engineering/Platform": 70,
    "Engineering/Data": 60,
    "Sales/East": 30,
    "Sales/West": 30,
    "Solo": 12,
}


def _emails(team: str, count: int) -> list[str]:
    slug = team.replace("/", "-").lower()
    return [f"{slug}{i}@example.org" for i in range(count)]


def varied_answers(document: InstrumentDocument, rng: np.random.Generator) -> dict[str, int]:
    """One person's answers: each dimension has its own level around a shared climate, the
    outcomes follow the climate, power-over runs against it; reverse-keyed items reversed."""
    climate = rng.normal()
    levels = {
        d.key: (-climate if d.family == "power_over" else climate) * 0.8 + rng.normal() * 0.8
        for d in document.dimensions
    }
    answers: dict[str, int] = {}
    for item in document.scored_items:
        assert item.scale is not None and item.dimension is not None
        value = 3 + levels[item.dimension] + rng.normal() * 0.6
        if item.reverse:
            value = 6 - value
        answers[item.key] = int(np.clip(np.rint(value), 1, 5))
    return answers


def answer_varied(
    survey: Survey,
    people: Mapping[str, int],
    seed: int = 1,
    *,
    same: Mapping[str, int | None] | None = None,
) -> None:
    document = document_of(survey.instrument_version)
    emails = [e for team, n in people.items() for e in _emails(team, n)]
    ids = dict(
        Session.execute(
            select(Invitation.email, Invitation.id).where(
                Invitation.survey_id == survey.id, Invitation.email.in_(emails)
            )
        ).all()
    )
    rng = np.random.default_rng(seed)
    submissions = []
    for email in emails:
        answers: dict[str, int | None] = dict(varied_answers(document, rng))
        answers.update(same or {})
        submissions.append(BatchSubmission(ids[email], answers, {}, dt.date(2027, 3, 3)))
    store_responses(survey.id, survey.instrument_version_id, document, submissions)


@pytest.fixture
def survey(db_session: Any, bundled_version: InstrumentVersion) -> Survey:
    created = create_survey(
        instrument_key="relational-climate", title="Drivers wave", k_scores=5, k_comments=5
    )
    lines = ["email,team,level"]
    for team, count in PEOPLE.items():
        lines += [f"{email},{team},manager" for email in _emails(team, count)]
    import_participants(created.id, "\n".join(lines) + "\n")
    open_survey(created.id)
    db_session.commit()
    return created


def _team(path: str) -> int:
    return Session.scalars(select(Team.id).where(Team.path == path)).one()


def test_a_release_computes_drivers_for_the_organisation_and_each_shown_department(
    survey: Survey,
) -> None:
    answer_varied(survey, PEOPLE)
    snapshot = snapshot_of(release(survey))
    drivers = snapshot.drivers()
    assert drivers is not None
    keys = driver_keys(document_of(survey.instrument_version))
    assert drivers.outcome == "outcomes"
    assert drivers.predictors == keys.predictors and len(keys.predictors) == 10
    assert drivers.minimum == 100
    engineering, sales = _team("Engineering"), _team("Sales")
    assert set(drivers.groups) == {None, engineering, sales}  # Solo is no department
    organisation = drivers.weights(None)
    assert isinstance(organisation, KeyDrivers) and organisation.n == 202
    assert set(organisation.weights) == set(keys.predictors)
    total = sum(w.weight for w in organisation.weights.values())
    assert total == pytest.approx(organisation.r_squared)
    assert 0.2 < organisation.r_squared < 1.0  # the outcomes follow the climate
    found = drivers.weights(engineering)
    assert isinstance(found, KeyDrivers) and found.n == 130
    # under the minimum: why, without a count
    assert drivers.groups[sales] == NoDrivers("too_few")
    assert drivers.weights(sales) is None
    assert drivers.draws == 1000 and drivers.seed == (survey.id, 1)


def test_the_stored_drivers_are_the_computed_ones_and_can_be_computed_again(
    survey: Survey,
) -> None:
    answer_varied(survey, PEOPLE)
    published = release(survey)
    stored = decode(published.snapshot).drivers()
    snapshot = snapshot_of(published)
    assert stored == snapshot.drivers()
    keys = driver_keys(document_of(survey.instrument_version))
    assert keys.outcome is not None
    teams, matrix = driver_scores(survey.id, keys.predictors, keys.outcome)
    again = release_drivers(
        snapshot.aggregates.parents,
        snapshot.decisions.responses,
        snapshot.decisions.scores,
        keys,
        teams,
        matrix,
        seed=(survey.id, 1),
    )
    assert again == stored


def test_nothing_per_respondent_is_stored(survey: Survey) -> None:
    answer_varied(survey, PEOPLE)
    section = read_sections(release(survey).snapshot)["drivers"]
    assert set(section) == {
        "outcome",
        "predictors",
        "min_per_predictor",
        "draws",
        "seed",
        "unavailable",
        "groups",
    }
    for group in section["groups"]:
        # group, n, R^2 and its interval, 10 keyed weights with intervals, draws, level
        assert len(group) == 6 or group[1] is None
        if group[1] is not None:
            assert len(group[3]) == 10 and all(len(w) == 7 for w in group[3])
    assert len(json.dumps(section)) < 4000


def test_a_department_the_release_hides_gets_no_drivers(survey: Survey) -> None:
    # Sales answers 3: its count is hidden (k = 5), so it is no group of the drivers.
    answer_varied(survey, {"Engineering/Platform": 70, "Engineering/Data": 60, "Sales/East": 3})
    snapshot = snapshot_of(release(survey))
    drivers = snapshot.drivers()
    assert drivers is not None
    assert (_team("Sales"), None) not in snapshot.decisions.responses
    assert _team("Sales") not in drivers.groups
    for group in drivers.groups:
        assert (group, None) in snapshot.decisions.responses


def test_a_constant_dimension_is_a_note_not_a_crash(survey: Survey) -> None:
    document = document_of(survey.instrument_version)
    silencing = {i.key: 3 for i in document.scored_items if i.dimension == "silencing"}
    answer_varied(survey, PEOPLE, same=silencing)
    drivers = snapshot_of(release(survey)).drivers()
    assert drivers is not None
    assert drivers.groups[None] == NoDrivers("constant_predictor", "silencing", 202)


def test_a_release_stored_before_drivers_reads_none(survey: Survey) -> None:
    answer_varied(survey, {"Engineering/Platform": 20})
    snapshot = snapshot_of(release(survey))
    older = replace(snapshot, key_drivers=None, stored_drivers=None, _memo={})
    blob = encode(older)
    assert "drivers" not in read_sections(blob)
    assert decode(blob).drivers() is None
    assert decode(blob).decisions == snapshot.decisions


def test_an_instrument_without_an_outcomes_family_has_no_drivers(
    bundled_version: InstrumentVersion,
) -> None:
    data = json.loads(json.dumps(bundled_version.document))
    outcome_dimensions = {d["key"] for d in data["dimensions"] if d["family"] == "outcomes"}
    data["families"] = [f for f in data["families"] if f["key"] != "outcomes"]
    data["dimensions"] = [d for d in data["dimensions"] if d["key"] not in outcome_dimensions]
    data["items"] = [i for i in data["items"] if i.get("dimension") not in outcome_dimensions]
    keys = driver_keys(InstrumentDocument.from_dict(data))
    assert keys == DriverKeys(None, keys.predictors) and keys.unavailable == "no_outcomes"
    result = release_drivers({1: None}, {}, {}, keys, [], np.zeros((0, 11)), seed=(1, 1))
    assert result.unavailable == "no_outcomes" and result.groups == {}
    assert DriverKeys("outcomes", ()).unavailable == "no_predictors"


def test_departments_are_top_level_teams_with_teams_under_them() -> None:
    parents = {1: None, 2: 1, 3: 2, 4: None, 5: None, 6: 5}
    assert departments(parents) == [1, 5]
    assert department_of(parents, 3) == 1
    assert department_of(parents, 1) == 1
    assert department_of(parents, 4) is None


def _drivers(groups: dict[int | None, Any], **kwargs: Any) -> ReleaseDrivers:
    return ReleaseDrivers("outcomes", tuple(f"d{i}" for i in range(10)), groups, **kwargs)


PARENTS = {1: None, 2: 1, 3: None, 4: 3, 5: None}
PATHS = {1: "Eng", 2: "Eng/Platform", 3: "Sales", 4: "Sales/East", 5: "Solo"}
LABELS = {"d3": "Silencing"}


def test_the_view_names_why_there_is_no_map() -> None:
    everyone = frozenset(PARENTS)
    result = KeyDrivers(150, 0.4, 0.3, 0.5, {}, 1000, 0.95)
    drivers = _drivers(
        {
            None: NoDrivers("constant_predictor", "d3", 300),
            1: result,
            3: NoDrivers("collinear", n=120),
        }
    )
    org = driver_view(drivers, PARENTS, PATHS, None, everyone, LABELS)
    assert org.result is None and "everyone has the same Silencing score" in org.note
    eng = driver_view(drivers, PARENTS, PATHS, 2, everyone, LABELS)
    assert (eng.group, eng.result, eng.note) == (1, result, "")
    assert "shows the drivers of its department, Eng" in eng.scope_note
    sales = driver_view(drivers, PARENTS, PATHS, 3, everyone, LABELS)
    assert "exact combinations of others" in sales.note and sales.scope_note == ""
    outcome = driver_view(
        _drivers({None: NoDrivers("constant_outcome", n=9)}), PARENTS, PATHS, None, everyone, LABELS
    )
    assert "same outcomes index" in outcome.note
    hidden = driver_view(_drivers({None: result}), PARENTS, PATHS, 4, everyone, LABELS)
    assert hidden.group == 3 and "does not show the scores of Sales" in hidden.note
    gone = driver_view(drivers, PARENTS, PATHS, 99, everyone, LABELS)
    assert gone.group is None and "not in this release" in gone.scope_note


def test_the_view_of_an_instrument_without_outcomes_or_an_older_release() -> None:
    everyone = frozenset(PARENTS)
    none = driver_view(
        ReleaseDrivers(None, (), {}, unavailable="no_outcomes"), PARENTS, PATHS, None, everyone, {}
    )
    assert "no outcomes family" in none.note and none.result is None
    older = driver_view(None, PARENTS, PATHS, None, everyone, {})
    assert "not computed for this release" in older.note
    assert older.minimum == 100


def test_the_read_keeps_complete_responses_only_and_no_response_id(survey: Survey) -> None:
    document = document_of(survey.instrument_version)
    answer_varied(survey, {"Engineering/Platform": 70, "Engineering/Data": 60})
    skipped = {i.key: None for i in document.scored_items if i.dimension == "voice_influence"}
    answer_varied(survey, {"Sales/East": 30}, seed=2, same=skipped)
    keys = driver_keys(document)
    assert keys.outcome is not None
    teams, matrix = driver_scores(survey.id, keys.predictors, keys.outcome)
    assert matrix.shape == (130, 11) and teams.shape == (130,)
    assert not np.isnan(matrix).any()
    assert set(teams.tolist()) == {_team("Engineering/Platform"), _team("Engineering/Data")}
    assert ((matrix >= 1) & (matrix <= 5)).all()
