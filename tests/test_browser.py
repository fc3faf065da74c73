"""The self-check web app in a real browser: Debian's headless Chromium driven by Playwright.

Skips only when the chromium system package is absent (`.ci/install-browser` installs it). Playwright's own
browser download is never used: the browser is /usr/bin/chromium. The server runs in this process on a free
loopback port and stops with the module.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.evaluation.ruleset import load_ruleset
from checker.evidence.load import load_evidence
from checker.interfaces.cli import main
from checker.interfaces.web.form import texts_of
from checker.outputs.workbook import write_workbook

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).parent.parent
FOUR = ROOT / "examples" / "zero-carbon-factory" / "four-stars.json"
# Screenshots go to a temporary folder; SCREENSHOTS=docs/images refreshes the ones the docs show.
SCREENSHOTS_TO = os.environ.get("SCREENSHOTS")

pytestmark = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK) and not shutil.which("chromium"),
                                reason="the chromium system package is not installed (bash .ci/install-browser)")


@pytest.fixture(scope="module")
def server():
    import uvicorn
    from checker.interfaces.web.app import create_app
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=0, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium"),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(SCREENSHOTS_TO) if SCREENSHOTS_TO else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []   # no script error on any page


def cli_score(*options: str) -> str:
    return str(json.loads(CliRunner().invoke(main, ["check", str(FOUR), "--format", "json", *options]).stdout)["score"])


def fill_four_stars(page) -> None:
    """Type the four-stars example into the form, adding list rows with the page's own button."""
    texts = texts_of(load_ruleset("zero-carbon-factory").schema, load_evidence(FOUR)[0])
    for name, value in texts.items():
        selector = f'[name="{name}"]'
        if page.locator(selector).count() == 0:   # a further list row: add one, then fill it
            base = name.rsplit("/", 2)[0]
            page.locator(f'tbody[data-base="{base}"]').locator("xpath=ancestor::fieldset").locator(
                ".add-row").click()
        control = page.locator(selector)
        if control.evaluate("element => element.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)


def test_fill_the_form_submit_and_see_four_stars_and_the_cli_score(server, page, shots):
    page.goto(f"{server}/zh/")
    page.click('a[data-ruleset="zero-carbon-factory"]')
    fill_four_stars(page)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shots / "web-form.png"))
    assert (shots / "web-form.png").stat().st_size > 10_000
    page.select_option('[name="param:gwp_vintage"]', "AR6")   # a ruleset parameter, as --param gwp_vintage=AR6
    page.locator("#parameters").screenshot(path=str(shots / "web-parameters.png"))
    page.click("#submit")
    assert page.locator("#grade").inner_text() == "四星"
    assert page.locator("#score").inner_text() == cli_score("--param", "gwp_vintage=AR6")
    report = page.frame_locator("#report")
    assert "四星" in report.locator("body").inner_text()
    page.screenshot(path=str(shots / "web-result.png"), full_page=False)


def test_upload_a_workbook(server, page, tmp_path):
    rules = load_ruleset("zero-carbon-factory")
    path = tmp_path / "four-stars.xlsx"
    path.write_bytes(write_workbook(rules.schema, rules.description, load_evidence(FOUR)[0]))
    page.goto(f"{server}/en/")
    page.set_input_files('input[type="file"]', str(path))
    page.click('#upload button[type="submit"]')
    assert page.locator("#grade").inner_text() == "4 stars"
    assert page.locator("#score").inner_text() == cli_score()


def test_a_validation_error_appears_beside_its_field(server, page, shots):
    page.goto(f"{server}/en/check/zero-carbon-factory")
    fill_four_stars(page)
    page.fill('[name="/electricity/consumption"]', "lots")
    page.click("#submit")
    field = page.locator(".field", has=page.locator('[name="/electricity/consumption"]'))
    assert field.locator(".problem").inner_text() == "expected a number, found 'lots'"
    assert page.locator('[name="/electricity/consumption"]').get_attribute("aria-invalid") == "true"
    assert page.locator('[name="/applicant/name"]').input_value() == "湖州绿源新材料有限公司"   # nothing lost
    field.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "web-problem.png"))


def test_switch_language_keeps_the_values(server, page):
    page.goto(f"{server}/zh/check/zero-carbon-factory")
    page.fill('[name="/applicant/name"]', "某某工厂")
    assert page.locator("#submit").inner_text() == "提交评价"
    page.click("#language")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#submit").inner_text() == "Check"
    assert page.locator('[name="/applicant/name"]').input_value() == "某某工厂"
    page.click("#language")
    assert page.locator("html").get_attribute("lang") == "zh-CN"


def test_remove_a_row_and_what_if(server, page):
    page.goto(f"{server}/en/check/zero-carbon-factory")
    fill_four_stars(page)
    rows = page.locator('tbody[data-base="/emissions/direct"] tr')
    assert rows.count() == 2
    rows.nth(1).locator(".remove-row").click()
    assert rows.count() == 1
    page.click("#submit")
    assert page.locator("#grade").inner_text() == "4 stars"
    page.select_option("#whatif-pointer", "/electricity/green_certificates")
    page.fill("#whatif-value", "0")
    page.click('#whatif button[type="submit"]')
    assert page.locator("#hypothetical").is_visible()
    assert page.locator("#comparison").inner_text()


def test_an_empty_list_is_stated_with_its_none_box(server, page):
    """No credits retired: with "None" ticked the list is empty (not graded, 75.09); left blank, it is missing."""
    page.goto(f"{server}/en/check/zero-carbon-factory")
    fill_four_stars(page)
    credits = page.locator('tbody[data-base="/offsets/credits"]')
    credits.locator(".remove-row").first.click()   # the only row: emptied, not removed
    assert credits.locator("input").first.input_value() == ""
    page.check('[name="empty:/offsets/credits"]')
    page.click("#submit")
    assert page.locator("#outcome").inner_text() == "Not graded"
    assert page.locator("#score").inner_text() == "75.09"
    page.goto(f"{server}/en/check/zero-carbon-factory")
    fill_four_stars(page)
    credits.locator(".remove-row").first.click()
    assert not page.is_checked('[name="empty:/offsets/credits"]')
    page.click("#submit")
    assert page.locator("#outcome").inner_text() == "Incomplete"


def _batch_index(tmp_path) -> Path:
    out = tmp_path / "batch"
    result = CliRunner().invoke(main, ["batch", str(FOUR.parent), "-r", "zero-carbon-factory", "--out", str(out),
                                       "--lang", "en", "--date", "2026-11-25"])
    assert result.exit_code == 0, result.output
    return out / "index.html"


def _ids(page) -> list[str]:
    return page.locator("table.applications tbody tr td:first-child").all_inner_texts()


def test_a_click_on_a_heading_sorts_the_batch_index(page, tmp_path, shots):
    page.goto(_batch_index(tmp_path).as_uri())
    assert _ids(page) == ["five-stars", "four-stars", "incomplete", "ineligible", "not-graded", "six-stars",
                          "three-stars"]   # as written: input order
    page.get_by_role("button", name="Score").click()
    assert _ids(page) == ["six-stars", "five-stars", "four-stars", "ineligible", "three-stars", "incomplete",
                          "not-graded"]
    assert page.locator('th[aria-sort]').all_inner_texts() == ["Score"]
    page.get_by_role("button", name="Grade").click()
    assert _ids(page)[:4] == ["six-stars", "five-stars", "four-stars", "three-stars"]
    page.screenshot(path=str(shots / "batch-index-sorted.png"), full_page=True)


def test_without_scripts_the_batch_index_stays_as_written(browser, tmp_path):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(_batch_index(tmp_path).as_uri())
        assert _ids(page)[0] == "five-stars" and page.locator("th button").count() == 0
        assert page.locator('th[aria-sort="ascending"]').all_inner_texts() == ["Source"]
    finally:
        context.close()
