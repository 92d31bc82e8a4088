"""A person's path through the site in headless Chromium: search, a term, a paper, a question."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at "
                       "/usr/bin/chromium (.ci/run installs it: apt-get install -y chromium)"),
]


@pytest.fixture
def browser_page(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = context.new_page()
            page.set_default_timeout(30_000)
            yield page
        finally:
            context.close()


def test_search_a_term_follow_it_to_a_paper_and_run_a_named_question(server, browser_page,
                                                                      tmp_path):
    page = browser_page
    outside = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(server.url) else None)
    refused, loaded = [], []  # what the Content-Security-Policy blocked; the files it let in
    page.on("console", lambda m: refused.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.on("requestfinished", lambda r: loaded.append(r.url.removeprefix(server.url)))

    page.goto(server.url + "/")
    assert page.locator("#terms a").count() > 90
    page.screenshot(path=str(tmp_path / "1-home.png"), full_page=True)

    page.fill("#q", "moral hazard")
    page.click("#search-button")
    page.wait_for_url("**/search?q=moral+hazard")
    first = page.locator("#results a").first
    assert first.inner_text() == "moral hazard"
    page.screenshot(path=str(tmp_path / "2-search.png"), full_page=True)

    first.click()
    page.wait_for_url("**/ontology/MoralHazard")
    assert page.inner_text("#label") == "moral hazard"
    assert page.locator("#definition").inner_text().startswith("The risk that an agent")
    assert page.locator("li.inferred .badge").count() > 0
    # the styles and the Copy IRI script are files, so the policy lets them run
    assert page.eval_on_selector("header", "e => getComputedStyle(e).backgroundColor") == (
        "rgb(31, 58, 95)")
    assert page.eval_on_selector(".badge", "e => getComputedStyle(e).fontStyle") == "normal"
    assert "/static/copy-iri.js" in loaded
    page.screenshot(path=str(tmp_path / "3-term.png"), full_page=True)

    page.locator("#mentions-table a[href^='/resource/paper/']").first.click()
    page.wait_for_url("**/resource/paper/*")
    assert page.text_content("#kind") == "Paper"
    assert page.locator("#statements a[href^='/resource/person/']").count() > 0
    page.screenshot(path=str(tmp_path / "4-paper.png"), full_page=True)

    page.click("header >> text=SPARQL")
    page.wait_for_url("**/sparql")
    question = page.locator("#examples a").first
    title = question.inner_text()
    question.click()
    page.wait_for_selector("#results")
    assert page.locator("#results tbody tr").count() > 0, title
    page.screenshot(path=str(tmp_path / "5-question.png"), full_page=True)

    assert outside == [], "the pages asked for something outside the server"
    assert refused == [], "the pages need something their Content-Security-Policy forbids"
    assert len(list(tmp_path.glob("*.png"))) == 5
