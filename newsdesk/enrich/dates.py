"""Publication date decision and resolution of the dates an article mentions."""

from __future__ import annotations

import calendar
import logging
import re
from datetime import date, datetime, timedelta
from functools import lru_cache

import dateparser
from htmldate import find_date
from htmldate.utils import load_html

from newsdesk.model import Article, Provenance, RawDocument, iso_day

logging.getLogger("htmldate").setLevel(logging.ERROR)

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MONTH_RE = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY_RE = r"(?:" + "|".join(_WEEKDAYS) + r")"

FULL_DATE = re.compile(
    rf"(?:(?P<weekday>{_WEEKDAY_RE}),?\s+)?"
    rf"(?:(?P<month>{_MONTH_RE})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)"
    rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month2>{_MONTH_RE}),?\s+(?P<year2>(?:19|20)\d\d))\b",
    re.I,
)
"""An explicit calendar date with a year ("Friday, September 3, 2021", "3 Sept 2021")."""

TODAY_CUE = re.compile(r"\b(?:today\s+is|it\s+is\s+now|dated?|as\s+of\s+today,?)\s*$", re.I)
PUBLISHED_CUE = re.compile(r"\b(?:published|posted|updated|first\s+published)(?:\s+on)?:?\s*$", re.I)

EARLIEST = date(1990, 1, 1)


def parse_full_date(match: re.Match[str]) -> date | None:
    """The calendar date of a FULL_DATE match; None when invalid or its weekday contradicts it."""
    month = _MONTHS[(match["month"] or match["month2"]).lower().rstrip(".")]
    day, year = int(match["day"] or match["day2"]), int(match["year"] or match["year2"])
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    weekday = match["weekday"]
    if weekday and _WEEKDAYS[weekday.lower()] != value.weekday():
        return None
    return value


def _plausible(value: date, latest: date) -> bool:
    return EARLIEST <= value <= latest


def date_in_text(text: str, latest: date, *, window: int | None = None) -> tuple[date, str] | None:
    """A publication date stated in running text, with the rule that found it.

    "Today is Friday, September 3, 2021" (or "published/updated <date>") anywhere in the text wins;
    otherwise the first explicit date within the first `window` characters (a dateline) when given.
    """
    fallback: tuple[date, str] | None = None
    for match in FULL_DATE.finditer(text):
        value = parse_full_date(match)
        if value is None or not _plausible(value, latest):
            continue
        before = text[max(0, match.start() - 30):match.start()]
        if TODAY_CUE.search(before):
            return value, "body:today-sentence"
        if PUBLISHED_CUE.search(before):
            return value, "body:published-cue"
        if fallback is None and window is not None and match.start() < window:
            fallback = (value, "body:dateline")
    return fallback


_URL_PATH_DATE = re.compile(rf"/((?:19|20)\d\d)/(\d\d?|{_MONTH_RE})/(\d\d?)/", re.I)


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


def displayed_date(html: str) -> date | None:
    """The date the page shows its readers next to a time stamp: the text of the first <time> element
    (or `itemprop=datePublished` element) that spells out a full date, in the publisher's own time zone."""
    tree = load_html(html)
    if tree is None:
        return None
    for element in tree.iterfind(".//*"):
        if element.tag != "time" and element.get("itemprop") != "datePublished":
            continue
        match = FULL_DATE.search(" ".join(element.text_content().split()))
        value = parse_full_date(match) if match else None
        if value:
            return value
    return None


def htmldate_date(html: str, url: str | None, *, extensive: bool) -> date | None:
    """htmldate's original publication date (None when it finds none or fails on the page)."""
    try:
        return iso_day(find_date(html, extensive_search=extensive, original_date=True, url=url,
                                  outputformat="%Y-%m-%d"))
    except Exception:  # htmldate raises assorted errors on malformed pages
        return None


STATED_SOURCES = frozenset({"json", "text-header"})
"""Provenance sources of a publication date the input states outright (kept as they are)."""


def html_published(html: str, url: str | None, metadata_day: date | None) -> tuple[date, Provenance] | None:
    """Publication day of an HTML page.

    htmldate's metadata-based original date, except that a date in the URL path wins when they are more
    than a day apart, and the date shown in the page's time stamp wins when it is one day off (the
    metadata is in UTC, the page shows the publisher's own day).
    """
    found = htmldate_date(html, url, extensive=False)
    in_url = url_path_date(url)
    if in_url and (found is None or abs((found - in_url).days) > 1):
        return in_url, Provenance(source="url-path", confidence=0.85, detail=f"htmldate: {found}")
    if found:
        shown = displayed_date(html)
        if shown and abs((shown - found).days) == 1:
            return shown, Provenance(source="html-time-stamp", confidence=0.85,
                                     detail=f"metadata date {found} is UTC; the page shows {shown}")
        agrees = metadata_day == found
        return found, Provenance(source="htmldate", confidence=0.95 if agrees else 0.85,
                                 detail="agrees with trafilatura" if agrees else None)
    return None


def decide_published(raw: RawDocument, article: Article, *, today: date | None = None,
                     ) -> tuple[date | datetime, Provenance] | None:
    """The article's publication date and where it came from.

    A date the input states outright (text header, JSON field) is kept. For HTML: `html_published`,
    then trafilatura's metadata (set by the cleaner). Then a dated sentence ("Today is ...") or the
    dateline, then htmldate's extensive search of the page, then a date at the start of the body.
    """
    latest = (today or date.today()) + timedelta(days=1)
    existing, existing_prov = article.published, article.provenance.get("published")
    if existing is not None and (raw.content_type != "html"
                                 or (existing_prov is not None and existing_prov.source in STATED_SOURCES)):
        return existing, existing_prov or Provenance(source="input", confidence=1.0)
    if raw.content_type == "html":
        chosen = html_published(raw.content, article.url, article.published_day)
        if chosen and _plausible(chosen[0], latest):
            return chosen
        if article.published_day is not None and _plausible(article.published_day, latest):
            return article.published_day, existing_prov or Provenance(source="html", confidence=0.8)
    stated = date_in_text(article.body, latest, window=200)
    if article.dateline:
        in_dateline = date_in_text(article.dateline, latest, window=len(article.dateline))
        if in_dateline:
            stated = (in_dateline[0], "dateline")
    if stated and stated[1] != "body:dateline":
        return stated[0], Provenance(source=stated[1], confidence=0.7)
    if raw.content_type == "html":
        broad = htmldate_date(raw.content, article.url, extensive=True)
        if broad and _plausible(broad, latest):
            return broad, Provenance(source="htmldate:extensive", confidence=0.6)
    if stated:
        return stated[0], Provenance(source=stated[1], confidence=0.5)
    return None


# --- mentioned dates -------------------------------------------------------------------------

_DAY_LEVEL = re.compile(
    rf"\b(?:{_MONTH_RE}\s+\d{{1,2}}\b|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_RE}"
    rf"|{_WEEKDAY_RE}|today|tonight|yesterday|tomorrow|last\s+night"
    rf"|(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten)\s+days?\s+(?:ago|earlier|later)|\d{{4}}-\d\d-\d\d|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})",
    re.I,
)
"""Expressions that name one day; month-, year- or decade-level and vague ones do not match."""

_BARE_WEEKDAY = re.compile(
    rf"^(?:(?:on|this|early|late|last)\s+)?(?P<weekday>{_WEEKDAY_RE})"
    rf"(?:\s+(?:morning|afternoon|evening|night))?$", re.I)
_DECADE = re.compile(r"\b(?:\d{2,4}|'\d)0s\b|\bcentur", re.I)
_DATEPARSER_LANGUAGES = ["en"]


_SIMPLE_DAY = re.compile(
    rf"(?P<full>{FULL_DATE.pattern})|(?P<iso>\d{{4}}-\d\d-\d\d)|(?P<relative>today|tonight|yesterday|tomorrow)"
    rf"|(?P<m>{_MONTH_RE})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH_RE})",
    re.I)
"""The common shapes resolved without dateparser (which takes milliseconds each), the way it resolves them."""
_RELATIVE_DAYS = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}


def _simple_day(match: re.Match[str], base: date | None) -> date | None:
    """The day of a `_SIMPLE_DAY` match; a day without a year is the latest such day on or before `base`
    (as dateparser's PREFER_DATES_FROM=past)."""
    try:
        if match["full"]:
            return parse_full_date(FULL_DATE.fullmatch(match["full"]))  # type: ignore[arg-type]
        if match["iso"]:
            return date.fromisoformat(match["iso"])
        if base is None:
            return None
        if match["relative"]:
            return base + timedelta(days=_RELATIVE_DAYS[match["relative"].lower()])
    except ValueError:
        return None
    month, day = _MONTHS[(match["m"] or match["m2"]).lower().rstrip(".")], int(match["d"] or match["d2"])
    for year in range(base.year, base.year - 8, -1):  # 8 years: the last February 29 is within them
        try:
            value = date(year, month, day)
        except ValueError:
            continue
        if value <= base:
            return value
    return None  # an impossible day ("June 55"), where dateparser would make it a day of 1955


def _resolve_weekday(weekday: str, base: date, last: bool) -> date:
    """The most recent `weekday` on or before `base` (strictly before when `last`)."""
    back = (base.weekday() - _WEEKDAYS[weekday.lower()]) % 7
    if back == 0 and last:
        back = 7
    return base - timedelta(days=back)


@lru_cache(maxsize=20_000)
def resolve_date_expression(text: str, base: date | None) -> date | None:
    """The day a DATE/TIME expression refers to, relative to publication day `base`; None when vague.

    Without a base only expressions with an explicit year are resolved.
    """
    expr = " ".join(text.split()).strip(" .,;:")
    if not _DAY_LEVEL.search(expr) or _DECADE.search(expr):
        return None
    if base is None and not re.search(r"\b(?:19|20)\d\d\b", expr):
        return None
    weekday = _BARE_WEEKDAY.match(expr)
    if weekday and base is not None:
        return _resolve_weekday(weekday["weekday"], base, expr.lower().startswith("last"))
    simple = _SIMPLE_DAY.fullmatch(expr)
    if simple:
        return _simple_day(simple, base)
    settings: dict[str, object] = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False,
                                   "STRICT_PARSING": False}
    if base is not None:
        settings["RELATIVE_BASE"] = datetime(base.year, base.month, base.day)
    parsed = dateparser.parse(expr, languages=_DATEPARSER_LANGUAGES, settings=settings)  # type: ignore[arg-type]
    return parsed.date() if parsed else None


def resolve_mentioned_dates(expressions: list[str], base: date | None) -> list[date]:
    """Distinct days the expressions resolve to, in order of first mention."""
    days: list[date] = []
    for expr in expressions:
        day = resolve_date_expression(expr, base)
        if day is not None and day not in days:
            days.append(day)
    return days
