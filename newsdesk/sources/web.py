"""URL sources: what a URL is (a feed, a sitemap or sitemap index, a page) is read from what it returns,
and the pages a listing names become `WebPage` inputs.

A listing is fetched conditionally; when it answers 304, the entries it listed last time (kept in the fetch
state with its validators) are planned again, so an unchanged feed costs one request. A sitemap index's
child whose `lastmod` did not move is not fetched at all. Every page is planned once per run however many
listings name it (same canonical URL, one input).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from newsdesk.model import DocumentOutcome
from newsdesk.sources.feeds import parse_feed
from newsdesk.sources.fetch import FetchError, Fetcher, Response
from newsdesk.sources.files import LoadError
from newsdesk.sources.sitemaps import GZIP_MAGIC, gunzip, parse_sitemap
from newsdesk.sources.urls import Listed, WebPage, canonical_url, list_key, looks_like_html, read_url_list
from newsdesk.state import FetchRecord, FetchState

MAX_SITEMAP_DEPTH = 3
"""Sitemap indexes nested deeper than this are not followed (the protocol allows one level)."""

_ROOT = re.compile(rb"<(?![?!])([A-Za-z_][\w:.-]*)")


def kind_of(response: Response, body: bytes) -> str:
    """'feed', 'sitemap', 'page' or '' from the body's root element (content types are often wrong)."""
    head = body[:4096]
    match = _ROOT.search(re.sub(rb"<!--.*?-->", b"", head, flags=re.S))
    root = match.group(1).decode("ascii", "replace").lower().rsplit(":", 1)[-1] if match else ""
    if root in ("rss", "feed", "rdf"):
        return "feed"
    if root in ("urlset", "sitemapindex"):
        return "sitemap"
    if root == "html" or looks_like_html(body) or response.media_type in ("text/html", "application/xhtml+xml"):
        return "page"
    if response.media_type == "text/plain":
        return "sitemap"  # a text sitemap: one URL per line
    return ""


@dataclass
class WebDiscovery:
    """Plans URL sources for one run: fetches listings (recording them), yields the pages they name."""

    fetcher: Fetcher
    fetches: FetchState
    max_listing_bytes: int
    full: bool = False
    failed: list[tuple[DocumentOutcome, str]] = field(default_factory=list)
    """(outcome, key) of listings that failed this run: dead letters."""
    succeeded: list[str] = field(default_factory=list)
    """Keys of the listings read (or confirmed unchanged) this run: their dead letters clear."""
    _seen: set[str] = field(default_factory=set)
    _visited: set[str] = field(default_factory=set)

    def discover(self, urls: Sequence[str], url_lists: Sequence[str] = ()) -> Iterator[WebPage | DocumentOutcome]:
        for url in urls:
            yield from self._source(url.strip(), url.strip(), depth=0, listed=None)
        for path in url_lists:
            source = list_key(path)
            entries: list[tuple[str, str]] = []
            for item in read_url_list(path):
                if isinstance(item, DocumentOutcome):
                    yield item
                else:
                    entries.append(item)
            yield from self._pages([Listed(url=url) for _, url in entries], source, "")

    # -- listings ---------------------------------------------------------------------------------

    def _source(self, url: str, source: str, depth: int, listed: str | None) -> Iterator[WebPage | DocumentOutcome]:
        key = canonical_url(url)
        if key in self._visited:
            return
        self._visited.add(key)
        known = self.fetches.get(key)
        if known is not None and known.kind == "page" and depth == 0:
            yield from self._pages([Listed(url=url, hints=known.hints)], source, known.hints_from, named=True)
            return
        if (known is not None and known.kind == "sitemap" and listed is not None and known.listed is not None
                and listed <= known.listed and not self.full):
            yield from self._entries(known, source, depth)  # the index says this sitemap did not change
            return
        current = known if known is not None and known.kind in ("feed", "sitemap") and not self.full else None
        try:
            response = self.fetcher.fetch(url, max_bytes=self.max_listing_bytes,
                                          etag=current.etag if current else None,
                                          last_modified=current.last_modified if current else None)
        except FetchError as exc:
            yield self._failure(url, key, exc, "fetch")
            return
        if response.not_modified and current is not None:
            self.succeeded.append(key)
            if listed is not None and listed != current.listed:  # the index's newer lastmod, now checked
                self.fetches.put([replace(current, listed=listed, checked_at=None)])
            yield from self._entries(current, source, depth)
            return
        try:
            body = gunzip(response.body, self.max_listing_bytes) if response.body.startswith(GZIP_MAGIC) \
                else response.body
            kind = kind_of(response, body)
            if kind == "page" and depth == 0:
                self.succeeded.append(key)
                yield from self._pages([Listed(url=url)], source, "", named=True, response=response)
                return
            if kind == "page":
                raise LoadError("listed as a sitemap, but is an HTML page")
            if kind == "feed":
                found = list(parse_feed(body, response.final_url, response.content_type))
            elif kind == "sitemap":
                found = list(parse_sitemap(body, response.final_url))
            else:
                what = response.media_type or "unknown type"
                raise LoadError(f"not a feed, sitemap or HTML page ({what})", status="skipped")
        except LoadError as exc:
            yield self._failure(url, key, exc, "parse")
            return
        entries = [e for e in found if isinstance(e, Listed)]
        yield from (e for e in found if isinstance(e, DocumentOutcome))
        record = FetchRecord(key=key, kind=kind, source=source, etag=response.etag,
                             last_modified=response.last_modified, listed=listed,
                             entries=[e.as_json() for e in entries], status=response.status)
        self.fetches.put([record])
        self.succeeded.append(key)
        yield from self._entries(record, source, depth)

    def _entries(self, record: FetchRecord, source: str, depth: int) -> Iterator[WebPage | DocumentOutcome]:
        entries = [Listed.from_json(e) for e in record.entries]
        for child in (e for e in entries if e.sitemap):
            if depth + 1 > MAX_SITEMAP_DEPTH:
                yield DocumentOutcome(key=child.url, status="skipped", stage="discover",
                                      reason=f"sitemap index nested more than {MAX_SITEMAP_DEPTH} levels deep")
            else:
                yield from self._source(child.url, source, depth + 1, child.listed)
        yield from self._pages([e for e in entries if not e.sitemap], source, record.kind)

    def _failure(self, url: str, key: str, exc: LoadError, stage: str) -> DocumentOutcome:
        outcome = DocumentOutcome(key=url, status=exc.status, reason=exc.reason, stage=stage)  # type: ignore[arg-type]
        if exc.status == "failed":
            self.failed.append((outcome, key))
        return outcome

    # -- pages --------------------------------------------------------------------------------

    def _pages(self, entries: Sequence[Listed], source: str, hints_from: str, named: bool = False,
               response: Response | None = None) -> Iterator[WebPage]:
        """Pages not yet planned this run, with what the fetch state knows of them."""
        fresh: dict[str, Listed] = {}
        for entry in entries:
            identity = canonical_url(entry.url)
            if identity not in self._seen and identity not in fresh:
                fresh[identity] = entry
        self._seen.update(fresh)
        known = self.fetches.get_many(fresh)
        for identity, entry in fresh.items():
            record = known.get(identity)
            current = record is not None and record.kind == "page" and not self.full
            yield WebPage(url=entry.url, identity=identity, source=source, hints=entry.hints,
                          hints_from=hints_from if entry.hints else "", listed=entry.listed, named=named,
                          etag=record.etag if current else None,  # type: ignore[union-attr]
                          last_modified=record.last_modified if current else None,  # type: ignore[union-attr]
                          known_listed=record.listed if current else None,  # type: ignore[union-attr]
                          checked_at=record.checked_at if current else None,  # type: ignore[union-attr]
                          response=response)
