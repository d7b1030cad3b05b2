"""RSS and Atom feeds (feedparser): the pages they list, with what each entry says about its article."""

from __future__ import annotations

import calendar
import logging
import time
from datetime import datetime, timezone

import feedparser
import lxml.html

from newsdesk.model import DocumentOutcome
from newsdesk.sources.files import LoadError
from newsdesk.sources.urls import Listed, listing_date

log = logging.getLogger(__name__)


def _plain(text: str | None) -> str | None:
    """A title as text: feeds may carry HTML in it (Atom `type="html"`)."""
    if not text or not text.strip():
        return None
    if "<" in text:
        try:
            text = lxml.html.fromstring(f"<div>{text}</div>").text_content()
        except (lxml.etree.ParserError, ValueError):
            pass
    return " ".join(text.split()) or None


def _utc(parsed: time.struct_time | None) -> datetime | None:
    if parsed is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)


def parse_feed(data: bytes, url: str, content_type: str = "") -> list[Listed | DocumentOutcome]:
    """The pages an RSS 2.0/1.0 or Atom feed lists, in feed order.

    Raises `LoadError` when the bytes are not a feed, or are broken XML without one readable entry; a feed
    broken part-way keeps the entries read before the damage (and says so in the log). An entry without a
    link becomes a skipped outcome."""
    parsed = feedparser.parse(data, response_headers={"content-location": url, "content-type": content_type})
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if isinstance(problem, (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)):
        problem = None  # a wrong charset or content type in the headers: the feed itself reads fine
    if not parsed.entries and problem is None and not parsed.get("version"):
        raise LoadError("not an RSS or Atom feed")
    language = parsed.feed.get("language")
    found: list[Listed | DocumentOutcome] = []
    for n, entry in enumerate(parsed.entries, 1):
        link = entry.get("link") or (entry.get("id") if entry.get("guidislink") else None)
        if not link or not link.lower().startswith(("http://", "https://")):
            found.append(DocumentOutcome(key=f"{url}#entry-{n}", status="skipped", stage="discover",
                                         reason=f"feed entry {n} has no http(s) link"))
            continue
        # dict.get: feedparser's own get() maps a missing `updated` to `published`, with a warning
        published = dict.get(entry, "published") or dict.get(entry, "updated")
        authors = [a["name"].strip() for a in entry.get("authors") or [] if isinstance(a, dict) and a.get("name")]
        hints: dict[str, object] = {"title": _plain(entry.get("title")), "published": published,
                                    "authors": [a for a in authors if a] or None, "language": language}
        changed = _utc(dict.get(entry, "updated_parsed") or dict.get(entry, "published_parsed"))
        found.append(Listed(url=link, listed=listing_date(changed), hints={k: v for k, v in hints.items() if v}))
    if problem is not None:
        if not any(isinstance(f, Listed) for f in found):
            raise LoadError(f"malformed feed: {_describe(problem)}")
        log.warning("%s: feed is malformed (%s); using the %d entries read", url, _describe(problem), len(found))
    return found


def _describe(problem: BaseException) -> str:
    text = str(problem).strip()
    return f"{type(problem).__name__}: {text}" if text else type(problem).__name__
