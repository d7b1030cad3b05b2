"""Dates in running text: explicit dates and dated sentences, and the days an article's date expressions refer to."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from functools import lru_cache

import dateparser

from newsdesk.clean.timestamps import EARLIEST

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
