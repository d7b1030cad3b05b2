"""Lenient reading of the dates pages and records state: ISO 8601, RFC 2822, epoch numbers, and words in the
page's language (dateparser), always with an explicit day, month and year: nothing is completed or guessed."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache

import dateparser
import dateparser.search

YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
"""A four-digit year: without one, a text states no full date ("1 day ago", "March 3")."""
_RELATIVE = re.compile(r"(?<!\d)\d+\s*(?:second|minute|min|hour|hr|day|week|month|year)s?\s+ago\b"
                       r"|\b(?:yesterday|today)\b", re.I)
"""Relative phrases (English), kept apart from a stated date in a byline: search would join `... GMT 1 day ago`."""
_GLUED_TIME = re.compile(r"((?:19|20)\d\d)(\d{1,2}[:.]\d\d)")
"""A year glued to the time after it by text extraction: "Nov 15, 20195:45 AM"."""
_ISO_LIKE = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\s*(\d{1,2}:\d\d(?::\d\d(?:[.,]\d+)?)?)\s*"
                       r"(Z|UTC|GMT|[+-]\d\d:?\d\d)?)?\s*$", re.I)
CLOCK = re.compile(r"\d{1,2}(?::|h\s?)\d\d|\d\s*[ap]\.?m\b|\bnoon\b|\bmidnight\b", re.I)
_EPOCH = re.compile(r"^\d{9,13}$")
_RFC_2822 = re.compile(r"^(?:[a-z]{3},\s*)?\d{1,2}\s+[a-z]{3}\s+\d{4}(?:\s+\d\d:\d\d(?::\d\d)?(?:\s+\S+)?)?$", re.I)
"""`Wed, 20 Nov 2019 08:02:00 GMT` (the email module reads other shapes wrongly: it drops a trailing PM)."""
_DOTTED = re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}\.(?:19|20)\d\d(?![\d.])")
"""`19.11.2019`: day first wherever dots separate a numeric date."""
EARLIEST = date(1990, 1, 1)


def dateparser_settings(day_first: bool) -> dict[str, object]:
    """dateparser settings for a stated full date: all of day, month and year, never relative to today."""
    return {"REQUIRE_PARTS": ["day", "month", "year"], "PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False,
            "DATE_ORDER": "DMY" if day_first else "MDY"}


def _iso_like(text: str) -> date | datetime | None:
    match = _ISO_LIKE.match(text)
    if not match:
        return None
    year, month, day, clock, zone = match.groups()
    try:
        if clock is None:
            return date(int(year), int(month), int(day))
        offset = "+00:00" if zone and zone.upper() in ("Z", "UTC", "GMT") else (zone or "")
        if offset and ":" not in offset:
            offset = f"{offset[:3]}:{offset[3:]}"
        clock = clock.replace(",", ".")
        if clock.count(":") == 1:
            clock += ":00"
        head, _, fraction = clock.partition(".")
        clock = head + (f".{fraction[:6].ljust(6, '0')}" if fraction else "")
        return datetime.fromisoformat(f"{int(year):04d}-{int(month):02d}-{int(day):02d}T{clock.zfill(8)}{offset}")
    except ValueError:
        return None


def parse_timestamp(value: str, languages: list[str] | None = None, *, day_first: bool = False,
                    ) -> date | datetime | None:
    """A date or datetime (with its offset when the text gives one) from a stated value; None when the value
    does not state a full date.

    ISO 8601 and its common relatives (`2019/11/19 08:00`, `+0000`), RFC 2822 (`Wed, 20 Nov 2019 08:02:00 GMT`),
    epoch seconds or milliseconds, then words through dateparser in `languages` (English when not given).
    `day_first` reads `03/11/2021` as 3 November (a dotted `03.11.2021` always is). A value without a
    four-digit year is never completed from today's date.
    """
    text = _GLUED_TIME.sub(r"\1 \2", " ".join(value.split()))
    if not text or len(text) > 200:
        return None
    parsed: date | datetime | None = _iso_like(text)
    if parsed is None and _EPOCH.match(text):
        seconds = int(text) / (1000 if len(text) > 11 else 1)
        try:
            parsed = datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            pass
    if parsed is None and _RFC_2822.match(text):
        try:
            parsed = parsedate_to_datetime(text)
        except (ValueError, TypeError, IndexError):
            pass
    if parsed is None and YEAR.search(text):
        try:
            parsed = dateparser.parse(text, languages=languages or ["en"],
                                      settings=dateparser_settings(day_first or bool(_DOTTED.search(text))))
        except (ValueError, OverflowError, TypeError, AttributeError):
            parsed = None
        parsed = as_stated(parsed, text)
    if parsed is None or not EARLIEST <= (parsed.date() if isinstance(parsed, datetime) else parsed):
        return None
    return parsed


UPDATED_CUE = re.compile(r"updated|modified|edited|aktualisiert|geändert|actualizado|actualisé|mis à jour"
                         r"|atualizado|aggiornato|bijgewerkt|zaktualizowano|обновлено|更新", re.I)


def stated_dates(text: str, languages: list[str] | None = None, *, day_first: bool = False,
                 ) -> list[tuple[date | datetime, bool]]:
    """Full dates stated in a short text such as a byline ("Updated: 18 Nov 2019 9:38 pm Posted: 18 Nov 2019"),
    each with whether an "updated" cue precedes it."""
    return list(_stated_dates(text, tuple(languages) if languages else None, day_first))


@lru_cache(maxsize=4096)
def _stated_dates(text: str, languages: tuple[str, ...] | None, day_first: bool,
                  ) -> tuple[tuple[date | datetime, bool], ...]:
    """`stated_dates`, remembered: a page's nested elements and a site's pages repeat the same texts, and dateparser's
    search is slow (the answer never depends on today: a full date is required)."""
    languages = list(languages) if languages else None  # type: ignore[assignment]
    whole = parse_timestamp(text, languages, day_first=day_first)  # type: ignore[arg-type]
    if whole is not None:
        return ((whole, bool(UPDATED_CUE.search(text))),)
    if not YEAR.search(_GLUED_TIME.sub(r"\1 \2", text)):
        return ()
    searched = _RELATIVE.sub(lambda m: " ·" + " " * (len(m[0]) - 2), _GLUED_TIME.sub(r"\1 \2", text))
    try:
        found = dateparser.search.search_dates(
            searched, languages=languages or ["en"],
            settings=dateparser_settings(day_first or bool(_DOTTED.search(text))))  # type: ignore[arg-type]
    except (ValueError, OverflowError, TypeError, AttributeError):
        return ()
    dates: list[tuple[date | datetime, bool]] = []
    position = 0
    for matched, value in found or []:
        if not YEAR.search(matched):
            continue
        start = text.find(matched, position)
        position = max(position, start)
        stated = as_stated(value, matched)
        if stated is not None and EARLIEST <= local_day(stated):
            dates.append((stated, bool(UPDATED_CUE.search(text[:max(start, 0)][-40:]))))
    return tuple(dates)


def as_stated(parsed: datetime | None, text: str) -> date | datetime | None:
    """dateparser's datetime as the text states it: a date when the text gives no time of day; None when the text
    does not state its year (dateparser read a relative phrase, `1 day ago`, against today's clock)."""
    if parsed is None or str(parsed.year) not in _western_digits(text):
        return None
    if isinstance(parsed, datetime) and not CLOCK.search(text):
        return parsed.date()
    return parsed


def _western_digits(text: str) -> str:
    """The text with every decimal digit (Arabic-Indic, Devanagari, ...) as 0-9."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def local_day(value: date | datetime) -> date:
    """The calendar day of a stated value, in the offset it was stated in (the publisher's own day when the
    publisher wrote its offset)."""
    return value.date() if isinstance(value, datetime) else value
