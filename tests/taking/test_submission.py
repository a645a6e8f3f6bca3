from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from sqlalchemy import event, func, select

from app.ballots.models import Ballot
from app.instruments.queries import document_of
from app.surveys.models import Invitation
from app.surveys.tokens import token_sha256
from app.taking.forms import ServedVersion, link_csrf_token
from app.taking.models import Answer, Comment, DimensionScore, Response
from tests.conftest import OpenSurvey, csrf_token_from, survey_answers

FORM = "application/x-www-form-urlencoded"


def _count(db: Any, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model))


def _nothing_stored(db: Any, email: str = "ana@example.org") -> None:
    assert _count(db, Ballot) == 0
    assert _count(db, Response) == 0
    assert _count(db, Answer) == 0
    assert _count(db, Comment) == 0
    responded = db.scalar(select(Invitation.responded).where(Invitation.email == email))
    assert responded is False


@pytest.fixture
def document(open_survey: OpenSurvey) -> Any:
    return document_of(open_survey.survey.instrument_version)


@dataclass
class FilledForm:
    """Ana's survey page, fetched, with every question answered: her token and the form."""

    token: str
    data: dict[str, str]

    @property
    def url(self) -> str:
        return f"/s/{self.token}"


@pytest.fixture
def ana(client: FlaskClient, open_survey: OpenSurvey, document: Any) -> FilledForm:
    token = open_survey.token("ana@example.org")
    return FilledForm(token, _form(client, token) | survey_answers(document))


def _form(client: FlaskClient, token: str) -> dict[str, str]:
    html = client.get(f"/s/{token}").get_data(as_text=True)
    return {"csrf_token": csrf_token_from(html), "lang": "en"}


def test_a_complete_submission_is_stored_without_a_link_to_the_invitation(
    client: FlaskClient, open_survey: OpenSurvey, document: Any, db_session: Any, mix_all: Any
) -> None:
    token = open_survey.token("ben@example.org")
    data = _form(client, token) | survey_answers(document, "4", item_ea_2="na", item_au_4="5")
    data["prompt_change_together"] = "We rebuilt the release\r\nprocess as a group."
    response = client.post(f"/s/{token}", data=data)
    assert response.status_code == 302
    assert response.location == f"/s/thanks/{token}?lang=en&survey={open_survey.survey.id}"
    assert "Thank you" in client.get(response.location).get_data(as_text=True)
    assert (_count(db_session, Ballot), _count(db_session, Response)) == (1, 0)

    mix_all(open_survey.survey)
    assert _count(db_session, Ballot) == 0
    stored = db_session.scalars(select(Response)).one()
    invitation = db_session.scalar(select(Invitation).where(Invitation.email == "ben@example.org"))
    assert invitation.responded is True
    assert (stored.team_id, stored.level_id) == (invitation.team_id, invitation.level_id)
    assert stored.submitted_on == dt.datetime.now(dt.UTC).date()
    assert str(stored.id) != str(invitation.id)

    answers = dict(db_session.execute(select(Answer.item_key, Answer.value)).all())
    assert len(answers) == 52
    assert answers["ea_2"] is None  # "prefer not to answer" is missing, not a midpoint
    assert answers["au_4"] == 5  # stored raw; keying happens in scoring

    scores = dict(
        db_session.execute(select(DimensionScore.dimension_key, DimensionScore.score)).all()
    )
    assert len(scores) == 13
    assert scores["empathic_attunement"] == 4.0  # three 4s; the missing one is left out
    # au_4 is reverse keyed: 5 counts as 1, so (4 + 4 + 4 + 1) / 4
    assert scores["authenticity"] == pytest.approx(3.25)

    comment = db_session.scalars(select(Comment)).one()
    assert comment.text == "We rebuilt the release\nprocess as a group."
    assert comment.prompt_key == "change_together"
    assert comment.team_id == invitation.team_id
    assert _count(db_session, Comment) == 1  # the blank prompt stored nothing


def test_too_few_answers_leave_a_dimension_without_a_score(
    client: FlaskClient, open_survey: OpenSurvey, document: Any, db_session: Any, mix_all: Any
) -> None:
    token = open_survey.token("ana@example.org")
    data = _form(client, token) | survey_answers(document, "2", item_si_1="na", item_si_2="na")
    assert client.post(f"/s/{token}", data=data).status_code == 302
    mix_all(open_survey.survey)
    scores = dict(
        db_session.execute(select(DimensionScore.dimension_key, DimensionScore.score)).all()
    )
    assert scores["silencing"] is None


def test_second_submission_is_refused_with_410(
    client: FlaskClient, ana: FilledForm, open_survey: OpenSurvey, db_session: Any, mix_all: Any
) -> None:
    assert client.post(ana.url, data=ana.data).status_code == 302
    again = client.post(ana.url, data=ana.data)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert _count(db_session, Ballot) == 1
    mix_all(open_survey.survey)
    assert _count(db_session, Response) == 1


def test_missing_answers_show_the_form_again_with_messages(
    client: FlaskClient, ana: FilledForm, db_session: Any
) -> None:
    del ana.data["item_ea_3"]
    del ana.data["item_dc_4"]
    response = client.post(ana.url, data=ana.data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = html[html.index('id="error-summary"') : html.index('id="receipt-title"')]
    assert "2 questions need an answer" in summary
    # The first unanswered question one link away, then each part's unanswered questions.
    assert '<a href="#item_ea_3" class="first-unanswered">Go to the first: question 3</a>' in (
        summary
    )
    assert "Part 1 of 13: <a" in summary
    assert 'Part 10 of 13: <a href="#item_dc_4" aria-label="question 40">40</a></li>' in summary
    assert html.count("Please choose an answer.") == 2  # at each field only
    assert '<input checked id="item_ea_1-3"' in html  # what was answered is kept
    _nothing_stored(db_session)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"item_ea_1": "7"}, "Please choose one of the answers shown"),
        ({"item_ea_1": "3.5"}, "Please choose one of the answers shown"),
        ({"prompt_safer_to_speak": "x" * 2001}, "2000 characters or fewer"),
    ],
)
def test_invalid_values_are_refused_and_nothing_is_stored(
    client: FlaskClient,
    ana: FilledForm,
    db_session: Any,
    change: dict[str, str],
    message: str,
) -> None:
    response = client.post(ana.url, data=ana.data | change)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    _nothing_stored(db_session)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param("item_made_up=3", "not part of this survey: item_made_up", id="unknown"),
        pytest.param("item_ea_1=2", "sent more than once: item_ea_1", id="duplicated"),
        pytest.param("prompt_change_together=%FF%FEbad", "valid UTF-8", id="invalid UTF-8"),
    ],
)
def test_a_complete_form_with_a_bad_field_is_refused(
    client: FlaskClient,
    ana: FilledForm,
    db_session: Any,
    extra: str,
    message: str,
) -> None:
    response = client.post(ana.url, data=f"{urlencode(ana.data)}&{extra}", content_type=FORM)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    _nothing_stored(db_session)


@pytest.mark.parametrize(
    ("request_args", "status", "message"),
    [
        pytest.param(
            lambda: {"data": "prompt_change_together=" + "a" * 10 * 2**20, "content_type": FORM},
            413,
            "too large",
            id="a huge body, refused before it is read",
        ),
        pytest.param(
            lambda: {"json": {"item_ea_1": "4"}},
            400,
            "sent by the survey form",
            id="another content type",
        ),
    ],
)
def test_bodies_the_form_does_not_send_are_refused(
    client: FlaskClient,
    open_survey: OpenSurvey,
    db_session: Any,
    request_args: Callable[[], dict[str, Any]],
    status: int,
    message: str,
) -> None:
    token = open_survey.token("ana@example.org")
    response = client.post(f"/s/{token}", **request_args())
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    _nothing_stored(db_session)


def test_missing_or_foreign_csrf_token_is_refused(
    app: Any, client: FlaskClient, open_survey: OpenSurvey, document: Any, db_session: Any
) -> None:
    token = open_survey.token("ana@example.org")
    client.get(f"/s/{token}")
    no_token = client.post(f"/s/{token}", data=survey_answers(document))
    assert no_token.status_code == 400
    assert "(CSRF token) is missing" in no_token.get_data(as_text=True)

    # A token minted for another link does not count here.
    other = app.test_client()
    foreign = _form(other, open_survey.token("cai@example.org"))["csrf_token"]
    replayed = client.post(f"/s/{token}", data=survey_answers(document) | {"csrf_token": foreign})
    assert replayed.status_code == 400
    assert "issued for another survey link" in replayed.get_data(as_text=True)
    _nothing_stored(db_session)


def test_an_altered_expired_or_staff_csrf_token_is_refused(
    app: Any,
    client: FlaskClient,
    open_survey: OpenSurvey,
    document: Any,
    db_session: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = open_survey.token("ana@example.org")
    genuine = _form(client, token)["csrf_token"]
    altered = genuine[:-2] + ("AA" if genuine[-2:] != "AA" else "BB")  # the signature's end
    # The sign-in page's (session-bound) token is not a survey token either.
    staff_token = csrf_token_from(client.get("/login").get_data(as_text=True))
    for bad in (altered, staff_token, "not-a-token"):
        response = client.post(f"/s/{token}", data=survey_answers(document) | {"csrf_token": bad})
        assert response.status_code == 400, bad
        assert "(CSRF token) is invalid" in response.get_data(as_text=True)

    # With a lifetime configured, an old token expires.
    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 60)
    issued = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    with monkeypatch.context() as clock:
        clock.setattr(TimestampSigner, "get_timestamp", lambda _self: int(issued.timestamp()))
        old = _form(app.test_client(), token)["csrf_token"]
    response = client.post(f"/s/{token}", data=survey_answers(document) | {"csrf_token": old})
    assert response.status_code == 400
    _nothing_stored(db_session)
    # The page that says so keeps the answers and carries a fresh token: submitting it again
    # is enough.
    again = response.get_data(as_text=True)
    assert again.count(" checked ") == len(document.items)
    retry = {"csrf_token": csrf_token_from(again)}
    assert client.post(f"/s/{token}", data=survey_answers(document) | retry).status_code == 302


def test_the_survey_sets_no_cookie_from_the_link_to_the_thank_you_page(
    app: Any, open_survey: OpenSurvey, document: Any
) -> None:
    browser = app.test_client()
    token = open_survey.token("ben@example.org")
    page = browser.get(f"/s/{token}")
    spanish = browser.get(f"/s/{token}?lang=es")
    form = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), "lang": "en"}
    incomplete = browser.post(f"/s/{token}", data=form | {"item_ea_1": "3"})
    assert incomplete.status_code == 400
    done = browser.post(f"/s/{token}", data=form | survey_answers(document))
    assert done.status_code == 302
    thanks = browser.get(done.location)
    used = browser.get(f"/s/{token}")
    assert used.status_code == 410
    for response in (page, spanish, incomplete, done, thanks, used):
        assert response.headers.getlist("Set-Cookie") == [], response.request.path
    assert browser.get_cookie("session") is None


def test_request_lines_with_a_token_are_redacted_in_server_logs(
    client: FlaskClient, open_survey: OpenSurvey, caplog: pytest.LogCaptureFixture
) -> None:
    token = open_survey.token("ana@example.org")
    client.get(f"/s/{token}")
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        # the development server's access-log call, as werkzeug makes it
        logging.getLogger("werkzeug").info(
            '%s - - [%s] "%s" %s %s',
            "127.0.0.1",
            "now",
            f"GET /s/{token}?lang=es HTTP/1.1",
            200,
            "-",
        )
        logging.getLogger("werkzeug").info('"%s" %s', "GET /s/thanks?lang=en HTTP/1.1", 200)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert token not in messages[0]
    assert "GET /s/[token]?lang=es HTTP/1.1" in messages[0]
    assert "/s/thanks?lang=en" in messages[1]  # not a token: left alone


@pytest.mark.parametrize(
    ("moved", "message"),
    [
        ("closes_at", "closed"),  # the closing date passed while the page was open
        ("opens_at", "not open yet"),  # the opening was postponed after the page was served
    ],
)
def test_dates_changed_after_the_page_was_served_refuse_the_submission(
    client: FlaskClient,
    open_survey: OpenSurvey,
    ana: FilledForm,
    db_session: Any,
    moved: str,
    message: str,
) -> None:
    survey = open_survey.survey
    db_session.add(survey)
    shift = dt.timedelta(minutes=-1 if moved == "closes_at" else 60)
    setattr(survey, moved, dt.datetime.now(dt.UTC) + shift)
    db_session.commit()
    response = client.post(ana.url, data=ana.data)
    assert response.status_code == 410
    assert message in response.get_data(as_text=True)
    _nothing_stored(db_session)


def test_a_token_that_names_another_version_is_checked_against_the_surveys_own(
    app: Any,
    client: FlaskClient,
    open_survey: OpenSurvey,
    document: Any,
    db_session: Any,
    mix_all: Any,
) -> None:
    """The version in the CSRF token picks the document the answers are first checked
    with; the conditional UPDATE insists on the survey's version, so a token naming another
    one (it would need the secret key) ends on the ordinary path, stored once, correctly."""
    token = open_survey.token("ben@example.org")
    version = open_survey.survey.instrument_version
    with app.test_request_context():
        claimed = link_csrf_token(
            token_sha256(token), ServedVersion(version.id + 1000, version.sha256)
        )
    form = {"csrf_token": claimed, "lang": "en"} | survey_answers(document)
    assert client.post(f"/s/{token}", data=form).status_code == 302
    mix_all(open_survey.survey)
    stored = db_session.scalars(select(Response)).one()
    assert stored.instrument_version_id == version.id
    assert _count(db_session, Answer) == len(document.items)


def test_a_valid_submission_writes_before_it_reads_anything(
    app: Any, client: FlaskClient, open_survey: OpenSurvey, document: Any
) -> None:
    """The common POST does not read the link before its write transaction: the first
    statement is the conditional UPDATE, so SQLite's write lock is taken for the writes
    only."""
    token = open_survey.token("cai@example.org")
    data = _form(client, token) | survey_answers(document)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    engine = app.extensions["sqlalchemy_engine"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.post(f"/s/{token}", data=data).status_code == 302
    finally:
        event.remove(engine, "before_cursor_execute", record)
    writes = [s for s in statements if s not in ("SAVEPOINT", "RELEASE", "ROLLBACK")]
    assert writes[0] == "UPDATE"
    assert writes[1:] == ["INSERT"]  # one sealed ballot
    assert "SELECT" not in statements
