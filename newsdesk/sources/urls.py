"""Web pages as inputs: URL identity (canonical URLs), URL lists (`--urls FILE`), and pages fetched into documents.

A page's identity is its canonical URL: the page's own `<link rel="canonical">` when it points into the same
site, else the URL it was fetched from, with tracking parameters (`utm_*`, `fbclid`, … as courlan knows them),
fragments and default ports dropped. The same story reached through a feed, a sitemap or a WARC archive
therefore gets one article id.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

from courlan import extract_domain, normalize_url
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

from newsdesk.model import DocumentOutcome, RawDocument
from newsdesk.sources.fetch import HTML_TYPES, Response
from newsdesk.sources.files import LoadError, decode

_CANONICAL = re.compile(r"<link\b[^>]*>", re.I)
_ATTR = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def is_url(text: str) -> bool:
    """Whether a source argument is a web address (http or https)."""
    return text.lower().startswith(("http://", "https://"))


def canonical_url(url: str) -> str:
    """The URL as an identity: lower-case scheme and host, default port, fragment and tracking parameters
    dropped, query parameters sorted; unchanged when it cannot be parsed."""
    try:
        normalized = normalize_url(url.strip())
    except ValueError:
        return url.strip()
    return normalized.split("#")[0]


def _same_site(a: str, b: str) -> bool:
    host_a, host_b = urlsplit(a).hostname or "", urlsplit(b).hostname or ""
    domain_a, domain_b = extract_domain(a), extract_domain(b)
    if domain_a and domain_b:
        return domain_a == domain_b
    return host_a.removeprefix("www.") == host_b.removeprefix("www.")


def canonical_link(html: str, page_url: str) -> str | None:
    """The page's `<link rel="canonical">`, when it is an http(s) URL in the same site and not the site's
    front page for an article (a common misconfiguration that would merge every article into one)."""
    head = html[:300_000]
    end = head.lower().find("</head>")
    for tag in _CANONICAL.findall(head if end < 0 else head[:end]):
        attrs = {m[0].lower(): m[1] or m[2] or m[3] for m in _ATTR.findall(tag)}
        if "canonical" not in attrs.get("rel", "").lower().split() or not attrs.get("href"):
            continue
        target = urljoin(page_url, attrs["href"].strip())
        if not target.lower().startswith(("http://", "https://")) or not _same_site(target, page_url):
            return None
        if urlsplit(target).path in ("", "/") and urlsplit(page_url).path not in ("", "/"):
            return None
        return canonical_url(target)
    return None


def decode_html(body: bytes, content_type: str | None) -> str:
    """HTML bytes to text as browsers read them: a byte-order mark, else the HTTP charset, else `<meta charset>`
    (UTF-16 there is ignored, as browsers do); with none of them, our own detection (UTF-8 preferred, legacy
    encodings detected, binary refused)."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom:
        return body[len(bom):].decode(bom_encoding, errors="replace")
    declared = http_content_type_encoding(content_type or "")
    if declared is None:
        in_meta = html_body_declared_encoding(body[:4096])
        declared = resolve_encoding(in_meta) if in_meta else None
        if declared and declared.startswith("utf-16"):
            declared = "utf-8"
    if declared:
        try:
            return body.decode(declared, errors="replace")
        except LookupError:
            pass
    return decode(body)


def looks_like_html(body: bytes) -> bool:
    head = body[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title")) or b"<html" in head


@dataclass(frozen=True)
class Listed:
    """A URL as a feed or sitemap lists it: a page (with hints about its article) or, in a sitemap index,
    another sitemap."""

    url: str
    listed: str | None = None
    """When the listing says the page last changed (UTC, `YYYY-MM-DDTHH:MM:SS`), if it says."""
    hints: dict[str, object] = field(default_factory=dict)
    sitemap: bool = False

    def as_json(self) -> dict[str, object]:
        return {"url": self.url, "listed": self.listed, "hints": self.hints, "sitemap": self.sitemap}

    @classmethod
    def from_json(cls, data: dict) -> Listed:  # type: ignore[type-arg]
        return cls(url=data["url"], listed=data.get("listed"), hints=data.get("hints") or {},
                   sitemap=bool(data.get("sitemap")))


def listing_date(value: datetime | str | None) -> str | None:
    """A listing's date as UTC `YYYY-MM-DDTHH:MM:SS` (comparable as text); None when unreadable."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text if len(text) != 7 else text + "-01")
        except ValueError:
            try:
                value = datetime.fromisoformat(text[:4] + "-01-01") if len(text) == 4 else None
            except ValueError:
                value = None
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="seconds")


@dataclass(frozen=True)
class WebPage:
    """A page URL to ingest, with what its listing said about it and, once fetched, the response."""

    url: str
    """The URL as listed (or given)."""
    identity: str
    """`canonical_url(url)`: what incremental ingest and fetch state remember it by."""
    source: str
    """The source it was found under: a feed or sitemap URL, a URL-list file, or the URL itself."""
    hints: dict[str, object] = field(default_factory=dict, hash=False, compare=False)
    """What the listing says about the article (title, published, authors, publisher, language)."""
    hints_from: str = ""
    """Where the hints come from: 'feed', 'sitemap' or '' (none)."""
    listed: str | None = None
    """The listing's last-modified date for the page (`listing_date`), when it gives one."""
    named: bool = False
    """Given as a source itself (not found in a listing): checked on every run."""
    etag: str | None = None
    last_modified: str | None = None
    known_listed: str | None = None
    checked_at: datetime | None = None
    """What the fetch state remembers of the page's last fetch (None when it is new or re-processed in full)."""
    known_sha256: str | None = None
    """The bytes' hash when it was last ingested: a 200 with the same bytes is unchanged."""
    response: Response | None = field(default=None, compare=False)

    @property
    def path(self) -> str:
        return self.url

    @property
    def size(self) -> int:
        return len(self.response.body) if self.response is not None else 0

    @property
    def mtime_ns(self) -> int:
        return 0

    def digest(self) -> str:
        return hashlib.sha256(self.response.body if self.response is not None else b"").hexdigest()

    def due(self, recheck_hours: float) -> bool:
        """Whether a page ingested before is to be fetched again: named as a source, or its listing shows a
        newer date than last time, or (when the listing gives no date) it was last checked longer ago than
        `recheck_hours`."""
        if self.named or self.response is not None:
            return True
        if self.listed is not None:
            return self.known_listed is None or self.listed > self.known_listed
        if recheck_hours <= 0 or self.checked_at is None:
            return False
        return (datetime.now(timezone.utc) - self.checked_at).total_seconds() > recheck_hours * 3600


def page_document(body: bytes, content_type: str, url: str, *, path: str, identity: str, record: str | None,
                  source: str, hints: dict[str, object] | None = None, hints_from: str = "") -> RawDocument:
    """An HTML response (fetched or archived) as a RawDocument whose `url` field is its canonical URL."""
    if not (content_type.split(";")[0].strip().lower() in HTML_TYPES
            or (not content_type.strip() and looks_like_html(body))):
        raise LoadError(f"not HTML ({content_type.split(';')[0].strip() or 'unknown type'})", status="skipped")
    html = decode_html(body, content_type)
    if not html.strip():
        raise LoadError("empty page (no HTML)", status="skipped")
    fields: dict[str, object] = {k: v for k, v in (hints or {}).items() if v not in (None, "", [])}
    fields["url"] = canonical_link(html, url) or canonical_url(url)
    return RawDocument(path=path, identity=identity, record=record, content=html, content_type="html",
                       fields=fields, fields_source=hints_from or "page", source=source)


def load_page(page: WebPage) -> Iterator[RawDocument | DocumentOutcome]:
    """A fetched page as one document, or an outcome saying why it is none."""
    response = page.response
    if response is None:
        yield DocumentOutcome(key=page.url, status="failed", stage="fetch", reason="not fetched")
        return
    try:
        yield page_document(response.body, response.content_type, response.final_url, path=page.url,
                            identity=page.identity, record=None, source=page.source, hints=page.hints,
                            hints_from=page.hints_from)
    except LoadError as exc:
        yield DocumentOutcome(key=page.url, status=exc.status, reason=exc.reason, stage="load")  # type: ignore[arg-type]


def read_url_list(path: str) -> Iterator[tuple[str, str] | DocumentOutcome]:
    """(key, URL) for each line of a URL list: one URL per line; blank lines and `#` comments are skipped."""
    try:
        with open(path, "rb") as fh:
            text = decode(fh.read())
    except OSError as exc:
        yield DocumentOutcome(key=path, status="failed", stage="discover",
                              reason=f"cannot read URL list: {exc.strerror or exc}")
        return
    except LoadError as exc:
        yield DocumentOutcome(key=path, status=exc.status, stage="discover", reason=f"URL list: {exc.reason}")  # type: ignore[arg-type]
        return
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key = f"{path}#{lineno}"
        if not is_url(line) or not urlsplit(line).netloc or any(ch.isspace() for ch in line):
            yield DocumentOutcome(key=key, status="skipped", stage="discover",
                                  reason=f"line {lineno}: not an http(s) URL: {line[:200]!r}")
            continue
        yield key, line


def list_key(path: str) -> str:
    """How a URL-list file is remembered as a source."""
    return os.path.realpath(path)
