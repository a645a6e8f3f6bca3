"""The employee survey page in a real browser (headless Chromium): the draft kept in
localStorage, keyboard-only answering, the form without JavaScript, axe-core and a phone's
viewport. The server runs live and commits to a database of its own (see conftest.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import insert, select

from app.ballots.services import mix_ballots
from app.db import Session
from app.surveys.models import Invitation, InvitationToken, Survey
from app.surveys.tokens import new_token
from app.taking.models import Answer, Comment, Response
from tests.conftest import LiveSurvey
from tests.e2e.conftest import serious_violations

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 10_000
SCALE_VALUES = ("1", "2", "3", "4", "5", "na")  # option order in each radio group
DRAFT_PREFIX = "mutuality-draft:"
COMMENT = "We fixed the release process together after the outage."

JS_CHECKED = """() => Object.fromEntries(
  [...document.querySelectorAll('input[type=radio]:checked')].map(e => [e.name, e.value]))"""
JS_DRAFTS = f"""() => Object.fromEntries(Object.keys(localStorage)
  .filter(k => k.startsWith({DRAFT_PREFIX!r})).map(k => [k, localStorage.getItem(k)]))"""
JS_FOCUSED = """() => {
  const e = document.activeElement;
  return {tag: e.tagName, id: e.id, name: e.name || null, type: e.type || null,
          value: e.value ?? null, checked: !!e.checked, cls: e.className};
}"""


# -- helpers ----------------------------------------------------------------------------


def item_keys(live: LiveSurvey) -> list[str]:
    return [item.key for item in live.document.items]


def planned_choice(index: int) -> int:
    """The option (0-5) to pick for the item at `index`: every scale point and "prefer not
    to answer" occur, so the stored values cover 1-5 and NULL."""
    return (index * 5 + 2) % len(SCALE_VALUES)


def plan(keys: list[str]) -> dict[str, str]:
    """Form values {"item_<key>": "1".."5" | "na"} for `keys`, in document order."""
    return {f"item_{key}": SCALE_VALUES[planned_choice(i)] for i, key in enumerate(keys)}


def click_answers(page: Page, answers: dict[str, str]) -> None:
    """Answer as a mouse user does: click the option's visible label."""
    for name, value in answers.items():
        page.locator(f'label[for="{name}-{SCALE_VALUES.index(value)}"]').click()


def checked(page: Page) -> dict[str, str]:
    result: dict[str, str] = page.evaluate(JS_CHECKED)
    return result


def focused(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(JS_FOCUSED)
    return result


def goto(page: Page, url: str) -> int:
    """Open `url` and return the HTTP status of the document."""
    response = page.goto(url)
    assert response is not None
    return response.status


def new_page(context: BrowserContext) -> Page:
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def submit_and_expect_thanks(page: Page, *, key: str | None = None) -> None:
    if key is None:
        page.get_by_role("button", name="Submit my answers").click()
    else:
        page.keyboard.press(key)
    page.wait_for_url("**/s/thanks**")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")


def stored_response(
    app: Flask, live: LiveSurvey
) -> tuple[int, dict[str, int | None], list[tuple[str, str]]]:
    """(number of responses, the answers of the last one by item key, comments), once the
    sealed ballots are mixed into responses (the global Session is the live app's)."""
    with app.app_context():
        mix_ballots(Session.get_one(Survey, live.survey_id), final=True)
        Session.commit()
    with live.engine.connect() as conn:
        responses = conn.scalars(select(Response.id)).all()
        if not responses:
            return 0, {}, []
        last = select(Answer.item_key, Answer.value).where(Answer.response_id == responses[-1])
        answers = {row.item_key: row.value for row in conn.execute(last)}
        comments = [(p, t) for p, t in conn.execute(select(Comment.prompt_key, Comment.text))]
    return len(responses), answers, comments


def responded(live: LiveSurvey) -> dict[str, bool]:
    with live.engine.connect() as conn:
        rows = conn.execute(select(Invitation.email, Invitation.responded)).all()
    return {str(email).split("@")[0]: bool(flag) for email, flag in rows}


def as_stored(answers: dict[str, str]) -> dict[str, int | None]:
    """The Answer rows a set of form values must become ("na" is NULL)."""
    return {
        name.removeprefix("item_"): None if value == "na" else int(value)
        for name, value in answers.items()
    }


# -- tests ------------------------------------------------------------------------------


def test_draft_survives_a_reload_and_is_cleared_by_submitting(
    app: Flask, live_survey: LiveSurvey, context: BrowserContext
) -> None:
    page = new_page(context)
    keys = item_keys(live_survey)
    assert len(keys) == 52
    everything = plan(keys)
    first_half = plan(keys[:26])
    second_half = {name: everything[name] for name in everything if name not in first_half}

    assert goto(page, live_survey.url()) == 200
    progress = page.locator("#progress-text")
    expect(progress).to_have_text("0 of 52 questions answered")
    click_answers(page, first_half)
    expect(progress).to_have_text("26 of 52 questions answered")
    assert checked(page) == first_half
    ((draft_key, draft),) = page.evaluate(JS_DRAFTS).items()  # one draft, saved on each change
    assert json.loads(draft) == first_half

    # Chromium itself restores no radio on reload (checked with JavaScript off and with
    # localStorage cleared): what comes back comes from the draft.
    page.reload()
    assert checked(page) == first_half
    expect(progress).to_have_text("26 of 52 questions answered")

    click_answers(page, second_half)
    page.locator("#prompt_safer_to_speak").fill(COMMENT)
    assert checked(page) == everything
    assert COMMENT in page.evaluate(JS_DRAFTS)[draft_key]
    submit_and_expect_thanks(page)

    count, answers, comments = stored_response(app, live_survey)
    assert count == 1
    assert len(answers) == 52
    assert answers == as_stored(everything)
    assert {None, 1, 2, 3, 4, 5} == set(answers.values())
    assert comments == [("safer_to_speak", COMMENT)]
    assert responded(live_survey) == {"ana": True, "ben": False, "cai": False, "dev": False}

    assert goto(page, live_survey.url()) == 410
    expect(page.locator("main")).to_contain_text("already been used")
    assert page.evaluate(JS_DRAFTS) == {}  # the draft went away with the submission


def test_a_newer_link_of_the_same_person_finds_the_draft(
    app: Flask, live_survey: LiveSurvey, context: BrowserContext
) -> None:
    """Link A (the invitation's) and link B (a reminder's) of one invitation share the
    draft, kept per survey under a key that holds no token."""
    raw_b, digest_b = new_token()
    with live_survey.engine.begin() as conn:
        ana = conn.scalar(select(Invitation.id).where(Invitation.email == "ana@example.org"))
        conn.execute(insert(InvitationToken).values(token_sha256=digest_b, invitation_id=ana))
    page = new_page(context)
    two = plan(item_keys(live_survey)[:2])
    assert goto(page, live_survey.url()) == 200
    click_answers(page, two)
    (draft_key,) = page.evaluate(JS_DRAFTS)
    assert draft_key == f"{DRAFT_PREFIX}{live_survey.survey_id}"  # no token in the key

    assert goto(page, f"{live_survey.base_url}/s/{raw_b}") == 200
    assert checked(page) == two
    expect(page.locator("#progress-text")).to_have_text("2 of 52 questions answered")
    click_answers(page, {n: v for n, v in plan(item_keys(live_survey)).items() if n not in two})
    submit_and_expect_thanks(page)
    assert page.evaluate(JS_DRAFTS) == {}  # the draft does not survive the submission
    assert goto(page, live_survey.url()) == 410  # link A is used up too


def test_keyboard_only_answers_every_item_and_submits(
    app: Flask, live_survey: LiveSurvey, context: BrowserContext
) -> None:
    page = new_page(context)
    keys = item_keys(live_survey)
    expected = plan(keys)
    page.goto(live_survey.url())
    kb = page.keyboard

    # The skip link is the first tab stop, visible when focused, and leads to <main>.
    kb.press("Tab")
    first = focused(page)
    assert (first["tag"], first["cls"]) == ("A", "skip-link")
    box = page.locator(".skip-link").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["y"] >= 0
    kb.press("Enter")
    assert focused(page)["id"] == "main"  # the next Tab skips the header's language buttons
    kb.press("Tab")  # the privacy details, one key away
    assert focused(page)["tag"] == "SUMMARY"

    for index, key in enumerate(keys):
        name = f"item_{key}"
        kb.press("Tab")  # one tab stop per group: the next Tab lands in the next group
        now = focused(page)
        assert (now["name"], now["id"], now["checked"]) == (name, f"{name}-0", False), (
            f"Tab after question {index} should reach the first option of {name}, got {now}"
        )
        kb.press("Space")
        assert checked(page).get(name) == "1"
        # Arrow keys move the choice within the group (and wrap at its end).
        for step in range(planned_choice(index)):
            kb.press("ArrowDown" if step % 2 else "ArrowRight")
        now = focused(page)
        assert now["name"] == name
        assert now["checked"]
        assert checked(page).get(name) == now["value"] == expected[name]
        if index == 1:
            # Shift+Tab goes back to the previous group's chosen option, Tab returns.
            kb.press("Shift+Tab")
            back = focused(page)
            assert (back["name"], back["value"]) == (f"item_{keys[0]}", expected[f"item_{keys[0]}"])
            kb.press("Tab")
            assert (focused(page)["name"], focused(page)["value"]) == (name, expected[name])

    assert checked(page) == expected
    kb.press("Tab")
    assert focused(page)["id"] == "prompt_change_together"
    kb.type(COMMENT)
    kb.press("Tab")
    assert focused(page)["id"] == "prompt_safer_to_speak"
    kb.press("Tab")
    assert focused(page)["tag"] == "BUTTON"
    submit_and_expect_thanks(page, key="Enter")

    count, answers, comments = stored_response(app, live_survey)
    assert count == 1
    assert answers == as_stored(expected)
    assert comments == [("change_together", COMMENT)]


def test_the_form_works_without_javascript(
    app: Flask, live_survey: LiveSurvey, new_context: Any
) -> None:
    page = new_page(new_context(java_script_enabled=False))
    expected = plan(item_keys(live_survey))
    assert goto(page, live_survey.url("ben")) == 200
    expect(page.locator("#progress")).to_be_hidden()  # survey.js did not run
    click_answers(page, expected)
    submit_and_expect_thanks(page)

    count, answers, comments = stored_response(app, live_survey)
    assert count == 1
    assert answers == as_stored(expected)
    assert comments == []
    assert responded(live_survey)["ben"] is True


def test_axe_finds_no_serious_problem_in_english_spanish_and_with_errors(
    live_survey: LiveSurvey, context: BrowserContext
) -> None:
    page = new_page(context)
    page.goto(live_survey.url())
    expect(page.locator("html")).to_have_attribute("lang", "en")
    problems = serious_violations(page)
    assert not problems, "axe (English survey page):\n" + "\n".join(problems)

    page.goto(live_survey.url(query="?lang=es"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    problems = serious_violations(page)
    assert not problems, "axe (Spanish survey page):\n" + "\n".join(problems)

    page.goto(live_survey.url())
    click_answers(page, plan(item_keys(live_survey)[:10]))
    page.get_by_role("button", name="Submit my answers").click()  # the check before Submit
    summary = page.locator("#unanswered")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("42 questions are not answered yet")
    problems = serious_violations(page)
    assert not problems, "axe (the unanswered questions listed):\n" + "\n".join(problems)
    assert responded(live_survey)["ana"] is False


@pytest.mark.parametrize("query", ["", "?lang=es"])
def test_no_horizontal_scrolling_on_a_phone(
    live_survey: LiveSurvey, new_context: Any, query: str
) -> None:
    phone = new_context(
        viewport={"width": 375, "height": 667},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = new_page(phone)
    page.goto(live_survey.url(query=query))
    widths = page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})"
    )
    # A page wider than the screen would also make Chromium zoom out (innerWidth > 375).
    assert widths["inner"] == 375, widths
    assert widths["scroll"] <= widths["inner"], widths
