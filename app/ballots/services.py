"""The mixer: sealed ballots become responses in shuffled batches of at least k.

`mix_ballots` runs in the caller's transaction (add/flush, no commit), which must touch no
invitation: the worker (`flask worker`) gives each survey a transaction of its own; the
close and every release call it first. It claims the survey's waiting ballots (PostgreSQL:
FOR UPDATE, SKIP LOCKED while the survey is open so parallel workers never take the same
ballots, waiting at the close so none is missed; SQLite: the caller holds the write lock,
see `begin_write_transaction`), opens them, shuffles them, inserts their responses (random
keys, the language sealed again on its own: app.ballots.language) in that order and deletes
the ballots it opened, all in one transaction: a crash mid-batch leaves every ballot
waiting and no response, never half of each.

The batch rule. While the survey is open a batch opens only when at least 2k ballots can be
opened, and keeps k of them back (chosen at random): so every batch, the one at the close
included, holds at least k ballots, and the close's holds all the rest. A survey with fewer
than k submissions in all has one batch, at the close, of all of them. A storage reader who
ties a batch's responses to the submissions it consumed (PostgreSQL transaction ids, the
SQLite WAL's commits) thus ties each response to at least k invitations.

A ballot that cannot be opened (its key is not configured, it is damaged) is never deleted:
it waits, is counted by reason in the outcome, and the survey's admin page shows the count.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, select

from app.ballots.box import open_ballot
from app.ballots.contents import BallotContents
from app.ballots.keys import BallotKeys, UnopenableBallot, ballot_keys
from app.ballots.language import seal_language
from app.ballots.models import Ballot
from app.db import Session
from app.surveys.models import Survey
from app.taking.services import (
    PreparedSubmission,
    SubmissionRows,
    build_submission_rows,
    store_mixed_batch,
)

# Which ballots a batch opens, and the order their responses are inserted in, must reveal
# nothing: not from a seedable generator.
_shuffler = random.SystemRandom()

# Ballots deleted per statement (SQLite limits the parameters of one statement).
_DELETE_CHUNK = 500
# Ballots claimed per round while a survey is open: a worker back from a long stop opens
# its backlog over several rounds, in bounded memory (the soak benchmark saw its memory
# follow its largest batch). The close opens every ballot in one batch, as it must.
MIX_LIMIT = 5_000


@dataclass(frozen=True)
class MixOutcome:
    """What one mix did: ballots opened into responses, openable ballots kept back by the
    at-least-k rule, and ballots that could not be opened (kept), counted by reason."""

    opened: int = 0
    kept_back: int = 0
    unopenable: Mapping[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        text = f"{self.opened} opened, {self.kept_back} kept back"
        for reason, count in sorted(self.unopenable.items()):
            text += f", {count} cannot be opened ({reason})"
        return text


def batch_size(openable: int, k: int, *, final: bool) -> int:
    """How many of `openable` ballots a batch opens: all at the close (`final`); while the
    survey is open none below 2k, else all but k, kept back for the next batch."""
    if final:
        return openable
    k = max(k, 1)
    return openable - k if openable >= 2 * k else 0


def mix_ballots(survey: Survey, *, final: bool) -> MixOutcome:
    """Open a batch of the survey's ballots into responses, in the caller's transaction.

    `final` opens every ballot that opens (the close; no ballot may be cast afterwards,
    or it would make a batch of its own); otherwise the batch rule above keeps k back.
    """
    waiting = select(Ballot.id, Ballot.sealed).where(Ballot.survey_id == survey.id)
    if not final:
        waiting = waiting.limit(MIX_LIMIT)
    claimed = Session.execute(waiting.with_for_update(skip_locked=not final)).all()
    openable: list[tuple[uuid.UUID, BallotContents]] = []
    unopenable: Counter[str] = Counter()
    keys = ballot_keys() if claimed else None  # no key is needed when nothing waits
    for ballot_id, sealed in claimed:
        assert keys is not None
        try:
            openable.append((ballot_id, open_ballot(keys, sealed, survey.id)))
        except UnopenableBallot as exc:
            unopenable[exc.reason] += 1
    _shuffler.shuffle(openable)
    batch = openable[: batch_size(len(openable), survey.k_scores, final=final)]
    if batch:
        assert keys is not None
        store_mixed_batch([_submission_rows(keys, survey.id, contents) for _, contents in batch])
        _delete([ballot_id for ballot_id, _ in batch])
    return MixOutcome(
        opened=len(batch), kept_back=len(openable) - len(batch), unopenable=dict(unopenable)
    )


def _submission_rows(keys: BallotKeys, survey_id: int, contents: BallotContents) -> SubmissionRows:
    # The language is sealed again, on its own, with the same keys: the response never
    # holds it in clear (app.ballots.language).
    return build_submission_rows(
        PreparedSubmission(contents.answers, contents.comments, contents.scores),
        survey_id=survey_id,
        team_id=contents.team_id,
        level_id=contents.level_id,
        instrument_version_id=contents.instrument_version_id,
        submitted_on=contents.submitted_on,
        language_sealed=(
            None if contents.language is None else seal_language(keys, survey_id, contents.language)
        ),
    )


def _delete(ballot_ids: Sequence[uuid.UUID]) -> None:
    for start in range(0, len(ballot_ids), _DELETE_CHUNK):
        chunk = ballot_ids[start : start + _DELETE_CHUNK]
        Session.execute(
            delete(Ballot).where(Ballot.id.in_(chunk)).execution_options(synchronize_session=False)
        )
