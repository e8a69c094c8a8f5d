"""The page at / in a real headless browser (Debian's chromium, driven by Selenium), answered by the
default local model: a question typed, the cited answer seen, its [n] and its source link followed,
"I don't know" shown as such."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import SAMPLES, NewsqaServer, ingested_home
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                       reason="Debian's chromium and chromium-driver are not installed (make test installs them)"),
]
SEED_QUESTION = "When does work on the Ferris Street bridge begin?"


@pytest.fixture(scope="module")
def server(tmp_path_factory, web):
    # The bridge story from the samples; the heat-pump story from a page on loopback, so that its
    # source link leads somewhere this machine can open.
    home = ingested_home(tmp_path_factory.mktemp("page"), str(SAMPLES / "2025-03-04-bridge-vote.md"),
                         f"{web}/article.html")
    env = {"NEWSQA_LLM": "local"}
    running = NewsqaServer(home, **env)
    yield running.wait_ready()
    running.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # Headless as root; nothing reaching out to the network at start.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1100,900", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def ask(browser, question: str) -> None:
    box = browser.find_element(By.ID, "question")
    box.clear()
    box.send_keys(question)
    browser.find_element(By.ID, "send").click()
    # Done when the button is back (the checked answer, or an error, has arrived).
    WebDriverWait(browser, 300).until(lambda b: b.find_element(By.ID, "answer").text.strip()
                                      and b.find_element(By.ID, "send").is_enabled())


def test_the_seed_question_gets_a_cited_answer_with_its_source(server, browser, tmp_path):
    browser.get(server.url)
    WebDriverWait(browser, 30).until(  # the outlets of the index, offered in the source field
        lambda b: b.find_elements(By.CSS_SELECTOR, "#outlets option[value='Millbrook Ledger']"))
    ask(browser, SEED_QUESTION)
    answer = browser.find_element(By.ID, "answer")
    assert "September" in answer.text and "abstained" not in answer.get_attribute("class")
    marker = answer.find_element(By.CSS_SELECTOR, "a.cite")
    n = marker.text.strip("[]")
    source = browser.find_element(By.ID, f"source-{n}")
    assert "Millbrook Ledger · 2025-03-04" in source.find_element(By.CLASS_NAME, "meta").text
    assert "September 2025" in source.find_element(By.TAG_NAME, "mark").text
    link = source.find_element(By.CLASS_NAME, "source-link")
    assert link.get_attribute("href") == "https://ledger.example/2025/03/04/ferris-street-bridge"
    assert link.text == "Millbrook council approves the Ferris Street bridge after a decade of debate"
    browser.save_screenshot(str(tmp_path / "page.png"))
    if os.environ.get("NEWSQA_PAGE_SCREENSHOT"):  # the README's picture: make README screenshot
        shutil.copy(tmp_path / "page.png", Path(os.environ["NEWSQA_PAGE_SCREENSHOT"]))
    marker.click()
    assert browser.current_url.endswith(f"#source-{n}")


def test_a_source_link_opens_the_article(server, browser, web):
    browser.get(server.url)
    ask(browser, "How many households received a heat pump rebate?")
    assert "2,610" in browser.find_element(By.ID, "answer").text
    link = browser.find_element(By.CSS_SELECTOR, "#sources a.source-link")
    assert link.get_attribute("href") == f"{web}/article.html"
    page = browser.current_window_handle
    link.click()
    WebDriverWait(browser, 30).until(ready.number_of_windows_to_be(2))
    browser.switch_to.window([h for h in browser.window_handles if h != page][0])
    WebDriverWait(browser, 30).until(ready.title_contains("heat pump rebate"))
    browser.close()
    browser.switch_to.window(page)


def test_i_dont_know_is_shown_as_such(server, browser):
    browser.get(server.url)
    ask(browser, "Who won the Tamsin Valley marathon?")
    answer = browser.find_element(By.ID, "answer")
    assert "abstained" in answer.get_attribute("class")
    assert answer.text.startswith("I don't know.")
    assert browser.find_elements(By.CSS_SELECTOR, "#sources li") == []


def test_a_reader_votes_on_the_answer_and_may_correct_it(server, browser):
    browser.get(server.url)
    ask(browser, SEED_QUESTION)
    WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "vote").is_displayed())
    browser.find_element(By.ID, "vote-down").click()
    WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "correction").is_displayed())
    browser.find_element(By.ID, "correction").send_keys("In September 2025")
    browser.find_element(By.ID, "send-correction").click()
    WebDriverWait(browser, 30).until(
        lambda b: b.find_element(By.ID, "vote-status").text == "Thanks, your vote is recorded.")
    store = sqlite3.connect(server.home / "feedback.sqlite3")
    rows = store.execute("SELECT a.question, a.face, v.vote, v.correction, v.face FROM votes v "
                         "JOIN answers a USING (answer_id)").fetchall()
    # The 👎 and then its correction: one vote of this reader on this answer, the correction kept.
    assert rows == [(SEED_QUESTION, "server", -1, "In September 2025", "server")]
