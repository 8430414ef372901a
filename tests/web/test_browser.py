"""Grondwerk's pages and Airflow's trigger form in headless Chromium, against a loopback api-server.

Chromium and chromedriver are Debian's packages (``scripts/install-browser.sh``);
Selenium uses ``/usr/bin/chromedriver`` and downloads nothing. Each test signs in
through Airflow's login form, which sets the ``_token`` cookie that both the
Airflow UI and the Grondwerk pages read. Screenshots go to ``GRONDWERK_SCREENSHOT_DIR`` (``docs/screenshots/`` when refreshing the committed ones).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import pytest


pytestmark = [pytest.mark.airflow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Screenshots go to docs/screenshots/ only when asked (GRONDWERK_SCREENSHOT_DIR), so a test run leaves the tree clean.
SCREENSHOTS = Path(os.environ.get("GRONDWERK_SCREENSHOT_DIR") or Path(os.environ["GRONDWERK_VAR_DIR"]) / "screenshots")
REVIEW_REFERENCE = "WEB-BROWSER-1"
WAIT_S = 30.0
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1400,1000",
)

if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
    pytest.skip(
        f"{CHROMIUM} or {CHROMEDRIVER} is missing; install them with scripts/install-browser.sh",
        allow_module_level=True,
    )
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed in the venv (pip install selenium)")

from selenium.common.exceptions import TimeoutException, WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(dir=tmp_path_factory.mktemp('chromium'))}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT_S)
    yield driver
    driver.quit()


def _wait(driver, condition, description: str):
    # A check that runs while the page navigates after a form submit fails with "aborted by navigation".
    # Such a failure is retried like a condition that is not met yet.
    try:
        return WebDriverWait(driver, WAIT_S, ignored_exceptions=(WebDriverException,)).until(condition)
    except TimeoutException:
        raise AssertionError(f"timed out after {WAIT_S:.0f} s waiting for {description} on {driver.current_url}") from None


def _sign_in(driver, live_airflow, username: str) -> None:
    """Sign in through Airflow's login form, which sets the ``_token`` cookie."""
    driver.delete_all_cookies()
    driver.get(f"{live_airflow.base_url}/auth/login")
    _wait(driver, expected_conditions.presence_of_element_located((By.NAME, "username")), "the login form")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(live_airflow.passwords[username])
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait(driver, lambda d: d.get_cookie("_token") is not None, f"the _token cookie of {username}")
    driver.get_log("browser")  # drop the login page's messages


def _errors(driver) -> list[dict]:
    """Return the browser's SEVERE console entries since the last call: script errors and failed requests."""
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _outside_requests(driver, base_url: str) -> list[str]:
    """Return the URLs this page loaded from anywhere but the api-server (the Resource Timing entries)."""
    urls = driver.execute_script("return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    return [url for url in urls if not url.startswith(base_url)]


def _screenshot(driver, name: str, focus=None) -> Path:
    """Save a PNG of the page under ``SCREENSHOTS``, up to 4000 pixels tall, from its top or ending at ``focus``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    # The window size includes Chromium's frame, so the window gets 200 pixels more than the page.
    driver.set_window_size(1400, min(max(int(height) + 200, 1000), 4000))
    driver.execute_script("window.scrollTo(0, 0)")
    if focus is not None:
        driver.execute_script("arguments[0].scrollIntoView({block: 'end'})", focus)
    path = SCREENSHOTS / name
    driver.save_screenshot(str(path))
    driver.set_window_size(1400, 1000)
    assert path.stat().st_size > 10_000, f"{path} is suspiciously small"
    return path


def test_trigger_form_shows_dutch_labels(browser, live_airflow):
    _sign_in(browser, live_airflow, "demo-inkoper")
    browser.get(f"{live_airflow.base_url}/dags/tender_halte")
    trigger = _wait(
        browser, expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, "button[aria-label='Trigger Dag']")), "the Trigger button"
    )
    trigger.click()
    _wait(browser, lambda d: "Kenmerk aanbesteding" in d.find_element(By.TAG_NAME, "body").text, "the trigger form's parameters")

    # textContent, because Selenium's .text leaves out the fields scrolled below the dialog's fold.
    labels = {label.get_attribute("textContent").rstrip(" *") for label in browser.find_elements(By.CSS_SELECTOR, "[role=dialog] label")}
    for label in ("Kenmerk aanbesteding", "Aanbestedende dienst", "Projectnaam", "Vrijkomende grond (m³)", "Benodigde grond (m³)",
                  "Toegestane kwaliteitsklassen", "Inspectiebestanden"):
        assert label in labels, f"trigger form lacks the label {label!r}; it has {sorted(labels)}"
    dialogs = [dialog.get_attribute("textContent") for dialog in browser.find_elements(By.CSS_SELECTOR, "[role=dialog]")]
    assert any("Uniek kenmerk van de aanbesteding" in dialog for dialog in dialogs), "the field descriptions are missing"

    # Fill the first fields as a procurement officer would, for the screenshot. The form is not submitted.
    for label_text, value in (("Kenmerk aanbesteding", "KRW-2027-014"), ("Aanbestedende dienst", "Gemeente Krimpenerwaard"),
                              ("Projectnaam", "Herinrichting Spoorstraat Schoonhoven")):
        label = browser.find_element(By.XPATH, f"//*[@role='dialog']//label[starts-with(normalize-space(.), '{label_text}')]")
        label.find_element(By.XPATH, "./ancestor::*[@role='group'][1]//input").send_keys(value)
    assert _errors(browser) == []
    assert _outside_requests(browser, live_airflow.base_url) == []
    _screenshot(browser, "trigger-form.png")


def test_review_approved_from_review_page(browser, live_airflow):
    run = live_airflow.start_run(REVIEW_REFERENCE)
    reviewer = None
    try:
        detail = live_airflow.open_review(REVIEW_REFERENCE, run)

        _sign_in(browser, live_airflow, "demo-bodemteam")
        browser.get(f"{live_airflow.base_url}/grondwerk/review")
        link = _wait(
            browser,
            lambda d: next((a for a in d.find_elements(By.CSS_SELECTOR, "#open a") if REVIEW_REFERENCE in a.text), False),
            f"the open review of {REVIEW_REFERENCE} in the list",
        )
        assert _errors(browser) == []
        link.click()

        status = _wait(browser, expected_conditions.presence_of_element_located((By.ID, "status")), "the review form")
        _wait(browser, lambda d: status.text == "Wacht op uw beoordeling.", "the step's state from Airflow")
        assert REVIEW_REFERENCE in browser.find_element(By.TAG_NAME, "h1").text
        assert browser.find_elements(By.CSS_SELECTOR, ".artikel"), "the review page shows no articles"
        approve = browser.find_element(By.CSS_SELECTOR, "button[value='Goedkeuren']")
        assert approve.is_enabled()
        approve.click()
        _wait(browser, lambda d: status.text == "Antwoord verstuurd: Goedkeuren.", "Airflow's acceptance of the answer")
        assert _errors(browser) == []
        assert _outside_requests(browser, live_airflow.base_url) == []
        _screenshot(browser, "review.png", focus=browser.find_element(By.ID, "antwoord"))

        answered = live_airflow.session("demo-bodemteam").get(live_airflow.hitl_url(detail), timeout=10).json()
        assert answered["response_received"] is True
        assert answered["chosen_options"] == ["Goedkeuren"]
        assert answered["responded_by_user"]["name"] == "demo-bodemteam"

        reviewer = live_airflow.auto_reviewer(REVIEW_REFERENCE)  # responds to the match proposal
        assert run.finish() == 0, f"airflow dags test failed; see {live_airflow.log_dir}"
    finally:
        if reviewer is not None:
            reviewer.stop()
        if run.is_alive():
            fallback = live_airflow.auto_reviewer(REVIEW_REFERENCE)
            run.join(run.timeout_s)
            fallback.stop()

    folder = live_airflow.dossier_of(REVIEW_REFERENCE)
    decision = json.loads((folder / "07_review" / "decision.json").read_text(encoding="utf-8"))
    assert decision["decision"] == "approve"
    assert decision["responded_by"] == "demo-bodemteam"
    assert [a["task_id"] for a in reviewer.answered] == ["accept_match"], "the browser, not the AutoReviewer, must answer the review"

    browser.get(f"{live_airflow.base_url}/grondwerk/dossiers/{folder.parent.name}/{folder.name}")
    page_text = browser.find_element(By.TAG_NAME, "body").text
    assert "07_review/decision.json" in page_text


def test_steward_dashboard_renders(browser, live_airflow):
    _sign_in(browser, live_airflow, "demo-datasteward")
    browser.get(f"{live_airflow.base_url}/grondwerk/dashboard")
    _wait(browser, expected_conditions.presence_of_element_located((By.TAG_NAME, "h1")), "the dashboard heading")

    assert browser.find_element(By.TAG_NAME, "h1").text == "Datakwaliteit"
    assert browser.find_elements(By.CSS_SELECTOR, "svg, canvas"), "the dashboard draws no chart"
    assert "Slagingspercentage per run" in browser.find_element(By.TAG_NAME, "body").text
    assert _errors(browser) == []
    assert _outside_requests(browser, live_airflow.base_url) == []
    _screenshot(browser, "dashboard.png")


def test_map_renders(browser, live_airflow):
    _sign_in(browser, live_airflow, "demo-bodemteam")
    browser.get(f"{live_airflow.base_url}/grondwerk/map")
    # The map is the SVG with role img, because the legend has small SVG symbols of its own.
    svg = _wait(browser, expected_conditions.presence_of_element_located((By.CSS_SELECTOR, 'svg[role="img"]')), "the map's SVG")

    assert svg.size["width"] > 100
    assert svg.size["height"] > 100
    assert _errors(browser) == []
    assert _outside_requests(browser, live_airflow.base_url) == []
    _screenshot(browser, "map.png")
