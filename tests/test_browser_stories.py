"""The story views of the search page in real headless Chromium, over the seeds ingested by the real pipeline
(clean, enrich with spaCy, near-duplicates and stories, embedded index) and a real `newsdesk api` server."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from newsdesk.config import Settings
from newsdesk.stories.text import display_title

from test_browser import ARTIFACTS, driver, serve  # noqa: F401 (driver: module fixture, skips without chromium)
from test_stories import SPUTNIK_SEED, _articles, _index, seeds_processed  # noqa: F401 (module fixture)


@pytest.fixture(scope="module")
def stories_server(tmp_path_factory: pytest.TempPathFactory, seeds_processed) -> Iterator[str]:  # noqa: F811
    """A real server over the seeds as one ingest run indexes them (story store beside the index)."""
    home = tmp_path_factory.mktemp("browser-stories-home")
    backend, summary = _index(Settings(home=home, backend="embedded", workers=1, max_document_seconds=0),
                              seeds_processed)
    backend.close()
    assert summary.indexed == 2
    with serve(home) as base:
        yield base


@pytest.mark.browser
def test_story_view_from_a_hit_shows_both_publishers_and_claims_side_by_side(
    stories_server: str, driver, seeds_processed,  # noqa: F811
) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, 20, poll_frequency=0.1,
                         ignored_exceptions=[StaleElementReferenceException])
    ARTIFACTS.mkdir(exist_ok=True)
    seeds = _articles(seeds_processed)
    ids = {a.id for a in seeds.values()}
    sputnik = seeds[SPUTNIK_SEED]

    def settled() -> None:
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-loading") == "false")

    def view() -> str:
        return driver.find_element(By.TAG_NAME, "body").get_attribute("data-view")

    def texts(css: str) -> list[str]:
        return [e.text for e in driver.find_elements(By.CSS_SELECTOR, css)]

    # Search, then open the story from a hit.
    driver.get(stories_server + "/")
    settled()
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys("Panjshir", Keys.ENTER)
    wait.until(lambda d: set(d.execute_script(
        "return [...document.querySelectorAll('#hits li.hit')].map((li) => li.dataset.id)")) == ids)
    settled()
    links = driver.find_elements(By.CSS_SELECTOR, "#hits .story-link")
    assert [link.text for link in links] == ["2 versions in this story"] * 2
    story_id = links[0].get_attribute("data-story")
    assert story_id and {link.get_attribute("data-story") for link in links} == {story_id}
    driver.save_screenshot(str(ARTIFACTS / "browser-story-hits.png"))
    links[0].click()
    wait.until(lambda d: view() == "story" and d.find_element(By.ID, "story-label").text)
    settled()
    assert f"story={story_id}" in driver.current_url and "q=Panjshir" in driver.current_url
    assert driver.find_element(By.ID, "story-view").is_displayed()
    assert not driver.find_element(By.ID, "results-view").is_displayed()
    assert driver.find_element(By.ID, "story-label").text == sputnik.title

    # Both publishers' articles are listed, with title and date.
    articles = driver.find_elements(By.CSS_SELECTOR, "#story-articles li.story-article")
    assert {a.get_attribute("data-id") for a in articles} == ids
    assert set(texts("#story-articles .publisher")) == {"Sputnik", "(unknown publisher)"}
    assert set(texts("#story-articles .title")) == {display_title(a) for a in seeds.values()}
    assert {t.get_attribute("datetime") for t in driver.find_elements(By.CSS_SELECTOR, "#story-articles time")} \
        == {"2021-09-03", "2021-09-04"}
    assert not driver.find_elements(By.CSS_SELECTOR, "#story-articles .copy")  # no copies among the seeds
    meta = driver.find_element(By.ID, "story-meta").text
    assert "2 articles" in meta and "Sputnik" in meta
    assert {"Taliban", "Amrullah Saleh", "Panjshir"} <= set(texts("#story-entities .tag"))

    # Claims side by side: a row per speaker, a column per publisher, every statement with its source article.
    columns = texts("#claims thead th")
    assert columns[0] == "Speaker" and set(columns[1:]) == {"Sputnik", "(unknown publisher)"}
    rows = {r.get_attribute("data-speaker"): r for r in driver.find_elements(By.CSS_SELECTOR, "#claims tbody tr")}
    assert {"Amrullah Saleh", "Taliban"} <= set(rows)
    for speaker, said in (("Amrullah Saleh", ("fled the country", "We will not surrender")),
                          ("Taliban", ("full control", "taken control of the renegade province"))):
        row = rows[speaker]
        assert row.find_element(By.CSS_SELECTOR, "th .speaker").text == speaker
        cells = row.find_elements(By.CSS_SELECTOR, "td")
        assert len(cells) == 2 and all(c.find_elements(By.CSS_SELECTOR, ".statement") for c in cells), speaker
        for cell in cells:  # each column shows only what that publisher reported, linked to its article
            sources = cell.find_elements(By.CSS_SELECTOR, ".statement .source a")
            assert sources and {s.get_attribute("data-article") for s in sources} <= ids
            publisher = cell.get_attribute("data-publisher")
            assert {a.get_attribute("data-id") for a in articles
                    if a.find_element(By.CSS_SELECTOR, ".publisher").text == publisher} \
                == {s.get_attribute("data-article") for s in sources}
        for words in said:
            assert words in row.text, (speaker, words)
    assert "Taliban spokesman" in rows["Taliban"].text  # the speaker as the article names them
    assert all("% sure" in b.text for b in driver.find_elements(By.CSS_SELECTOR, "#claims .statement .confidence"))
    assert driver.find_elements(By.CSS_SELECTOR, "#claims .statement .confidence")
    # Quotations without a clear speaker are listed apart, with the likely speaker only as a hint.
    loose = driver.find_element(By.ID, "story-unattributed").text
    assert "Panjshir province has fallen" in loose and "maybe source in the Kabul police headquarters" in loose
    assert "Panjshir province has fallen" not in driver.find_element(By.ID, "claims").text
    # "Only speakers the text makes clear": a statement attributed below 90% moves to the list apart, its speaker
    # and confidence kept as the hint; the choice is in the URL, and unticking brings it back.
    unsure = "By the grace of Allah Almighty"
    assert unsure in rows["Taliban"].text and unsure not in loose
    driver.find_element(By.ID, "story-sure").click()
    wait.until(lambda d: "sure=true" in d.current_url and unsure in d.find_element(By.ID, "story-unattributed").text)
    settled()
    assert driver.find_element(By.ID, "story-sure").is_selected()
    assert unsure not in driver.find_element(By.ID, "claims").text
    item = next(li for li in driver.find_elements(By.CSS_SELECTOR, "#story-unattributed li") if unsure in li.text)
    assert "maybe Taliban" in item.text and re.search(r"\b[0-8]\d% sure", item.text)
    assert all(re.fullmatch(r"(9\d|100)% sure", b.text)
               for b in driver.find_elements(By.CSS_SELECTOR, "#claims .statement .confidence"))
    assert "fled the country" in driver.find_element(By.ID, "claims").text  # sure attributions stay credited
    driver.save_screenshot(str(ARTIFACTS / "browser-story-sure.png"))
    driver.find_element(By.ID, "story-sure").click()
    wait.until(lambda d: "sure=true" not in d.current_url
               and unsure not in d.find_element(By.ID, "story-unattributed").text)
    settled()
    rows = {r.get_attribute("data-speaker"): r for r in driver.find_elements(By.CSS_SELECTOR, "#claims tbody tr")}
    assert unsure in rows["Taliban"].text
    # Statements are text: nothing from the data became markup.
    assert driver.execute_script(
        "return document.querySelectorAll('#story-view script, #story-view b, #story-view i, #story-view img').length"
    ) == 0

    size = driver.get_window_size()
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(size["width"], min(max(height + 150, size["height"]), 4000))
    driver.save_screenshot(str(ARTIFACTS / "browser-story.png"))
    driver.set_window_size(size["width"], size["height"])

    # A source link opens that article; back returns to the story, and back again to the results.
    source = rows["Taliban"].find_element(By.CSS_SELECTOR, 'td[data-publisher="Sputnik"] .source a')
    source.click()
    wait.until(lambda d: view() == "article" and d.find_element(By.ID, "article-title").text == sputnik.title)
    settled()
    driver.find_element(By.ID, "back").click()
    wait.until(lambda d: view() == "story")
    settled()
    assert driver.find_element(By.ID, "story-back").text == "← Back to results"
    driver.find_element(By.ID, "story-back").click()
    wait.until(lambda d: view() == "results" and len(d.find_elements(By.CSS_SELECTOR, "#hits li.hit")) == 2)
    settled()
    assert "story=" not in driver.current_url and "q=Panjshir" in driver.current_url

    # The Stories list from the header: label, counts, publishers, date span, top entities.
    driver.find_element(By.ID, "stories-link").click()
    wait.until(lambda d: view() == "stories" and d.find_elements(By.CSS_SELECTOR, "#stories li.story-card"))
    settled()
    assert "view=stories" in driver.current_url
    [card] = driver.find_elements(By.CSS_SELECTOR, "#stories li.story-card")
    assert card.get_attribute("data-id") == story_id
    assert card.find_element(By.CSS_SELECTOR, ".story-title").text == sputnik.title
    card_meta = card.find_element(By.CSS_SELECTOR, ".meta").text
    assert "2 articles" in card_meta and "2021" in card_meta and "–" in card_meta
    assert set(card.find_element(By.CSS_SELECTOR, ".publishers .publisher").text.split(", ")) \
        == {"Sputnik", "(unknown publisher)"}
    assert "Amrullah Saleh" in texts("#stories .tag")
    assert driver.find_element(By.ID, "stories-summary").text == "1 story"
    driver.save_screenshot(str(ARTIFACTS / "browser-stories.png"))
    card.find_element(By.CSS_SELECTOR, ".story-title").click()
    wait.until(lambda d: view() == "story" and d.find_element(By.ID, "story-back").text == "← All stories")
    settled()
    assert "view=stories" in driver.current_url and f"story={story_id}" in driver.current_url

    # The URL holds the state: a fresh load of a story URL shows the story; an unknown story says so.
    driver.get(f"{stories_server}/?story={story_id}")
    wait.until(lambda d: view() == "story" and d.find_element(By.ID, "story-label").text == sputnik.title)
    settled()
    assert len(driver.find_elements(By.CSS_SELECTOR, "#claims tbody tr")) >= 2
    driver.get(f"{stories_server}/?story=nope")
    settled()
    assert "no story with id" in driver.find_element(By.ID, "message").text

    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and "404" not in e["message"]]
    assert not severe, severe
