"""The employee's page for instrument v2 in Chromium, at 1366 x 768 and 390 px: a leader's
link shows none of the items about the group's leader, and a survey with mixed item order
shows each respondent an order of their own, kept with JavaScript (the check before Submit
follows it) and without (the server's page after an error and a language switch)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import Engine, select

from app.instruments.document import InstrumentDocument
from app.surveys.models import Invitation
from tests.conftest import live_server
from tests.e2e.test_survey_page_browser import WIDTHS, assert_no_horizontal_scroll
from tests.taking.v2 import LED_ITEMS, open_led_survey

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 10_000
ContextFactory = Callable[..., BrowserContext]


@dataclass
class LiveLedSurveys:
    """Two open surveys of the led instrument on the live server: `plain` in the document's
    order, `mixed` with mixed item order."""

    base_url: str
    engine: Engine
    document: InstrumentDocument
    plain: dict[str, str]
    mixed: dict[str, str]

    def url(self, tokens: dict[str, str], name: str) -> str:
        return f"{self.base_url}/s/{tokens[f'{name}@example.org']}"


@pytest.fixture
def live(app: Flask, scratch_engine: Engine) -> Iterator[LiveLedSurveys]:
    def seed(base_url: str) -> LiveLedSurveys:
        plain = open_led_survey()
        mixed = open_led_survey(mixed_item_order=True)
        return LiveLedSurveys(base_url, scratch_engine, plain.document, plain.tokens, mixed.tokens)

    with live_server(app, scratch_engine, seed) as seeded:
        yield seeded


def open_page(new_context: ContextFactory, width: int, *, javascript: bool = True) -> Page:
    context = new_context(**WIDTHS[width], java_script_enabled=javascript, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def shown(page: Page) -> list[str]:
    """The item keys of the page's questions, in the order shown."""
    ids: list[str] = page.eval_on_selector_all(
        "fieldset.question", "groups => groups.map(g => g.id)"
    )
    return [re.sub(r"^item_", "", found) for found in ids]


def answer(page: Page, keys: list[str], value: int = 3) -> None:
    """Click the label of scale point `value` of each item (option index value - 1)."""
    for key in keys:
        page.locator(f'label[for="item_{key}-{value - 1}"]').click()


def responded(live: LiveLedSurveys) -> int:
    with live.engine.connect() as conn:
        return len(conn.execute(select(Invitation.id).where(Invitation.responded)).all())


@pytest.mark.parametrize("width", [1366, 390])
def test_a_leaders_link_shows_no_item_about_the_leader(
    live: LiveLedSurveys, new_context: ContextFactory, width: int
) -> None:
    page = open_page(new_context, width)
    page.goto(live.url(live.plain, "ana"))
    assert set(LED_ITEMS) <= set(shown(page))

    page = open_page(new_context, width)
    page.goto(live.url(live.plain, "ben"))
    keys = shown(page)
    assert len(keys) == 52 - len(LED_ITEMS)
    assert not set(LED_ITEMS) & set(keys)
    for key in LED_ITEMS:
        expect(page.locator(f'[name="item_{key}"]')).to_have_count(0)
    answer(page, keys[:3])
    expect(page.locator("#progress-text")).to_have_text(f"3 of {len(keys)} questions answered")
    assert_no_horizontal_scroll(page)
    answer(page, keys[3:])
    page.get_by_role("button", name="Submit my answers").click()
    page.wait_for_url("**/s/thanks**")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    assert responded(live) == 1


@pytest.mark.parametrize("width", [1366, 390])
def test_mixed_order_with_javascript(
    live: LiveLedSurveys, new_context: ContextFactory, width: int
) -> None:
    other = open_page(new_context, width)
    other.goto(live.url(live.mixed, "dev"))
    page = open_page(new_context, width)
    page.goto(live.url(live.mixed, "ana"))
    keys = shown(page)
    assert keys != shown(other)
    assert sorted(keys) == sorted(item.key for item in live.document.items)
    assert keys != [item.key for item in live.document.items]

    # The check before Submit lists the questions by the numbers shown, and focuses the
    # first of them in the shown order.
    skipped = [keys[1], keys[6]]
    answer(page, [key for key in keys if key not in skipped])
    page.get_by_role("button", name="Submit my answers").click()
    check = page.locator("#unanswered")
    expect(check).to_be_visible()
    expect(check.locator("a")).to_have_text(["question 2", "question 7"])
    expect(page.locator(f'[name="item_{keys[1]}"]').first).to_be_focused()
    assert responded(live) == 0
    # Tab moves on through the page in the shown order.
    page.locator(f'label[for="item_{keys[1]}-2"]').click()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.name")
    assert focused == f"item_{keys[2]}"
    answer(page, skipped)
    page.get_by_role("button", name="Submit my answers").click()
    page.wait_for_url("**/s/thanks**")
    assert responded(live) == 1


@pytest.mark.parametrize("width", [1366, 390])
def test_mixed_order_without_javascript_is_kept_by_the_server(
    live: LiveLedSurveys, new_context: ContextFactory, width: int
) -> None:
    page = open_page(new_context, width, javascript=False)
    page.goto(live.url(live.mixed, "ana"))
    keys = shown(page)
    assert keys != [item.key for item in live.document.items]
    answer(page, keys[:20])
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Submit my answers").click()
    assert posted.value.status == 400
    assert shown(page) == keys
    expect(page.locator("#error-summary .first-unanswered")).to_have_text(
        "Go to the first: question 21"
    )
    page.get_by_role("button", name="Español").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert shown(page) == keys
    checked = page.eval_on_selector_all(
        "input[type=radio]:checked", "inputs => inputs.map(i => i.name)"
    )
    assert checked == [f"item_{key}" for key in keys[:20]]
    answer(page, keys[20:])
    page.get_by_role("button", name="Enviar mis respuestas").click()
    page.wait_for_url("**/s/thanks**")
    assert responded(live) == 1
    assert page.context.cookies() == []
