"""The publication date of an article: what the input states, never an invented one.

For an HTML page the evidence is read from the raw page (so a page whose body the cleaner dropped keeps it):
structured data (JSON-LD, meta tags, microdata; parsed leniently, with their UTC offsets), the date the page
shows its readers in the byline next to the headline (parsed in the page's language), and the date in the
URL path. Dates inside quotes, asides, figures, navigation, footers, site headers and embedded posts are not
the article's. htmldate's metadata search comes next, its extensive text search only as a low-confidence last
resort, and a day is only taken when the page states it in full: never from a bare year or a copyright line.
For a text dump: its header, a dated byline line near the headline, a dated sentence, its dateline.

Every decision carries its provenance: the rule, a confidence, and the evidence it weighed.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from dateparser.languages.loader import default_loader
from htmldate import find_date
from htmldate.utils import load_html
from lxml.html import HtmlElement

from newsdesk.clean.page import ARTICLE_TYPES, json_ld, json_ld_types, main_headline
from newsdesk.clean.timestamps import EARLIEST, YEAR, local_day, parse_timestamp, stated_dates
from newsdesk.enrich.dates import _MONTHS, date_in_text
from newsdesk.model import Article, Provenance, RawDocument, iso_day

logging.getLogger("htmldate").setLevel(logging.ERROR)

Day = date | datetime

STATED_SOURCES = frozenset({"json", "text-header"})
"""Provenance sources of a publication date the input states outright (kept as they are)."""
STATED_CONFIDENCE = {"json": 1.0, "text-header": 1.0, "text-byline": 0.8}

META_NAMES: tuple[str, ...] = (
    "article:published_time", "og:article:published_time", "og:published_time", "article:published",
    "datepublished", "pubdate", "publishdate", "publish-date", "publish_date", "publication_date",
    "publication-date", "date.published", "dc.date.issued", "dcterms.issued", "article_date_original",
    "original-publish-date", "sailthru.date", "parsely-pub-date", "citation_publication_date", "citation_date",
    "cxenseparse:recs:publishtime", "article.published",
)
GENERIC_META_NAMES: tuple[str, ...] = ("dc.date", "dcterms.date", "dc.date.created", "dcterms.created", "dc.created",
                                       "date", "created")
"""Meta tags (name, property or itemprop) that state the publication date, most specific first; the generic
ones (which some sites fill with the modification date) rank after a microdata `datePublished`."""

EXCLUDED_TAGS = frozenset({"blockquote", "aside", "figure", "figcaption", "nav", "iframe", "form", "noscript",
                           "template", "select", "button", "q", "cite"})
EXCLUDED_ROLES = frozenset({"navigation", "complementary", "contentinfo", "banner", "search"})
EXCLUDED_CLASS = re.compile(
    r"(?:^|[\s_-])(?:related|sidebar|side-bar|widget|comments?|comment-\w+|teasers?|recommend\w*|promo\w*|popular"
    r"|trending|newsletter|breadcrumbs?|navbar|navigation|nav|menu|share|sharing|social|ticker|weather"
    r"|embed\w*|twitter-tweet|instagram-media|tiktok-embed|fb-post|caption|credits?|advert\w*|most-read"
    r"|more-stories|rail|outbrain|taboola|top-?bar|header-top|masthead|skip-link|cookie\w*)(?:$|[\s_-])", re.I)
"""Containers whose dates are not the article's: quotes, embeds, captions, lists of other stories, chrome.
Headers and footers are the site's only outside the article's own container."""
FOOTER_CLASS = re.compile(r"(?:^|[\s_-])footer(?:$|[\s_-])", re.I)
SITE_CHROME_LINKS = 5
SITE_CHROME_TEXT = 400
OTHER_STORIES_CLASS = re.compile(r"(?:^|[\s_-])(?:related|sidebar|widget|comments?|teasers?|recommend\w*|popular"
                                 r"|trending|most-read|more-stories|outbrain|taboola)(?:$|[\s_-])", re.I)
"""The containers a microdata `datePublished` is not the article's in (its markup says what it is)."""
DATE_HINT = re.compile(r"date|time|publish|posted|byline|dateline|meta|stamp|info|author|pubdate|entry", re.I)
MAX_BYLINE_TEXT = 160
MAX_BYLINE_CANDIDATES = 12
MAX_SHORT_DATE_TEXT = 60
NEAR_HEADLINE = 60
NEAR_HEADLINE_BEFORE = 8
"""Elements after (and right before) the headline within which a small undecorated element stating a date
counts as its byline."""


@dataclass(frozen=True)
class Evidence:
    """One stated date and where on the page it was found."""

    value: Day
    source: str

    @property
    def day(self) -> date:
        return local_day(self.value)

    def __str__(self) -> str:
        return f"{self.source} {self.value.isoformat()}"


# -- reading the page ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _dateparser_languages() -> frozenset[str]:
    return frozenset(default_loader.get_locale_map())


@dataclass(frozen=True)
class Reading:
    """How to read a page's dates: languages for dateparser, and whether `03/11` means 3 November."""

    languages: list[str]
    day_first: bool


MONTH_FIRST_LOCALES = frozenset({"en", "en-us", "en-ph", "en-ca"})
"""Locales that write numeric dates month first (English without a region is taken as American)."""


def page_reading(tree: HtmlElement, detected: str | None) -> Reading:
    """The page's declared language (lang, Content-Language, og:locale), the detected one, then English."""
    declared = [tree.get("lang"), tree.get("xml:lang")]
    declared += tree.xpath("//meta[@http-equiv='content-language' or @http-equiv='Content-Language']/@content")
    declared += tree.xpath("//meta[@property='og:locale']/@content")
    codes = [str(code).strip().replace("_", "-").lower() for code in declared if code and str(code).strip()]
    known = _dateparser_languages()
    found: list[str] = []
    for code in [*codes, detected, "en"]:
        base = (code or "").split("-")[0]
        if base in known and base not in found:
            found.append(base)
    first = codes[0] if codes else (detected or "en")
    return Reading(found, first not in MONTH_FIRST_LOCALES)


@dataclass(frozen=True)
class Layout:
    """Where the article is on the page: its headline and the element holding it (either may be unknown)."""

    headline: HtmlElement | None
    article: HtmlElement | None

    def in_article(self, node: HtmlElement) -> bool:
        return self.article is not None and _contains(self.article, node)

    def holds_headline(self, node: HtmlElement) -> bool:
        return self.headline is not None and _contains(node, self.headline)


def page_layout(tree: HtmlElement) -> Layout:
    headline = main_headline(tree)
    return Layout(headline, _article_root(tree, headline))


def _excluded_root(node: HtmlElement, layout: Layout, classes: re.Pattern[str] = EXCLUDED_CLASS) -> bool:
    """A quote, aside, figure, navigation, embed, list of other stories, or the site's header or footer; never
    an element that holds the headline (a class such as `right-sidebar` on <body> says nothing)."""
    tag = node.tag if isinstance(node.tag, str) else ""
    if tag in EXCLUDED_TAGS or node.get("role") in EXCLUDED_ROLES:
        return True
    if layout.holds_headline(node):
        return False
    names = f"{node.get('class') or ''} {node.get('id') or ''}"
    if tag in ("header", "footer") or FOOTER_CLASS.search(names):
        return not layout.in_article(node) and _site_chrome(node)
    return bool(names.strip()) and bool(classes.search(names))


def _site_chrome(node: HtmlElement) -> bool:
    """A header or footer of the site (many links or much text: menus, a "today" widget, the imprint), not a
    post's own small header or footer with its author and date."""
    return len(node.xpath(".//a")) >= SITE_CHROME_LINKS or len(node.text_content()) > SITE_CHROME_TEXT


def _excluded(element: HtmlElement, layout: Layout, classes: re.Pattern[str] = EXCLUDED_CLASS) -> bool:
    """Inside a quote, aside, figure, navigation, embed, list of other stories, or the site header or footer."""
    node: HtmlElement | None = element
    while node is not None:
        if _excluded_root(node, layout, classes):
            return True
        node = node.getparent()
    return False


EMBED_CLASS = re.compile(r"twitter-tweet|instagram-media|tiktok-embed|fb-post|embed", re.I)


def _quote_embed_or_chrome(node: HtmlElement, layout: Layout) -> bool:
    """A quote, aside, figure, navigation, embedded post, or the site's own header or footer."""
    names = f"{node.get('class') or ''} {node.get('id') or ''}"
    if node.tag in EXCLUDED_TAGS or EMBED_CLASS.search(names):
        return True
    chrome = node.tag in ("header", "footer") or FOOTER_CLASS.search(names)
    return bool(chrome) and not layout.holds_headline(node) and not layout.in_article(node) and _site_chrome(node)


def _kept_text(tree: HtmlElement, layout: Layout) -> tuple[str, str]:
    """The page's text and attribute values outside quotes, asides, figures, navigation, embedded posts and the
    site's header and footer."""
    texts: list[str] = []
    attributes: list[str] = []

    def walk(node: HtmlElement) -> None:
        if not isinstance(node.tag, str) or node.tag in ("script", "style") or _quote_embed_or_chrome(node, layout):
            return
        texts.append(node.text or "")
        attributes.extend(v for k, v in node.attrib.items() if k in ("datetime", "content", "title"))
        for child in node:
            walk(child)
            texts.append(child.tail or "")

    walk(tree)
    return " ".join(" ".join(texts).split()), " ".join(attributes)


def _contains(ancestor: HtmlElement, node: HtmlElement) -> bool:
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


def structured_dates(tree: HtmlElement, layout: Layout, day_first: bool) -> list[Evidence]:
    """Publication dates in structured data, best first: JSON-LD of an article, of a page, meta tags, microdata."""
    found: list[tuple[int, Evidence]] = []
    for obj in json_ld(tree):
        types = json_ld_types(obj)
        rank = 0 if types & ARTICLE_TYPES else 2 if "webpage" in types else 4
        for extra, key in enumerate(("datePublished", "dateCreated", "uploadDate")):
            value = obj.get(key)
            parsed = parse_timestamp(value, day_first=day_first) if isinstance(value, str) else None
            if parsed is not None:
                found.append((rank + min(extra, 1), Evidence(parsed, f"json-ld:{key}")))
                break
    metas: dict[str, str] = {}
    for meta in tree.iter("meta"):
        name = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = meta.get("content")
        if name in META_NAMES and content and name not in metas:
            metas[name] = content
    for order, name in enumerate(META_NAMES + GENERIC_META_NAMES):
        parsed = parse_timestamp(metas[name], day_first=day_first) if name in metas else None
        if parsed is not None:
            generic = name in GENERIC_META_NAMES
            found.append((5 + order + generic, Evidence(parsed, f"meta:{name}")))
    for element in tree.xpath("//*[@itemprop='datePublished' and not(self::meta)]"):
        if _excluded(element, layout, OTHER_STORIES_CLASS):
            continue
        value = element.get("datetime") or element.get("content") or element.text_content()
        parsed = parse_timestamp(value, day_first=day_first) if value else None
        if parsed is not None:
            found.append((5 + len(META_NAMES), Evidence(parsed, "microdata:datePublished")))
            break
    found.sort(key=lambda pair: pair[0])
    return [evidence for _, evidence in found]


def _article_root(tree: HtmlElement, headline: HtmlElement | None) -> HtmlElement | None:
    """The element holding the article: the headline's <article>/<main> ancestor, else the page's only one."""
    node = headline
    while node is not None:
        if node.tag in ("article", "main") or "Article" in (node.get("itemtype") or ""):
            return node
        node = node.getparent()
    roots = tree.xpath("//article|//main")
    return roots[0] if len(roots) == 1 else None


def _is_date_element(element: HtmlElement) -> bool:
    if element.tag == "time" or element.get("itemprop") in ("datePublished", "dateCreated"):
        return True
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    return bool(names.strip()) and bool(DATE_HINT.search(names))


def _dates_in(text: str, reading: Reading) -> list[tuple[Day, bool]]:
    return stated_dates(text, reading.languages, day_first=reading.day_first)


def _byline_date(element: HtmlElement, reading: Reading) -> Day | None:
    """The publication date one byline element shows: the date not marked as an update, else the earliest;
    a <time> element's machine-readable value when its text states no full date."""
    text = " ".join(element.text_content().split())
    dates = _dates_in(text, reading) if text and len(text) <= MAX_BYLINE_TEXT and YEAR.search(text) else []
    original = [v for v, updated in dates if not updated] or [v for v, _ in dates]
    if original:
        return min(original, key=local_day)
    machine = (element.get("datetime") or (element.get("content") if element.get("itemprop") else None)
               or (element.get("title") if element.tag == "abbr" else None))  # hAtom: <abbr title="2020-04-28T...">
    return parse_timestamp(machine, day_first=reading.day_first) if machine else None


def _short_date_text(element: HtmlElement) -> bool:
    """A small element that states little more than a date (a byline line without a date class)."""
    text = " ".join(element.text_content().split())
    return 6 <= len(text) <= MAX_SHORT_DATE_TEXT and bool(YEAR.search(text)) and len(element) <= 4


def byline_dates(tree: HtmlElement, layout: Layout, reading: Reading) -> list[Evidence]:
    """Dates the page shows next to its headline, nearest first.

    Date-like elements (<time>, datePublished, classes such as date/byline/meta, or small elements stating
    little more than a date just after the headline) after the headline, then the ones before it inside the
    article; never inside quotes, asides, figures, navigation, footers, embeds, lists of other stories or the
    site's header.
    """
    headline, article = layout.headline, layout.article
    after: list[HtmlElement] = []
    before: list[HtmlElement] = []
    just_before: list[HtmlElement] = []
    seen_headline = headline is None
    following = 0
    for element in tree.iter():
        if element is headline:
            seen_headline = True
            continue
        if not isinstance(element.tag, str):
            continue
        if not seen_headline:
            just_before = [*just_before, element][-NEAR_HEADLINE_BEFORE:]
        following += seen_headline
        near = headline is not None and seen_headline and following <= NEAR_HEADLINE
        if not _is_date_element(element) and not (near and _short_date_text(element)):
            continue
        machine = element.get("datetime") or (element.get("title") if element.tag == "abbr" else "") or ""
        if not YEAR.search(element.text_content()) and not YEAR.search(machine):
            continue
        if seen_headline:
            after.append(element)
        elif article is not None and _contains(article, element):
            before.append(element)
        if len(after) >= MAX_BYLINE_CANDIDATES:
            break
    if headline is not None:  # a dateline or kicker right above the headline
        before += [e for e in just_before if e not in before and (_is_date_element(e) or _short_date_text(e))
                   and not _contains(e, headline)]
    found: list[Evidence] = []
    for element in [*after, *reversed(before)]:
        if _excluded(element, layout):
            continue
        value = _byline_date(element, reading)
        if value is not None:
            found.append(Evidence(value, "byline" if element.tag != "time" else "byline:time"))
            if len(found) >= 3:
                break
    return found


def time_element_day(tree: HtmlElement, layout: Layout, reading: Reading) -> Evidence | None:
    """The day the first <time> element (outside quotes, asides, embeds, chrome) shows in its text."""
    for element in tree.iter("time"):
        text = " ".join(element.text_content().split())
        if not YEAR.search(text) or len(text) > MAX_BYLINE_TEXT or _excluded(element, layout):
            continue
        dates = _dates_in(text, reading)
        if dates:
            return Evidence(dates[0][0], "time-element")
    return None


_URL_PATH_DATE = re.compile(r"/((?:19|20)\d\d)/(\d\d?|[a-z]{3,9})/(\d\d?)(?=/)", re.I)


def url_path_date(url: str | None) -> date | None:
    """A date written as URL path segments: /2019/11/18/ or /2019/nov/18/ (not a date inside a slug)."""
    match = _URL_PATH_DATE.search(url or "")
    if not match:
        return None
    year, month, day = match.groups()
    number = int(month) if month.isdigit() else _MONTHS.get(month.lower().rstrip("."), 0)
    try:
        return date(int(year), number, int(day))
    except ValueError:
        return None


def htmldate_date(tree: HtmlElement, url: str | None, *, extensive: bool) -> date | None:
    """htmldate's original publication date (None when it finds none or fails on the page)."""
    try:
        return iso_day(find_date(tree, extensive_search=extensive, original_date=True, url=url,
                                 outputformat="%Y-%m-%d"))
    except Exception:  # htmldate raises assorted errors on malformed pages
        return None


def _day_forms(day: date) -> re.Pattern[str]:
    d, m, y = day.day, day.month, day.year
    numeric = [rf"{y}[-/.]0?{m}[-/.]0?{d}(?!\d)", rf"(?<!\d)0?{d}[-/.]0?{m}[-/.]{y}", rf"(?<!\d)0?{m}/0?{d}/{y}",
               rf"{y}年0?{m}月0?{d}日", rf"{y}{m:02d}{d:02d}(?!\d)",
               rf"(?<![\d.])0?{d}\.0?{m}\.{y % 100:02d}(?![\d.])", rf"(?<![\d/])0?{m}/0?{d}/{y % 100:02d}(?![\d/])"]
    return re.compile("|".join(numeric))


def day_stated(tree: HtmlElement, layout: Layout, day: date, reading: Reading) -> bool:
    """Whether the page states this day in full (digits, or words dateparser reads in the page's languages)
    outside quotes, asides, figures, navigation, embedded posts and the site's header and footer, so that a day
    found by a search is never one made up from a bare year or month, nor an embedded post's or a "today"
    widget's."""
    text, attributes = _kept_text(tree, layout)
    if _day_forms(day).search(text) or _day_forms(day).search(attributes):
        return True
    for match in re.finditer(rf"[^\d]{{0,30}}(?<!\d)0?{day.day}(?!\d)[^\d]{{0,30}}{day.year}", text):
        if any(local_day(v) == day for v, _ in _dates_in(match.group(0), reading)):
            return True
    return False


# -- deciding ------------------------------------------------------------------------------------------------


def _offset_of(value: Day) -> timedelta | None:
    return value.utcoffset() if isinstance(value, datetime) else None


def _page_offset(evidence: list[Evidence]) -> timedelta | None:
    """The publisher's own UTC offset: the most common non-UTC offset its timestamps state, else the one implied
    by a zone-less wall-clock timestamp of the same moment as a UTC one (within 14 hours, in quarter hours)."""
    offsets = Counter(o for e in evidence if (o := _offset_of(e.value)) not in (None, timedelta(0)))
    if offsets:
        return offsets.most_common(1)[0][0]
    utc = [e.value for e in evidence if isinstance(e.value, datetime) and _offset_of(e.value) == timedelta(0)]
    naive = [e.value for e in evidence if isinstance(e.value, datetime) and e.value.tzinfo is None
             and (e.value.hour, e.value.minute) != (0, 0)]
    for moment in utc:
        for wall in naive:
            implied = wall.replace(second=0, microsecond=0) - moment.replace(tzinfo=None, second=0, microsecond=0)
            if timedelta(0) < abs(implied) <= timedelta(hours=14) and implied % timedelta(minutes=15) == timedelta(0):
                return implied
    return None


def _in_publisher_time(value: Day, offset: timedelta | None) -> Day:
    """A UTC (or zone-less) timestamp moved to the publisher's offset when the page states one elsewhere."""
    if isinstance(value, datetime) and offset is not None and _offset_of(value) in (None, timedelta(0)):
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return aware.astimezone(timezone(offset))
    return value


def _provenance(source: str, confidence: float, weighed: list[Evidence], note: str | None = None) -> Provenance:
    detail = "; ".join(filter(None, [note, ", ".join(str(e) for e in weighed[:4])])) or None
    return Provenance(source=source, confidence=confidence, detail=detail)


def html_published(html: str, url: str | None, *, detected_language: str | None = None,
                   latest: date | None = None) -> tuple[Day, Provenance] | None:
    """Publication date of an HTML page from its structured data, byline and URL (see the module docstring);
    htmldate's metadata search when none of them states one. None when the page states no date."""
    tree = load_html(html)
    if tree is None:
        return None
    latest = latest or date.today() + timedelta(days=1)
    reading = page_reading(tree, detected_language)
    layout = page_layout(tree)

    def plausible(evidence: list[Evidence]) -> list[Evidence]:
        return [e for e in evidence if EARLIEST <= e.day <= latest]

    structured = plausible(structured_dates(tree, layout, reading.day_first))
    shown = plausible(byline_dates(tree, layout, reading))
    in_url = url_path_date(url)
    if in_url is not None and not EARLIEST <= in_url <= latest:
        in_url = None
    weighed = structured[:2] + shown[:1] + ([Evidence(in_url, "url-path")] if in_url else [])

    if structured:
        best = structured[0]
        value = _in_publisher_time(best.value, _page_offset(structured + shown))
        day = local_day(value)
        byline = shown[0].day if shown else None
        if in_url is not None and abs((in_url - day).days) > 1 and byline != day:
            return in_url, _provenance("url-path", 0.8, weighed, f"metadata {day} is {abs((in_url - day).days)} "
                                                                     "days from the URL's date")
        if isinstance(value, datetime) and _offset_of(value) in (None, timedelta(0)):  # UTC: the day may be one off
            shown_time = time_element_day(tree, layout, reading)
            for local, source in ((byline, "byline"), (in_url, "url-path"),
                                  (shown_time.day if shown_time else None, "time-element")):
                if local is not None and abs((local - day).days) == 1:
                    return local, _provenance(source, 0.9, weighed, f"metadata {best.value.isoformat()} is UTC; "
                                                                    f"the page's own day is {local}")
        agrees = byline == day or in_url == day
        return value, _provenance(best.source, 0.95 if agrees else 0.9, weighed)
    if shown:
        best = shown[0]
        if in_url is not None and abs((in_url - best.day).days) > 1:
            return in_url, _provenance("url-path", 0.75, weighed, "the byline date is far from the URL's")
        return best.value, _provenance(best.source, 0.9 if in_url == best.day else 0.85, weighed)
    if in_url is not None:
        return in_url, _provenance("url-path", 0.8, weighed)
    found = htmldate_date(tree, url, extensive=False)
    if found is not None and EARLIEST <= found <= latest and day_stated(tree, layout, found, reading):
        return found, _provenance("htmldate", 0.7, weighed)
    return None


def htmldate_last_resort(html: str, url: str | None, *, detected_language: str | None = None,
                         latest: date | None = None) -> tuple[date, Provenance] | None:
    """htmldate's extensive search of the whole page: a low-confidence last resort, only for a day the page
    states in full."""
    tree = load_html(html)
    if tree is None:
        return None
    found = htmldate_date(tree, url, extensive=True)
    latest = latest or date.today() + timedelta(days=1)
    if found is None or not EARLIEST <= found <= latest:
        return None
    if not day_stated(tree, page_layout(tree), found, page_reading(tree, detected_language)):
        return None
    return found, Provenance(source="htmldate:extensive", confidence=0.4,
                             detail="opportunistic search of the page text")


def decide_published(raw: RawDocument, article: Article, *, today: date | None = None,
                     language: str | None = None) -> tuple[Day, Provenance] | None:
    """The article's publication date and where it came from; None when the input states none.

    A date the input states outright (text header, JSON field) is kept. An HTML page: `html_published`.
    Then, for any input, a dated sentence ("Today is ...", "published on ...") or a dated dateline; then
    htmldate's extensive search of an HTML page; then a date at the start of the body.
    """
    latest = (today or date.today()) + timedelta(days=1)
    existing, existing_prov = article.published, article.provenance.get("published")
    if existing is not None and (raw.content_type != "html"
                                 or (existing_prov is not None and existing_prov.source in STATED_SOURCES)):
        if existing_prov is not None and existing_prov.confidence is None:
            existing_prov = existing_prov.model_copy(
                update={"confidence": STATED_CONFIDENCE.get(existing_prov.source, 0.9)})
        return existing, existing_prov or Provenance(source="input", confidence=1.0)
    if raw.content_type == "html":
        chosen = html_published(raw.content, article.url, detected_language=language, latest=latest)
        if chosen:
            return chosen
    stated = date_in_text(article.body, latest, window=200)
    if article.dateline:
        in_dateline = date_in_text(article.dateline, latest, window=len(article.dateline))
        if in_dateline:
            stated = (in_dateline[0], "dateline")
    if stated and stated[1] != "body:dateline":
        return stated[0], Provenance(source=stated[1], confidence=0.7)
    if raw.content_type == "html":
        broad = htmldate_last_resort(raw.content, article.url, detected_language=language, latest=latest)
        if broad:
            return broad
    if stated:
        return stated[0], Provenance(source=stated[1], confidence=0.5)
    return None
