"""A test instrument with items about the group's leader (audience "led"), built in code from
the archived version 1 of the bundled instrument, and an open survey of it.

Empathic attunement keeps one item for everyone (ea_1) and three about the leader, so that
a leader is asked fewer of its items than its minimum of three; four more dimensions each
have one leader item.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.ballots.box import open_ballot
from app.ballots.contents import BallotContents
from app.ballots.keys import ballot_keys
from app.ballots.models import Ballot
from app.db import Session
from app.instruments.document import InstrumentDocument
from app.instruments.queries import document_of
from app.instruments.services import publish_instrument_version
from app.instruments.validation import validate_instrument_data
from app.surveys.models import Survey
from app.surveys.services import create_survey, import_participants, issue_links, open_survey
from tests.conftest import BUNDLED_INSTRUMENT

KEY = "led-climate"
LED_ITEMS = ("ea_2", "ea_3", "ea_4", "ac_4", "uc_3", "vi_3")
PARTICIPANTS = """email,team,level
ana@example.org,Engineering/Platform,individual_contributor
ben@example.org,Engineering/Platform,manager
cai@example.org,Sales,senior_leader
dev@example.org,Sales,individual_contributor
"""


def led_instrument_data() -> dict[str, Any]:
    """Version 1 of the bundled instrument under its own key, with LED_ITEMS about the
    group's leader and asked only of the people that leader leads."""
    data: dict[str, Any] = json.loads(BUNDLED_INSTRUMENT.read_bytes())
    data["key"] = KEY
    for item in data["items"]:
        if item["key"] in LED_ITEMS:
            item["referent"] = "leader"
            item["audience"] = "led"
    return data


def publish_led_instrument() -> InstrumentDocument:
    data = led_instrument_data()
    result = validate_instrument_data(data)
    assert result.ok, [str(error) for error in result.errors]
    assert result.data is not None
    return document_of(publish_instrument_version(result.data).version)


@dataclass
class LedSurvey:
    """An open survey of the led instrument: ana and dev are individual contributors, ben
    (manager) and cai (senior leader) lead their work group (the default)."""

    survey: Survey
    document: InstrumentDocument
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, name: str) -> str:
        return self.tokens[f"{name}@example.org"]

    def url(self, name: str) -> str:
        return f"/s/{self.token(name)}"


def open_led_survey(*, mixed_item_order: bool = False, **settings: Any) -> LedSurvey:
    """Publish the led instrument and open a survey of it (flushed and committed)."""
    document = publish_led_instrument()
    survey = create_survey(
        instrument_key=KEY, title="Led wave", mixed_item_order=mixed_item_order, **settings
    )
    import_participants(survey.id, PARTICIPANTS)
    tokens = dict(issue_links(survey.id))
    open_survey(survey.id)
    Session.commit()
    return LedSurvey(survey, document, tokens)


def answers_for(
    document: InstrumentDocument, *, leads: bool, value: str = "4", **overrides: str
) -> dict[str, str]:
    """Form values answering every item asked of a leader (`leads`) or of anyone else."""
    data = {f"item_{i.key}": value for i in document.items_asked_of(leads_work_group=leads)}
    data.update(overrides)
    return data


def waiting_ballots(survey: Survey) -> list[tuple[bytes, BallotContents]]:
    """The plaintext (padding stripped) and contents of the survey's waiting ballots."""
    keys = ballot_keys()
    found = []
    for sealed in Session.scalars(select(Ballot.sealed).where(Ballot.survey_id == survey.id)):
        plaintext = keys.open(sealed, survey.id).rstrip(b"\0")
        found.append((plaintext, open_ballot(keys, sealed, survey.id)))
    return found
