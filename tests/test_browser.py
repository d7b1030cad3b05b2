"""The search page in real headless Chromium against a real `newsdesk api` server (uvicorn subprocess)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from newsdesk.config import Settings
from newsdesk.index import open_backend

try:
    from test_api import BY_KEY, ARTICLES
except ImportError:  # tests/ imported as a package
    from tests.test_api import BY_KEY, ARTICLES  # type: ignore[no-redef]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).parent / "artifacts"


def _missing() -> str | None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        return f"browser test needs Debian chromium and chromium-driver: {', '.join(missing)} missing"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(home: Path) -> Iterator[str]:
    """`serve_api` in a subprocess (real uvicorn) over the embedded index and story store in `home`; yields its
    base URL once `/health` answers, and stops the server afterwards."""
    port = _free_port()
    env = {**os.environ, "NEWSDESK_HOME": str(home), "NEWSDESK_BACKEND": "embedded"}
    log = (home / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-c", f"from newsdesk.api import serve_api; serve_api('127.0.0.1', {port})"],
        cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited with {proc.returncode}: {(home / 'server.log').read_text()}")
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server did not answer in 60 s: {(home / 'server.log').read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server over an embedded index holding the sample corpus; yields its base URL."""
    home = tmp_path_factory.mktemp("browser-home")
    be = open_backend(Settings(home=home, backend="embedded"))
    assert not be.upsert(ARTICLES).failed
    be.close()
    with serve(home) as base:
        yield base


@pytest.fixture(scope="module")
def driver() -> Iterator[object]:
    if reason := _missing():
        print(f"SKIP: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="newsdesk-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000", f"--user-data-dir={profile}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    drv.set_page_load_timeout(30)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_real_server_answers_hostile_requests_with_4xx(server: str) -> None:
    """Through uvicorn, not the test client: huge URLs and bad input end in a 4xx, never a 5xx or a hang."""
    with httpx.Client(base_url=server, timeout=30) as http:
        assert http.get("/health").json()["documents"] == len(ARTICLES)
        huge = " ".join(["kabul"] * 10_000)
        r = http.get("/search", params={"q": huge})
        assert 400 <= r.status_code < 500, r.status_code
        r = http.get("/search", params={"q": " ".join(["kabul"] * 2_000)})
        assert r.status_code == 422 and "too many terms" in r.text
        for params in ({"q": '"open'}, {"size": 10**6}, {"page": 10**40}, {"q": "a\x00b\x1b"}, {"facets": "x"}):
            r = http.get("/search", params=params)
            assert r.status_code in (200, 422), (params, r.status_code, r.text[:200])
        assert http.post("/search").status_code == 405
        assert http.get("/articles/nope").status_code == 404


@pytest.mark.browser
def test_search_facet_and_article_in_chromium(server: str, driver) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from selenium.common.exceptions import StaleElementReferenceException

    wait = WebDriverWait(driver, 15, poll_frequency=0.1,
                         ignored_exceptions=[StaleElementReferenceException])
    ARTIFACTS.mkdir(exist_ok=True)

    def settled() -> None:
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-loading") == "false")

    def hit_ids() -> set[str]:
        return set(driver.execute_script(
            "return [...document.querySelectorAll('#hits li.hit')].map((li) => li.dataset.id)"))

    driver.get(server + "/")
    settled()
    assert hit_ids()  # the empty query lists everything

    # Type a query.
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys("panjshir", Keys.ENTER)
    panjshir = {a.id for a in ARTICLES if "panjshir" in f"{a.title} {a.body}".lower() and not a.duplicate_of}
    # (copies are hidden by default)
    wait.until(lambda d: hit_ids() == panjshir)
    settled()
    assert "q=panjshir" in driver.current_url
    assert driver.find_elements(By.CSS_SELECTOR, "#hits .highlight mark")
    # Article text with markup is shown as text, never injected as HTML.
    markup = driver.find_element(By.CSS_SELECTOR, f'li.hit[data-id="{BY_KEY["012_markup_in_text"].id}"]')
    assert "<script>" in markup.find_element(By.CSS_SELECTOR, ".hit-title").text
    assert "<script>alert" in markup.text or "&lt;" not in markup.text
    injected = "#hits script, #hits b, #hits .highlight :not(mark), #hits .hit-title :not(mark)"
    assert driver.execute_script(f"return document.querySelectorAll('{injected}').length") == 0

    driver.save_screenshot(str(ARTIFACTS / "browser-query.png"))

    # Click a facet: publisher Reuters.
    facet = driver.find_element(By.CSS_SELECTOR, '[data-facet="publisher"] button[data-value="Reuters"]')
    count = int(facet.find_element(By.CSS_SELECTOR, ".count").text)
    facet.click()
    reuters = {a.id for a in ARTICLES if a.id in panjshir and a.publisher == "Reuters"}
    assert count == len(reuters)
    wait.until(lambda d: hit_ids() == reuters)
    settled()
    assert "publisher=Reuters" in driver.current_url
    metas = [m.text for m in driver.find_elements(By.CSS_SELECTOR, "#hits .meta .publisher")]
    assert metas == ["Reuters"] * len(reuters)
    dates = [t.text for t in driver.find_elements(By.CSS_SELECTOR, "#hits .meta time")]
    assert dates == ["5 Sept 2021"] * len(reuters) or dates == ["5 Sep 2021"] * len(reuters)
    chips = driver.find_elements(By.CSS_SELECTOR, "#filter-chips .chip")
    assert [c.find_element(By.TAG_NAME, "span").text for c in chips] == ["publisher: Reuters"]
    driver.save_screenshot(str(ARTIFACTS / "browser-search.png"))

    # Remove the filter again (chip); the date range under the chart filters by date (the keyboard's way to what a
    # drag on the chart does), its chip removes it.
    chips[0].find_element(By.TAG_NAME, "button").click()
    wait.until(lambda d: hit_ids() == panjshir)
    settled()
    driver.execute_script("document.getElementById('range-from').value = '2021-09-01';"
                          "document.getElementById('range-to').value = '2021-09-30';")
    driver.find_element(By.ID, "range-apply").click()
    september = {a.id for a in ARTICLES if a.id in panjshir and a.published and a.published_day.month == 9}
    wait.until(lambda d: hit_ids() == september)
    settled()
    assert "from=2021-09-01" in driver.current_url and "to=2021-09-30" in driver.current_url
    driver.find_element(By.CSS_SELECTOR, "#filter-chips .chip button").click()
    wait.until(lambda d: hit_ids() == panjshir)
    settled()
    assert not driver.find_elements(By.CSS_SELECTOR, "#filter-chips .chip")

    # Undated articles are counted beside the time chart (never given a day), and that count is a filter.
    undated = {a.id for a in ARTICLES if a.id in panjshir and a.published is None}
    button = driver.find_element(By.ID, "undated")
    assert button.text == f"{len(undated)} undated article{'s' if len(undated) != 1 else ''}" and undated
    button.click()
    wait.until(lambda d: hit_ids() == undated)
    settled()
    assert "undated=true" in driver.current_url
    assert [c.text for c in driver.find_elements(By.CSS_SELECTOR, "#filter-chips .chip span")] == ["undated only"]
    assert not driver.find_elements(By.CSS_SELECTOR, "#hits .meta time")
    driver.find_element(By.ID, "undated").click()  # "Show dated articles too"
    wait.until(lambda d: hit_ids() == panjshir)
    settled()

    # Filter by a person facet.
    driver.find_element(By.CSS_SELECTOR, '[data-facet="person"] button[data-value="Amrullah Saleh"]').click()
    saleh = {BY_KEY["000_saleh_refuses"].id, BY_KEY["003_conflicting_claims"].id}
    wait.until(lambda d: hit_ids() == saleh)
    settled()

    # Open an article.
    art = BY_KEY["000_saleh_refuses"]
    driver.find_element(By.CSS_SELECTOR, f'li.hit[data-id="{art.id}"] .hit-title').click()
    wait.until(lambda d: d.find_element(By.ID, "article-title").text == art.title)
    settled()
    assert driver.find_element(By.ID, "article-view").is_displayed()
    assert not driver.find_element(By.ID, "results-view").is_displayed()
    assert driver.find_element(By.ID, "article-publisher").text == "India.com"
    assert driver.find_element(By.ID, "article-date").get_attribute("datetime") == "2021-09-04"
    paragraphs = [p.text for p in driver.find_elements(By.CSS_SELECTOR, "#article-body p")]
    assert paragraphs == [p.strip() for p in art.body.split("\n\n")]
    entities = driver.find_element(By.ID, "article-entities").text
    assert "Amrullah Saleh (4)" in entities and "Kabul (2)" in entities
    quotes = driver.find_element(By.ID, "article-quotes").text
    assert "Amrullah Saleh: " in quotes and "We will not surrender" in quotes
    assert driver.find_element(By.ID, "article-url").get_attribute("href") == art.url
    driver.save_screenshot(str(ARTIFACTS / "browser-article.png"))

    # Back to the results; then a malformed query shows the server's message, not a crash.
    driver.find_element(By.ID, "back").click()
    wait.until(lambda d: hit_ids() == saleh)
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys('"unbalanced', Keys.ENTER)
    wait.until(lambda d: d.find_element(By.ID, "message").is_displayed())
    assert "quote" in driver.find_element(By.ID, "message").text

    severe = [e for e in driver.get_log("browser")
              if e["level"] == "SEVERE" and "422" not in e["message"]]
    assert not severe, severe
