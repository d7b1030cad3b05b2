"""The clean stage: a `RawDocument` (text dump, HTML page, JSON record) becomes an `Article` with a clean body.

Metadata precedence: JSON fields (authoritative) > the document's own header/HTML metadata > trailer lines.
Every publisher candidate found is kept in `provenance` as `publisher.<source>` for enrichment to decide; the
title is the page's headline, or its title metadata without the site's name, and never a junk title.
"""

from __future__ import annotations

from newsdesk.clean.boilerplate import BoilerplateRules
from newsdesk.clean.html import extract_html
from newsdesk.clean.page import read_page
from newsdesk.clean.text import TextCleanResult, clean_text
from newsdesk.clean.titles import junk_title_reason, site_segments
from newsdesk.clean.timestamps import parse_timestamp
from newsdesk.model import Article, Provenance, RawDocument, RemovedSpan, article_id_for, content_hash


def _json_str(raw: RawDocument, key: str) -> str | None:
    value = raw.fields.get(key)
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


class _Fields:
    """Collects candidate values per field with their sources; the first non-empty one wins."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}
        self.provenance: dict[str, Provenance] = {}

    def offer(self, name: str, value: object, source: str) -> None:
        if value in (None, "", []) or name in self.values:
            return
        self.values[name] = value
        detail = None if isinstance(value, list) else str(value)
        self.provenance[name] = Provenance(source=source, detail=detail)

    def candidate(self, name: str, value: str | None, source: str) -> None:
        """Record an alternative candidate as `name.source` (`name.source.2`, ...) for enrichment, and offer it."""
        if not value:
            return
        key, n = f"{name}.{source}", 1
        while key in self.provenance:
            n += 1
            key = f"{name}.{source}.{n}"
        self.provenance[key] = Provenance(source=source, detail=value)
        self.offer(name, value, source)


MIN_DESCRIPTION_WORDS = 8
"""A page description this long stands in for an HTML page's body when cleaning leaves none."""


def _titles(candidates: list[tuple[str | None, str]], names: list[str], url: str | None,
            fields: _Fields) -> list[tuple[str, str]]:
    """Title candidates without their site segments (each segment kept as a publisher candidate), junk dropped."""
    titles: list[tuple[str, str]] = []
    for title, source in candidates:
        if not title:
            continue
        stripped, segments = site_segments(title, names, url)
        for segment in segments:
            fields.candidate("publisher", segment, "html-title")
        if junk_title_reason(stripped, names, url) is None:
            titles.append((stripped, source))
    return titles


def clean_document(raw: RawDocument, boilerplate: BoilerplateRules | None = None) -> Article:
    """Clean one input document into an `Article` (body may be empty; nothing is ever invented)."""
    fields = _Fields()
    given = raw.fields_source  # 'json', or a listing's hints ('feed', 'sitemap')
    json_published = _json_str(raw, "published")
    if json_published:
        fields.offer("published", parse_timestamp(json_published), given)
    fields.offer("url", _json_str(raw, "url"), given)
    fields.candidate("publisher", _json_str(raw, "publisher"), given)
    names = [n for n in [_json_str(raw, "publisher")] if n]
    title_candidates: list[tuple[str | None, str]] = [(_json_str(raw, "title"), given)]
    json_authors = raw.fields.get("authors")
    if isinstance(json_authors, list):
        fields.offer("authors", [str(a).strip() for a in json_authors if str(a).strip()], given)

    removed: list[RemovedSpan] = []
    description: str | None = None
    if raw.content_type == "html":
        page = extract_html(raw.content, url=fields.values.get("url"))  # type: ignore[arg-type]
        if page.fallback:
            removed.append(RemovedSpan(rule="html-fallback", text="main text too short; used visible page text"))
        identity = read_page(raw.content, url=fields.values.get("url") or page.url)  # type: ignore[arg-type]
        fields.offer("url", page.url, "html")
        fields.offer("published", page.published, "html")
        fields.offer("authors", page.authors, "html")
        for source, name in identity.site_names:
            fields.candidate("publisher", name, source)
        for name in identity.credited:
            fields.candidate("publisher", name, "html-jsonld-publisher")
        for handle in identity.handles:
            fields.candidate("publisher", handle, "html-handle")
        fields.candidate("publisher", page.sitename, "html-extractor")
        names += [n for _, n in identity.site_names] + identity.handles
        description = identity.description
        title_candidates += [(identity.headline, "html-headline"), *((t, "html-meta") for t in identity.titles),
                             (page.title, "html")]
        text = page.text
        whole_page = page.fallback  # otherwise trafilatura already chose the main text
    else:
        text, whole_page = raw.content, True
    url = fields.values.get("url")
    titles = _titles(title_candidates, names, url if isinstance(url, str) else None, fields)
    known_titles = [t for t, _ in titles]
    cleaned: TextCleanResult = clean_text(text, known_titles=known_titles, whole_page=whole_page)
    for title, source in [*titles, (cleaned.title, "text-title")]:
        if title and junk_title_reason(title, names, url if isinstance(url, str) else None, cleaned.body) is None:
            fields.offer("title", title, source)
            break
    fields.offer("published", cleaned.published, "text-header")
    fields.offer("published", cleaned.byline_date, "text-byline")
    fields.offer("dateline", cleaned.dateline, "text-header")
    fields.offer("authors", cleaned.authors, "text-byline")
    fields.offer("aggregator", cleaned.aggregator, "text-breadcrumb")
    for rule, candidate in cleaned.publisher_candidates:
        fields.candidate("publisher", candidate, "text-trailer" if rule == "site-name" else f"text-{rule}")
    removed.extend(cleaned.removed)

    body = cleaned.body
    if not body.strip() and description and len(description.split()) >= MIN_DESCRIPTION_WORDS:
        body = description  # the page's own summary keeps the article (and its metadata) when no text is left
        fields.provenance["body"] = Provenance(source="html-description",
                                               detail="no article text left after cleaning; the page's description")
    publisher = fields.values.get("publisher")
    if boilerplate is not None:
        body, learned = boilerplate.apply(body, publisher if isinstance(publisher, str) else None, raw)
        removed.extend(learned)

    v = fields.values
    return Article(
        id=article_id_for(raw),
        path=raw.path,
        source=raw.source,
        url=v.get("url"),  # type: ignore[arg-type]
        title=v.get("title"),  # type: ignore[arg-type]
        body=body,
        published=v.get("published"),  # type: ignore[arg-type]
        dateline=v.get("dateline"),  # type: ignore[arg-type]
        authors=v.get("authors", []),  # type: ignore[arg-type]
        publisher=publisher,  # type: ignore[arg-type]
        aggregator=v.get("aggregator"),  # type: ignore[arg-type]
        content_hash=content_hash(body),
        provenance=fields.provenance,
        removed=removed,
    )
