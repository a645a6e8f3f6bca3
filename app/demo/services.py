"""Writes for the demo data: a made-up organisation answering the bundled instrument.

The earlier waves answer version 1 of the bundled instrument (kept at
instruments/archive/relational-climate.v1.json), the later ones the current file, so the
demo shows a version change: trends across it compare only identical items, and each
survey's reports read the version it was fielded with.

`seed_demo` builds departments and teams, demo staff accounts, one survey per wave (about six
months apart, in the past), one invitation per person per survey, and the responses the
model in `app.demo.model` generates, stored by `app.taking.services.store_responses`: the same
validation, scoring and rows as a real submission, in batches. Each survey is opened before
its responses and closed after them, which purges the email addresses. Services add and
flush; the caller commits once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np
from sqlalchemy import func, insert, select

from app.auth.models import Role, StaffUser
from app.auth.services import create_staff_user
from app.db import Session, utcnow
from app.demo.model import (
    LEADING_FROM_RANK,
    FocusPlan,
    OrgPlan,
    WaveResponses,
    draw_population,
    plan_focus,
    plan_org,
    simulate_wave,
)
from app.errors import Conflict, DomainError, NotFound
from app.instruments.document import InstrumentDocument
from app.instruments.models import InstrumentVersion
from app.instruments.queries import document_of
from app.instruments.services import sync_instruments
from app.org.services import ensure_team
from app.plans.models import ActionStatus
from app.plans.services import add_action, create_plan
from app.reports.queries import latest_release
from app.reports.releases import publish_release
from app.sharing.services import publish_summary
from app.surveys.models import Invitation, Survey
from app.surveys.services import (
    DEFAULT_LEVELS,
    close_survey,
    create_survey,
    open_survey,
    purge_contacts,
)
from app.taking.services import BatchSubmission, store_responses

DEMO_INSTRUMENT_KEY = "relational-climate"
BUNDLED_INSTRUMENT = Path(__file__).resolve().parents[2] / "instruments" / "relational-climate.json"
# Version 1, answered by the earlier waves (`instruments sync` never reads the archive).
ARCHIVED_INSTRUMENT = BUNDLED_INSTRUMENT.parent / "archive" / "relational-climate.v1.json"

DEFAULT_TEAMS = 24
DEFAULT_PEOPLE = 600
DEFAULT_WAVES = 3
DEFAULT_SEED = 7
MAX_WAVES = 12
MAX_TEAMS = 5_000
# A million responses takes about 1.31 million people at the model's response rates (bench).
MAX_PEOPLE = 2_000_000

BATCH_SIZE = 2_000  # responses per store_responses call
INVITATION_CHUNK = 5_000
WAVE_SPACING_DAYS = 182
FIELD_DAYS = 21
LAST_CLOSE_DAYS_AGO = 7
EMAIL_DOMAIN = "demo.example.org"
SQLITE_CACHE_KIB = 128 * 1024  # 128 MiB; 256 was no faster


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: Role
    scope: str | None = None  # the team path a manager sees
    created: bool = True  # False when the account already existed (password unchanged)


# Development data only: fixed so that the README and `make run` can tell people.
DEMO_ADMIN = ("demo-admin@example.org", "copper-kettle-harbour")
DEMO_HR = ("demo-hr@example.org", "willow-lantern-meadow")
DEMO_MANAGER = ("demo-manager@example.org", "granite-ferry-sparrow")


@dataclass(frozen=True)
class DemoSurvey:
    id: int
    closes_on: dt.date
    title: str
    invited: int
    responses: int
    comments: int


@dataclass(frozen=True)
class DemoSummary:
    teams: int
    departments: int
    people: int
    waves: int
    responses: int
    comments: int
    surveys: tuple[DemoSurvey, ...]
    logins: tuple[DemoLogin, ...]
    plans: int = 0  # action plans recorded (none without releases)


class ProgressBar(Protocol):
    def update(self, n_steps: int, /) -> None: ...


# Given the number of responses to store, a context manager yielding a progress bar
# (click.progressbar fits).
ProgressFactory = Callable[[int], AbstractContextManager[ProgressBar]]


class _NoProgress:
    def update(self, n_steps: int, /) -> None:
        pass


def check_demo_options(teams: int, people: int, waves: int, seed: int) -> None:
    """DomainError unless the sizes make a demo: at least one team, one person per team,
    1 to 12 waves, a non-negative seed."""
    if teams < 1:
        raise DomainError(f"--teams must be at least 1 (got {teams}).")
    if teams > MAX_TEAMS:
        raise DomainError(f"--teams must be at most {MAX_TEAMS} (got {teams}).")
    if people < teams:
        raise DomainError(
            f"--people must be at least --teams, one person per team (got {people} people "
            f"for {teams} teams)."
        )
    if people > MAX_PEOPLE:
        raise DomainError(f"--people must be at most {MAX_PEOPLE:,} (got {people:,}).")
    if not 1 <= waves <= MAX_WAVES:
        raise DomainError(f"--waves must be between 1 and {MAX_WAVES} (got {waves}).")
    if seed < 0:
        raise DomainError(f"--seed must be zero or more (got {seed}).")


def seed_demo(
    *,
    teams: int = DEFAULT_TEAMS,
    people: int = DEFAULT_PEOPLE,
    waves: int = DEFAULT_WAVES,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    progress: ProgressFactory | None = None,
    batch_size: int = BATCH_SIZE,
    instrument_file: Path = BUNDLED_INSTRUMENT,
    earlier_instrument_file: Path | None = ARCHIVED_INSTRUMENT,
    publish: bool = True,
) -> DemoSummary:
    """Fill an empty database with a demo organisation, `waves` surveys and their responses.

    Refused (DomainError, nothing written) for bad sizes and when any survey exists. The
    data depend only on the sizes and `seed`; the dates count back from `today` (default:
    today, UTC): the last wave closed a week ago, earlier ones every six months before.
    `progress(total)` gives a bar advanced as responses are stored. Each wave closes with
    its final release (dated its closing day) unless `publish` is False.

    The first `waves // 2` waves answer `earlier_instrument_file` (version 1), the others
    `instrument_file`; with None, or identical contents, every wave answers one version."""
    check_demo_options(teams, people, waves, seed)
    _require_no_surveys()
    versions = _wave_versions(waves, instrument_file, earlier_instrument_file)
    documents = [document_of(version) for version in versions]
    rng = np.random.default_rng(seed)
    org = plan_org(teams, people, len(DEFAULT_LEVELS), rng)
    population = draw_population(documents, org, waves, rng)
    # The plans come from a generator of their own: the rest of the data stay the seed's.
    focus = plan_focus(documents, org, waves, np.random.default_rng([seed, 1]))
    population = replace(population, focus=focus)
    results = [simulate_wave(documents[w], population, w, rng) for w in range(waves)]

    team_ids = [ensure_team(path)[0].id for path in org.team_paths]
    logins = _ensure_demo_users(org.departments[0])
    today = today or utcnow().date()
    total = sum(len(result) for result in results)
    stored: list[DemoSurvey] = []
    with _sqlite_write_cache(), _progress_bar(progress, total) as bar:
        for result in results:
            stored.append(
                _field_wave(
                    result,
                    org=org,
                    team_ids=team_ids,
                    version=versions[result.wave],
                    document=documents[result.wave],
                    closes_on=_closing_day(today, waves_after=waves - 1 - result.wave),
                    rng=rng,
                    batch_size=batch_size,
                    on_stored=bar.update,
                )
            )
    for wave in stored:
        _finish_wave(wave, publish=publish)
    if publish:
        _make_plans(stored, focus, team_ids, org, documents)
        _share_results(stored[-1])
    plans = len(focus) if publish else 0
    return DemoSummary(
        teams=org.n_teams,
        departments=len(org.departments),
        people=org.n_people,
        waves=waves,
        responses=sum(s.responses for s in stored),
        comments=sum(s.comments for s in stored),
        surveys=tuple(stored),
        logins=logins,
        plans=plans,
    )


def _progress_bar(
    progress: ProgressFactory | None, total: int
) -> AbstractContextManager[ProgressBar]:
    return progress(total) if progress is not None else nullcontext(_NoProgress())


def _require_no_surveys() -> None:
    surveys = Session.scalar(select(func.count()).select_from(Survey)) or 0
    if surveys:
        raise Conflict(
            f"The database already holds {surveys} survey(s); seed-demo only fills an empty "
            "database. Point DATABASE_URL at a new database to try the demo."
        )


def _closing_day(today: dt.date, *, waves_after: int) -> dt.date:
    """The last wave closed a week before `today`, each earlier one six months before."""
    return today - dt.timedelta(days=LAST_CLOSE_DAYS_AGO + WAVE_SPACING_DAYS * waves_after)


@contextmanager
def _sqlite_write_cache() -> Iterator[None]:
    """On SQLite, a page cache large enough for the answer index while it grows (random
    UUID keys touch pages all over it); the connection's setting is restored after."""
    connection = Session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = int(connection.exec_driver_sql("PRAGMA cache_size").scalar() or 0)
    connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={previous}")


def _wave_versions(
    waves: int, instrument_file: Path, earlier_file: Path | None
) -> list[InstrumentVersion]:
    """The stored version each wave answers: the earlier file's for the first `waves // 2`
    waves, the instrument file's for the rest. Each file is synced (published when its
    content is not stored yet; the earlier one first, so it gets the lower number)."""
    earlier = _synced(earlier_file) if earlier_file is not None and waves >= 2 else None
    later = _synced(instrument_file)
    if earlier is None:
        return [later] * waves
    split = waves // 2
    return [earlier if wave < split else later for wave in range(waves)]


def _synced(path: Path) -> InstrumentVersion:
    """The stored version of the demo instrument with `path`'s content."""
    (outcome,) = sync_instruments([path])
    if outcome.version.instrument.key != DEMO_INSTRUMENT_KEY:
        raise NotFound(f"{path.name} is not the {DEMO_INSTRUMENT_KEY} instrument.")
    return outcome.version


def _ensure_demo_users(department: str) -> tuple[DemoLogin, ...]:
    wanted = (
        DemoLogin(*DEMO_ADMIN, Role.ADMIN),
        DemoLogin(*DEMO_HR, Role.HR),
        DemoLogin(*DEMO_MANAGER, Role.MANAGER, scope=department),
    )
    logins: list[DemoLogin] = []
    for login in wanted:
        exists = Session.scalar(
            select(StaffUser.id).where(func.lower(StaffUser.email) == login.email)
        )
        if exists is None:
            scopes = [login.scope] if login.scope else []
            create_staff_user(login.email, login.password, login.role, scopes)
            logins.append(login)
        else:
            logins.append(
                DemoLogin(login.email, login.password, login.role, login.scope, created=False)
            )
    return tuple(logins)


def demo_email(person: int) -> str:
    return f"person{person + 1:07d}@{EMAIL_DOMAIN}"


def _field_wave(
    result: WaveResponses,
    *,
    org: OrgPlan,
    team_ids: Sequence[int],
    version: InstrumentVersion,
    document: InstrumentDocument,
    closes_on: dt.date,
    rng: np.random.Generator,
    batch_size: int,
    on_stored: Callable[[int], None],
) -> DemoSurvey:
    """Create, open, answer and close the survey of one wave."""
    closes_at = dt.datetime.combine(closes_on, dt.time(17, 0), dt.UTC)
    opens_at = dt.datetime.combine(closes_on - dt.timedelta(days=FIELD_DAYS), dt.time(9, 0), dt.UTC)
    survey = create_survey(
        instrument_key=DEMO_INSTRUMENT_KEY,
        title=f"Relational climate, {opens_at:%B %Y} (demo)",
        version=version.version,
        team_paths=org.team_paths,
        levels=DEFAULT_LEVELS,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    # Managers and senior leaders lead their work group, as the model has it: the items
    # about the group's leader are not asked of them.
    for level in survey.levels:
        level.leads_work_group = level.rank - 1 >= LEADING_FROM_RANK
    Session.flush()
    invitation_of = _invite_everyone(survey, org, team_ids, opens_at)
    open_survey(survey.id)

    comments = result.comments_by_row()
    first_day = opens_at.date()
    # Responses are stored in an order unrelated to the invitations' (and shuffled again
    # inside each batch).
    order = rng.permutation(len(result)).tolist()
    respondents = result.respondents.tolist()
    days = result.day_offsets.tolist()
    stored = 0
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        batch = [
            BatchSubmission(
                invitation_id=invitation_of[respondents[row]],
                answers=answers,
                comments=comments.get(row, {}),
                submitted_on=first_day + dt.timedelta(days=days[row]),
            )
            for row, answers in zip(rows, result.answer_dicts(rows), strict=True)
        ]
        stored += store_responses(survey.id, version.id, document, batch)
        on_stored(len(batch))
    close_survey(survey.id)
    return DemoSurvey(
        id=survey.id,
        closes_on=closes_on,
        title=survey.title,
        invited=org.n_people,
        responses=stored,
        comments=len(result.comments),
    )


def _finish_wave(wave: DemoSurvey, *, publish: bool) -> None:
    """As the close does after the last answer: the final release (dated the closing day),
    then the purge of the addresses. Outside the write cache: a release commits first on
    SQLite (begin_write_transaction)."""
    if publish:
        survey = Session.get(Survey, wave.id)
        assert survey is not None
        publish_release(survey, actor=None, final=True, published_on=wave.closes_on, notify=False)
    purge_contacts(wave.id)


# What a team commits to on a focus dimension (two actions each), in plain words.
PLAN_ACTIONS: dict[str, tuple[str, str]] = {
    "empathic_attunement": (
        "Start each weekly meeting with a round on what is weighing on people",
        "Ask who a decision affects before making it, and invite them",
    ),
    "authenticity": (
        "Share one mistake and what we learned from it at every retrospective",
        "Leads say openly when they do not know the answer",
    ),
    "accountability": (
        "Leads ask for feedback on their own decisions once a month",
        "Name and repair the impact of a missed commitment within a week",
    ),
    "mutual_empowerment": (
        "Pair people across roles on one piece of work each quarter",
        "Publish the team's plans and their reasons where everyone can read them",
    ),
    "voice_influence": (
        "Decide team priorities with a vote after everyone has spoken",
        "Report back on what changed because of each suggestion",
    ),
    "hyper_competitiveness": (
        "Replace the individual leaderboard with shared team goals",
        "Credit contributions by name in the team update",
    ),
    "unilateral_control": (
        "Draft changes to how we work together before they are decided",
        "Stop daily status checks and agree on weekly ones instead",
    ),
    "rank_ordering": (
        "Rotate who chairs the team meeting, whatever their title",
        "Everyone uses the same channels and first names, whatever their rank",
    ),
    "silencing": (
        "Keep a standing agenda item for concerns, raised anonymously if people wish",
        "Thank people in public for raising a problem",
    ),
    "disconnection": (
        "Share meeting notes with the whole team the same day",
        "Bring remote and shift colleagues into the decisions that touch their work",
    ),
}


def _make_plans(
    waves: Sequence[DemoSurvey],
    focus: Sequence[FocusPlan],
    team_ids: Sequence[int],
    org: OrgPlan,
    documents: Sequence[InstrumentDocument],
) -> None:
    """The model's plans as HR would record them from each wave's release: the focus
    dimensions (of the version that wave answered) and two actions per plan, owned by HR
    and, in the demo manager's department, by the manager; due after the wave's close;
    those of earlier waves done or under way."""
    hr = _demo_account(DEMO_HR[0])
    manager = _demo_account(DEMO_MANAGER[0])
    last = len(waves) - 1
    for plan in focus:
        wave = waves[plan.wave]
        created = create_plan(hr, wave.id, team_ids[plan.team], list(plan.dimensions))
        in_scope = org.team_paths[plan.team].startswith(org.departments[0] + "/")
        document = documents[plan.wave]
        texts = [
            PLAN_ACTIONS.get(key, (_generic_action(document, key),))[0] for key in plan.dimensions
        ]
        statuses = (
            (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)
            if plan.wave == last
            else (ActionStatus.DONE, ActionStatus.IN_PROGRESS)
        )
        for n, (text, status) in enumerate(zip(texts, statuses, strict=False)):
            add_action(
                hr,
                created,
                text=text,
                owner_id=(manager if n == 0 and in_scope else hr).id,
                due_on=wave.closes_on + dt.timedelta(days=60 * (n + 1)),
                status=status.value,
            )


def _generic_action(document: InstrumentDocument, key: str) -> str:
    """An action for a dimension without one of its own in PLAN_ACTIONS."""
    label = document.text(document.dimension(key).label, document.default_language)
    return f"Agree as a team on one change for {label.lower()} and review it each month"


def _share_results(wave: DemoSurvey) -> None:
    """The last wave's results shared back with its employees (its employee summary)."""
    release = latest_release(wave.id)
    if release is not None:
        publish_summary(wave.id, (release.id, release.number), actor=_demo_account(DEMO_HR[0]))


def _demo_account(email: str) -> StaffUser:
    user = Session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email))
    assert user is not None  # created by _ensure_demo_users
    return user


def _invite_everyone(
    survey: Survey, org: OrgPlan, team_ids: Sequence[int], sent_at: dt.datetime
) -> list[int]:
    """One invitation per person, with no link (nobody will use one). Returns the
    invitation id of each person."""
    level_ids = [level.id for level in survey.levels]  # by rank, bottom first
    rows = [
        {
            "survey_id": survey.id,
            "team_id": team_ids[team],
            "level_id": level_ids[level],
            "email": demo_email(person),
            "language": None,
            "responded": False,
            "sent_at": sent_at,
            "reminded_at": None,
            "reminder_count": 0,
        }
        for person, (team, level) in enumerate(
            zip(org.team_of.tolist(), org.level_of.tolist(), strict=True)
        )
    ]
    for start in range(0, len(rows), INVITATION_CHUNK):
        Session.execute(insert(Invitation), rows[start : start + INVITATION_CHUNK])
    by_email = dict(
        Session.execute(
            select(Invitation.email, Invitation.id).where(Invitation.survey_id == survey.id)
        ).all()
    )
    return [by_email[demo_email(person)] for person in range(org.n_people)]
