"""The analyst's page in real headless Chromium, at 1366 and 375 px, against a real `newsdesk api` server over an
embedded index with copies, undated articles and stories (assigned by the real story code): no horizontal
overflow on the search, article and story pages, every control reachable, the first hit on the first screen of
a phone, hide-copies and the chart's range changing the hits, facets paged, filtered and excluded, exports that
hold exactly a search's hits, saved searches. Screenshots go to tests/artifacts/ for review."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from newsdesk.config import Settings
from newsdesk.index import open_backend
from newsdesk.model import Article, EntityType
from newsdesk.stories import StoryStore, assign_stories

from test_api import ARTICLES, BY_KEY, _article
from test_browser import ARTIFACTS, driver, serve  # noqa: F401 (driver: module fixture, skips without chromium)

pytestmark = pytest.mark.browser

P, O, L = EntityType.PERSON, EntityType.ORGANIZATION, EntityType.LOCATION
MASSOUD = BY_KEY["004_massoud_talks"]
WIDTHS = {"desktop": (1366, 900), "phone": (375, 667)}


def corpus() -> list[Article]:
    """The API tests' articles, plus copies of one Reuters report (one credited to another outlet, one with no
    title or outlet at all), more months for the chart, and an undated article."""
    body = MASSOUD.body
    extra = [
        _article("040_massoud_metro", title="Massoud open to talks, fighting goes on", body=body,
                 publisher="Metro Herald", published=date(2021, 9, 6), url="https://metro.example/massoud",
                 entities=[("Ahmad Massoud", P, 3), ("Taliban", O, 2), ("Panjshir", L, 2)],
                 quotes=[("Ahmad Massoud", "We are ready to stop fighting if the Taliban halt their attacks.")],
                 duplicate_of=MASSOUD.id),
        _article("041_massoud_untitled", title="", body=body, publisher="", published=date(2021, 9, 7),
                 entities=[("Ahmad Massoud", P, 3), ("Taliban", O, 2)],
                 quotes=[("Ahmad Massoud", "We are ready to stop fighting if the Taliban halt their attacks.")],
                 duplicate_of=MASSOUD.id),
        _article("050_kabul_falls", title="Taliban enter Kabul as government collapses",
                 body="Taliban fighters entered Kabul on Sunday as the government collapsed and the president left.",
                 publisher="Reuters", published=date(2021, 8, 15), entities=[("Taliban", O, 2), ("Kabul", L, 2)]),
        _article("051_airlift", title="Airlift from Kabul reaches its peak",
                 body="The airlift from Kabul airport reached its peak as thousands waited at the gates.",
                 publisher="BBC News", published=date(2021, 8, 22), entities=[("Kabul", L, 2), ("NATO", O, 1)]),
        _article("060_roundup", title="World news in brief",
                 body="Elections, floods and summits: a day of news from Paris to Tokyo.", publisher="Wire Daily",
                 published=date(2021, 10, 20),
                 entities=[(place, L, 1) for place in ("Paris", "Lagos", "Niger", "Nairobi", "Lima", "Oslo", "Tokyo",
                                                       "Seoul", "Delhi", "Cairo", "Doha", "Rome")]),
        _article("052_undated_note", title="A note on Panjshir geography",
                 body="Panjshir is a narrow valley; this explainer carries no date.", publisher="Sputnik",
                 published=None, entities=[("Panjshir", L, 1)]),
    ]
    for a in extra:
        if not a.title:
            a.title, a.publisher = None, None
    return [a.model_copy(deep=True) for a in ARTICLES] + extra


COPIES = {BY_KEY["005_massoud_talks_syndicated"].id} | {
    a.id for a in corpus() if a.path and a.path.split("/")[1].startswith(("040_", "041_"))}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("browser-analyst")
    settings = Settings(home=home, backend="embedded")
    articles = corpus()
    with StoryStore.for_settings(settings) as store:
        assign_stories(articles, store)
    backend = open_backend(settings)
    assert not backend.upsert(articles).failed
    backend.close()
    with serve(home) as base:
        yield base


@pytest.fixture(scope="module")
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as client:
        yield client


# -- helpers -------------------------------------------------------------------------------------------------


def settled(drv) -> None:  # noqa: ANN001
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(drv, 20, poll_frequency=0.1).until(lambda d: d.execute_script(
        "return document.body.dataset.loading === 'false'"))


def load(drv, url: str) -> None:  # noqa: ANN001
    drv.get(url)
    settled(drv)


def hit_ids(drv) -> list[str]:  # noqa: ANN001
    return drv.execute_script("return [...document.querySelectorAll('#hits li.hit')].map((li) => li.dataset.id)")


def wait_for(drv, condition, timeout: float = 20, settle: bool = True) -> None:  # noqa: ANN001
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(drv, timeout, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: condition())
    if settle:
        settled(drv)


def resize(drv, name: str) -> None:  # noqa: ANN001
    width, height = WIDTHS[name]
    drv.set_window_size(width, height)
    inner = drv.execute_script("return window.innerWidth")
    if inner != width:  # the window's frame takes some pixels: size the viewport itself
        drv.set_window_size(width + (width - inner), height)
    wait_for(drv, lambda: drv.execute_script("return window.innerWidth") == width, settle=False)


def shot(drv, name: str, full: bool = False) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(exist_ok=True)
    if full:  # the whole page in one image
        size = drv.get_window_size()
        height = drv.execute_script("return document.documentElement.scrollHeight")
        drv.set_window_size(size["width"], min(max(height + 120, size["height"]), 5000))
        drv.save_screenshot(str(ARTIFACTS / f"{name}.png"))
        drv.set_window_size(size["width"], size["height"])
    else:
        drv.save_screenshot(str(ARTIFACTS / f"{name}.png"))


OVERFLOW = "return document.documentElement.scrollWidth - document.documentElement.clientWidth"

# Every visible control of the page: scrolled into view, inside the viewport horizontally, and not covered.
UNREACHABLE = """
const controls = [...document.querySelectorAll('a[href], button, input, select, summary, textarea')]
  .filter((e) => e.offsetParent !== null && !e.closest('.hidden') && e.getClientRects().length
          && (e.tagName === 'SUMMARY' || !e.closest('details:not([open])')));
const bad = [];
for (const e of controls) {
  e.scrollIntoView({block: 'center', inline: 'nearest'});
  const r = e.getClientRects()[0];  // the first line of a link that wraps
  if (r.width < 1 || r.height < 1) continue;
  const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1), y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
  const top = document.elementFromPoint(x, y);
  const inside = r.left >= -1 && r.right <= innerWidth + 1;
  if (!inside || !(top === e || e.contains(top) || (top && top.closest('label') && top.closest('label').contains(e)))) {
    bad.push((e.id || e.className || e.tagName) + ' ' + (e.textContent || e.value || '').trim().slice(0, 30) +
             ' at ' + Math.round(r.left) + ',' + Math.round(r.top) + ' covered by ' + (top ? top.tagName + '.' + top.className : 'nothing'));
  }
}
window.scrollTo(0, 0);
return {count: controls.length, bad};
"""


def check_layout(drv, what: str) -> None:  # noqa: ANN001
    assert drv.execute_script(OVERFLOW) <= 0, f"{what}: the page scrolls sideways"
    found = drv.execute_script(UNREACHABLE)
    assert found["count"] > 3 and not found["bad"], f"{what}: {found['bad']}"


def click(drv, css: str) -> None:  # noqa: ANN001
    """Click an element once it is scrolled to the middle of the screen (clear of the sticky header)."""
    from selenium.webdriver.common.by import By

    element = drv.find_element(By.CSS_SELECTOR, css)
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def all_hits(http: httpx.Client, query: str) -> list[str]:
    ids, page = [], 1
    while True:
        body = http.get(f"/search?{query}&size=100&page={page}&facets=").json()
        ids += [h["id"] for h in body["hits"]]
        if not body["has_next"]:
            return ids
        page += 1


def console_errors(drv) -> list[dict]:  # noqa: ANN001
    return [e for e in drv.get_log("browser") if e["level"] == "SEVERE"]


# -- the tests -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", list(WIDTHS))
def test_search_article_and_story_pages_fit_and_every_control_is_reachable(server: str, driver, width: str) -> None:
    from selenium.webdriver.common.by import By

    resize(driver, width)
    load(driver, server + "/?q=massoud%20OR%20panjshir%20OR%20kabul")
    assert hit_ids(driver)
    check_layout(driver, f"search at {width}")
    first = driver.execute_script("return document.querySelector('#hits li.hit').getBoundingClientRect().toJSON()")
    assert first["top"] + 60 < WIDTHS[width][1], f"the first hit starts at {first['top']:.0f} px"
    shot(driver, f"analyst-search-{width}")
    if width == "phone":  # the facets behind "Filters", placed after the count
        toggle = driver.find_element(By.ID, "filters-toggle")
        assert toggle.is_displayed() and not driver.find_element(By.ID, "facets").is_displayed()
        toggle.click()
        wait_for(driver, lambda: driver.find_element(By.ID, "facets").is_displayed())
        order = driver.execute_script(
            "const s = document.getElementById('summary'), f = document.getElementById('facets'),"
            " h = document.getElementById('hits');"
            "return [s.compareDocumentPosition(f) & 4, f.compareDocumentPosition(h) & 4];")
        assert order == [4, 4]  # count, then facets, then hits
        check_layout(driver, "search with the filters open at phone")
        shot(driver, "analyst-search-phone-filters")
        toggle.click()
    else:
        assert not driver.find_element(By.ID, "filters-toggle").is_displayed()
        assert driver.find_element(By.CSS_SELECTOR, '[data-facet="person"]').is_displayed()

    # The article page: its body within the first screen, entity names link to the filtered search.
    load(driver, f"{server}/?q=massoud&article={MASSOUD.id}")
    check_layout(driver, f"article at {width}")
    body_top = driver.execute_script("return document.getElementById('article-body').getBoundingClientRect().top")
    assert body_top < WIDTHS[width][1] - 60
    shot(driver, f"analyst-article-{width}")

    # The story page with copies: copies folded under the original, credited to their own outlet.
    story_id = next(a["story_id"] for a in _stored(server) if a["id"] == MASSOUD.id)
    load(driver, f"{server}/?story={story_id}")
    check_layout(driver, f"story at {width}")
    shot(driver, f"analyst-story-{width}", full=True)
    assert not console_errors(driver)


def _stored(server: str) -> list[dict]:
    with httpx.Client(base_url=server, timeout=30) as client:
        return [client.get(f"/articles/{a.id}").json() for a in corpus()]


def test_story_folds_copies_under_the_original_and_stacks_claims_on_a_phone(server: str, driver) -> None:
    from selenium.webdriver.common.by import By

    resize(driver, "desktop")
    stored = {a["id"]: a for a in _stored(server)}
    story_id = stored[MASSOUD.id]["story_id"]
    assert all(stored[c]["story_id"] == story_id for c in COPIES)
    load(driver, f"{server}/?story={story_id}")
    original = driver.find_element(By.CSS_SELECTOR, f'#story-articles > li[data-id="{MASSOUD.id}"]')
    folded = {li.get_attribute("data-id") for li in original.find_elements(By.CSS_SELECTOR, ".story-copies li")}
    assert folded == COPIES
    outlets = [li.find_element(By.CSS_SELECTOR, ".publisher").text
               for li in original.find_elements(By.CSS_SELECTOR, ".story-copies li")]
    assert "Metro Herald" in outlets and "(unknown publisher)" in outlets  # each copy credited to its own outlet
    columns = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#claims thead th")]
    assert "Metro Herald" not in columns and "(unknown publisher)" not in columns and "Reuters" in columns
    row = driver.find_element(By.CSS_SELECTOR, '#claims tr[data-speaker="Ahmad Massoud"]')
    cell = row.find_element(By.CSS_SELECTOR, 'td[data-publisher="Reuters"]')
    assert len(cell.find_elements(By.CSS_SELECTOR, ".statement")) == 1  # one statement, however many copies
    copy_sources = cell.find_elements(By.CSS_SELECTOR, ".source.copy-source a")
    assert {a.get_attribute("data-article") for a in copy_sources} == COPIES - {BY_KEY["005_massoud_talks_syndicated"].id}
    # (the Reuters syndication of the report carries no quote)
    assert any("Metro Herald" in a.text for a in copy_sources)

    resize(driver, "phone")
    load(driver, f"{server}/?story={story_id}")
    assert not driver.find_element(By.CSS_SELECTOR, "#claims thead").is_displayed()
    cell = driver.find_element(By.CSS_SELECTOR, '#claims tr[data-speaker="Ahmad Massoud"] td[data-publisher="Reuters"]')
    widths = driver.execute_script("return [arguments[0].getBoundingClientRect().width,"
                                   " arguments[0].closest('tr').getBoundingClientRect().width]", cell)
    assert widths[0] >= widths[1] - 4  # stacked: each outlet's cell takes the card's width, not one word a column
    assert driver.execute_script(OVERFLOW) <= 0
    shot(driver, "analyst-story-claims-phone", full=True)
    resize(driver, "desktop")


def test_hide_copies_is_on_by_default_and_kept_in_the_url(server: str, driver, http: httpx.Client) -> None:
    from selenium.webdriver.common.by import By

    resize(driver, "desktop")
    load(driver, server + "/?q=massoud")
    shown = set(hit_ids(driver))
    assert shown == {MASSOUD.id} and driver.find_element(By.ID, "hide-copies").is_selected()
    assert "3 copies hidden" in driver.find_element(By.ID, "summary").text
    driver.find_element(By.ID, "hide-copies").click()
    wait_for(driver, lambda: set(hit_ids(driver)) == {MASSOUD.id} | COPIES)
    assert "copies=show" in driver.current_url
    untitled = driver.find_element(By.CSS_SELECTOR, f'li.hit[data-id="{BY_KEY_EXTRA("041")}"] .hit-title').text
    assert untitled and "untitled" not in untitled.lower()  # named by its words, never "(untitled)"
    shot(driver, "analyst-copies-shown")
    driver.back()
    wait_for(driver, lambda: set(hit_ids(driver)) == {MASSOUD.id})
    assert driver.find_element(By.ID, "hide-copies").is_selected()


def BY_KEY_EXTRA(prefix: str) -> str:  # noqa: N802
    return next(a.id for a in corpus() if a.path and a.path.split("/")[1].startswith(prefix))


def test_chart_click_and_drag_set_the_date_range(server: str, driver, http: httpx.Client) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    resize(driver, "desktop")
    load(driver, server + "/?copies=show")
    label = driver.find_element(By.ID, "timeline-label").text
    assert label == "Published, by week"
    undated = driver.find_element(By.ID, "undated")
    assert undated.text == "2 undated articles"  # counted beside the chart
    canvas = driver.find_element(By.CSS_SELECTOR, "#chart .u-over")
    box = driver.execute_script("return arguments[0].getBoundingClientRect().toJSON()", canvas)
    # Drag across the left half of the plot: the hits become those published in the weeks it covers.
    ActionChains(driver).move_to_element_with_offset(canvas, int(-box["width"] / 2 + 2), 0).click_and_hold() \
        .move_by_offset(int(box["width"] / 2 - 4), 0).release().perform()
    wait_for(driver, lambda: "from=" in driver.current_url)
    query = parse_qs(urlsplit(driver.current_url).query)
    start, end = date.fromisoformat(query["from"][0]), date.fromisoformat(query["to"][0])
    assert start.weekday() == 0 and end.weekday() == 6  # whole weeks
    expected = {a.id for a in corpus() if a.published and start <= _day(a) <= end}
    assert expected and expected != {a.id for a in corpus() if a.published}
    wait_for(driver, lambda: set(hit_ids(driver)) == expected or len(hit_ids(driver)) == 10)
    assert set(all_hits(http, f"copies=show&from={start}&to={end}")) == expected
    shot(driver, "analyst-chart-range")

    # Click one bar: that bucket's dates only.
    load(driver, server + "/?copies=show&from=2021-09-01&to=2021-09-30")
    assert driver.find_element(By.ID, "timeline-label").text == "Published, by day"
    canvas = driver.find_element(By.CSS_SELECTOR, "#chart .u-over")
    box = driver.execute_script("return arguments[0].getBoundingClientRect().toJSON()", canvas)
    ActionChains(driver).move_to_element_with_offset(canvas, int(-box["width"] / 2 + 3), int(box["height"] / 2 - 3)).click().perform()
    wait_for(driver, lambda: "from=2021-09-03" in driver.current_url and "to=2021-09-03" in driver.current_url)
    assert set(hit_ids(driver)) == {a.id for a in corpus() if a.published and _day(a) == date(2021, 9, 3)}

    # The undated count filters to the undated articles (its hits counted by the backend).
    load(driver, server + "/?copies=show")
    driver.find_element(By.ID, "undated").click()
    wait_for(driver, lambda: "undated=true" in driver.current_url)
    assert "undated only" in driver.find_element(By.ID, "filter-chips").text
    wait_for(driver, lambda: set(hit_ids(driver)) == {a.id for a in corpus() if a.published is None})
    assert not console_errors(driver)


def _day(article: Article) -> date:
    return article.published_day  # type: ignore[return-value]


def test_facets_page_filter_and_exclude(server: str, driver) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    resize(driver, "desktop")
    load(driver, server + "/?copies=show")
    places = driver.find_element(By.CSS_SELECTOR, '[data-facet="location"]')
    first = [b.get_attribute("data-value") for b in places.find_elements(By.CSS_SELECTOR, ".facet-value")]
    assert len(first) == 10
    click(driver, '[data-facet="location"] .facet-more')
    wait_for(driver, lambda: len(driver.find_elements(By.CSS_SELECTOR, '[data-facet="location"] .facet-value')) > 10)
    more = [b.get_attribute("data-value") for b in driver.find_elements(By.CSS_SELECTOR, '[data-facet="location"] .facet-value')]
    assert more[:10] == first and len(set(more)) == len(more)
    box = driver.find_element(By.CSS_SELECTOR, '[data-facet="location"] .facet-filter')
    box.send_keys("GER")
    wait_for(driver, lambda: [b.get_attribute("data-value") for b in driver.find_elements(
        By.CSS_SELECTOR, '[data-facet="location"] .facet-value')] == ["Germany", "Niger"])
    box.send_keys(Keys.BACKSPACE * 3, "zzz")
    wait_for(driver, lambda: "No places match" in driver.find_element(By.CSS_SELECTOR, '[data-facet="location"]').text)

    # Exclude a publisher: its articles leave, a "not" chip says so, removing the chip brings them back.
    before = set(hit_ids(driver))
    click(driver, '[data-facet="publisher"] .facet-exclude[data-value="Reuters"]')
    wait_for(driver, lambda: "exclude=publisher%3AReuters" in driver.current_url)
    chips = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "#filter-chips .chip.exclude")]
    assert chips and chips[0].startswith("not publisher: Reuters")
    assert "Reuters" not in [m.text for m in driver.find_elements(By.CSS_SELECTOR, "#hits .meta .publisher")]
    assert not driver.find_elements(By.CSS_SELECTOR, '[data-facet="publisher"] .facet-value[data-value="Reuters"]')
    click(driver, "#filter-chips .chip.exclude button")
    wait_for(driver, lambda: set(hit_ids(driver)) == before)

    # NORP, event, author and story facets are there when the hits have them; an article's entities link.
    names = {s.get_attribute("data-facet") for s in driver.find_elements(By.CSS_SELECTOR, "#facets .facet")}
    assert {"publisher", "person", "organization", "location", "story_id", "language"} <= names
    load(driver, f"{server}/?article={BY_KEY['020_merkel_election'].id}")
    click(driver, '#article-entities .entity-link[data-entity="Olaf Scholz"]')
    wait_for(driver, lambda: "entity=Olaf+Scholz" in driver.current_url and hit_ids(driver))
    assert set(hit_ids(driver)) == {BY_KEY["020_merkel_election"].id, BY_KEY["021_scholz_de"].id}
    assert not console_errors(driver)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_gives_exactly_the_hits_of_the_search(server: str, driver, http: httpx.Client, fmt: str) -> None:
    from selenium.webdriver.common.by import By

    resize(driver, "desktop")
    load(driver, server + "/?q=panjshir%20OR%20kabul&exclude=publisher%3ABBC%20News&sort=date")
    driver.find_element(By.CSS_SELECTOR, "#export-menu summary").click()
    link = driver.find_element(By.ID, f"export-{fmt}")
    assert link.is_displayed()
    href = link.get_attribute("href")
    exported = http.get(href)
    assert exported.status_code == 200
    if fmt == "csv":
        ids = [row["id"] for row in csv.DictReader(io.StringIO(exported.text))]
    else:
        ids = [json.loads(line)["id"] for line in exported.text.splitlines()]
    expected = all_hits(http, "q=panjshir%20OR%20kabul&exclude=publisher%3ABBC%20News&sort=date&collapse=true")
    assert ids == expected and len(ids) > 3
    shown = driver.find_element(By.ID, "summary").text
    assert shown.startswith(f"{len(expected)} articles")
    shot(driver, f"analyst-export-{fmt}")


def test_saved_searches_from_the_page(server: str, driver) -> None:
    from selenium.webdriver.common.by import By

    resize(driver, "phone")
    load(driver, server + "/?q=taliban&exclude=language%3Ade&copies=show")
    expected = hit_ids(driver)
    driver.find_element(By.CSS_SELECTOR, "#save-menu summary").click()
    driver.find_element(By.ID, "save-name").send_keys("Taliban, not German")
    driver.find_element(By.ID, "save-button").click()
    wait_for(driver, lambda: "Saved as" in driver.find_element(By.ID, "save-status").text)
    check_layout(driver, "search with the save form open at phone")
    driver.find_element(By.ID, "saved-link").click()
    wait_for(driver, lambda: driver.find_elements(By.CSS_SELECTOR, "#saved li.saved-item"))
    item = driver.find_element(By.CSS_SELECTOR, '#saved li[data-name="Taliban, not German"]')
    assert "“taliban”" in item.text and "not language:de" in item.text and "copies shown" in item.text
    check_layout(driver, "saved searches at phone")
    shot(driver, "analyst-saved-phone")
    item.find_element(By.CSS_SELECTOR, ".saved-open").click()
    wait_for(driver, lambda: driver.execute_script("return document.body.dataset.view") == "results")
    assert hit_ids(driver) == expected and "copies=show" in driver.current_url
    driver.find_element(By.ID, "saved-link").click()
    wait_for(driver, lambda: driver.find_elements(By.CSS_SELECTOR, "#saved li.saved-item"))
    driver.find_element(By.CSS_SELECTOR, '#saved li[data-name="Taliban, not German"] .saved-delete').click()
    wait_for(driver, lambda: driver.find_element(By.ID, "saved-empty").is_displayed())
    resize(driver, "desktop")
    assert not console_errors(driver)
