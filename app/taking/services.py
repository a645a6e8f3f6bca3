"""Recording submissions: one transaction, no link to the invitation.

The invitation is flipped with a conditional UPDATE (WHERE responded = false, exactly one
row must change) in the same transaction that casts the respondent's sealed ballot
(app/ballots). Two concurrent submissions of one link both try the UPDATE; the database
lets one change the row and the other sees it already flipped, so exactly one ballot is
stored. The UPDATE returns the team and level to seal into the ballot: that is all the
response will learn from the invitation, with whether that level leads its work group (the
items about the group's leader are not asked of its leader, see
`InstrumentDocument.items_asked_of`). The ballot becomes
a response later, in a shuffled batch of at least k opened by
`app.ballots.services.mix_ballots`, in a transaction that touches no invitation
(`store_mixed_batch` inserts its rows).

Three paths share one row builder (`prepare_submission` then `build_submission_rows`):
`record_submission` for a respondent's form (a ballot, rows later), the mixer's batches,
and `store_responses` for many responses at once (the demo data), which flips its
invitations with one conditional UPDATE and inserts with a few executemany calls, in an
order that follows neither the invitations nor the responses.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Exists,
    Table,
    bindparam,
    exists,
    false,
    func,
    insert,
    or_,
    select,
    update,
)

from app.ballots.box import cast_ballot
from app.ballots.contents import BallotContents
from app.ballots.language import seal_languages
from app.db import Base, Session, utcnow
from app.errors import Gone
from app.i18n import _
from app.instruments.document import InstrumentDocument
from app.instruments.scoring import ResponseScores, not_asked_keys, score_response
from app.surveys.models import Invitation, InvitationToken, Level, Survey, SurveyState
from app.taking.models import Answer, Comment, DimensionScore, FamilyScore, Response

ALREADY_USED = "This link has already been used to answer the survey."

Row = dict[str, Any]

# Shuffles the order rows are inserted in; the order must reveal nothing, so it does not
# come from a seedable generator.
_shuffler = random.SystemRandom()


@dataclass(frozen=True)
class PreparedSubmission:
    """A validated and scored submission, not yet placed in a survey."""

    answers: Mapping[str, int | None]
    comments: Mapping[str, str]
    scores: ResponseScores


@dataclass(frozen=True)
class SubmissionRows:
    """The rows one submission stores: its response, answers, dimension and family scores,
    and its comments (random ids, no reference to the response)."""

    response: Row
    answers: list[Row]
    dimension_scores: list[Row]
    family_scores: list[Row]
    comments: list[Row]


@dataclass(frozen=True)
class BatchSubmission:
    """One response of a batch: the invitation it uses up (never stored with it), the raw
    answers, the comments by prompt key, the date of submission and the language it was
    answered in (None: not recorded)."""

    invitation_id: int
    answers: Mapping[str, int | None]
    comments: Mapping[str, str]
    submitted_on: dt.date
    language: str | None = None


def prepare_submission(
    document: InstrumentDocument,
    answers: Mapping[str, int | None],
    comments: Mapping[str, str],
    *,
    not_asked: frozenset[str] = frozenset(),
) -> PreparedSubmission:
    """Check and score the answers (ValueError on bad values); nothing is written.

    `not_asked` holds the keys of the items not asked of the respondent (see
    `InstrumentDocument.items_asked_of`): an answer to one of them is dropped, never
    stored, and scoring counts them as not asked rather than missing.
    """
    if not_asked and not not_asked.isdisjoint(answers):
        answers = {key: value for key, value in answers.items() if key not in not_asked}
    scores = score_response(document, answers, not_asked=not_asked)
    return PreparedSubmission(answers, comments, scores)


def build_submission_rows(
    prepared: PreparedSubmission,
    *,
    survey_id: int,
    team_id: int,
    level_id: int | None,
    instrument_version_id: int,
    submitted_on: dt.date,
    language_sealed: bytes | None = None,
) -> SubmissionRows:
    """The rows of one submission, with a fresh random response id and comment ids.
    `language_sealed` is the response's language as `app.ballots.language.seal_language`
    sealed it: a response never holds its language in clear."""
    response_id = uuid.uuid4()
    return SubmissionRows(
        response={
            "id": response_id,
            "survey_id": survey_id,
            "team_id": team_id,
            "level_id": level_id,
            "instrument_version_id": instrument_version_id,
            "submitted_on": submitted_on,
            "language_sealed": language_sealed,
        },
        answers=[
            {"response_id": response_id, "item_key": key, "value": value}
            for key, value in prepared.answers.items()
        ],
        dimension_scores=[
            {"response_id": response_id, "dimension_key": key, "score": score}
            for key, score in prepared.scores.dimensions.items()
        ],
        family_scores=[
            {"response_id": response_id, "family_key": key, "score": score}
            for key, score in prepared.scores.families.items()
        ],
        comments=[
            {
                "id": uuid.uuid4(),
                "survey_id": survey_id,
                "team_id": team_id,
                "prompt_key": key,
                "text": text,
            }
            for key, text in prepared.comments.items()
        ],
    )


def _insert_rows(batch: Sequence[SubmissionRows], *, bulk: bool = False) -> None:
    """Insert the rows of one or many submissions, one statement per table. Comments go in
    an order of their own, so their order does not line up with the responses'.

    Core inserts (executemany) on the tables: the ORM's bulk insert would split a batch
    wherever a value is None ("prefer not to answer"). With `bulk` on PostgreSQL the rows
    are streamed with COPY instead, several times faster than executemany there.
    """
    comments = [row for rows in batch for row in rows.comments]
    _shuffler.shuffle(comments)
    tables: list[tuple[type[Base], list[Row]]] = [
        (Response, [rows.response for rows in batch]),
        (Answer, [row for rows in batch for row in rows.answers]),
        (DimensionScore, [row for rows in batch for row in rows.dimension_scores]),
        (FamilyScore, [row for rows in batch for row in rows.family_scores]),
        (Comment, comments),
    ]
    # Core on the session's connection: the ORM's statement handling adds nothing here.
    connection = Session.connection()
    copy = bulk and connection.dialect.name == "postgresql"
    for model, found in tables:
        if not found:
            continue
        table = model.__table__
        assert isinstance(table, Table)
        if copy:
            _copy_rows(table, found)
        else:
            connection.execute(insert(table), found)


def _copy_rows(table: Table, rows: Sequence[Row]) -> None:
    """COPY `rows` (dicts with the same keys) into `table` on the session's PostgreSQL
    connection, inside the session's transaction."""
    from psycopg import sql

    columns = list(rows[0])
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    driver = Session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _leads_work_group() -> Any:
    """Whether the invitation's level leads its work group (false without a level), as a
    column expression of an invitation statement."""
    flag = select(Level.leads_work_group).where(Level.id == Invitation.level_id)
    return func.coalesce(flag.scalar_subquery(), false())


def _survey_open() -> Exists:
    return exists().where(Survey.id == Invitation.survey_id, Survey.state == SurveyState.OPEN.value)


# Built once: a respondent's submission is the hot path, and a statement built per request
# costs more than its execution. The UPDATE is the authority on whether the link may answer:
# it flips the invitation whose links include this one (so using any link of a person ends
# them all), unused, its survey open, within its dates and still on the version the answers
# were checked against.
_FLIP_ONE_INVITATION = (
    update(Invitation)
    .where(
        Invitation.id
        == (
            select(InvitationToken.invitation_id)
            .where(InvitationToken.token_sha256 == bindparam("link_sha256"))
            .scalar_subquery()
        ),
        Invitation.responded.is_(False),
        # A key-share lock on the survey's row (PostgreSQL): the close locks the row FOR
        # UPDATE, so it waits for this submission's ballot, and a submission after the
        # close finds the survey closed.
        select(Survey.id)
        .where(
            Survey.id == Invitation.survey_id,
            Survey.state == SurveyState.OPEN.value,
            Survey.instrument_version_id == bindparam("version_id"),
            or_(Survey.opens_at.is_(None), Survey.opens_at <= bindparam("now")),
            or_(Survey.closes_at.is_(None), Survey.closes_at > bindparam("now")),
        )
        .with_for_update(read=True, key_share=True)
        .exists(),
    )
    .values(responded=True)
    .returning(Invitation.survey_id, Invitation.team_id, Invitation.level_id, _leads_work_group())
)


def record_submission(
    token_sha256: str,
    instrument_version_id: int,
    document: InstrumentDocument,
    answers: Mapping[str, int | None],
    comments: Mapping[str, str],
    *,
    language: str | None = None,
    leads_work_group: bool | None = None,
) -> int:
    """Mark the invitation as responded and cast the submission as a sealed ballot, which
    the mixer later opens into a response. Returns the survey's id (for the thank-you page).

    `answers` maps the key of every item asked to a raw value (None = prefer not to
    answer); the items about the group's leader are not asked of someone whose level leads
    the work group (their answers, if any, are dropped, and scoring counts them as not
    asked). `comments` maps prompt keys to non-blank text; `language` is the language the
    page was submitted in (one the instrument declares), sealed with the answers.

    `leads_work_group` is what the answers were checked for (the survey page's form): the
    invitation's level must agree, else Gone is raised after the flip and the caller must
    roll back. None takes the level's word. Raises Gone when the link was used already, its
    survey is not open (or outside its dates) or no longer on `instrument_version_id`;
    nothing is stored then.
    """
    assumed = bool(leads_work_group)
    not_asked = not_asked_keys(document, leads_work_group=assumed)
    # ValueError before writing
    prepared = prepare_submission(document, answers, comments, not_asked=not_asked)
    now = utcnow()
    flipped = (
        Session.connection()
        .execute(
            _FLIP_ONE_INVITATION,
            {
                "link_sha256": token_sha256,
                "version_id": instrument_version_id,
                "now": now,
            },
        )
        .all()
    )
    if len(flipped) != 1:
        raise Gone(ALREADY_USED)
    survey_id, team_id, level_id, leads = flipped[0]
    # Only a difference in the items asked matters (an instrument without items for the led
    # asks a leader everything).
    level_not_asked = (
        not_asked
        if bool(leads) == assumed
        else not_asked_keys(document, leads_work_group=bool(leads))
    )
    if level_not_asked != not_asked:
        if leads_work_group is not None:
            # Levels are locked once a survey opens: the page and the level disagree only
            # if the level changed after the page was served. Nothing may be kept.
            raise Gone(_("The survey page is out of date: open your survey link again."))
        prepared = prepare_submission(document, answers, comments, not_asked=level_not_asked)
    cast_ballot(
        survey_id,
        BallotContents(
            team_id=team_id,
            level_id=level_id,
            instrument_version_id=instrument_version_id,
            submitted_on=now.date(),
            answers=prepared.answers,
            comments=prepared.comments,
            scores=prepared.scores,
            language=language,
        ),
    )
    return int(survey_id)


def store_mixed_batch(batch: Sequence[SubmissionRows]) -> None:
    """Insert the rows of a batch of opened ballots (`app.ballots.services.mix_ballots`)
    in the order given, which the mixer has shuffled."""
    _insert_rows(batch)


def store_responses(
    survey_id: int,
    instrument_version_id: int,
    document: InstrumentDocument,
    submissions: Sequence[BatchSubmission],
) -> int:
    """Store many submissions to one open survey; return how many were stored.

    Written directly as responses, without sealed ballots: this path is for the demo data
    and test fixtures, synthetic answers of nobody, so a batch may tie them to invitations.
    Every submission is checked and scored before anything is written (ValueError). Then one
    conditional UPDATE flips all the batch's invitations (WHERE id IN (...) AND
    responded = false AND the survey is open); unless it changes exactly one row per
    submission, Gone is raised and the caller must roll back (some rows may have been
    flipped). Each response copies its team and level from its invitation, as in
    `record_submission`, and nothing else; its language is sealed as the mixer seals it
    (ValueError for a language that is not a code, before anything is written). The batch
    is shuffled first, so responses are not inserted in invitation order. A submission
    whose invitation's level leads its work group is scored without the items not asked of
    it (their answers, if any, dropped).
    """
    if not submissions:
        return 0
    ids = [s.invitation_id for s in submissions]
    if len(set(ids)) != len(ids):
        raise ValueError("a batch uses an invitation more than once")
    prepared = [(s, prepare_submission(document, s.answers, s.comments)) for s in submissions]
    sealed_languages = dict(
        zip(ids, seal_languages(survey_id, [s.language for s in submissions]), strict=True)
    )
    flipped = Session.execute(
        update(Invitation)
        .where(
            Invitation.id.in_(ids),
            Invitation.survey_id == survey_id,
            Invitation.responded.is_(False),
            _survey_open(),
        )
        .values(responded=True)
        .returning(Invitation.id, Invitation.team_id, Invitation.level_id)
    ).all()
    if len(flipped) != len(ids):
        raise Gone(
            f"{len(ids) - len(flipped)} of {len(ids)} invitations were already used, belong "
            "to another survey, or the survey is not open; nothing of this batch may be kept."
        )
    placement = {invitation_id: (team_id, level_id) for invitation_id, team_id, level_id in flipped}
    prepared = _without_items_not_asked(document, prepared, placement)
    _shuffler.shuffle(prepared)
    batch = []
    for submission, ready in prepared:
        team_id, level_id = placement[submission.invitation_id]
        batch.append(
            build_submission_rows(
                ready,
                survey_id=survey_id,
                team_id=team_id,
                level_id=level_id,
                instrument_version_id=instrument_version_id,
                submitted_on=submission.submitted_on,
                language_sealed=sealed_languages[submission.invitation_id],
            )
        )
    _insert_rows(batch, bulk=True)
    return len(batch)


def _without_items_not_asked(
    document: InstrumentDocument,
    prepared: list[tuple[BatchSubmission, PreparedSubmission]],
    placement: Mapping[int, tuple[int, int | None]],
) -> list[tuple[BatchSubmission, PreparedSubmission]]:
    """`prepared`, with the submissions at levels that lead their work group prepared again
    without the items not asked of them."""
    not_asked = not_asked_keys(document, leads_work_group=True)
    if not not_asked:
        return prepared
    level_ids = {level_id for _team, level_id in placement.values() if level_id is not None}
    leading = set(
        Session.scalars(
            select(Level.id).where(Level.id.in_(level_ids), Level.leads_work_group.is_(True))
        )
    )
    if not leading:
        return prepared
    return [
        (
            submission,
            prepare_submission(
                document, submission.answers, submission.comments, not_asked=not_asked
            )
            if placement[submission.invitation_id][1] in leading
            else ready,
        )
        for submission, ready in prepared
    ]
