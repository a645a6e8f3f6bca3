import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

def test_explore(live_survey, page: Page) -> None:
    import time
    t=time.time()
    r = page.goto(live_survey.url())
    print("goto", time.time()-t, r.status)
    import pathlib; pathlib.Path("/tmp/e2e/page.html").write_text(page.content())
    page.keyboard.press("Tab")
    print(page.evaluate("[document.activeElement.outerHTML, JSON.stringify(document.activeElement.getBoundingClientRect())]"))
    page.keyboard.press("Enter")
    print(page.evaluate("[document.activeElement.tagName, document.activeElement.id, location.hash]"))
    for i in range(4):
        page.keyboard.press("Tab")
        print(page.evaluate("document.activeElement.outerHTML"))
