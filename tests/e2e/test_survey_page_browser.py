"""The employee's survey page of issue #16 in Chromium, at 1366 x 768 (desktop) and 390 px
(a phone), with and without JavaScript, in English and Spanish: the scale in one row or
stacked, the short receipt, the first question on the first screen, the progress that stays
in view, the check before Submit, the error summary without JavaScript, the language switch
that keeps the answers, the pages for links that cannot answer and the thank-you page, axe,
200% zoom, the page's weight and its first paint."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Request, expect
from sqlalchemy import select, update

from app.surveys.models import Invitation, Survey
from tests.conftest import LiveSurvey
from tests.e2e.conftest import serious_violations
from tests.e2e.test_survey_browser import (
    SCALE_VALUES,
    checked,
    click_answers,
    focused,
    item_keys,
    plan,
)

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 10_000
DESKTOP: dict[str, Any] = {"viewport": {"width": 1366, "height": 768}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
}
WIDTHS: dict[int, dict[str, Any]] = {1366: DESKTOP, 390: PHONE}
LOCALES = {"en": "en-GB", "es": "es-ES"}
TEXT = {
    "en": {
        "submit": "Submit my answers",
        "part": "Part {n} of 13",
        "question": "question {n}",
        "progress": "{n} of 52 questions answered",
        "check": "{n} questions are not answered yet",
        "missing": "{n} questions need an answer",
        "first": "Go to the first: question {n}",
        "thanks": "Thank you",
        "other": "es",
        "other_name": "Español",
    },
    "es": {
        "submit": "Enviar mis respuestas",
        "part": "Parte {n} de 13",
        "question": "pregunta {n}",
        "progress": "{n} de 52 preguntas respondidas",
        "check": "{n} preguntas aún no tienen respuesta",
        "missing": "{n} preguntas necesitan una respuesta",
        "first": "Ir a la primera: pregunta {n}",
        "thanks": "Gracias",
        "other": "en",
        "other_name": "English",
    },
}
BOTH = pytest.mark.parametrize(
    ("width", "language"), [(1366, "en"), (1366, "es"), (390, "en"), (390, "es")]
)

ContextFactory = Callable[..., BrowserContext]
# The first contentful paint's time, from the start of navigation (ms), or null.
JS_FIRST_PAINT = """() => new Promise(resolve => {
  const paint = () => performance.getEntriesByName('first-contentful-paint')[0];
  if (paint()) { resolve(paint().startTime); return; }
  new PerformanceObserver(() => paint() && resolve(paint().startTime))
    .observe({type: 'paint', buffered: true});
  setTimeout(() => resolve(paint() ? paint().startTime : null), 3000);
})"""


def open_page(
    new_context: ContextFactory, width: int, *, javascript: bool = True, language: str = "en"
) -> Page:
    """A page of a fresh context at `width`, its browser speaking `language`."""
    context = new_context(**WIDTHS[width], java_script_enabled=javascript, locale=LOCALES[language])
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def assert_axe_clean(page: Page, what: str) -> None:
    problems = serious_violations(page)
    assert not problems, f"axe ({what}):\n" + "\n".join(problems)


def assert_no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], widths


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return {"x": found["x"], "y": found["y"], "width": found["width"], "height": found["height"]}


def in_viewport(page: Page, selector: str) -> bool:
    found: bool = page.evaluate(
        """(selector) => {
          const r = document.querySelector(selector).getBoundingClientRect();
          return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;
        }""",
        selector,
    )
    return found


def posts(page: Page) -> list[str]:
    """The URLs of the POST requests the page sends from now on."""
    sent: list[str] = []

    def record(request: Request) -> None:
        if request.method == "POST":
            sent.append(request.url)

    page.on("request", record)
    return sent


def responded(live: LiveSurvey) -> dict[str, bool]:
    with live.engine.connect() as conn:
        rows = conn.execute(select(Invitation.email, Invitation.responded)).all()
    return {str(email).split("@")[0]: bool(flag) for email, flag in rows}


# -- the layout -------------------------------------------------------------------------------


@BOTH
def test_the_scale_is_one_row_on_desktop_and_stacked_on_a_phone(
    live_survey: LiveSurvey, new_context: ContextFactory, width: int, language: str
) -> None:
    page = open_page(new_context, width)
    page.goto(live_survey.url(query=f"?lang={language}"))
    first = f"item_{item_keys(live_survey)[0]}"
    labels = [box(page, f'label[for="{first}-{i}"]') for i in range(len(SCALE_VALUES))]
    scale, prefer_not = labels[:5], labels[5]
    question = box(page, f"#{first}")
    if width == 1366:
        # Left to right in one row, each point as wide as the others, "prefer not" apart.
        assert len({round(b["y"]) for b in labels}) == 1, labels
        xs = [b["x"] for b in labels]
        assert xs == sorted(xs)
        assert max(b["width"] for b in scale) - min(b["width"] for b in scale) < 2
        gaps = [scale[i + 1]["x"] - (scale[i]["x"] + scale[i]["width"]) for i in range(4)]
        apart = prefer_not["x"] - (scale[4]["x"] + scale[4]["width"])
        assert apart > max(gaps) * 2, (gaps, apart)
        # The first question, all of its choices, on the first screen.
        assert question["y"] + question["height"] <= 768, question
    else:
        # Stacked, each choice the question's full width, in the scale's order.
        ys = [b["y"] for b in labels]
        assert ys == sorted(ys) and len(set(ys)) == 6
        for label in labels:
            assert abs(label["x"] - question["x"]) < 1
            assert abs(label["width"] - question["width"]) < 1
    assert_no_horizontal_scroll(page)


@BOTH
def test_the_receipt_is_short_with_the_details_a_click_away(
    live_survey: LiveSurvey, new_context: ContextFactory, width: int, language: str
) -> None:
    page = open_page(new_context, width, language=language)
    page.goto(live_survey.url(query=f"?lang={language}"))
    receipt = page.locator(".receipt")
    details = receipt.locator("details")
    expect(details).not_to_have_attribute("open", "")
    kept = receipt.locator("[data-kept]")
    expect(kept.first).to_be_hidden()
    assert box(page, ".receipt")["height"] < (200 if width == 1366 else 330)
    receipt.locator("summary").click()
    expect(kept).to_have_count(2)
    expect(kept.first).to_be_visible()
    expect(receipt.locator("li.reader")).to_have_count(4)
    expect(receipt).to_contain_text("JavaScript")
    assert_axe_clean(page, f"receipt open, {width} px, {language}")


@BOTH
def test_the_progress_stays_in_view_to_the_last_question(
    live_survey: LiveSurvey, new_context: ContextFactory, width: int, language: str
) -> None:
    page = open_page(new_context, width)
    page.goto(live_survey.url(query=f"?lang={language}"))
    keys = item_keys(live_survey)
    click_answers(page, plan(keys[:3]))
    expect(page.locator("#progress-text")).to_have_text(TEXT[language]["progress"].format(n=3))
    page.locator(f"#item_{keys[-1]}").scroll_into_view_if_needed()
    page.locator("#submit-answers").scroll_into_view_if_needed()
    assert in_viewport(page, "#progress-bar")
    assert box(page, "#progress-bar")["y"] < 2  # stuck to the top of the screen
    # A question is never hidden under the bar: the last one clicked is below it.
    click_answers(page, plan(keys[-1:]))
    expect(page.locator("#progress-text")).to_have_text(TEXT[language]["progress"].format(n=4))


# -- before Submit, with JavaScript ----------------------------------------------------------


@BOTH
def test_the_check_before_submit_lists_the_unanswered_by_part_and_jumps_to_the_first(
    live_survey: LiveSurvey, new_context: ContextFactory, width: int, language: str
) -> None:
    text = TEXT[language]
    page = open_page(new_context, width)
    page.goto(live_survey.url(query=f"?lang={language}"))
    keys = item_keys(live_survey)
    everything = plan(keys)
    skipped = {f"item_{keys[2]}", f"item_{keys[9]}", f"item_{keys[10]}"}  # 3; 10 and 11
    click_answers(page, {n: v for n, v in everything.items() if n not in skipped})
    sent = posts(page)
    page.get_by_role("button", name=text["submit"]).click()

    check = page.locator("#unanswered")
    expect(check).to_be_visible()
    expect(check.locator("p")).to_contain_text(text["check"].format(n=3))
    lines = check.locator("li")
    expect(lines).to_have_count(2)
    q = text["question"]
    expect(lines.nth(0)).to_have_text(f"{text['part'].format(n=1)}: {q.format(n=3)}")
    expect(lines.nth(1)).to_have_text(
        f"{text['part'].format(n=3)}: {q.format(n=10)}, {q.format(n=11)}"
    )
    # The first unanswered question has the focus, in view.
    assert focused(page)["id"] == f"item_{keys[2]}-0"
    assert in_viewport(page, f"#item_{keys[2]} legend")
    assert sent == []  # nothing left the browser

    # Answering follows the list; its links lead to their question.
    page.keyboard.press("Space")
    expect(lines).to_have_count(1)
    lines.first.get_by_role("link", name=q.format(n=11)).click()
    assert focused(page)["name"] == f"item_{keys[10]}"
    click_answers(page, {n: everything[n] for n in (f"item_{keys[9]}", f"item_{keys[10]}")})
    expect(check).to_be_hidden()
    page.get_by_role("button", name=text["submit"]).click()
    page.wait_for_url("**/s/thanks**")
    expect(page.get_by_role("heading", level=1)).to_have_text(text["thanks"])
    assert responded(live_survey)["ana"] is True


# -- without JavaScript -----------------------------------------------------------------------


@BOTH
def test_without_javascript_the_summary_is_at_the_top_by_part(
    live_survey: LiveSurvey, new_context: ContextFactory, width: int, language: str
) -> None:
    text = TEXT[language]
    page = open_page(new_context, width, javascript=False)
    page.goto(live_survey.url(query=f"?lang={language}"))
    keys = item_keys(live_survey)
    answered = plan(keys[:10])
    click_answers(page, answered)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name=text["submit"]).click()
    assert posted.value.status == 400

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()  # at the top, read first
    expect(summary).to_contain_text(text["missing"].format(n=42))
    expect(summary.locator(".by-part li")).to_have_count(11)  # parts 3 (half) to 13
    assert in_viewport(page, "#error-summary .first-unanswered")
    screen = WIDTHS[width]["viewport"]["height"]
    assert box(page, "#error-summary")["height"] < (screen if width == 390 else screen / 2)
    assert checked(page) == answered  # kept
    assert page.title().startswith("Error:")

    page.keyboard.press("Tab")  # one key to the first unanswered question's link
    first = page.locator(".first-unanswered")
    expect(first).to_be_focused()
    expect(first).to_have_text(text["first"].format(n=11))
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == f"item_{keys[10]}"
    assert_no_horizontal_scroll(page)
    assert responded(live_survey)["ana"] is False

    # axe needs JavaScript: the same answer of the server, the check before Submit bypassed.
    page = open_page(new_context, width)
    page.goto(live_survey.url(query=f"?lang={language}"))
    with page.expect_navigation():
        page.evaluate("() => document.getElementById('survey-form').submit()")
    expect(page.locator("#error-summary")).to_contain_text(text["missing"].format(n=52))
    assert_axe_clean(page, f"the server's summary, {width} px, {language}")


@pytest.mark.parametrize(
    ("width", "language", "javascript"),
    [(1366, "en", False), (390, "es", False), (1366, "es", True), (390, "en", True)],
)
def test_switching_language_keeps_the_answers_and_stores_nothing(
    live_survey: LiveSurvey,
    new_context: ContextFactory,
    width: int,
    language: str,
    javascript: bool,
) -> None:
    text, other = TEXT[language], TEXT[language]["other"]
    page = open_page(new_context, width, javascript=javascript)
    page.goto(live_survey.url(query=f"?lang={language}"))
    keys = item_keys(live_survey)
    some = plan(keys[:5])
    click_answers(page, some)
    page.locator("#prompt_safer_to_speak").fill("Más tiempo juntos")
    page.get_by_role("button", name=text["other_name"]).click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", other)
    expect(page.locator("#section-1")).to_have_text(TEXT[other]["part"].format(n=1))
    assert checked(page) == some
    expect(page.locator("#prompt_safer_to_speak")).to_have_value("Más tiempo juntos")
    expect(page.locator("#error-summary")).to_have_count(0)
    assert responded(live_survey)["ana"] is False
    assert page.context.cookies() == []

    click_answers(page, {n: v for n, v in plan(keys).items() if n not in some})
    page.get_by_role("button", name=TEXT[other]["submit"]).click()
    page.wait_for_url("**/s/thanks**")
    expect(page.get_by_role("heading", level=1)).to_have_text(TEXT[other]["thanks"])
    assert responded(live_survey)["ana"] is True


# -- the pages around the survey -------------------------------------------------------------

PAGES = {
    "en": {
        "invalid": ("This survey link does not work", "Check that you copied all of it."),
        "unknown": ("Page not found", "There is no page at this address."),
        "used": ("You have already answered", "each person answers once"),
        "closed": ("This survey is closed", "The results are expected by"),
        "thanks": ("Thank you", "The results are expected by"),
        "next": "What you can do",
    },
    "es": {
        "invalid": ("Este enlace de la encuesta no funciona", "Compruebe que lo copió completo."),
        "unknown": ("Página no encontrada", "No hay ninguna página en esta dirección."),
        "used": ("Ya ha respondido", "cada persona responde una sola vez"),
        "closed": ("Esta encuesta está cerrada", "Los resultados se esperan para el"),
        "thanks": ("Gracias", "Los resultados se esperan para el"),
        "next": "Qué puede hacer",
    },
}


def _expect_page(page: Page, language: str, kind: str, status: int | None) -> None:
    title, body = PAGES[language][kind]
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("main")).to_contain_text(body)
    if kind != "thanks":
        expect(page.locator("main")).to_contain_text(PAGES[language]["next"])
        expect(page.locator("main")).not_to_contain_text(f"Error {status}")
    assert page.title().startswith(title)


@BOTH
def test_pages_for_links_that_cannot_answer_speak_the_employees_language(
    live_survey: LiveSurvey, new_context: ContextFactory, width: int, language: str
) -> None:
    with live_survey.engine.begin() as conn:
        conn.execute(
            update(Survey).values(results_expected_on=dt.date.today() + dt.timedelta(days=30))
        )
    page = open_page(new_context, width, language=language)
    base = live_survey.base_url
    for kind, url, status in (
        ("invalid", f"{base}/s/{live_survey.tokens['ana@example.org'][:20]}", 404),
        ("unknown", f"{base}/s/no/such/page", 404),
    ):
        response = page.goto(url)
        assert response is not None and response.status == status
        _expect_page(page, language, kind, status)
        assert_axe_clean(page, f"{kind} link, {width} px, {language}")
        assert_no_horizontal_scroll(page)

    # The link's language (the invitation's) when the browser says another.
    with live_survey.engine.begin() as conn:
        conn.execute(update(Invitation).values(language=TEXT[language]["other"]))
        conn.execute(
            update(Invitation).where(Invitation.email == "ben@example.org").values(responded=True)
        )
    other = TEXT[language]["other"]
    response = page.goto(live_survey.url("ben"))
    assert response is not None and response.status == 410
    _expect_page(page, other, "used", 410)
    assert_axe_clean(page, f"used link, {width} px, {other}")

    with live_survey.engine.begin() as conn:
        conn.execute(update(Survey).values(state="closed"))
    for name in ("ben", "cai"):  # used and unused alike
        response = page.goto(live_survey.url(name))
        assert response is not None and response.status == 410
        _expect_page(page, other, "closed", 410)
    assert_axe_clean(page, f"closed survey, {width} px, {other}")


@BOTH
def test_the_thank_you_page_says_when_and_how_results_come_back(
    live_survey: LiveSurvey, new_context: ContextFactory, width: int, language: str
) -> None:
    with live_survey.engine.begin() as conn:
        conn.execute(update(Survey).values(results_expected_on=dt.date(2031, 7, 15)))
    page = open_page(new_context, width, language=language)
    page.goto(live_survey.url(query=f"?lang={language}"))
    click_answers(page, plan(item_keys(live_survey)))
    page.get_by_role("button", name=TEXT[language]["submit"]).click()
    page.wait_for_url("**/s/thanks**")
    _expect_page(page, language, "thanks", None)
    expect(page.locator(".results-when")).to_contain_text("2031")
    expect(page.locator(".results-how")).to_contain_text("5")
    assert_axe_clean(page, f"thank-you page, {width} px, {language}")


# -- accessibility and speed -----------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_at_200_percent_zoom_nothing_scrolls_sideways(
    live_survey: LiveSurvey, new_context: ContextFactory, language: str
) -> None:
    """A 1366-px screen at 200% is 683 CSS px wide: the page reflows to one column."""
    context = new_context(
        viewport={"width": 683, "height": 384}, device_scale_factor=2, java_script_enabled=False
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(live_survey.url(query=f"?lang={language}"))
    assert_no_horizontal_scroll(page)
    first = f"item_{item_keys(live_survey)[0]}"
    ys = [box(page, f'label[for="{first}-{i}"]')["y"] for i in range(6)]
    assert ys == sorted(ys) and len(set(ys)) == 6  # stacked, as on a phone
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.get_by_role("button", name=TEXT[language]["submit"]).click()
    assert_no_horizontal_scroll(page)
    # Focus stays visible: the outline of a focused option is drawn.
    page.keyboard.press("Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_the_page_is_light_and_paints_fast_on_a_phone(
    live_survey: LiveSurvey, new_context: ContextFactory
) -> None:
    page = open_page(new_context, 390)
    best = float("inf")
    for _attempt in range(3):  # the best of three: the machine is shared
        response = page.goto(live_survey.url())
        assert response is not None
        assert len(response.body()) < 100_000
        paint: Any = page.evaluate(JS_FIRST_PAINT)
        assert paint is not None
        best = min(best, float(paint))
    assert best < 500, f"first contentful paint {best:.0f} ms"
    assert page.context.cookies() == []
