"""A ballot sealed (`cast_ballot`, the submission's side) and opened (`open_ballot`, the
mixer's and the admin page's). The mixer itself is in services.py.

Imports nothing from app.taking, which calls `cast_ballot` inside the submission's
transaction.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Table, insert

from app.ballots.contents import BallotContents
from app.ballots.keys import UNREADABLE, BallotKeys, UnopenableBallot, ballot_keys
from app.ballots.models import Ballot
from app.db import Session

_ballot_table = Ballot.__table__
assert isinstance(_ballot_table, Table)
# Built once: a submission is the hot path.
_INSERT_BALLOT = insert(_ballot_table)


def cast_ballot(survey_id: int, contents: BallotContents) -> None:
    """Seal `contents` and append them to the survey's box, in the caller's transaction
    (a Core insert on the session's connection; no flush needed)."""
    sealed = ballot_keys().seal(contents.to_bytes(), survey_id)
    Session.connection().execute(
        _INSERT_BALLOT, {"id": uuid.uuid4(), "survey_id": survey_id, "sealed": sealed}
    )


def open_ballot(keys: BallotKeys, sealed: bytes, survey_id: int) -> BallotContents:
    """The contents of a ballot of `survey_id`; UnopenableBallot with the reason when its
    key is not configured, it is damaged or its contents cannot be read."""
    try:
        return BallotContents.from_bytes(keys.open(sealed, survey_id))
    except ValueError:
        raise UnopenableBallot(UNREADABLE) from None
